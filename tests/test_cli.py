"""tsdesk-cli end to end, in a separate process, on real CSV files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import RIDERSHIP, run_cli, write_daily_csv

ROOT = Path(__file__).resolve().parent.parent


def _experiment(tmp_path: Path, data: Path, family="seasonal_naive", params="season = 7", extra="",
                evaluation='horizon = 1\nbacktest = ["2019-03-01", "2019-05-31"]\nlevels = [80, 95]') -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(f"""\
        [data]
        path = "{data}"
        target = "rail"
        {extra}
        [split]
        train = ["2016-01-01", "2018-12-31"]
        valid = ["2019-01-01", "2019-02-28"]
        [model]
        family = "{family}"
        [model.params]
        {params}
        [evaluation]
        """) + evaluation + "\n")
    return path


def _assert_user_error(proc, fragment: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    first = proc.stderr.splitlines()[0]
    assert first.startswith("error: "), proc.stderr
    assert fragment in first, first
    assert "Traceback" not in proc.stderr


def test_inspect_describes_the_sample():
    proc = run_cli("inspect", RIDERSHIP, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rows"] == 1826 and report["unique_timestamps"] == 1826
    assert report["start"].startswith("2015-01-01") and report["end"].startswith("2019-12-31")
    assert report["frequency"] == "D" and report["duplicates_dropped"] == 0 and report["gaps"] == 0
    assert report["date_column"] == "date"
    assert report["column_types"]["rail"] == "numeric"
    assert report["column_types"]["day_type"] == "categorical"
    text = run_cli("inspect", RIDERSHIP)
    assert text.returncode == 0 and "1826" in text.stdout


def test_run_seasonal_naive_matches_the_lag_7_difference(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", _experiment(tmp_path, RIDERSHIP), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("seasonal_naive on 'rail': MAE ")
    metrics = json.loads((out / "metrics.json").read_text())
    frame = pd.read_csv(RIDERSHIP, parse_dates=["date"]).set_index("date")
    expected = frame["rail"].diff(7)["2019-03-01":"2019-05-31"].abs().mean()
    assert metrics["mae"] == pytest.approx(expected, rel=1e-12)
    assert metrics["n_forecasts"] == 92
    for key in ("mae", "rmse", "mape", "smape", "mase", "mae_by_horizon", "coverage", "mean_width",
                "n_forecasts", "train_seconds", "backtest_seconds"):
        assert key in metrics
    assert set(metrics["coverage"]) == {"80", "95"}
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert list(forecasts.columns) == ["timestamp", "origin", "step", "actual", "mean",
                                       "lower_80", "upper_80", "lower_95", "upper_95"]
    assert len(forecasts) == 92
    assert (forecasts["lower_95"] <= forecasts["mean"]).all() and (forecasts["mean"] <= forecasts["upper_95"]).all()
    # The resolved experiment reproduces the same numbers.
    again = run_cli("run", out / "experiment.toml", "--out", tmp_path / "again", "--quiet")
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / "metrics.json").read_text())["mae"] == metrics["mae"]
    # The saved model forecasts past the data.
    fc = run_cli("forecast", out / "model", "--data", RIDERSHIP, "--horizon", "14", "--out", tmp_path / "f.csv")
    assert fc.returncode == 0, fc.stderr
    future = pd.read_csv(tmp_path / "f.csv")
    assert len(future) == 14 and future["timestamp"].iloc[0].startswith("2020-01-01")
    assert np.allclose(future["mean"].to_numpy()[:7], frame["rail"].to_numpy()[-7:])
    assert {"lower_80", "upper_95"} <= set(future.columns)


def test_set_overrides_and_multi_step(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", _experiment(tmp_path, RIDERSHIP), "--out", out, "--set", "evaluation.horizon=3",
                   "--set", "model.family=naive", "--set", "model.params={}")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["mae_by_horizon"]) == ["1", "2", "3"]
    assert metrics["n_forecasts"] == 3 * 92


def test_user_errors_exit_2_with_one_line(tmp_path):
    _assert_user_error(run_cli("inspect", tmp_path / "missing.csv"), "file not found")
    _assert_user_error(run_cli("run", tmp_path / "nope.toml", "--out", tmp_path / "o"), "experiment file not found")
    _assert_user_error(run_cli("run", _experiment(tmp_path, RIDERSHIP, family="prophet"), "--out", tmp_path / "o"),
                       "unknown model family 'prophet'")
    _assert_user_error(run_cli("run", _experiment(tmp_path, RIDERSHIP, params="season = -1"), "--out", tmp_path / "o"),
                       "parameter 'season' of seasonal_naive must be >= 1, got -1")
    _assert_user_error(run_cli("run", _experiment(tmp_path, RIDERSHIP, evaluation='backtest = ["2021-01-01", "2021-02-01"]'),
                               "--out", tmp_path / "o"),
                       "the backtest period starts on 2021-01-01, after the last date in the data (2019-12-31)")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,rail\n2019-01-01,5\n2019-01-02,n/a\n2019-01-03,7\n")
    _assert_user_error(run_cli("run", _experiment(tmp_path, bad), "--out", tmp_path / "o"), "'rail'")
    _assert_user_error(run_cli("run", _experiment(tmp_path, RIDERSHIP).as_posix(), "--out", tmp_path / "o",
                               "--set", "data.target='subway'"), "'subway'")
    _assert_user_error(run_cli("forecast", tmp_path, "--data", RIDERSHIP, "--horizon", "3"), "not a tsdesk model folder")
    _assert_user_error(run_cli("frobnicate"), "invalid choice: 'frobnicate'")
    _assert_user_error(run_cli("run", "exp.toml"), "the following arguments are required: --out")


def test_series_too_short_for_the_season(tmp_path):
    csv = tmp_path / "short.csv"
    dates = pd.date_range("2019-02-20", "2019-03-10")
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "rail": np.arange(len(dates))}).to_csv(csv, index=False)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'[data]\npath = "{csv}"\ntarget = "rail"\n[model]\nfamily = "seasonal_naive"\n'
                   f'[model.params]\nseason = 30\n')
    _assert_user_error(run_cli("run", exp, "--out", tmp_path / "o"), "season 30")


def test_an_internal_bug_exits_1_with_a_log(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "buggy_plugin.py").write_text(textwrap.dedent("""
        from tsdesk.plugin_api import ModelFamily, hookimpl

        def train(task, progress):
            raise ZeroDivisionError("division by zero in the trainer")

        @hookimpl
        def tsdesk_register_model_families(registry):
            registry.add(ModelFamily(name="buggy", title="Buggy", description="d", params=(),
                                     trainer="buggy_plugin:train", loader="buggy_plugin:train"))
    """))
    info = site / "buggy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: buggy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tsdesk.plugins]\nbuggy = buggy_plugin\n")
    logs = tmp_path / "logs"
    proc = run_cli("run", _experiment(tmp_path, RIDERSHIP, family="buggy", params=""), "--out", tmp_path / "o",
                   env={"PYTHONPATH": str(site), "TSDESK_LOG_DIR": str(logs)})
    assert proc.returncode == 1
    assert "internal error: ZeroDivisionError" in proc.stderr
    assert "Traceback" not in proc.stderr
    log = next(logs.glob("crash-*.log")).read_text()
    assert "Traceback" in log and "division by zero in the trainer" in log


def test_columns_a_family_does_not_use_are_noted(tmp_path):
    csv = tmp_path / "kf.csv"
    pd.read_csv(RIDERSHIP).iloc[:400].to_csv(csv, index=False)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'[data]\npath = "{csv}"\ntarget = "rail"\nknown_future = ["day_type"]\n'
                   f'[model]\nfamily = "seasonal_naive"\n[evaluation]\nhorizon = 2\n')
    out = tmp_path / "out"
    proc = run_cli("run", exp, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "note: seasonal_naive does not use the columns day_type; they are ignored" in proc.stdout
    fut = pd.read_csv(out / "future.csv")
    assert fut["timestamp"].tolist() == ["2016-02-05 00:00:00", "2016-02-06 00:00:00"]


def test_a_keras_user_error_is_still_the_first_stderr_line(tmp_path):
    """TensorFlow prints start-up lines on the native stderr; they must not come before the error."""
    exp = tmp_path / "exp.toml"
    exp.write_text(f'[data]\npath = "{RIDERSHIP}"\ntarget = "rail"\n[model]\nfamily = "linear"\n'
                   f'[model.params]\nwindow = 5000\n[evaluation]\nhorizon = 2\n')
    proc = run_cli("run", exp, "--out", tmp_path / "o", env={"TSDESK_LOG_DIR": str(tmp_path / "logs")})
    _assert_user_error(proc, "too few for a window of 5000")
