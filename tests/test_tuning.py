"""tuning/sweep.py: the defaults sweep runs configurations through the real pipeline, appends one
line per run, resumes where it stopped and summarises over seeds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sweep(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("sweep", ROOT / "tuning" / "sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    monkeypatch.setitem(module.STUDIES, "baseline", lambda: {
        "seasonal_naive": module._config("seasonal_naive", {"season": 7}),
        "naive": module._config("naive", {}),
    })
    return module


def test_a_study_runs_resumes_and_summarises(sweep, tmp_path, capsys):
    sweep.run_study("baseline", [1, 2])
    rows = [json.loads(line) for line in (tmp_path / "baseline.jsonl").read_text().splitlines()]
    assert [(r["label"], r["seed"]) for r in rows] == [("seasonal_naive", 1), ("seasonal_naive", 2),
                                                       ("naive", 1), ("naive", 2)]
    snaive = rows[0]
    # the course's seasonal naive on the sample: last week's value, March-May 2019
    assert round(snaive["mae_1"]) == 30159 and snaive["mae_14"] > snaive["mae_1"]
    assert rows[2]["mae_1"] != snaive["mae_1"]

    sweep.run_study("baseline", [1, 2, 3], only="seasonal")  # resumes: only seed 3 is new
    rows = [json.loads(line) for line in (tmp_path / "baseline.jsonl").read_text().splitlines()]
    assert [(r["label"], r["seed"]) for r in rows[4:]] == [("seasonal_naive", 3)]
    sweep.run_study("baseline", [1, 2, 3])
    rows = [json.loads(line) for line in (tmp_path / "baseline.jsonl").read_text().splitlines()]
    assert [(r["label"], r["seed"]) for r in rows[5:]] == [("naive", 3)]

    table = sweep.summary("baseline").splitlines()
    assert table[0].startswith("| configuration | seeds | +1 MAE mean")
    assert table[2].startswith("| seasonal_naive | 3 | 30,159 | 30,159-30,159 | 0% | ")
    assert table[3].startswith("| naive | 3 | ")


def test_every_study_builds_valid_experiments(sweep):
    from tsdesk.plugins import get_host

    host = get_host()
    for name, build in sweep.STUDIES.items():
        for label, config in build().items():
            exp = sweep.experiment(config, seed=1)
            family = host.family(exp.family)
            family.validate_params(exp.params)  # every parameter exists and is in range
            assert exp.horizon == 14 and exp.backtest == ("2019-03-01", "2019-05-31"), label
