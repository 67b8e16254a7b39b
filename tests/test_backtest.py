"""The host's backtest engine and the baseline families, on series built in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.backtest import backtest_origins, forecast_future, run_backtest, score
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import Progress, TrainingTask
from tsdesk.plugins import PluginHost

HOST = PluginHost()


def _series(n=140, seed=1) -> SeriesData:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-01", periods=n, freq="D")
    y = 50 + 5 * np.sin(2 * np.pi * np.arange(n) / 7) + rng.normal(0, 1, n)
    return SeriesData(index=idx, freq="D", target="y", y=y)


def _train(name, data, horizon=1, params=None, stop=100):
    fam = HOST.family(name)
    task = TrainingTask(data=data, train=slice(0, stop), valid=None, horizon=horizon, levels=(80, 95),
                        params=fam.validate_params(params or {}))
    return fam.load_trainer()(task, Progress())


def test_origins_cover_each_date_from_each_step():
    assert backtest_origins(10, 13, 2).tolist() == [8, 9, 10, 11]


def test_seasonal_naive_backtest_equals_the_lag_difference():
    data = _series()
    fitted = _train("seasonal_naive", data)
    result = run_backtest(fitted, data, 110, 140, 1, (80, 95))
    assert len(result) == 30
    assert (result.timestamp == data.index[110:140]).all()
    assert (result.origin == data.index[109:139]).all()
    assert np.allclose(result.mean, data.y[103:133])
    m = score(result, data.y[:100], season=7)
    assert m["mae"] == pytest.approx(np.mean(np.abs(data.y[110:140] - data.y[103:133])), rel=1e-9)
    assert m["n_forecasts"] == 30
    assert set(m["coverage"]) == {"80", "95"}
    assert (result.lower[95] <= result.lower[80]).all() and (result.upper[80] <= result.upper[95]).all()


def test_each_step_is_scored_over_the_same_dates():
    data = _series()
    fitted = _train("naive", data, horizon=3)
    result = run_backtest(fitted, data, 120, 140, 3, (80,))
    assert len(result) == 60
    for k in (1, 2, 3):
        part = result.at_step(k)
        assert (part.timestamp == data.index[120:140]).all()
        assert np.allclose(part.mean, data.y[120 - k:140 - k])  # naive: the value at the origin
    m = score(result, data.y[:100], season=7)
    assert list(m["mae_by_horizon"]) == ["1", "2", "3"]


def test_seasonal_naive_multi_step_uses_the_latest_value_of_the_phase():
    data = _series()
    fitted = _train("seasonal_naive", data, horizon=10, params={"season": 7})
    fc = fitted.forecast(data, np.array([99]), 10, [80])
    expected = [data.y[99 + k - 7 * int(np.ceil(k / 7))] for k in range(1, 11)]
    assert np.allclose(fc.mean[0], expected)
    # Intervals widen with the step for the naive forecast of a noisy series.
    naive = _train("naive", data, horizon=10)
    fc = naive.forecast(data, np.array([99]), 10, [80])
    assert fc.upper[80][0, -1] - fc.lower[80][0, -1] > 0


def test_interval_coverage_is_near_nominal_on_stationary_noise():
    rng = np.random.default_rng(5)
    n = 3000
    data = SeriesData(index=pd.date_range("2000-01-01", periods=n, freq="D"), freq="D", target="y",
                      y=rng.normal(0, 1, n))
    fitted = _train("naive", data, stop=2000)
    m = score(run_backtest(fitted, data, 2000, 3000, 1, (80, 95)), data.y[:2000], 7)
    assert m["coverage"]["80"] == pytest.approx(0.80, abs=0.04)
    assert m["coverage"]["95"] == pytest.approx(0.95, abs=0.03)


def test_future_forecast_dates_follow_the_frequency():
    data = _series()
    fitted = _train("seasonal_naive", data, horizon=3)
    result = forecast_future(fitted, data, 3, (80, 95))
    assert list(result.timestamp) == list(pd.date_range(data.index[-1] + pd.Timedelta(days=1), periods=3))
    assert np.isnan(result.actual).all()
    assert np.allclose(result.mean, data.y[-7:-4])


def test_save_load_round_trip(tmp_path):
    data = _series()
    fitted = _train("seasonal_naive", data, horizon=2)
    fitted.save(tmp_path)
    loaded = HOST.family("seasonal_naive").load_loader()(tmp_path)
    a = fitted.forecast(data, np.arange(100, 110), 2, [80, 95])
    b = loaded.forecast(data, np.arange(100, 110), 2, [80, 95])
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.lower[95], b.lower[95])


def test_backtest_too_early_for_the_season():
    data = _series(n=40)
    fitted = _train("seasonal_naive", data, stop=20)
    with pytest.raises(UserError, match="needs 7 earlier values"):
        run_backtest(fitted, data, 3, 40, 1, (80,))


def test_cancel_is_honoured():
    data = _series()
    fam = HOST.family("naive")
    progress = Progress()
    progress.cancel()
    from tsdesk.errors import Cancelled
    task = TrainingTask(data=data, train=slice(0, 100), valid=None, horizon=1, levels=(80,), params={})
    with pytest.raises(Cancelled):
        fam.load_trainer()(task, progress)
