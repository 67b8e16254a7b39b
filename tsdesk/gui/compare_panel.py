"""The Compare tab: every run side by side, sortable, with the best per metric marked.

Selecting several rows overlays their backtest forecasts (solid) and forecasts past the data
(dashed) on one plot; for multi-step runs a chart shows the MAE per horizon step (from
metrics.json ``mae_by_horizon``) and, for runs with intervals, the reliability diagram
(nominal against empirical coverage, from ``calibration``) with the diagonal for reference.

The table reads the same :class:`~tsdesk.gui.runs_table.RunsModel` the Train tab shows,
through :class:`CompareModel` (more columns) and a :class:`QSortFilterProxyModel` (sorting).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from tsdesk.gui.plotting import COLORS, date_plot, fmt_value, pen, to_seconds

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22")
BEST_COLOR = QColor("#1a7f37")
BEST_BACKGROUND = QColor("#e6f4ea")


def run_color(run_id: str) -> str:
    try:
        return PALETTE[(int(run_id) - 1) % len(PALETTE)]
    except ValueError:
        return PALETTE[hash(run_id) % len(PALETTE)]


class Metric:
    """One numeric column: how to read it, and which value is best (None: no "best")."""

    def __init__(self, header: str, key: str, get: Callable[[Any], Any], tooltip: str,
                 best: str | None = "min", fmt: Callable[[Any], str] | None = None, target: float | None = None):
        self.header, self.key, self.get, self.tooltip = header, key, get, tooltip
        self.best, self.fmt, self.target = best, fmt or fmt_value, target

    def score(self, value: float) -> float:
        """Smaller is better."""
        if self.best == "target":
            return abs(value - (self.target or 0.0))
        return value if self.best == "min" else -value


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _m(key: str, level: str | None = None):
    def get(r):
        v = r.metrics.get(key)
        if level is not None:
            v = (v or {}).get(level)
        return _num(v)
    return get


def _same(a, b) -> bool:
    norm = (lambda v: list(v) if isinstance(v, (list, tuple)) else v)
    return norm(a) == norm(b)


def _params_text(r, host=None, full: bool = False) -> str:
    """The parameters that differ from the family's defaults (all of them with ``full``)."""
    exp = r.experiment
    params = dict(getattr(exp, "params", None) or {})
    if not params and r.output is not None:
        params = dict((r.output.info or {}).get("params") or {})
    defaults = {}
    if host is not None and not full:
        family = host.families.get(r.family)
        if family is not None:
            try:
                defaults = family.defaults()
            except Exception:  # noqa: BLE001 - a plugin's defaults must not break the table
                defaults = {}
    shown = {k: v for k, v in params.items() if not (k in defaults and _same(v, defaults[k]))}
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    horizon = getattr(exp, "horizon", None)
    if horizon and horizon > 1:
        text = (text + "; " if text else "") + f"h={horizon}"
    return text


def _train_seconds(r):
    v = _num(r.metrics.get("train_seconds"))
    return v if v is not None else (_num(r.seconds) if r.status == "done" else None)


def _percent(v) -> str:
    return f"{100 * v:.0f} %"


def metric_columns(levels: list[str]) -> list[Metric]:
    cols = [
        Metric("MAE", "mae", _m("mae"), "Mean absolute error on the backtest period"),
        Metric("RMSE", "rmse", _m("rmse"), "Root mean squared error on the backtest period"),
        Metric("MAPE", "mape", _m("mape"), "Mean absolute percentage error on the backtest period",
               fmt=lambda v: f"{v:.2f} %" if abs(v) < 1e6 else fmt_value(v)),
        Metric("MASE", "mase", _m("mase"), "Mean absolute scaled error: MAE over the seasonal naive MAE "
               "in the training period (below 1 beats it)", fmt=lambda v: f"{v:.3f}"),
    ]
    for lv in levels:
        cols.append(Metric(f"Cover {lv}", f"coverage {lv}", _m("coverage", lv),
                           f"Share of backtest actuals inside the {lv} % interval (best: closest to {lv} %)",
                           best="target", fmt=_percent, target=int(lv) / 100))
        cols.append(Metric(f"Width {lv}", f"width {lv}", _m("mean_width", lv),
                           f"Mean width of the {lv} % interval (narrower is better at the same coverage)"))
    cols.append(Metric("Train time", "train time", _train_seconds, "Seconds spent training (not backtesting)",
                       fmt=lambda v: f"{v:.2f} s" if v < 10 else f"{v:.0f} s"))
    cols.append(Metric("Epochs", "epochs", _m("epochs"), "Epochs trained (neural networks)", best=None,
                       fmt=lambda v: f"{v:.0f}"))
    return cols


