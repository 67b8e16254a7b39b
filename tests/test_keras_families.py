"""The Keras families and their shared engine: real training for 1-3 epochs on a small series."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.backtest import forecast_future, run_backtest
from tsdesk.core.series import SeriesData
from tsdesk.errors import Cancelled, UserError
from tsdesk.plugin_api import Progress, TrainingTask
from tsdesk.plugins import PluginHost

import tsdesk_keras
from tsdesk_keras import architectures as A
from tsdesk_keras import engine as E
from tsdesk_keras.inputs import InputLayout

from keras_helpers import assert_same_forecasts, to_numpy

N = 240
H = 4
FAST = {"window": 14, "max_epochs": 2, "batch_size": 32}
SMALL = {"units": 8, "filters": 8}


def make_series(n=N, covariate=False, known_future=False, future_rows=0, scale=1.0, offset=0.0):
    """A sine with a weekly bump and noise; optionally a covariate and a day-of-week calendar."""
    t = np.arange(n + future_rows)
    rng = np.random.default_rng(0)
    cov = np.cos(2 * np.pi * t / 40)
    y = 10 + 3 * np.sin(2 * np.pi * t / 30) + 2 * (t % 7 == 5) + 0.5 * cov + rng.normal(0, 0.2, len(t))
    kw = {}
    if covariate:
        kw.update(covariates=["temp"], X_cov=cov[:n, None])
    if known_future:
        kw.update(known_future=["weekday"], future_features=[f"weekday_{d}" for d in range(7)],
                  X_future=np.eye(7)[t % 7],
                  future_index=pd.date_range("2022-01-03", periods=n + future_rows, freq="D")[n:])
    return SeriesData(index=pd.date_range("2022-01-03", periods=n, freq="D"), freq="D", target="y",
                      y=y[:n] * scale + offset, **kw)


def fit(family, data=None, progress=None, valid=True, run_seed=1, **params):
    data = data or make_series()
    own = {p.name for p in tsdesk_keras.family(family).params}
    params = {k: v for k, v in {**FAST, **SMALL, **params}.items() if k in own}
    task = TrainingTask(data=data, train=slice(0, 170), valid=slice(170, 200) if valid else None,
                        horizon=H, levels=(80, 95), params=params, seed=run_seed, family=family)
    return getattr(A, f"train_{family}")(task, progress or Progress())


ORIGINS = np.arange(200, N - 1)


@pytest.fixture(scope="module")
def by_strategy():
    """The same small LSTM trained with each strategy, with its progress events."""
    out = {}
    for strategy in ("recursive", "direct", "seq2seq"):
        progress = Progress()
        out[strategy] = (fit("lstm_gru", strategy=strategy, progress=progress), progress)
    return out


FAMILY_CASES = {
    "linear-seq2seq": ("linear", {"strategy": "seq2seq"}),
    "linear-direct": ("linear", {"strategy": "direct"}),
    "simple_rnn-deep-layer-norm": ("simple_rnn", {"layers": 2, "layer_norm": True,
                                                  "recurrent_dropout": 0.1, "dropout": 0.1}),
    "gru-bidirectional-direct": ("lstm_gru", {"cell": "gru", "bidirectional": True, "strategy": "direct"}),
    "conv_gru-seq2seq-odd-window": ("conv_gru", {"window": 15}),
    "wavenet-gated-direct": ("wavenet", {"gated": True, "dilations": [1, 2, 4], "strategy": "direct"}),
    "wavenet-plain-recursive": ("wavenet", {"dilations": [1, 2], "gated": False, "strategy": "recursive"}),
}


@pytest.fixture(scope="module")
def by_family():
    return {case: fit(family, **params) for case, (family, params) in FAMILY_CASES.items()}


# --- the plugin ------------------------------------------------------------------------------


def test_plugin_registers_six_families_through_its_entry_point():
    host = PluginHost()
    info = next(p for p in host.plugins if p.name == "keras")
    assert info.status == "ok", info.reason
    assert info.families == ["linear", "simple_rnn", "lstm_gru", "conv_gru", "wavenet", "bayesian_lstm"]
    for name in info.families:
        family = host.family(name)
        assert family.loader == "tsdesk_keras.engine:load"
        assert {"covariates", "known_future", "multi_horizon"} <= family.capabilities
        assert ("intervals" in family.capabilities) == (name == "bayesian_lstm")  # MC intervals
        assert callable(family.load_trainer())


@pytest.mark.parametrize("family", [f.name for f in tsdesk_keras.FAMILIES])
def test_every_param_has_help_a_group_and_bounds(family):
    f = tsdesk_keras.family(family)
    shared = {"window", "strategy", "optimizer", "learning_rate", "momentum", "clipnorm", "loss",
              "max_epochs", "patience", "reduce_lr_on_plateau", "batch_size", "dropout", "seed"}
    assert shared <= {p.name for p in f.params}
    for p in f.params:
        assert len(p.help) > 30 and p.group in ("Model", "Training", "Window"), p.name
        if p.type in ("int", "float", "ints"):
            assert p.min is not None and p.max is not None, p.name
    f.validate_params({})  # defaults are valid


def test_model_code_uses_keras_only():
    folder = Path(tsdesk_keras.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"\btf\.|import tensorflow|layers\.(TimeDistributed|Lambda)\b", text), path.name


# --- every family trains and forecasts -------------------------------------------------------


@pytest.mark.parametrize("case", list(FAMILY_CASES))
def test_every_family_trains_and_forecasts_many_origins(by_family, case):
    fitted = by_family[case]
    family, params = FAMILY_CASES[case]
    fc = fitted.forecast(make_series(), ORIGINS, H, [80])
    assert fc.mean.shape == (len(ORIGINS), H) and np.isfinite(fc.mean).all()
    assert fc.lower == {} and fc.upper == {}
    info = fitted.info
    assert info["family"] == family and info["epochs"] == 2 and info["best_epoch"] in (1, 2)
    assert info["strategy"] == params.get("strategy", "seq2seq" if family != "linear" else "direct")
    assert info["keras_backend"] and info["params"]["window"] == params.get("window", 14)
    assert info["val_mae"] > 0 and info["val_mae_horizon"] > 0
    json.dumps(info)


@pytest.mark.parametrize("strategy", ["recursive", "direct", "seq2seq"])
def test_all_three_strategies_forecast_the_host_backtest(by_strategy, strategy):
    fitted, _ = by_strategy[strategy]
    data = make_series()
    result = run_backtest(fitted, data, 200, N, H, (80, 95))
    assert len(result) == (N - 200) * H and np.isfinite(result.mean).all()
    mae = np.abs(result.mean - result.actual).mean()
    assert mae < 3 * data.y[:170].std()  # trained a little: far from wild
    assert fitted.model.output_shape[1:] == {"recursive": (1,), "direct": (H,), "seq2seq": (14, H)}[strategy]


def test_recursive_strategy_forecasts_past_its_training_horizon(by_strategy):
    fitted, _ = by_strategy["recursive"]
    assert fitted.forecast(make_series(), ORIGINS, 3 * H, []).mean.shape == (len(ORIGINS), 3 * H)


def test_forecasts_from_many_origins_match_one_at_a_time(by_strategy):
    data = make_series()
    for fitted, _ in by_strategy.values():
        together = fitted.forecast(data, ORIGINS[:5], H, []).mean
        alone = np.vstack([fitted.forecast(data, ORIGINS[i:i + 1], H, []).mean for i in range(5)])
        np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-5)


def test_one_predict_call_for_all_origins(by_strategy, monkeypatch):
    calls = []
    for strategy, (fitted, _) in by_strategy.items():
        calls.clear()
        original = fitted.model.predict
        monkeypatch.setattr(fitted.model, "predict", lambda x, **kw: calls.append(len(x)) or original(x, **kw))
        fitted.forecast(make_series(), ORIGINS, H, [])
        assert len(calls) == (H if strategy == "recursive" else 1)
        assert all(n >= len(ORIGINS) for n in calls)


# --- no leakage ------------------------------------------------------------------------------


def test_values_after_an_origin_do_not_change_its_forecast(by_strategy, by_family):
    data = make_series()
    origin = 210
    changed = make_series()
    changed.y[origin + 1:] += 50.0
    models = [m for m, _ in by_strategy.values()] + list(by_family.values())
    for fitted in models:
        before = fitted.forecast(data, np.array([origin - 3, origin]), H, []).mean
        after = fitted.forecast(changed, np.array([origin - 3, origin]), H, []).mean
        np.testing.assert_array_equal(before, after, err_msg=fitted.family)


# --- covariates and known-future inputs ------------------------------------------------------


@pytest.fixture(scope="module")
def with_inputs():
    data = make_series(covariate=True, known_future=True, future_rows=H)
    progress = Progress()
    seq = fit("lstm_gru", data=data, strategy="seq2seq", progress=progress)
    rec_progress = Progress()
    rec = fit("lstm_gru", data=data, strategy="recursive", progress=rec_progress, valid=False)
    return data, seq, progress, rec, rec_progress


def test_covariates_and_known_future_are_inputs(with_inputs):
    data, seq, _, rec, _ = with_inputs
    assert seq.info["inputs"][:3] == ["y", "temp", "weekday_0"]
    assert seq.info["inputs"][-1] == f"weekday_6(t+{H})"  # the calendar of every forecast step
    assert rec.info["inputs"][-1] == "weekday_6(t+1)"
    assert seq.model.input_shape[-1] == 1 + 1 + 7 * (1 + H)
    for fitted in (seq, rec):
        result = forecast_future(fitted, data, H, (80,))
        assert len(result) == H and np.isfinite(result.mean).all()
        assert result.timestamp[0] == data.future_index[0]


def test_known_future_after_the_origin_is_used_but_past_values_are_not(with_inputs):
    data, seq, _, rec, _ = with_inputs
    origin = np.array([205])
    later = make_series(covariate=True, known_future=True, future_rows=H)
    later.y[206:] += 30.0
    later.X_cov[206:] += 30.0
    calendar = make_series(covariate=True, known_future=True, future_rows=H)
    calendar.X_future[206:] = np.roll(calendar.X_future[206:], 3, axis=1)
    for fitted in (seq, rec):
        base = fitted.forecast(data, origin, H, []).mean
        np.testing.assert_array_equal(base, fitted.forecast(later, origin, H, []).mean)
        assert not np.allclose(base, fitted.forecast(calendar, origin, H, []).mean)


def test_recursive_strategy_holds_covariates_and_says_so(with_inputs):
    _, _, _, rec, rec_progress = with_inputs
    statuses = [f["message"] for k, f in rec_progress.events if k == "status"]
    assert any("held at their last value" in s for s in statuses)
    assert any("last 15% of the training windows" in s for s in statuses)  # valid=None
    assert any("held at their last value" in s for s in rec.info["notes"])


def test_forecasting_data_with_other_columns_is_a_user_error(with_inputs):
    _, seq, *_ = with_inputs
    with pytest.raises(UserError, match=r"trained on 1 covariate and 7 known-future column\(s\) "
                                        r"\(temp, weekday_0, .*\), but the data has 0 and 0"):
        seq.forecast(make_series(), ORIGINS, H, [])


# --- progress, cancel, seeds ------------------------------------------------------------------


def test_progress_reports_every_epoch(by_strategy):
    _, progress = by_strategy["seq2seq"]
    epochs = [f for k, f in progress.events if k == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    for e in epochs:
        assert e["epochs"] == 2 and e["lr"] == pytest.approx(0.001)
        assert all(np.isfinite(e[k]) for k in ("loss", "val_loss", "val_mae"))


def test_val_mae_is_in_data_units():
    small = Progress()
    big = Progress()
    fit("linear", progress=small)
    fit("linear", data=make_series(scale=1000.0, offset=5.0), progress=big)
    mae_small = [f["val_mae"] for k, f in small.events if k == "epoch"]
    mae_big = [f["val_mae"] for k, f in big.events if k == "epoch"]
    np.testing.assert_allclose(mae_big, np.multiply(mae_small, 1000.0), rtol=1e-3)


class CancelAfter(Progress):
    """Cancel once ``cancelled()`` has been asked ``batches`` times (once per batch)."""

    def __init__(self, batches):
        super().__init__()
        self.batches, self.asked = batches, 0

    def cancelled(self):
        self.asked += 1
        if self.asked >= self.batches:
            self.cancel()
        return super().cancelled()


def test_cancel_stops_within_one_batch():
    progress = CancelAfter(batches=2)
    with pytest.raises(Cancelled):
        fit("lstm_gru", progress=progress, max_epochs=1000, batch_size=8)
    assert progress.asked == 2  # stopped right after the second batch
    assert not [k for k, _ in progress.events if k == "epoch"]


def test_cancel_from_the_progress_callback_after_the_first_epoch():
    def on_event(kind, fields):
        if kind == "epoch":
            progress.cancel()

    progress = Progress(callback=on_event)
    with pytest.raises(Cancelled):
        fit("linear", progress=progress, max_epochs=1000)
    assert [f["epoch"] for k, f in progress.events if k == "epoch"] == [1]


def test_same_seed_same_model_other_seed_other_model():
    data = make_series()
    runs = [fit("simple_rnn", run_seed=s, dropout=0.2) for s in (5, 5, 6)]
    a, b, c = (r.forecast(data, ORIGINS, H, []).mean for r in runs)
    np.testing.assert_array_equal(a, b)
    assert runs[0].info["history"] == runs[1].info["history"]
    assert not np.array_equal(a, c)


def test_seed_param_overrides_the_runs_seed():
    data = make_series()
    a = fit("linear", run_seed=1, seed=9).forecast(data, ORIGINS, H, []).mean
    b = fit("linear", run_seed=2, seed=9).forecast(data, ORIGINS, H, []).mean
    np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_the_best_epoch():
    progress = Progress()
    fitted = fit("linear", progress=progress, max_epochs=40, patience=2, learning_rate=0.5,
                 optimizer="sgd", reduce_lr_on_plateau=True)
    maes = [f["val_mae"] for k, f in progress.events if k == "epoch"]
    assert fitted.info["stopped_early"] and len(maes) < 40
    best = int(np.argmin(maes))
    assert fitted.info["best_epoch"] == best + 1 and fitted.info["val_mae"] == pytest.approx(maes[best])
    assert len(maes) - 1 - best == 2  # stopped after `patience` epochs without progress
    # the restored weights give the best epoch's validation MAE again
    data = make_series()
    fc = fitted.forecast(data, np.arange(169, 196), H, []).mean
    target = np.arange(169, 196)[:, None] + np.arange(1, H + 1)
    assert np.abs(fc - data.y[target]).mean() == pytest.approx(maes[best], rel=1e-4)


def test_windows_gathered_batch_by_batch_when_large(monkeypatch):
    monkeypatch.setattr(E, "MATERIALIZE_BYTES", 0)
    fitted = fit("lstm_gru", max_epochs=1)
    assert fitted.forecast(make_series(), ORIGINS, H, []).mean.shape == (len(ORIGINS), H)


# --- save and load ---------------------------------------------------------------------------


def test_save_then_load_forecasts_identically(by_strategy, by_family, with_inputs, tmp_path, monkeypatch):
    seen = []
    real = E.keras.saving.load_model
    monkeypatch.setattr(E.keras.saving, "load_model",
                        lambda *a, **kw: seen.append(kw.get("safe_mode")) or real(*a, **kw))
    plain = make_series()
    cases = [(m, plain) for m, _ in by_strategy.values()] + [(m, plain) for m in by_family.values()]
    cases += [(with_inputs[1], with_inputs[0]), (with_inputs[3], with_inputs[0])]
    for i, (fitted, data) in enumerate(cases):
        folder = tmp_path / f"m{i}"
        fitted.save(folder)
        assert sorted(p.name for p in folder.iterdir()) == ["keras_model.json", "model.keras"]
        loaded = E.load(folder)
        np.testing.assert_array_equal(loaded.forecast(data, ORIGINS, H, []).mean,
                                      fitted.forecast(data, ORIGINS, H, []).mean)
        assert loaded.info == json.loads(json.dumps(fitted.info)) and loaded.family == fitted.family
    assert seen and all(s is True for s in seen)


def test_loading_a_folder_without_a_model_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match=r"is not a saved Keras model: keras_model.json is missing"):
        E.load(tmp_path)


# --- architecture details --------------------------------------------------------------------


def _walk(layer):
    yield layer
    for child in getattr(layer, "layers", []):
        yield from _walk(child)
    for name in ("forward_layer", "backward_layer"):
        if getattr(layer, name, None) is not None:
            yield from _walk(getattr(layer, name))


def test_recurrent_layers_stay_cudnn_eligible_and_dense_acts_on_sequences(by_strategy, by_family):
    models = [m.model for m, _ in by_strategy.values()] + [by_family["gru-bidirectional-direct"].model]
    for model in models:
        for layer in _walk(model):
            if type(layer).__name__ in ("LSTM", "GRU"):
                cfg = layer.get_config()
                assert cfg["activation"] == "tanh" and cfg["recurrent_activation"] == "sigmoid"
                assert cfg["recurrent_dropout"] == 0 and not cfg["unroll"]
            assert type(layer).__name__ not in ("TimeDistributed", "Lambda")
    head = by_strategy["seq2seq"][0].model.get_layer("forecast")
    assert len(head.input.shape) == 3  # Dense on the 3-D sequence directly


def test_layer_normalised_cell_normalises_then_activates(by_family):
    model = by_family["simple_rnn-deep-layer-norm"].model
    cells = [layer.cell for layer in model.layers if type(layer).__name__ == "RNN"]
    assert len(cells) == 2 and all(type(c).__name__ == "LNSimpleRNNCell" for c in cells)
    cell = cells[0]
    assert cell.recurrent_dropout == pytest.approx(0.1)
    x = np.random.default_rng(0).normal(size=(3, cell.kernel.shape[0])).astype("float32")
    h = np.random.default_rng(1).normal(size=(3, cell.units)).astype("float32")
    out, _ = cell(x, [h])
    w = {v.path.split("/")[-1]: to_numpy(v.value) for v in cell.weights}
    z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
    z = (z - z.mean(1, keepdims=True)) / np.sqrt(z.var(1, keepdims=True) + cell.epsilon)
    z = z * w["gamma"] + w["beta"]
    np.testing.assert_allclose(to_numpy(out), np.tanh(z), atol=1e-5)


def test_every_dropping_layer_has_its_own_int32_seed():
    """Seeded dropout makes MC dropout repeatable on every backend; PyTorch's keeps seeds as int32,
    and the two directions of a bidirectional layer must not drop the same units."""
    params = tsdesk_keras.family("lstm_gru").validate_params(
        {"units": 4, "layers": 2, "dropout": 0.1, "bidirectional": True, "strategy": "direct", "window": 14})
    layout = InputLayout(14, H, "direct", 0, 0, (13,))
    for seed in (0, 512927214, 2**31 - 1):  # 512927214 * 1009 is 2**31 - 2 modulo 2**31 - 1
        model = E.build_model(A.LSTM_GRU, params, layout, seed=seed)
        cells = [(sub.cell, sub.go_backwards) for layer in model.layers if hasattr(layer, "forward_layer")
                 for sub in (layer.forward_layer, layer.backward_layer)]
        assert [backwards for _, backwards in cells] == [False, True, False, True]
        seeds = [cell.seed for cell, _ in cells]
        assert len(set(seeds)) == 4 and all(0 < s < 2**31 - 1 for s in seeds), seeds


def test_wavenet_is_gated_by_default_and_plain_on_request():
    """The default is the paper's gated residual stack (measured steadier with covariates,
    docs/defaults.md); gated = false is the book's plain ReLU stack. Both are causal."""
    layout = InputLayout(32, H, "seq2seq", 0, 0, tuple(range(32)))
    kinds = {}
    for gated in (None, False):
        params = tsdesk_keras.family("wavenet").validate_params(
            {"filters": 4, "dilations": [1, 2, 4], **({} if gated is None else {"gated": gated})})
        model = E.build_model(A.WAVENET, params, layout)
        kinds[gated] = [type(layer).__name__ for layer in model.layers]
        x = np.random.default_rng(0).normal(size=(1, 32, 1)).astype("float32")
        later = x.copy()
        later[0, 20:] += 1.0
        np.testing.assert_array_equal(to_numpy(model(later))[0, :20], to_numpy(model(x))[0, :20])
    # three gated blocks; two residual sums (the last block's residual output feeds nothing) + the skip sum
    assert kinds[None].count("Multiply") == 3 and kinds[None].count("Add") == 3
    assert "Multiply" not in kinds[False] and kinds[False].count("Conv1D") == 3


