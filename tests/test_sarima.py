"""SARIMA family: real statsmodels fits on small generated series."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from conftest import run_cli
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
    """statsmodels' own SARIMAX for ``spec``: its defaults, plus exact diffuse when the spec asks."""
    exact = {"use_exact_diffuse": True} if spec.initialization == "exact_diffuse" else {}
    return SARIMAX(y, exog=exog, order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend,
                   trend_offset=trend_offset, **exact)


# One BLAS thread for the many small statsmodels fits here (and in the subprocesses below): on a
# busy machine OpenBLAS's worker threads make each fit several times slower, which would triple
# this file's time. Set through the libraries already loaded (Linux; elsewhere nothing happens)
# and restored after the module; the subprocesses get the environment variables instead.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_OPENBLAS_CALLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                   ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
                   ("openblas_get_num_threads", "openblas_set_num_threads"))


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    import ctypes

    restore = []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.split()[-1].lower()}
    except OSError:
        paths = set()
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _OPENBLAS_CALLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                restore.append((getattr(lib, set_), int(getattr(lib, get)())))
                getattr(lib, set_)(1)
                break
    yield
    for set_threads, threads in restore:
        set_threads(threads)


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
    # The history starts at the first training row (20), where the trend's time index is 1.
    ref = statsmodels_model(fitted.spec, data.y[20:], x[20: data.n]).filter(fitted.params)
    ref = ref.get_forecast(14, exog=x[data.n:])
    np.testing.assert_allclose(result.mean, ref.predicted_mean, rtol=1e-9)
    np.testing.assert_allclose(result.lower[95], ref.conf_int(alpha=0.05)[:, 0], rtol=1e-9)
    # Backtest origins in the middle: a time-varying trend and regressor at every step.
    fc = fitted.forecast(data, np.array([160]), 10, [80])
    ref = statsmodels_model(fitted.spec, data.y[20:161], x[20:161]).filter(fitted.params)
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
    first = statespace.fit(fitted.spec, data.y[:151])  # statsmodels' start values, like the loop
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


def test_default_settings_are_statsmodels_arima(data, fitted):
    """The textbook builds ``ARIMA(series, order, seasonal_order).fit()``: same estimates."""
    from statsmodels.tsa.arima.model import ARIMA

    assert fitted.spec.initialization == "approximate_diffuse"
    assert fitted.info["initialization"] == "approximate_diffuse" and fitted.info["trend"] == "n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ARIMA(data.y[:140], order=(1, 0, 0), seasonal_order=(0, 1, 1, 7)).fit()
    np.testing.assert_allclose(fitted.params, ref.params, rtol=1e-9)
    assert fitted.info["loglike"] == pytest.approx(ref.llf, rel=1e-12)
    exact = sarima_model.train(task(data, 140, initialization="exact_diffuse"), Progress())
    assert exact.spec.initialization == "exact_diffuse"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SARIMAX(data.y[:140], order=(1, 0, 0), seasonal_order=(0, 1, 1, 7),
                      use_exact_diffuse=True).fit(disp=False)
    np.testing.assert_allclose(exact.params, ref.params, rtol=1e-9)
    assert not np.allclose(exact.params, fitted.params, rtol=1e-6)  # the choice matters


@pytest.mark.parametrize("refit_every", [0, 5])
def test_history_starts_at_the_train_start_not_at_row_0(data, refit_every):
    """Estimates come from rows [train.start, fit_end); forecasts (fixed or refitted) condition
    on rows [train.start, origin], like a loop fitting ``series[origin:today]``."""
    fitting = task(data, 140, refit_every=refit_every)
    fitting.train = slice(30, 140)
    fitted = sarima_model.train(fitting, Progress())
    assert fitted.info["fit_start_row"] == 30 and fitted.fit_start == data.index[30].isoformat()
    direct = statespace.fit(fitted.spec, data.y[30:140])
    np.testing.assert_allclose(fitted.params, direct.params, rtol=1e-9)
    origins = np.arange(139, 149)
    fc = fitted.forecast(data, origins, 2, [95])
    y = data.y[30:]
    if refit_every == 0:
        ref = statsmodels_model(fitted.spec, y).filter(fitted.params)
        pred = ref.get_prediction(start=origins[0] + 1 - 30, end=origins[-1] + 1 - 30)
        np.testing.assert_allclose(fc.mean[:, 0], pred.predicted_mean, rtol=1e-10)
        np.testing.assert_allclose(fc.upper[95][:, 0], pred.conf_int(alpha=0.05)[:, 1], rtol=1e-10)
        from_row_0 = statsmodels_model(fitted.spec, data.y).filter(fitted.params)
        assert not np.allclose(from_row_0.get_prediction(start=origins[0] + 1, end=origins[-1] + 1)
                               .predicted_mean, fc.mean[:, 0], rtol=1e-9, atol=0)
    else:  # origins 139..143 share a refit on rows 30..139, 144..148 one on rows 30..144
        for group in (origins[:5], origins[5:]):
            refit = statespace.fit(fitted.spec, y[: group[0] + 1 - 30])
            mean, _ = statespace.forecast_origins(fitted.spec, refit.params, y, None, group - 30, 2)
            np.testing.assert_allclose(fc.mean[np.isin(origins, group)], mean, rtol=1e-12)


