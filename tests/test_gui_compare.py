"""The Compare tab: real runs side by side, sorted, the best marked, forecasts overlaid."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui_helpers import load, make_window, train, window, write_csv  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _cell(panel, run_id: str, header: str, role=Qt.ItemDataRole.DisplayRole):
    model = panel.model
    row = model.runs.row_of(run_id)
    return model.data(model.index(row, model.headers().index(header)), role)


def test_two_runs_sorted_by_mae_best_marked_and_overlaid(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    naive = train(qtbot, w, "naive", horizon=3)
    seasonal = train(qtbot, w, "seasonal_naive", {"season": 7}, horizon=3)
    assert naive.status == seasonal.status == "done"
    assert seasonal.metrics["mae"] < naive.metrics["mae"]  # a weekly pattern: seasonal naive wins

    panel = w.compare_panel
    w.show_tab("compare")
    headers = panel.model.headers()
    for h in ("#", "Model", "Params", "Status", "MAE", "RMSE", "MAPE", "MASE", "Cover 80", "Width 80",
              "Cover 95", "Width 95", "Train time", "Epochs"):
        assert h in headers, h
    assert panel.sorted_runs() == ["1", "2"]
    panel.sort_by("MAE")
    assert panel.sorted_runs() == [seasonal.run_id, naive.run_id]
    panel.sort_by("MAE", Qt.SortOrder.DescendingOrder)
    assert panel.sorted_runs() == [naive.run_id, seasonal.run_id]

    # The best MAE is bold, green, and says so.
    assert panel.model.best_runs("MAE") == [seasonal.run_id]
    assert _cell(panel, seasonal.run_id, "MAE", Qt.ItemDataRole.ToolTipRole) == "best MAE"
    assert _cell(panel, seasonal.run_id, "MAE", Qt.ItemDataRole.FontRole).bold()
    assert _cell(panel, naive.run_id, "MAE", Qt.ItemDataRole.FontRole) is None
    assert _cell(panel, seasonal.run_id, "MAE") == w.manager.model.data(
        w.manager.model.index(w.manager.model.row_of(seasonal.run_id), 3))
    assert _cell(panel, seasonal.run_id, "Params") == "season=7; h=3"
    assert _cell(panel, seasonal.run_id, "Cover 80").endswith("%")
    # Coverage: the best is the one closest to the nominal level.
    cov = {r.run_id: abs(r.metrics["coverage"]["80"] - 0.8) for r in (naive, seasonal)}
    if cov[naive.run_id] != cov[seasonal.run_id]:
        assert panel.model.best_runs("Cover 80") == [min(cov, key=cov.get)]

    # Selecting both rows overlays two backtest curves and two future curves.
    panel.select_runs([naive.run_id, seasonal.run_id])
    assert panel.selected_runs() == ["1", "2"]
    assert panel.forecast_curves() == 2
    assert all("future" in panel.curves[r] for r in ("1", "2"))
    x, y = panel.curves["2"]["backtest"][0].getOriginalDataset()
    assert len(x) == len(seasonal.output.backtest.at_step(1))
    assert list(y) == pytest.approx(list(seasonal.output.backtest.at_step(1).mean))
    panel.step_box.setCurrentIndex(2)  # 3 steps ahead
    x3, y3 = panel.curves["2"]["backtest"][0].getOriginalDataset()
    assert list(y3) == pytest.approx(list(seasonal.output.backtest.at_step(3).mean))

    # MAE per horizon step: one line per run, from metrics.json.
    assert set(panel.horizon_lines) == {"1", "2"}
    hx, hy = panel.horizon_lines["2"].getOriginalDataset()
    assert list(hx) == [1, 2, 3]
    assert list(hy) == pytest.approx([seasonal.metrics["mae_by_horizon"][str(k)] for k in (1, 2, 3)])

    # Reliability: nominal against empirical coverage, both runs have intervals.
    assert set(panel.reliability_lines) == {"1", "2"}
    rx, ry = panel.reliability_lines["1"].getOriginalDataset()
    cal = naive.metrics["calibration"]
    assert list(rx) == sorted(int(k) for k in cal)
    assert list(ry) == pytest.approx([100 * cal[str(int(k))] for k in rx])

    # One row: one curve.
    panel.select_runs([naive.run_id])
    assert panel.forecast_curves() == 1


def test_a_failed_run_sorts_last_and_is_never_best(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, write_csv(tmp_path / "short.csv", n=60))
    bad = train(qtbot, w, "seasonal_naive", {"season": 500})
    from gui_helpers import close_dialogs

    close_dialogs(w)
    good = train(qtbot, w, "naive")
    assert (bad.status, good.status) == ("failed", "done")
    panel = w.compare_panel
    panel.sort_by("MAE")
    assert panel.sorted_runs() == [good.run_id, bad.run_id]
    panel.sort_by("MAE", Qt.SortOrder.DescendingOrder)
    assert panel.sorted_runs() == [good.run_id, bad.run_id]  # empty cells last either way
    assert panel.model.best == {}  # one finished run: nothing to compare
    assert _cell(panel, bad.run_id, "MAE") == ""
    panel.select_runs([bad.run_id])
    assert panel.forecast_curves() == 0
