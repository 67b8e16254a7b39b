"""``python -m tsdesk.gui.shots DIR``: walk through the app on the demo data, saving screenshots.

Data, Explore (ACF/PACF and STL), Train (the SARIMA and a Keras form, a finished
seasonal-naive run, a Keras run mid-training when Keras is installed), Forecast (with the
crosshair read-out), Compare, and Help > About once the training process told its devices. For looking at the GUI without a
screen: ``xvfb-run -a -s "-screen 0 1600x1000x24" python -m tsdesk.gui.shots shots/``.
Module level imports stay light: the training child may import this module as ``__main__``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def _wait(app, cond, timeout: float = 60.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return
        time.sleep(0.01)
    raise TimeoutError(f"timed out waiting for {what}")


def _settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def take(out: Path, size: tuple[int, int] = (1400, 900)) -> list[Path]:
    import os

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("TSDESK_WORKSPACE", tempfile.mkdtemp(prefix="tsdesk-shots-"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from tsdesk.gui.main_window import MainWindow
    from tsdesk.samples import DEMO

    out.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    w.confirm_close = False
    w.resize(*size)
    w.show()
    saved: list[Path] = []

    def shot(name: str) -> None:
        _settle(app)
        path = out / f"{len(saved) + 1:02d}-{name}.png"
        w.grab().save(str(path))
        saved.append(path)

    try:
        w.open_sample(DEMO)
        _wait(app, lambda: w.data_panel.state is not None and not w.tasks.busy(), what="the demo data")
        shot("data")
        w.show_tab("explore")
        _wait(app, lambda: not w.tasks.busy() and w.explore_panel.hint, what="ACF/PACF")
        shot("explore-acf")
        w.explore_panel.diff_check.setChecked(True)
        _wait(app, lambda: not w.tasks.busy(), what="ACF/PACF of the difference")
        shot("explore-differenced")
        w.explore_panel.diff_check.setChecked(False)
        w.explore_panel.decompose()
        _wait(app, lambda: w.explore_panel.stl_result is not None, 120, "STL")
        shot("explore-stl")
        w.show_tab("train")
        for name in ("sarima", "lstm_gru"):
            if name in w.host.families:
                w.train_panel.select_family(name)
                shot(f"train-form-{name}")
        w.train_panel.select_family("seasonal_naive")
        w.train_panel.horizon.setValue(14)
        run_id = w.train_panel.train()
        _wait(app, lambda: w.manager.model.get(run_id).status not in ("queued", "running"), 120, "the run")
        shot("train-done")
        w.show_tab("forecast")
        _settle(app)
        fv = w.forecast_view
        record = w.manager.model.get(run_id)
        if record.output is not None and record.output.future is not None:
            from tsdesk.gui.plotting import to_seconds

            fv.crosshair.show_at(float(to_seconds(record.output.future.timestamp[3:4])[0]))
        shot("forecast")
        if "lstm_gru" in w.host.families:
            w.show_tab("train")
            w.train_panel.select_family("lstm_gru")
            w.train_panel.form("lstm_gru").set_values({"units": 16, "max_epochs": 12, "patience": 0})
            keras_run = w.manager.model.get(w.train_panel.train())
            _wait(app, lambda: sum(1 for e in keras_run.events if e[0] == "epoch") >= 4
                  or keras_run.status in ("done", "failed", "cancelled"), 180, "Keras epochs")
            shot("train-keras-running")
            _wait(app, lambda: keras_run.status in ("done", "failed", "cancelled"), 300, "the Keras run")
            w.show_tab("forecast")
            shot("forecast-keras")
            w.show_tab("compare")
            w.compare_panel.select_runs([run_id, keras_run.run_id])
            shot("compare")
        from PySide6.QtWidgets import QMessageBox

        from tsdesk.gui.about import show_about

        show_about(w)
        box = w.findChild(QMessageBox, "about_dialog")
        _wait(app, lambda: "trains on" in box.text() or "unknown" in box.text(), 120, "the GPU line")
        _settle(app)
        path = out / f"{len(saved) + 1:02d}-about.png"
        box.grab().save(str(path))
        saved.append(path)
        box.close()
    finally:
        w.close()
        w.shutdown()
    return saved


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "shots")
    for path in take(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