def test_strided_conv_outputs_see_exactly_the_rows_up_to_their_position():
    params = tsdesk_keras.family("conv_gru").validate_params({"window": 15, "filters": 16, "units": 4})
    layout = InputLayout(15, H, "seq2seq", 0, 0, tuple(A.conv_positions(15, params)))
    assert layout.positions == (4, 6, 8, 10, 12, 14)  # one row cropped, kernel 4, stride 2
    # seeded, and 16 filters: with a handful of ReLU filters all can be off at one position, and
    # whether they are would depend on the tests that ran before
    E.keras.utils.set_random_seed(1)
    model = E.build_model(A.CONV_GRU, params, layout)
    x = np.random.default_rng(0).normal(size=(1, 15, 1)).astype("float32")
    base = to_numpy(model(x))
    for j, pos in enumerate(layout.positions):
        at, after = x.copy(), x.copy()
        at[0, pos] += 1.0
        assert not np.allclose(to_numpy(model(at))[0, j], base[0, j])  # output j sees row pos
        if pos + 1 < 15:
            after[0, pos + 1] += 1.0
            np.testing.assert_array_equal(to_numpy(model(after))[0, :j + 1], base[0, :j + 1])


def test_conv_gru_seq2seq_trains_on_aligned_targets(by_family):
    fitted = by_family["conv_gru-seq2seq-odd-window"]
    assert fitted.model.output_shape == (None, 6, H)
    assert fitted.layout.positions == (4, 6, 8, 10, 12, 14)


