"""Host-side conformal intervals: honest coverage, and no look-ahead in the adaptive variant."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.conformal import adaptive_conformal, calibration_errors, split_conformal
from tsdesk.core.forecast import ForecastResult

from conftest import RIDERSHIP, run_cli


def _result(actual, mean, start="2020-01-01", step=1) -> ForecastResult:
    n = len(actual)
    ts = pd.date_range(start, periods=n, freq="D")
    return ForecastResult(ts, ts - pd.Timedelta(days=step), np.full(n, step), np.asarray(mean, float),
                          np.asarray(actual, float))


def test_split_conformal_covers_iid_noise_at_the_nominal_rate():
    rng = np.random.default_rng(3)
    cal = _result(rng.normal(0, 1, 1000), np.zeros(1000))
    test = _result(rng.normal(0, 1, 5000), np.zeros(5000), start="2023-01-01")
    out = split_conformal(test, calibration_errors(cal), [80, 95])
    for level in (80, 95):
        covered = np.mean((test.actual >= out.lower[level]) & (test.actual <= out.upper[level]))
        assert covered == pytest.approx(level / 100, abs=0.02)
    assert np.allclose(out.upper[95] - out.mean, out.mean - out.lower[95])


def test_adaptive_conformal_tracks_a_variance_jump_and_never_looks_ahead():
    rng = np.random.default_rng(4)
    cal = _result(rng.normal(0, 1, 300), np.zeros(300))
    actual = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 3, 700)])
    test = _result(actual, np.zeros(1000), start="2023-01-01")
    errors = calibration_errors(cal)
    fixed = split_conformal(test, errors, [90])
    adaptive = adaptive_conformal(test, errors, [90], gamma=0.02)
    late = slice(500, 1000)
    cov = lambda r: np.mean((actual[late] >= r.lower[90][late]) & (actual[late] <= r.upper[90][late]))
    assert cov(adaptive) > cov(fixed) + 0.1
    # Changing actuals from row 600 on must not change any interval up to row 600.
    changed = actual.copy()
    changed[600:] = 100.0
    again = adaptive_conformal(_result(changed, np.zeros(1000), start="2023-01-01"), errors, [90], gamma=0.02)
    assert np.array_equal(again.upper[90][:601], adaptive.upper[90][:601])


def _exp(tmp_path, evaluation: str, split: str = 'train = ["2015-01-01", "2018-10-31"]\nvalid = ["2018-11-01", "2019-02-28"]'):
    path = tmp_path / "exp.toml"
    path.write_text(f'[data]\npath = "{RIDERSHIP}"\ntarget = "rail"\n[split]\n{split}\n'
                    f'[model]\nfamily = "naive"\n[evaluation]\nhorizon = 2\n'
                    f'backtest = ["2019-03-01", "2019-05-31"]\n{evaluation}\n')
    return path


def test_cli_conformal_metrics(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", _exp(tmp_path, "conformal = true"), "--out", out)
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert m["intervals"] == "split"
    assert list(m["calibration"]) == ["10", "20", "30", "40", "50", "60", "70", "80", "90", "95"]
    assert set(m["coverage"]) == {"80", "95"} and set(m["interval_score"]) == {"80", "95"}
    assert m["calibration"]["80"] == m["coverage"]["80"]
    cal = [m["calibration"][k] for k in m["calibration"]]
    assert cal == sorted(cal)
    future = pd.read_csv(out / "future.csv")
    assert (future["upper_95"] > future["upper_80"]).all()


def test_conformal_needs_a_valid_period(tmp_path):
    proc = run_cli("run", _exp(tmp_path, 'conformal = "adaptive"', split='train = ["2015-01-01", "2018-12-31"]'),
                   "--out", tmp_path / "o")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: conformal intervals need a valid period to calibrate on")
    proc = run_cli("run", _exp(tmp_path, 'conformal = "sometimes"'), "--out", tmp_path / "o")
    assert proc.returncode == 2
    assert '[evaluation] conformal must be true, false, "auto" or "adaptive", got \'sometimes\'' in proc.stderr
