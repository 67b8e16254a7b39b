"""The family trains for real (1-2 epochs on a small generated series) on tsdesk_keras's engine."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # check_family builds the parameter form
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tsdesk.core.series import SeriesData  # noqa: E402
from tsdesk.errors import UserError  # noqa: E402
from tsdesk.plugin_api import Progress, TrainingTask  # noqa: E402
from tsdesk.plugins import PluginHost  # noqa: E402
from tsdesk.testing import check_family  # noqa: E402

N, H = 240, 4
SHORT = {"window": 16, "kernel_size": 3, "pool_size": 2, "filters": 8, "units": 8,
         "attention_units": 8, "max_epochs": 2, "batch_size": 32}
STEPS = (16 - 3 + 1) // 2  # the window after the Conv1D and the pooling
ORIGINS = np.arange(200, N - 1)


@pytest.fixture(scope="module")
def family():
    return PluginHost().family("lstm_cnn_attention")


def series(n: int = N) -> SeriesData:
    t = np.arange(n)
    y = 50 + 5 * np.sin(2 * np.pi * t / 7) + 3 * np.sin(2 * np.pi * t / 45) + \
        np.random.default_rng(0).normal(0, 0.3, n)
    return SeriesData(index=pd.date_range("2023-01-02", periods=n, freq="D"), freq="D", target="y", y=y)


def train(family, progress=None, **params):
    task = TrainingTask(data=series(), train=slice(0, 170), valid=slice(170, 200), horizon=H,
                        levels=(80, 95), params=family.validate_params({**SHORT, **params}), seed=3,
                        family=family.name)
    return family.load_trainer()(task, progress or Progress())


@pytest.fixture(scope="module")
def fitted(family):
    """Trained with the default clipping and plateau schedule; the engine's callbacks recorded."""
    from unittest import mock

    import keras

    with mock.patch.object(keras.callbacks, "ReduceLROnPlateau",
                           wraps=keras.callbacks.ReduceLROnPlateau) as plateau:
        model = train(family)
    model.plateau_calls = plateau.call_args_list
    return model


def test_contract(family, tmp_path):
    check_family(family, tmp_path, params={**SHORT, "max_epochs": 1})


def test_attention_weights_have_the_pooled_window_shape_and_sum_to_one(fitted):
    data = series()
    w = fitted.attention(data, ORIGINS)
    assert w.shape == (len(ORIGINS), STEPS) == (len(ORIGINS), fitted.steps)
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    # one at a time (direct call) and all at once (predict) agree
    np.testing.assert_allclose(fitted.attention(data, ORIGINS[:3]), w[:3], atol=1e-6)


def test_training_leaves_the_last_training_rows_weights_in_info(fitted):
    att = fitted.info["attention"]
    assert fitted.info["attention_steps"] == STEPS
    assert att["origin"] == 199 and len(att["weights"]) == STEPS
    assert abs(sum(att["weights"]) - 1) < 1e-5
    json.dumps(fitted.info)  # JSON-able: the host writes it into tsdesk-model.json


def test_a_forecast_stores_its_latest_origins_weights_in_info(fitted):
    data = series()
    fitted.forecast(data, np.array([210, 230, 220]), H, [])
    att = fitted.info["attention"]
    assert att["origin"] == 230 and att["origin_time"] == data.index[230].isoformat()
    np.testing.assert_allclose(att["weights"], fitted.attention(data, [230])[0], atol=1e-7)
    lags = np.array(att["lags"])
    assert lags.shape == (STEPS, 2) and lags[-1, 1] == 0  # the last step ends on the origin
    assert (lags[:, 0] - lags[:, 1] == 1).all() and (np.diff(lags[:, 0]) == -2).all()
    assert att["start"][-1] == data.index[230 - 1].isoformat() and att["end"][-1] == att["origin_time"]


