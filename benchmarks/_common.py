"""Helpers shared by the benchmark modules: timing, size overrides, the machine's description."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent

# Shrinks the data of the size-driven benchmarks (csv_load rows, plot_pan points); the harness
# tests use it to run in seconds. ``run.py --rows N`` sets it for the benchmark subprocesses.
ROWS_ENV = "TSDESK_BENCH_ROWS"


def rows(default: int) -> int:
    """The data size to use: ``$TSDESK_BENCH_ROWS`` when set, else ``default``."""
    value = os.environ.get(ROWS_ENV, "").strip()
    if not value:
        return default
    n = int(value.replace("_", ""))
    if n < 100:
        raise ValueError(f"{ROWS_ENV}={value}: at least 100 rows are needed")
    return n


def protect_singletons() -> str | None:
    """Work around PySide6 6.12.0 on Python < 3.12, which drops a reference to ``None`` (and to
    ``True``/``False``) on every call of a Qt method returning void (or bool): after some ten
    thousand paint calls the interpreter aborts with "Fatal Python error: none_dealloc". The
    GUI benchmarks would crash part-way, so they add a billion references to each singleton
    first (Python 3.12+ makes them immortal anyway). Timings are not affected. Returns a note
    when the workaround was applied, else None.
    """
    if sys.version_info >= (3, 12):
        return None
    version = _version("shiboken6") or ""
    if not version.startswith("6.12"):
        return None
    import ctypes

    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 10 ** 9  # ob_refcnt is the first field
    return f"refcounts of None/True/False raised: shiboken6 {version} leaks them on Python {platform.python_version()}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call."""
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def sig(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits (0.00123456 -> 0.001235)."""
    return float(f"{x:.{digits}g}")


def summary(times: list[float]) -> dict:
    """Best, median and worst of repeated timings (seconds)."""
    return {"best": min(times), "median": statistics.median(times), "worst": max(times), "runs": len(times)}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def keras_backend() -> str:
    """The Keras backend a run would use, without importing Keras (which imports the backend)."""
    backend = os.environ.get("KERAS_BACKEND")
    if backend:
        return backend
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        import json

        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    m = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    return m.group(1).strip() if m else platform.machine()


def ram_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    m = re.search(r"^MemTotal:\s+(\d+) kB", text, flags=re.MULTILINE)
    return round(int(m.group(1)) / 1024 ** 2, 1) if m else None


def gpu_names() -> list[str]:
    """GPUs ``nvidia-smi`` lists (empty without the tool or a GPU); no deep-learning import."""
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip().startswith("GPU")]


def qt_version() -> str | None:
    try:
        from PySide6.QtCore import qVersion
    except ImportError:
        return None
    return qVersion()


def machine() -> dict:
    """What the figures were measured on (for the report and BENCHMARKS.md)."""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "gpus": gpu_names(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "PySide6": _version("PySide6-Essentials") or _version("PySide6"),
        "Qt": qt_version(),
        "pyqtgraph": _version("pyqtgraph"),
        "pandas": _version("pandas"),
        "numpy": _version("numpy"),
        "statsmodels": _version("statsmodels"),
        "keras": _version("keras"),
        "keras backend": keras_backend(),
        "tensorflow": _version("tensorflow-cpu") or _version("tensorflow"),
        "executable": sys.executable,
    }
