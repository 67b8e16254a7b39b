"""Help > About: versions of tsdesk, Qt, PySide6, Keras and its backend, statsmodels; the GPU.

Nothing heavy is imported here: versions come from ``importlib.metadata``; the Keras backend and
its devices (is a GPU used?) from the training process, which imports Keras anyway: it answers
a "probe" after its warm-up (see :mod:`tsdesk.gui.child`). Until the answer is in, the dialog
says so and fills the line in when it arrives; without one, the last Keras run's report or
``KERAS_BACKEND`` stands in.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

from tsdesk.compute import describe


def _version(*dists: str) -> str:
    """The version of the first of ``dists`` installed (TensorFlow ships under several names)."""
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def about_info(records=(), environment: dict | None = None) -> dict[str, str]:
    """``environment``: the training process's ``tsdesk.compute.keras_environment()``."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from tsdesk import __version__

    info = {"tsdesk": __version__, "Qt": qVersion(), "PySide6": pyside_version,
            "Keras": _version("keras"),
            "TensorFlow": _version("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel"),
            "statsmodels": _version("statsmodels"),
            "pyqtgraph": _version("pyqtgraph"), "numpy": _version("numpy"), "pandas": _version("pandas")}
    reported = None
    for r in reversed(list(records)):
        out = getattr(r, "output", None)
        backend = (getattr(out, "info", None) or {}).get("keras_backend") if out is not None else None
        if backend:
            reported = (backend, r.run_id, (out.info or {}).get("environment"))
            break
    if environment and not environment.get("error"):
        info["Keras backend"] = f"{environment['backend']} (Keras {environment['keras']}, in the training process)"
        info["GPU"] = describe(environment)
        return info
    if reported:
        info["Keras backend"] = f"{reported[0]} (as used by run {reported[1]})"
    else:
        info["Keras backend"] = f"{os.environ.get('KERAS_BACKEND', 'tensorflow')} (configured; no Keras run yet)"
    if reported and reported[2]:
        info["GPU"] = f"{describe(reported[2])} (as reported by run {reported[1]})"
    else:
        present = Path("/proc/driver/nvidia/gpus").is_dir() and any(Path("/proc/driver/nvidia/gpus").iterdir())
        state = describe(environment) if environment else "not checked yet (asking the training process)"
        info["GPU"] = ("an NVIDIA GPU is present; " if present else "") + state
    return info


def about_text(records=(), environment: dict | None = None) -> str:
    info = about_info(records, environment)
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;{v}</td></tr>" for k, v in info.items())
    return ("<p><b>tsdesk</b>: forecast time series from a CSV file: explore, train models in the "
            f"background, compare them on a backtest.</p><table>{rows}</table>")


def show_about(window) -> None:
    from PySide6.QtWidgets import QMessageBox

    built = getattr(window, "built", False)
    records = window.manager.model.records if built else []
    service = window.manager.service if built else None
    environment = service.environment if service is not None else None
    box = QMessageBox(QMessageBox.Icon.Information, "About tsdesk", about_text(records, environment),
                      parent=window)
    box.setObjectName("about_dialog")
    box.setTextFormat(box.textFormat().RichText)
    box.finished.connect(box.deleteLater)
    if service is not None and (environment is None or environment.get("error")):
        # fill the GPU line in when the training process answers (it may be importing Keras)
        def update(info):
            box.setText(about_text(records, info))

        service.environmentChanged.connect(update)
        box.finished.connect(lambda *_: _disconnect(service.environmentChanged, update))
        service.request_environment()
    box.open()


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass
