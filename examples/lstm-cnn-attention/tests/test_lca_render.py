"""The renderer: the host's drawing, plus the attention strip under the forecast it belongs to."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.forecast import ForecastResult

from tsdesk_lstm_cnn_attention.render import STRIP, attention_bars, render

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ORIGIN = pd.Timestamp("2024-03-31")
ATTENTION = {
    "origin": 90, "origin_time": ORIGIN.isoformat(), "weights": [0.1, 0.2, 0.3, 0.4], "pool_size": 2,
    "lags": [[7, 6], [5, 4], [3, 2], [1, 0]],
    "start": [(ORIGIN - pd.Timedelta(days=d)).isoformat() for d in (7, 5, 3, 1)],
    "end": [(ORIGIN - pd.Timedelta(days=d)).isoformat() for d in (6, 4, 2, 0)],
}


def result(origin: pd.Timestamp, horizon: int = 3) -> ForecastResult:
    stamps = pd.date_range(origin + pd.Timedelta(days=1), periods=horizon, freq="D")
    return ForecastResult(stamps, pd.DatetimeIndex([origin] * horizon), np.arange(1, horizon + 1),
                          np.array([100.0, 110.0, 105.0]), np.full(horizon, np.nan),
                          {80: np.array([90.0, 95.0, 92.0])}, {80: np.array([110.0, 125.0, 118.0])})


def test_bars_cover_the_pooled_rows_and_sit_below_the_values():
    bars = attention_bars(ATTENTION, low=90.0, high=125.0)
    day = 86400.0
    start = ORIGIN.value / 1e9 - 7 * day
    np.testing.assert_allclose(bars["x0"], start + np.array([0, 2, 4, 6]) * day - day / 2)
    np.testing.assert_allclose(bars["x1"] - bars["x0"], 2 * day)  # a bar spans the 2 rows it pools
    np.testing.assert_allclose(bars["heights"], np.array([0.25, 0.5, 0.75, 1.0]) * STRIP * 35.0)
    assert (bars["y0"] + bars["heights"]).max() < 90.0


@pytest.fixture
def plot(qtbot):
    import pyqtgraph as pg

    widget = pg.PlotWidget()  # held here: qtbot keeps only a weak reference
    qtbot.addWidget(widget)
    item = widget.getPlotItem()
    item.addLegend()
    yield item
    del widget


def _bars(plot):
    import pyqtgraph as pg

    return [i for i in plot.items if isinstance(i, pg.BarGraphItem)]


def test_draws_the_forecast_and_the_attention_of_its_origin(plot):
    items = render(plot, result(ORIGIN), {"attention": ATTENTION, "part": "future", "color": "#d62728"})
    assert len(_bars(plot)) == 1 and _bars(plot)[0] in items
    curves = [i for i in plot.listDataItems() if i.name() == "forecast"]
    assert len(curves) == 1  # the host's default drawing is kept


def test_other_origins_and_models_without_attention_get_the_default_view(plot):
    render(plot, result(ORIGIN - pd.Timedelta(days=10)), {"attention": ATTENTION, "part": "backtest"})
    render(plot, result(ORIGIN), {"part": "future"})  # e.g. info without weights
    assert _bars(plot) == []
    assert len(plot.listDataItems()) == 2
