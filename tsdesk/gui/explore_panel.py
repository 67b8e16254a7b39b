"""The Explore tab: the series, its seasonal differences, resampled means, ACF/PACF, STL, and
the train/valid/backtest periods as shaded regions that can be dragged.

Computations come from ``tsdesk.core.explore``; those that may take over ~100 ms on long
series (correlograms, STL, which imports statsmodels) run off the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QScrollArea, QSpinBox, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from tsdesk.gui.dialogs import show_exception
from tsdesk.gui.plotting import COLORS, Crosshair, date_plot, fmt_time, fmt_value, pen, to_seconds
from tsdesk.gui.split import SplitBounds
from tsdesk.gui.tasks import Tasks

RESAMPLE_RULES = [("off", ""), ("weekly means", "W"), ("monthly means", "ME"), ("quarterly means", "QE"),
                  ("yearly means", "YE")]
REGION_COLORS = (COLORS["train"], COLORS["valid"], COLORS["bt"])
REGION_NAMES = ("train", "valid", "backtest")


class SplitRegions:
    """Three linked LinearRegionItems: moving an edge moves the neighbour's edge with it."""

    def __init__(self, plot: pg.PlotItem, on_finished) -> None:
        self.plot = plot
        self.on_finished = on_finished
        self.xs = np.zeros(0)
        self.regions: list[pg.LinearRegionItem] = []
        self.labels: list[pg.TextItem] = []
        for name, color in zip(REGION_NAMES, REGION_COLORS):
            c = pg.mkColor(color)
            c.setAlpha(38)
            hover = pg.mkColor(color)
            hover.setAlpha(70)
            region = pg.LinearRegionItem(values=(0, 1), brush=pg.mkBrush(c), hoverBrush=pg.mkBrush(hover),
                                         pen=pg.mkPen(color, width=1.5), swapMode="block")
            region.setZValue(-20)
            region.setToolTip(f"{name} period: drag it, or drag its edges")
            region.sigRegionChanged.connect(lambda r, i=len(self.regions): self._changed(i))
            region.sigRegionChangeFinished.connect(lambda r: self._finished())
            label = pg.TextItem(name, color=color, anchor=(0, 1))
            self.regions.append(region)
            self.labels.append(label)
        self._busy = False
        self.visible = True

    def attach(self) -> None:
        for r, t in zip(self.regions, self.labels):
            if r.scene() is None:
                self.plot.addItem(r, ignoreBounds=True)
            if t.scene() is None:
                self.plot.addItem(t, ignoreBounds=True)
            r.setVisible(self.visible)
            t.setVisible(self.visible)

    def set_visible(self, on: bool) -> None:
        self.visible = on
        for r, t in zip(self.regions, self.labels):
            r.setVisible(on)
            t.setVisible(on)

    def set_index(self, index: pd.DatetimeIndex) -> None:
        xs = to_seconds(index)
        step = xs[-1] - xs[-2] if len(xs) > 1 else 86400.0
        self.xs = np.append(xs, xs[-1] + step)  # boundary positions 0..n
        for r in self.regions:
            r.setBounds((self.xs[0], self.xs[-1]))

    def set_bounds(self, b: SplitBounds) -> None:
        if not len(self.xs):
            return
        edges = [self.xs[b.a], self.xs[b.b], self.xs[b.c], self.xs[b.d]]
        self._busy = True
        try:
            for i, r in enumerate(self.regions):
                r.setRegion((edges[i], edges[i + 1]))
        finally:
            self._busy = False
        self._place_labels()

    def _changed(self, i: int) -> None:
        if self._busy:
            return
        lo, hi = self.regions[i].getRegion()
        edges = [r.getRegion()[0] for r in self.regions] + [self.regions[-1].getRegion()[1]]
        edges[i], edges[i + 1] = lo, hi
        for j in range(i + 2, 4):
            edges[j] = max(edges[j], edges[j - 1])
        for j in range(i - 1, -1, -1):
            edges[j] = min(edges[j], edges[j + 1])
        self._busy = True
        try:
            for j, r in enumerate(self.regions):
                if j != i:
                    r.setRegion((edges[j], edges[j + 1]))
        finally:
            self._busy = False
        self._place_labels()

    def _finished(self) -> None:
        if self._busy or not len(self.xs):
            return
        edges = [r.getRegion()[0] for r in self.regions] + [self.regions[-1].getRegion()[1]]
        pos = [int(np.argmin(np.abs(self.xs - e))) for e in edges]
        n = len(self.xs) - 1
        bounds = SplitBounds(*pos).clamped(n)
        self.set_bounds(bounds)
        self.on_finished(bounds)

    def _place_labels(self) -> None:
        bottom = self.plot.vb.viewRange()[1][0]
        for r, t in zip(self.regions, self.labels):
            t.setPos(r.getRegion()[0], bottom)

    def bounds(self) -> SplitBounds | None:
        if not len(self.xs):
            return None
        edges = [r.getRegion()[0] for r in self.regions] + [self.regions[-1].getRegion()[1]]
        return SplitBounds(*[int(np.argmin(np.abs(self.xs - e))) for e in edges]).clamped(len(self.xs) - 1)


