"""Exports from a real run: forecasts CSV, plots as PNG and SVG, the runs table, the model folder;
and the desktop bits: --install-desktop-entry, the saved layout, Help > About."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from PySide6.QtGui import QImage

from conftest import run_cli
from gui_helpers import load, make_window, train, window, write_csv  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_exports_of_a_real_run(qtbot, window, tmp_path):
    from tsdesk.gui import export

    w = window
    data = write_csv(tmp_path / "sales.csv")
    load(qtbot, w, data)
    a = train(qtbot, w, "naive", horizon=2)
    b = train(qtbot, w, "seasonal_naive", horizon=4)
    assert a.status == b.status == "done"

    # Forecasts: the future and the backtest, with every interval.
    path = export.export_forecasts(b, tmp_path / "out" / "forecasts.csv")
    frame = pd.read_csv(path)
    assert list(frame.columns[:3]) == ["run", "model", "part"]
    for col in ("timestamp", "origin", "step", "actual", "mean", "lower_80", "upper_80", "lower_95", "upper_95"):
        assert col in frame.columns
    assert (frame["part"] == "future").sum() == 4
    assert (frame["part"] == "backtest").sum() == len(b.output.backtest)
    fut = frame[frame["part"] == "future"]
    assert fut["mean"].to_numpy() == pytest.approx(b.output.future.mean)
    assert (fut["lower_95"] <= fut["lower_80"]).all() and (fut["upper_80"] <= fut["upper_95"]).all()

    # Plots: the forecast view and the compare overlay, as PNG and SVG.
    w.compare_panel.select_runs(["1", "2"])
    for name, plot in (("forecast", w.forecast_view.plot), ("compare", w.compare_panel.overlay),
                       ("horizon", w.compare_panel.horizon_plot)):
        png = export.export_plot(plot, tmp_path / f"{name}.png")
        image = QImage(str(png))
        assert not image.isNull() and image.width() >= 800
        svg = export.export_plot(plot, tmp_path / f"{name}.svg")
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
        assert len(list(root.iter())) > 20
    from tsdesk.errors import UserError

    with pytest.raises(UserError, match="exported as .png or .svg"):
        export.export_plot(w.forecast_view.plot, tmp_path / "plot.jpg")

    # The runs table, in the order shown, with raw numbers.
    w.compare_panel.sort_by("MAE")
    table = export.export_table(w.compare_panel.proxy, tmp_path / "runs.csv")
    rows = list(csv.DictReader(open(table, newline="")))
    assert [r["#"] for r in rows] == w.compare_panel.sorted_runs()
    by_id = {r["#"]: r for r in rows}
    assert float(by_id["2"]["MAE"]) == pytest.approx(b.metrics["mae"])
    assert by_id["1"]["Model"] == a.title and by_id["2"]["Status"] == "done"

    # The model folder, which tsdesk-cli forecast reads.
    folder = export.export_model(b, tmp_path / "exported-model")
    assert (folder / "tsdesk-model.json").exists()
    result = run_cli("forecast", folder, "--data", data, "--horizon", "4", "--out", tmp_path / "cli.csv")
    assert result.returncode == 0, result.stderr
    cli = pd.read_csv(tmp_path / "cli.csv")
    assert cli["mean"].to_numpy() == pytest.approx(b.output.future.mean)
    with pytest.raises(UserError, match="is not empty"):
        export.export_model(b, folder)


def test_install_desktop_entry_flag_prints_what_it_wrote(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-m", "tsdesk.gui.app", "--install-desktop-entry"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    entry = tmp_path / "applications" / "tsdesk.desktop"
    assert f"wrote {entry}" in out.stdout.splitlines()
    assert entry.exists()


def test_layout_persists_and_about_needs_no_heavy_imports(qtbot, make_window, tmp_path):
    from PySide6.QtWidgets import QMessageBox, QSplitter

    from tsdesk.gui.window_extras import save_layout

    w = make_window()
    w.resize(720, 520)  # the offscreen screen is small
    w.compare_panel.splitter.setSizes([100, 300])
    save_layout(w)
    size = w.size()
    sizes = w.compare_panel.splitter.sizes()
    settings_file = w.settings.fileName()
    w.close()

    from PySide6.QtCore import QSettings

    from tsdesk.gui.main_window import MainWindow

    again = MainWindow(settings=QSettings(settings_file, QSettings.Format.IniFormat))
    again.confirm_close = False
    qtbot.addWidget(again)
    again.show()
    try:
        assert again.size() == size and size.height() == 520  # not the default 1400 x 900
        assert again.compare_panel.splitter.sizes() == sizes
        assert len(again.findChildren(QSplitter)) >= 3

        from tsdesk.gui.about import about_info, show_about

        info = about_info()
        assert info["tsdesk"] and info["Qt"] and info["PySide6"]
        from importlib import metadata

        tf = next((d for d in ("tensorflow", "tensorflow-cpu") if _installed(d)), None)
        assert info["TensorFlow"] == (metadata.version(tf) if tf else "not installed")
        assert "Keras backend" in info and "GPU" in info
        assert "not checked yet" in info["GPU"]
        show_about(again)
        box = again.findChild(QMessageBox, "about_dialog")
        assert box is not None and "statsmodels" in box.text()
        assert "asking the training process" in box.text()
        # the training process answers and the open dialog fills the GPU line in
        qtbot.waitUntil(lambda: "trains on" in box.text(), timeout=120_000)
        assert again.manager.service.environment["devices"]
        gpu = again.manager.service.environment["accelerators"]
        assert ("yes: Keras" in box.text()) == bool(gpu) and "not checked yet" not in box.text()
        box.close()
    finally:
        again.shutdown()
    # About asks nothing of Keras or statsmodels in the window's process (checked in a fresh one).
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from tsdesk.gui.about import about_text; about_text(); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'statsmodels', 'torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_file_menu_actions_save_and_export_through_their_dialogs(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    w = window
    file_menu = w.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    for t in ("Open e&xperiment...", "Save &workspace...", "Open wor&kspace...", "&Export", "&Quit"):
        assert t in texts, t
    assert texts.index("&Export") < texts.index("&Quit")
    export_texts = [a.text() for a in w.export_menu.actions()]
    assert len(export_texts) == 4
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    record = train(qtbot, w, "naive", horizon=2)
    answers = iter([str(tmp_path / "ws.zip"), str(tmp_path / "f.csv"), str(tmp_path / "p.svg"),
                    str(tmp_path / "runs.csv")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(answers), "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "m")))
    w.train_panel.runs.select_run(record.run_id)
    [a for a in file_menu.actions() if a.text() == "Save &workspace..."][0].trigger()
    for action in w.export_menu.actions():
        action.trigger()
    assert (tmp_path / "ws.zip").exists()
    assert len(pd.read_csv(tmp_path / "f.csv")) == 2 + len(record.output.backtest)
    assert ET.parse(tmp_path / "p.svg").getroot().tag.endswith("svg")
    assert pd.read_csv(tmp_path / "runs.csv")["MAE"].iloc[0] == pytest.approx(record.metrics["mae"])
    assert (tmp_path / "m" / "tsdesk-model.json").exists()
    assert w.settings.value("last_dir") == str(tmp_path)


def _installed(dist: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(dist)
        return True
    except metadata.PackageNotFoundError:
        return False
