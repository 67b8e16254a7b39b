"""Training off the GUI thread: a worker on a QThread drives one warm child process.

Why a child process and not just a thread: a SARIMA fit or importing Keras holds the GIL for
hundreds of milliseconds, which would freeze the window; a child has its own GIL, can always
be stopped, and a crash in native code cannot take the window down. The child is started when
the window opens, imports the trainers' modules (Keras) while the user looks at the data, and
is reused run after run; it is restarted after a crash or a hard cancel.

The GUI talks to :class:`TrainingService` only: ``submit`` a :class:`RunJob`, ``cancel`` it,
and listen to its signals. Protocol with the child: see :mod:`tsdesk.gui.child`.
"""

from __future__ import annotations

import os

import multiprocessing
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tsdesk.gui.child import child_main

CANCEL_GRACE_S = 0.6
"""How long a cancelled run may take to stop by itself before its process is terminated; with
the terminate and the poll interval this keeps Cancel under a second."""


@dataclass
class RunJob:
    """One queued training run. ``raw`` is ``Experiment.to_dict(absolute_path=True)``."""

    run_id: str
    raw: dict
    base_dir: str
    out_dir: str


@dataclass
class RunOutput:
    """What a finished run wrote, read back from its folder."""

    run_id: str
    out_dir: Path
    metrics: dict
    backtest: Any  # ForecastResult
    future: Any = None  # ForecastResult | None
    info: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, run_id: str, out_dir: str | Path, notes: list[str] | None = None) -> "RunOutput":
        from tsdesk.core.fileio import read_json
        from tsdesk.core.forecast import ForecastResult

        out = Path(out_dir)
        metrics = read_json(out / "metrics.json")
        backtest = ForecastResult.read_csv(out / "forecasts.csv")
        future = ForecastResult.read_csv(out / "future.csv") if (out / "future.csv").exists() else None
        info: dict = {}
        meta = out / "model" / "tsdesk-model.json"
        if meta.exists():
            info = dict(read_json(meta).get("info") or {})
        return cls(run_id, out, metrics, backtest, future, info, list(notes or []))


