"""Keep tsdesk alive on Qt: a binding with a known reference-counting bug, and Python's
garbage collector running on the wrong thread.

PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every ``Signal.emit`` and to
``None`` on every call of a Python slot or a void Qt method; after a few thousand events
(seconds of plotting) the interpreter aborts with "Fatal Python error: bool_dealloc" or
"none_dealloc". Python 3.12 made those objects immortal, which hides the bug there.

:func:`ensure_sound_qt` probes for the leak (a few signal emits) and, only when it is there,
gives ``None``, ``True`` and ``False`` a billion extra references that are never released, so
the counts can never reach zero (the same workaround as ``benchmarks/_common.py``). The right
fix is another PySide6 version: ``pip install 'PySide6-Essentials>=6.6,!=6.12.0'``.

:class:`GuiThreadGC`: Python's cyclic collector runs in whichever thread happens to allocate.
When that is a worker thread (reading a CSV, importing statsmodels for STL) and the garbage
holds Qt objects of a closed window, their C++ destructors take Qt's locks there while the GUI
thread, holding the GIL, waits for the same locks: a deadlock (seen in the tests). So automatic
collection is switched off and a timer collects on the GUI thread instead (pyqtgraph's
``GarbageCollector`` recipe).
"""

from __future__ import annotations

import ctypes
import gc
import sys

FIX = "pip install 'PySide6-Essentials>=6.6,!=6.12.0'"
_RESERVE = 10 ** 9
_applied: str | None = None


def leaks_references() -> bool:
    """True when emitting a signal loses a reference to ``True`` (the 6.12.0 bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        ctypes.c_ssize_t.from_address(id(True)).value += lost  # undo the probe's own damage
    return lost >= 8


def ensure_sound_qt() -> str | None:
    """Apply the workaround when needed (once per process); returns a note when applied."""
    global _applied
    if _applied is not None:
        return _applied or None
    _applied = ""
    if sys.version_info < (3, 12) and leaks_references():
        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += _RESERVE  # ob_refcnt is the first field
        from PySide6 import __version__

        _applied = (f"PySide6 {__version__} leaks references on Python {sys.version.split()[0]}; "
                    f"worked around (better: {FIX})")
        print(f"tsdesk: {_applied}", file=sys.stderr)
    return _applied or None


class GuiThreadGC:
    """Collect garbage only on the GUI thread, every ``interval_ms``, by generation thresholds."""

    def __init__(self, interval_ms: int = 500) -> None:
        from PySide6.QtCore import QTimer

        self.threshold = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        g0, g1, g2 = gc.get_count()
        if g0 > self.threshold[0]:
            gc.collect(0)
            if g1 > self.threshold[1]:
                gc.collect(1)
                if g2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """Collect once more here, then give collection back to Python."""
        self.timer.stop()
        gc.collect()
        if self.was_enabled:
            gc.enable()
