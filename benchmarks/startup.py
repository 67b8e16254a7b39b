"""Seconds from launching ``tsdesk --demo`` to the main window on screen.

The app is started as a user starts it (the ``tsdesk`` launcher, a fresh process) with
``TSDESK_REPORT_SHOWN=1``: it prints ``TSDESK_SHOWN`` when the window first paints (frame,
menus and tabs) and ``TSDESK_READY`` when its panels are built and the demo file is being
read, then quits (``TSDESK_QUIT_AFTER_SHOWN=1``). The clock runs from just before the process
is spawned, so interpreter start-up and every import count. Median of several launches;
``ready_s`` is the median time to ``TSDESK_READY``.

- baseline: a window that imports its model libraries (Keras/TensorFlow, statsmodels) before
  showing, as an app without lazy plugins would; ``floor_s`` is an empty PySide6 window, the
  least any Qt app in this Python can do.

``startup`` = median seconds (target: <= 1 s, 2 s at worst).

    python benchmarks/startup.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHOWN = "TSDESK_SHOWN"
READY = "TSDESK_READY"

_WINDOW = """
import os, sys
{imports}
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
class W(QMainWindow):
    done = False
    def event(self, e):
        if e.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            print("{shown}", flush=True)
            QTimer.singleShot(0, app.quit)
        return super().event(e)
w = W(); w.setWindowTitle("baseline"); w.resize(1400, 900); w.show()
app.exec()
"""


def _launcher() -> list[str]:
    exe = Path(sys.executable).parent / "tsdesk"
    return [str(exe), "--demo"] if exe.exists() else [sys.executable, "-m", "tsdesk.gui.app", "--demo"]


def launch(cmd: list[str], env: dict, timeout: float = 120, until: str = SHOWN) -> tuple[float, float]:
    """Seconds until the process prints the shown marker, and until ``until`` (it then quits)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    shown = None
    try:
        for line in proc.stdout:
            if line.startswith(SHOWN) and shown is None:
                shown = time.perf_counter() - started
            if line.startswith(until):
                done = time.perf_counter() - started
                proc.communicate(timeout=timeout)
                return shown, done
        _, err = proc.communicate(timeout=timeout)
        raise RuntimeError(f"{' '.join(cmd[:2])} exited ({proc.returncode}) without showing a window: "
                           f"{err.strip()[-500:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def script(imports: str = "") -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(_WINDOW.format(imports=imports, shown=SHOWN))]


def run(quick: bool = False) -> dict:
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="tsdesk-startup-") as tmp:
        env = {**os.environ, "TSDESK_REPORT_SHOWN": "1", "TSDESK_QUIT_AFTER_SHOWN": "1",
               "TSDESK_WORKSPACE": str(Path(tmp) / "ws"), "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
               "TF_CPP_MIN_LOG_LEVEL": "2"}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        launch(_launcher(), env, until=READY)  # warm the file cache, as any second launch would be
        both = [launch(_launcher(), env, until=READY) for _ in range(runs)]
        app = [shown for shown, _ in both]
        ready = [done for _, done in both]
        floor = [launch(script(), env)[0] for _ in range(max(2, runs // 2))]
        heavy = "import keras\nimport statsmodels.api"
        eager = [launch(script(heavy), env)[0] for _ in range(max(2, runs // 2))]
    median = statistics.median(app)
    return {"startup": {
        "value": round(median, 3), "unit": "s", "baseline": round(statistics.median(eager), 3),
        "baseline_unit": "s", "best_s": round(min(app), 3), "worst_s": round(max(app), 3),
        "runs": runs, "floor_s": round(statistics.median(floor), 3),
        "ready_s": round(statistics.median(ready), 3), "ready_worst_s": round(max(ready), 3),
        "command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(_launcher())),
        "qt_platform": env["QT_QPA_PLATFORM"],
        "summary": (f"window on screen {median:.2f} s after launch, panels ready at "
                    f"{statistics.median(ready):.2f} s (empty PySide6 window "
                    f"{statistics.median(floor):.2f} s; importing Keras + statsmodels first "
                    f"{statistics.median(eager):.2f} s)"),
    }}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer launches")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
