"""What the GUI tests share: a real main window on real files, and ways to wait on it.

Each window gets its own workspace and settings file under ``tmp_path`` and its own warm
training process; the child is not asked to pre-import Keras (``TSDESK_WARM=0``) except where
a test says so, so that tests do not pay TensorFlow's import for nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

ROOT = Path(__file__).resolve().parent.parent
RIDERSHIP = ROOT / "resources" / "ridership.csv"
FINISHED = ("done", "failed", "cancelled")


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """``make_window(warm=False)`` -> a shown MainWindow, shut down after the test."""
    from tsdesk.gui.main_window import MainWindow
    from tsdesk.gui.qtcheck import GuiThreadGC, ensure_sound_qt

    ensure_sound_qt()
    collector = GuiThreadGC()  # as the app does: no collection on worker threads
    windows = []

    def make(warm: bool = False):
        monkeypatch.setenv("TSDESK_WORKSPACE", str(tmp_path / "workspace"))
        monkeypatch.setenv("TSDESK_WARM", "1" if warm else "0")
        settings = QSettings(str(tmp_path / f"settings{len(windows)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings=settings)
        w.confirm_close = False
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        for box in w.findChildren(QMessageBox):
            box.close()
        w.shutdown()
        w.close()
        w.deleteLater()
    windows.clear()
    qtbot.wait(10)  # let deleteLater run here, on the GUI thread
    collector.stop()


@pytest.fixture
def window(make_window):
    return make_window()


def load(qtbot, w, path, sample: str | None = None, timeout: int = 20_000):
    """Open ``path`` as a user would and wait until it is the loaded data."""
    before = w.data_panel.state
    w.open_path(path, sample=sample)
    qtbot.waitUntil(lambda: w.data_panel.state is not before and w.data_panel.state is not None
                    and not w.data_panel.loading(), timeout=timeout)
    return w.data_panel.state


def train(qtbot, w, family: str, params: dict | None = None, horizon: int = 1, wait: bool = True,
          timeout: int = 60_000):
    """Choose a family, set its form, click Train; wait for the run to end unless told not to."""
    w.train_panel.select_family(family)
    form = w.train_panel.form(family)
    if params:
        form.set_values(params)
    w.train_panel.horizon.setValue(horizon)
    before = len(w.manager.model.records)
    qtbot.mouseClick(w.train_panel.train_button, _left())
    assert len(w.manager.model.records) == before + 1, "Train did not queue a run"
    record = w.manager.model.records[-1]
    if wait:
        qtbot.waitUntil(lambda: record.status in FINISHED, timeout=timeout)
    return record


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def dialogs(w) -> list[QMessageBox]:
    from tsdesk.gui.dialogs import open_dialogs

    return open_dialogs(w)


def dialog_texts(w) -> list[str]:
    return [b.text() for b in dialogs(w)]


def close_dialogs(w) -> None:
    for b in dialogs(w):
        b.close()


def write_csv(path: Path, n: int = 200, start: str = "2021-01-01", freq: str = "D", seed: int = 0,
              extra: dict | None = None) -> Path:
    """A daily series with a weekly pattern (target ``sales``) and a covariate ``price``."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n, freq=freq)
    t = np.arange(n)
    y = 100 + 10 * np.sin(2 * np.pi * t / 7) + 0.05 * t + rng.normal(0, 1, n)
    frame = pd.DataFrame({"day": dates.strftime("%Y-%m-%d"), "sales": np.round(y, 3),
                          "price": np.round(5 + rng.normal(0, 0.1, n), 3)})
    for k, v in (extra or {}).items():
        frame[k] = v
    frame.to_csv(path, index=False)
    return path


def wait_idle(qtbot, w, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: not w.tasks.busy(), timeout=timeout)


def elapsed_since(t0: float) -> float:
    return time.monotonic() - t0
