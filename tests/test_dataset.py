"""build_series / load_series: from a read table and chosen columns to the series models use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsdesk.core import csvread
from tsdesk.core.csvread import read_table
from tsdesk.core.dataset import DatasetSpec, SeriesData, build_series, encode_known_future, load_series
from tsdesk.errors import UserError


@pytest.fixture(autouse=True, params=["exact", "fast"])
def reader(request, monkeypatch):
    """Every test runs with the exact reader and with the fast reader forced onto its small files
    (tables kept parsed, strings built on demand): the series and messages must not differ."""
    if request.param == "fast":
        monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
        monkeypatch.setattr(csvread, "_SCAN_CHUNK", 13)
    return request.param


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def daily(rows: list[str], header: str = "date,rail,bus,day_type", start: str = "2019-03-01") -> str:
    """A daily CSV: ``rows[i]`` holds the cells after the date of day i."""
    stamps = pd.date_range(start, periods=len(rows), freq="D")
    return header + "\n" + "".join(f"{t:%Y-%m-%d},{r}\n" for t, r in zip(stamps, rows))


def load(tmp_path, text, **spec) -> tuple:
    return load_series(DatasetSpec(write(tmp_path, text), **spec))


def error(tmp_path, text, **spec) -> str:
    with pytest.raises(UserError) as info:
        load(tmp_path, text, **spec)
    return str(info.value)


SIMPLE = daily(["10,1,W", "11,2,W", "12,3,A", "13,4,U", "14,5,W"])


# --------------------------------------------------------------------------------------------
# DatasetSpec


def test_spec_defaults_and_round_trip():
    spec = DatasetSpec("a.csv")
    assert (spec.target, spec.date_column, spec.covariates, spec.known_future, spec.missing) == \
        (None, None, [], [], "interpolate")
    full = DatasetSpec(Path("a.csv"), target="rail", date_column="date", covariates=["bus"],
                       known_future=["day_type"], missing="refuse")
    d = full.to_dict()
    assert d == {"path": "a.csv", "target": "rail", "date_column": "date", "covariates": ["bus"],
                 "known_future": ["day_type"], "missing": "refuse"}
    assert DatasetSpec.from_dict(d) == full


def test_spec_accepts_comma_text_and_blank_names():
    spec = DatasetSpec.from_dict({"path": "a.csv", "target": " ", "covariates": "bus, tram,bus"})
    assert spec.target is None
    assert spec.covariates == ["bus", "tram"]


@pytest.mark.parametrize("d,message", [
    ({"path": "a.csv", "colour": "red"},
     "unknown dataset setting 'colour'; known settings: path, target, date_column, covariates, "
     "known_future, missing"),
    ({"target": "rail"}, "dataset settings need a 'path' naming the CSV file"),
    ({"path": "a.csv", "missing": "guess"},
     "missing-value policy must be one of interpolate, refuse; got 'guess'"),
    ({"path": "a.csv", "covariates": 3},
     "dataset setting 'covariates' must be a list of column names, got 3"),
    ({"path": ""}, "dataset setting 'path' must name a CSV file"),
])
def test_spec_refuses_bad_settings(d, message):
    with pytest.raises(UserError) as info:
        DatasetSpec.from_dict(d)
    assert str(info.value) == message


# --------------------------------------------------------------------------------------------
# Columns


def test_target_defaults_to_first_numeric_column(tmp_path):
    table, series = load(tmp_path, daily(["x,1,2", "y,2,3", "z,3,4"], header="date,label,rail,bus"))
    assert isinstance(series, SeriesData)
    assert series.target == "rail"
    assert series.y.tolist() == [1.0, 2.0, 3.0]
    assert table.date_column == "date"


def test_default_target_skips_inputs(tmp_path):
    _, series = load(tmp_path, SIMPLE, covariates=["rail"])
    assert series.target == "bus"


def test_named_target_and_covariate(tmp_path):
    _, series = load(tmp_path, SIMPLE, target="bus", covariates=["rail"])
    assert series.target == "bus" and series.covariates == ["rail"]
    assert series.X_cov[:, 0].tolist() == [10, 11, 12, 13, 14]
    assert series.features().shape == (5, 2)
    assert series.freq == "D" and series.season == 7
    assert series.index.name == "date"


def test_non_numeric_target_names_count_line_and_value(tmp_path):
    rows = [f"{d},1,W" for d in range(60)]
    for i in (38, 41, 50):
        rows[i] = "n/a,1,W"
    assert error(tmp_path, daily(rows), target="rail") == \
        "column 'rail' has 3 non-numeric values (first on line 40: 'n/a'); leave missing values blank"
    rows[38] = "12 trains,1,W"
    assert error(tmp_path, daily(rows), target="rail") == \
        "column 'rail' has 3 non-numeric values (first on line 40: '12 trains')"


def test_non_numeric_covariate(tmp_path):
    assert error(tmp_path, SIMPLE, target="rail", covariates=["day_type"]) == \
        "column 'day_type' has 5 non-numeric values (first on line 2: 'W')"


def test_missing_column(tmp_path):
    assert error(tmp_path, SIMPLE, target="tram") == \
        "column 'tram' not found; columns: date, rail, bus, day_type"
    assert error(tmp_path, SIMPLE, covariates=["tram"]) == \
        "column 'tram' not found; columns: date, rail, bus, day_type"


@pytest.mark.parametrize("spec,message", [
    (dict(target="date"), "column 'date' is the date column; it cannot be the target"),
    (dict(target="rail", covariates=["rail"]), "column 'rail' is the target; it cannot also be a covariate"),
    (dict(target="rail", known_future=["rail"]),
     "column 'rail' is the target; it cannot also be a known-future input"),
    (dict(target="rail", covariates=["bus"], known_future=["bus"]),
     "column 'bus' is both a covariate and a known-future input; choose one"),
    (dict(covariates=["date"]), "column 'date' is the date column; it cannot be a covariate"),
    (dict(target="day_type"), "column 'day_type' has 5 non-numeric values (first on line 2: 'W')"),
])
def test_column_roles(tmp_path, spec, message):
    assert error(tmp_path, SIMPLE, **spec) == message


def test_no_numeric_column(tmp_path):
    assert error(tmp_path, daily(["a", "b", "c"], header="date,label")).endswith(
        "data.csv (columns: date, label); name the target column")


def test_only_a_date_column(tmp_path):
    assert error(tmp_path, "date\n2019-03-01\n2019-03-02\n2019-03-03\n") == \
        "data.csv has only the date column 'date'; it needs a column of numbers to forecast"


def test_empty_target(tmp_path):
    assert error(tmp_path, daily(["1,", "2,", "3,"], header="date,a,b"), target="b") == \
        "column 'b' in data.csv is empty"


def test_too_few_rows(tmp_path):
    assert error(tmp_path, daily(["1", "", "3"], header="date,a")) == \
        "column 'a' has only 2 values in data.csv; at least 3 are needed"


def test_irregular_dates(tmp_path):
    text = "date,a\n2019-03-01,1\n2019-03-02,2\n2019-03-05 07:00,3\n2019-03-09,4\n"
    assert error(tmp_path, text) == (
        "the dates in column 'date' of data.csv are irregular: no frequency could be inferred "
        "(the dates are irregular: 2019-03-05 07:00 is off the daily grid that starts at "
        "2019-03-01); the series needs evenly spaced dates")


def test_date_column_must_match_the_table(tmp_path):
    table = read_table(write(tmp_path, SIMPLE))
    with pytest.raises(UserError) as info:
        build_series(table, DatasetSpec(table.path, date_column="when"))
    assert str(info.value) == "data.csv was read with date column 'date', not 'when'; read it again naming 'when'"


# --------------------------------------------------------------------------------------------
# Missing values and gaps


def test_gaps_and_blanks_are_interpolated_in_time(tmp_path):
    text = "date,rail,bus\n2019-03-01,1,10\n2019-03-02,,20\n2019-03-05,5,50\n2019-03-06,6,60\n"
    _, series = load(tmp_path, text, covariates=["bus"])
    assert list(series.index) == list(pd.date_range("2019-03-01", "2019-03-06", freq="D"))
    assert series.y.tolist() == pytest.approx([1, 2, 3, 4, 5, 6])
    assert series.X_cov[:, 0].tolist() == pytest.approx([10, 20, 30, 40, 50, 60])
    assert series.notes == [
        "2 missing dates added to the daily grid (first: 2019-03-03)",
        "3 missing values filled by interpolation in 'rail'",
        "2 missing values filled by interpolation in 'bus'",
    ]


def test_interpolation_is_linear_in_time_for_months(tmp_path):
    # January has 31 days, February 28: the March 1 value 59 puts February 1 at 31.
    text = "date,v\n2019-01-01,0\n2019-03-01,59\n2019-04-01,90\n2019-05-01,120\n"
    _, series = load(tmp_path, text)
    assert series.freq == "MS"
    assert series.y.tolist() == pytest.approx([0, 31, 59, 90, 120])


def test_edges_are_filled_with_the_nearest_value(tmp_path):
    text = daily(["1,", "2,7", "3,8", "4,"], header="date,rail,bus")
    _, series = load(tmp_path, text, covariates=["bus"])
    assert series.X_cov[:, 0].tolist() == [7, 7, 8, 8]
    assert "2 missing values at the start or end of 'bus' filled with the nearest value" in series.notes


def test_refuse_policy(tmp_path):
    text = "date,rail\n2019-03-01,1\n2019-03-02,2\n2019-03-04,4\n2019-03-05,\n2019-03-06,6\n"
    assert error(tmp_path, text, missing="refuse") == (
        "column 'rail' has 2 missing values (first at 2019-03-03); fill them in the file or use "
        "the 'interpolate' missing-value policy")
    _, series = load(tmp_path, text)
    assert series.y.tolist() == pytest.approx([1, 2, 3, 4, 5, 6])


def test_refuse_policy_accepts_complete_data(tmp_path):
    _, series = load(tmp_path, SIMPLE, missing="refuse", known_future=["day_type"])
    assert series.notes == []


def test_hourly_gap(tmp_path):
    text = "time,load\n2019-03-01 00:00,0\n2019-03-01 01:00,10\n2019-03-01 03:00,30\n2019-03-01 04:00,40\n"
    _, series = load(tmp_path, text)
    assert series.freq == "h" and series.season == 24
    assert series.y.tolist() == pytest.approx([0, 10, 20, 30, 40])


def test_duplicates_and_unsorted_rows_reach_the_series(tmp_path):
    text = "date,v\n2019-03-03,3\n2019-03-01,1\n2019-03-02,2\n2019-03-01,1\n"
    table, series = load(tmp_path, text)
    assert table.duplicates_dropped == 1
    assert series.y.tolist() == [1, 2, 3]


# --------------------------------------------------------------------------------------------
# Known-future inputs


def test_day_type_is_one_hot_encoded(tmp_path):
    rows = ["10,1,W", "11,2,W", "12,3,A", "13,4,U", "14,5,W", ",,A", ",,W"]
    _, series = load(tmp_path, daily(rows), target="rail", known_future=["day_type"])
    assert series.n == 5
    assert series.future_features == ["day_type=A", "day_type=U", "day_type=W"]
    assert series.categories == {"day_type": ["A", "U", "W"]}
    assert series.X_future.tolist() == [
        [0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1],   # observed
        [1, 0, 0], [0, 0, 1],                                     # future
    ]
    assert list(series.future_index) == [pd.Timestamp("2019-03-06"), pd.Timestamp("2019-03-07")]
    assert series.future_index.name == "date"
    assert series.features().shape == (5, 4)
    series.require_future(2)
    with pytest.raises(UserError):
        series.require_future(3)
    assert "2 rows after the last 'rail' value (2019-03-06 to 2019-03-07) used as known-future inputs" \
        in series.notes


def test_future_rows_continue_the_frequency(tmp_path):
    _, series = load(tmp_path, daily(["10,1,W", "11,2,W", "12,3,A", ",,A"]), target="rail",
                     known_future=["day_type"])
    assert list(series.future_timestamps(1)) == list(series.future_index)


def test_numeric_known_future_kept_as_numbers(tmp_path):
    text = daily(["10,20.5", "11,21", "12,", "13,22", ",23", ",24.5"], header="date,rail,temp")
    _, series = load(tmp_path, text, known_future=["temp"])
    assert series.future_features == ["temp"]
    assert series.categories == {}
    assert series.X_future[:, 0].tolist() == pytest.approx([20.5, 21, 21.5, 22, 23, 24.5])
    assert series.n == 4 and len(series.future_index) == 2


def test_blank_categories_are_filled_from_neighbours(tmp_path):
    rows = ["10,1,", "11,2,W", "12,3,", "13,4,A", "14,5,W"]
    _, series = load(tmp_path, daily(rows), target="rail", known_future=["day_type"])
    assert series.X_future.tolist() == [[0, 1], [0, 1], [0, 1], [1, 0], [0, 1]]
    assert "2 missing values in 'day_type' filled from the previous row (or the next one at the start)" \
        in series.notes
    assert error(tmp_path, daily(rows), target="rail", known_future=["day_type"], missing="refuse") == (
        "column 'day_type' has 2 missing values (first at 2019-03-01); fill them in the file or use "
        "the 'interpolate' missing-value policy")


def test_gap_dates_get_the_previous_category(tmp_path):
    text = "date,rail,day_type\n2019-03-01,1,W\n2019-03-02,2,A\n2019-03-04,4,U\n"
    _, series = load(tmp_path, text, known_future=["day_type"])
    assert series.X_future.tolist() == [[0, 0, 1], [1, 0, 0], [1, 0, 0], [0, 1, 0]]


def test_blank_known_future_in_a_future_row(tmp_path):
    text = daily(["10,1,W", "11,2,W", "12,3,A", ",,A", ",9,", ",,W"])
    assert error(tmp_path, text, target="rail", known_future=["day_type"]) == (
        "known-future column 'day_type' is blank on line 6 (2019-03-05, a row after the last 'rail' "
        "value); fill it in or remove the row")


def test_future_rows_must_be_consecutive(tmp_path):
    text = ("date,rail,day_type\n2019-03-01,1,W\n2019-03-02,2,W\n2019-03-03,3,A\n"
            "2019-03-04,,A\n2019-03-06,,W\n")
    assert error(tmp_path, text, known_future=["day_type"]) == (
        "the rows after the last 'rail' value must be consecutive daily dates: 2019-03-05 is missing "
        "(line 6 is for 2019-03-06)")


def test_trailing_rows_without_known_future_are_dropped(tmp_path):
    _, series = load(tmp_path, daily(["1,W", "2,W", "3,A", ",A", ","], header="date,rail,day_type"))
    assert series.n == 3 and len(series.future_index) == 0
    assert "2 rows after the last 'rail' value ignored (no known-future columns)" in series.notes


def test_trailing_rows_without_anything_are_dropped(tmp_path):
    text = daily(["1,W,5", "2,W,5", "3,A,5", ",A,5", ",,5"], header="date,rail,day_type,other")
    _, series = load(tmp_path, text, known_future=["day_type"])
    assert len(series.future_index) == 1
    assert "1 row at the end with neither 'rail' nor known-future values ignored" in series.notes


def test_empty_known_future(tmp_path):
    assert error(tmp_path, daily(["1,", "2,", "3,"], header="date,rail,hol"), known_future=["hol"]) == \
        "column 'hol' in data.csv is empty"


def test_too_many_categories(tmp_path):
    rows = [f"{i},id{i}" for i in range(120)]
    assert error(tmp_path, daily(rows, header="date,rail,code"), known_future=["code"]) == \
        "known-future column 'code' has 120 different values; a category column may have at most 100"


def test_mostly_numeric_known_future_with_a_typo(tmp_path):
    rows = [f"{i},{i / 3:.3f}" for i in range(40)]
    rows[30] = "30,warm"
    assert error(tmp_path, daily(rows, header="date,rail,temp"), known_future=["temp"]) == \
        "column 'temp' has 1 non-numeric value (first on line 32: 'warm')"


def test_encode_known_future_for_new_data(tmp_path):
    _, series = load(tmp_path, SIMPLE, target="rail", known_future=["day_type"])
    new = read_table(write(tmp_path, daily(["1,1,U", "1,1,W"]), "new.csv"))
    matrix, names = encode_known_future(new, series.known_future, series.categories)
    assert names == series.future_features
    assert matrix.tolist() == [[0, 1, 0], [0, 0, 1]]
    unseen = read_table(write(tmp_path, daily(["1,1,U", "1,1,H"]), "unseen.csv"))
    with pytest.raises(UserError) as info:
        encode_known_future(unseen, series.known_future, series.categories)
    assert str(info.value) == ("known-future column 'day_type' has the value 'H' on line 3, which the "
                               "training data did not have (known values: A, U, W)")
    frame = pd.DataFrame({"day_type": ["W", ""]}, index=pd.date_range("2019-04-01", periods=2))
    with pytest.raises(UserError) as info:
        encode_known_future(frame, ["day_type"], series.categories)
    assert str(info.value) == "known-future column 'day_type' is blank at 2019-04-02"


def test_build_series_from_a_table(tmp_path):
    table = read_table(write(tmp_path, SIMPLE))
    series = build_series(table, DatasetSpec(table.path, target="rail", covariates=["bus"]))
    assert series.y.dtype == np.float64 and series.X_cov.shape == (5, 1)
    assert series.X_future.shape == (5, 0)


def test_no_heavy_imports():
    code = ("import tsdesk.core.dataset, sys; "
            "print([m for m in sys.modules if m.split('.')[0] in "
            "('keras', 'tensorflow', 'statsmodels', 'PySide6')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
