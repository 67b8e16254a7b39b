"""The Train tab: choose a family, set its parameters, queue runs, watch them learn.

The experiment a click builds is the same one "Save experiment" writes and ``tsdesk-cli run``
reads, so every GUI run can be reproduced headless.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from tsdesk.errors import UserError
from tsdesk.gui.dialogs import show_error
from tsdesk.gui.param_form import build_form
from tsdesk.gui.plotting import COLORS, fmt_value, pen
from tsdesk.gui.runs_table import RunsTable
from tsdesk.gui.split import SplitBounds

CAPABILITY_WORDS = {"intervals": "prediction intervals", "covariates": "covariates",
                    "known_future": "known-future inputs", "multi_horizon": "multi-step",
                    "gpu": "GPU", "fast_backtest": "fast backtest"}


def parse_levels(text: str) -> tuple[int, ...]:
    """"80, 95" -> (80, 95), with the message a user needs when it is not that."""
    items = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t.strip()]
    if not items:
        raise UserError("interval levels: give at least one percentage, e.g. 80, 95")
    out = []
    for t in items:
        try:
            v = float(t.strip().rstrip("%"))
        except ValueError:
            raise UserError(f"interval levels must be whole percentages such as 80, 95; got {t.strip()!r}") from None
        if not 0 < v < 100 or v != int(v):
            raise UserError(f"interval levels must be whole percentages between 0 and 100; got {t.strip()!r}")
        out.append(int(v))
    return tuple(sorted(set(out)))


class LossChart(pg.PlotWidget):
    """Train and validation loss per epoch, or the criterion per candidate for model searches."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loss_chart")
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.plot_item = self.getPlotItem()
        self.plot_item.addLegend(offset=(-10, 10))
        self.plot_item.setLabel("bottom", "epoch")
        self.plot_item.setLabel("left", "loss")
        self.plot_item.setTitle("Training progress")
        self.loss = self.plot_item.plot([], [], pen=pen(COLORS["loss"], 1.6), name="train loss",
                                        symbol="o", symbolSize=4, symbolBrush=COLORS["loss"])
        self.val_loss = self.plot_item.plot([], [], pen=pen(COLORS["val_loss"], 1.6), name="validation loss",
                                            symbol="o", symbolSize=4, symbolBrush=COLORS["val_loss"])
        self.candidates = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(COLORS["loss"]))
        self.plot_item.addItem(self.candidates)
        self.message = pg.TextItem("", color="#666666", anchor=(0.5, 0.5))
        self.plot_item.addItem(self.message, ignoreBounds=True)
        self.message.setPos(0.5, 0.5)
        self.mode = ""
        self.plot_item.legend.setVisible(False)
        self._say("Train a model: its loss per epoch (or its candidate models) appear here.")

    def show_events(self, events: list, title: str = "") -> None:
        epochs = [e[1] for e in events if e[0] == "epoch"]
        cands = [e[1] for e in events if e[0] == "candidate"]
        if cands and not epochs:
            self._mode("candidate")
            xs = np.arange(1, len(cands) + 1)
            ys = np.array([np.nan if c.get("value") is None else float(c["value"]) for c in cands])
            ok = np.isfinite(ys)
            self.candidates.setData(xs[ok], ys[ok])
            self._say("")
            crit = cands[-1].get("criterion", "criterion")
            self.plot_item.setLabel("left", str(crit).upper())
            self.plot_item.setTitle(f"{title}: {len(cands)} candidate model{'s' if len(cands) != 1 else ''}")
            return
        self._mode("epoch")
        x = np.array([float(e.get("epoch", i + 1)) for i, e in enumerate(epochs)])
        axis = self.plot_item.getAxis("bottom")
        if 0 < len(x) <= 20:
            axis.setTickSpacing(major=5, minor=1)  # whole epochs, not 1.5
        else:
            axis.setTickSpacing()
        for curve, key in ((self.loss, "loss"), (self.val_loss, "val_loss")):
            y = np.array([np.nan if e.get(key) is None else float(e[key]) for e in epochs])
            ok = np.isfinite(y)
            curve.setData(x[ok], y[ok])
        self.plot_item.legend.setVisible(bool(epochs))
        self._say("" if epochs else "No epochs to show: this model fits in one go.")
        if title:
            self.plot_item.setTitle(f"{title}: {len(epochs)} epoch{'s' if len(epochs) != 1 else ''}"
                                    if epochs else title)

    def _say(self, text: str) -> None:
        """A grey note in the middle of an empty chart."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text:
            (x0, x1), (y0, y1) = self.plot_item.vb.viewRange()
            self.message.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def _mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.loss.setData([], [])
        self.val_loss.setData([], [])
        self.candidates.setData([], [])
        self.plot_item.setLabel("bottom", "epoch" if mode == "epoch" else "candidate")
        self.plot_item.setLabel("left", "loss" if mode == "epoch" else "criterion")
        self.plot_item.legend.setVisible(mode == "epoch")

    def clear_all(self, title: str = "Training progress") -> None:
        self.mode = ""
        self._mode("epoch")
        self.plot_item.setTitle(title)
        self.plot_item.legend.setVisible(False)
        self._say("Waiting for the first epoch...")


class TrainPanel(QWidget):
    """Needs the loaded data (``set_data``) and the split (``set_split``) to build experiments."""

    runRequested = Signal(str)  # run_id, after it was queued

    def __init__(self, host, manager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.manager = manager
        self.data = None
        self.bounds: SplitBounds | None = None
        self.forms: dict[str, QWidget] = {}
        self.watching: str | None = None
        self._dirty = False

        split = QSplitter(Qt.Orientation.Horizontal)
        outer = QHBoxLayout(self)
        outer.addWidget(split)

        # Families
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("<b>Model family</b>"))
        self.family_list = QListWidget()
        self.family_list.setObjectName("family_list")
        self.family_list.setWordWrap(True)
        lv.addWidget(self.family_list, 1)
        self.description = QLabel("")
        self.description.setObjectName("family_description")
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.description.setMinimumHeight(120)
        lv.addWidget(self.description)
        split.addWidget(left)

        # Parameters and forecast settings
        mid = QWidget()
        mv = QVBoxLayout(mid)
        mv.setContentsMargins(0, 0, 0, 0)
        self.form_note = QLabel("")
        self.form_note.setWordWrap(True)
        self.form_note.hide()
        mv.addWidget(self.form_note)
        self.forms_box = QWidget()
        self.forms_layout = QVBoxLayout(self.forms_box)
        self.forms_layout.setContentsMargins(0, 0, 4, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.forms_box)
        mv.addWidget(scroll, 1)
        settings = QGroupBox("Forecast and backtest")
        sf = QFormLayout(settings)
        self.horizon = QSpinBox()
        self.horizon.setObjectName("horizon")
        self.horizon.setRange(1, 10000)
        self.horizon.setValue(1)
        self.horizon.setToolTip("How many steps ahead to forecast: each backtest date is forecast from "
                                "1 to this many steps before it, and the final forecast runs this far past the data")
        self.levels = QLineEdit("80, 95")
        self.levels.setObjectName("levels")
        self.levels.setToolTip("Prediction interval levels in percent, e.g. 80, 95")
        self.seed = QSpinBox()
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(42)
        self.seed.setToolTip("Random seed: the same seed on the same data gives the same model")
        self.split_label = QLabel("Load data to see the periods.")
        self.split_label.setObjectName("split_label")
        self.split_label.setWordWrap(True)
        self.split_label.setToolTip("Drag the shaded regions on the Explore tab to change the periods")
        sf.addRow("Horizon (steps)", self.horizon)
        sf.addRow("Interval levels (%)", self.levels)
        sf.addRow("Seed", self.seed)
        sf.addRow("Periods", self.split_label)
        mv.addWidget(settings)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("train_button")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Queue a run of this model; several runs may wait in line")
        self.train_button.clicked.connect(self.train)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setToolTip("Stop the selected run (or the one running); takes effect within a second")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)
        mv.addLayout(buttons)
        split.addWidget(mid)

        # Progress, loss chart, runs
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        self.progress.setTextVisible(True)
        rv.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setObjectName("train_status")
        self.status.setWordWrap(True)
        rv.addWidget(self.status)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        self.chart = LossChart()
        vsplit.addWidget(self.chart)
        self.runs = RunsTable(manager.model)
        vsplit.addWidget(self.runs)
        vsplit.setSizes([300, 220])
        rv.addWidget(vsplit, 1)
        split.addWidget(right)
        split.setSizes([260, 420, 620])
        split.setStretchFactor(2, 1)

        self._fill_families()
        self.family_list.currentItemChanged.connect(self._family_changed)
        self._select_first()
        self.runs.runSelected.connect(self.watch)
        manager.runStarted.connect(self._started)
        manager.runProgress.connect(self._progress)
        manager.model.changed.connect(self._record_changed)
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    # -- families and forms --------------------------------------------------------------

    def _fill_families(self) -> None:
        for family in sorted(self.host.families.values(), key=lambda f: _family_order(f, self.host)):
            item = QListWidgetItem(family.title)
            item.setData(Qt.ItemDataRole.UserRole, family.name)
            caps = ", ".join(CAPABILITY_WORDS.get(c, c) for c in sorted(family.capabilities))
            item.setToolTip(f"{family.description}\n\nCan do: {caps or 'point forecasts'}")
            self.family_list.addItem(item)
        for info in self.host.broken():
            item = QListWidgetItem(f"{info.name} ({info.status})")
            item.setData(Qt.ItemDataRole.UserRole, None)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setForeground(QColor("#999999"))
            font = QFont(item.font())
            font.setItalic(True)
            item.setFont(font)
            item.setToolTip(f"Plugin '{info.name}' {info.package} {info.version} is {info.status}: {info.reason}")
            item.setText(f"{info.name}: {info.status} - {info.reason}")
            self.family_list.addItem(item)

    def _select_first(self) -> None:
        for i in range(self.family_list.count()):
            if self.family_list.item(i).data(Qt.ItemDataRole.UserRole):
                self.family_list.setCurrentRow(i)
                return

    def family_name(self) -> str | None:
        item = self.family_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_family(self, name: str) -> None:
        for i in range(self.family_list.count()):
            if self.family_list.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.family_list.setCurrentRow(i)
                return
        raise KeyError(name)

    def form(self, name: str | None = None) -> QWidget:
        name = name or self.family_name()
        if name not in self.forms:
            family = self.host.family(name)
            widget, note = build_form(family)
            widget.note = note
            self.forms[name] = widget
            widget.hide()
            self.forms_layout.addWidget(widget)
        return self.forms[name]

    def _family_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not name:
            return
        family = self.host.family(name)
        widget = self.form(name)
        for other in self.forms.values():
            other.setVisible(other is widget)
        self.form_note.setText(getattr(widget, "note", ""))
        self.form_note.setVisible(bool(getattr(widget, "note", "")))
        caps = ", ".join(CAPABILITY_WORDS.get(c, c) for c in sorted(family.capabilities)) or "point forecasts"
        plugin = self.host.family_plugin.get(name)
        source = f" &middot; plugin {plugin.name}" if plugin is not None else ""
        self.description.setText(f"<b>{family.title}</b><br>{family.description}"
                                 f"<br><span style='color:#555'>Can do: {caps}{source}</span>")

    # -- data and split --------------------------------------------------------------------

    def set_data(self, state) -> None:
        self.data = state
        series = getattr(state, "series", None)
        if series is not None and self.bounds is None:
            self.bounds = SplitBounds.default(series.n)
        self._show_split()

    def set_split(self, bounds: SplitBounds | None) -> None:
        self.bounds = bounds
        self._show_split()

    def _show_split(self) -> None:
        series = getattr(self.data, "series", None)
        if series is None or self.bounds is None:
            self.split_label.setText(self.data.series_error if self.data is not None and
                                     self.data.series_error else "Load data to see the periods.")
            return
        d = self.bounds.dates(series.index)
        b = self.bounds
        lines = [f"train {d['train'][0]} to {d['train'][1]} ({b.b - b.a:,} rows)"]
        lines.append(f"valid {d['valid'][0]} to {d['valid'][1]} ({b.c - b.b:,} rows)" if d["valid"] else "no validation period")
        lines.append(f"backtest {d['backtest'][0]} to {d['backtest'][1]} ({b.d - b.c:,} rows)")
        self.split_label.setText("<br>".join(lines) + "<br><span style='color:#666'>drag the shaded "
                                 "regions on the Explore tab to change them</span>")

    # -- runs --------------------------------------------------------------------------------

    def experiment(self):
        """The experiment the current settings describe (UserError naming what is wrong)."""
        from tsdesk.core.experiment import Experiment

        if self.data is None:
            raise UserError("no data loaded: open a CSV file first (File > Open) or pick a sample")
        if self.data.series is None:
            raise UserError(self.data.series_error or "the chosen columns do not make a series")
        name = self.family_name()
        if not name:
            raise UserError("choose a model family first")
        family = self.host.family(name)
        form = self.form(name)
        params = form.params() if hasattr(form, "params") else family.validate_params(
            {k: v for k, v in form.values().items() if v is not None})
        levels = parse_levels(self.levels.text())
        series = self.data.series
        bounds = (self.bounds or SplitBounds.default(series.n)).clamped(series.n)
        d = bounds.dates(series.index)
        spec = self.data.spec
        from dataclasses import replace

        spec = replace(spec, path=str(Path(spec.path).resolve()), target=series.target,
                       date_column=spec.date_column or self.data.table.date_column)
        return Experiment(data=spec, family=name, params={k: v for k, v in params.items() if v is not None},
                          seed=self.seed.value(), train=d["train"], valid=d["valid"],
                          horizon=self.horizon.value(), backtest=d["backtest"], levels=levels,
                          base_dir=Path(spec.path).parent)

    def train(self) -> str | None:
        """Queue a run of the current settings; bad settings get a dialog, not a run."""
        from tsdesk.core.experiment import resolve_split

        try:
            exp = self.experiment()
            resolve_split(exp, self.data.series)
        except UserError as exc:
            show_error(self.window(), str(exc))
            return None
        run_id = self.manager.submit(exp, self.data.series)
        if self.watching is None or not self._is_active(self.watching):
            self.watch(run_id)
        self.runRequested.emit(run_id)
        return run_id

    def cancel(self) -> None:
        selected = self.runs.selected_run()
        if selected is not None and self._is_active(selected):
            self.manager.cancel(selected)
            return
        running = [r for r in self.manager.model.active() if r.status == "running"]
        target = running[0] if running else (self.manager.model.active() or [None])[0]
        if target is not None:
            self.manager.cancel(target.run_id)

    def _is_active(self, run_id: str) -> bool:
        record = self.manager.model.get(run_id)
        return record is not None and record.status in ("queued", "running")

    def watch(self, run_id: str) -> None:
        """Show this run's progress and curves."""
        self.watching = run_id
        record = self.manager.model.get(run_id)
        if record is not None:
            self.chart.clear_all(f"Run {run_id}: {record.title}")
        self._dirty = True

    def _started(self, run_id: str) -> None:
        if self.watching is None or not self._is_active(self.watching) or \
                self.manager.model.get(self.watching).status == "queued":
            self.watch(run_id)

    def _progress(self, run_id: str, kind: str, fields: dict) -> None:
        if run_id == self.watching:
            self._dirty = True

    def _record_changed(self, run_id: str) -> None:
        self.cancel_button.setEnabled(bool(self.manager.model.active()))
        if run_id == self.watching:
            self._dirty = True

    def _refresh(self) -> None:
        """At most ten redraws a second, however fast events arrive."""
        record = self.manager.model.get(self.watching) if self.watching else None
        if record is not None and record.status == "running":
            self._update_progress(record)  # the ETA moves even without events
        if not self._dirty or record is None:
            return
        self._dirty = False
        self.chart.show_events(record.events, f"Run {record.run_id}: {record.title}")
        self._update_progress(record)

    def _update_progress(self, record) -> None:
        bar = self.progress
        queued = len([r for r in self.manager.model.active() if r.status == "queued"])
        waiting = f"; {queued} more queued" if queued else ""
        if record.status == "queued":
            bar.setRange(0, 0)
            bar.setFormat("queued")
            self.status.setText(f"Run {record.run_id} ({record.title}) waits for the runs before it{waiting}")
            return
        if record.status != "running":
            bar.setRange(0, 1)
            bar.setValue(1 if record.status == "done" else 0)
            bar.setFormat(record.status)
            text = f"Run {record.run_id} ({record.title}): {record.status}"
            if record.status == "done":
                m = record.metrics
                text += f" in {record.seconds:.1f} s" if record.seconds else ""
                text += f"; backtest MAE {fmt_value(m.get('mae'))}" if m.get("mae") is not None else ""
                notes = list(getattr(record.output, "notes", []) or [])
                text += "".join(f"\nnote: {n}" for n in notes)
            if record.status == "failed":
                text += f": {record.message}"
            self.status.setText(text + waiting)
            return
        epochs = [e for e in record.events if e[0] == "epoch"]
        cands = [e for e in record.events if e[0] == "candidate"]
        statuses = [e[1].get("message", "") for e in record.events if e[0] == "status"]
        last_status = statuses[-1] if statuses else "starting"
        if epochs:
            f = epochs[-1][1]
            done, total = int(f.get("epoch", len(epochs))), int(f.get("epochs") or 0)
            bar.setRange(0, max(total, 1))
            bar.setValue(min(done, max(total, 1)))
            eta = ""
            if total and done and record.started_at:
                first_t = epochs[0][2]
                per = (epochs[-1][2] - first_t) / max(done - 1, 1) if done > 1 else None
                if per:
                    left = per * (total - done)
                    eta = f", at most {_duration(left)} left" if left > 0 else ""
            bar.setFormat(f"epoch {done}/{total}{eta}" if last_status != "backtesting" else "backtesting")
        elif cands:
            bar.setRange(0, 0)
            bar.setFormat(f"candidate {len(cands)}")
        else:
            bar.setRange(0, 0)
            bar.setFormat(last_status[:60] or "running")
        elapsed = time.time() - (record.started_at or time.time())
        self.status.setText(f"Run {record.run_id} ({record.title}) running for {_duration(elapsed)}: "
                            f"{last_status}{waiting}")


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _family_order(family, host) -> tuple:
    """Baselines first, then by plugin and declaration order: simple models before deep ones."""
    plugin = host.family_plugin.get(family.name)
    names = [p.name for p in host.plugins]
    order = {"baselines": 0, "sarima": 1}
    pname = plugin.name if plugin else ""
    index = plugin.families.index(family.name) if plugin and family.name in plugin.families else 0
    return (order.get(pname, 2), names.index(pname) if pname in names else 99, index)
