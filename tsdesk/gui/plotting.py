"""What every plot in the window shares: a date axis, fast line settings, colours, a crosshair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

pg.setConfigOptions(antialias=False, background="w", foreground="#333333")

COLORS = {
    "actual": "#303030", "backtest": "#1f77b4", "future": "#d62728", "train": "#1f77b4",
    "valid": "#ff7f0e", "bt": "#2ca02c", "loss": "#1f77b4", "val_loss": "#ff7f0e",
    "trend": "#d62728", "rolling": "#ff7f0e", "resampled": "#2ca02c",
}


def to_seconds(index) -> np.ndarray:
    """Timestamps as float seconds for pyqtgraph; wall-clock time (time zones dropped).

    Goes through int64 nanoseconds explicitly: pandas 3 may store microseconds.
    """
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.as_unit("ns").asi8.astype(np.float64) / 1e9


def from_seconds(x: float) -> pd.Timestamp:
    return pd.Timestamp(int(round(x * 1e9)))


class DateAxis(pg.DateAxisItem):
    """pyqtgraph's date axis without labels that collide: a finer tick (day 30) right next to a
    coarser one (Dec) is dropped, as the two labels would print over each other."""

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        taken: list[float] = []
        out = []
        for spacing, values in levels:
            if taken and len(values) > 1:  # the labels' real step (spacing x the skip factor)
                step = float(np.min(np.diff(values)))
                near = np.min(np.abs(np.subtract.outer(np.asarray(values, float), taken)), axis=1)
                values = [v for v, d in zip(values, near) if d >= 0.6 * step]
            taken.extend(values)
            out.append((spacing, values))
        return out


def date_plot(title: str = "", parent=None) -> pg.PlotWidget:
    """A plot widget with a date axis that shows the data's own wall-clock times."""
    axis = DateAxis(orientation="bottom", utcOffset=0)
    w = pg.PlotWidget(parent=parent, axisItems={"bottom": axis}, title=title or None)
    fast(w.getPlotItem())
    w.showGrid(x=True, y=True, alpha=0.2)
    return w


def fast(plot: pg.PlotItem) -> None:
    """Peak downsampling and clipping keep a million points interactive."""
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)


def pen(color: str, width: float = 1.2, style=Qt.PenStyle.SolidLine) -> pg.QtGui.QPen:
    p = pg.mkPen(color, width=width)
    p.setStyle(style)
    return p


def band_brush(color: str, level: int) -> pg.QtGui.QBrush:
    """Wider (95 %) bands lighter than narrower (80 %) ones."""
    c = pg.mkColor(color)
    c.setAlpha(40 if level >= 90 else 80)
    return pg.mkBrush(c)


def fmt_value(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1e5:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:,.1f}"
    return f"{x:.4g}"


def fmt_time(ts: pd.Timestamp) -> str:
    ts = pd.Timestamp(ts)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


class Crosshair:
    """A vertical line that follows the mouse; ``readout(x)`` returns the text to show."""

    def __init__(self, widget: pg.PlotWidget, readout, on_text) -> None:
        self.widget = widget
        self.readout = readout
        self.on_text = on_text
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pen("#888888", 1, Qt.PenStyle.DashLine))
        self.line.setZValue(50)
        widget.addItem(self.line, ignoreBounds=True)
        self.line.hide()
        self.proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=30, slot=self._moved)

    def _moved(self, event) -> None:
        pos: QPointF = event[0]
        vb = self.widget.getPlotItem().vb
        if not self.widget.sceneBoundingRect().contains(pos):
            return
        x = vb.mapSceneToView(pos).x()
        self.show_at(x)

    def show_at(self, x: float) -> str:
        text = self.readout(x)
        if text:
            self.line.setPos(x)
            self.line.show()
        self.on_text(text or "")
        return text or ""

    def rearm(self) -> None:
        """After ``plot.clear()`` the line must be added again."""
        if self.line.scene() is None:
            self.widget.addItem(self.line, ignoreBounds=True)
