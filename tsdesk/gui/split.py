"""Train, valid and backtest periods as four row positions, shared by Explore and Train.

``a <= b <= c <= d``: train is rows [a, b), valid [b, c) (empty: no validation), backtest
[c, d). The defaults are exactly those of ``tsdesk.core.experiment.resolve_split`` (70/15/15),
so a run that never touched the regions trains on the same rows as the CLI would.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class SplitBounds:
    a: int
    b: int
    c: int
    d: int

    @classmethod
    def default(cls, n: int) -> "SplitBounds":
        bt_start = n - max(1, round(n * 0.15))
        n_train = round(n * 0.70)
        n_valid = round(n * 0.15)
        valid_end = min(n_train + n_valid, bt_start)
        return cls(0, n_train, max(valid_end, n_train), n).clamped(n)

    def clamped(self, n: int) -> "SplitBounds":
        """Keep the order, a non-empty train and backtest, inside the data."""
        if n < 2:
            return SplitBounds(0, max(n, 0), max(n, 0), max(n, 0))
        a = min(max(self.a, 0), n - 2)
        b = min(max(self.b, a + 1), n - 1)
        d = min(max(self.d, b + 1), n)
        c = min(max(self.c, b), d - 1)
        return SplitBounds(a, b, c, d)

    def dates(self, index: pd.DatetimeIndex) -> dict[str, tuple[str, str] | None]:
        """The periods as the inclusive date pairs an experiment file holds."""
        def span(lo: int, hi: int) -> tuple[str, str] | None:
            return None if hi <= lo else (_iso(index[lo]), _iso(index[hi - 1]))
        return {"train": span(self.a, self.b), "valid": span(self.b, self.c), "backtest": span(self.c, self.d)}


def _iso(ts: pd.Timestamp) -> str:
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        return ts.isoformat()
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%dT%H:%M:%S")