def test_models_saved_before_the_initialization_choice_keep_exact_diffuse(data, fitted, tmp_path):
    exact = sarima_model.train(task(data, 140, initialization="exact_diffuse"), Progress())
    exact.save(tmp_path)
    saved = json.loads((tmp_path / "sarima.json").read_text())
    assert saved["spec"]["initialization"] == "exact_diffuse" and saved["fit_start"] == "2021-01-04T00:00:00"
    del saved["spec"]["initialization"], saved["fit_start"]  # as an older tsdesk wrote it
    (tmp_path / "sarima.json").write_text(json.dumps(saved))
    loaded = sarima_model.load(tmp_path)
    assert loaded.spec.initialization == "exact_diffuse" and loaded.fit_start is None
    origins = np.arange(140, 150)
    np.testing.assert_array_equal(loaded.forecast(data, origins, 3, [80]).mean,
                                  exact.forecast(data, origins, 3, [80]).mean)


# -------------------------------------------------------------------------------------------
# The textbook's rolling forecast on the bundled sample (Geron, ch. 15: SARIMA (1,0,0)(0,1,1,7) on
# daily rail ridership, one forecast per day of March-May 2019, refitted every day on the history
# from 2019-01-01 up to the day before).

RIDERSHIP = Path(__file__).resolve().parent.parent / "resources" / "ridership.csv"
BOOK_ORIGIN, BOOK_START, BOOK_END = "2019-01-01", "2019-03-01", "2019-05-31"

BOOK_LOOP = f"""
import json, sys, warnings
import pandas as pd
from statsmodels.tsa.arima.model import ARIMA

df = pd.read_csv({str(RIDERSHIP)!r}, parse_dates=["date"]).set_index("date")
origin, start_date, end_date = {BOOK_ORIGIN!r}, {BOOK_START!r}, {BOOK_END!r}
time_period = pd.date_range(start_date, end_date)
rail_series = df.loc[origin:end_date, "rail"].asfreq("D")
y_preds = []
warnings.simplefilter("ignore")
for today in time_period.shift(-1):
    model = ARIMA(rail_series[origin:today], order=(1, 0, 0), seasonal_order=(0, 1, 1, 7))
    model = model.fit()  # retrain every day, expanding window from origin
    y_preds.append(model.forecast().iloc[0])
mae = (pd.Series(y_preds, index=time_period) - rail_series[time_period]).abs().mean()
json.dump({{"preds": [float(v) for v in y_preds], "mae": float(mae)}}, sys.stdout)
"""

@pytest.fixture(scope="module")
def book() -> dict:
    """The book's loop, run as written (92 statsmodels ARIMA fits): its forecasts and MAE."""
    done = subprocess.run([sys.executable, "-c", BOOK_LOOP], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **ONE_THREAD})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    out["preds"] = pd.Series(out["preds"], index=pd.date_range(BOOK_START, BOOK_END))
    assert len(out["preds"]) == 92 and out["mae"] > 0
    return out


def book_experiment(tmp_path: Path, refit_every: int) -> Path:
    path = tmp_path / "book.toml"
    path.write_text(f"""
[data]
path = {json.dumps(str(RIDERSHIP))}
date_column = "date"
target = "rail"

[split]
train = ["{BOOK_ORIGIN}", "2019-02-28"]

[model]
family = "sarima"

[model.params]
order = [1, 0, 0]
seasonal_order = [0, 1, 1, 7]
refit_every = {refit_every}

[evaluation]
horizon = 1
backtest = ["{BOOK_START}", "{BOOK_END}"]
levels = [80, 95]
""")
    return path


