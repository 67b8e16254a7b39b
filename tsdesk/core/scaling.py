"""Scalers fitted on the training rows only and inverted for every reported number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALINGS = ("standard", "minmax", "none")


@dataclass
class Scaler:
    """Column-wise affine scaling ``(x - shift) / scale``; JSON round-trips via to_dict."""

    kind: str
    shift: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray, kind: str = "standard") -> "Scaler":
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        if kind == "standard":
            shift = values.mean(axis=0)
            scale = values.std(axis=0)
        elif kind == "minmax":
            shift = values.min(axis=0)
            scale = values.max(axis=0) - shift
        elif kind == "none":
            shift = np.zeros(values.shape[1])
            scale = np.ones(values.shape[1])
        else:
            raise ValueError(f"unknown scaling {kind!r}; use one of {', '.join(SCALINGS)}")
        scale = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
        return cls(kind, shift, scale)

    def transform(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            return (values - self.shift[0]) / self.scale[0]
        return (values - self.shift) / self.scale

    def inverse(self, values: np.ndarray, column: int = 0) -> np.ndarray:
        """Undo the scaling of one column (the target by default), any array shape."""
        return np.asarray(values, dtype=np.float64) * self.scale[column] + self.shift[column]

    def inverse_scale(self, widths: np.ndarray, column: int = 0) -> np.ndarray:
        """Undo the scaling of a spread (a standard deviation, an error): no shift."""
        return np.asarray(widths, dtype=np.float64) * self.scale[column]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "shift": self.shift.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "Scaler":
        return cls(d["kind"], np.asarray(d["shift"], dtype=np.float64),
                   np.asarray(d["scale"], dtype=np.float64))
