"""Shared fixtures: real CSV files and a CLI runner that goes through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
RIDERSHIP = ROOT / "resources" / "ridership.csv"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def ridership_csv() -> Path:
    return RIDERSHIP


def write_daily_csv(path: Path, n: int = 120, start: str = "2020-01-01", seed: int = 0,
                    season: int = 7, extra: dict | None = None) -> Path:
    """A daily series with a weekly pattern, written as a plain CSV."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n, freq="D")
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(n) / season) + rng.normal(0, 1, n)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "value": np.round(y, 3)})
    for k, v in (extra or {}).items():
        frame[k] = v
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def daily_csv(tmp_path) -> Path:
    return write_daily_csv(tmp_path / "daily.csv")


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``tsdesk-cli`` as a user would, in a separate process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tsdesk", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=full_env, timeout=600)
