"""Short jobs off the GUI thread (reading a CSV, building a series, ACF, STL) with queued results.

Training does not use this: it runs in a child process (see ``worker.py``). These jobs are
mostly pure Python that releases the GIL often, so a thread keeps the window responsive.

Plain daemon Python threads, not a QThreadPool: a pool owned by the window waits for its jobs
in its C++ destructor while holding the GIL, which deadlocks with a job that needs the GIL to
finish. Each job carries a generation number: a result that arrives after a newer job of the
same kind was started is dropped, so a slow first file cannot overwrite a second one.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot


class _Relay(QObject):
    """Lives on the GUI thread; its slot runs there because the signal arrives queued."""

    finished = Signal(bool, object)

    def __init__(self, finish: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self.finish = finish
        self.finished.connect(self.deliver)

    @Slot(bool, object)
    def deliver(self, ok: bool, value: Any) -> None:
        self.finish(ok, value)


class Tasks(QObject):
    """Runs callables on threads; ``busy`` tells whether any job of a kind is running."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation: dict[str, int] = {}
        self.running: dict[str, int] = {}
        self._relays: set[_Relay] = set()
        self._threads: set[threading.Thread] = set()
        self.closed = False

    def run(self, kind: str, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> int:
        gen = self.generation.get(kind, 0) + 1
        self.generation[kind] = gen
        self.running[kind] = self.running.get(kind, 0) + 1
        relay: _Relay

        def finish(ok: bool, value: Any) -> None:
            self._relays.discard(relay)
            self.running[kind] -= 1
            if self.generation.get(kind) == gen and not self.closed:
                (on_done if ok else on_error)(value)

        relay = _Relay(finish)
        self._relays.add(relay)

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
                relay.finished.emit(False, exc)
            else:
                relay.finished.emit(True, result)
            finally:
                self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=job, name=f"tsdesk-{kind}", daemon=True)
        self._threads.add(thread)
        thread.start()
        return gen

    def busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return any(v > 0 for v in self.running.values())
        return self.running.get(kind, 0) > 0

    def wait(self, ms: int = 5000) -> bool:
        """Wait for the jobs' threads (not for their results to be delivered)."""
        deadline = time.monotonic() + ms / 1000
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in list(self._threads))

    def close(self, ms: int = 5000) -> bool:
        """No more callbacks (the widgets they would touch are going away); wait for the jobs."""
        self.closed = True
        return self.wait(ms)
