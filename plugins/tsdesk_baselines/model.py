"""Naive and seasonal-naive forecasts with intervals from empirical error quantiles."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from tsdesk.core.fileio import atomic_write_json, read_json
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import ForecastArrays, Progress, TrainingTask

MAX_RESIDUALS = 5000


def _point(y: np.ndarray, origins: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """(len(origins), horizon): the value ``season`` steps before each target, or the latest
    one of that phase when the target is more than a season ahead."""
    k = np.arange(1, horizon + 1)
    back = season * np.ceil(k / season).astype(int)  # smallest multiple of season >= k
    src = origins[:, None] + k[None, :] - back[None, :]
    if (src < 0).any():
        first = int(origins[(src < 0).any(axis=1)][0])
        raise UserError(f"the seasonal naive forecast from row {first} needs {season} earlier values; "
                        f"start the backtest later or use a shorter season")
    return y[src]


class NaiveModel:
    """Seasonal naive (season 1 = plain naive) with per-step residual quantiles."""

    def __init__(self, family: str, season: int, residuals: list[np.ndarray], info: dict | None = None):
        self.family = family
        self.season = int(season)
        self.residuals = residuals  # residuals[k-1]: errors of the k-step forecast on the fit rows
        self.info = info or {"season": self.season}

    def forecast(self, data: SeriesData, origins: np.ndarray, horizon: int,
                 levels: Sequence[int]) -> ForecastArrays:
        origins = np.asarray(origins, dtype=int)
        mean = _point(data.y, origins, horizon, self.season)
        out = ForecastArrays(mean=mean)
        for level in levels:
            lo_q, hi_q = self._quantiles(horizon, level)
            out.lower[level] = mean + lo_q[None, :]
            out.upper[level] = mean + hi_q[None, :]
        return out

    def _quantiles(self, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray]:
        alpha = 1 - level / 100
        lo, hi = np.empty(horizon), np.empty(horizon)
        stored = len(self.residuals)
        for k in range(1, horizon + 1):
            r = self.residuals[min(k, stored) - 1]
            # Past the stored steps, widen like a random walk: sqrt of the step ratio.
            grow = np.sqrt(k / stored) if k > stored else 1.0
            if len(r) == 0:
                lo[k - 1] = hi[k - 1] = np.nan
                continue
            lo[k - 1] = np.quantile(r, alpha / 2) * grow
            hi[k - 1] = np.quantile(r, 1 - alpha / 2) * grow
        return lo, hi

    def save(self, folder: Path) -> None:
        atomic_write_json(Path(folder) / "baseline.json", {
            "family": self.family, "season": self.season, "info": self.info,
            "residuals": [r.tolist() for r in self.residuals]})


def load(folder: Path) -> NaiveModel:
    d = read_json(Path(folder) / "baseline.json")
    return NaiveModel(d["family"], int(d["season"]),
                      [np.asarray(r, dtype=float) for r in d["residuals"]], d.get("info"))


def _fit(task: TrainingTask, season: int, family: str, progress: Progress) -> NaiveModel:
    y = task.data.y[task.train.start: task.fit_end]
    if len(y) <= season:
        raise UserError(f"the training data has {len(y)} rows; the {family.replace('_', ' ')} "
                        f"forecast with season {season} needs more than {season}")
    progress.status(f"computing {family} errors on {len(y)} rows")
    steps = max(task.horizon, 2 * season, 28)
    residuals = []
    for k in range(1, steps + 1):
        back = season * int(np.ceil(k / season))
        origins = np.arange(back - k, len(y) - k)
        if len(origins) == 0:
            residuals.append(residuals[-1] if residuals else np.array([]))
            continue
        err = y[origins + k] - y[origins + k - back]
        residuals.append(err[-MAX_RESIDUALS:])
        progress.check()
    return NaiveModel(family, season, residuals)


def train_naive(task: TrainingTask, progress: Progress) -> NaiveModel:
    return _fit(task, 1, "naive", progress)


def train_seasonal_naive(task: TrainingTask, progress: Progress) -> NaiveModel:
    season = task.params.get("season") or task.data.season
    return _fit(task, int(season), "seasonal_naive", progress)
