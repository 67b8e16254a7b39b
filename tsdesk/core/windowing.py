"""Windows over a series as numpy views (no copies until a batch is gathered).

Conventions: ``values`` is (n, f) with the target in column 0. A window ending at row ``t``
holds rows ``t - window + 1 .. t``; its targets are rows ``t + 1 .. t + horizon``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tsdesk.errors import UserError


def window_view(values: np.ndarray, window: int) -> np.ndarray:
    """(n - window + 1, window, f) read-only view; row i ends at position i + window - 1."""
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if len(values) < window:
        raise UserError(f"the series has {len(values)} rows, fewer than the window of {window}")
    return sliding_window_view(values, window, axis=0).transpose(0, 2, 1)


def window_ends(start: int, stop: int, window: int, horizon: int, n: int) -> np.ndarray:
    """End positions t of windows whose inputs start at or after ``start`` and whose targets
    (t+1 .. t+horizon) fall before ``stop`` (and before ``n``)."""
    first = start + window - 1
    last = min(stop, n) - horizon - 1
    return np.arange(first, last + 1)


def check_enough(n_windows: int, what: str, rows: int, window: int, horizon: int) -> None:
    if n_windows < 1:
        raise UserError(
            f"the {what} period has {rows} rows, too few for a window of {window} and a horizon "
            f"of {horizon} (needs at least {window + horizon}); shorten the window or lengthen "
            f"the {what} period")


def one_step_targets(values: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Target (column 0) at t + 1 for each window end t: shape (len(ends),)."""
    return np.asarray(values)[ends + 1, 0] if np.asarray(values).ndim == 2 else np.asarray(values)[ends + 1]


def direct_targets(y: np.ndarray, ends: np.ndarray, horizon: int) -> np.ndarray:
    """(len(ends), horizon): y[t+1 .. t+horizon] for each end t (a view when possible)."""
    y = np.asarray(y)
    future = sliding_window_view(y, horizon)  # row j = y[j .. j+horizon-1]
    return future[ends + 1]


def seq2seq_targets(y: np.ndarray, ends: np.ndarray, window: int, horizon: int) -> np.ndarray:
    """(len(ends), window, horizon): at every step s of each window (position p = t-window+1+s),
    the next ``horizon`` values y[p+1 .. p+horizon]. Steps whose targets run past the data are
    impossible by construction because ``ends`` leave room for ``horizon``."""
    y = np.asarray(y)
    future = sliding_window_view(y, horizon)  # (n - horizon + 1, horizon)
    seq = sliding_window_view(future, window, axis=0)  # (.., horizon, window)
    starts = ends - window + 1 + 1  # first target row of the window's first step
    return seq[starts].transpose(0, 2, 1)


def gather(view: np.ndarray, ends: np.ndarray, window: int) -> np.ndarray:
    """Windows ending at ``ends`` from a :func:`window_view` (a contiguous batch copy)."""
    return np.ascontiguousarray(view[ends - window + 1])
