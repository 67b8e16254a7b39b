"""The training process: runs experiments for the GUI, away from its GIL and its address space.

Started with ``multiprocessing.get_context("spawn")`` by :mod:`tsdesk.gui.worker` and kept warm
between runs. It imports no Qt. Messages are tuples over one duplex ``Pipe``:

GUI -> child
    ("warm", [module, ...])         import these now, on a side thread (a Keras trainer's 3 s
                                    import), so that runs start fast; then answer as to "probe"
    ("run", run_id, raw, base_dir, out_dir)
                                    ``raw`` is ``Experiment.to_dict()``; outputs go to ``out_dir``
    ("cancel", run_id)              ask that run to stop at its next ``progress.check()``
    ("probe",)                      report the Keras backend and devices (imports Keras on a side
                                    thread, so it is answered during a run too)
    ("quit",)                       finish and exit
child -> GUI
    ("ready", pid)                  the process is up and listening
    ("warmed", module, error)       ``error`` is "" when the import worked
    ("environment", info)           answer to "probe": ``tsdesk.compute.keras_environment()``
    ("started", run_id)
    ("progress", run_id, kind, fields)   every ``Progress.report`` of the trainer and the runner
    ("done", run_id, out_dir, notes)     outputs written; the GUI reads metrics.json, *.csv back
    ("cancelled", run_id)
    ("failed", run_id, kind, message, details)   kind "user" (a UserError, shown as is) or
                                    "internal" (a bug: ``details`` holds the traceback)
"""

from __future__ import annotations

import importlib
import os
import queue
import threading
import traceback
from pathlib import Path


class _Channel:
    """One lock around ``send``: the trainer's callback and the listener thread both send."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def send(self, *msg) -> None:
        with self.lock:
            try:
                self.conn.send(msg)
            except (BrokenPipeError, EOFError, OSError):
                pass  # the GUI went away; the main loop ends when it sees the pipe closed


class _Child:
    def __init__(self, conn) -> None:
        self.chan = _Channel(conn)
        self.conn = conn
        self.jobs: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.current: tuple[str, object] | None = None  # (run_id, Progress)
        self.cancelled: set[str] = set()
        self.closed = False  # the pipe to the window is gone

    def listen(self) -> None:
        """Reader thread: cancels act at once, everything else queues for the main thread."""
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                # The window is gone (closed, crashed or killed): nobody will read this run's
                # result, so stop it at its next check instead of training on for nothing.
                with self.lock:
                    self.closed = True  # runs still queued are cancelled as they start
                    if self.current is not None:
                        self.current[1].cancel()
                self.jobs.put(("quit",))
                return
            if msg[0] == "cancel":
                with self.lock:
                    self.cancelled.add(msg[1])
                    if self.current is not None and self.current[0] == msg[1]:
                        self.current[1].cancel()
                continue
            if msg[0] == "probe":
                threading.Thread(target=self.probe, name="tsdesk-child-probe", daemon=True).start()
                continue
            self.jobs.put(msg)
            if msg[0] == "quit":
                return

    def serve(self) -> None:
        self.chan.send("ready", os.getpid())
        threading.Thread(target=self.listen, name="tsdesk-child-listener", daemon=True).start()
        while True:
            msg = self.jobs.get()
            if msg[0] == "quit":
                return
            if msg[0] == "warm":
                threading.Thread(target=self.warm, args=(msg[1],), name="tsdesk-child-warm",
                                 daemon=True).start()
            elif msg[0] == "run":
                self.run(*msg[1:])

    def warm(self, modules: list[str]) -> None:
        """Imports on a side thread, so a run asked for meanwhile starts at once; Python's
        per-module import locks make a run that needs the same module wait for it."""
        for module in modules:
            self.chan.send("warmed", module, _import(module))
        self.probe()  # Keras is imported now (when a family uses it): tell which devices it sees

    def probe(self) -> None:
        try:
            from tsdesk.compute import keras_environment

            info = keras_environment()
        except BaseException as exc:  # noqa: BLE001 - the window waits for an answer
            info = {"error": f"{type(exc).__name__}: {exc}"}
        self.chan.send("environment", info)

    def run(self, run_id: str, raw: dict, base_dir: str, out_dir: str) -> None:
        from tsdesk.core.experiment import experiment_from_dict
        from tsdesk.core.runner import run_experiment
        from tsdesk.errors import Cancelled, UserError
        from tsdesk.plugin_api import Progress

        progress = Progress(lambda kind, fields: self.chan.send("progress", run_id, kind, _plain(fields)))
        with self.lock:
            self.current = (run_id, progress)
            if run_id in self.cancelled or self.closed:
                progress.cancel()
        self.chan.send("started", run_id)
        try:
            progress.check()
            exp = experiment_from_dict(raw, Path(base_dir), source="experiment")
            run = run_experiment(exp, progress, out_dir=out_dir)
            self.chan.send("done", run_id, str(out_dir), list(run.notes))
        except Cancelled:
            self.chan.send("cancelled", run_id)
        except UserError as exc:
            self.chan.send("failed", run_id, "user", str(exc), "")
        except BaseException as exc:  # noqa: BLE001 - a bug in a trainer must not end the process
            if progress.cancelled():
                self.chan.send("cancelled", run_id)
            else:
                self.chan.send("failed", run_id, "internal", f"{type(exc).__name__}: {exc}",
                               traceback.format_exc())
        finally:
            with self.lock:
                self.current = None
                self.cancelled.discard(run_id)


def _redirect_output(log_path: str) -> None:
    import sys

    try:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _import(module: str) -> str:
    try:
        importlib.import_module(module)
        return ""
    except BaseException as exc:  # noqa: BLE001 - a broken plugin shows up when it is trained
        return f"{type(exc).__name__}: {exc}"


def _plain(fields: dict) -> dict:
    """Progress fields as builtins, so they cross the pipe without numpy on the receiving side."""
    out = {}
    for key, value in fields.items():
        if hasattr(value, "item") and callable(value.item):
            try:
                value = value.item()
            except (ValueError, TypeError):
                value = str(value)
        elif not isinstance(value, (str, int, float, bool, type(None), list, tuple, dict)):
            value = str(value)
        out[key] = value
    return out


def child_main(conn, log_path: str | None = None) -> None:
    """Process entry point (a module-level function, so spawn can find it).

    With ``log_path``, the process's stdout and stderr (TensorFlow's start-up chatter, a native
    crash's last words) go to that file instead of the terminal the window may not have.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal is the window's to handle
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if log_path:
        _redirect_output(log_path)
    try:
        _Child(conn).serve()
    finally:
        try:
            conn.close()
        except OSError:
            pass