TEXT_COLUMNS = (
    ("#", lambda r: int(r.run_id) if r.run_id.isdigit() else r.run_id, "Run number"),
    ("Model", lambda r: r.title, "Model family"),
    ("Params", _params_text, "The parameters that differ from the family's defaults (h = horizon); "
                             "hover a cell for all of them"),
    ("Status", lambda r: r.status, "queued, running, done, cancelled or failed"),
)


class CompareModel(QAbstractTableModel):
    """More columns over the runs model's records; follows its inserts, changes and resets."""

    def __init__(self, runs, parent=None, host=None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.host = host
        self.levels: list[str] = []
        self.metrics: list[Metric] = metric_columns([])
        self.best: dict[str, set[str]] = {}  # metric key -> run ids holding the best value
        runs.rowsAboutToBeInserted.connect(lambda p, a, b: self.beginInsertRows(QModelIndex(), a, b))
        runs.rowsInserted.connect(lambda *_: (self.endInsertRows(), self._refresh()))
        runs.rowsAboutToBeRemoved.connect(lambda p, a, b: self.beginRemoveRows(QModelIndex(), a, b))
        runs.rowsRemoved.connect(lambda *_: (self.endRemoveRows(), self._refresh()))
        runs.modelAboutToBeReset.connect(self.beginResetModel)
        runs.modelReset.connect(lambda: (self.endResetModel(), self._refresh()))
        runs.dataChanged.connect(lambda *_: self._refresh())
        self._refresh()

    @property
    def records(self):
        return self.runs.records

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(TEXT_COLUMNS) + len(self.metrics)

    def header(self, column: int) -> str:
        return TEXT_COLUMNS[column][0] if column < len(TEXT_COLUMNS) else self.metrics[column - len(TEXT_COLUMNS)].header

    def headers(self) -> list[str]:
        return [self.header(i) for i in range(self.columnCount())]

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            return TEXT_COLUMNS[section][2] if section < len(TEXT_COLUMNS) else \
                self.metrics[section - len(TEXT_COLUMNS)].tooltip
        return None

    def value(self, row: int, column: int):
        r = self.records[row]
        if column < len(TEXT_COLUMNS):
            if TEXT_COLUMNS[column][0] == "Params":
                return _params_text(r, self.host)
            return TEXT_COLUMNS[column][1](r)
        return self.metrics[column - len(TEXT_COLUMNS)].get(r) if r.status == "done" else None

    def is_best(self, row: int, column: int) -> bool:
        if column < len(TEXT_COLUMNS):
            return False
        m = self.metrics[column - len(TEXT_COLUMNS)]
        return self.records[row].run_id in self.best.get(m.key, ())

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.records):
            return None
        row, col = index.row(), index.column()
        value = self.value(row, col)
        numeric = col >= len(TEXT_COLUMNS)
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return ""
            return self.metrics[col - len(TEXT_COLUMNS)].fmt(value) if numeric else str(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        best = self.is_best(row, col)
        if role == Qt.ItemDataRole.FontRole and best:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole:
            if best:
                return BEST_COLOR
            if self.header(col) == "Status":
                from tsdesk.gui.runs_table import STATUS_COLORS

                return QColor(STATUS_COLORS.get(self.records[row].status, "#000000"))
            if self.header(col) == "#":
                return QColor(run_color(self.records[row].run_id))
        if role == Qt.ItemDataRole.BackgroundRole and best:
            return BEST_BACKGROUND
        if role == Qt.ItemDataRole.TextAlignmentRole and (numeric or col == 0):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            r = self.records[row]
            if best:
                return f"best {self.metrics[col - len(TEXT_COLUMNS)].header}"
            if r.status == "failed" and r.message:
                return r.message
            if self.header(col) in ("Model", "Params"):
                params = _params_text(r, full=True)
                return f"{r.title}({params})" if params else r.title
        return None

    def _refresh(self) -> None:
        """New interval levels add columns; the best values are recomputed over finished runs."""
        levels = sorted({str(k) for r in self.records if r.status == "done"
                         for k in (r.metrics.get("coverage") or {})}, key=int)
        if levels != self.levels:
            self.beginResetModel()
            self.levels = levels
            self.metrics = metric_columns(levels)
            self.endResetModel()
        best: dict[str, set[str]] = {}
        done = [r for r in self.records if r.status == "done"]
        if len(done) >= 2:
            for m in self.metrics:
                if m.best is None:
                    continue
                scored = [(m.score(v), r.run_id) for r in done if (v := m.get(r)) is not None]
                if len(scored) < 2:
                    continue
                low = min(s for s, _ in scored)
                # ties as shown count as ties: 0.00 s against 0.00 s is no "best"
                values = {r.run_id: m.get(r) for r in done}
                best_text = next(m.fmt(values[rid]) for sc, rid in scored if sc == low)
                ids = {rid for sc, rid in scored
                       if sc <= low + 1e-12 * max(1.0, abs(low)) or m.fmt(values[rid]) == best_text}
                if len(ids) < len(scored):  # a tie of all is no "best"
                    best[m.key] = ids
        self.best = best
        if self.records:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.records) - 1, self.columnCount() - 1))

    def best_runs(self, header: str) -> list[str]:
        """Run ids marked best in the column ``header`` (tests, tooltips)."""
        for m in self.metrics:
            if m.header == header:
                return sorted(self.best.get(m.key, ()))
        raise KeyError(header)


