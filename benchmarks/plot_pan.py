"""Panning a 1,000,000-point series in the Explore view: milliseconds per redraw.

The app's own view is measured: ``tsdesk.gui.explore_panel.ExplorePanel`` (its series plot is
``tsdesk.gui.plotting.date_plot``: a ``DateAxisItem`` and ``setDownsampling(auto=True,
mode="peak")`` + ``setClipToView(True)``, with the train/valid/backtest regions, legend and
crosshair on top), shown at 1400 x 900 under the offscreen Qt platform. When the panel cannot
be built, the bare ``date_plot()`` with the same curve is measured instead (``widget`` says which).

Each step moves the visible window (10 % of the series: 100,000 points) by 1 % of the series
with ``setXRange`` and lets the event loop run (``processEvents``), which repaints the plot once:
the time a user waits for each frame while dragging. The figure is the median over the steps.

- baseline: the same panel with downsampling and clip-to-view switched off (pyqtgraph's
  defaults), so every redraw strokes all 1,000,000 points (fewer steps: it is slow).

The two are measured in alternating rounds (app steps, then baseline steps, then again), so
other work on a shared machine hits both alike. The full run also reports the whole series in
view (zoomed out, where downsampling matters most) and 1 % in view.

``plot_pan`` = median ms per redraw (target: <= 50 ms).

    python benchmarks/plot_pan.py [--quick] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import protect_singletons, rows  # noqa: E402

POINTS = 1_000_000
VIEW = 0.10       # visible share of the series while panning
STEP = 0.01       # pan step, as a share of the series
SIZE = (1400, 900)


def make_series(n: int):
    """An hourly series with daily and yearly cycles and noise, as ``SeriesData``."""
    import numpy as np
    import pandas as pd

    from tsdesk.core.series import SeriesData

    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = 100 + 10 * np.sin(2 * np.pi * t / 24) + 5 * np.sin(2 * np.pi * t / 8766) + rng.standard_normal(n)
    index = pd.date_range("2000-01-01", periods=n, freq="h", name="date")
    return SeriesData(index=index, freq="h", target="load", y=y)


class View:
    """The widget under test: the Explore panel, or the bare date plot when it is unavailable."""

    def __init__(self, series) -> None:
        self.note = ""
        try:
            from tsdesk.gui.explore_panel import ExplorePanel
            from tsdesk.gui.tasks import Tasks

            self.tasks = Tasks()
            self.top = ExplorePanel(self.tasks)
            self.top.set_series(series)
            # The correlograms (ACF/PACF of a million points) would run on a worker thread
            # during the measurement; they are not what is measured.
            timer = getattr(self.top, "_recompute", None)
            if timer is not None:
                timer.stop()
            self.widget = self.top.plot_widget
            self.name = "ExplorePanel (tsdesk.gui.explore_panel)"
        except Exception as exc:  # noqa: BLE001 - measure the plot the panel would build
            from tsdesk.gui.plotting import COLORS, date_plot, pen, to_seconds

            self.note = f"ExplorePanel unavailable ({type(exc).__name__}: {exc}); bare date_plot measured"
            self.widget = self.top = date_plot()
            self.widget.getPlotItem().plot(to_seconds(series.index), series.y, pen=pen(COLORS["actual"], 1.0))
            self.name = "date_plot (tsdesk.gui.plotting)"
        self.plot = self.widget.getPlotItem()
        self.top.resize(*SIZE)
        self.top.show()
        self.paints = 0
        curves = [item for item in self.plot.listDataItems() if item.xData is not None and len(item.xData) == series.n]
        if not curves:
            raise RuntimeError("the series curve was not found in the plot")
        self.curve = curves[0]
        inner = self.curve.curve
        original = inner.paint

        def counting_paint(*args, **kwargs):
            self.paints += 1
            return original(*args, **kwargs)

        inner.paint = counting_paint
        from tsdesk.gui.plotting import to_seconds

        x = to_seconds(series.index)
        self.x0, self.span = float(x[0]), float(x[-1] - x[0])

    def set_fast(self, on: bool) -> None:
        if on:
            self.plot.setDownsampling(auto=True, mode="peak")
            self.plot.setClipToView(True)
        else:
            self.plot.setDownsampling(ds=1, auto=False, mode="peak")
            self.plot.setClipToView(False)

    def pan(self, app, steps: int, view: float = VIEW, step: float = STEP, warmup: int = 2,
            start: int = 0) -> list[float]:
        """Milliseconds per redraw for ``steps`` pans of ``step`` each (after ``warmup`` pans)."""
        width = self.span * view
        room = 1 - view
        if room > step:
            positions = [((start + i) * step) % room for i in range(warmup + steps)]
        else:  # the whole series in view: nudge the window back and forth past the ends
            positions = [step * ((start + i) % 5 - 2) for i in range(warmup + steps)]
        times = []
        self.paints = 0
        for k, lo in enumerate(positions):
            if k == warmup:
                self.paints = 0
            started = time.perf_counter()
            self.plot.setXRange(self.x0 + lo * self.span, self.x0 + lo * self.span + width, padding=0)
            app.processEvents()
            if k >= warmup:
                times.append((time.perf_counter() - started) * 1000)
        if self.paints < steps:
            # The platform did not paint on processEvents: force it, and time that instead.
            times = []
            for lo in positions[warmup:]:
                started = time.perf_counter()
                self.plot.setXRange(self.x0 + lo * self.span, self.x0 + lo * self.span + width, padding=0)
                self.widget.viewport().repaint()
                app.processEvents()
                times.append((time.perf_counter() - started) * 1000)
            self.forced = True
        return times


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"median": statistics.median(times), "p90": times[int(0.9 * (len(times) - 1))],
            "max": times[-1], "steps": len(times)}


def run(quick: bool = False) -> dict:
    guard = protect_singletons()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    n = rows(POINTS)
    view = View(make_series(n))
    view.forced = False
    app.processEvents()
    # Rounds alternate the app's settings and the baseline's, so a burst of other work on a
    # shared machine hits both alike.
    rounds, steps, base_steps = (2, 20, 6) if quick else (5, 30, 8)
    fast_times, slow_times = [], []
    for r in range(rounds):
        view.set_fast(True)
        fast_times += view.pan(app, steps, start=r * steps)
        view.set_fast(False)
        slow_times += view.pan(app, base_steps, start=r * steps)
    fast, slow = _stats(fast_times), _stats(slow_times)
    extra = {}
    if not quick:
        view.set_fast(True)
        extra["ms_whole_series_in_view"] = round(statistics.median(view.pan(app, 20, view=1.0, step=0.005)), 1)
        extra["ms_1pct_in_view"] = round(statistics.median(view.pan(app, 60, view=0.01, step=0.002)), 1)
        view.set_fast(False)
        extra["baseline_ms_whole_series_in_view"] = round(statistics.median(view.pan(app, 8, view=1.0, step=0.005)), 1)
    if view.forced:
        extra["note_repaint"] = "processEvents did not always paint; repaint() forced and timed there"
    view.top.close()
    out = {
        "value": round(fast["median"], 1), "unit": "ms",
        "baseline": round(slow["median"], 1), "baseline_unit": "ms",
        "p90_ms": round(fast["p90"], 1), "max_ms": round(fast["max"], 1),
        "baseline_p90_ms": round(slow["p90"], 1),
        "points": n, "visible_points": int(n * VIEW), "steps": fast["steps"], "baseline_steps": slow["steps"],
        "widget": view.name, "size": f"{SIZE[0]}x{SIZE[1]}", "qt_platform": app.platformName(),
        "pyqtgraph": pg.__version__,
        "summary": f"{fast['median']:.0f} ms/redraw vs {slow['median']:.0f} ms without downsampling/clipping",
        **extra,
    }
    if view.note:
        out["note"] = view.note
    if guard:
        out["workaround"] = guard
    return {"plot_pan": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pan steps")
    parser.add_argument("--rows", type=int, default=None, help=f"points in the series (default {POINTS:,})")
    args = parser.parse_args(argv)
    if args.rows:
        os.environ["TSDESK_BENCH_ROWS"] = str(args.rows)
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
