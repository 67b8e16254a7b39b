"""The Data tab: a file's first rows, the column pickers, and what reading it found.

Reading and building the series run off the GUI thread (``Tasks``); a bad file shows the
reader's message in a dialog and the data loaded before stays loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QListWidget, QListWidgetItem, QProgressBar,
                               QScrollArea, QSplitter, QTableView, QVBoxLayout, QWidget)

from tsdesk.gui.dialogs import show_exception
from tsdesk.gui.tasks import Tasks

PREVIEW_ROWS = 200


@dataclass
class DataState:
    """What is loaded: the read table, its summary, the chosen columns and the built series.

    ``series`` is None while the chosen columns do not make a series (``series_error`` says why).
    """

    path: str
    table: Any  # tsdesk.core.csvread.Table
    report: dict
    spec: Any  # tsdesk.core.dataset.DatasetSpec
    series: Any = None  # tsdesk.core.series.SeriesData
    series_error: str = ""
    sample: str | None = None
    preview: tuple[list[str], list[list[str]]] = ((), ())  # header, first rows as text

    @property
    def rows(self) -> int:
        return len(self.table.index)


def guess_spec(table, path: str, sample: str | None = None, date_column: str | None = None):
    """The columns a first look suggests: a sample's own, else the first numeric column."""
    from tsdesk.core.dataset import DatasetSpec
    from tsdesk.samples import SAMPLES

    if sample in SAMPLES:
        s = SAMPLES[sample]
        cols = set(table.value_columns)
        return DatasetSpec(path=path, target=s.target if s.target in cols else None, date_column=date_column,
                           covariates=[c for c in s.covariates if c in cols],
                           known_future=[c for c in s.known_future if c in cols])
    target = next((c for c, k in table.column_kinds.items() if k == "numeric"), None)
    return DatasetSpec(path=path, target=target, date_column=date_column)


def read_file(path: str, date_column: str | None = None, sample: str | None = None,
              spec=None) -> DataState:
    """Off the GUI thread: read, summarise, and build the series for the suggested columns."""
    from tsdesk.core.csvread import inspect, read_table

    table = read_table(path, date_column)
    report = inspect(table)
    if spec is None:
        spec = guess_spec(table, path, sample, date_column)
    state = DataState(path=path, table=table, report=report, spec=spec, sample=sample, preview=preview(table))
    return build(state, spec)


def preview(table, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]]:
    """The first rows as text, made off the GUI thread (a big table's cells are built lazily)."""
    from tsdesk.core.csvread import format_timestamp

    columns = table.value_columns
    cells = [table.column_values(c)[:rows] for c in columns]
    stamps = table.index[:rows]
    body = [[format_timestamp(ts)] + [str(col[i]) for col in cells] for i, ts in enumerate(stamps)]
    return [table.date_column] + list(columns), body


def build(state: DataState, spec) -> DataState:
    """The same table with other columns chosen: a new state (the old one stays valid)."""
    from tsdesk.core.dataset import build_series
    from tsdesk.errors import UserError

    try:
        series = build_series(state.table, spec)
        error = ""
    except UserError as exc:
        series, error = None, str(exc)
    return replace(state, spec=spec, series=series, series_error=error)