# --- bad params ------------------------------------------------------------------------------


@pytest.mark.parametrize("family,params,message", [
    ("lstm_gru", {"window": 300},
     r"the training period has 170 rows, too few for a window of 300 and a horizon of 4 \(needs "
     r"at least window \+ horizon = 304\); shorten the window or lengthen the training period"),
    ("lstm_gru", {"bidirectional": True, "strategy": "seq2seq"},
     r"a bidirectional encoder cannot use the seq2seq strategy: its backward pass reads the later "
     r"rows of the window, which are the targets of the earlier steps"),
    ("conv_gru", {"strides": 3, "kernel_size": 2},
     r"strides 3 is larger than kernel_size 2: the Conv1D would skip input steps"),
    ("conv_gru", {"window": 3, "kernel_size": 4},
     r"the window of 3 is shorter than the Conv1D kernel_size of 4; lengthen the window"),
    ("lstm_gru", {"optimizer": "adamw"},
     r"parameter 'optimizer' of lstm_gru must be one of sgd, adam, rmsprop; got 'adamw'"),
    ("wavenet", {"dilations": "1, 2, 0"}, r"parameter 'dilations' of wavenet must be >= 1, got '0'"),
    ("simple_rnn", {"units": 0}, r"parameter 'units' of simple_rnn must be >= 1, got 0"),
    ("linear", {"units": 8, "filters": 1, "cell": "lstm"}, r"unknown parameter 'cell' for model family linear"),
])
def test_bad_params_are_user_errors(family, params, message):
    task = TrainingTask(data=make_series(), train=slice(0, 170), valid=slice(170, 200), horizon=H,
                        levels=(), params={"max_epochs": 1, **params}, family=family)
    with pytest.raises(UserError, match=message):
        getattr(A, f"train_{family}")(task, Progress())


