"""The runs list: one row per training run, from queued to done, cancelled or failed.

Columns are declared in ``COLUMNS`` (header, value, tooltip), so a fuller comparison table can
add columns (MASE, widths, interval scores) without touching the model's plumbing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from tsdesk.gui.plotting import fmt_value

STATUSES = ("queued", "running", "done", "cancelled", "failed")
STATUS_COLORS = {"queued": "#777777", "running": "#1f77b4", "done": "#2ca02c",
                 "cancelled": "#b8860b", "failed": "#d62728"}


@dataclass
class RunRecord:
    """Everything the window knows about one run."""

    run_id: str
    family: str
    title: str
    experiment: Any = None  # tsdesk.core.experiment.Experiment
    series: Any = None  # the SeriesData it was trained on, for drawing actuals
    status: str = "queued"
    metrics: dict = field(default_factory=dict)
    message: str = ""
    details: str = ""
    output: Any = None  # tsdesk.gui.worker.RunOutput
    out_dir: str = ""
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    progress: str = ""
    events: list = field(default_factory=list)  # (kind, fields, monotonic time) as they arrived

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[RunRecord], Any]
    tooltip: str = ""
    numeric: bool = False


def _metric(key: str, level: str | None = None) -> Callable[[RunRecord], Any]:
    def get(r: RunRecord) -> Any:
        value = r.metrics.get(key)
        if level is not None:
            value = (value or {}).get(level)
        return value
    return get


COLUMNS: list[Column] = [
    Column("#", lambda r: r.run_id, "Run number"),
    Column("Model", lambda r: r.title, "Model family"),
    Column("Status", lambda r: r.status + (f" ({r.progress})" if r.status == "running" and r.progress else ""),
           "queued, running, done, cancelled or failed"),
    Column("MAE", _metric("mae"), "Mean absolute error on the backtest period", True),
    Column("RMSE", _metric("rmse"), "Root mean squared error on the backtest period", True),
    Column("Cover 80", _metric("coverage", "80"), "Share of actuals inside the 80 % interval", True),
    Column("Cover 95", _metric("coverage", "95"), "Share of actuals inside the 95 % interval", True),
    Column("Time", lambda r: r.seconds, "Seconds from start to finish", True),
]


class RunsModel(QAbstractTableModel):
    """Table model over :class:`RunRecord` objects, newest last."""

    changed = Signal(str)  # run_id

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.records: list[RunRecord] = []
        self.columns = list(COLUMNS)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.records[index.row()]
        col = self.columns[index.column()]
        value = col.value(record)
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "" if not col.numeric or record.status != "done" else "n/a"
            if col.header == "Time":
                return f"{value:.1f} s"
            if col.header.startswith("Cover"):
                return f"{100 * value:.0f} %"
            return fmt_value(value) if col.numeric else str(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.header == "Status":
            return QColor(STATUS_COLORS.get(record.status, "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if record.status == "failed" and record.message:
                return record.message
            if record.experiment is not None and col.header == "Model":
                params = ", ".join(f"{k}={v}" for k, v in (record.experiment.params or {}).items())
                return f"{record.title}({params})" if params else record.title
        return None

    def add(self, record: RunRecord) -> None:
        row = len(self.records)
        self.beginInsertRows(QModelIndex(), row, row)
        self.records.append(record)
        self.endInsertRows()
        self.changed.emit(record.run_id)

    def get(self, run_id: str) -> RunRecord | None:
        for r in self.records:
            if r.run_id == run_id:
                return r
        return None

    def row_of(self, run_id: str) -> int:
        for i, r in enumerate(self.records):
            if r.run_id == run_id:
                return i
        return -1

    def update(self, run_id: str, **changes: Any) -> RunRecord | None:
        row = self.row_of(run_id)
        if row < 0:
            return None
        record = self.records[row]
        for key, value in changes.items():
            setattr(record, key, value)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        self.changed.emit(run_id)
        return record

    def active(self) -> list[RunRecord]:
        return [r for r in self.records if r.status in ("queued", "running")]


class RunsTable(QTableView):
    """The view: select a row to show that run's forecast."""

    runSelected = Signal(str)

    def __init__(self, model: RunsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs_table")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.selectionModel().currentRowChanged.connect(self._current)

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.runSelected.emit(self.model().records[current.row()].run_id)

    def selected_run(self) -> str | None:
        index = self.selectionModel().currentIndex()
        return self.model().records[index.row()].run_id if index.isValid() else None

    def select_run(self, run_id: str) -> None:
        row = self.model().row_of(run_id)
        if row >= 0:
            self.selectRow(row)