class PreviewModel(QAbstractTableModel):
    """The first rows of the table as read: the date column first, cells as in the file."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []

    def set_rows(self, headers: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.headers, self.rows = list(headers), list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if section < len(self.headers) else None
        return str(section + 1)


class DataPanel(QWidget):
    """Emits ``stateChanged`` whenever a new file or new column choice is ready."""

    stateChanged = Signal(object)  # DataState
    loadingChanged = Signal(bool)
    fileLoaded = Signal(str)  # path, after a successful read (for recent files)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.state: DataState | None = None
        self._updating = False
        self._rebuild_timer = QTimer(self, singleShot=True, interval=150)
        self._rebuild_timer.timeout.connect(self._rebuild)

        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.file_label = QLabel("No data loaded. Open a CSV file (File > Open, or drop it on the window) "
                                 "or pick a sample from File > Samples.")
        self.file_label.setObjectName("file_label")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.file_label, 1)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.setFormat("reading...")
        self.busy.hide()
        top.addWidget(self.busy)
        outer.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        cols = QGroupBox("Columns")
        form = QFormLayout(cols)
        self.date_box = QComboBox()
        self.date_box.setObjectName("date_column")
        self.date_box.setToolTip("The column holding the dates; the file is read again when it changes")
        self.target_box = QComboBox()
        self.target_box.setObjectName("target")
        self.target_box.setToolTip("The numeric column to forecast")
        self.cov_list = QListWidget()
        self.cov_list.setObjectName("covariates")
        self.cov_list.setToolTip("Numeric columns known only up to now (e.g. bus when forecasting rail): "
                                 "models that accept covariates see their past values")
        self.kf_list = QListWidget()
        self.kf_list.setObjectName("known_future")
        self.kf_list.setToolTip("Columns known ahead (calendar, day type, planned events): give their "
                                "values for the forecast dates in rows after the last target value")
        for lst in (self.cov_list, self.kf_list):
            lst.setMaximumHeight(110)
            lst.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.missing_box = QComboBox()
        self.missing_box.setObjectName("missing_policy")
        self.missing_box.addItems(["interpolate", "refuse"])
        self.missing_box.setToolTip("interpolate: fill missing values linearly in time; "
                                    "refuse: any missing value is an error")
        form.addRow("Date column", self.date_box)
        form.addRow("Target", self.target_box)
        form.addRow("Covariates", self.cov_list)
        form.addRow("Known future", self.kf_list)
        form.addRow("Missing values", self.missing_box)
        lv.addWidget(cols)
        summary = QGroupBox("Summary")
        sv = QVBoxLayout(summary)
        self.summary = QLabel("")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        sv.addWidget(self.summary)
        lv.addWidget(summary)
        self.warnings = QLabel("")
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings.setStyleSheet("QLabel { color: #8a4b00; }")
        lv.addWidget(self.warnings)
        lv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setMinimumWidth(340)
        split.addWidget(scroll)

        self.preview_model = PreviewModel(self)
        self.preview = QTableView()
        self.preview.setObjectName("preview")
        self.preview.setModel(self.preview_model)
        self.preview.setAlternatingRowColors(True)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        pv = QWidget()
        pvl = QVBoxLayout(pv)
        pvl.setContentsMargins(0, 0, 0, 0)
        self.preview_label = QLabel("First rows")
        pvl.addWidget(self.preview_label)
        pvl.addWidget(self.preview, 1)
        split.addWidget(pv)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 700])

        self.date_box.currentTextChanged.connect(self._date_changed)
        self.target_box.currentTextChanged.connect(self._columns_changed)
        self.cov_list.itemChanged.connect(self._columns_changed)
        self.kf_list.itemChanged.connect(self._columns_changed)
        self.missing_box.currentTextChanged.connect(self._columns_changed)
        self._set_enabled(False)

    # -- loading ----------------------------------------------------------------------------

    def open_path(self, path: str | Path, sample: str | None = None, date_column: str | None = None,
                  spec=None) -> None:
        """Read ``path`` in the background; on success it becomes the loaded data."""
        path = str(path)
        self._busy(True, f"reading {Path(path).name}...")

        def done(state: DataState) -> None:
            self._busy(False)
            self._show(state)
            self.fileLoaded.emit(path)

        def failed(exc: BaseException) -> None:
            self._busy(False)
            show_exception(self.window(), exc, f"reading {path}")

        self.tasks.run("read", lambda: read_file(path, date_column, sample, spec), done, failed)

    def loading(self) -> bool:
        return self.tasks.busy("read") or self.tasks.busy("build")

    def _busy(self, on: bool, text: str = "") -> None:
        self.busy.setVisible(on)
        if on:
            self.busy.setFormat(text)
            self.busy.setToolTip(text)
        self.loadingChanged.emit(on)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.date_box, self.target_box, self.cov_list, self.kf_list, self.missing_box):
            w.setEnabled(on)

    def _show(self, state: DataState) -> None:
        """Fill the pickers from a freshly read table."""
        self._updating = True
        try:
            table = state.table
            self.date_box.clear()
            self.date_box.addItems(table.all_columns)
            self.date_box.setCurrentText(table.date_column)
            numeric = [c for c, k in table.column_kinds.items() if k == "numeric"]
            self.target_box.clear()
            self.target_box.addItems(numeric)
            target = state.series.target if state.series is not None else state.spec.target
            if target:
                self.target_box.setCurrentText(target)
            self._fill_list(self.cov_list, numeric, state.spec.covariates)
            self._fill_list(self.kf_list, [c for c, k in table.column_kinds.items() if k != "empty"],
                            state.spec.known_future)
            self.missing_box.setCurrentText(state.spec.missing)
            self.preview_model.set_rows(*state.preview)
            shown = len(state.preview[1])
            self.preview_label.setText(f"First {shown} of {state.rows:,} rows, as read")
            self._set_enabled(True)
            self._exclusive()
        finally:
            self._updating = False
        self._set_state(state)

    @staticmethod
    def _fill_list(lst: QListWidget, columns: list[str], checked: list[str]) -> None:
        lst.clear()
        for c in columns:
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c in checked else Qt.CheckState.Unchecked)
            lst.addItem(item)

    def _exclusive(self) -> None:
        """A column has one role: the target and a known-future column cannot be covariates."""
        target = self.target_box.currentText()
        kf = set(self.checked(self.kf_list))
        cov = set(self.checked(self.cov_list))
        for lst, other in ((self.cov_list, kf), (self.kf_list, cov)):
            for i in range(lst.count()):
                item = lst.item(i)
                blocked = item.text() == target or item.text() in other
                flags = item.flags()
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled if blocked else flags | Qt.ItemFlag.ItemIsEnabled)
                if blocked and item.checkState() == Qt.CheckState.Checked and item.text() == target:
                    item.setCheckState(Qt.CheckState.Unchecked)

    @staticmethod
    def checked(lst: QListWidget) -> list[str]:
        return [lst.item(i).text() for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked]

    def set_columns(self, target: str | None = None, covariates: list[str] | None = None,
                    known_future: list[str] | None = None) -> None:
        """Choose columns from code (tests, experiment files); the series is rebuilt."""
        self._updating = True
        try:
            if target is not None:
                self.target_box.setCurrentText(target)
            for lst, names in ((self.cov_list, covariates), (self.kf_list, known_future)):
                if names is None:
                    continue
                for i in range(lst.count()):
                    item = lst.item(i)
                    item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)
            self._exclusive()
        finally:
            self._updating = False
        self._rebuild()

    def _date_changed(self, column: str) -> None:
        if self._updating or self.state is None or not column or column == self.state.table.date_column:
            return
        spec = self._spec_from_pickers()
        self.open_path(self.state.path, self.state.sample, date_column=column,
                       spec=None if spec is None else replace(spec, date_column=column, target=None
                                                              if spec.target == column else spec.target,
                                                              covariates=[c for c in spec.covariates if c != column],
                                                              known_future=[c for c in spec.known_future if c != column]))

    def _columns_changed(self, *_: Any) -> None:
        if self._updating or self.state is None:
            return
        self._updating = True
        try:
            self._exclusive()
        finally:
            self._updating = False
        self._rebuild_timer.start()

    def _spec_from_pickers(self):
        from tsdesk.core.dataset import DatasetSpec
        from tsdesk.errors import UserError

        if self.state is None:
            return None
        try:
            return DatasetSpec(path=self.state.path, target=self.target_box.currentText() or None,
                               date_column=self.state.spec.date_column,
                               covariates=self.checked(self.cov_list), known_future=self.checked(self.kf_list),
                               missing=self.missing_box.currentText())
        except UserError:
            return None

    def _rebuild(self) -> None:
        spec = self._spec_from_pickers()
        if spec is None or self.state is None:
            return
        old = self.state
        self._busy(True, "building series...")

        def done(state: DataState) -> None:
            self._busy(False)
            self._set_state(state)

        def failed(exc: BaseException) -> None:
            self._busy(False)
            show_exception(self.window(), exc, "building the series")

        self.tasks.run("build", lambda: build(old, spec), done, failed)

    def _set_state(self, state: DataState) -> None:
        self.state = state
        name = Path(state.path).name
        self.file_label.setText(f"<b>{name}</b> &nbsp; <span style='color:#666'>{state.path}</span>")
        self.file_label.setToolTip(state.path)
        self.summary.setText(summary_html(state))
        warn = warnings_for(state)
        self.warnings.setText("<br>".join(f"&#9888; {w}" for w in warn))
        self.warnings.setVisible(bool(warn))
        self.stateChanged.emit(state)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary_html(state: DataState) -> str:
    """Rows, dates, frequency, duplicates, gaps and missing values, as the user should see them."""
    from tsdesk.core.csvread import describe_freq

    r = state.report
    rows = [("Rows", f"{r['rows']:,}" + (f" ({r['rows_read']:,} read)" if r["rows_read"] != r["rows"] else "")),
            ("Dates", f"{r['start']} to {r['end']}"),
            ("Frequency", f"{describe_freq(r['frequency'])}" + (f" ({r['frequency']})" if r["frequency"] else "")),
            ("Duplicates dropped", f"{r['duplicates_dropped']:,}"),
            ("Gaps filled", f"{r['gaps']:,} missing date{'s' if r['gaps'] != 1 else ''}"
             + (f" (first: {', '.join(r['first_gaps'][:3])})" if r["gaps"] else ""))]
    missing = {c: n for c, n in r["missing"].items() if n}
    rows.append(("Missing values", ", ".join(f"{_esc(c)}: {n:,}" for c, n in missing.items()) if missing else "none"))
    s = state.series
    if s is not None:
        rows.append(("Series", f"'{_esc(s.target)}': {s.n:,} rows, season {s.season}"
                     + (f", covariates {', '.join(map(_esc, s.covariates))}" if s.covariates else "")
                     + (f", known future {', '.join(map(_esc, s.known_future))}" if s.known_future else "")
                     + (f", {len(s.future_index)} future rows" if len(s.future_index) else "")))
    body = "".join(f"<tr><td style='color:#555;padding-right:10px'>{k}</td><td>{_esc(v) if k != 'Series' and k != 'Missing values' else v}</td></tr>"
                   for k, v in rows)
    return f"<table>{body}</table>"


def warnings_for(state: DataState) -> list[str]:
    out: list[str] = []
    if state.series_error:
        out.append(f"<b>These columns do not make a series:</b> {_esc(state.series_error)}")
    for note in list(state.report.get("notes", [])) + (list(state.series.notes) if state.series is not None else []):
        out.append(_esc(note))
    return out
