"""The main window's File-menu extras and the Compare tab, kept out of ``main_window.py``.

- :func:`add_file_actions` (at menu time): Open experiment, Save/Open workspace, Export.
- :func:`install` (once the panels exist): the Compare tab, and the saved window layout
  (geometry, splitters) restored now and saved when the window closes.

Only Qt is imported at module level: the window must be up before pandas and pyqtgraph load.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QSplitter

from tsdesk.errors import UserError


def _error(window, exc: BaseException, doing: str = "") -> None:
    from tsdesk.gui.dialogs import show_exception

    show_exception(window, exc, doing)


def last_dir(window) -> str:
    value = window.settings.value("last_dir", "")
    if value and Path(str(value)).is_dir():
        return str(value)
    recent = window.recent_files()
    return str(Path(recent[0]).parent) if recent else str(Path.home())


def remember_dir(window, path: str | Path) -> None:
    p = Path(path)
    window.settings.setValue("last_dir", str(p if p.is_dir() else p.parent))


def add_file_actions(window, menu: QMenu, before: QAction | None = None) -> None:
    """Add the experiment, workspace and export actions to the File menu."""
    def act(text, slot, tip="", parent_menu=None):
        a = QAction(text, window)
        a.setStatusTip(tip)
        a.setToolTip(tip)
        a.triggered.connect(lambda _=False: slot(window))
        if parent_menu is None:
            menu.insertAction(before, a)
        else:
            parent_menu.addAction(a)
        return a

    act("Open e&xperiment...", open_experiment_dialog,
        "Open a TOML experiment file: loads its data and sets the model, parameters and periods")
    menu.insertSeparator(before)
    act("Save &workspace...", save_workspace_dialog,
        "Save every finished run (metrics, forecasts, models) and the data reference to one .zip file")
    act("Open wor&kspace...", open_workspace_dialog, "Open a workspace saved with Save workspace")
    export = QMenu("&Export", window)
    export.setObjectName("export_menu")
    menu.insertMenu(before, export)
    act("Forecasts of the selected run (CSV)...", export_forecasts_dialog,
        "The forecast past the data and the backtest, with intervals", export)
    act("Plot on this tab (PNG or SVG)...", export_plot_dialog, "The forecast or comparison plot as an image", export)
    act("Runs table (CSV)...", export_table_dialog, "Every run's metrics, as the Compare tab shows them", export)
    act("Model of the selected run (folder)...", export_model_dialog,
        "A folder that tsdesk-cli forecast reads: tsdesk-cli forecast FOLDER --data FILE.csv", export)
    window.export_menu = export


def show_about_dialog(window) -> None:
    from tsdesk.gui.about import show_about

    show_about(window)


# -- the Compare tab and the layout ---------------------------------------------------------------

class _CloseWatcher(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj is self.window and event.type() == QEvent.Type.Close:
            save_layout(self.window)
        return False


def install(window) -> None:
    from tsdesk.gui.compare_panel import ComparePanel

    window.compare_panel = ComparePanel(window.manager.model, host=window.host)
    window.tabs.addTab(window.compare_panel, "Compare")
    window.train_panel.runs.runSelected.connect(lambda rid: _follow(window, rid))
    restore_layout(window)
    window._close_watcher = _CloseWatcher(window)
    window.installEventFilter(window._close_watcher)


def _follow(window, run_id: str) -> None:
    """A run picked on the Train tab is selected on Compare too, unless several are chosen there."""
    panel = window.compare_panel
    if len(panel.selected_runs()) <= 1:
        panel.select_runs([run_id])


def _splitters(window) -> list[QSplitter]:
    return [s for s in window.findChildren(QSplitter)]


def _key(window, i: int, s: QSplitter) -> str:
    return f"layout/splitter_{s.objectName() or i}"


def save_layout(window) -> None:
    window.settings.setValue("layout/geometry", window.saveGeometry())
    window.settings.setValue("layout/tab", window.tabs.currentIndex())
    for i, s in enumerate(_splitters(window)):
        window.settings.setValue(_key(window, i, s), s.saveState())
    window.settings.sync()


def restore_layout(window) -> None:
    geometry = window.settings.value("layout/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    for i, s in enumerate(_splitters(window)):
        state = window.settings.value(_key(window, i, s))
        if isinstance(state, QByteArray) and not state.isEmpty():
            s.restoreState(state)


# -- experiment and workspace dialogs --------------------------------------------------------

def _open_dialog(window, title: str, filters: str, open_file) -> None:
    """Ask for a file to open (from the last folder used), then ``open_file(window, path)``."""
    if not window.built:
        return
    path, _ = QFileDialog.getOpenFileName(window, title, last_dir(window), filters)
    if path:
        remember_dir(window, path)
        open_file(window, path)


def open_experiment_dialog(window) -> None:
    _open_dialog(window, "Open experiment", "Experiment files (*.toml);;All files (*)", open_experiment_file)


def open_experiment_file(window, path) -> bool:
    from tsdesk.gui.workspace_io import open_experiment

    try:
        open_experiment(window, path)
    except UserError as exc:
        _error(window, exc)
        return False
    return True


def save_workspace_dialog(window) -> None:
    if not window.built:
        return
    path, _ = QFileDialog.getSaveFileName(window, "Save workspace", str(Path(last_dir(window)) / "workspace.zip"),
                                          "tsdesk workspaces (*.zip)")
    if not path:
        return
    if not path.endswith(".zip"):
        path += ".zip"
    remember_dir(window, path)
    from tsdesk.gui.workspace_io import save_workspace

    try:
        save_workspace(window, path)
    except (OSError, UserError) as exc:
        _error(window, UserError(f"could not save the workspace to {path}: {getattr(exc, 'strerror', None) or exc}"))
        return
    window.statusBar().showMessage(f"workspace saved to {path}", 8000)


def open_workspace_dialog(window) -> None:
    _open_dialog(window, "Open workspace", "tsdesk workspaces (*.zip);;All files (*)", open_workspace_file)


def open_workspace_file(window, path) -> bool:
    from tsdesk.gui import workspace_io

    merge = False
    if window.manager.model.records:
        choice = workspace_io.ask_merge(window, len(window.manager.model.records), path)
        if choice is None:
            return False
        merge = choice == "add"
    try:
        workspace_io.open_workspace(window, path, merge=merge)
    except UserError as exc:
        _error(window, exc)
        return False
    return True


# -- exports -----------------------------------------------------------------------------------------

def selected_record(window):
    """The run selected on the current tab (Compare: the first selected), else the one shown."""
    model = window.manager.model
    rid = None
    if window.tabs.currentWidget() is getattr(window, "compare_panel", None):
        ids = window.compare_panel.selected_runs()
        rid = ids[0] if ids else None
    rid = rid or window.train_panel.runs.selected_run()
    record = model.get(rid) if rid else None
    if record is None or record.status != "done":
        record = window.forecast_view.record
    if record is None:
        raise UserError("no finished run to export: train a model first, then select its row")
    return record


def current_plot(window):
    tab = window.tabs.currentWidget()
    if tab is getattr(window, "compare_panel", None):
        return window.compare_panel.overlay
    if tab is getattr(window, "explore_panel", None):
        from pyqtgraph import PlotWidget

        plots = [p for p in tab.findChildren(PlotWidget) if p.isVisible()]
        if plots:
            return plots[0].getPlotItem()
    return window.forecast_view.plot


def _save_path(window, title: str, name: str, filters: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(window, title, str(Path(last_dir(window)) / name), filters)
    if path:
        remember_dir(window, path)
    return path or None


def export_forecasts_dialog(window) -> None:
    from tsdesk.gui import export

    try:
        record = selected_record(window)
        path = _save_path(window, "Export forecasts", f"forecasts-run{record.run_id}-{record.family}.csv",
                          "CSV files (*.csv)")
        if path:
            export.export_forecasts(record, path)
            window.statusBar().showMessage(f"forecasts of run {record.run_id} written to {path}", 8000)
    except (UserError, OSError) as exc:
        _error(window, exc if isinstance(exc, UserError) else UserError(f"could not write: {exc}"))


def export_plot_dialog(window) -> None:
    from tsdesk.gui import export

    path = _save_path(window, "Export plot", "plot.png", "PNG image (*.png);;SVG drawing (*.svg)")
    if not path:
        return
    if Path(path).suffix.lower() not in (".png", ".svg"):
        path += ".png"
    try:
        export.export_plot(current_plot(window), path)
        window.statusBar().showMessage(f"plot written to {path}", 8000)
    except (UserError, OSError) as exc:
        _error(window, exc if isinstance(exc, UserError) else UserError(f"could not write: {exc}"))


def export_table_dialog(window) -> None:
    from tsdesk.gui import export

    path = _save_path(window, "Export runs table", "runs.csv", "CSV files (*.csv)")
    if path:
        try:
            export.export_table(window.compare_panel.proxy, path)
            window.statusBar().showMessage(f"runs table written to {path}", 8000)
        except OSError as exc:
            _error(window, UserError(f"could not write {path}: {exc.strerror or exc}"))


def export_model_dialog(window) -> None:
    from tsdesk.gui import export

    try:
        record = selected_record(window)
        path = QFileDialog.getExistingDirectory(window, f"Folder for the model of run {record.run_id}",
                                                last_dir(window))
        if not path:
            return
        target = Path(path)
        if target.exists() and any(target.iterdir()):
            target = target / f"model-run{record.run_id}-{record.family}"
        remember_dir(window, path)
        export.export_model(record, target)
        window.statusBar().showMessage(f"model written to {target}; use it with: tsdesk-cli forecast {target} "
                                       "--data FILE.csv", 10000)
    except (UserError, OSError) as exc:
        _error(window, exc if isinstance(exc, UserError) else UserError(f"could not write: {exc}"))
