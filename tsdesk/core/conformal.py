"""Conformal prediction intervals for any family, computed by the host.

Split conformal: the fitted model forecasts the validation period from every origin, exactly as
in a backtest; the absolute errors of each horizon step calibrate that step's interval
half-width (with the finite-sample correction ceil((n + 1) * level) / n). Adaptive conformal
(Gibbs & Candès, 2021) also learns along the backtest: after each forecast whose actual is known
at the next origin, the miscoverage target moves by gamma * (alpha - miss), and the newly known
error joins the calibration pool. Only errors whose target date is at or before an origin are
used for that origin's interval, so no future information leaks.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tsdesk.core.forecast import ForecastResult

GAMMA = 0.005


def _quantile(errors: np.ndarray, level: float) -> float:
    """Conformal quantile of absolute errors at ``level`` (0-1) with finite-sample correction."""
    n = len(errors)
    if n == 0:
        return float("nan")
    rank = min(1.0, np.ceil((n + 1) * level) / n)
    return float(np.quantile(errors, rank, method="higher"))


def calibration_errors(calibration: ForecastResult) -> dict[int, np.ndarray]:
    """Absolute errors per horizon step from forecasts of a calibration (validation) period."""
    out = {}
    for k in range(1, calibration.horizon + 1):
        part = calibration.at_step(k)
        e = np.abs(part.actual - part.mean)
        out[k] = e[np.isfinite(e)]
    return out


def split_conformal(result: ForecastResult, errors: dict[int, np.ndarray], levels: Sequence[int]) -> ForecastResult:
    """Symmetric intervals mean +- q_k(level) for each step k."""
    lower, upper = {}, {}
    for level in levels:
        half = np.array([_quantile(errors.get(int(k), np.array([])), level / 100) for k in result.step])
        lower[level] = result.mean - half
        upper[level] = result.mean + half
    return ForecastResult(result.timestamp, result.origin, result.step, result.mean, result.actual,
                          lower, upper, result.model, result.params)


def adaptive_conformal(result: ForecastResult, errors: dict[int, np.ndarray], levels: Sequence[int],
                       gamma: float = GAMMA) -> ForecastResult:
    """Adaptive conformal intervals, updated online along the backtest (per step k)."""
    lower = {lv: np.full(len(result), np.nan) for lv in levels}
    upper = {lv: np.full(len(result), np.nan) for lv in levels}
    for k in range(1, result.horizon + 1):
        rows = np.flatnonzero(result.step == k)
        rows = rows[np.argsort(result.timestamp[rows].values, kind="stable")]
        targets = result.timestamp[rows]
        origins = result.origin[rows]
        err = np.abs(result.actual[rows] - result.mean[rows])
        for level in levels:
            alpha_target = 1 - level / 100
            alpha = alpha_target
            pool = list(errors.get(k, np.array([])))
            known = 0  # rows[:known] have targets at or before the current origin
            for j, row in enumerate(rows):
                while known < j and targets[known] <= origins[j]:
                    if np.isfinite(err[known]):
                        miss = float(err[known] > (upper[level][rows[known]] - result.mean[rows[known]]))
                        alpha = alpha + gamma * (alpha_target - miss)
                        pool.append(err[known])
                    known += 1
                coverage = min(max(1 - alpha, 0.0), 1.0)
                half = _quantile(np.asarray(pool), coverage) if coverage < 1 else (max(pool) if pool else np.nan)
                lower[level][row] = result.mean[row] - half
                upper[level][row] = result.mean[row] + half
    return ForecastResult(result.timestamp, result.origin, result.step, result.mean, result.actual,
                          lower, upper, result.model, result.params)
