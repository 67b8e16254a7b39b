"""The forecast view's renderer (``ModelFamily.renderer``): the host's drawing plus the attention.

tsdesk's forecast view calls ``render(plot, result, info)`` twice per run: for the backtest
(``info["part"] == "backtest"``, the chosen step) and for the forecast past the data
(``"future"``), with ``plot`` its pyqtgraph ``PlotItem``, ``result`` a ``ForecastResult`` and
``info`` the fitted model's info plus ``part`` and ``color``. The fitted model's info holds
``attention``: the weights of its latest forecast (the forecast past the data, in a run). Under
the forecast made from that origin, a strip of bars shows how much weight each pooled step of the
input window got.

Only the standard library and numpy at import time: Qt and pyqtgraph are imported on the first
call, so resolving this import path never loads a GUI toolkit.
"""

from __future__ import annotations

import numpy as np

STRIP = 0.22
"""Height of the tallest bar as a fraction of the plotted values' range."""
GAP = 0.08
"""Space between the lowest plotted value and the top of the strip, same unit."""


def _seconds(stamps) -> np.ndarray:
    import pandas as pd

    idx = pd.DatetimeIndex(pd.to_datetime(list(stamps)))
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.as_unit("ns").asi8.astype(np.float64) / 1e9


def attention_bars(attention: dict, low: float, high: float) -> dict:
    """Where the bars go, in plot coordinates (x: seconds since the epoch, as tsdesk plots):
    ``x0``/``x1`` the span of rows each weight pools (half a row either side), ``y0`` the strip's
    base below ``low`` and ``heights`` proportional to the weights, tallest ``STRIP`` of the range
    ``high - low``."""
    weights = np.asarray(attention["weights"], dtype=float)
    start, end = _seconds(attention["start"]), _seconds(attention["end"])
    pool = max(int(attention.get("pool_size", 1)), 1)
    if len(start) > 1:
        row = (start[1] - start[0]) / pool
    else:
        row = (end[0] - start[0]) / max(pool - 1, 1) or 86400.0
    span = (high - low) if np.isfinite(high - low) and high > low else max(abs(high), 1.0)
    top = low - GAP * span
    tallest = weights.max() if len(weights) and weights.max() > 0 else 1.0
    heights = weights / tallest * STRIP * span
    return {"x0": start - row / 2, "x1": end + row / 2, "y0": np.full(len(weights), top - STRIP * span),
            "heights": heights, "top": top, "span": span}


def _shows_origin(result, attention: dict) -> bool:
    import pandas as pd

    if result is None or not len(result):
        return False
    origins = pd.DatetimeIndex(result.origin)
    if origins.tz is not None:
        origins = origins.tz_localize(None)
    return pd.Timestamp(attention["origin_time"]).tz_localize(None) in set(origins)


def render(plot, result, info: dict) -> list:
    """The host's default drawing (mean and bands), then the attention strip when ``result`` holds
    the forecast from the origin whose weights ``info["attention"]`` carries."""
    import pyqtgraph as pg

    from tsdesk.gui.forecast_view import render_default

    items = list(render_default(plot, result, info) or [])
    attention = (info or {}).get("attention")
    if not attention or not attention.get("weights") or not _shows_origin(result, attention):
        return items
    values = [np.asarray(result.mean, dtype=float)]
    values += [np.asarray(v, dtype=float) for v in list(result.lower.values()) + list(result.upper.values())]
    bounds = plot.vb.childrenBounds()
    low = np.nanmin(np.concatenate(values))
    high = np.nanmax(np.concatenate(values))
    if bounds and bounds[1] is not None:
        low, high = min(low, bounds[1][0]), max(high, bounds[1][1])
    bars = attention_bars(attention, float(low), float(high))
    color = pg.mkColor(info.get("color", "#d62728"))
    fill = pg.mkColor(color)
    fill.setAlpha(150)
    strip = pg.BarGraphItem(x0=bars["x0"], x1=bars["x1"], y0=bars["y0"], height=bars["heights"],
                            brush=pg.mkBrush(fill), pen=pg.mkPen(color, width=0.5))
    strip.setZValue(-20)
    strip.setToolTip("attention weights of the forecast from "
                     f"{attention['origin_time'][:19].replace('T', ' ')}: the share of the "
                     "attention context each pooled step of the input window contributes")
    plot.addItem(strip)
    weights = np.asarray(attention["weights"], dtype=float)
    label = pg.TextItem(f"attention (max {weights.max():.2f})", color=color, anchor=(1, 1))
    label.setPos(float(bars["x1"][-1]), float(bars["top"]))  # above the strip, ending at the origin
    plot.addItem(label)
    if plot.legend is not None:
        swatch = pg.PlotDataItem(pen=pg.mkPen(None), brush=pg.mkBrush(fill), fillLevel=0)
        plot.legend.addItem(swatch, "attention weights")
    return items + [strip, label]
