"""Intervals for the point-forecast Keras families: Monte-Carlo dropout (``[evaluation] intervals
= "mc_dropout"``) and the host's conformal intervals, through the real runner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.experiment import experiment_from_dict
from tsdesk.core.runner import conformal_mode, prepare, run_experiment
from tsdesk.core.experiment import resolve_split
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import Progress, TrainingTask
from tsdesk.plugins import get_host

import keras

from tsdesk_keras import architectures as A
from tsdesk_keras import engine as E

from keras_helpers import assert_same_forecasts

N = 300
H = 2
BASE = {"window": 14, "units": 8, "max_epochs": 6, "batch_size": 32, "mc_samples": 50,
        "strategy": "direct"}
ORIGINS = np.arange(250, N - 1)
MC = {"intervals": "mc_dropout"}


def make_series(n=N, seed=0):
    t = np.arange(n)
    y = 20 + 3 * np.sin(2 * np.pi * t / 7) + np.random.default_rng(seed).normal(0, 0.5, n)
    return SeriesData(index=pd.date_range("2021-01-04", periods=n, freq="D"), freq="D", target="y", y=y)


def fit(family="lstm_gru", options=MC, run_seed=3, **params):
    own = {p.name for p in get_host().family(family).params}
    params = {k: v for k, v in {**BASE, **params}.items() if k in own}
    task = TrainingTask(data=make_series(), train=slice(0, 220), valid=slice(220, 250), horizon=H,
                        levels=(80, 95), params=params, seed=run_seed, family=family,
                        options=dict(options or {}))
    return getattr(A, f"train_{family}")(task, Progress())


@pytest.fixture(scope="module")
def by_dropout():
    return {rate: fit(dropout=rate) for rate in (0.05, 0.5)}


def _width(fitted, level=80):
    fc = fitted.forecast(make_series(), ORIGINS, H, [level])
    return float(np.mean(fc.upper[level] - fc.lower[level]))


def test_dropout_stays_on_and_gives_ordered_bounds(by_dropout):
    fitted = by_dropout[0.5]
    assert fitted.has_intervals and fitted.info["intervals"] == "mc_dropout"
    fc = fitted.forecast(make_series(), ORIGINS, H, [80, 95])
    assert fc.mean.shape == (len(ORIGINS), H) and np.isfinite(fc.mean).all()
    assert np.all(fc.lower[95] <= fc.lower[80]) and np.all(fc.lower[80] <= fc.mean)
    assert np.all(fc.mean <= fc.upper[80]) and np.all(fc.upper[80] <= fc.upper[95])
    assert np.all(fc.upper[95] > fc.lower[95])
    # the passes really differ: dropout is on at prediction, a different mask in every pass
    lay = fitted.layout
    x = np.repeat(make_series().y[-lay.window:, None][None], 3, axis=0).astype("float32")
    fitted.mc["samples"] = 3
    try:
        passes = fitted._predict_mc(fitted.scaler.transform(x[..., 0])[..., None].astype("float32"), 1)
    finally:
        fitted.mc["samples"] = BASE["mc_samples"]
    assert len({tuple(np.round(p.ravel(), 6)) for p in passes}) == 3
    assert len(fitted.info["mc_dropout_noise"]) == H and min(fitted.info["mc_dropout_noise"]) >= 0


def test_intervals_widen_with_dropout(by_dropout):
    """The passes spread more with more dropout, and that spread widens the interval beyond the
    observation noise measured on the validation windows (which both models carry)."""
    spread = {rate: float(np.std(_passes(fitted), axis=0).mean()) for rate, fitted in by_dropout.items()}
    assert spread[0.5] > 2 * spread[0.05]
    z80 = 1.2815515655446004
    excess = {rate: _width(fitted) - 2 * z80 * float(np.mean(fitted.info["mc_dropout_noise"]))
              for rate, fitted in by_dropout.items()}
    assert excess[0.5] > 2 * excess[0.05] > 0


def _passes(fitted):
    from tsdesk.core import windowing
    from tsdesk_keras import inputs as I

    data = make_series()
    rows = I.input_rows(data, fitted.scaler, fitted.layout, N)
    x = windowing.gather(windowing.window_view(rows, fitted.layout.window), ORIGINS, fitted.layout.window)
    locs, _ = fitted._passes(x, data, ORIGINS, H)
    return locs


def test_all_passes_in_one_predict_call(by_dropout, monkeypatch):
    calls = []
    real = keras.Model.predict

    def spy(self, x, *args, **kwargs):
        calls.append(x.total if isinstance(x, E._Repeated) else len(x))
        return real(self, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", spy)
    by_dropout[0.05].forecast(make_series(), ORIGINS, H, [80])
    assert calls == [len(ORIGINS) * BASE["mc_samples"]]


def test_same_forecasts_after_save_and_load(by_dropout, tmp_path):
    fitted = by_dropout[0.5]
    fitted.save(tmp_path)
    loaded = E.load(tmp_path)
    assert loaded.has_intervals and loaded.mc == fitted.mc
    a = fitted.forecast(make_series(), ORIGINS, H, [80, 95])
    b = loaded.forecast(make_series(), ORIGINS, H, [80, 95])
    assert_same_forecasts(a.mean, b.mean)
    assert_same_forecasts(a.upper[95], b.upper[95])


def test_other_families_and_strategies_take_mc_dropout():
    for family, params in (("linear", {"dropout": 0.3}),
                           ("simple_rnn", {"recurrent_dropout": 0.3, "strategy": "recursive"}),
                           ("wavenet", {"dropout": 0.3, "dilations": [1, 2], "strategy": "seq2seq"})):
        fitted = fit(family, max_epochs=1, **params)
        fc = fitted.forecast(make_series(), ORIGINS, H, [80])
        assert np.all(fc.lower[80] < fc.upper[80]), family


def test_without_dropout_mc_dropout_is_a_user_error():
    with pytest.raises(UserError, match=r"intervals = \"mc_dropout\" needs dropout > 0: the Monte-Carlo "
                                        r"passes differ only by the units dropout switches off, and "
                                        r"lstm_gru has dropout = 0.0; set the dropout parameter"):
        fit(dropout=0.0, max_epochs=1)


def test_without_the_option_forecasts_stay_points():
    fitted = fit(options={}, dropout=0.3, max_epochs=1)
    assert not fitted.has_intervals and fitted.info["intervals"] == "none"
    assert fitted.forecast(make_series(), ORIGINS, H, [80]).lower == {}


# --- through the runner ------------------------------------------------------------------------


def _csv(tmp_path, n, seed=0, noise=1.0):
    """A stationary daily series with known Gaussian noise: AR(1) around a weekly pattern."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = 0.5 * e[i - 1] + rng.normal(0, noise)
    y = 100 + 5 * np.sin(2 * np.pi * t / 7) + e
    path = tmp_path / "series.csv"
    pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                  "value": np.round(y, 4)}).to_csv(path, index=False)
    return path


