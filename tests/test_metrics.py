import numpy as np
import pytest

from tsdesk.core import metrics as M


def test_point_metrics_on_known_values():
    a = np.array([100.0, 200.0, 300.0, 400.0])
    f = np.array([110.0, 190.0, 330.0, 400.0])
    assert M.mae(a, f) == pytest.approx(12.5)
    assert M.rmse(a, f) == pytest.approx(np.sqrt((100 + 100 + 900) / 4))
    assert M.mape(a, f) == pytest.approx((10 / 100 + 10 / 200 + 30 / 300) / 4 * 100)
    assert M.smape(a, f) == pytest.approx(np.mean([20 / 210, 20 / 390, 60 / 630, 0]) * 100)


def test_nan_pairs_are_ignored_and_zero_actuals_skip_mape():
    a = np.array([0.0, 10.0, np.nan])
    f = np.array([1.0, 12.0, 5.0])
    assert M.mae(a, f) == pytest.approx(1.5)
    assert M.mape(a, f) == pytest.approx(20.0)


def test_mase_scale_is_in_sample_seasonal_naive_mae():
    y = np.array([1, 2, 3, 1, 2, 4, 1, 2, 3], dtype=float)
    assert M.mase_scale(y, season=3) == pytest.approx(np.mean([0, 0, 1, 0, 0, 1]))
    assert M.mase([2, 2], [3, 1], scale=0.5) == pytest.approx(2.0)


def test_interval_metrics():
    a = np.array([1.0, 5.0, 10.0, 3.0])
    lo = np.array([0.0, 0.0, 0.0, 4.0])
    hi = np.array([2.0, 6.0, 8.0, 6.0])
    assert M.coverage(a, lo, hi) == pytest.approx(0.5)
    assert M.mean_width(lo, hi) == pytest.approx(4.5)
    # Winkler at 80 %: misses of 2 (above) and 1 (below) cost 2/0.2 times each.
    assert M.interval_score(a, lo, hi, 80) == pytest.approx((2 + 6 + 8 + 2 + 10 * 2 + 10 * 1) / 4)


def test_pinball_of_median_is_half_mae():
    a = np.array([1.0, 2.0, 5.0])
    f = np.array([2.0, 2.0, 3.0])
    assert M.pinball(a, f, 0.5) == pytest.approx(M.mae(a, f) / 2)
