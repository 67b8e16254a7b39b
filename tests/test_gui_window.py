"""The window as launched: fast, without TensorFlow/Keras/statsmodels in the GUI process.

These run a fresh interpreter, since the test process itself may have imported those
libraries for other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("tensorflow", "keras", "statsmodels")


def _python(code: str, tmp_path: Path, timeout: int = 120, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TSDESK_WORKSPACE": str(tmp_path / "ws"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, env=full, timeout=timeout)


def test_window_is_built_without_heavy_imports_even_with_a_warm_keras_child(tmp_path):
    code = f"""
        import json, sys, time
        t0 = time.perf_counter()
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from tsdesk.gui.main_window import MainWindow
        w = MainWindow()
        w.show()
        built = time.perf_counter() - t0
        heavy_after_build = [m for m in {HEAVY!r} if m in sys.modules]
        w.open_sample("ridership")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and w.child_label.text() != "ready to train":
            app.processEvents(); time.sleep(0.01)
        warm = [m for m in w.manager.service.worker.warm_modules]
        print(json.dumps({{"built": built, "heavy_after_build": heavy_after_build,
                           "heavy_after_warm": [m for m in {HEAVY!r} if m in sys.modules],
                           "child": w.child_label.text(), "warm": warm,
                           "loaded": w.data_panel.state is not None}}))
        w.confirm_close = False
        w.close()
        """
    proc = _python(code, tmp_path, TSDESK_WARM="1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["heavy_after_build"] == []  # (how fast: benchmarks/startup.py, not a timed test)
    assert out["child"] == "ready to train"
    assert out["loaded"] is True
    if any(m.startswith("tsdesk_keras") for m in out["warm"]):
        assert "tsdesk_keras.architectures" in out["warm"]  # imported in the child, ...
    assert out["heavy_after_warm"] == []  # ... never here


def test_tsdesk_demo_opens_and_reports_when_shown(tmp_path):
    launcher = Path(sys.executable).parent / "tsdesk"
    cmd = [str(launcher), "--demo"] if launcher.exists() else [sys.executable, "-m", "tsdesk.gui.app", "--demo"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TSDESK_WORKSPACE": str(tmp_path / "ws"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "TSDESK_REPORT_SHOWN": "1",
           "TSDESK_QUIT_AFTER_SHOWN": "1", "TSDESK_WARM": "0"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    shown = [float(line.split()[1]) for line in lines if line.startswith("TSDESK_SHOWN ")]
    ready = [float(line.split()[1]) for line in lines if line.startswith("TSDESK_READY ")]
    assert len(shown) == 1 and len(ready) == 1
    assert 0 < shown[0] <= ready[0] < 10  # the frame first, then the panels


def test_version_prints_without_importing_qt(tmp_path):
    from tsdesk import __version__

    code = "import sys; from tsdesk.gui.app import main; main(['--version']); print('PySide6' in sys.modules)"
    proc = _python(code, tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.split() == ["tsdesk", __version__, "False"]
