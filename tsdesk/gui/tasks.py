"""Short jobs off the GUI thread (reading a CSV, building a series, STL) with queued results.

Training does not use this: it runs in a child process (see ``worker.py``). These jobs are
mostly pure Python that releases the GIL often, so a thread keeps the window responsive.
Each job carries a generation number: a result that arrives after a newer job of the same
kind was started is dropped, so a slow first file cannot overwrite a second one.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    """Lives on the GUI thread; its slots run there because the signals arrive queued."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, finish: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self.finish = finish
        self.done.connect(self.on_done)
        self.failed.connect(self.on_failed)

    @Slot(object)
    def on_done(self, value: Any) -> None:
        self.finish(True, value)

    @Slot(object)
    def on_failed(self, exc: Any) -> None:
        self.finish(False, exc)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


class Tasks(QObject):
    """Runs callables on a private pool; ``busy`` tells whether any job of a kind is running."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.generation: dict[str, int] = {}
        self.running: dict[str, int] = {}
        self._relays: set[_Relay] = set()
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
        self.pool.start(_Job(fn, relay))
        return gen

    def busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return any(v > 0 for v in self.running.values())
        return self.running.get(kind, 0) > 0

    def wait(self, ms: int = 5000) -> bool:
        return self.pool.waitForDone(ms)

    def close(self, ms: int = 5000) -> bool:
        """No more callbacks (the widgets they would touch are going away); wait for the jobs."""
        self.closed = True
        return self.wait(ms)