def test_direct_models_refuse_a_longer_horizon(by_strategy):
    fitted, _ = by_strategy["direct"]
    with pytest.raises(UserError, match=r"trained with the direct strategy for a horizon of 4, so it "
                                        r"cannot forecast 8 steps; train it again with a horizon of 8"):
        fitted.forecast(make_series(), ORIGINS, 8, [])


def test_too_little_history_before_an_origin_is_a_user_error(by_strategy):
    fitted, _ = by_strategy["seq2seq"]
    with pytest.raises(UserError, match=r"the forecast from row 6 needs the 14 rows of its window"):
        fitted.forecast(make_series(), np.array([5, 100]), H, [])


# --- XLA on TensorFlow without a GPU ----------------------------------------------------------


def test_xla_rule_and_override(monkeypatch):
    monkeypatch.setenv("TSDESK_KERAS_XLA", "0")
    assert E.use_xla(10**9, 100, 10) is False
    monkeypatch.setenv("TSDESK_KERAS_XLA", "1")
    assert E.use_xla(1, 1, 0) is True
    monkeypatch.setenv("TSDESK_KERAS_XLA", "auto")
    if E.keras.backend.backend() == "tensorflow" and not E.keras.distribution.list_devices("gpu"):
        # 56,000 window steps per epoch: a 2-epoch trial stays eager, a default run compiles
        assert E.use_xla(56_000, 2, 0) is False
        assert E.use_xla(56_000, 100, 10) is True  # expects min(100, max(20, 30)) = 30 epochs
        assert E.use_xla(E.XLA_MIN_WORK // 20 - 1, 500, 5) is False  # early stopping: ~20 epochs
        assert E.use_xla(E.XLA_MIN_WORK // 20, 500, 5) is True
    else:
        assert E.use_xla(10**9, 100, 10) == "auto"


def test_xla_trained_model_forecasts_like_its_saved_copy(monkeypatch, tmp_path):
    monkeypatch.setenv("TSDESK_KERAS_XLA", "1")
    fitted = fit("linear", max_epochs=1)
    assert fitted.info["xla"] is True
    fitted.save(tmp_path)
    data = make_series()
    assert_same_forecasts(E.load(tmp_path).forecast(data, ORIGINS, H, []).mean,
                          fitted.forecast(data, ORIGINS, H, []).mean)


# --- the host's plugin contract --------------------------------------------------------------


@pytest.mark.parametrize("family", [f.name for f in tsdesk_keras.FAMILIES])
def test_host_contract(family, tmp_path, monkeypatch):
    from tsdesk.testing import check_family

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    f = tsdesk_keras.family(family)
    own = {p.name for p in f.params}
    params = {k: v for k, v in {**FAST, **SMALL}.items() if k in own}
    check_family(f, tmp_path, params=params)
