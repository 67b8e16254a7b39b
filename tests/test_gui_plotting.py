"""The date axis: labels of coarse and fine ticks never print over each other."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_a_day_label_next_to_a_month_label_is_dropped(qtbot):
    from tsdesk.gui.plotting import date_plot, to_seconds

    w = date_plot("rail")
    qtbot.addWidget(w)
    w.resize(900, 300)
    idx = pd.date_range("2018-11-01", periods=75, freq="D")
    w.plot(to_seconds(idx), np.sin(np.arange(75)))
    w.show()
    qtbot.waitExposed(w)
    w.grab()  # paints the axis once: pyqtgraph picks its zoom level from the font then
    axis = w.getPlotItem().getAxis("bottom")
    (_, months), (_, days) = axis.tickValues(*w.getPlotItem().viewRange()[0], 900)[:2]
    as_dates = lambda values: [str(pd.Timestamp(v, unit="s").date()) for v in values]  # noqa: E731
    assert as_dates(months) == ["2018-11-01", "2018-12-01", "2019-01-01"]
    assert "2018-11-05" in as_dates(days) and "2018-11-25" in as_dates(days)
    # the 30th sat one day before "Dec" and the 31st right before "Jan": both labels collided
    assert "2018-11-30" not in as_dates(days) and "2018-12-30" not in as_dates(days)
    step = np.min(np.diff(days))
    assert np.min(np.abs(np.subtract.outer(days, months))) >= 0.6 * step
