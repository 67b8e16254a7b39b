"""Help > About: versions of tsdesk, Qt, PySide6, Keras and its backend, statsmodels; the GPU.

Nothing heavy is imported here: versions come from ``importlib.metadata``, the Keras backend
from the last Keras run's own report (the training process imported Keras, not the window) or
else from ``KERAS_BACKEND``; whether a GPU is used is only known once a Keras run reported it.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_info(records=()) -> dict[str, str]:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from tsdesk import __version__

    info = {"tsdesk": __version__, "Qt": qVersion(), "PySide6": pyside_version,
            "Keras": _version("keras"), "TensorFlow": _version("tensorflow"), "statsmodels": _version("statsmodels"),
            "pyqtgraph": _version("pyqtgraph"), "numpy": _version("numpy"), "pandas": _version("pandas")}
    reported = None
    for r in reversed(list(records)):
        out = getattr(r, "output", None)
        backend = (getattr(out, "info", None) or {}).get("keras_backend") if out is not None else None
        if backend:
            reported = (backend, r.run_id, (out.info or {}).get("devices") or (out.info or {}).get("gpu"))
            break
    if reported:
        info["Keras backend"] = f"{reported[0]} (as used by run {reported[1]})"
    else:
        info["Keras backend"] = f"{os.environ.get('KERAS_BACKEND', 'tensorflow')} (configured; no Keras run yet)"
    if reported and reported[2] is not None:
        info["GPU"] = str(reported[2])
    else:
        present = Path("/proc/driver/nvidia/gpus").is_dir() and any(Path("/proc/driver/nvidia/gpus").iterdir())
        info["GPU"] = ("an NVIDIA GPU is present; " if present else "") + "not checked yet (known after training a Keras model)"
    return info


def about_text(records=()) -> str:
    info = about_info(records)
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;{v}</td></tr>" for k, v in info.items())
    return ("<p><b>tsdesk</b>: forecast time series from a CSV file: explore, train models in the "
            f"background, compare them on a backtest.</p><table>{rows}</table>")


def show_about(window) -> None:
    from PySide6.QtWidgets import QMessageBox

    records = window.manager.model.records if getattr(window, "built", False) else []
    box = QMessageBox(QMessageBox.Icon.Information, "About tsdesk", about_text(records), parent=window)
    box.setObjectName("about_dialog")
    box.setTextFormat(box.textFormat().RichText)
    box.finished.connect(box.deleteLater)
    box.open()