def _experiment(path, train, valid, backtest, params, **evaluation):
    return experiment_from_dict({
        "data": {"path": str(path), "date_column": "date", "target": "value"},
        "split": {"train": list(train), "valid": list(valid)},
        "model": {"family": "linear", "params": params, "seed": 1},
        "evaluation": {"horizon": 1, "backtest": list(backtest), "levels": [80, 95], **evaluation},
    }, path.parent)


def test_runner_passes_mc_dropout_and_auto_conformal_leaves_its_intervals(tmp_path):
    path = _csv(tmp_path, 500)
    spans = (("2000-01-01", "2000-09-30"), ("2000-10-01", "2000-12-31"), ("2001-01-01", "2001-05-14"))
    params = {"window": 14, "max_epochs": 3, "dropout": 0.2, "mc_samples": 30}
    run = run_experiment(_experiment(path, *spans, params, intervals="mc_dropout"))
    assert run.fitted.has_intervals and run.fitted.info["intervals"] == "mc_dropout"
    assert run.metrics["intervals"] == "mc_dropout"  # not replaced by the auto conformal intervals
    assert 0.5 < run.metrics["coverage"]["95"] <= 1.0 and run.metrics["mean_width"]["95"] > 0
    assert sorted(run.metrics["calibration"], key=int)[0] == "10"
    assert run.future is not None and set(run.future.upper) == {80, 95}
    # the same family without the option: auto conformal intervals
    plain = _experiment(path, *spans, params)
    family = get_host().family("linear")
    series, split, _ = prepare(plain, family)
    assert conformal_mode(plain, family, split) == "split"
    asked = _experiment(path, *spans, params, intervals="mc_dropout", conformal=True)
    assert conformal_mode(asked, family, split, run.fitted) == "split"  # asked for: conformal wins
    assert conformal_mode(_experiment(path, *spans, params, intervals="mc_dropout"), family, split,
                          run.fitted) is None


def test_runner_refuses_mc_dropout_without_dropout(tmp_path):
    path = _csv(tmp_path, 200)
    exp = _experiment(path, ("2000-01-01", "2000-04-30"), ("2000-05-01", "2000-05-31"),
                      ("2000-06-01", "2000-07-18"), {"window": 7, "max_epochs": 1}, intervals="mc_dropout")
    with pytest.raises(UserError, match=r"intervals = \"mc_dropout\" needs dropout > 0"):
        run_experiment(exp)


def test_conformal_95_intervals_cover_95_percent_of_2000_points_for_a_keras_family(tmp_path):
    path = _csv(tmp_path, 4300, seed=7)
    exp = _experiment(path, ("2000-01-01", "2003-03-31"), ("2003-04-01", "2006-03-31"),
                      ("2006-04-01", "2011-09-21"), {"window": 14, "max_epochs": 3}, conformal=True)
    run = run_experiment(exp)
    assert run.metrics["intervals"] == "split" and run.metrics["n_forecasts"] == 2000
    assert 0.93 <= run.metrics["coverage"]["95"] <= 0.97
    assert 0.76 <= run.metrics["coverage"]["80"] <= 0.84
