"""The Explore tab: the series plot, differencing, ACF/PACF with bands, STL, draggable periods."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from gui_helpers import RIDERSHIP, load, make_window, window  # noqa: F401


@pytest.fixture
def explored(qtbot, window):
    load(qtbot, window, RIDERSHIP, sample="ridership")
    window.show_tab("explore")
    qtbot.waitUntil(lambda: bool(window.explore_panel.hint), timeout=20_000)
    return window


def _bars(plot_widget) -> pg.BarGraphItem:
    return [i for i in plot_widget.getPlotItem().items if isinstance(i, pg.BarGraphItem)][0]


def test_series_acf_pacf_and_the_order_hint(explored):
    ep = explored.explore_panel
    x, y = ep.series_curve.getOriginalDataset()
    assert len(x) == 1826 and y[0] == 315581
    names = [label.text for _, label in ep.plot.legend.items]
    assert names == ["rail", "monthly means", "rolling mean of 12"]
    bars = _bars(ep.acf_plot)
    lags = bars.opts["x"]
    assert list(lags[:3]) == [1, 2, 3] and len(lags) == ep.nlags.value() == 40
    a, p = ep.correlograms
    assert bars.opts["height"][6] == pytest.approx(a.values[7])  # the weekly spike at lag 7
    assert a.values[7] > 0.8 and a.significant()[7]
    assert any(isinstance(i, pg.FillBetweenItem) for i in ep.acf_plot.getPlotItem().items)  # the band
    assert len(_bars(ep.pacf_plot).opts["x"]) == 40
    assert "suggested start: SARIMA(" in ep.hint_label.text()


def test_seasonal_difference_redraws_and_recomputes(qtbot, explored):
    ep = explored.explore_panel
    before = ep.correlograms
    ep.diff_check.setChecked(True)
    qtbot.waitUntil(lambda: ep.correlograms is not before, timeout=10_000)
    x, y = ep.series_curve.getOriginalDataset()
    assert len(x) == 1826 - 7
    rail = explored.data_panel.state.series.y
    assert y[0] == rail[7] - rail[0]
    assert abs(ep.correlograms[0].values[7]) < 0.6  # the weekly pattern is gone
    ep.lag.setValue(1)
    qtbot.waitUntil(lambda: len(ep.series_curve.getOriginalDataset()[0]) == 1825, timeout=5_000)


def test_dragging_a_period_feeds_the_split_of_the_next_run(qtbot, explored):
    ep, tp = explored.explore_panel, explored.train_panel
    train_region, valid_region, bt_region = ep.regions.regions
    xs = ep.regions.xs
    index = explored.data_panel.state.series.index
    lo, _ = train_region.getRegion()
    train_region.setRegion((lo, xs[1000]))  # drag the train period's right edge to row 1000
    train_region.sigRegionChangeFinished.emit(train_region)
    assert valid_region.getRegion()[0] == pytest.approx(xs[1000])  # the neighbour followed
    b = tp.bounds
    assert (b.a, b.b) == (0, 1000) and b.c >= 1000
    exp = tp.experiment()
    assert exp.train == ("2015-01-01", str(index[999].date()))
    assert exp.valid[0] == str(index[1000].date())

    bt_region.setRegion((xs[1600], xs[1826]))
    bt_region.sigRegionChangeFinished.emit(bt_region)
    assert (tp.bounds.c, tp.bounds.d) == (1600, 1826)
    assert tp.experiment().backtest == (str(index[1600].date()), "2019-12-31")
    assert "backtest " + str(index[1600].date()) in tp.split_label.text()

    ep.reset_split.click()
    assert (tp.bounds.a, tp.bounds.b) == (0, 1278)


def test_stl_decomposition_runs_in_the_background(qtbot, explored):
    ep = explored.explore_panel
    ep.stl_button.click()
    assert not ep.stl_button.isEnabled()
    qtbot.waitUntil(lambda: ep.stl_result is not None, timeout=30_000)
    frame = ep.stl_result
    assert list(frame.columns) == ["trend", "seasonal", "resid"] and len(frame) == 1826
    rail = explored.data_panel.state.series.y
    assert np.allclose(frame.sum(axis=1).to_numpy(), rail)
    assert [len(p.listDataItems()) for p in ep.stl_items] == [1, 1, 1]
    assert ep.stl_status.text().startswith("STL of rail with season 7")
