"""Where each run's outputs live: one folder per GUI session, one subfolder per run.

``TSDESK_WORKSPACE`` overrides the base folder (tests point it at a temporary folder); the
default is ``$XDG_DATA_HOME/tsdesk/runs`` (``~/.local/share/tsdesk/runs``), so a finished run's
model and forecasts outlive the window and can be reopened or run again with ``tsdesk-cli``.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path


def data_dir(env_var: str, name: str) -> Path:
    """``$env_var`` when set, else ``$XDG_DATA_HOME/tsdesk/<name>`` (``~/.local/share/...``)."""
    env = os.environ.get(env_var)
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tsdesk" / name


def base_dir() -> Path:
    return data_dir("TSDESK_WORKSPACE", "runs")


class Session:
    """The folder of this window's runs (and the training process's log), created on first use."""

    def __init__(self, root: Path | None = None) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.root = (root or base_dir()) / f"session-{stamp}-{os.getpid()}"

    def run_dir(self, run_id: str, family: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", family)
        path = self.root / f"run-{run_id}-{safe}"
        path.mkdir(parents=True, exist_ok=True)
        return path
