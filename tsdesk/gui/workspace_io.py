"""Save and reopen: experiment files, workspaces, and the autosave that survives a crash.

- **Experiments** are the TOML that ``tsdesk-cli run`` reads; opening one loads its data file and
  sets the pickers, the family and its form, horizon, levels, seed and the periods.
- **Workspaces** are the finished runs with their folders (see
  :mod:`tsdesk.core.workspace_file`). Opening one whose data file moved asks where it is now
  (:func:`ask_data_path`, patched by tests).
- **Autosave**: after each run ends the workspace is written to
  ``$XDG_DATA_HOME/tsdesk/autosave`` (``TSDESK_AUTOSAVE`` overrides it), next to a marker with
  this process's id. A clean exit removes both; at the next launch a marker whose process is
  gone means a crash, and the user is offered the autosaved runs (:func:`ask_restore`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from tsdesk.errors import UserError

FINISHED = ("done", "failed", "cancelled")


# -- questions the user is asked (module functions so that tests can patch them) ---------------

def ask_data_path(parent, missing: str) -> str | None:
    """Where the data file ``missing`` is now; None if the user gives up."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(
        parent, f"Where is {Path(missing).name} now?", str(Path.home()),
        "CSV files (*.csv *.txt *.tsv);;All files (*)")
    return path or None


def ask_restore(parent, text: str) -> bool:
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "Restore the last session?", text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


# -- experiments ---------------------------------------------------------------------------------

def open_experiment(window, path: str | Path):
    """Load ``path`` (UserError if bad) and set the window to it once its data is read."""
    from tsdesk.core.dataset import DatasetSpec
    from tsdesk.core.experiment import load_experiment

    exp = load_experiment(path)
    data = exp.data_path
    if not data.exists():
        raise UserError(f"{path}: the data file {data} does not exist")
    if exp.family not in window.host.families:
        raise UserError(f"{path}: unknown model family '{exp.family}'; installed: "
                        f"{', '.join(sorted(window.host.families))}")
    family = window.host.family(exp.family)
    family.validate_params(exp.params)  # a bad value is the user's to fix in the file
    spec = DatasetSpec(**{**exp.data.__dict__, "path": str(data.resolve())})
    panel = window.data_panel

    def apply(state) -> None:
        if state.series is None:
            return
        panel.stateChanged.disconnect(apply)
        _apply_experiment(window, exp, state.series)

    panel.stateChanged.connect(apply)
    panel.open_path(str(data.resolve()), date_column=exp.data.date_column, spec=spec)
    window.show_tab("train")
    return exp


def _apply_experiment(window, exp, series) -> None:
    from tsdesk.core.experiment import resolve_split
    from tsdesk.gui.split import SplitBounds

    tp = window.train_panel
    tp.select_family(exp.family)
    form = tp.form(exp.family)
    if hasattr(form, "reset"):
        form.reset()
    form.set_values(exp.params)
    tp.horizon.setValue(exp.horizon)
    tp.levels.setText(", ".join(str(v) for v in exp.levels))
    tp.seed.setValue(exp.seed)
    try:
        split = resolve_split(exp, series)
    except UserError as exc:
        from tsdesk.gui.dialogs import show_error

        show_error(window, str(exc))
        return
    # The window's periods are contiguous: train [a, b), valid [b, c), backtest [c, d); a gap
    # between valid and backtest in a hand-written file becomes part of the valid period.
    bounds = SplitBounds(split.train.start, split.train.stop, split.bt_start, split.bt_stop).clamped(series.n)
    tp.set_split(bounds)
    window.explore_panel.set_series(series, bounds)
    window.statusBar().showMessage(f"experiment opened: {exp.family} on {Path(exp.data.path).name}", 8000)


# -- workspaces ----------------------------------------------------------------------------------

def manifest_for(window) -> tuple[dict[str, Any], dict[str, Path]]:
    """What the window's finished runs are, and where their folders are."""
    model = window.manager.model
    runs, folders = [], {}
    for r in model.records:
        if r.status not in FINISHED:
            continue  # queued or running: nothing to keep yet
        exp = r.experiment
        runs.append({
            "id": r.run_id, "family": r.family, "title": r.title, "status": r.status,
            "params": dict(getattr(exp, "params", None) or {}), "metrics": r.metrics,
            "horizon": getattr(exp, "horizon", None), "seconds": r.seconds, "message": r.message,
            "data": str(exp.data_path.resolve()) if exp is not None else None,
        })
        if r.out_dir and r.status == "done":
            folders[r.run_id] = Path(r.out_dir)
    data = None
    state = getattr(window.data_panel, "state", None)
    if state is not None:
        spec = state.spec
        data = {"path": str(Path(state.path).resolve()), "target": spec.target, "date_column": spec.date_column,
                "covariates": list(spec.covariates), "known_future": list(spec.known_future),
                "missing": spec.missing}
    elif runs and model.records[0].experiment is not None:
        data = {"path": runs[0]["data"]}
    return {"data": data, "runs": runs}, folders


