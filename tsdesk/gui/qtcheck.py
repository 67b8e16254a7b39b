"""Keep tsdesk alive on a Qt binding with a known reference-counting bug.

PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every ``Signal.emit`` and to
``None`` on every call of a Python slot or a void Qt method; after a few thousand events
(seconds of plotting) the interpreter aborts with "Fatal Python error: bool_dealloc" or
"none_dealloc". Python 3.12 made those objects immortal, which hides the bug there.

:func:`ensure_sound_qt` probes for the leak (a few signal emits) and, only when it is there,
gives ``None``, ``True`` and ``False`` a billion extra references that are never released, so
the counts can never reach zero (the same workaround as ``benchmarks/_common.py``). The right
fix is another PySide6 version: ``pip install 'PySide6-Essentials>=6.6,!=6.12.0'``.
"""

from __future__ import annotations

import ctypes
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