class CompareProxy(QSortFilterProxyModel):
    """Sorts by the raw values; empty cells (running, failed) always sort last."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def lessThan(self, left, right) -> bool:  # noqa: N802
        a, b = left.data(Qt.ItemDataRole.UserRole), right.data(Qt.ItemDataRole.UserRole)
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        if a is None or b is None:
            if a is None and b is None:
                return left.row() < right.row()
            return (a is None) != ascending  # None last in either order
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a).lower() < str(b).lower()


class ComparePanel(QWidget):
    """The runs table with every metric, and the overlay, horizon and reliability charts."""

    selectionChanged = Signal(list)  # run ids

    def __init__(self, runs_model, parent: QWidget | None = None, host=None) -> None:
        super().__init__(parent)
        self.setObjectName("compare_panel")
        self.model = CompareModel(runs_model, self, host)
        self.proxy = CompareProxy(self)
        self.proxy.setSourceModel(self.model)
        self.step = 1

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.hint = QLabel("Select runs (Ctrl/Shift-click) to overlay their forecasts; click a header to "
                           "sort. The best value of each metric is <b style='color:#1a7f37'>bold green</b>.")
        self.hint.setWordWrap(True)
        top.addWidget(self.hint, 1)
        top.addWidget(QLabel("Backtest:"))
        self.step_box = QComboBox()
        self.step_box.setObjectName("compare_step")
        self.step_box.setToolTip("Which backtest forecasts to overlay: made 1, 2, ... steps ahead")
        self.step_box.addItem("1 step ahead")
        self.step_box.currentIndexChanged.connect(self._step_changed)
        top.addWidget(self.step_box)
        layout.addLayout(top)

        self.table = QTableView()
        self.table.setObjectName("compare_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.model.headers().index("Params"), QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.model.modelReset.connect(self._fit_params)
        self.model.rowsInserted.connect(self._fit_params)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.overlay_widget = date_plot()
        self.overlay_widget.setObjectName("compare_plot")
        self.overlay = self.overlay_widget.getPlotItem()
        self.overlay.setTitle("Backtest and future forecasts of the selected runs")
        self.overlay.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 210))

        self.horizon_widget = pg.PlotWidget()
        self.horizon_widget.setObjectName("horizon_chart")
        self.horizon_plot = self.horizon_widget.getPlotItem()
        self.horizon_plot.setTitle("MAE per horizon step")
        self.horizon_plot.setLabel("bottom", "steps ahead")
        self.horizon_plot.setLabel("left", "MAE")
        self.horizon_plot.showGrid(x=True, y=True, alpha=0.2)
        self.horizon_plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210))

        self.reliability_widget = pg.PlotWidget()
        self.reliability_widget.setObjectName("reliability_chart")
        self.reliability = self.reliability_widget.getPlotItem()
        self.reliability.setTitle("Reliability: interval coverage")
        self.reliability.setLabel("bottom", "nominal coverage (%)")
        self.reliability.setLabel("left", "backtest coverage (%)")
        self.reliability.showGrid(x=True, y=True, alpha=0.2)
        self.reliability.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 210))
        self.reliability.setMouseEnabled(x=False, y=False)

        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.horizon_widget)
        charts.addWidget(self.reliability_widget)
        self.bottom = QSplitter(Qt.Orientation.Horizontal)
        self.bottom.setObjectName("compare_bottom_splitter")
        self.bottom.addWidget(self.overlay_widget)
        self.bottom.addWidget(charts)
        self.bottom.setStretchFactor(0, 3)
        self.bottom.setStretchFactor(1, 1)
        self.bottom.setSizes([900, 400])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("compare_splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.bottom)
        self.splitter.setSizes([240, 560])
        layout.addWidget(self.splitter, 1)
        self.curves: dict[str, dict[str, list]] = {}  # run id -> part -> plot items
        self._fitted: set[str] = set()
        runs_model.changed.connect(self._run_changed)
        self._draw()

    def _fit_params(self, *_) -> None:
        """The Params column fits its text up to a third of the table; hover shows the rest."""
        col = self.model.headers().index("Params")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        wanted = max(self.table.sizeHintForColumn(col), header.sectionSizeHint(col))
        self.table.setColumnWidth(col, min(wanted + 12, max(180, self.table.viewport().width() // 3)))

    def _run_changed(self, run_id: str) -> None:
        record = self.model.runs.get(run_id)
        if record is not None and record.status == "done" and run_id not in self._fitted:
            self._fitted.add(run_id)
            self._fit_params()
        if record is not None and record.status == "done" and run_id not in self.curves \
                and run_id in self.selected_runs():
            self._draw()

    # -- selection ---------------------------------------------------------------------------

    def selected_runs(self) -> list[str]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.records[r].run_id for r in rows if r < len(self.model.records)]

    def select_runs(self, run_ids: list[str]) -> None:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            src = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
            if self.model.records[src].run_id in run_ids:
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def sorted_runs(self) -> list[str]:
        """Run ids in the order the table shows them."""
        return [self.model.records[self.proxy.mapToSource(self.proxy.index(r, 0)).row()].run_id
                for r in range(self.proxy.rowCount())]

    def sort_by(self, header: str, order=Qt.SortOrder.AscendingOrder) -> None:
        self.table.sortByColumn(self.model.headers().index(header), order)

    def _selection_changed(self) -> None:
        ids = self.selected_runs()
        self._draw()
        self.selectionChanged.emit(ids)

    def _step_changed(self, index: int) -> None:
        if index >= 0:
            self.step = index + 1
            self._draw()

    # -- drawing -----------------------------------------------------------------------------

    def _records(self) -> list:
        out = []
        for rid in self.selected_runs():
            r = self.model.runs.get(rid)
            if r is not None and r.status == "done" and r.output is not None:
                out.append(r)
        return out

    def refresh(self) -> None:
        self._draw()

    def _draw(self) -> None:
        records = self._records()
        horizon = max([int(r.output.backtest.horizon) or 1 for r in records] or [1])
        if self.step_box.count() != horizon:
            self.step_box.blockSignals(True)
            self.step_box.clear()
            self.step_box.addItems([f"{k} step{'s' if k > 1 else ''} ahead" for k in range(1, horizon + 1)])
            self.step = min(self.step, horizon)
            self.step_box.setCurrentIndex(self.step - 1)
            self.step_box.blockSignals(False)
        self.step_box.setEnabled(horizon > 1)
        self._draw_overlay(records)
        self._draw_horizon(records)
        self._draw_reliability(records)

    def _draw_overlay(self, records: list) -> None:
        plot = self.overlay
        plot.clear()
        plot.legend.clear()
        self.curves = {}
        if not records:
            self._note(plot, "Select one or more finished runs above to compare their forecasts.")
            return
        series = next((r.series for r in records if getattr(r, "series", None) is not None), None)
        if series is not None:
            actual = plot.plot(to_seconds(series.index), series.y, pen=pen(COLORS["actual"], 1.0),
                               name=f"actual {series.target}")
            actual.setZValue(5)
            self.curves["actual"] = {"actual": [actual]}
        lo = hi = None
        for r in records:
            color = run_color(r.run_id)
            items: dict[str, list] = {}
            back = r.output.backtest.at_step(min(self.step, r.output.backtest.horizon or 1))
            if len(back):
                x = to_seconds(back.timestamp)
                items["backtest"] = [plot.plot(x, back.mean, pen=pen(color, 1.6),
                                               name=f"run {r.run_id} {r.title}")]
                lo = x[0] if lo is None else min(lo, x[0])
                hi = x[-1] if hi is None else max(hi, x[-1])
            fut = r.output.future
            if fut is not None and len(fut):
                x = to_seconds(fut.timestamp)
                curve = plot.plot(x, fut.mean, pen=pen(color, 1.6, Qt.PenStyle.DashLine))
                if len(x) <= 60:
                    curve.setSymbol("o")
                    curve.setSymbolSize(4)
                    curve.setSymbolBrush(pg.mkBrush(color))
                    curve.setSymbolPen(pg.mkPen(color))
                items["future"] = [curve]
                if fut.levels:  # the widest interval past the data, faint
                    level = max(fut.levels)
                    c = pg.mkColor(color)
                    c.setAlpha(35)
                    band = pg.FillBetweenItem(pg.PlotDataItem(x, fut.lower[level]), pg.PlotDataItem(x, fut.upper[level]),
                                              brush=pg.mkBrush(c))
                    band.setZValue(-10)
                    plot.addItem(band)
                    items["future"].append(band)
                hi = x[-1] if hi is None else max(hi, x[-1])
            self.curves[r.run_id] = items
        if lo is not None and hi is not None:
            # open on the recent past and the future (as the Forecast tab does); zoom out freely
            longest = max((len(r.output.future) for r in records if r.output.future is not None), default=0)
            back = [to_seconds(r.output.backtest.at_step(1).timestamp) for r in records]
            back = max(back, key=len) if back else None
            if longest and back is not None and len(back):
                steps = min(len(back), max(4 * longest, 60))
                lo = max(lo, float(back[-steps]))
            pad = 0.02 * max(hi - lo, 1.0)
            plot.setXRange(lo - pad, hi + pad, padding=0)
            plot.enableAutoRange(axis="y")
            plot.setAutoVisible(y=True)

    def forecast_curves(self) -> int:
        """How many backtest forecast curves the overlay shows (tests)."""
        return sum(1 for k, v in self.curves.items() if k != "actual" and v.get("backtest"))

    def _draw_horizon(self, records: list) -> None:
        plot = self.horizon_plot
        plot.clear()
        plot.legend.clear()
        self.horizon_lines: dict[str, Any] = {}
        multi = [r for r in records if len(r.metrics.get("mae_by_horizon") or {}) > 1]
        if not multi:
            self._note(plot, "Train with a horizon above 1 step\nto see the error per step ahead."
                       if records else "")
            return
        for r in multi:
            by = r.metrics["mae_by_horizon"]
            steps = sorted(int(k) for k in by)
            ys = np.array([np.nan if by[str(k)] is None else float(by[str(k)]) for k in steps])
            color = run_color(r.run_id)
            self.horizon_lines[r.run_id] = plot.plot(steps, ys, pen=pen(color, 1.6), symbol="o", symbolSize=5,
                                                     symbolBrush=color, symbolPen=pg.mkPen(color),
                                                     name=f"run {r.run_id}")
        axis = plot.getAxis("bottom")
        longest = max(len(r.metrics["mae_by_horizon"]) for r in multi)
        axis.setTickSpacing(major=max(1, longest // 8), minor=1) if longest <= 40 else axis.setTickSpacing()
        plot.enableAutoRange()

    def _draw_reliability(self, records: list) -> None:
        plot = self.reliability
        plot.clear()
        plot.legend.clear()
        self.reliability_lines: dict[str, Any] = {}
        diag = plot.plot([0, 100], [0, 100], pen=pen("#999999", 1.0, Qt.PenStyle.DashLine), name="ideal")
        diag.setZValue(-5)
        with_cal = [r for r in records if any(v is not None for v in (r.metrics.get("calibration") or {}).values())]
        for r in with_cal:
            cal = r.metrics["calibration"]
            levels = sorted(int(k) for k, v in cal.items() if v is not None)
            ys = [100 * float(cal[str(k)]) for k in levels]
            color = run_color(r.run_id)
            self.reliability_lines[r.run_id] = plot.plot(levels, ys, pen=pen(color, 1.6), symbol="o", symbolSize=5,
                                                         symbolBrush=color, symbolPen=pg.mkPen(color),
                                                         name=f"run {r.run_id}")
        if records and not with_cal:
            self._note(plot, "No intervals in the selected runs.", (50, 50))
        plot.setXRange(0, 100, padding=0.03)
        plot.setYRange(0, 100, padding=0.03)

    @staticmethod
    def _note(plot, text: str, pos=None) -> None:
        if not text:
            return
        item = pg.TextItem(text, color="#666666", anchor=(0.5, 0.5))
        plot.addItem(item, ignoreBounds=True)
        if pos is None:
            (x0, x1), (y0, y1) = plot.vb.viewRange()
            pos = ((x0 + x1) / 2, (y0 + y1) / 2)
        item.setPos(*pos)

    def plots(self) -> dict[str, pg.PlotItem]:
        return {"forecasts": self.overlay, "horizon": self.horizon_plot, "reliability": self.reliability}