def save_workspace(window, path: str | Path) -> Path:
    from tsdesk.core.workspace_file import write_workspace

    manifest, folders = manifest_for(window)
    return write_workspace(path, manifest, folders)


def ask_merge(parent, count: int, path: str | Path) -> str | None:
    """Opening a workspace while runs are in the window: "add" them to the workspace's,
    "replace" them, or None (cancel)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Open workspace",
                      f"This window holds {count} run(s). Add the runs of {Path(path).name} to them, "
                      f"or replace them? Replaced runs not saved in a workspace are gone from "
                      f"this window.", QMessageBox.StandardButton.Cancel, parent)
    add = box.addButton("Add to these runs", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Replace them", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(add)
    box.exec()
    clicked = box.clickedButton()
    if clicked is None or box.buttonRole(clicked) == QMessageBox.ButtonRole.RejectRole:
        return None
    return "add" if clicked is add else "replace"


def open_workspace(window, path: str | Path, ask: Callable | None = None, load_data: bool = True,
                   merge: bool = False) -> list[str]:
    """Replace the window's runs by the workspace's (``merge``: add them after the window's own,
    numbered on from its last run, and keep the data already loaded); returns the run ids
    opened."""
    from tsdesk.core.dataset import DatasetSpec, load_series
    from tsdesk.core.experiment import load_experiment
    from tsdesk.core.workspace_file import read_workspace
    from tsdesk.gui.runs_table import RunRecord
    from tsdesk.gui.worker import RunOutput

    manager = window.manager
    if manager.model.active():
        raise UserError("runs are still queued or training: wait for them or cancel them before opening a workspace")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = manager.session.root / f"opened-{stamp}"
    manifest = read_workspace(path, dest)
    ask = ask or (lambda missing: ask_data_path(window, missing))
    moved: dict[str, str] = {}  # old data path -> new

    def locate(old: str | None) -> str | None:
        if not old:
            return None
        if old in moved:
            return moved[old]
        if Path(old).exists():
            moved[old] = old
            return old
        new = ask(old)
        if not new:
            raise UserError(f"the workspace's data file {old} was not found; the workspace was not opened")
        if not Path(new).exists():
            raise UserError(f"data file not found: {new}")
        moved[old] = str(Path(new).resolve())
        return moved[old]

    data = manifest.get("data") or {}
    data_path = locate(data.get("path"))
    series_cache: dict[tuple, Any] = {}
    records = []
    model = manager.model
    next_id = manager._next
    for run in manifest["runs"]:
        run_id = str(run["id"])
        if merge:  # the window's own runs keep their numbers
            run_id, next_id = str(next_id), next_id + 1
        folder = run.get("folder")
        exp, series, output = None, None, None
        if folder and (Path(folder) / "experiment.toml").exists():
            exp = load_experiment(Path(folder) / "experiment.toml")
            new = locate(str(exp.data_path))
            if new != str(exp.data_path):
                exp.data = replace(exp.data, path=new)
                from tsdesk.core.fileio import atomic_write_text

                atomic_write_text(Path(folder) / "experiment.toml", exp.to_toml(absolute_path=True))
            spec = DatasetSpec(**{**exp.data.__dict__, "path": str(exp.data_path)})
            key = (spec.path, spec.target, spec.date_column, tuple(spec.covariates), tuple(spec.known_future),
                   spec.missing)
            if key not in series_cache:
                try:
                    series_cache[key] = load_series(spec)[1]
                except UserError:
                    series_cache[key] = None
            series = series_cache[key]
        status = str(run.get("status", "done"))
        if status == "done":
            if not folder:
                status, run["message"] = "failed", "its outputs are missing from the workspace"
            else:
                output = RunOutput.load(run_id, folder)
        try:
            title = window.host.family(run["family"]).title
        except Exception:  # noqa: BLE001 - a family whose plugin is not installed here
            title = str(run.get("title") or run["family"])
        seconds = run.get("seconds")
        now = time.time()
        record = RunRecord(run_id=run_id, family=str(run["family"]), title=title, experiment=exp, series=series,
                           status=status, metrics=dict(output.metrics if output else run.get("metrics") or {}),
                           message=str(run.get("message") or ""), output=output, out_dir=str(folder or ""),
                           started_at=(now - float(seconds)) if seconds is not None else None,
                           finished_at=now if seconds is not None else None)
        records.append(record)
    model.beginResetModel()
    model.records = (list(model.records) if merge else []) + records
    model.endResetModel()
    ids = [int(r.run_id) for r in records if r.run_id.isdigit()]
    manager._next = max(ids + [manager._next - 1]) + 1
    for r in records:
        model.changed.emit(r.run_id)
    done = [r for r in records if r.status == "done"]
    if done:
        last = done[-1]
        window.forecast_view.show_run(last, window.host.families.get(last.family))
    if merge and window.data_panel.state is not None:
        load_data = False  # the data being worked on stays
    if load_data and data_path:
        spec = None
        if data.get("target"):
            spec = DatasetSpec(path=data_path, target=data.get("target"), date_column=data.get("date_column"),
                               covariates=list(data.get("covariates") or []),
                               known_future=list(data.get("known_future") or []),
                               missing=data.get("missing") or "interpolate")
        window.data_panel.open_path(data_path, date_column=data.get("date_column"), spec=spec)
    window.statusBar().showMessage(f"opened {len(records)} run(s) from {path}", 8000)
    return [r.run_id for r in records]


# -- autosave --------------------------------------------------------------------------------------

def autosave_dir() -> Path:
    from tsdesk.gui.workspace import data_dir

    return data_dir("TSDESK_AUTOSAVE", "autosave")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class Autosave:
    """The marker and autosave of this process; ``start`` offers a crashed session's runs."""

    def __init__(self, window, folder: Path | None = None, ask: Callable[[str], bool] | None = None,
                 pid: int | None = None) -> None:
        self.window = window
        self.folder = Path(folder) if folder is not None else autosave_dir()
        self.ask = ask or (lambda text: ask_restore(window, text))
        self.pid = pid or os.getpid()
        self.marker = self.folder / f"session-{self.pid}.json"
        self.zip = self.folder / f"autosave-{self.pid}.zip"
        self.saves = 0
        self.restored: list[str] = []

    def stale(self) -> list[tuple[Path, Path]]:
        """(marker, autosave) of sessions whose process is gone; newest first."""
        out = []
        for marker in sorted(self.folder.glob("session-*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            try:
                info = json.loads(marker.read_text(encoding="utf-8"))
                pid = int(info.get("pid"))
            except (OSError, ValueError, TypeError):
                continue
            if pid == self.pid or pid_alive(pid):
                continue
            out.append((marker, self.folder / str(info.get("autosave") or f"autosave-{pid}.zip")))
        return out

    def start(self) -> list[str]:
        """Offer to restore a crashed session (the window must be built), then mark this one."""
        from tsdesk.core.fileio import atomic_write_json

        restored: list[str] = []
        for marker, archive in self.stale():
            if archive.exists() and not restored:
                when = datetime.fromtimestamp(archive.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
                if self.ask(f"tsdesk did not exit cleanly last time. Its finished runs were saved at {when}.\n\n"
                            "Restore them?"):
                    try:
                        restored = open_workspace(self.window, archive)
                    except UserError as exc:
                        from tsdesk.gui.dialogs import show_error

                        show_error(self.window, f"could not restore the last session: {exc}")
            for p in (marker, archive):
                try:
                    p.unlink()
                except OSError:
                    pass
        self.restored = restored
        atomic_write_json(self.marker, {"pid": self.pid, "started": datetime.now().isoformat(timespec="seconds"),
                                        "autosave": self.zip.name})
        m = self.window.manager
        for signal in (m.runFinished, m.runFailed, m.runCancelled):
            signal.connect(lambda *_: self.save())
        return restored

    def save(self) -> None:
        try:
            save_workspace(self.window, self.zip)
            self.saves += 1
        except OSError as exc:
            self.window.statusBar().showMessage(f"autosave failed: {exc}", 8000)

    def stop(self) -> None:
        """A clean exit: nothing to restore next time."""
        for p in (self.marker, self.zip):
            try:
                p.unlink()
            except OSError:
                pass