def test_textbook_refit_every_day_through_the_cli_reproduces_the_loop(book, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", book_experiment(tmp_path, refit_every=1), "--out", out, "--quiet", env=ONE_THREAD)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_forecasts"] == 92
    assert abs(metrics["mae"] / book["mae"] - 1) < 0.003
    assert 0.85 <= metrics["coverage"]["95"] <= 1.0
    forecasts = pd.read_csv(out / "forecasts.csv", parse_dates=["timestamp"]).set_index("timestamp")
    # Same model, data, settings and optimiser: the same forecasts, up to optimiser noise.
    np.testing.assert_allclose(forecasts["mean"].to_numpy(), book["preds"].to_numpy(), rtol=1e-5)
    model = json.loads((out / "model" / "sarima.json").read_text())
    assert model["spec"]["initialization"] == "approximate_diffuse" and model["fit_start"].startswith(BOOK_ORIGIN)
    assert model["info"]["fit_rows"] == 59


def test_textbook_fixed_parameters_stay_close_to_the_loop(book, tmp_path):
    """refit_every = 0: one fit on 2019-01-01 .. 2019-02-28, then one filter pass from 2019-01-01."""
    from statsmodels.tsa.arima.model import ARIMA
    from tsdesk.core.experiment import load_experiment
    from tsdesk.core.runner import run_experiment

    run = run_experiment(load_experiment(book_experiment(tmp_path, refit_every=0)))
    metrics = run.metrics
    assert metrics["n_forecasts"] == 92
    assert abs(metrics["mae"] / book["mae"] - 1) < 0.015
    assert 0.85 <= metrics["coverage"]["95"] <= 1.0
    # statsmodels' own answer: ARIMA fitted on the training window, applied with those parameters
    # to the history from 2019-01-01 on.
    rail = pd.read_csv(RIDERSHIP, parse_dates=["date"]).set_index("date")["rail"].astype(float).asfreq("D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(rail[BOOK_ORIGIN:"2019-02-28"], order=(1, 0, 0), seasonal_order=(0, 1, 1, 7)).fit()
        pred = res.apply(rail[BOOK_ORIGIN:BOOK_END]).get_prediction(start=BOOK_START, end=BOOK_END)
    np.testing.assert_allclose(run.fitted.params, res.params, rtol=1e-9)
    np.testing.assert_allclose(run.backtest.mean, pred.predicted_mean.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(run.backtest.lower[95], pred.conf_int(alpha=0.05).iloc[:, 0].to_numpy(), rtol=1e-9)


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


def test_auto_search_recovers_the_orders_of_a_simulated_sarima_process():
    """(1 - 0.7 B)(1 - B^7) y_t = (1 - 0.6 B^7) e_t, started from a weekly pattern: the search
    finds D = 1 and d = 0 by its tests, then (1,0,0)(0,1,1,7) by BIC among its neighbours."""
    rng = np.random.default_rng(0)
    n, phi, theta = 300, 0.7, -0.6
    e = rng.normal(0, 2.0, n + 7)
    w = np.zeros(n + 7)
    y = np.r_[WEEK, np.zeros(n)]
    for t in range(7, n + 7):
        w[t] = phi * w[t - 1] + e[t] + theta * e[t - 7]
        y[t] = y[t - 7] + w[t]
    data = SeriesData(index=pd.date_range("2021-01-04", periods=n, freq="D"), freq="D", target="y", y=y[7:])
    fitted = sarima_model.train(task(data, n, auto=True, criterion="bic", max_p=2, max_q=2, max_P=1,
                                     max_Q=1), Progress())
    assert fitted.info["order"] == [1, 0, 0] and fitted.info["seasonal_order"] == [0, 1, 1, 7]
    assert fitted.info["params"]["ar.L1"] == pytest.approx(phi, abs=0.1)
    assert fitted.info["params"]["ma.S.L7"] == pytest.approx(theta, abs=0.1)
    assert fitted.info["initialization"] == "approximate_diffuse"


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
     "auto, criterion, initialization, max_D, max_P, max_Q, max_d, max_p, max_q, order, refit_every, "
     "seasonal_order, trend"),
    ({"initialization": "diffuse"}, 140, "parameter 'initialization' of sarima must be one of "
     "approximate_diffuse, exact_diffuse; got 'diffuse'"),
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
    assert defaults["initialization"] == "approximate_diffuse"  # statsmodels' ARIMA default
    help_text = FAMILY.param("initialization").help
    assert "statsmodels" in help_text and "large-valued series" in help_text
    assert Path(tsdesk_sarima.__file__).parent.name == "tsdesk_sarima"
