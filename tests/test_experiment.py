"""Experiment files: parsing, overrides, and split dates turned into rows, with their messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.experiment import Experiment, experiment_from_dict, load_experiment, resolve_split
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError

EXAMPLE = """
[data]
path = "ridership.csv"
date_column = "date"
target = "rail"
covariates = ["bus"]
known_future = ["day_type"]
[split]
train = ["2016-01-01", "2018-12-31"]
valid = ["2019-01-01", "2019-05-31"]
[model]
family = "seasonal_naive"
[model.params]
season = 7
[evaluation]
horizon = 1
backtest = ["2019-03-01", "2019-05-31"]
levels = [80, 95]
"""


def _series(start="2015-01-01", end="2019-12-31") -> SeriesData:
    idx = pd.date_range(start, end, freq="D")
    return SeriesData(index=idx, freq="D", target="rail", y=np.arange(len(idx), dtype=float))


def test_example_parses_and_resolves(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(EXAMPLE)
    exp = load_experiment(path)
    assert exp.data_path == tmp_path / "ridership.csv"
    assert exp.data.covariates == ["bus"] and exp.data.known_future == ["day_type"]
    assert exp.family == "seasonal_naive" and exp.params == {"season": 7}
    assert exp.levels == (80, 95) and exp.horizon == 1
    s = _series()
    split = resolve_split(exp, s)
    assert s.index[split.train.start] == pd.Timestamp("2016-01-01")
    assert s.index[split.train.stop - 1] == pd.Timestamp("2018-12-31")
    assert s.index[split.bt_start] == pd.Timestamp("2019-03-01")
    assert s.index[split.bt_stop - 1] == pd.Timestamp("2019-05-31")
    assert split.bt_stop - split.bt_start == 92
    assert any("overlaps the valid period" in n for n in split.notes)


def test_round_trip_through_toml(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(EXAMPLE)
    exp = load_experiment(path)
    again = tmp_path / "again.toml"
    exp.save(again)
    back = load_experiment(again)
    assert back.to_dict() == exp.to_dict()


def test_overrides(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(EXAMPLE)
    exp = load_experiment(path, ["model.params.season=14", "evaluation.horizon=7", "model.family=naive",
                                 "evaluation.levels=[50, 90]"])
    assert exp.params["season"] == 14 and exp.horizon == 7 and exp.family == "naive"
    assert exp.levels == (50, 90)
    with pytest.raises(UserError, match=r"--set 'season': use KEY=VALUE, e.g. model.params.units=64"):
        load_experiment(path, ["season"])
    with pytest.raises(UserError, match=r"--set modle.x: unknown section 'modle'"):
        load_experiment(path, ["modle.x=1"])


def test_defaults_70_15_15():
    exp = Experiment(data=None, family="naive")  # type: ignore[arg-type]
    s = _series("2020-01-01", "2020-04-09")  # 100 days
    split = resolve_split(exp, s)
    assert (split.train.start, split.train.stop) == (0, 70)
    assert (split.valid.start, split.valid.stop) == (70, 85)
    assert (split.bt_start, split.bt_stop) == (85, 100)


@pytest.mark.parametrize("changes, message", [
    ({"backtest": ("2030-01-01", "2030-02-01")},
     "the backtest period starts on 2030-01-01, after the last date in the data (2019-12-31)"),
    ({"backtest": ("2019-05-01", "2019-03-01")},
     "the backtest period ends (2019-03-01) before it starts (2019-05-01)"),
    ({"backtest": ("2018-06-01", "2019-03-01")},
     "the backtest period starts on 2018-06-01, inside the train period (which ends 2018-12-31); "
     "move it after the training data"),
    ({"train": ("2016-01-01", "not a date")}, "train end: 'not a date' is not a date (use YYYY-MM-DD)"),
    ({"train": ("2000-01-01", "2001-01-01")},
     "the train period ends on 2001-01-01, before the first date in the data (2015-01-01)"),
    ({"valid": ("2018-06-01", "2018-07-01")},
     "the valid period must start after the train period ends (2018-12-31)"),
])
def test_split_errors(tmp_path, changes, message):
    path = tmp_path / "exp.toml"
    path.write_text(EXAMPLE)
    exp = load_experiment(path)
    for k, v in changes.items():
        setattr(exp, k, v)
    with pytest.raises(UserError) as err:
        resolve_split(exp, _series())
    assert str(err.value) == message


def test_month_names_a_whole_month(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(EXAMPLE.replace('backtest = ["2019-03-01", "2019-05-31"]', 'backtest = ["2019-03", "2019-05"]'))
    split = resolve_split(load_experiment(path), _series())
    assert split.bt_stop - split.bt_start == 92


@pytest.mark.parametrize("text, message", [
    ("[data]\npath = 'x.csv'\n[model]\nfamily = 'naive'\n[evaluaton]\nhorizon = 2\n",
     "unknown section [evaluaton]"),
    ("[data]\npath = 'x.csv'\n[model]\nfamily = 'naive'\n[evaluation]\nhorizon = 0\n",
     "[evaluation] horizon must be a whole number from 1 to 10000, got 0"),
    ("[data]\npath = 'x.csv'\n[model]\nfamily = 'naive'\n[evaluation]\nlevels = [80, 120]\n",
     "[evaluation] levels must be a list of percentages between 0 and 100, got [80, 120]"),
    ("[data]\npath = 'x.csv'\n[model]\n", "[model] needs family = \"NAME\""),
    ("[model]\nfamily = 'naive'\n", "[data] needs path = \"FILE.csv\""),
    ("[data]\npath = 'x.csv'\ntarget = 'y'\ncolour = 'red'\n[model]\nfamily='naive'\n",
     "unknown key 'colour' in [data]"),
    ("[data\npath = 'x.csv'\n", "not valid TOML"),
    ("[data]\npath = 'x.csv'\ncovariates = 'bus'\n[model]\nfamily='naive'\n",
     "[data] covariates must be a list of column names, got 'bus'"),
])
def test_bad_experiment_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError) as err:
        load_experiment(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_experiment_file(tmp_path):
    with pytest.raises(UserError, match="experiment file not found: "):
        load_experiment(tmp_path / "nope.toml")
