"""Turns "Train" clicks into queued runs and the worker's news into run records.

Owns the training service (worker thread + child process), the runs model and the session
folder. Panels read the model and listen to the signals; nothing here draws.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from tsdesk.gui.runs_table import RunRecord, RunsModel
from tsdesk.gui.worker import RunJob, TrainingService
from tsdesk.gui.workspace import Session


def warm_modules(host) -> list[str]:
    """Trainer modules to import in the child ahead of the first run (Keras, statsmodels).

    Only families that loaded fine; a plugin's broken trainer shows up as a failed run when it
    is trained, not here. ``TSDESK_WARM=0`` turns warming off (tests that never train Keras).
    """
    if os.environ.get("TSDESK_WARM", "1").strip() in ("0", "no", "false"):
        return []
    modules: list[str] = []
    for family in host.families.values():
        module = family.trainer.partition(":")[0]
        if module not in modules:
            modules.append(module)
    return modules


class RunManager(QObject):
    runAdded = Signal(str)
    runStarted = Signal(str)
    runProgress = Signal(str, str, object)
    runFinished = Signal(str)  # done
    runFailed = Signal(str, str, str, str)  # run_id, kind, message, details
    runCancelled = Signal(str)
    childState = Signal(str)

    def __init__(self, host, parent: QObject | None = None, session: Session | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.model = RunsModel(self)
        self.session = session or Session()
        self.service = TrainingService(warm_modules(host), self, str(self.session.root / "trainer.log"))
        self._next = 1
        w = self.service.worker
        w.runStarted.connect(self._started)
        w.runProgress.connect(self._progress)
        w.runDone.connect(self._done)
        w.runFailed.connect(self._failed)
        w.runCancelled.connect(self._cancelled)
        w.childState.connect(self.childState)

    def start(self) -> None:
        """Start the warm child; called once the window is on screen."""
        self.service.start()

    def submit(self, experiment, series=None) -> str:
        """Queue a run of ``experiment`` (checked by the caller); returns its id."""
        run_id = str(self._next)
        self._next += 1
        family = self.host.family(experiment.family)
        out_dir = self.session.run_dir(run_id, family.name)
        record = RunRecord(run_id=run_id, family=family.name, title=family.title, experiment=experiment,
                           out_dir=str(out_dir), series=series)
        self.model.add(record)
        self.runAdded.emit(run_id)
        raw = experiment.to_dict(absolute_path=True)
        self.service.submit(RunJob(run_id, raw, str(Path(experiment.base_dir)), str(out_dir)))
        return run_id

    def cancel(self, run_id: str) -> None:
        record = self.model.get(run_id)
        if record is not None and record.status in ("queued", "running"):
            self.model.update(run_id, progress="cancelling")
            if self.service.cancel(run_id) and record.status == "queued":
                self._cancelled(run_id)  # it never started: say so at once

    def cancel_all(self) -> None:
        for record in self.model.active():
            self.cancel(record.run_id)

    def busy(self) -> bool:
        return bool(self.model.active())

    def shutdown(self) -> None:
        self.service.shutdown()

    # -- from the worker ---------------------------------------------------------------------

    def _started(self, run_id: str) -> None:
        self.model.update(run_id, status="running", started_at=time.time(), progress="starting")
        self.runStarted.emit(run_id)

    def _progress(self, run_id: str, kind: str, fields: dict) -> None:
        record = self.model.get(run_id)
        if record is None:
            return
        record.events.append((kind, fields, time.monotonic()))
        text = progress_text(kind, fields, record)
        if text and record.progress != "cancelling":
            self.model.update(run_id, progress=text)
        self.runProgress.emit(run_id, kind, fields)

    def _done(self, run_id: str, output) -> None:
        self.model.update(run_id, status="done", output=output, metrics=dict(output.metrics),
                          finished_at=time.time(), progress="")
        self.runFinished.emit(run_id)

    def _failed(self, run_id: str, kind: str, message: str, details: str) -> None:
        self.model.update(run_id, status="failed", message=message, details=details,
                          finished_at=time.time(), progress="")
        self.runFailed.emit(run_id, kind, message, details)

    def _cancelled(self, run_id: str) -> None:
        record = self.model.get(run_id)
        if record is None or record.status in ("done", "failed", "cancelled"):
            return
        self.model.update(run_id, status="cancelled", finished_at=time.time() if record.started_at else None,
                          progress="")
        self.runCancelled.emit(run_id)


def progress_text(kind: str, fields: dict, record: RunRecord) -> str:
    """Short status for the table: "epoch 3/20", "candidate 7"."""
    if kind == "epoch":
        return f"epoch {fields.get('epoch')}/{fields.get('epochs', '?')}"
    if kind == "candidate":
        return f"candidate {sum(1 for e in record.events if e[0] == 'candidate')}"
    if kind == "status":
        message = str(fields.get("message", ""))
        return "backtesting" if message == "backtesting" else ""
    return ""
