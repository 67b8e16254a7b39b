"""Exploration helpers against statsmodels' own numbers and textbook cases."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa import stattools

from tsdesk.core import explore
from tsdesk.errors import UserError


def ar1(phi: float, n: int, seed: int = 0, sd: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.normal(0, sd, n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def ma1(theta: float, n: int, seed: int = 0) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=n + 1)
    return e[1:] + theta * e[:-1]


def weekly(n: int = 500, seed: int = 0) -> np.ndarray:
    """The course's shape: a weekly pattern (weekends low) plus AR(1) noise."""
    week = np.array([10, 11, 11, 10.5, 10, 6, 5.0]) * 10
    return week[np.arange(n) % 7] + ar1(0.6, n, seed, 1.5)


# -------------------------------------------------------------------------------------------
# ACF / PACF


@pytest.mark.parametrize("series", [ar1(0.7, 300), ma1(0.8, 250, 1), weekly(200)])
def test_acf_matches_statsmodels_with_bartlett_band(series):
    c = explore.acf(series, 30)
    values, confint = stattools.acf(series, nlags=30, alpha=0.05, result_object=False)
    np.testing.assert_allclose(c.values, values, atol=1e-12)
    np.testing.assert_allclose(c.bartlett[1:], (confint[:, 1] - values)[1:], rtol=1e-6)
    assert c.band == pytest.approx(1.96 / np.sqrt(len(series)), rel=1e-3)
    assert list(c.lags) == list(range(31)) and c.n == len(series)


@pytest.mark.parametrize("series", [ar1(0.7, 300), ma1(0.8, 250, 1), weekly(200)])
def test_pacf_matches_statsmodels_ywm(series):
    c = explore.pacf(series, 25)
    np.testing.assert_allclose(c.values, stattools.pacf(series, nlags=25, method="ywm"), atol=1e-10)
    np.testing.assert_allclose(c.values, stattools.pacf(series, nlags=25, method="ldb"), atol=1e-10)


def test_correlograms_cap_lags_and_flag_significance():
    x = ar1(0.8, 40)
    assert len(explore.acf(x, 100).values) == 40  # lags 0..n-1
    assert len(explore.pacf(x, 100).values) == 20  # lags 0..n//2-1, as statsmodels requires
    c = explore.pacf(ar1(0.8, 500), 10)
    assert c.significant()[1] and not c.significant()[0]
    assert explore.acf(np.ones(20), 5).values.tolist() == [1.0, 0, 0, 0, 0, 0]


def test_correlogram_input_errors():
    with pytest.raises(UserError) as err:
        explore.acf([1.0, 2.0, np.nan, 4.0, 5.0])
    assert str(err.value) == "the series has a missing value at position 2; fill the gaps first"
    assert len(explore.acf([np.nan, 1.0, 2.0, 3.0, 2.0, np.nan], 2).values) == 3  # edges trimmed
    with pytest.raises(UserError) as err:
        explore.acf([1.0, 2.0])
    assert str(err.value) == "the series has 2 values; at least 3 are needed"


# -------------------------------------------------------------------------------------------
# Differencing, resampling, STL, Ljung-Box


def test_seasonal_difference_known_cases():
    assert explore.seasonal_difference(np.arange(10.0), 2).tolist() == [2.0] * 8
    assert explore.seasonal_difference(np.arange(10.0), 2, times=2).tolist() == [0.0] * 6
    # The notes' example: one difference of a quadratic leaves a linear trend, two leave a constant.
    assert explore.seasonal_difference([1, 4, 9, 16, 25, 36], 1).tolist() == [3, 5, 7, 9, 11]
    assert explore.seasonal_difference([1, 4, 9, 16, 25, 36], 1, 2).tolist() == [2, 2, 2, 2]
    y = weekly(70)
    d = explore.seasonal_difference(y, 7)
    np.testing.assert_allclose(d, y[7:] - y[:-7])
    s = pd.Series(y, index=pd.date_range("2019-01-01", periods=70, freq="D"))
    ds = explore.seasonal_difference(s, 7)
    assert ds.index[0] == pd.Timestamp("2019-01-08") and np.allclose(ds.to_numpy(), d)
    with pytest.raises(UserError, match="the differencing lag must be >= 1, got 0"):
        explore.seasonal_difference(y, 0)