def test_attention_never_looks_past_its_origin(fitted):
    data = series()
    origin = 205
    changed = SeriesData(**{**data.__dict__, "y": np.where(np.arange(N) > origin, data.y * 5 - 40, data.y)})
    np.testing.assert_allclose(fitted.attention(changed, [origin]), fitted.attention(data, [origin]), atol=1e-7)


def test_lags_say_which_rows_each_pooled_step_sees(fitted):
    """Perturbing a window row changes only the pooled steps whose rows (plus the kernel's
    reach back) contain it; rows before the first pooled step change nothing."""
    import keras

    model = fitted.model
    pooled = keras.Model(model.inputs[0], model.get_layer("pool").output)
    window, k = fitted.layout.window, fitted.params["kernel_size"]
    lags = np.array(fitted.info["attention"]["lags"])
    x = np.random.default_rng(1).normal(size=(1, window, 1)).astype("float32")
    base = keras.ops.convert_to_numpy(pooled(x))
    for position in range(window):
        lag = window - 1 - position
        y = x.copy()
        y[0, position, 0] += 10.0
        moved = np.abs(keras.ops.convert_to_numpy(pooled(y)) - base).max(axis=-1)[0] > 1e-6
        sees = (lag >= lags[:, 1]) & (lag <= lags[:, 0] + k - 1)
        assert not (moved & ~sees).any(), (position, moved, sees)


def test_attention_model_shares_the_trained_layers(fitted):
    ids = {id(v) for v in fitted.model.weights}
    net = fitted.attention_model()
    assert net.weights and all(id(v) in ids for v in net.weights)


def test_save_load_round_trip_is_identical(family, fitted, tmp_path):
    data = series()
    fitted.save(tmp_path)
    config = json.loads(__import__("zipfile").ZipFile(tmp_path / "model.keras").read("config.json"))
    text = json.dumps(config)
    assert "Lambda" not in text and "tsdesk_lstm_cnn_attention>BahdanauAttention" in text
    loaded = family.load_loader()(tmp_path)
    assert type(loaded).__name__ == "AttentionForecaster" and loaded.family == family.name
    np.testing.assert_array_equal(loaded.forecast(data, ORIGINS, H, []).mean,
                                  fitted.forecast(data, ORIGINS, H, []).mean)
    np.testing.assert_array_equal(loaded.attention(data, ORIGINS), fitted.attention(data, ORIGINS))
    assert loaded.info["attention"] == fitted.info["attention"]


def test_gradient_clipping_and_the_plateau_schedule_are_on_by_default(fitted):
    assert fitted.model.optimizer.clipnorm == 1.0
    assert len(fitted.plateau_calls) == 1
    assert fitted.plateau_calls[0].kwargs["monitor"] == "val_forecast_mae"
    assert len(fitted.info["history"]["lr"]) == 2  # the learning rate is logged every epoch


@pytest.mark.parametrize("params, message", [
    ({"window": 4, "kernel_size": 5}, "shorter than the Conv1D kernel_size"),
    ({"window": 6, "kernel_size": 3, "pool_size": 3}, "attention needs at least 2"),
    ({"strategy": "seq2seq"}, "parameter 'strategy' of lstm_cnn_attention must be one of direct, recursive"),
    ({"attention_units": 0}, "parameter 'attention_units' of lstm_cnn_attention must be >= 1"),
    ({"pool_size": 65}, "parameter 'pool_size' of lstm_cnn_attention must be <= 64"),
    ({"clipnorm": -1}, "parameter 'clipnorm' of lstm_cnn_attention must be >= 0"),
    ({"attention": 3}, "unknown parameter 'attention' for model family lstm_cnn_attention"),
])
def test_bad_params_are_user_errors_naming_the_problem(family, params, message):
    task = TrainingTask(data=series(), train=slice(0, 170), valid=slice(170, 200), horizon=H,
                        levels=(80,), params={**SHORT, **params}, family=family.name)
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        family.load_trainer()(task, Progress())
