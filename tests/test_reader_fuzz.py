"""Whatever a user feeds the reader, the only failure is a UserError, and a success is sound."""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsdesk.core import csvread
from tsdesk.core.csvread import format_inspect, inspect, read_table
from tsdesk.core.dataset import DatasetSpec, build_series, load_series
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


UNPADDED = [lambda t: f"{t.month}/{t.day}/{t.year}", lambda t: f"{t.day}.{t.month}.{t.year % 100:02d}",
            lambda t: f"{t.year}-{t.month}-{t.day} {t.hour}:{t.minute:02d}",
            lambda t: f"{t.month}/{t.day}/{t.year} {t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}",
            lambda t: f"{t.year}-{t.month:02d}-{t.day:02d}T{t.hour}:{t.minute:02d}:00{'Z' if t.day % 2 else '+01:00'}"]


@FUZZ
@given(stamps=st.lists(st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                                    max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
                       min_size=1, max_size=30),
       style=st.sampled_from(UNPADDED),
       junk=st.sampled_from([None, "", "2019-02-30", "13/13/2019", "2/30/2019", "1/2/3", "x"]),
       at=st.integers(0, 30))
def test_vectorised_dates_in_several_layouts_match_row_parse(stamps, style, junk, at):
    """Unpadded dates (``3/9/2019`` next to ``12/31/2019``) are parsed layout by layout, exactly
    as the row-by-row rules read them, or left to those rules."""
    from tsdesk.core.csvread import _best_format, _parse_rows, _parse_uniform

    values = [style(s) for s in stamps]
    if junk is not None:
        values.insert(min(at, len(values)), junk)
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


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def error(path, **kwargs) -> str:
    with pytest.raises(UserError) as info:
        read_table(path, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------------------------
# Large files: the fast reader gives what the exact reader gives


TABLE_FIELDS = ["path", "date_column", "freq", "duplicates_dropped", "gap_count", "gaps", "column_kinds",
                "missing", "delimiter", "encoding", "notes", "rows_read", "columns", "decimal_comma",
                "date_format"]


def read_exactly(path, date_column=None):
    """The exact (csv module) reader's table, or its message, for a file of any size."""
    name = Path(path).name
    try:
        text, encoding = csvread._decode(Path(path).read_bytes(), name)
        return csvread._read_exact(text, encoding, str(path), name, date_column)
    except UserError as exc:
        return str(exc)


def read_fast(path, date_column=None):
    """The fast reader's table, its message, or None where it hands over to the exact reader."""
    try:
        return csvread._FastReader(path, str(path), Path(path).name, date_column).read()
    except UserError as exc:
        return str(exc)


def assert_same_reading(path, date_column=None, specs=()) -> str:
    """Both readers agree on ``path`` (and the series built from it for each of ``specs``);
    returns 'table', 'message' or 'handed over'."""
    exact, fast = read_exactly(path, date_column), read_fast(path, date_column)
    if fast is None:
        return "handed over"
    if isinstance(exact, str) or isinstance(fast, str):
        assert fast == exact
        return "message"
    for spec in specs:
        assert_same_series(exact, fast, DatasetSpec(str(path), date_column=date_column, **spec))
    assert fast.store is not None and fast.__dict__.get("_frame") is None   # nothing built yet
    for name in TABLE_FIELDS:
        assert getattr(fast, name) == getattr(exact, name), name
    assert fast.lines.tolist() == exact.lines.tolist()
    assert fast.index.equals(exact.index) and fast.index.name == exact.index.name
    assert fast.index.dtype == exact.index.dtype
    assert fast.value_columns == exact.value_columns
    for column in exact.value_columns:
        values, bad = fast.numbers(column)
        exact_values, exact_bad = exact.numbers(column)
        np.testing.assert_array_equal(values, exact_values)
        assert bad.tolist() == exact_bad.tolist()
        assert fast.column_values(column).tolist() == exact.column_values(column).tolist()
    pd.testing.assert_frame_equal(fast.frame, exact.frame)
    assert inspect(fast) == inspect(exact)
    return "table"


def assert_same_series(exact, fast, spec: DatasetSpec) -> None:
    outcomes = []
    for table in (exact, fast):
        try:
            outcomes.append(build_series(table, spec))
        except UserError as exc:
            outcomes.append(str(exc))
    a, b = outcomes
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    for name in ("freq", "target", "covariates", "known_future", "future_features", "categories", "notes"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.index.equals(b.index) and a.future_index.equals(b.future_index)
    for name in ("y", "X_cov", "X_future"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def hourly_rows(n: int, start: str = "2000-01-01", fmt: str = "%Y-%m-%d %H:%M:%S") -> list[str]:
    stamps = pd.date_range(start, periods=n, freq="h").strftime(fmt)
    rng = np.random.default_rng(0)
    load = np.round(100 + rng.standard_normal(n), 3)
    return [f"{t},{v},{round(v / 7, 2)},{'WAU'[i % 3]}" for i, (t, v) in enumerate(zip(stamps, load))]


def test_large_file_is_read_by_the_fast_reader(tmp_path):
    rows = hourly_rows(40_000)
    path = write(tmp_path, "timestamp,load,temp,day_type\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size >= csvread.FAST_MIN_BYTES
    table = read_table(path)
    assert table.store is not None
    assert (table.freq, table.rows_read, table.notes) == ("h", 40_000, [])
    assert table.column_kinds == {"load": "numeric", "temp": "numeric", "day_type": "categorical"}
    assert table.lines[[0, -1]].tolist() == [2, 40_001]
    assert assert_same_reading(path) == "table"


def test_large_file_with_the_usual_flaws(tmp_path):
    rows = hourly_rows(40_000, fmt="%Y-%m-%d %H:%M")
    rows[100], rows[101] = rows[101], rows[100]                  # out of order
    rows[5000] = rows[5000].split(",")[0] + ",,,"                # blank cells
    rows[7000] = rows[7000].split(",")[0] + ",NaN, 7 ,A "        # NaN and spaces
    rows.insert(9000, rows[8999].replace(",", ",", 1))           # an exact duplicate
    rows.insert(12_000, "")                                      # blank lines
    rows.insert(12_000, " , , ,")
    del rows[20_000:20_003]                                      # a gap
    text = "timestamp,load,temp,day_type\r\n" + "\r\n".join(rows) + "\r\n\r\n"
    path = write(tmp_path, text)
    assert assert_same_reading(path) == "table"
    table = read_table(path)
    assert table.store is not None and table.duplicates_dropped == 1 and table.gap_count == 3
    assert table.notes == ["rows sorted by date (the file was not in date order)", "1 exact duplicate row dropped"]


def set_cell(rows: list[str], i: int, j: int, value: str) -> list[str]:
    fields = rows[i].split(",")
    fields[j] = value
    rows[i] = ",".join(fields)
    return rows


@pytest.mark.parametrize("change,message", [
    # A column of numbers with a word: read as text, classified like the exact reader does.
    (lambda rows: set_cell(rows, 25_000, 1, "oops"), None),
    (lambda rows: set_cell(rows, 25_000, 2, "inf"), None),
    (lambda rows: set_cell(rows, 25_000, 0, "2002-11-07 09:00:60"),
     "column 'timestamp': '2002-11-07 09:00:60' on line 25002 is not a date"),
    (lambda rows: set_cell(rows, 25_000, 0, "0000-11-07 09:00:00"),
     "column 'timestamp': '0000-11-07 09:00:00' on line 25002 is not a date"),
    (lambda rows: set_cell(rows, 25_000, 0, ""),
     "column 'timestamp' is blank on line 25002; every row needs a date"),
    (lambda rows: rows + [set_cell(rows[5:6], 0, 1, "1")[0]],
     "conflicting rows for 2000-01-01 05:00: lines 7 and 30002 have the same date with different "
     "values; column 'load' is '{load}' on line 7 and '1' on line 30002"),
    (lambda rows: rows + [rows[5].replace(",", " ,")], None),   # an exact duplicate
])
def test_large_file_mistakes_are_named_like_the_exact_reader(tmp_path, change, message):
    rows = change(hourly_rows(30_000))
    path = write(tmp_path, "timestamp,load,temp,day_type\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size >= csvread.FAST_MIN_BYTES
    outcome = assert_same_reading(path)
    if message is None:
        assert outcome == "table"
    else:
        message = message.format(load=rows[5].split(",")[1])
        assert outcome == "message" and read_fast(path) == message == error(path)


def test_large_file_start_and_end_sampled_like_the_whole(tmp_path, monkeypatch):
    """With a small head and tail the date column and formats still come out as the exact
    reader decides them from the first and last 100 values."""
    monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(csvread, "_HEAD_BYTES", 8192)
    monkeypatch.setattr(csvread, "_TAIL_BYTES", 4096)
    monkeypatch.setattr(csvread, "_SAMPLE_ROWS", 150)
    monkeypatch.setattr(csvread, "_SCAN_CHUNK", 1000)
    stamps = pd.date_range("2019-01-01", periods=3000, freq="D")
    texts = {
        "daily.csv": "date,v,kind\n" + "".join(f"{t:%Y-%m-%d},{i},{'ab'[i % 2]}\n" for i, t in enumerate(stamps)),
        "us.csv": "date;v\n" + "".join(f"{t:%m/%d/%Y};{i},5\n" for i, t in enumerate(stamps)),
        "second.csv": "value\twhen\n" + "".join(f"{i}\t{t:%Y-%m-%d}\n" for i, t in enumerate(stamps)),
        # "day" hints at dates, so it is looked at first, and it has too few values at either
        # end to sample it like the exact reader: handed over.
        "sparse.csv": "day,when\n" + "".join(f"{i if i % 50 == 0 else ''},{t:%Y-%m-%d}\n"
                                             for i, t in enumerate(stamps)),
        "latin1.csv": "date,station\n" + "".join(f"{t:%Y-%m-%d},{'Zürich' if i > 2000 else 'Bern'}\n"
                                                 for i, t in enumerate(stamps)),
    }
    outcomes = {}
    for name, text in texts.items():
        path = write(tmp_path, text, name, encoding="latin-1" if name == "latin1.csv" else "utf-8")
        outcomes[name] = assert_same_reading(path)
    assert outcomes == {"daily.csv": "table", "us.csv": "table", "second.csv": "table",
                        "sparse.csv": "handed over", "latin1.csv": "table"}
    assert read_table(tmp_path / "latin1.csv").encoding == "latin-1"


def test_large_file_frame_is_built_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
    path = write(tmp_path, "date,value,kind\n2019-03-01, 1.50 ,a\n2019-03-02,2,b\n2019-03-03,,a\n")
    table = read_table(path)
    assert table.store is not None and table.__dict__["_frame"] is None
    assert table.index.name == "date" and table.value_columns == ["value", "kind"]
    assert table.column_values("value", limit=2).tolist() == ["1.50", "2"]
    assert table.column_values("kind", limit=1).tolist() == ["a"]
    assert table.__dict__["_frame"] is None
    assert table.frame["value"].tolist() == ["1.50", "2", ""]
    unsorted = read_table(write(tmp_path, "date,value\n2019-03-03,3.0\n2019-03-01,1.0\n\n2019-03-02,2.0\n"
                                          "2019-03-01,1\n", "u.csv"))
    assert unsorted.column_values("value", limit=2).tolist() == ["1.0", "2.0"]
    assert unsorted.column_values("value").tolist() == ["1.0", "2.0", "3.0"]
    assert unsorted.lines.tolist() == [3, 5, 2]
    path.write_text("date,value,kind\n2019-03-01,9,a\n")
    other = read_table(path)
    assert other.numbers("value")[0].tolist() == [9.0]
    fresh = read_table(write(tmp_path, "date,value\n2019-03-01,1\n2019-03-02,2\n2019-03-03,3\n", "b.csv"))
    (tmp_path / "b.csv").write_text("date,value\n2019-03-01,1\n")
    with pytest.raises(UserError) as info:
        fresh.frame
    assert str(info.value) == "b.csv changed after it was read; read it again"


def test_files_the_fast_reader_hands_over(tmp_path, monkeypatch):
    monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
    for text in ['date,value,comment\n2019-03-01,1,"two\nlines"\n2019-03-02,2,c\n',  # a record, two lines
                 'date,value,comment\n2019-03-01,1,"a\rb"\n2019-03-02,2,c\n',        # a lone CR in quotes
                 "date,value\r2019-03-01,1\r2019-03-02,2\r",                         # old Mac line ends
                 "date,value\n2019-03-01,1\n2019-03-02,2,\n"]:                        # a long row
        path = write(tmp_path, text)
        assert read_fast(path) is None
        assert read_table(path).store is None


def test_quoted_fields_on_one_line_are_read_fast(tmp_path, monkeypatch):
    monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(csvread, "_SCAN_CHUNK", 16)
    text = ('date,value,comment\r\n2019-03-01,1, "a, b"\r\n2019-03-02,"2","say ""hi"""\r\n'
            '"2019-03-03",3,""\r\n"",""\r\n2019-03-04,4,"x"y\r\n')
    path = write(tmp_path, text)
    assert assert_same_reading(path) == "table"
    table = read_table(path)
    assert table.store is not None
    assert table.frame["comment"].tolist() == ["a, b", 'say "hi"', "", "xy"]
    assert table.lines.tolist() == [2, 3, 4, 6]


def test_layout_check():
    check = csvread._LayoutCheck(b"2000-01-01 00:00:00,", tens=[14, 17])
    cells = [b"2000-01-01 00:00:00,", b"1999-12-31 23:59:59,", b"2000-01-01 00:00:60,",
             b"2000-01-01 00:60:00,", b"2000-01-01 0a:00:00,", b"2000-01-01 00:00:00;",
             b"2000/01/01 00:00:00,", b" 2000-01-01 00:00:00", b"2000-01-01 00:00:0\xff,",
             b"2000-01-01 00:00:0:,", b"\n" * 20, b"9999-99-99 29:59:59,"]
    data = np.frombuffer(b"".join(cells) + bytes(check.width), dtype=np.uint8)
    wrong = check.wrong(data, 20 * len(cells), np.arange(len(cells)) * 20)
    assert wrong.tolist() == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert check.wrong(data, 20 * len(cells), np.array([0, 20, 220])) is None


@contextmanager
def fast_reader_settings(**values):
    """The fast reader's sizes changed for a test (hypothesis tests cannot use monkeypatch)."""
    saved = {name: getattr(csvread, name) for name in values}
    for name, value in values.items():
        setattr(csvread, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(csvread, name, value)


SPECS = [{}, dict(target="y", known_future=["day_type"]), dict(target="x", covariates=["y"], missing="refuse")]


@FUZZ
@given(data=tables(), chunk=st.sampled_from([5, 64, 1 << 20]),
       date_column=st.sampled_from([None, None, "date", "time"]))
def test_fast_reader_reads_like_the_exact_reader(csv_path, data, chunk, date_column):
    csv_path.write_bytes(data)
    with fast_reader_settings(_SCAN_CHUNK=chunk):
        assert_same_reading(csv_path, date_column, SPECS)


@st.composite
def long_tables(draw):
    """Thousands of rows, with a few of the usual flaws placed anywhere (numpy does the bulk)."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n = draw(st.integers(300, 3000))
    freq = draw(st.sampled_from(["h", "D", "15min", "W-SUN", "MS"]))
    fmt = draw(st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y",
                                "%d.%m.%Y", "%Y-%m-%dT%H:%M:%SZ"]))
    stamps = pd.date_range("1990-01-01", periods=n, freq=freq).strftime(fmt).tolist()
    y = [f"{v:g}" for v in np.round(rng.normal(100, 10, n), int(rng.integers(0, 4)))]
    x = [str(v) for v in rng.integers(-5, 5, n)]
    kind = list(rng.choice(["W", "A", "U"], n))
    rows = [[t, a, b, c] for t, a, b, c in zip(stamps, y, x, kind)]
    for _ in range(draw(st.integers(0, 4))):
        i = int(rng.integers(0, n))
        flaw = draw(st.sampled_from(["blank", "junk", "duplicate", "conflict", "swap", "blank line",
                                     "bad date", "spaces", "nan", "future"]))
        if flaw == "blank":
            rows[i][int(rng.integers(1, 4))] = ""
        elif flaw == "junk":
            rows[i][int(rng.integers(1, 4))] = draw(st.sampled_from(["n/a", "x", "1e999", "inf", "1,5"]))
        elif flaw == "duplicate":
            rows.insert(int(rng.integers(0, len(rows))), list(rows[i]))
        elif flaw == "conflict":
            rows.insert(int(rng.integers(0, len(rows))), [rows[i][0], "-1", "-1", "W"])
        elif flaw == "swap":
            j = int(rng.integers(0, len(rows)))
            rows[i], rows[j] = rows[j], rows[i]
        elif flaw == "blank line":
            rows.insert(i, [""] * draw(st.integers(1, 4)))
        elif flaw == "bad date":
            rows[i][0] = draw(st.sampled_from(["", "soon", "2019-02-30", "0000-01-01"]))
        elif flaw == "spaces":
            rows[i] = [f" {cell} " for cell in rows[i]]
        elif flaw == "nan":
            rows[i][1] = "NaN"
        else:
            for row in rows[-int(rng.integers(1, 5)):]:
                row[1] = ""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = draw(st.sampled_from([["date", "y", "x", "day_type"], ["time", "y", "x", "day_type"],
                                   ["date", "y", "", "day_type"]]))
    text = newline.join(delimiter.join(row) for row in [header] + rows) + newline
    return text.encode(draw(st.sampled_from(["utf-8", "latin-1"])))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=long_tables(), chunk=st.sampled_from([777, 4096, 1 << 20]))
def test_fast_reader_samples_long_files_like_the_exact_reader(csv_path, data, chunk):
    csv_path.write_bytes(data)
    with fast_reader_settings(_SCAN_CHUNK=chunk, _HEAD_BYTES=4096, _TAIL_BYTES=2048, _SAMPLE_ROWS=150):
        assert_same_reading(csv_path, None, SPECS)


@FUZZ
@given(text=st.lists(st.sampled_from(CSV_ALPHABET), max_size=400).map("".join),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]), chunk=st.sampled_from([3, 1 << 20]))
def test_fast_reader_reads_csv_like_text_like_the_exact_reader(csv_path, text, encoding, chunk):
    csv_path.write_bytes(("date,y,x\n" + text).encode(encoding))
    with fast_reader_settings(_SCAN_CHUNK=chunk):
        assert_same_reading(csv_path, None, SPECS[:1])
