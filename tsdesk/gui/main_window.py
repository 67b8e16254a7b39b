"""The main window: menus, drag and drop, four tabs, and the wiring between them.

Data flows one way: the Data tab publishes a ``DataState``; Explore draws it and owns the
period regions; Train builds experiments from it and queues runs with the ``RunManager``;
Forecast shows finished runs. No panel talks to another directly.

Launched from the ``tsdesk`` command the window is built in two steps (``deferred=True``): the
frame, menus and tabs first, shown at once; then, right after that first paint, the panels
with their imports (pandas, pyqtgraph, the plugin host: about a second). Anything asked for
meanwhile (a file from the command line) waits for ``ready``. This module therefore imports
only Qt at the top.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from tsdesk.errors import UserError

MAX_RECENT = 8
TABS = ("data", "explore", "train", "forecast", "compare")
TAB_TITLES = ("Data", "Explore", "Train", "Forecast")


class MainWindow(QMainWindow):
    shown = Signal()  # first paint: the window is on screen
    ready = Signal()  # the panels are built

    def __init__(self, host=None, settings: QSettings | None = None, session=None,
                 deferred: bool = False) -> None:
        super().__init__()
        from tsdesk.gui.qtcheck import ensure_sound_qt

        ensure_sound_qt()
        self.host = host
        self._session = session
        self.settings = settings if settings is not None else QSettings("tsdesk", "tsdesk")
        self.setWindowTitle("tsdesk")
        self.setObjectName("main_window")
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self._painted = False
        self.built = False
        self._pending: list = []  # calls asked for before the panels exist
        self.confirm_close = True

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        for title in TAB_TITLES:
            placeholder = QLabel("Loading...")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            placeholder.setEnabled(False)
            self.tabs.addTab(placeholder, title)
        self.setCentralWidget(self.tabs)
        self.child_label = QLabel("")
        self.statusBar().addPermanentWidget(self.child_label)
        self._build_menus()
        if deferred:
            self.shown.connect(lambda: QTimer.singleShot(0, self._build))
            self.statusBar().showMessage("starting...")
        else:
            self._build()

    def _build(self) -> None:
        """The panels and their wiring; the heavy imports happen here."""
        if self.built:
            return
        from tsdesk.gui.data_panel import DataPanel
        from tsdesk.gui.explore_panel import ExplorePanel
        from tsdesk.gui.forecast_view import ForecastView
        from tsdesk.gui.run_manager import RunManager
        from tsdesk.gui.tasks import Tasks
        from tsdesk.gui.train_panel import TrainPanel
        from tsdesk.plugins import get_host

        self.host = self.host or get_host()
        self.tasks = Tasks(self)
        self.manager = RunManager(self.host, self, self._session)
        self.data_panel = DataPanel(self.tasks)
        self.explore_panel = ExplorePanel(self.tasks)
        self.train_panel = TrainPanel(self.host, self.manager)
        self.forecast_view = ForecastView()
        current = self.tabs.currentIndex()
        self.tabs.setUpdatesEnabled(False)
        for i, (panel, title) in enumerate(zip((self.data_panel, self.explore_panel, self.train_panel,
                                                 self.forecast_view), TAB_TITLES)):
            old = self.tabs.widget(i)
            self.tabs.removeTab(i)
            self.tabs.insertTab(i, panel, title)
            old.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.tabs.setUpdatesEnabled(True)

        self.data_panel.stateChanged.connect(self._data_changed)
        self.data_panel.fileLoaded.connect(self._remember)
        self.data_panel.loadingChanged.connect(
            lambda on: self.statusBar().showMessage("reading data..." if on else "", 0 if on else 1))
        self.explore_panel.splitChanged.connect(self.train_panel.set_split)
        self.manager.runFinished.connect(self._run_finished)
        self.manager.runFailed.connect(self._run_failed)
        self.manager.childState.connect(self._child_state)
        self.train_panel.runs.runSelected.connect(self._run_selected)
        self.built = True
        self.statusBar().clearMessage()
        if self._painted:
            QTimer.singleShot(200, self.manager.start)
        else:
            self.shown.connect(lambda: QTimer.singleShot(200, self.manager.start))
        pending, self._pending = self._pending, []
        from tsdesk.gui.window_extras import install

        install(self)  # the Compare tab, the saved layout
        for call in pending:
            call()
        self.ready.emit()

    # -- menus -------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        from tsdesk.samples import SAMPLES

        m = self.menuBar().addMenu("&File")
        a = QAction("&Open CSV...", self, shortcut=QKeySequence.StandardKey.Open)
        a.triggered.connect(self.open_dialog)
        m.addAction(a)
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        samples = m.addMenu("&Samples")
        for sample in SAMPLES.values():
            a = QAction(sample.title, self)
            a.setToolTip(sample.description)
            a.setStatusTip(sample.description)
            a.triggered.connect(lambda _=False, name=sample.name: self.open_sample(name))
            samples.addAction(a)
        samples.setToolTipsVisible(True)
        m.addSeparator()
        a = QAction("&Save experiment...", self, shortcut=QKeySequence.StandardKey.Save)
        a.setStatusTip("Write the current data, model and settings as a TOML file that tsdesk-cli run can reproduce")
        a.triggered.connect(self.save_experiment_dialog)
        m.addAction(a)
        quit_separator = m.addSeparator()
        from tsdesk.gui.window_extras import add_file_actions, show_about_dialog

        add_file_actions(self, m, before=quit_separator)
        a = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        a.triggered.connect(self.close)
        m.addAction(a)
        h = self.menuBar().addMenu("&Help")
        a = QAction("&Plugins", self)
        a.triggered.connect(self._show_plugins)
        h.addAction(a)
        a = QAction("&About tsdesk", self)
        a.triggered.connect(lambda: show_about_dialog(self))
        h.addAction(a)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            a = QAction(path, self)
            a.triggered.connect(lambda _=False, p=path: self.open_path(p))
            self.recent_menu.addAction(a)
        self.recent_menu.setEnabled(bool(files))

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: str) -> None:
        from tsdesk.samples import RESOURCES

        if Path(path).resolve().is_relative_to(RESOURCES.resolve()) or "samples" in Path(path).parts[-2:-1]:
            return  # samples have their own menu
        files = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", [path] + files[: MAX_RECENT - 1])
        self._fill_recent()

    def _show_plugins(self) -> None:
        if not self.built:
            return
        lines = []
        for info in self.host.plugins:
            status = info.status + (f": {info.reason}" if info.reason else "")
            fams = ", ".join(info.families) or "no families"
            lines.append(f"{info.name} {info.version} ({info.package}) - {status}\n    {fams}")
        box = QMessageBox(QMessageBox.Icon.Information, "Plugins", "\n".join(lines) or "no plugins", parent=self)
        box.setObjectName("plugins_dialog")
        box.finished.connect(box.deleteLater)
        box.open()

    # -- opening data ----------------------------------------------------------------------

    def open_dialog(self) -> None:
        from tsdesk.gui.window_extras import last_dir, remember_dir

        path, _ = QFileDialog.getOpenFileName(self, "Open a CSV file", last_dir(self),
                                              "CSV files (*.csv *.txt *.tsv);;All files (*)")
        if path:
            remember_dir(self, path)
            self.open_path(path)

    def open_path(self, path: str | Path, sample: str | None = None) -> None:
        if not self.built:
            self._pending.append(lambda: self.open_path(path, sample))
            return
        self.data_panel.open_path(path, sample)
        self.tabs.setCurrentIndex(0)

    def open_sample(self, name: str) -> None:
        from tsdesk.samples import sample_path

        try:
            path = sample_path(name)
        except Exception as exc:  # noqa: BLE001 - e.g. statsmodels' dataset missing
            from tsdesk.gui.dialogs import show_error

            show_error(self, f"the sample '{name}' is not available: {exc}")
            return
        self.open_path(path, sample=name)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if _local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        files = _local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def _data_changed(self, state) -> None:
        name = Path(state.path).name
        self.setWindowTitle(f"tsdesk - {name}")
        series = state.series
        previous = getattr(self, "_series_index", None)
        same = series is not None and previous is not None and len(previous) == len(series.index) \
            and previous.equals(series.index)
        from tsdesk.gui.split import SplitBounds

        bounds = self.train_panel.bounds if same else (SplitBounds.default(series.n) if series is not None else None)
        self._series_index = series.index if series is not None else None
        self.train_panel.bounds = bounds
        self.train_panel.set_data(state)
        self.explore_panel.set_series(series, bounds)

    # -- experiments and runs ---------------------------------------------------------------

    def save_experiment_dialog(self) -> None:
        if not self.built:
            return
        try:
            exp = self.train_panel.experiment()
        except UserError as exc:
            from tsdesk.gui.dialogs import show_error

            show_error(self, str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save experiment", f"{exp.family}.toml",
                                              "Experiment files (*.toml)")
        if path:
            self.save_experiment(path)

    def save_experiment(self, path: str | Path) -> Path:
        """Write the current settings as an experiment file (absolute data path)."""
        from tsdesk.core.fileio import atomic_write_text

        exp = self.train_panel.experiment()
        atomic_write_text(path, exp.to_toml(absolute_path=True))
        self.statusBar().showMessage(f"experiment saved to {path}; run it with: tsdesk-cli run {path} --out DIR", 8000)
        return Path(path)

    def _run_finished(self, run_id: str) -> None:
        from tsdesk.gui.plotting import fmt_value

        record = self.manager.model.get(run_id)
        shown = self.forecast_view.record
        if shown is None or shown.status != "done" or int(run_id) > int(shown.run_id):
            self.forecast_view.show_run(record, self.host.families.get(record.family))
        self.statusBar().showMessage(f"run {run_id} ({record.title}) done: backtest MAE "
                                     f"{fmt_value(record.metrics.get('mae'))}", 8000)

    def _run_selected(self, run_id: str) -> None:
        record = self.manager.model.get(run_id)
        if record is not None and record.status == "done":
            self.forecast_view.show_run(record, self.host.families.get(record.family))

    def _run_failed(self, run_id: str, kind: str, message: str, details: str) -> None:
        from tsdesk.gui.dialogs import show_error, show_internal

        record = self.manager.model.get(run_id)
        title = f"run {run_id} ({record.title if record else '?'})"
        if kind == "user":
            show_error(self, message, title=f"tsdesk: {title} failed")
        else:
            show_internal(self, message, details, f"training {title}")

    def _child_state(self, state: str) -> None:
        words = {"starting": "starting the training process...", "ready": "ready to train",
                 "restarting": "restarting the training process...",
                 "importing": "loading the model libraries (Keras, statsmodels)..."}
        self.child_label.setText(words.get(state.split()[0], state))
        self.child_label.setToolTip(f"training process: {state}")

    # -- tests and tools ------------------------------------------------------------------------

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.Paint and not getattr(self, "_painted", True):
            self._painted = True
            QTimer.singleShot(0, self.shown.emit)
        return super().event(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        active = self.manager.model.active() if self.built else []
        if active and self.confirm_close:
            answer = QMessageBox.question(
                self, "Quit tsdesk", f"{len(active)} run(s) are still queued or training; quitting "
                "cancels them. Finished runs are kept in " f"{self.manager.session.root}.\n\nQuit anyway?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the worker and its child; wait for background reads. Safe to call twice."""
        if not self.built:
            return
        self.manager.shutdown()
        self.tasks.close(5000)


def _local_files(mime) -> list[str]:
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]

