"""Exports: a run's forecasts to CSV, any plot to PNG or SVG, the runs table to CSV, a model folder.

Every file is written atomically (a temporary file, then ``os.replace``); a model folder is
copied next to its target and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tsdesk.core.fileio import atomic_write_bytes, atomic_write_text
from tsdesk.errors import UserError


def forecasts_frame(record):
    """The run's forecast past the data and its backtest, one table with a ``part`` column."""
    import pandas as pd

    out = record.output
    if out is None:
        raise UserError(f"run {record.run_id} has no forecasts (it is {record.status})")
    frames = []
    if out.future is not None and len(out.future):
        f = out.future.to_frame()
        f.insert(0, "part", "future")
        frames.append(f)
    b = out.backtest.to_frame()
    b.insert(0, "part", "backtest")
    frames.append(b)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "run", record.run_id)
    frame.insert(1, "model", record.family)
    return frame


def export_forecasts(record, path: str | Path) -> Path:
    frame = forecasts_frame(record)
    atomic_write_text(path, frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S"))
    return Path(path)


def export_plot(plot, path: str | Path, width: int | None = None) -> Path:
    """A PlotItem (or PlotWidget) to ``.png`` or ``.svg``, by the file's suffix."""
    import pyqtgraph.exporters as ex

    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UserError(f"plots are exported as .png or .svg, not '{suffix or path.name}'")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".png":
            exporter = ex.ImageExporter(item)
            w = width or max(int(item.sceneBoundingRect().width()), 800)
            exporter.parameters()["width"] = w
            exporter.export(tmp)
        else:
            try:
                ex.SVGExporter(item).export(tmp)
            except (ValueError, IndexError):
                # pyqtgraph's SVG post-processing cannot parse the path syntax of newer Qt
                # (e.g. filled bands); draw the plot with Qt's SVG generator instead.
                _svg_with_qt(item, tmp)
        data = Path(tmp).read_bytes()
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    if not data:
        raise UserError(f"the plot could not be drawn to {path.name}")
    atomic_write_bytes(path, data)
    return path


def _svg_with_qt(item, path: str) -> None:
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    rect = item.sceneBoundingRect()
    gen = QSvgGenerator()
    gen.setFileName(path)
    gen.setSize(QSize(int(rect.width()), int(rect.height())))
    gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    gen.setTitle("tsdesk plot")
    painter = QPainter(gen)
    try:
        item.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


def export_table(model, path: str | Path) -> Path:
    """Any table model (the runs or compare table, sorted as shown) as CSV of its cell texts."""
    import csv
    import io

    from PySide6.QtCore import Qt

    buf = io.StringIO()
    writer = csv.writer(buf)
    cols = model.columnCount()
    writer.writerow([model.headerData(c, Qt.Orientation.Horizontal) for c in range(cols)])
    for r in range(model.rowCount()):
        row = []
        for c in range(cols):
            raw = model.data(model.index(r, c), Qt.ItemDataRole.UserRole)
            shown = model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole)
            row.append(raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else (shown or ""))
        writer.writerow(row)
    atomic_write_text(path, buf.getvalue())
    return Path(path)


def export_model(record, folder: str | Path) -> Path:
    """Copy the run's ``model/`` folder to ``folder`` (which ``tsdesk-cli forecast`` reads)."""
    if record.status != "done" or not record.out_dir:
        raise UserError(f"run {record.run_id} has no fitted model (it is {record.status})")
    src = Path(record.out_dir) / "model"
    if not (src / "tsdesk-model.json").exists():
        raise UserError(f"the model of run {record.run_id} is missing from {src}")
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder} is not empty: choose a new or empty folder for the model")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        shutil.copytree(src, tmp, dirs_exist_ok=True)
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
