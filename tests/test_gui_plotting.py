"""The date axis: labels of coarse and fine ticks never print over each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg


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
    lo, hi = w.getPlotItem().viewRange()[0]
    ours = axis.tickValues(lo, hi, 900)
    theirs = pg.DateAxisItem.tickValues(axis, lo, hi, 900)  # pyqtgraph's own, same axis
    as_dates = lambda values: [str(pd.Timestamp(v, unit="s").date()) for v in values]  # noqa: E731
    (_, months), (_, days) = ours[:2]
    assert theirs[0][1] == months  # the coarse labels all stay
    dropped = sorted(set(theirs[1][1]) - set(days))
    assert set(days) <= set(theirs[1][1])
    # pyqtgraph puts "30" a day or two before "Dec" and "Jan": those are the ones dropped
    assert as_dates(dropped) and all(d.endswith(("-30", "-31")) for d in as_dates(dropped))
    assert all(np.min(np.abs(np.asarray(months) - d)) <= 2 * 86400 for d in dropped)
