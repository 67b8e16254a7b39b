"""Training from the window: real runs in the warm child process, queued, cancelled, failed.

Every run here is real: the window builds the experiment, the worker thread sends it to the
child process, the child trains and writes its outputs, the window reads them back.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from PySide6.QtCore import Qt

from gui_helpers import (FINISHED, RIDERSHIP, close_dialogs, dialog_texts, load, make_window,  # noqa: F401
                         train, window, write_csv)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_seasonal_naive_run_matches_the_cli_and_draws_its_forecast(qtbot, window, tmp_path):
    w = window
    state = load(qtbot, w, RIDERSHIP, sample="ridership")
    assert w.train_panel.family_name() is not None
    record = train(qtbot, w, "seasonal_naive", horizon=7)
    assert record.status == "done", record.message
    out = record.output

    # The runs table shows the run's metrics ...
    model = w.manager.model
    row = model.row_of(record.run_id)
    headers = [c.header for c in model.columns]
    mae_shown = model.data(model.index(row, headers.index("MAE")))
    status_shown = model.data(model.index(row, headers.index("Status")))
    assert status_shown == "done"
    assert record.metrics["mae"] == out.metrics["mae"]

    # ... which are what the CLI computes for the same experiment, saved from the window.
    exp_path = w.save_experiment(tmp_path / "exp.toml")
    from tsdesk.cli.main import main as cli

    assert cli(["run", str(exp_path), "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    cli_metrics = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    assert cli_metrics["mae"] == pytest.approx(record.metrics["mae"], rel=1e-12)
    assert cli_metrics["rmse"] == pytest.approx(record.metrics["rmse"], rel=1e-12)
    assert mae_shown.replace(",", "") == f"{record.metrics['mae']:,.1f}".replace(",", "")

    # The forecast view draws every actual, one backtest point per date and the horizon ahead.
    fv = w.forecast_view
    assert fv.record is record
    backtest_dates = w.train_panel.bounds.d - w.train_panel.bounds.c
    assert fv.points("actual") == state.series.n
    assert fv.points("backtest") == backtest_dates == len(out.backtest.at_step(1))
    assert fv.points("future") == 7
    fv.step_box.setCurrentIndex(6)  # 7 steps ahead: the same dates, other forecasts
    assert fv.points("backtest") == backtest_dates
    text = fv.crosshair.show_at(float(fv.items["future"][-1].getOriginalDataset()[0][0]))
    assert text.startswith(str(out.future.timestamp[0].date())) and "forecast" in text and "80 %" in text


def test_runs_queue_and_all_finish(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    first = train(qtbot, w, "naive", wait=False)
    second = train(qtbot, w, "seasonal_naive", horizon=3, wait=False)
    third = train(qtbot, w, "naive", horizon=2, wait=False)
    assert third.run_id in w.manager.service.worker.queued()  # waits behind the others
    qtbot.waitUntil(lambda: all(r.status in FINISHED for r in (first, second, third)), timeout=60_000)
    assert [r.status for r in (first, second, third)] == ["done", "done", "done"]
    assert [r.run_id for r in w.manager.model.records] == ["1", "2", "3"]
    assert third.output.future is not None and len(third.output.future) == 2
    assert w.forecast_view.record is third  # the newest finished run is shown


def test_cancel_a_queued_run_drops_it_at_once(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, RIDERSHIP, sample="ridership")
    slow = train(qtbot, w, "sarima", {"refit_every": 1}, wait=False)
    queued = train(qtbot, w, "naive", wait=False)
    w.train_panel.runs.select_run(queued.run_id)
    qtbot.mouseClick(w.train_panel.cancel_button, _left())
    assert queued.status == "cancelled"
    w.manager.cancel(slow.run_id)
    qtbot.waitUntil(lambda: slow.status in FINISHED, timeout=20_000)
    assert slow.status == "cancelled"


def test_cancel_of_a_long_run_is_prompt_and_the_next_run_works(qtbot, window):
    """SARIMA refitting at every origin runs for half a minute and never checks for cancel
    inside its backtest: the child is terminated and a fresh one trains the next run."""
    w = window
    load(qtbot, w, RIDERSHIP, sample="ridership")
    slow = train(qtbot, w, "sarima", {"refit_every": 1}, wait=False)
    qtbot.waitUntil(lambda: any(k == "status" and f.get("message") == "backtesting" for k, f, _ in slow.events),
                    timeout=30_000)
    assert slow.status == "running"
    pid = w.manager.service.worker.child_pid
    started = time.monotonic()
    qtbot.mouseClick(w.train_panel.cancel_button, _left())
    qtbot.waitUntil(lambda: slow.status in FINISHED, timeout=5_000)
    assert slow.status == "cancelled"
    assert time.monotonic() - started < 1.0
    assert w.manager.service.worker.child_pid != pid  # a fresh process replaced the stuck one

    after = train(qtbot, w, "seasonal_naive")
    assert after.status == "done" and after.metrics["mae"] > 0
    assert dialog_texts(w) == []


def test_a_user_error_in_the_child_becomes_a_dialog_and_a_failed_row(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, write_csv(tmp_path / "short.csv", n=60))
    bad = train(qtbot, w, "seasonal_naive", {"season": 500})
    assert bad.status == "failed"
    assert "the seasonal naive forecast with season 500 needs more than 500" in bad.message
    qtbot.waitUntil(lambda: bool(dialog_texts(w)), timeout=2_000)
    assert dialog_texts(w) == [bad.message]  # the UserError's message, as is
    close_dialogs(w)
    row = w.manager.model.row_of(bad.run_id)
    assert w.manager.model.data(w.manager.model.index(row, 2)) == "failed"
    good = train(qtbot, w, "seasonal_naive", {"season": None})
    assert good.status == "done"


def test_a_crashed_child_fails_the_run_and_a_fresh_one_takes_over(qtbot, window):
    w = window
    load(qtbot, w, RIDERSHIP, sample="ridership")
    doomed = train(qtbot, w, "sarima", {"refit_every": 1}, wait=False)
    qtbot.waitUntil(lambda: doomed.status == "running", timeout=20_000)
    os.kill(w.manager.service.worker.child_pid, signal.SIGKILL)  # as a native crash would
    qtbot.waitUntil(lambda: doomed.status in FINISHED, timeout=10_000)
    assert doomed.status == "failed"
    assert "stopped unexpectedly" in doomed.message
    qtbot.waitUntil(lambda: bool(dialog_texts(w)), timeout=2_000)
    assert dialog_texts(w)[0].startswith("internal error while training run 1 (SARIMA): the training "
                                         "process stopped unexpectedly")
    close_dialogs(w)
    after = train(qtbot, w, "naive")
    assert after.status == "done"


def test_bad_settings_get_a_dialog_and_no_run(qtbot, window, tmp_path):
    w = window
    qtbot.mouseClick(w.train_panel.train_button, _left())
    assert dialog_texts(w) == ["no data loaded: open a CSV file first (File > Open) or pick a sample"]
    close_dialogs(w)
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    w.train_panel.levels.setText("80, 120")
    qtbot.mouseClick(w.train_panel.train_button, _left())
    assert dialog_texts(w) == ["interval levels must be whole percentages between 0 and 100; got '120'"]
    close_dialogs(w)
    w.train_panel.levels.setText("80, 95")
    w.train_panel.select_family("sarima")
    w.train_panel.form("sarima").fields["order"].editor.setText("1, x, 0")
    qtbot.mouseClick(w.train_panel.train_button, _left())
    assert dialog_texts(w) == ["parameter 'order' of sarima must be an integer, got 'x'"]
    assert w.manager.model.records == []


def test_keras_trains_with_a_live_loss_chart_and_cancels_cooperatively(qtbot, make_window, tmp_path):
    """The one Keras test: the child imports Keras while the data is looked at, trains, streams
    its epochs to the chart, and stops at the next batch when cancelled (same process)."""
    pytest.importorskip("keras")
    w = make_window(warm=True)
    if "lstm_gru" not in w.host.families:
        pytest.skip("the Keras families are not installed")
    load(qtbot, w, write_csv(tmp_path / "sales.csv", n=300))
    qtbot.waitUntil(lambda: w.child_label.text() == "ready to train", timeout=60_000)
    run = train(qtbot, w, "lstm_gru", {"units": 4, "window": 14, "max_epochs": 500, "patience": 0,
                                       "batch_size": 8}, wait=False)
    qtbot.waitUntil(lambda: sum(1 for k, *_ in run.events if k == "epoch") >= 2, timeout=60_000)
    qtbot.waitUntil(lambda: w.train_panel.chart.loss.getData()[0] is not None
                    and len(w.train_panel.chart.loss.getData()[0]) >= 2, timeout=2_000)
    assert w.train_panel.progress.format().startswith("epoch ")
    pid = w.manager.service.worker.child_pid
    started = time.monotonic()
    qtbot.mouseClick(w.train_panel.cancel_button, _left())
    qtbot.waitUntil(lambda: run.status in FINISHED, timeout=5_000)
    assert run.status == "cancelled"
    assert time.monotonic() - started < 1.0
    assert w.manager.service.worker.child_pid == pid  # stopped by itself, no restart needed
    assert train(qtbot, w, "naive").status == "done"


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_broken_plugins_are_listed_greyed_with_their_reason(qtbot, tmp_path, monkeypatch):
    import types

    from PySide6.QtCore import QSettings

    from tsdesk.gui.main_window import MainWindow
    from tsdesk.plugin_api import hookimpl
    from tsdesk.plugins import PluginHost

    broken = types.ModuleType("exploding_plugin")

    @hookimpl
    def tsdesk_register_model_families(registry):
        raise RuntimeError("no GPU driver")

    broken.tsdesk_register_model_families = tsdesk_register_model_families
    monkeypatch.setenv("TSDESK_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("TSDESK_WARM", "0")
    w = MainWindow(host=PluginHost(modules={"exploding": broken}),
                   settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    lst = w.train_panel.family_list
    items = [lst.item(i) for i in range(lst.count())]
    bad = [i for i in items if i.text().startswith("exploding")]
    assert len(bad) == 1
    assert bad[0].text() == "exploding: broken - its hook raised RuntimeError: no GPU driver"
    assert not bad[0].flags() & Qt.ItemFlag.ItemIsEnabled
    assert items[0].text() == "Naive" and items[0].flags() & Qt.ItemFlag.ItemIsEnabled
    w.shutdown()


def custom_render(plot, result, info):
    """A family's own renderer: one scatter of its means, to prove the host calls it."""
    import pyqtgraph as pg

    from tsdesk.gui.plotting import to_seconds

    item = pg.ScatterPlotItem(to_seconds(result.timestamp), result.mean, name=f"custom {info['part']}")
    plot.addItem(item)
    custom_render.calls.append((info["part"], len(result)))
    return [item]


custom_render.calls = []


def test_a_family_renderer_draws_the_forecast(qtbot, window, tmp_path):
    from dataclasses import replace

    w = window
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    record = train(qtbot, w, "seasonal_naive", horizon=5)
    family = replace(w.host.family("seasonal_naive"), renderer="test_gui_train:custom_render")
    custom_render.calls.clear()
    w.forecast_view.show_run(record, family)
    assert custom_render.calls == [("backtest", len(record.output.backtest.at_step(1))), ("future", 5)]
    assert w.forecast_view.points("actual") == 200
    broken = replace(family, renderer="test_gui_train:no_such_renderer")
    w.forecast_view.show_run(record, broken)
    assert "failed to load" in w.forecast_view.title.text()
    assert w.forecast_view.points("future") == 5  # drawn by the default renderer instead
