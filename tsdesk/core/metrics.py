"""Forecast accuracy and interval metrics, all in the data's own units."""

from __future__ import annotations

import numpy as np


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(f)
    return a[ok], f[ok]


def mae(actual, forecast) -> float:
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f))) if len(a) else float("nan")


def rmse(actual, forecast) -> float:
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2))) if len(a) else float("nan")


def mape(actual, forecast) -> float:
    """Mean absolute percentage error in percent; rows with a zero actual are skipped."""
    a, f = _pair(actual, forecast)
    nz = a != 0
    return float(np.mean(np.abs((a[nz] - f[nz]) / a[nz])) * 100) if nz.any() else float("nan")


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent (0-200)."""
    a, f = _pair(actual, forecast)
    den = np.abs(a) + np.abs(f)
    nz = den != 0
    return float(np.mean(2 * np.abs(a[nz] - f[nz]) / den[nz]) * 100) if nz.any() else float("nan")


def mase_scale(train: np.ndarray, season: int = 1) -> float:
    """In-sample MAE of the seasonal-naive forecast on the training rows (MASE's denominator)."""
    y = np.asarray(train, dtype=np.float64)
    m = season if season and len(y) > season else 1
    d = np.abs(y[m:] - y[:-m])
    d = d[np.isfinite(d)]
    return float(np.mean(d)) if len(d) else float("nan")


def mase(actual, forecast, scale: float) -> float:
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return mae(actual, forecast) / scale


def coverage(actual, lower, upper) -> float:
    """Fraction of actuals inside [lower, upper]."""
    a = np.asarray(actual, dtype=np.float64)
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((a[ok] >= lo[ok]) & (a[ok] <= hi[ok]))) if ok.any() else float("nan")


def mean_width(lower, upper) -> float:
    w = np.asarray(upper, dtype=np.float64) - np.asarray(lower, dtype=np.float64)
    w = w[np.isfinite(w)]
    return float(np.mean(w)) if len(w) else float("nan")


def pinball(actual, quantile_forecast, q: float) -> float:
    """Pinball (quantile) loss of one quantile forecast, q in (0, 1)."""
    a, f = _pair(actual, quantile_forecast)
    d = a - f
    return float(np.mean(np.maximum(q * d, (q - 1) * d))) if len(a) else float("nan")


def interval_pinball(actual, lower, upper, level: float) -> float:
    """Mean pinball loss of the two quantiles bounding a central interval at ``level`` %."""
    alpha = 1 - level / 100
    return (pinball(actual, lower, alpha / 2) + pinball(actual, upper, 1 - alpha / 2)) / 2


def interval_score(actual, lower, upper, level: float) -> float:
    """Winkler / interval score: width plus 2/alpha times each miss."""
    a = np.asarray(actual, dtype=np.float64)
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(lo) & np.isfinite(hi)
    a, lo, hi = a[ok], lo[ok], hi[ok]
    if not len(a):
        return float("nan")
    alpha = 1 - level / 100
    s = (hi - lo) + (2 / alpha) * (lo - a) * (a < lo) + (2 / alpha) * (a - hi) * (a > hi)
    return float(np.mean(s))