def test_resample_mean_gives_monthly_means_and_their_rolling_average():
    days = pd.date_range("2017-01-01", "2018-12-31", freq="D")
    series = pd.Series(days.month.to_numpy() + 100.0 * (days.year.to_numpy() - 2017), index=days)
    out = explore.resample_mean(series, "ME", rolling=12)
    assert list(out.columns) == ["mean", "rolling_mean"] and len(out) == 24
    assert out["mean"].iloc[:12].tolist() == list(range(1, 13))
    assert out["rolling_mean"].iloc[:11].isna().all()
    assert out["rolling_mean"].iloc[11] == pytest.approx(6.5)
    assert out["rolling_mean"].iloc[23] == pytest.approx(106.5)
    pd.testing.assert_frame_equal(explore.resample_mean(series, "M"), out)  # old alias accepted
    with pytest.raises(UserError, match="'fortnight' is not a resampling period"):
        explore.resample_mean(series, "fortnight")


def test_stl_components_add_up_to_the_series():
    days = pd.date_range("2020-01-01", periods=140, freq="D")
    series = pd.Series(weekly(140) + np.linspace(0, 20, 140), index=days)
    parts = explore.stl(series, 7)
    assert list(parts.columns) == ["trend", "seasonal", "resid"] and parts.index.equals(days)
    np.testing.assert_allclose(parts.sum(axis=1), series, atol=1e-8)
    assert parts["seasonal"].std() > 5 * parts["resid"].std()
    with pytest.raises(UserError, match="STL with season 7 needs at least 14 values, the series has 10"):
        explore.stl(series.iloc[:10], 7)


def test_ljung_box_tells_white_noise_from_autocorrelation():
    from statsmodels.stats.diagnostic import acorr_ljungbox

    noise = np.random.default_rng(4).normal(size=300)
    lb = explore.ljung_box(noise, 10)
    assert list(lb.columns) == ["lb_stat", "lb_pvalue"] and lb.index.tolist() == list(range(1, 11))
    assert lb["lb_pvalue"].iloc[-1] > 0.05
    pd.testing.assert_frame_equal(lb, acorr_ljungbox(noise, lags=10)[["lb_stat", "lb_pvalue"]])
    assert explore.ljung_box(ar1(0.7, 300), 10)["lb_pvalue"].iloc[-1] < 1e-6


def test_seasonal_strength():
    assert explore.seasonal_strength(weekly(300), 7) > 0.9
    assert explore.seasonal_strength(np.random.default_rng(1).normal(size=300), 7) < 0.3


# -------------------------------------------------------------------------------------------
# Order hints


def test_order_hint_reads_an_ar1_from_the_pacf():
    hint = explore.order_hint(ar1(0.7, 500, seed=3) + 50, 1)
    assert "PACF cuts off after lag 1, ACF tails off: try p = 1" in hint
    assert "d = 0" in hint and hint.endswith("suggested start: SARIMA(1,0,0)")


def test_order_hint_reads_an_ma1_from_the_acf():
    hint = explore.order_hint(ma1(0.8, 500, seed=3), 1)
    assert "ACF cuts off after lag 1, PACF tails off: try q = 1" in hint
    assert hint.endswith("SARIMA(0,0,1)")


def test_order_hint_differences_a_random_walk():
    hint = explore.order_hint(np.cumsum(np.random.default_rng(2).normal(size=500)), 1)
    assert "difference once, d = 1" in hint and hint.endswith("SARIMA(0,1,0)")


def test_order_hint_finds_the_books_weekly_model():
    hint = explore.suggest_orders(weekly(500, seed=3), 7)
    assert hint["order"] == [1, 0, 0] and hint["seasonal_order"] == [0, 1, 1, 7]
    text = "\n".join(hint["lines"])
    assert "take a seasonal difference, D = 1 (y(t) - y(t-7))" in text
    assert "try Q = 1" in text


def test_order_hint_reads_a_seasonal_ar_from_the_pacf():
    rng = np.random.default_rng(5)
    e = rng.normal(size=700)
    x = np.zeros(700)
    for t in range(7, 700):
        x[t] = 0.6 * x[t - 7] + e[t]
    hint = explore.suggest_orders(x[100:], 7)
    assert hint["seasonal_order"] == [1, 0, 0, 7]
    assert any("PACF spike at lag 7" in line and "try P = 1" in line for line in hint["lines"])


def test_explore_imports_no_statsmodels():
    code = "import sys, tsdesk.core.explore\nassert 'statsmodels' not in sys.modules\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
