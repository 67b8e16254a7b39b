"""From a series to model inputs and targets: numpy only, shared by every Keras family.

Every input row ``s`` holds, scaled: the target y[s], the covariates at s, the known-future
features at s, then the known-future features of the next ``lead`` steps s+1 .. s+lead (like the
book's ``next_day_type`` column). ``lead`` is 1 for the recursive strategy (the step it predicts)
and the horizon for direct and seq2seq, so the model always sees the calendar of the steps it
forecasts. Known-future values past the file's last row are held at their last value; only
forecasts past the data can reach them, and those the host requires the file to supply.

A window ending at row ``t`` holds rows t-window+1 .. t. Its targets depend on the strategy:
recursive y[t+1]; direct y[t+1 .. t+h]; seq2seq y[p+1 .. p+h] for the window position p of every
model output, so strided or cropped front ends (Conv1D with stride 2) get aligned targets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tsdesk.core import windowing
from tsdesk.core.scaling import Scaler
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError

VALID_FRACTION = 0.15


@dataclass(frozen=True)
class InputLayout:
    """How a model's input rows and outputs are laid out; saved next to the model."""

    window: int
    horizon: int
    strategy: str
    n_cov: int
    n_future: int
    positions: tuple[int, ...] = ()

    @property
    def out_steps(self) -> int:
        """Forecast steps one model output holds."""
        return 1 if self.strategy == "recursive" else self.horizon

    @property
    def lead(self) -> int:
        """Known-future steps appended to every input row."""
        return self.out_steps if self.n_future else 0

    @property
    def n_inputs(self) -> int:
        return 1 + self.n_cov + self.n_future * (1 + self.lead)

    def column_names(self, data: SeriesData) -> list[str]:
        fut = list(data.future_features)
        lead = [f"{c}(t+{j})" for j in range(1, self.lead + 1) for c in fut]
        return [data.target, *data.covariates, *fut, *lead]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["positions"] = list(self.positions)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "InputLayout":
        return cls(int(d["window"]), int(d["horizon"]), str(d["strategy"]), int(d["n_cov"]),
                   int(d["n_future"]), tuple(int(p) for p in d.get("positions", ())))


def fit_scaler(data: SeriesData, train_stop: int) -> Scaler:
    """Standard scaling of target, covariates and known-future features on the training rows."""
    return Scaler.fit(data.features()[:train_stop], "standard")


def known_future_block(data: SeriesData, scaler: Scaler, layout: InputLayout, stop: int) -> np.ndarray:
    """(stop, n_future * (1 + lead)) scaled known-future columns of rows [0, stop): each row's own
    features, then those of the next ``lead`` rows."""
    m = layout.n_future
    if m == 0:
        return np.zeros((stop, 0))
    first = 1 + layout.n_cov
    fut = (np.asarray(data.X_future, dtype=np.float64) - scaler.shift[first:first + m]) \
        / scaler.scale[first:first + m]
    need = stop + layout.lead
    if len(fut) < need:
        fut = np.concatenate([fut, np.repeat(fut[-1:], need - len(fut), axis=0)])
    # row s of ahead: fut[s .. s+lead] -> (stop, lead+1, m) -> own features first, then leads
    ahead = sliding_window_view(fut[:need], layout.lead + 1, axis=0)[:stop]
    return ahead.transpose(0, 2, 1).reshape(stop, (layout.lead + 1) * m)


def input_rows(data: SeriesData, scaler: Scaler, layout: InputLayout, stop: int) -> np.ndarray:
    """(stop, n_inputs) float32 model input rows for positions [0, stop): only target and
    covariate values at or before each row, plus known-future features."""
    past = (np.column_stack([data.y[:stop], data.X_cov[:stop]]) - scaler.shift[:1 + layout.n_cov]) \
        / scaler.scale[:1 + layout.n_cov]
    rows = np.concatenate([past, known_future_block(data, scaler, layout, stop)], axis=1)
    return rows.astype(np.float32)


def targets(y_scaled: np.ndarray, ends: np.ndarray, layout: InputLayout) -> np.ndarray:
    """Training targets of the windows ending at ``ends`` (see the module docstring)."""
    if layout.strategy == "recursive":
        return windowing.direct_targets(y_scaled, ends, 1).astype(np.float32)
    if layout.strategy == "direct":
        return windowing.direct_targets(y_scaled, ends, layout.horizon).astype(np.float32)
    seq = windowing.seq2seq_targets(y_scaled, ends, layout.window, layout.horizon)
    return np.ascontiguousarray(seq[:, list(layout.positions), :], dtype=np.float32)


def check_history(origins: np.ndarray, window: int, horizon: int) -> None:
    """Every origin needs a full window of rows at or before it."""
    short = origins[origins < window - 1]
    if len(short):
        t = int(short[0])
        raise UserError(
            f"the forecast from row {t + 1} needs the {window} rows of its window, but the data "
            f"has only {t + 1} up to there; start the backtest at row {window + horizon} or later, "
            f"or shorten the window")


def train_ends(start: int, stop: int, layout: InputLayout, n: int) -> np.ndarray:
    """Ends of the windows whose inputs and targets lie inside rows [start, stop)."""
    ends = windowing.window_ends(start, stop, layout.window, layout.out_steps, n)
    if len(ends) < 1:
        rows = min(stop, n) - start
        need = layout.window + layout.out_steps
        how = (f"the recursive strategy needs window + 1 = {need}" if layout.strategy == "recursive"
               else f"needs at least window + horizon = {need}")
        raise UserError(
            f"the training period has {rows} rows, too few for a window of {layout.window} and a "
            f"horizon of {layout.horizon} ({how}); shorten the window or lengthen the training "
            f"period")
    return ends


def valid_ends(valid: slice, layout: InputLayout, n: int) -> np.ndarray:
    """Ends of the windows whose forecast targets lie in the validation rows; their inputs may
    reach back into the training rows."""
    first = max(valid.start - 1, layout.window - 1)
    last = min(valid.stop, n) - layout.out_steps - 1
    if last < first:
        raise UserError(
            f"the validation period has {min(valid.stop, n) - valid.start} rows, too few for a "
            f"forecast of {layout.out_steps} step(s) after a window of {layout.window}; lengthen "
            f"the validation period or shorten the horizon")
    return np.arange(first, last + 1)


def carve_validation(ends: np.ndarray, layout: InputLayout,
                     fraction: float = VALID_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Hold back the last ``fraction`` of the training windows for validation, dropping the
    training windows whose targets would overlap the validation windows' forecasts."""
    n_valid = max(1, int(np.ceil(fraction * len(ends))))
    valid = ends[-n_valid:]
    train = ends[ends <= valid[0] - layout.out_steps]
    if len(train) < 1:
        raise UserError(
            f"the training period gives only {len(ends)} windows: after holding back the last "
            f"{fraction:.0%} for validation (no validation period was given) none are left to "
            f"train on; lengthen the training period, shorten the window or the horizon, or give "
            f"a validation period")
    return train, valid