class TrainingWorker(QObject):
    """Lives on its own QThread; ``serve`` loops until :meth:`stop`.

    Public methods are thread-safe and called from the GUI thread; results come back as
    queued signals.
    """

    childState = Signal(str)  # "starting", "importing <modules>", "ready", "restarting"
    runStarted = Signal(str)
    runProgress = Signal(str, str, object)  # run_id, kind, fields (dict)
    runDone = Signal(str, object)  # run_id, RunOutput
    runFailed = Signal(str, str, str, str)  # run_id, kind ("user"/"internal"), message, details
    runCancelled = Signal(str)
    environmentReady = Signal(object)  # dict: tsdesk.compute.keras_environment() in the child

    def __init__(self, warm_modules: list[str] | None = None, log_path: str | None = None) -> None:
        super().__init__()
        self.warm_modules = list(warm_modules or [])
        self.log_path = log_path
        self._cond = threading.Condition()
        self._pending: deque[RunJob] = deque()
        self._cancel: set[str] = set()
        self._dropped: list[str] = []  # queued runs cancelled, to be reported from this thread
        self._stop = False
        self._probe = False  # a "probe" to send from the worker thread
        self._ctx = multiprocessing.get_context("spawn")
        self._proc = None
        self._conn = None
        self.child_pid: int | None = None
        self.current: str | None = None

    # -- called from the GUI thread ------------------------------------------------------

    def submit(self, job: RunJob) -> None:
        with self._cond:
            self._pending.append(job)
            self._cond.notify_all()

    def cancel(self, run_id: str) -> bool:
        """A queued run is dropped at once (returns True); a running one is asked to stop, then
        terminated. Either way ``runCancelled`` follows from the worker thread."""
        with self._cond:
            for job in list(self._pending):
                if job.run_id == run_id:
                    self._pending.remove(job)
                    self._dropped.append(run_id)
                    self._cond.notify_all()
                    return True
            if self.current == run_id:
                self._cancel.add(run_id)
            return False

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._pending.clear()
            self._cond.notify_all()

    def request_environment(self) -> None:
        """Ask the child which Keras backend and devices it trains on; ``environmentReady``
        answers (within seconds: the child may have to import Keras first)."""
        with self._cond:
            self._probe = True
            self._cond.notify_all()

    def queued(self) -> list[str]:
        with self._cond:
            return [j.run_id for j in self._pending]

    # -- the worker thread ----------------------------------------------------------------

    @Slot()
    def serve(self) -> None:
        self._start_child()
        try:
            while True:
                with self._cond:
                    if not (self._pending or self._stop or self._dropped or self._probe):
                        self._cond.wait(0.05)
                    if self._stop:
                        break
                    job = self._pending.popleft() if self._pending else None
                    if job is not None:
                        self.current = job.run_id
                self._report_dropped()
                self._send_probe()
                if job is None:
                    self._pump_idle()
                    continue
                try:
                    self._run(job)
                finally:
                    with self._cond:
                        self.current = None
                        self._cancel.discard(job.run_id)
        finally:
            self._stop_child()

    def _report_dropped(self) -> None:
        with self._cond:
            dropped, self._dropped = self._dropped, []
        for run_id in dropped:
            self.runCancelled.emit(run_id)

    def _send_probe(self) -> None:
        with self._cond:
            wanted, self._probe = self._probe, False
        if wanted:
            self._send(("probe",))  # lost if the child is gone: About asks again when opened

    def _start_child(self) -> None:
        self.childState.emit("starting")
        parent, child = self._ctx.Pipe(duplex=True)
        # The child inherits this: statsmodels' many small fits run 5-8x slower on two cores when
        # BLAS worker threads compete (numpy in this process has already read its setting).
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        proc = self._ctx.Process(target=child_main, args=(child, self.log_path), name="tsdesk-trainer",
                                 daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        self.child_pid = proc.pid
        if self.warm_modules:
            self._send(("warm", self.warm_modules))  # the child says its environment after it

    def _stop_child(self) -> None:
        if self._proc is None:
            return
        self._send(("quit",))
        self._proc.join(1.0)
        if self._proc.is_alive():
            self._kill_child()
        self._close()

    def _kill_child(self) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.terminate()
        proc.join(0.3)
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        if self._proc is not None:
            try:
                self._proc.close()
            except ValueError:
                pass
        self._proc = self._conn = None

    def _restart_child(self) -> None:
        self._kill_child()
        self.childState.emit("restarting")
        self._start_child()

    def _send(self, msg: tuple) -> bool:
        try:
            self._conn.send(msg)
            return True
        except (BrokenPipeError, EOFError, OSError, AttributeError):
            return False

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def _recv(self, timeout: float):
        """The next message, None when there is none yet; EOFError when the child is gone."""
        try:
            if self._conn.poll(timeout):
                return self._conn.recv()
        except (EOFError, OSError, AttributeError):
            raise EOFError from None
        return None

    def _pump_idle(self) -> None:
        """Between runs: pass on warm-up news, and bring back a child that died."""
        if not self._alive():
            self._restart_child()
            return
        try:
            while (msg := self._recv(0)) is not None:
                self._state_message(msg)
        except EOFError:
            self._restart_child()

    def _state_message(self, msg: tuple) -> None:
        if msg[0] == "ready":
            self.childState.emit("importing " + ", ".join(self.warm_modules) if self.warm_modules else "ready")
        elif msg[0] == "warmed" and msg[1] == self.warm_modules[-1]:
            self.childState.emit("ready")
        elif msg[0] == "environment":
            self.environmentReady.emit(msg[1])

    def _run(self, job: RunJob) -> None:
        if not self._alive() or not self._send(("run", job.run_id, job.raw, job.base_dir, job.out_dir)):
            self._restart_child()
            if not self._send(("run", job.run_id, job.raw, job.base_dir, job.out_dir)):
                self.runFailed.emit(job.run_id, "internal", "the training process could not be started", "")
                return
        cancel_sent = None
        while True:
            with self._cond:
                stop, wants_cancel = self._stop, job.run_id in self._cancel
            if stop:
                self._kill_child()
                self.runCancelled.emit(job.run_id)
                return
            if wants_cancel and cancel_sent is None:
                self._send(("cancel", job.run_id))
                cancel_sent = time.monotonic()
            self._report_dropped()
            self._send_probe()
            if cancel_sent is not None and time.monotonic() - cancel_sent > CANCEL_GRACE_S:
                self._restart_child()
                self.runCancelled.emit(job.run_id)
                return
            try:
                msg = self._recv(0.02)
            except EOFError:
                msg = None
            if msg is None:
                if not self._alive():
                    code = self._proc.exitcode if self._proc is not None else None
                    self._restart_child()
                    if cancel_sent is not None:
                        self.runCancelled.emit(job.run_id)
                    else:
                        log = f" Its output is in {self.log_path}." if self.log_path else ""
                        self.runFailed.emit(job.run_id, "internal",
                                            f"the training process stopped unexpectedly (exit code {code})",
                                            "The process running the trainer ended without a result; "
                                            "a crash in native code (TensorFlow, BLAS) or running out of "
                                            f"memory are the usual causes. A fresh process was started.{log}")
                    return
                continue
            kind = msg[0]
            if kind in ("ready", "warmed", "environment"):
                self._state_message(msg)
            elif msg[1] != job.run_id:
                continue  # a late message from a run that was already given up
            elif kind == "started":
                self.runStarted.emit(job.run_id)
            elif kind == "progress":
                self.runProgress.emit(job.run_id, msg[2], msg[3])
            elif kind == "done":
                try:
                    out = RunOutput.load(job.run_id, msg[2], msg[3])
                except Exception as exc:  # noqa: BLE001 - unreadable outputs are a bug, not a crash
                    import traceback

                    self.runFailed.emit(job.run_id, "internal",
                                        f"the run's outputs in {msg[2]} could not be read: {exc}",
                                        traceback.format_exc())
                else:
                    self.runDone.emit(job.run_id, out)
                return
            elif kind == "cancelled":
                self.runCancelled.emit(job.run_id)
                return
            elif kind == "failed":
                self.runFailed.emit(job.run_id, msg[2], msg[3], msg[4])
                return


class TrainingService(QObject):
    """Owns the worker and its thread; what the window uses. Re-exposes the worker's signals."""

    environmentChanged = Signal(object)  # the child's environment, emitted on the GUI thread

    def __init__(self, warm_modules: list[str] | None = None, parent: QObject | None = None,
                 log_path: str | None = None) -> None:
        super().__init__(parent)
        self.worker = TrainingWorker(warm_modules, log_path)
        self.thread = QThread()
        self.thread.setObjectName("tsdesk-training")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.serve)
        self._started = False
        self._closed = False
        self.environment: dict | None = None  # the child's Keras backend and devices, once known
        self.worker.environmentReady.connect(self._environment)

    def _environment(self, info: dict) -> None:
        self.environment = dict(info)
        self.environmentChanged.emit(self.environment)

    def request_environment(self) -> None:
        """Start the worker if needed and ask the child; ``environmentChanged`` answers."""
        self.start()
        if not self._closed:
            self.worker.request_environment()

    def start(self) -> None:
        """Start the worker and its child; call soon after the window shows, not before.
        Does nothing once shut down (a late timer must not start a thread nobody will stop)."""
        if not self._started and not self._closed:
            self._started = True
            self.thread.start()

    def submit(self, job: RunJob) -> None:
        self.start()
        if self._closed:
            self.worker.runFailed.emit(job.run_id, "internal", "the training service was shut down", "")
            return
        self.worker.submit(job)

    def cancel(self, run_id: str) -> bool:
        """True when the run was still queued (and is now dropped)."""
        return self.worker.cancel(run_id)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the worker and its child and wait for the thread: Qt aborts the process if a
        running QThread is destroyed. Safe to call twice."""
        self._closed = True
        self.worker.stop()
        if self._started:
            self.thread.quit()
            if not self.thread.wait(timeout_ms):
                self.thread.terminate()
                self.thread.wait(1000)
