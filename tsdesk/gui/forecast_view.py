"""The forecast plot: actuals, backtest forecasts and the forecast past the data, with bands.

A family may draw its own forecasts: ``ModelFamily.renderer`` names
``render(plot, result, info)``; the host calls it once for the backtest (the chosen step) and
once for the future, with ``info`` = the fitted model's info plus ``part`` ("backtest" or
"future") and ``color``. Without one, :func:`render_default` draws the mean and its bands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tsdesk.gui.plotting import COLORS, Crosshair, band_brush, date_plot, fmt_time, fmt_value, pen, to_seconds


VIEWS = ("recent + forecast", "backtest period", "everything")


def render_default(plot: pg.PlotItem, result, info: dict) -> list:
    """Mean line and one FillBetweenItem per interval level, widest first."""
    color = info.get("color", COLORS["backtest"])
    part = info.get("part", "backtest")
    x = to_seconds(result.timestamp)
    items: list = []
    for level in sorted(result.levels, reverse=True):
        lo = pg.PlotDataItem(x, result.lower[level], pen=pg.mkPen(None))
        hi = pg.PlotDataItem(x, result.upper[level], pen=pg.mkPen(None))
        band = pg.FillBetweenItem(lo, hi, brush=band_brush(color, level))
        band.setZValue(-10 + level / 100)
        plot.addItem(band)
        items.append(band)
        if plot.legend is not None:  # an empty filled curve is the legend's swatch for the band
            swatch = pg.PlotDataItem(pen=pg.mkPen(None), brush=band_brush(color, level), fillLevel=0)
            plot.legend.addItem(swatch, f"{'backtest' if part == 'backtest' else 'forecast'} {level} % interval")
    mean_name = "backtest forecast" if part == "backtest" else "forecast"
    curve = plot.plot(x, result.mean, pen=pen(color, 1.6), name=mean_name)
    if part == "future" and len(x) <= 60:
        curve.setSymbol("o")
        curve.setSymbolSize(4)
        curve.setSymbolBrush(pg.mkBrush(color))
        curve.setSymbolPen(pg.mkPen(color))
    items.append(curve)
    return items


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ForecastView(QWidget):
    """Shows one run: choose the backtest step, read values under the mouse, save the forecast."""

    stepChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = None
        self.family = None
        self.step = 1
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("Train a model on the Train tab to see its forecasts here.")
        self.title.setObjectName("forecast_title")
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("View:"))
        self.view_box = QComboBox()
        self.view_box.setObjectName("forecast_zoom")
        self.view_box.addItems(VIEWS)
        self.view_box.setToolTip("What the plot opens on; zoom with the mouse wheel, pan by dragging")
        self.view_box.currentIndexChanged.connect(lambda _: self.zoom())
        top.addWidget(self.view_box)
        top.addWidget(QLabel("Backtest:"))
        self.step_box = QComboBox()
        self.step_box.setObjectName("forecast_step")
        self.step_box.setToolTip("Which forecasts of the backtest period to draw: made 1, 2, ... steps ahead")
        self.step_box.currentIndexChanged.connect(self._step_changed)
        top.addWidget(self.step_box)
        self.save_button = QPushButton("Save forecast...")
        self.save_button.setToolTip("Write the forecast past the data (with intervals) to a CSV file")
        self.save_button.clicked.connect(self._save)
        self.save_button.setEnabled(False)
        top.addWidget(self.save_button)
        layout.addLayout(top)
        self.plot_widget = date_plot()
        self.plot_widget.setObjectName("forecast_plot")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 210))
        layout.addWidget(self.plot_widget, 1)
        self.readout = QLabel(" ")
        self.readout.setObjectName("forecast_readout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.readout)
        self.crosshair = Crosshair(self.plot_widget, self._readout, self.readout.setText)
        self.items: dict[str, list] = {}
        self.renderer_note = ""

    # -- drawing ----------------------------------------------------------------------------

    def show_run(self, record, family=None) -> None:
        """Draw a finished run (``RunRecord`` with ``output`` and ``series``)."""
        self.record, self.family = record, family
        out = record.output
        horizon = int(out.backtest.horizon) or 1
        self.step_box.blockSignals(True)
        self.step_box.clear()
        self.step_box.addItems([f"{k} step{'s' if k > 1 else ''} ahead" for k in range(1, horizon + 1)])
        self.step = min(self.step, horizon)
        self.step_box.setCurrentIndex(self.step - 1)
        self.step_box.setEnabled(horizon > 1)
        self.step_box.blockSignals(False)
        self.save_button.setEnabled(out.future is not None)
        self._draw()
        self.zoom()

    def clear(self) -> None:
        self.record = None
        self.plot.clear()
        self.plot.legend.clear()
        self.crosshair.rearm()
        self.items = {}
        self.title.setText("Train a model on the Train tab to see its forecasts here.")
        self.save_button.setEnabled(False)

    def _draw(self) -> None:
        record, out = self.record, self.record.output
        self.plot.clear()
        self.plot.legend.clear()
        self.crosshair.rearm()
        self.crosshair.line.hide()
        self.readout.setText(" ")
        self.items = {}
        series = getattr(record, "series", None)
        if series is not None:
            actual = self.plot.plot(to_seconds(series.index), series.y, pen=pen(COLORS["actual"], 1.0),
                                    name=f"actual {series.target}")
            actual.setZValue(5)  # actuals stay readable on top of the backtest forecast
            self.items["actual"] = [actual]
        render = self._renderer()
        info = dict(out.info or {})
        backtest = out.backtest.at_step(self.step)
        self.items["backtest"] = render(self.plot, backtest, {**info, "part": "backtest",
                                                              "color": COLORS["backtest"]}) or []
        if out.future is not None and len(out.future):
            self.items["future"] = render(self.plot, out.future, {**info, "part": "future",
                                                                  "color": COLORS["future"]}) or []
        m = out.metrics
        cover = ", ".join(f"{lv} % interval covers {100 * v:.0f} %"
                          for lv, v in (m.get("coverage") or {}).items() if v is not None)
        ahead = f" {self.step}-step-ahead" if out.backtest.horizon > 1 else ""
        parts = [f"<b>{record.title}</b> (run {record.run_id}):{ahead} backtest MAE {fmt_value(m.get('mae'))}, "
                 f"RMSE {fmt_value(m.get('rmse'))}" + (f"; {cover}" if cover else "")]
        if out.future is not None and len(out.future):
            parts.append(f"forecast {len(out.future)} step{'s' if len(out.future) > 1 else ''} from "
                         f"{fmt_time(out.future.timestamp[0])} to {fmt_time(out.future.timestamp[-1])}")
        for note in out.notes:
            parts.append(f"<span style='color:#8a4b00'>&#9888; {_esc(note)}</span>")
        if self.renderer_note:
            parts.append(f"<i>{_esc(self.renderer_note)}</i>")
        self.title.setText("<br>".join(parts))

    def _renderer(self):
        self.renderer_note = ""
        path = getattr(self.family, "renderer", None)
        if not path:
            return render_default
        try:
            from tsdesk.plugin_api import resolve

            custom = resolve(path)
        except Exception as exc:  # noqa: BLE001 - a plugin's drawing code must not break the view
            self.renderer_note = f"the family's renderer {path} failed to load ({type(exc).__name__}: {exc}); default view shown"
            return render_default

        def safe(plot, result, info):
            try:
                return custom(plot, result, info)
            except Exception as exc:  # noqa: BLE001
                self.renderer_note = f"the family's renderer failed ({type(exc).__name__}: {exc}); default view shown"
                return render_default(plot, result, info)
        return safe

    def zoom(self) -> None:
        """Show the part chosen in the View box; the y axis follows what is visible."""
        if self.record is None:
            return
        out = self.record.output
        view = VIEWS[max(self.view_box.currentIndex(), 0)]
        back = to_seconds(out.backtest.at_step(self.step).timestamp)
        future = to_seconds(out.future.timestamp) if out.future is not None and len(out.future) else back[:0]
        series = getattr(self.record, "series", None)
        last = float(future[-1]) if len(future) else float(back[-1])
        if view == "everything" and series is not None:
            lo, hi = float(to_seconds(series.index[:1])[0]), max(float(to_seconds(series.index[-1:])[0]), last)
        elif view == "backtest period" or not len(future):
            lo, hi = float(back[0]), last
        else:  # the forecast with four times as many steps of recent history before it
            steps = min(len(back), max(4 * len(future), 60))
            lo, hi = back[-steps], future[-1]
        pad = 0.02 * max(hi - lo, 1.0)
        self.plot.enableAutoRange(axis="y")
        self.plot.setAutoVisible(y=True)
        self.plot.setXRange(lo - pad, hi + pad, padding=0)

    def _step_changed(self, index: int) -> None:
        if index < 0 or self.record is None:
            return
        self.step = index + 1
        view = self.plot.vb.viewRange()
        self._draw()
        self.plot.setXRange(*view[0], padding=0)
        self.stepChanged.emit(self.step)

    # -- reading values --------------------------------------------------------------------

    def points(self, part: str) -> int:
        """How many points the mean curve of ``part`` ("actual", "backtest", "future") holds."""
        for item in self.items.get(part, []):
            if isinstance(item, pg.PlotDataItem):
                x, _ = item.getOriginalDataset()
                return 0 if x is None else len(x)
        return 0

    def _readout(self, x: float) -> str:
        if self.record is None:
            return ""
        ts = pd.Timestamp(int(round(x * 1e9)))
        out = self.record.output
        series = getattr(self.record, "series", None)
        parts: list[str] = []
        when = None
        if series is not None and len(series.index):
            idx = pd.DatetimeIndex(series.index)
            if idx.tz is not None:
                idx = idx.tz_localize(None)
            i = int(np.clip(idx.searchsorted(ts), 0, len(idx) - 1))
            if i > 0 and abs(idx[i - 1] - ts) < abs(idx[i] - ts):
                i -= 1
            when = idx[i]
            parts.append(f"actual {fmt_value(series.y[i])}")
        for name, result in (("backtest", out.backtest.at_step(self.step)), ("forecast", out.future)):
            if result is None or not len(result):
                continue
            stamps = pd.DatetimeIndex(result.timestamp)
            if stamps.tz is not None:
                stamps = stamps.tz_localize(None)
            j = int(np.clip(stamps.searchsorted(ts), 0, len(stamps) - 1))
            if j > 0 and abs(stamps[j - 1] - ts) < abs(stamps[j] - ts):
                j -= 1
            step = (stamps[1] - stamps[0]) if len(stamps) > 1 else pd.Timedelta(days=1)
            if abs(stamps[j] - ts) > step:
                continue
            if name == "forecast" and (when is None or stamps[j] > when):
                when = stamps[j]
                parts = []
            if when is not None and stamps[j] != when:
                continue
            bands = "; ".join(f"{lv} %: {fmt_value(result.lower[lv][j])} to {fmt_value(result.upper[lv][j])}"
                              for lv in result.levels)
            parts.append(f"{name} {fmt_value(result.mean[j])}" + (f" ({bands})" if bands else ""))
        if when is None:
            return ""
        return f"{fmt_time(when)}   " + "   ".join(parts)

    def _save(self) -> None:
        if self.record is None or self.record.output.future is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save forecast", f"forecast-{self.record.family}.csv",
                                              "CSV files (*.csv)")
        if path:
            frame = self.record.output.future.to_frame().drop(columns=["actual"])
            from tsdesk.core.fileio import atomic_write_text

            try:
                atomic_write_text(path, frame.to_csv(index=False))
            except OSError as exc:
                from tsdesk.gui.dialogs import show_error

                show_error(self, f"could not write {path}: {exc.strerror or exc}")
