"""SARIMA family: real statsmodels fits on small generated series."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tsdesk.core.backtest import forecast_future, run_backtest
from tsdesk.core.series import SeriesData
from tsdesk.errors import Cancelled, UserError
from tsdesk.plugin_api import Progress, TrainingTask

import tsdesk_sarima
from tsdesk_sarima import FAMILY
from tsdesk_sarima import model as sarima_model
from tsdesk_sarima import statespace
from tsdesk_sarima.spec import SarimaSpec

WEEK = np.array([10, 11, 11, 10.5, 10, 6, 5.0]) * 10


def weekly(n: int = 210, seed: int = 0, future: int = 0, exog_effect: float = 0.0,
           freq: str = "D") -> SeriesData:
    """Weekly pattern + AR(1) noise; with ``exog_effect`` a 0/1 'promo' known-future column."""
    rng = np.random.default_rng(seed)
    total = n + future
    noise = np.zeros(total)
    shocks = rng.normal(0, 1.5, total)
    for t in range(1, total):
        noise[t] = 0.6 * noise[t - 1] + shocks[t]
    promo = (rng.random(total) < 0.2).astype(float)
    y = WEEK[np.arange(total) % 7] + noise + exog_effect * promo
    index = pd.date_range("2021-01-04", periods=total, freq=freq)
    kwargs = {}
    if exog_effect:
        kwargs = dict(known_future=["promo"], future_features=["promo"], X_future=promo[:, None],
                      future_index=index[n:])
    return SeriesData(index=index[:n], freq=freq, target="y", y=y[:n], **kwargs)


def task(data: SeriesData, fit_end: int, valid: int | None = None, **params) -> TrainingTask:
    return TrainingTask(data=data, train=slice(0, fit_end),
                        valid=None if valid is None else slice(fit_end, valid), horizon=7,
                        levels=(80, 95), params=params, family="sarima")


def statsmodels_model(spec: SarimaSpec, y, exog=None, trend_offset: int = 1) -> SARIMAX:
    return SARIMAX(y, exog=exog, order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend,
                   trend_offset=trend_offset, use_exact_diffuse=True)


@pytest.fixture(scope="module")
def data() -> SeriesData:
    return weekly()


@pytest.fixture(scope="module")
def fitted(data):
    return sarima_model.train(task(data, 140), Progress())


# -------------------------------------------------------------------------------------------
# Fitting and forecasting


def test_fit_reports_the_model_and_forecasts_with_ordered_intervals(data, fitted):
    info = fitted.info
    assert info["order"] == [1, 0, 0] and info["seasonal_order"] == [0, 1, 1, 7]  # s = 0 -> daily 7
    assert info["converged"] is True and info["fit_rows"] == 140
    assert set(info["params"]) == {"ar.L1", "ma.S.L7", "sigma2"}
    assert info["aic"] < info["bic"] and json.dumps(info)
    origins = np.arange(139, 200)
    fc = fitted.forecast(data, origins, 7, [80, 95])
    assert fc.mean.shape == (61, 7) and fc.lower[95].shape == (61, 7)
    assert np.all(fc.lower[95] < fc.lower[80]) and np.all(fc.lower[80] < fc.mean)
    assert np.all(fc.mean < fc.upper[80]) and np.all(fc.upper[80] < fc.upper[95])
    width = fc.upper[95] - fc.lower[95]
    assert np.all(np.diff(width, axis=1) >= -1e-9)  # wider further ahead
    assert abs(fc.mean[:, 0] - data.y[origins + 1]).mean() < 3.0


def test_trains_on_the_train_rows_plus_the_valid_rows(data):
    fitting = task(data, 120, valid=150)
    fitting.train = slice(10, 120)
    fitted = sarima_model.train(fitting, Progress())
    assert fitted.info["fit_rows"] == 140 and fitted.info["fit_start_row"] == 10
    direct = statespace.fit(fitted.spec, data.y[10:150])
    np.testing.assert_allclose(fitted.params, direct.params, rtol=1e-6)


def test_forecast_never_sees_rows_after_its_origin(data, fitted):
    origins = np.arange(140, 190)
    before = fitted.forecast(data, origins, 5, [80])
    cut = 165
    changed_y = data.y.copy()
    changed_y[cut + 1:] += np.random.default_rng(9).normal(0, 50, data.n - cut - 1)
    changed = SeriesData(index=data.index, freq="D", target="y", y=changed_y)
    after = fitted.forecast(changed, origins, 5, [80])
    keep = origins <= cut
    np.testing.assert_array_equal(before.mean[keep], after.mean[keep])
    np.testing.assert_array_equal(before.lower[80][keep], after.lower[80][keep])
    assert not np.allclose(before.mean[~keep], after.mean[~keep])


def test_fixed_parameter_filtering_matches_statsmodels(data, fitted):
    spec, params = fitted.spec, fitted.params
    origins = np.arange(20, data.n - 1)
    fc = fitted.forecast(data, origins, 1, [95])
    res = statsmodels_model(spec, data.y).filter(params)
    pred = res.get_prediction(start=21, end=data.n - 1)
    np.testing.assert_allclose(fc.mean[:, 0], pred.predicted_mean, rtol=1e-10)
    np.testing.assert_allclose(fc.lower[95][:, 0], pred.conf_int(alpha=0.05)[:, 0], rtol=1e-9)
    # Multi-step from a few origins: a model filtered on y[:o+1] and forecast h steps.
    several = np.array([30, 100, 171])
    fc = fitted.forecast(data, several, 9, [80])
    for i, o in enumerate(several):
        ref = statsmodels_model(spec, data.y[: o + 1]).filter(params).get_forecast(9)
        np.testing.assert_allclose(fc.mean[i], ref.predicted_mean, rtol=1e-9)
        np.testing.assert_allclose(fc.upper[80][i], ref.conf_int(alpha=0.2)[:, 1], rtol=1e-9)


def test_trend_and_known_future_regressors_match_statsmodels(tmp_path):
    data = weekly(n=180, future=14, exog_effect=25.0, seed=3)
    train_task = task(data, 150, order=[1, 0, 0], seasonal_order=[0, 1, 1, 7], trend="ct")
    train_task.train = slice(20, 150)  # the time trend counts from the first training row
    fitted = sarima_model.train(train_task, Progress())
    assert fitted.info["known_future"] == ["promo"] and fitted.info["fit_rows"] == 130
    assert abs(fitted.info["params"]["promo"] - 25.0) < 3.0
    assert list(fitted.info["params"])[:3] == ["intercept", "drift", "promo"]
    x = data.X_future
    result = forecast_future(fitted, data, 14, [80, 95])
    ref = statsmodels_model(fitted.spec, data.y, x[: data.n], trend_offset=-19).filter(fitted.params)
    ref = ref.get_forecast(14, exog=x[data.n:])
    np.testing.assert_allclose(result.mean, ref.predicted_mean, rtol=1e-9)
    np.testing.assert_allclose(result.lower[95], ref.conf_int(alpha=0.05)[:, 0], rtol=1e-9)
    # Backtest origins in the middle: a time-varying trend and regressor at every step.
    fc = fitted.forecast(data, np.array([160]), 10, [80])
    ref = statsmodels_model(fitted.spec, data.y[:161], x[:161], trend_offset=-19).filter(fitted.params)
    np.testing.assert_allclose(fc.mean[0], ref.get_forecast(10, exog=x[161:171]).predicted_mean, rtol=1e-9)
    # Past the known future the forecast is unknown, not made up.
    fc = fitted.forecast(data, np.array([data.n - 1]), 16, [80])
    assert np.isfinite(fc.mean[0, :14]).all() and np.isnan(fc.mean[0, 14:]).all()
    # Data starting later keep counting time from the first training date.
    later = SeriesData(index=data.index[50:], freq="D", target="y", y=data.y[50:], known_future=["promo"],
                       future_features=["promo"], X_future=x[50:], future_index=data.future_index)
    assert fitted._trend_offset(later) == 31 and fitted._trend_offset(data) == -19
    fitted.save(tmp_path)
    loaded = sarima_model.load(tmp_path)
    np.testing.assert_array_equal(loaded.forecast(later, np.array([100, 120]), 5, [80]).upper[80],
                                  fitted.forecast(later, np.array([100, 120]), 5, [80]).upper[80])


def test_refit_every_k_re_estimates_on_data_up_to_the_origin(data, fitted):
    model = sarima_model.SarimaModel(fitted.spec, fitted.params, refit_every=10)
    origins = np.arange(150, 175)
    fc = model.forecast(data, origins, 3, [80])
    assert fc.mean.shape == (25, 3) and np.isfinite(fc.mean).all()
    first = statespace.fit(fitted.spec, data.y[:151], start_params=fitted.params)
    mean, _ = statespace.forecast_origins(fitted.spec, first.params, data.y, None, origins[:10], 3)
    np.testing.assert_allclose(fc.mean[:10], mean, rtol=1e-12)
    fixed = fitted.forecast(data, origins, 3, [80])
    assert not np.allclose(fc.mean, fixed.mean)
    changed = SeriesData(index=data.index, freq="D", target="y", y=np.r_[data.y[:161], data.y[161:] + 40])
    np.testing.assert_array_equal(model.forecast(changed, origins[:10], 3, [80]).mean, fc.mean[:10])


def test_host_backtest_runs_one_filter_pass(data, fitted, monkeypatch):
    calls = []
    real = statespace.SARIMAX.fit
    monkeypatch.setattr(statespace.SARIMAX, "fit", lambda *a, **k: calls.append(1) or real(*a, **k))
    result = run_backtest(fitted, data, 140, data.n, 3, (80, 95))
    assert calls == []  # refit_every = 0 never re-estimates
    assert len(result) == 3 * (data.n - 140) and np.isfinite(result.mean).all()


# -------------------------------------------------------------------------------------------
# Auto search


def test_auto_search_reports_every_candidate_and_keeps_the_best():
    data = weekly(n=150, seed=5)
    events = []
    progress = Progress(lambda kind, fields: events.append((kind, fields)))
    fitted = sarima_model.train(task(data, 150, auto=True, max_p=2, max_q=1, max_P=1, max_Q=1,
                                     criterion="bic"), progress)
    candidates = [f for k, f in events if k == "candidate"]
    assert len(candidates) >= 4 and candidates == fitted.info["auto"]["candidates"]
    for c in candidates:
        assert set(c) >= {"order", "seasonal_order", "criterion", "value", "seconds"}
        assert c["criterion"] == "bic" and c["seasonal_order"][3] in (0, 7)
        assert c["order"][0] <= 2 and c["order"][2] <= 1
    best = min((c for c in candidates if c["value"] is not None), key=lambda c: c["value"])
    assert fitted.info["order"] == best["order"] and fitted.info["seasonal_order"] == best["seasonal_order"]
    assert fitted.info["seasonal_order"][1] == 1  # the weekly pattern is differenced away


def test_auto_search_stops_when_cancelled():
    data = weekly(n=150, seed=5)
    progress = Progress()
    seen = []

    def on_event(kind, fields):
        if kind == "candidate":
            seen.append(fields)
            if len(seen) == 2:
                progress.cancel()

    progress._callback = on_event
    with pytest.raises(Cancelled):
        sarima_model.train(task(data, 150, auto=True), progress)
    assert len(seen) == 2


# -------------------------------------------------------------------------------------------
# Save and load


def test_save_load_round_trip_is_exact_and_holds_no_pickle(data, fitted, tmp_path):
    fitted.save(tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["sarima.json"]
    raw = (tmp_path / "sarima.json").read_bytes()
    assert not raw.startswith(b"\x80") and json.loads(raw)["spec"]["seasonal_order"] == [0, 1, 1, 7]
    loaded = FAMILY.load_loader()(tmp_path)
    origins = np.arange(140, 200)
    a = fitted.forecast(data, origins, 4, [80, 95])
    b = loaded.forecast(data, origins, 4, [80, 95])
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.upper[95], b.upper[95])
    assert loaded.info == json.loads(json.dumps(fitted.info))


def test_load_explains_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(UserError) as err:
        sarima_model.load(tmp_path)
    assert str(err.value) == f"{tmp_path} holds no sarima.json; it is not a saved SARIMA model"
    (tmp_path / "sarima.json").write_text('{"format": "something else"}')
    with pytest.raises(UserError, match="is not a valid SARIMA model file"):
        sarima_model.load(tmp_path)


# -------------------------------------------------------------------------------------------
# Messages a user can meet


@pytest.mark.parametrize("params, rows, message", [
    ({"seasonal_order": [0, 1, 1, 1]}, 140,
     "seasonal_order [0, 1, 1, 1]: a season of length s = 1 cannot have seasonal terms; use s >= 2 "
     "(7 for daily data with a weekly pattern, 12 for monthly data) or set P, D and Q to 0"),
    ({"order": [5, 0, 5], "seasonal_order": [2, 1, 2, 7]}, 40,
     "SARIMA (5,0,5)(2,1,2,7) needs at least 42 training rows and the training data has 40; use "
     "smaller orders or train on more data"),
    ({"order": [1, 3, 0]}, 140,
     "order [1, 3, 0]: d = 3 differences is too many; use d = 0 or 1 (at most 2)"),
    ({"order": [7, 0, 0], "seasonal_order": [1, 1, 0, 7]}, 140,
     "SARIMA (7,0,0)(1,1,0,7): p = 7 reaches the seasonal AR lag s = 7; use p < 7 or P = 0"),
    ({"seasonal_order": [0, 3, 1, 7]}, 140,
     "seasonal_order [0, 3, 1, 7]: D = 3 seasonal differences is too many; use D = 0 or 1 (at most 2)"),
    ({"seasonal_order": [9, 1, 0, 7]}, 140,
     "seasonal_order [9, 1, 0, 7]: 9 seasonal terms is too many; use P and Q <= 5 (0 to 2 is usual)"),
    ({"order": [1, 0]}, 140,
     "parameter 'order' of sarima must have 3 integers, got 2: [1, 0]"),
    ({"trend": "linear"}, 140,
     "parameter 'trend' of sarima must be one of n, c, t, ct; got 'linear'"),
    ({"order": [1, -1, 0]}, 140, "parameter 'order' of sarima must be >= 0, got -1"),
    ({"orders": [1, 0, 0]}, 140, "unknown parameter 'orders' for model family sarima; known parameters: "
     "auto, criterion, max_D, max_P, max_Q, max_d, max_p, max_q, order, refit_every, seasonal_order, trend"),
])
def test_bad_params_are_user_errors(data, params, rows, message):
    with pytest.raises(UserError) as err:
        sarima_model.train(task(data, rows, **params), Progress())
    assert str(err.value) == message


def test_an_origin_without_enough_history_is_explained(data, fitted):
    with pytest.raises(UserError) as err:
        fitted.forecast(data, np.array([3, 4]), 1, [80])
    assert str(err.value) == ("SARIMA (1,0,0)(0,1,1,7) needs 7 rows of history (d + D*s) before a forecast "
                              "origin, and the first origin is row 3; start the backtest later")


def test_a_model_with_regressors_needs_them_in_the_data(fitted):
    with_promo = weekly(n=180, future=14, exog_effect=25.0, seed=3)
    model = sarima_model.train(task(with_promo, 150), Progress())
    plain = weekly(n=180, seed=3)
    with pytest.raises(UserError) as err:
        model.forecast(plain, np.array([170]), 3, [80])
    assert str(err.value) == ("this SARIMA model was trained with the known-future feature 'promo', which "
                              "these data do not have; add that column as known_future or train a new model")


def test_yearly_data_drops_the_seasonal_part_with_a_note():
    data = weekly(n=60, freq="YS")
    events = []
    fitted = sarima_model.train(task(data, 60), Progress(lambda k, f: events.append((k, f))))
    assert fitted.info["seasonal_order"] == [0, 0, 0, 0]
    note = ("the data's frequency (YS) has no season, so SARIMA leaves out the seasonal part (0,1,1); "
            "give s in seasonal_order to keep it")
    assert note in fitted.info["messages"] and ("status", {"message": note}) in events


def test_non_convergence_is_a_message_not_console_warnings(data, monkeypatch):
    monkeypatch.setattr(statespace, "MAXITER", 1)
    events = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = sarima_model.train(task(data, 140, order=[2, 0, 1]), Progress(lambda k, f: events.append(f)))
    assert caught == []
    message = ("the optimiser did not converge for (2,0,1)(0,1,1,7); the forecasts use its last "
               "estimates; try a smaller order")
    assert fitted.info["converged"] is False and message in fitted.info["messages"]
    assert {"message": message} in events


def test_a_failed_fit_is_a_user_error(data, monkeypatch):
    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Schur decomposition solver error.")

    monkeypatch.setattr(statespace.SARIMAX, "fit", broken)
    with pytest.raises(UserError) as err:
        sarima_model.train(task(data, 140, order=[2, 1, 2], seasonal_order=[1, 1, 1, 7]), Progress())
    assert str(err.value) == ("the optimiser failed for SARIMA (2,1,2)(1,1,1,7): Schur decomposition "
                              "solver error; try a smaller order")


# -------------------------------------------------------------------------------------------
# Registration


def test_importing_the_descriptor_does_not_import_statsmodels():
    code = ("import sys, tsdesk_sarima\n"
            "assert 'statsmodels' not in sys.modules, 'statsmodels imported'\n"
            "from tsdesk.plugins import PluginHost\n"
            "host = PluginHost()\n"
            "assert 'sarima' in host.families, [p.as_dict() for p in host.plugins]\n"
            "assert 'statsmodels' not in sys.modules, 'statsmodels imported by discovery'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_family_declaration():
    assert FAMILY.trainer == "tsdesk_sarima.model:train" and FAMILY.loader == "tsdesk_sarima.model:load"
    assert {"intervals", "known_future", "fast_backtest"} <= FAMILY.capabilities
    defaults = FAMILY.defaults()
    assert defaults["order"] == [1, 0, 0] and defaults["seasonal_order"] == [0, 1, 1, 0]
    assert defaults["refit_every"] == 0 and defaults["criterion"] in ("aic", "aicc", "bic")
    assert Path(tsdesk_sarima.__file__).parent.name == "tsdesk_sarima"