class ExplorePanel(QWidget):
    splitChanged = Signal(object)  # SplitBounds

    def __init__(self, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.series = None
        self.column = ""
        self.y = np.zeros(0)
        self.index = pd.DatetimeIndex([])
        self.stl_result = None
        self.hint = ""

        outer = QHBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split)

        controls = QWidget()
        cv = QVBoxLayout(controls)
        cv.setContentsMargins(0, 0, 0, 0)

        g = QGroupBox("Series")
        f = QFormLayout(g)
        self.column_box = QComboBox()
        self.column_box.setObjectName("explore_column")
        self.column_box.setToolTip("The target or one of the covariates")
        f.addRow("Column", self.column_box)
        self.diff_check = QCheckBox("seasonal difference")
        self.diff_check.setObjectName("difference")
        self.diff_check.setToolTip("Plot y(t) - y(t - lag): removes a seasonal pattern (lag = season) "
                                   "or a trend (lag = 1). ACF and PACF follow.")
        self.lag = QSpinBox()
        self.lag.setObjectName("difference_lag")
        self.lag.setRange(1, 100000)
        self.lag.setValue(7)
        row = QHBoxLayout()
        row.addWidget(self.diff_check)
        row.addWidget(QLabel("lag"))
        row.addWidget(self.lag)
        f.addRow(row)
        self.resample_box = QComboBox()
        self.resample_box.setObjectName("resample")
        for text, rule in RESAMPLE_RULES:
            self.resample_box.addItem(text, rule)
        self.resample_box.setToolTip("Means per period drawn over the series, with their rolling average")
        self.rolling = QSpinBox()
        self.rolling.setObjectName("rolling")
        self.rolling.setRange(1, 1000)
        self.rolling.setValue(12)
        self.rolling.setToolTip("Rolling average over this many periods (12 months shows the trend)")
        f.addRow("Resample", self.resample_box)
        f.addRow("Rolling over", self.rolling)
        cv.addWidget(g)

        g = QGroupBox("Periods")
        f = QVBoxLayout(g)
        self.show_split = QCheckBox("show train / valid / backtest")
        self.show_split.setChecked(True)
        f.addWidget(self.show_split)
        self.split_text = QLabel("")
        self.split_text.setObjectName("explore_split")
        self.split_text.setWordWrap(True)
        f.addWidget(self.split_text)
        self.reset_split = QPushButton("Reset periods (70 / 15 / 15 %)")
        self.reset_split.setObjectName("reset_split")
        f.addWidget(self.reset_split)
        cv.addWidget(g)

        g = QGroupBox("ACF / PACF")
        f = QFormLayout(g)
        self.nlags = QSpinBox()
        self.nlags.setObjectName("nlags")
        self.nlags.setRange(2, 1000)
        self.nlags.setValue(40)
        f.addRow("Lags", self.nlags)
        self.hint_label = QLabel("")
        self.hint_label.setObjectName("order_hint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f.addRow(self.hint_label)
        cv.addWidget(g)

        g = QGroupBox("STL decomposition")
        f = QFormLayout(g)
        self.stl_period = QSpinBox()
        self.stl_period.setObjectName("stl_period")
        self.stl_period.setRange(2, 100000)
        self.stl_period.setValue(7)
        self.stl_robust = QCheckBox("robust to outliers")
        self.stl_button = QPushButton("Decompose")
        self.stl_button.setObjectName("stl_button")
        self.stl_button.setToolTip("Split the series into trend, seasonal and remainder (statsmodels STL)")
        f.addRow("Season", self.stl_period)
        f.addRow(self.stl_robust)
        f.addRow(self.stl_button)
        cv.addWidget(g)
        cv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        scroll.setMinimumWidth(290)
        split.addWidget(scroll)

        right = QSplitter(Qt.Orientation.Vertical)
        self.plot_widget = date_plot()
        self.plot_widget.setObjectName("series_plot")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 210))
        main = QWidget()
        mv = QVBoxLayout(main)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addWidget(self.plot_widget, 1)
        self.readout = QLabel(" ")
        self.readout.setObjectName("explore_readout")
        mv.addWidget(self.readout)
        right.addWidget(main)
        self.crosshair = Crosshair(self.plot_widget, self._readout, self.readout.setText)
        self.regions = SplitRegions(self.plot, self._split_dragged)

        self.bottom = QTabWidget()
        self.bottom.setObjectName("explore_tabs")
        corr = QWidget()
        ch = QHBoxLayout(corr)
        ch.setContentsMargins(0, 0, 0, 0)
        self.acf_plot = pg.PlotWidget(title="ACF")
        self.pacf_plot = pg.PlotWidget(title="PACF")
        for w in (self.acf_plot, self.pacf_plot):
            w.setObjectName(w.getPlotItem().titleLabel.text.lower() + "_plot")
            w.showGrid(x=False, y=True, alpha=0.2)
            w.getPlotItem().setLabel("bottom", "lag")
            w.setMouseEnabled(y=False)
            ch.addWidget(w)
        self.bottom.addTab(corr, "ACF / PACF")
        stl_box = QWidget()
        sv = QVBoxLayout(stl_box)
        sv.setContentsMargins(0, 0, 0, 0)
        self.stl_status = QLabel("Press Decompose to split the series into trend, season and remainder.")
        self.stl_status.setObjectName("stl_status")
        sv.addWidget(self.stl_status)
        self.stl_plots = pg.GraphicsLayoutWidget()
        self.stl_plots.setObjectName("stl_plots")
        self.stl_items: list[pg.PlotItem] = []
        for i, name in enumerate(("trend", "seasonal", "remainder")):
            axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
            p = self.stl_plots.addPlot(row=i, col=0, axisItems={"bottom": axis})
            p.setLabel("left", name)
            p.setDownsampling(auto=True, mode="peak")
            p.setClipToView(True)
            p.showGrid(x=True, y=True, alpha=0.2)
            if self.stl_items:
                p.setXLink(self.stl_items[0])
            if i < 2:
                p.getAxis("bottom").setStyle(showValues=False)
            self.stl_items.append(p)
        sv.addWidget(self.stl_plots, 1)
        self.bottom.addTab(stl_box, "STL decomposition")
        right.addWidget(self.bottom)
        right.setSizes([520, 300])
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 1000])

        self._recompute = QTimer(self, singleShot=True, interval=120)
        self._recompute.timeout.connect(self._correlograms)
        self.column_box.currentTextChanged.connect(self._column_changed)
        self.diff_check.toggled.connect(self._redraw_and_correlate)
        self.lag.valueChanged.connect(self._lag_changed)
        self.resample_box.currentIndexChanged.connect(self._redraw)
        self.rolling.valueChanged.connect(self._redraw)
        self.nlags.valueChanged.connect(lambda _: self._recompute.start())
        self.show_split.toggled.connect(self.regions.set_visible)
        self.reset_split.clicked.connect(self._reset_split)
        self.stl_button.clicked.connect(self.decompose)
        self.plot.vb.sigRangeChanged.connect(lambda *_: self.regions._place_labels())
        self.setEnabled(False)

    # -- data ------------------------------------------------------------------------------

    def set_series(self, series, bounds: SplitBounds | None = None) -> None:
        """A new series (new file or new columns); keeps the user's settings where they fit."""
        same_index = self.series is not None and series is not None and series.index.equals(self.index)
        self.series = series
        self.setEnabled(series is not None)
        if series is None:
            self.plot.clear()
            return
        self.index = series.index
        columns = [series.target] + list(series.covariates)
        previous = self.column_box.currentText()
        self.column = previous if previous in columns else series.target
        self.y = self._values(self.column)
        controls = (self.column_box, self.lag, self.stl_period, self.nlags, self.resample_box)
        for w in controls:
            w.blockSignals(True)
        try:
            self.column_box.clear()
            self.column_box.addItems(columns)
            self.column_box.setCurrentText(self.column)
            if not same_index:
                season = max(series.season, 1)
                self.lag.setValue(season)
                self.stl_period.setValue(max(season, 2))
                self.nlags.setValue(int(min(max(40, 3 * season + 1), max(2, series.n // 2 - 1), 1000)))
                self.resample_box.setCurrentIndex(_default_resample(series.index))
                self.regions.set_index(series.index)
                self.stl_clear()
        finally:
            for w in controls:
                w.blockSignals(False)
        self._column_changed(self.column, autorange=not same_index)
        self.set_split(bounds or self.regions.bounds() or SplitBounds.default(series.n))

    def _values(self, column: str) -> np.ndarray:
        s = self.series
        return s.y if column == s.target else s.X_cov[:, list(s.covariates).index(column)]

    def set_split(self, bounds: SplitBounds) -> None:
        self.regions.set_bounds(bounds)
        self._show_split_text(bounds)

    def _show_split_text(self, b: SplitBounds) -> None:
        if self.series is None:
            return
        d = b.dates(self.series.index)
        parts = [f"<span style='color:{COLORS['train']}'>train</span> {d['train'][0]} to {d['train'][1]}"]
        if d["valid"]:
            parts.append(f"<span style='color:{COLORS['valid']}'>valid</span> {d['valid'][0]} to {d['valid'][1]}")
        parts.append(f"<span style='color:{COLORS['bt']}'>backtest</span> {d['backtest'][0]} to {d['backtest'][1]}")
        self.split_text.setText("<br>".join(parts))

    def _split_dragged(self, bounds: SplitBounds) -> None:
        self._show_split_text(bounds)
        self.splitChanged.emit(bounds)

    def _reset_split(self) -> None:
        if self.series is None:
            return
        bounds = SplitBounds.default(self.series.n)
        self.set_split(bounds)
        self.splitChanged.emit(bounds)

    def _column_changed(self, column: str, autorange: bool = True) -> None:
        if self.series is None or not column:
            return
        self.column = column
        self.y = self._values(column)
        self._redraw()
        if autorange:
            self.plot.autoRange()
        self._recompute.start()

    def _lag_changed(self) -> None:
        if self.diff_check.isChecked():
            self._redraw_and_correlate()

    def _redraw_and_correlate(self) -> None:
        self._redraw()
        self.plot.enableAutoRange(axis="y")
        self._recompute.start()

    def shown_values(self) -> tuple[pd.DatetimeIndex, np.ndarray]:
        """The plotted series: the column, or its seasonal difference."""
        if self.diff_check.isChecked():
            lag = self.lag.value()
            if lag >= len(self.y):
                return self.index[:0], self.y[:0]
            return self.index[lag:], self.y[lag:] - self.y[:-lag]
        return self.index, self.y

    def _redraw(self) -> None:
        if self.series is None:
            return
        self.plot.clear()
        self.plot.legend.clear()
        self.crosshair.rearm()
        self.regions.attach()
        index, y = self.shown_values()
        name = self.column + (f" - lag {self.lag.value()}" if self.diff_check.isChecked() else "")
        self.series_curve = self.plot.plot(to_seconds(index), y, pen=pen(COLORS["actual"], 1.0), name=name)
        rule = self.resample_box.currentData()
        if rule and len(index):
            from tsdesk.core.explore import resample_mean
            from tsdesk.errors import UserError

            try:
                frame = resample_mean(pd.Series(y, index=index), rule, self.rolling.value())
            except UserError as exc:
                self.readout.setText(str(exc))
            else:
                x = to_seconds(frame.index)
                self.plot.plot(x, frame["mean"].to_numpy(), pen=pen(COLORS["resampled"], 1.8),
                               name=self.resample_box.currentText(), symbol="o", symbolSize=4,
                               symbolBrush=COLORS["resampled"], symbolPen=None)
                self.plot.plot(x, frame["rolling_mean"].to_numpy(), pen=pen(COLORS["rolling"], 2.2),
                               name=f"rolling mean of {self.rolling.value()}", connect="finite")
        self.regions._place_labels()

    # -- correlograms --------------------------------------------------------------------------

    def _correlograms(self) -> None:
        if self.series is None:
            return
        _, y = self.shown_values()
        raw = self.y
        nlags = self.nlags.value()
        season = self.lag.value() if self.lag.value() > 1 else max(self.series.season, 1)

        def work():
            from tsdesk.core.explore import acf, order_hint, pacf

            a = acf(y, nlags)
            p = pacf(y, nlags)
            try:
                hint = order_hint(raw, season)
            except Exception as exc:  # noqa: BLE001 - a hint is optional, never an error dialog
                hint = f"no order hint: {exc}"
            return a, p, hint

        self.tasks.run("acf", work, self._show_correlograms, self._correlogram_failed)

    def _correlogram_failed(self, exc: BaseException) -> None:
        from tsdesk.errors import UserError

        for w in (self.acf_plot, self.pacf_plot):
            w.getPlotItem().clear()
        if isinstance(exc, UserError):
            self.hint_label.setText(str(exc))
        else:
            show_exception(self.window(), exc, "computing the ACF")

    def _show_correlograms(self, result) -> None:
        a, p, hint = result
        self.correlograms = (a, p)
        for w, c in ((self.acf_plot, a), (self.pacf_plot, p)):
            item = w.getPlotItem()
            item.clear()
            lags, values = c.lags[1:], c.values[1:]
            significant = c.significant()[1:]
            brushes = [pg.mkBrush(COLORS["backtest"] if s else "#9ab8d6") for s in significant]
            item.addItem(pg.BarGraphItem(x=lags, height=values, width=0.6, brushes=brushes, pen=pg.mkPen(None)))
            band = c.bartlett[1:] if c.bartlett is not None else np.full(len(lags), c.band)
            upper = pg.PlotDataItem(lags, band, pen=pg.mkPen("#d62728", width=1, style=Qt.PenStyle.DashLine))
            lower = pg.PlotDataItem(lags, -band, pen=pg.mkPen("#d62728", width=1, style=Qt.PenStyle.DashLine))
            fill = pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(214, 39, 40, 25))
            item.addItem(fill)
            item.addItem(upper)
            item.addItem(lower)
            item.addLine(y=0, pen=pg.mkPen("#333333", width=1))
            item.setXRange(0, lags[-1] + 1 if len(lags) else 1, padding=0.02)
            top = max(1.0, float(np.nanmax(np.abs(values))) if len(values) else 1.0)
            item.setYRange(-top * 1.05 if np.nanmin(values, initial=0) < -float(band.max(initial=0)) else -0.5,
                           top * 1.05, padding=0)
            item.setTitle(f"{'ACF' if w is self.acf_plot else 'PACF'} of "
                          f"{self.column}{' differenced at lag ' + str(self.lag.value()) if self.diff_check.isChecked() else ''}"
                          " (95 % band dashed)")
        self.hint = hint
        self.hint_label.setText("<b>Order hint</b><br>" + hint.replace("\n", "<br>"))

    # -- STL ---------------------------------------------------------------------------------------

    def stl_clear(self) -> None:
        self.stl_result = None
        for p in self.stl_items:
            p.clear()
        self.stl_status.setText("Press Decompose to split the series into trend, season and remainder.")

    def decompose(self) -> None:
        if self.series is None:
            return
        index, y = self.index, self.y
        period, robust = self.stl_period.value(), self.stl_robust.isChecked()
        self.stl_button.setEnabled(False)
        self.stl_status.setText(f"Decomposing {len(y):,} values with season {period}...")
        self.bottom.setCurrentIndex(1)

        def work():
            from tsdesk.core.explore import stl

            return stl(pd.Series(y, index=index), period, robust)

        def done(frame) -> None:
            self.stl_button.setEnabled(True)
            self.stl_result = frame
            x = to_seconds(frame.index)
            for p, col, color in zip(self.stl_items, ("trend", "seasonal", "resid"),
                                     (COLORS["trend"], COLORS["backtest"], "#555555")):
                p.clear()
                p.plot(x, frame[col].to_numpy(), pen=pen(color, 1.0))
            self.stl_items[0].autoRange()
            self.stl_status.setText(f"STL of {self.column} with season {period}"
                                    f"{' (robust)' if robust else ''}: trend + seasonal + remainder = series")

        def failed(exc: BaseException) -> None:
            self.stl_button.setEnabled(True)
            self.stl_status.setText("STL failed.")
            show_exception(self.window(), exc, "decomposing the series")

        self.tasks.run("stl", work, done, failed)

    # -- readout -------------------------------------------------------------------------------

    def _readout(self, x: float) -> str:
        index, y = self.shown_values()
        if not len(index):
            return ""
        xs = to_seconds(index)
        i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
        if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
            i -= 1
        return f"{fmt_time(index[i])}   {self.column}: {fmt_value(float(y[i]))}"


def _default_resample(index: pd.DatetimeIndex) -> int:
    """Monthly means for sub-weekly data spanning three years or more (the yearly pattern shows)."""
    if len(index) < 3:
        return 0
    span = (index[-1] - index[0]) / pd.Timedelta(days=1)
    step = (index[1] - index[0]) / pd.Timedelta(days=1)
    return 2 if span >= 3 * 365 and step < 7 else 0
