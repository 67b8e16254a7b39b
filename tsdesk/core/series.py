"""The validated series every model family trains on and forecasts from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tsdesk.errors import UserError

# Default seasonal period for a pandas frequency (its base letters, upper-cased).
SEASON_BY_FREQ = {
    "D": 7, "B": 5, "C": 5, "H": 24, "BH": 8, "W": 52, "M": 12, "MS": 12, "ME": 12, "BM": 12,
    "BMS": 12, "BME": 12, "SM": 24, "SMS": 24, "Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4,
    "BQE": 4, "Y": 1, "YS": 1, "YE": 1, "A": 1, "AS": 1, "BA": 1, "BY": 1, "BYS": 1, "BYE": 1,
    "T": 60, "MIN": 60, "S": 60, "L": 1000, "MS_": 1000,
}


def freq_base(freq: str | None) -> str:
    """'W-SUN' -> 'W', '2D' -> 'D', 'min' -> 'MIN', 'h' -> 'H'."""
    if not freq:
        return ""
    base = freq.split("-")[0].lstrip("0123456789").upper()
    return base


def default_season(freq: str | None) -> int:
    """The usual seasonal period for a frequency: 7 for daily, 12 monthly, 24 hourly..."""
    return SEASON_BY_FREQ.get(freq_base(freq), 1)


@dataclass
class SeriesData:
    """A regular, gap-free series with its inputs, all numeric.

    ``y`` (target), ``X_cov`` (covariates: past values only) and ``index`` cover the ``n``
    observed rows. ``X_future`` holds the known-future features (categoricals one-hot encoded,
    named in ``future_features``) for the observed rows and then for ``future_index``: the rows
    after the last observation that the file supplied (target blank, known-future filled).
    """

    index: pd.DatetimeIndex
    freq: str | None
    target: str
    y: np.ndarray
    covariates: list[str] = field(default_factory=list)
    X_cov: np.ndarray | None = None
    known_future: list[str] = field(default_factory=list)
    future_features: list[str] = field(default_factory=list)
    X_future: np.ndarray | None = None
    future_index: pd.DatetimeIndex | None = None
    categories: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.y = np.asarray(self.y, dtype=np.float64)
        n = len(self.y)
        if self.X_cov is None:
            self.X_cov = np.zeros((n, 0))
        if self.X_future is None:
            self.X_future = np.zeros((n, 0))
        if self.future_index is None:
            self.future_index = pd.DatetimeIndex([], tz=getattr(self.index, "tz", None))
        assert len(self.index) == n and len(self.X_cov) == n
        assert len(self.X_future) == n + len(self.future_index)

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def season(self) -> int:
        return default_season(self.freq)

    @property
    def n_features(self) -> int:
        """Columns of :meth:`features`: target, covariates, known-future features."""
        return 1 + self.X_cov.shape[1] + self.X_future.shape[1]

    def features(self) -> np.ndarray:
        """(n, 1 + k + m): target, covariates and known-future features per observed row."""
        return np.column_stack([self.y, self.X_cov, self.X_future[: self.n]])

    def future_timestamps(self, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` timestamps after the last observation."""
        if self.freq is None:
            raise UserError("the series has no regular frequency, so future dates are unknown")
        offset = pd.tseries.frequencies.to_offset(self.freq)
        return pd.date_range(self.index[-1] + offset, periods=horizon, freq=offset)

    def require_future(self, horizon: int) -> None:
        """Known-future inputs must be given for every forecast step past the data."""
        if self.future_features and len(self.future_index) < horizon:
            have = len(self.future_index)
            raise UserError(
                f"known-future column '{self.known_future[0]}' has values for {have} date(s) after "
                f"{self.index[-1].date()}, but the horizon is {horizon}; add rows for the next "
                f"{horizon} dates with the target left blank and {', '.join(self.known_future)} filled in")

    def head(self, stop: int) -> "SeriesData":
        """The first ``stop`` observed rows; the rows after them become the known future."""
        future_index = self.index[stop:].append(self.future_index)
        return SeriesData(
            index=self.index[:stop], freq=self.freq, target=self.target, y=self.y[:stop],
            covariates=self.covariates, X_cov=self.X_cov[:stop], known_future=self.known_future,
            future_features=self.future_features,
            X_future=self.X_future,
            future_index=future_index, categories=self.categories, notes=self.notes)

    def position(self, timestamp: pd.Timestamp | str, what: str) -> int:
        """Row position of a date in the observed rows, for split and backtest bounds."""
        ts = to_timestamp(timestamp, what, tz=getattr(self.index, "tz", None))
        return int(self.index.searchsorted(ts))


def to_timestamp(value, what: str, tz=None) -> pd.Timestamp:
    """Parse a user-given date, naming ``what`` it was for when it is not a date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise UserError(f"{what}: {value!r} is not a date (use YYYY-MM-DD)") from None
    if ts is pd.NaT:
        raise UserError(f"{what}: {value!r} is not a date (use YYYY-MM-DD)")
    if tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    elif tz is None and ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts
