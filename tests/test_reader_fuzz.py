"""Whatever a user feeds the reader, the only failure is a UserError, and a success is sound."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsdesk.core.csvread import format_inspect, inspect, read_table
from tsdesk.core.dataset import DatasetSpec, load_series
from tsdesk.errors import UserError

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.csv"


def check(path, data: bytes, **spec) -> None:
    """Read and load ``data``; anything but a UserError fails, and any result must be consistent."""
    path.write_bytes(data)
    try:
        table = read_table(path, spec.get("date_column"))
    except UserError as exc:
        assert str(exc)
    else:
        summary = inspect(table)
        assert json.loads(json.dumps(summary)) == summary
        assert format_inspect(summary)
        assert table.frame.index.is_monotonic_increasing and table.frame.index.is_unique
        assert len(table.lines) == len(table.frame)
        assert set(table.column_kinds) == set(table.frame.columns)
    try:
        _, series = load_series(DatasetSpec(str(path), **spec))
    except UserError as exc:
        assert str(exc)
        return
    assert series.n >= 3
    assert np.isfinite(series.y).all() and np.isfinite(series.X_cov).all()
    assert np.isfinite(series.X_future).all()
    assert len(series.X_future) == series.n + len(series.future_index)
    regular = pd.date_range(series.index[0], periods=series.n, freq=series.freq)
    assert (regular == series.index).all()
    if len(series.future_index):
        assert series.future_index[0] > series.index[-1]


@FUZZ
@given(data=st.binary(max_size=3000))
def test_any_bytes(csv_path, data):
    check(csv_path, data)


CSV_ALPHABET = list("0123456789--//::..,,;;\t\n\n\r \"\"TZ+eE abcxyzQWAUé") + ["\r\n", "NaN", "n/a", "2019-"]


@FUZZ
@given(text=st.lists(st.sampled_from(CSV_ALPHABET), max_size=400).map("".join),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_csv_like_text(csv_path, text, encoding):
    check(csv_path, text.encode(encoding))


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S+02:00", "%m/%d/%Y", "%d/%m/%Y",
                "%d.%m.%Y", "%Y-%m", "%Y", "%Y%m%d", "%b %Y", "%Y-%m-%dT%H:%M:%SZ"]
FREQS = ["D", "h", "B", "W-SUN", "MS", "QS", "YS", "15min"]
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:g}"),
                    st.integers(-1000, 1000).map(str))
JUNK = st.sampled_from(["n/a", "NaN", "1,5", "x", " 7 ", "1e400", '"3"', "inf"])


def cell(draw) -> str:
    """Mostly numbers, some blanks, rarely junk."""
    roll = draw(st.integers(0, 39))
    return draw(JUNK) if roll == 0 else "" if roll < 5 else draw(NUMBERS)


@st.composite
def tables(draw):
    """Time-series CSVs with the usual flaws: gaps, blanks, junk, disorder, duplicates, zones."""
    freq = draw(st.sampled_from(FREQS))
    n = draw(st.integers(0, 40))
    start = draw(st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                              max_value=pd.Timestamp("2030-01-01").to_pydatetime()))
    stamps = pd.date_range(pd.Timestamp(start).floor("h"), periods=n, freq=freq)
    fmt = draw(st.sampled_from(DATE_FORMATS))
    rows = []
    for t in stamps:
        if draw(st.integers(0, 9)) == 0:
            continue  # a gap
        date = t.strftime(fmt) if draw(st.integers(0, 150)) else draw(st.sampled_from(["", "soon", "2019-02-30"]))
        rows.append([date, cell(draw), cell(draw), draw(st.sampled_from(["W", "A", "U", "W", "A", ""]))])
    if rows and draw(st.booleans()):
        rows += [[t.strftime(fmt), "", cell(draw), draw(st.sampled_from(["W", "A", "W", ""]))]
                 for t in pd.date_range(stamps[-1], periods=draw(st.integers(1, 4)) + 1, freq=freq)[1:]]
    if rows and draw(st.integers(0, 3)) == 0:
        rows.append(list(draw(st.sampled_from(rows))))     # an exact duplicate
    rows = draw(st.permutations(rows)) if draw(st.integers(0, 3)) == 0 else rows
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(st.sampled_from([["date", "y", "x", "day_type"]] * 6 + [
        ["ds", "y", "y", "day_type"], ["time", "y", "", "day_type"], ["when", "y", "x", "day_type"]]))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([header] + rows)
    text = out.getvalue() + newline * draw(st.integers(0, 2))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding)


@FUZZ
@given(data=tables(),
       target=st.sampled_from([None, "y", "x", "day_type", "date", "nope"]),
       covariates=st.sampled_from([[], ["x"], ["y"], ["day_type"]]),
       known_future=st.sampled_from([[], ["day_type"], ["x"], ["day_type", "x"]]),
       date_column=st.sampled_from([None, None, "date", "time"]),
       missing=st.sampled_from(["interpolate", "refuse"]))
def test_structured_tables(csv_path, data, target, covariates, known_future, date_column, missing):
    check(csv_path, data, target=target, covariates=covariates, known_future=known_future,
          date_column=date_column, missing=missing)


# --------------------------------------------------------------------------------------------
# The vectorised fast paths agree with the exact row-by-row rules.


@FUZZ
@given(texts=st.lists(st.one_of(st.text(alphabet="0123456789.,+-eE", max_size=8),
                                st.sampled_from(["", "NaN", "nan", "1.", ".5", "1e400", "-0"])),
                      min_size=1, max_size=30),
       decimal_comma=st.booleans())
def test_fast_number_parse_matches_exact_rules(texts, decimal_comma):
    from tsdesk.core.csvread import _parse_numbers_exact, _parse_numbers_fast

    fast = _parse_numbers_fast(texts, decimal_comma)
    exact_values, exact_bad = _parse_numbers_exact(texts, decimal_comma)
    if fast is not None:
        values, bad = fast
        assert bad.tolist() == exact_bad.tolist(), texts
        np.testing.assert_array_equal(values, exact_values)


@FUZZ
@given(stamps=st.lists(st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                                    max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
                       min_size=1, max_size=20),
       fmt=st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%m/%d/%Y",
                            "%d.%m.%Y", "%d/%m/%y", "%Y-%m", "%Y%m%d", "%Y-%m-%dT%H:%M:%S+05:30",
                            "%Y-%m-%dT%H:%M:%S-08:00", "%Y-%m-%dT%H:%M:%SZ"]),
       junk=st.sampled_from([None, "2019-02-30", "13/13/2019", "2019-13", "99999999"]))
def test_uniform_date_parse_matches_row_parse(stamps, fmt, junk):
    from tsdesk.core.csvread import DATE_FORMATS, _best_format, _parse_rows, _parse_uniform

    values = [s.strftime(fmt) for s in stamps] + ([junk] if junk else [])
    chosen, _ = _best_format(values, digits_allowed=True)
    if chosen is None:
        return
    fast = _parse_uniform(chosen, values)
    try:
        exact = _parse_rows("date", values, np.arange(2, len(values) + 2), chosen)
    except UserError:
        assert fast is None
        return
    if fast is not None:
        np.testing.assert_array_equal(fast[0], exact[0])
        assert fast[1:] == exact[1:]
    assert chosen in DATE_FORMATS
