"""The host's backtest engine: scores any fitted model on a period of known dates.

For every step k = 1..h and every date d in the backtest period, the forecast of d made from
origin d - k is scored, the model seeing every actual value up to its origin. Each step's error
is therefore over the same dates, and h = 1 gives one forecast per date.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tsdesk.core.forecast import ForecastResult
from tsdesk.core.series import SeriesData
from tsdesk.core import metrics as M
from tsdesk.errors import UserError
from tsdesk.plugin_api import FittedModel, ForecastArrays


def backtest_origins(start: int, stop: int, horizon: int) -> np.ndarray:
    """Origins whose forecasts reach at least one date in rows [start, stop)."""
    return np.arange(start - horizon, stop - 1)


def _check_arrays(fc: ForecastArrays, n_origins: int, horizon: int, levels: Sequence[int], who: str) -> None:
    if np.shape(fc.mean) != (n_origins, horizon):
        raise RuntimeError(f"{who} returned forecasts shaped {np.shape(fc.mean)}, expected {(n_origins, horizon)}")
    for level in fc.lower:
        if np.shape(fc.lower[level]) != (n_origins, horizon) or np.shape(fc.upper[level]) != (n_origins, horizon):
            raise RuntimeError(f"{who} returned {level}% bounds of the wrong shape")


def arrays_to_result(data: SeriesData, origins: np.ndarray, fc: ForecastArrays, keep: np.ndarray,
                     model: str, params: dict, index=None) -> ForecastResult:
    """Flatten (origin, step) arrays into rows, keeping ``keep`` (same shape as ``fc.mean``)."""
    horizon = fc.mean.shape[1]
    steps = np.broadcast_to(np.arange(1, horizon + 1), fc.mean.shape)
    targets = origins[:, None] + steps
    # Row order: by target position, then step.
    flat_t, flat_s = targets[keep], steps[keep]
    order = np.lexsort((flat_s, flat_t))
    index = data.index if index is None else index
    pos = flat_t[order]
    origin_pos = (targets - steps)[keep][order]
    actual = np.full(len(pos), np.nan)
    observed = pos < data.n
    actual[observed] = data.y[pos[observed]]
    return ForecastResult(
        timestamp=index[pos], origin=index[origin_pos], step=flat_s[order].astype(int),
        mean=np.asarray(fc.mean, dtype=float)[keep][order], actual=actual,
        lower={lv: np.asarray(v, dtype=float)[keep][order] for lv, v in fc.lower.items()},
        upper={lv: np.asarray(v, dtype=float)[keep][order] for lv, v in fc.upper.items()},
        model=model, params=dict(params))


def run_backtest(fitted: FittedModel, data: SeriesData, start: int, stop: int, horizon: int,
                 levels: Sequence[int], params: dict | None = None) -> ForecastResult:
    """Forecast every date in rows [start, stop) from each of the h origins before it."""
    if start - horizon < 0:
        raise UserError(f"the backtest starts at row {start}, leaving no history before its first forecast")
    origins = backtest_origins(start, stop, horizon)
    fc = fitted.forecast(data, origins, horizon, list(levels))
    _check_arrays(fc, len(origins), horizon, levels, fitted.family)
    targets = origins[:, None] + np.arange(1, horizon + 1)
    keep = (targets >= start) & (targets < stop)
    return arrays_to_result(data, origins, fc, keep, fitted.family, params or {})


def forecast_future(fitted: FittedModel, data: SeriesData, horizon: int, levels: Sequence[int],
                    params: dict | None = None, uses_known_future: bool = True) -> ForecastResult:
    """Forecast the ``horizon`` steps after the last observation."""
    if uses_known_future:
        data.require_future(horizon)
    origins = np.array([data.n - 1])
    fc = fitted.forecast(data, origins, horizon, list(levels))
    _check_arrays(fc, 1, horizon, levels, fitted.family)
    future = data.future_index[:horizon] if len(data.future_index) >= horizon else data.future_timestamps(horizon)
    index = data.index.append(future)
    keep = np.ones((1, horizon), dtype=bool)
    return arrays_to_result(data, origins, fc, keep, fitted.family, params or {}, index=index)


def _clean(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 10)


def score(result: ForecastResult, train_y: np.ndarray, season: int) -> dict:
    """metrics.json's accuracy part (keys named in the experiment docs), NaN written as null."""
    a, f = result.actual, result.mean
    scale = M.mase_scale(train_y, season)
    out: dict = {
        "mae": _clean(M.mae(a, f)), "rmse": _clean(M.rmse(a, f)), "mape": _clean(M.mape(a, f)),
        "smape": _clean(M.smape(a, f)), "mase": _clean(M.mase(a, f, scale)),
        "mae_by_horizon": {int(k): _clean(M.mae(a[result.step == k], f[result.step == k]))
                           for k in range(1, result.horizon + 1)},
        "coverage": {}, "mean_width": {}, "interval_score": {}, "pinball": {},
        "n_forecasts": int(len(result)),
    }
    for level in result.levels:
        lo, hi = result.lower[level], result.upper[level]
        out["coverage"][str(level)] = _clean(M.coverage(a, lo, hi))
        out["mean_width"][str(level)] = _clean(M.mean_width(lo, hi))
        out["interval_score"][str(level)] = _clean(M.interval_score(a, lo, hi, level))
        out["pinball"][str(level)] = _clean(M.interval_pinball(a, lo, hi, level))
    out["mae_by_horizon"] = {str(k): v for k, v in out["mae_by_horizon"].items()}
    return out
