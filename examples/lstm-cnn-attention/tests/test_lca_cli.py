"""End to end through ``tsdesk-cli run`` on the ridership sample, then the GUI's forecast view."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from test_lca_discovery import cli

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EXPERIMENT = """
[data]
path = "{path}"
date_column = "date"
target = "{target}"

[split]
train = ["{train0}", "{train1}"]
valid = ["{valid0}", "{valid1}"]

[model]
family = "lstm_cnn_attention"

[model.params]
window = 28
filters = 8
units = 8
attention_units = 8
max_epochs = 2

[evaluation]
horizon = 7
backtest = ["{bt0}", "{bt1}"]
levels = [80, 95]
"""


def _data(tmp_path: Path) -> dict:
    """The ridership sample where tsdesk ships it (a source checkout), else a generated series."""
    from tsdesk.samples import sample_path

    path = sample_path("ridership")
    if path.exists():
        return dict(path=path, target="rail", train0="2017-01-01", train1="2018-12-31",
                    valid0="2019-01-01", valid1="2019-02-28", bt0="2019-03-01", bt1="2019-04-30")
    dates = pd.date_range("2017-01-01", "2019-04-30", freq="D")
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(len(dates)) / 7)
    path = tmp_path / "generated.csv"
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "value": y}).to_csv(path, index=False)
    return dict(path=path, target="value", train0="2017-01-01", train1="2018-12-31",
                valid0="2019-01-01", valid1="2019-02-28", bt0="2019-03-01", bt1="2019-04-15")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    exp = tmp / "experiment.toml"
    values = _data(tmp)
    exp.write_text(EXPERIMENT.format(**{**values, "path": Path(values["path"]).as_posix()}))
    out = tmp / "out"
    done = cli("run", str(exp), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "epoch 2/2" in done.stdout
    return out


def test_cli_run_writes_metrics_and_a_model_with_the_attention(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["mae"] is not None and np.isfinite(metrics["mae"]) and metrics["epochs"] == 2
    assert set(metrics["mae_by_horizon"]) == {str(k) for k in range(1, 8)}
    meta = json.loads((run_dir / "model" / "tsdesk-model.json").read_text())
    att = meta["info"]["attention"]
    assert len(att["weights"]) == (28 - 3 + 1) // 2 and abs(sum(att["weights"]) - 1) < 1e-5
    future = pd.read_csv(run_dir / "future.csv")
    # the host forecasts past the data last, so the saved weights are those of that forecast
    assert pd.Timestamp(att["origin_time"]) == pd.Timestamp(future["origin"].iloc[0])


def test_cli_forecast_from_the_saved_model(run_dir, tmp_path):
    exp = (run_dir / "experiment.toml").read_text()
    data = next(line.split("=", 1)[1].strip().strip('"') for line in exp.splitlines()
                if line.startswith("path"))
    out = tmp_path / "forecast.csv"
    done = cli("forecast", str(run_dir / "model"), "--data", data, "--horizon", "7", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    saved, again = pd.read_csv(run_dir / "future.csv"), pd.read_csv(out)
    np.testing.assert_allclose(again["mean"], saved["mean"], rtol=1e-6)


def test_the_gui_forecast_view_draws_the_attention_under_the_forecast(run_dir, qtbot):
    """The view as the app drives it: a finished run read back from its folder, drawn with the
    family's renderer."""
    import pyqtgraph as pg

    from tsdesk.gui.forecast_view import ForecastView
    from tsdesk.gui.worker import RunOutput
    from tsdesk.plugins import PluginHost

    family = PluginHost().family("lstm_cnn_attention")
    output = RunOutput.load("r1", run_dir)
    record = SimpleNamespace(output=output, series=None, title="LSTM-CNN with attention", run_id="r1",
                             family=family.name)
    view = ForecastView()
    qtbot.addWidget(view)
    view.show_run(record, family)
    assert view.renderer_note == ""
    bars = [i for i in view.plot.items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1
    heights = np.asarray(bars[0].opts["height"])
    weights = np.asarray(output.info["attention"]["weights"])
    np.testing.assert_allclose(heights / heights.max(), weights / weights.max(), rtol=1e-6)
    # below the forecast
    assert np.max(np.asarray(bars[0].opts["y0"]) + heights) < np.min(output.future.mean)
    assert view.points("future") == len(output.future)  # the host's curve is still the first item
