"""One structured forecast type read by metrics, export, renderers and the runs table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsdesk.core.fileio import atomic_write_text


@dataclass
class ForecastResult:
    """Forecasts as rows: each row is one target timestamp forecast from one origin.

    ``step`` is the horizon step (1 = one step ahead); ``actual`` is NaN past the data.
    ``lower``/``upper`` map an interval level in percent (80, 95) to per-row bounds.
    """

    timestamp: pd.DatetimeIndex
    origin: pd.DatetimeIndex
    step: np.ndarray
    mean: np.ndarray
    actual: np.ndarray
    lower: dict[int, np.ndarray] = field(default_factory=dict)
    upper: dict[int, np.ndarray] = field(default_factory=dict)
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def levels(self) -> list[int]:
        return sorted(self.lower)

    @property
    def horizon(self) -> int:
        return int(self.step.max()) if len(self.step) else 0

    def __len__(self) -> int:
        return len(self.mean)

    def select(self, mask: np.ndarray) -> "ForecastResult":
        return ForecastResult(
            self.timestamp[mask], self.origin[mask], self.step[mask], self.mean[mask],
            self.actual[mask], {k: v[mask] for k, v in self.lower.items()},
            {k: v[mask] for k, v in self.upper.items()}, self.model, self.params)

    def at_step(self, step: int) -> "ForecastResult":
        return self.select(self.step == step)

    def to_frame(self) -> pd.DataFrame:
        cols: dict[str, Any] = {
            "timestamp": self.timestamp, "origin": self.origin, "step": self.step,
            "actual": self.actual, "mean": self.mean}
        for level in self.levels:
            cols[f"lower_{level}"] = self.lower[level]
            cols[f"upper_{level}"] = self.upper[level]
        return pd.DataFrame(cols)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, model: str = "", params: dict | None = None) -> "ForecastResult":
        levels = sorted(int(c.split("_", 1)[1]) for c in frame.columns if c.startswith("lower_"))
        return cls(
            pd.DatetimeIndex(pd.to_datetime(frame["timestamp"])),
            pd.DatetimeIndex(pd.to_datetime(frame["origin"])),
            frame["step"].to_numpy(dtype=int), frame["mean"].to_numpy(dtype=float),
            frame["actual"].to_numpy(dtype=float),
            {lv: frame[f"lower_{lv}"].to_numpy(dtype=float) for lv in levels},
            {lv: frame[f"upper_{lv}"].to_numpy(dtype=float) for lv in levels},
            model, dict(params or {}))

    def to_csv(self, path: str | Path) -> None:
        atomic_write_text(path, self.to_frame().to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S"))

    @classmethod
    def read_csv(cls, path: str | Path) -> "ForecastResult":
        return cls.from_frame(pd.read_csv(path))
