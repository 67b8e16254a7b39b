"""read_table: every way a user's CSV can look, and every mistake it may hold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsdesk.core import csvread
from tsdesk.core.csvread import (
    Table, describe_freq, format_inspect, format_timestamp, infer_frequency, inspect,
    parse_numbers, read_table,
)
from tsdesk.errors import UserError


@pytest.fixture(autouse=True, params=["exact", "fast"])
def reader(request, monkeypatch):
    """Every test runs twice: with the exact reader (what small files get) and with the fast
    reader forced onto the same small files (scanning them a few bytes at a time), which must
    give the same table and messages or hand the file to the exact reader."""
    if request.param == "fast":
        monkeypatch.setattr(csvread, "FAST_MIN_BYTES", 0)
        monkeypatch.setattr(csvread, "_SCAN_CHUNK", 13)
    return request.param


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def csv_of(stamps, values, header="date,value", fmt="%Y-%m-%d") -> str:
    rows = [header] + [f"{pd.Timestamp(t).strftime(fmt)},{v}" for t, v in zip(stamps, values)]
    return "\n".join(rows) + "\n"


def error(path, **kwargs) -> str:
    with pytest.raises(UserError) as info:
        read_table(path, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------------------------
# Encodings, delimiters, line endings


@pytest.mark.parametrize("delimiter,name", [(",", ","), (";", ";"), ("\t", "\t")])
def test_delimiters_are_sniffed(tmp_path, delimiter, name):
    text = "\n".join(delimiter.join(r) for r in [
        ["date", "rail", "day_type"], ["2019-03-01", "10", "W"], ["2019-03-02", "11", "A"],
        ["2019-03-03", "12", "U"]]) + "\n"
    table = read_table(write(tmp_path, text))
    assert table.delimiter == name
    assert list(table.frame.columns) == ["rail", "day_type"]
    assert table.frame["rail"].tolist() == ["10", "11", "12"]
    assert table.column_kinds == {"rail": "numeric", "day_type": "categorical"}


def test_semicolon_with_decimal_commas(tmp_path):
    path = write(tmp_path, "Datum;Wert;Text\n01.03.2019;1,5;a\n02.03.2019;2,25;b\n03.03.2019;-3;a\n")
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.decimal_comma == ["Wert"]
    assert table.column_kinds["Wert"] == "numeric"
    values, bad = table.numbers("Wert")
    assert values.tolist() == [1.5, 2.25, -3.0] and not bad.any()
    assert "decimal commas read in: Wert" in table.notes
    # Dotted dates are day-first.
    assert table.frame.index[0] == pd.Timestamp("2019-03-01")
    assert table.date_format == "DD/MM/YYYY"


def test_comma_file_does_not_read_decimal_commas(tmp_path):
    path = write(tmp_path, 'date,value\n2019-03-01,"1,5"\n2019-03-02,"2,5"\n2019-03-03,"3,5"\n')
    table = read_table(path)
    assert table.column_kinds["value"] == "categorical"
    assert table.decimal_comma == []


def test_utf8_bom(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfdate,value\n2019-03-01,1\n2019-03-02,2\n2019-03-03,3\n")
    table = read_table(path)
    assert table.encoding == "utf-8-sig"
    assert table.date_column == "date"
    assert table.frame.index.name == "date"


def test_latin1_fallback(tmp_path):
    path = write(tmp_path, "date,station,value\n2019-03-01,Café,1\n2019-03-02,Zürich,2\n"
                           "2019-03-03,Café,3\n", encoding="latin-1")
    table = read_table(path)
    assert table.encoding == "latin-1"
    assert table.frame["station"].tolist() == ["Café", "Zürich", "Café"]


def test_utf8_without_bom(tmp_path):
    path = write(tmp_path, "date,station,value\n2019-03-01,Café,1\n2019-03-02,Zürich,2\n2019-03-03,Café,3\n")
    table = read_table(path)
    assert table.encoding == "utf-8"
    assert table.frame["station"].iloc[1] == "Zürich"


def test_utf16_excel_unicode_text(tmp_path):
    text = "date\tvalue\r\n2019-03-01\t1\r\n2019-03-02\t2\r\n2019-03-03\t3\r\n"
    table = read_table(write(tmp_path, text.encode("utf-16")))
    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert table.frame["value"].tolist() == ["1", "2", "3"]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_line_numbers(tmp_path, newline):
    text = newline.join(["date,value", "2019-03-01,1", "", "2019-03-02,2", "2019-03-03,3", "", "", ""])
    table = read_table(write(tmp_path, text))
    assert table.frame["value"].tolist() == ["1", "2", "3"]
    assert table.lines.tolist() == [2, 4, 5]
    assert table.rows_read == 3
    bad = newline.join(["date,value", "2019-03-01,1", "", "", "oops,2", ""])
    assert error(write(tmp_path, bad, "bad.csv")) == "column 'date': 'oops' on line 5 is not a date"


def test_blank_lines_with_only_delimiters_are_ignored(tmp_path):
    table = read_table(write(tmp_path, "date,value\n2019-03-01,1\n,\n , \n2019-03-02,2\n2019-03-03,3\n,,\n"))
    assert len(table.frame) == 3


def test_quoted_fields_keep_delimiters_and_newlines(tmp_path):
    path = write(tmp_path, 'date,value,comment\n2019-03-01,1,"a, b"\n2019-03-02,2,"two\nlines"\n'
                           '2019-03-03,3,"say ""hi"""\n2019-03-04,x,c\n')
    table = read_table(path)
    assert table.frame["comment"].tolist() == ["a, b", "two\nlines", 'say "hi"', "c"]
    assert table.lines.tolist() == [2, 3, 5, 6]


def test_excel_sep_line(tmp_path):
    table = read_table(write(tmp_path, "sep=;\ndate;value\n2019-03-01;1\n2019-03-02;2\n2019-03-03;3\n"))
    assert table.delimiter == ";"
    assert table.lines.tolist() == [3, 4, 5]


def test_short_rows_are_padded_with_blanks(tmp_path):
    table = read_table(write(tmp_path, "date,a,b\n2019-03-01,1,2\n2019-03-02,1\n2019-03-03,3,4\n"))
    assert table.frame["b"].tolist() == ["2", "", "4"]
    assert table.missing == {"a": 0, "b": 1}


def test_trailing_delimiters_are_ignored(tmp_path):
    table = read_table(write(tmp_path, "date,value,\n2019-03-01,1,\n2019-03-02,2,\n2019-03-03,3,,\n"))
    assert list(table.frame.columns) == ["value"]
    assert "1 unnamed empty column ignored" in table.notes


# --------------------------------------------------------------------------------------------
# Header problems


def test_too_many_fields_on_a_line(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01,1\n2019-03-02,2,5\n2019-03-03,3\n")
    assert error(path) == ("line 3 of data.csv has 3 fields but the header (line 1) has 2; "
                           "check the comma delimiters and quotes on that line")


def test_duplicate_header_names_are_refused(tmp_path):
    path = write(tmp_path, "date,value,value\n2019-03-01,1,2\n2019-03-02,2,3\n")
    assert error(path) == ("column name 'value' appears twice in the header of data.csv "
                           "(columns 2 and 3); column names must be unique")


def test_unnamed_column_with_values_is_refused(tmp_path):
    path = write(tmp_path, "date,,value\n2019-03-01,,1\n2019-03-02,x,2\n")
    assert error(path) == ("column 2 of data.csv has no name in the header (line 1) but holds values "
                           "(first on line 3: 'x'); give it a name")


def test_header_only(tmp_path):
    assert error(write(tmp_path, "date,value\n\n\n")) == \
        "data.csv has a header line (date, value) but no data rows"


# --------------------------------------------------------------------------------------------
# Not a CSV file


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    assert error(path) == f"file not found: {path}"


def test_directory(tmp_path):
    assert error(tmp_path) == f"{tmp_path} is a folder, not a CSV file"


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    assert error(write(tmp_path, content)) == "data.csv is empty"


def test_binary_junk(tmp_path):
    junk = bytes(range(256)) * 8
    message = error(write(tmp_path, junk, "junk.csv"))
    assert message.startswith("junk.csv does not look like a CSV table: it contains binary data")


def test_excel_workbook(tmp_path):
    path = write(tmp_path, b"PK\x03\x04\x14\x00\x06\x00rest of a zip", "book.csv")
    assert error(path) == ("book.csv does not look like a CSV table: it looks like an Excel workbook "
                           "or a zip archive; save it as CSV")


def test_one_column_of_text(tmp_path):
    path = write(tmp_path, "hello world\nthis is prose\nnot a table\n", "notes.txt")
    assert error(path) == ("notes.txt does not look like a CSV table: no comma, semicolon or tab "
                           "separates its columns, and its one column ('hello world') holds no dates")


def test_one_column_of_dates_is_read_without_values(tmp_path):
    table = read_table(write(tmp_path, "date\n2019-03-01\n2019-03-02\n2019-03-03\n"))
    assert table.frame.shape == (3, 0)
    assert table.freq == "D"


# --------------------------------------------------------------------------------------------
# The date column


def test_named_date_column(tmp_path):
    path = write(tmp_path, "start,when,value\n2019-01-01,2019-03-01,1\n2019-01-01,2019-03-02,2\n"
                           "2019-01-01,2019-03-03,3\n")
    table = read_table(path, date_column="when")
    assert table.date_column == "when"
    assert list(table.frame.columns) == ["start", "value"]
    assert read_table(path, date_column="WHEN").date_column == "when"


def test_named_date_column_missing(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01,1\n")
    assert error(path, date_column="when") == "column 'when' not found in data.csv; columns: date, value"


def test_named_date_column_that_holds_no_dates(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01,1\n2019-03-02,2\n")
    assert error(path, date_column="value") == "column 'value': '1' on line 2 is not a date"


def test_auto_date_column_prefers_date_like_names(tmp_path):
    path = write(tmp_path, "total,service_date,value\n2001,2019-03-01,1\n2002,2019-03-02,2\n"
                           "2003,2019-03-03,3\n")
    table = read_table(path)
    assert table.date_column == "service_date"
    assert table.column_kinds["total"] == "numeric"


def test_auto_date_column_by_values(tmp_path):
    path = write(tmp_path, "value,when_it_was\n1,2019-03-01\n2,2019-03-02\n3,2019-03-03\n")
    assert read_table(path).date_column == "when_it_was"


def test_four_digit_numbers_are_not_years_unless_first_or_named(tmp_path):
    path = write(tmp_path, "station,sales\nA,2001\nB,2002\nC,2003\n")
    assert error(path) == "no date column found in data.csv (columns: station, sales); name the date column"
    table = read_table(write(tmp_path, "year,sales\n2001,5\n2002,6\n2003,7\n", "y.csv"))
    assert table.date_column == "year" and table.freq == "YS"


def test_no_date_column(tmp_path):
    path = write(tmp_path, "a,b\nx,1\ny,2\n")
    assert error(path) == "no date column found in data.csv (columns: a, b); name the date column"


def test_unparseable_date_names_column_line_and_value(tmp_path):
    rows = ["date,value"] + [f"2019-03-{d:02d},{d}" for d in range(1, 13)] + ["not-a-date,13"]
    assert error(write(tmp_path, "\n".join(rows) + "\n")) == \
        "column 'date': 'not-a-date' on line 14 is not a date"


def test_impossible_date(tmp_path):
    path = write(tmp_path, "date,value\n2019-02-27,1\n2019-02-28,2\n2019-02-29,3\n2019-03-01,4\n")
    assert error(path) == "column 'date': '2019-02-29' on line 4 is not a date"


def test_blank_date(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01,1\n,2\n2019-03-03,3\n")
    assert error(path) == "column 'date' is blank on line 3; every row needs a date"


@pytest.mark.parametrize("cells,expected,freq", [
    (["2019-03-01", "2019-03-02", "2019-03-03"], ["2019-03-01", "2019-03-02", "2019-03-03"], "D"),
    (["2019/03/01", "2019/03/02", "2019/03/03"], ["2019-03-01", "2019-03-02", "2019-03-03"], "D"),
    (["2019-03-01 13:00", "2019-03-01 14:00", "2019-03-01 15:00"],
     ["2019-03-01 13:00", "2019-03-01 14:00", "2019-03-01 15:00"], "h"),
    (["2019-03-01T13:00:00", "2019-03-01T13:15:00", "2019-03-01T13:30:00"],
     ["2019-03-01 13:00", "2019-03-01 13:15", "2019-03-01 13:30"], "15min"),
    (["03/01/2019", "03/02/2019", "03/13/2019"], ["2019-03-01", "2019-03-02", "2019-03-13"], None),
    (["13/03/2019", "14/03/2019", "15/03/2019"], ["2019-03-13", "2019-03-14", "2019-03-15"], "D"),
    (["3/1/2019 1:00 PM", "3/1/2019 2:00 PM", "3/1/2019 3:00 PM"],
     ["2019-03-01 13:00", "2019-03-01 14:00", "2019-03-01 15:00"], "h"),
    (["2019-01", "2019-02", "2019-03"], ["2019-01-01", "2019-02-01", "2019-03-01"], "MS"),
    (["2017", "2018", "2019"], ["2017-01-01", "2018-01-01", "2019-01-01"], "YS"),
    (["20190301", "20190302", "20190303"], ["2019-03-01", "2019-03-02", "2019-03-03"], "D"),
    (["2019Q1", "2019Q2", "2019Q3"], ["2019-01-01", "2019-04-01", "2019-07-01"], "QS"),
    (["Jan 2019", "Feb 2019", "Mar 2019"], ["2019-01-01", "2019-02-01", "2019-03-01"], "MS"),
    (["01-Mar-2019", "02-Mar-2019", "03-Mar-2019"], ["2019-03-01", "2019-03-02", "2019-03-03"], "D"),
])
def test_date_formats(tmp_path, cells, expected, freq):
    text = "date,value\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells))
    table = read_table(write(tmp_path, text))
    assert list(table.frame.index) == [pd.Timestamp(e) for e in expected]
    if freq is not None:
        assert table.freq == freq


def test_us_dates_when_a_second_field_is_above_12(tmp_path):
    table = read_table(write(tmp_path, "date,value\n03/12/2019,1\n03/13/2019,2\n03/14/2019,3\n"))
    assert table.frame.index[0] == pd.Timestamp("2019-03-12")
    assert table.date_format == "MM/DD/YYYY"
    assert not any("US order" in n for n in table.notes)


def test_day_first_when_a_first_field_is_above_12(tmp_path):
    table = read_table(write(tmp_path, "date,value\n12/03/2019,1\n13/03/2019,2\n14/03/2019,3\n"))
    assert table.frame.index[0] == pd.Timestamp("2019-03-12")
    assert table.date_format == "DD/MM/YYYY"
    assert "dates in 'date' read as day/month/year" in table.notes


def test_ambiguous_day_month_is_us_with_a_note(tmp_path):
    table = read_table(write(tmp_path, "date,value\n01/03/2019,1\n02/03/2019,2\n03/03/2019,3\n"))
    assert list(table.frame.index) == [pd.Timestamp("2019-01-03"), pd.Timestamp("2019-02-03"),
                                       pd.Timestamp("2019-03-03")]
    assert table.freq is None  # monthly on the 3rd is not a pandas grid
    assert ("dates in 'date' read as month/day/year (US order): no value has a day above 12 to "
            "show the order") in table.notes


def test_mixed_day_orders_name_the_bad_row(tmp_path):
    path = write(tmp_path, "date,value\n13/03/2019,1\n03/14/2019,2\n")
    assert error(path) == "column 'date': '03/14/2019' on line 3 is not a date"


def test_time_zones_normalised_to_utc(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01T13:00:00+02:00,1\n2019-03-01T12:00:00Z,2\n"
                           "2019-03-01 08:00-05:00,3\n")
    table = read_table(path)
    assert list(table.frame.index) == [pd.Timestamp("2019-03-01 11:00"), pd.Timestamp("2019-03-01 12:00"),
                                       pd.Timestamp("2019-03-01 13:00")]
    assert table.frame.index.tz is None
    assert "time zones normalised to UTC" in table.notes
    assert table.freq == "h"


def test_mixed_aware_and_naive_dates(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01 10:00,1\n2019-03-01T11:00:00+01:00,2\n")
    assert error(path) == ("column 'date' mixes dates with and without a time zone ('2019-03-01 10:00' "
                           "on line 2, '2019-03-01T11:00:00+01:00' on line 3); give every date a "
                           "time zone or none")


# --------------------------------------------------------------------------------------------
# Order and duplicates


def test_unsorted_rows_are_sorted_with_their_lines(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-03,3\n2019-03-01,1\n2019-03-02,2\n")
    table = read_table(path)
    assert table.frame["value"].tolist() == ["1", "2", "3"]
    assert table.lines.tolist() == [3, 4, 2]
    assert table.frame.index.is_monotonic_increasing
    assert "rows sorted by date (the file was not in date order)" in table.notes


def test_exact_duplicates_dropped_and_counted(tmp_path):
    path = write(tmp_path, "date,value,kind\n2019-03-01,1,A\n2019-03-02,2,B\n2019-03-01,1.0,A\n"
                           "2019-03-03,3,A\n2019-03-02,2,B\n")
    table = read_table(path)
    assert table.duplicates_dropped == 2
    assert table.rows_read == 5
    assert table.frame["value"].tolist() == ["1", "2", "3"]
    assert table.lines.tolist() == [2, 3, 5]
    assert "2 exact duplicate rows dropped" in table.notes
    summary = inspect(table)
    assert (summary["rows"], summary["rows_read"], summary["duplicates_dropped"]) == (3, 5, 2)


def test_conflicting_duplicates_are_refused(tmp_path):
    rows = ["date,value"] + [f"2019-03-{d:02d},{d}" for d in range(1, 11)]
    rows[4] = "2019-03-04,4"                              # line 5
    rows += [f"2019-03-{d:02d},{d}" for d in range(11, 20)] + ["2019-03-04,40", "2019-03-06,60"]
    path = write(tmp_path, "\n".join(rows) + "\n")
    assert error(path) == ("conflicting rows for 2019-03-04: lines 5 and 21 have the same date with "
                           "different values; column 'value' is '4' on line 5 and '40' on line 21")


def test_conflicting_duplicates_with_times(tmp_path):
    path = write(tmp_path, "date,value\n2019-03-01 13:00,1\n2019-03-01 13:00,2\n")
    assert error(path).startswith("conflicting rows for 2019-03-01 13:00: lines 2 and 3 ")


# --------------------------------------------------------------------------------------------
# Frequency and gaps


FREQS = ["h", "D", "B", "W-SUN", "W-WED", "MS", "ME", "QS", "QE", "YS", "YE", "min", "15min"]


@pytest.mark.parametrize("freq", FREQS)
def test_frequency_inferred(tmp_path, freq):
    stamps = pd.date_range("2019-01-06", periods=30, freq=freq)
    fmt = "%Y-%m-%d %H:%M" if freq in ("h", "min", "15min") else "%Y-%m-%d"
    table = read_table(write(tmp_path, csv_of(stamps, range(30), fmt=fmt)))
    assert table.freq == freq
    assert table.gap_count == 0 and table.gaps == []


@pytest.mark.parametrize("freq", FREQS)
def test_frequency_inferred_despite_gaps(tmp_path, freq):
    stamps = pd.date_range("2019-01-06", periods=40, freq=freq)
    dropped = [stamps[5], stamps[6], stamps[20]]
    kept = stamps.difference(pd.DatetimeIndex(dropped))
    fmt = "%Y-%m-%d %H:%M" if freq in ("h", "min", "15min") else "%Y-%m-%d"
    table = read_table(write(tmp_path, csv_of(kept, range(len(kept)), fmt=fmt)))
    assert table.freq == freq
    assert table.gap_count == 3
    assert table.gaps == dropped


def test_business_days_with_a_holiday(tmp_path):
    stamps = pd.bdate_range("2019-03-01", periods=30).delete(7)
    table = read_table(write(tmp_path, csv_of(stamps, range(29))))
    assert table.freq == "B"
    assert table.gap_count == 1


def test_first_gaps_listed_are_capped(tmp_path):
    stamps = pd.date_range("2019-01-01", periods=60, freq="D")[::2].append(
        pd.date_range("2019-03-02", periods=40, freq="D"))
    table = read_table(write(tmp_path, csv_of(stamps, range(len(stamps)))))
    assert table.freq == "D"
    assert table.gap_count == 30
    assert table.gaps == list(pd.date_range("2019-01-02", periods=5, freq="2D"))


def test_irregular_dates_have_no_frequency(tmp_path):
    stamps = ["2019-03-01", "2019-03-02", "2019-03-05 07:00", "2019-03-09"]
    table = read_table(write(tmp_path, csv_of(stamps, range(4), fmt="%Y-%m-%d %H:%M")))
    assert table.freq is None
    assert table.gap_count == 0
    assert any(n.startswith("the dates are irregular: 2019-03-05 07:00 is off the") for n in table.notes)


def test_sparse_dates_have_no_frequency(tmp_path):
    stamps = ["2000-01-01", "2000-01-02", "2000-01-03", "2019-01-01"]
    table = read_table(write(tmp_path, csv_of(stamps, range(4))))
    assert table.freq is None
    assert table.notes == ["the dates are irregular: 4 dates spread over about 6941 daily steps"]


def test_infer_frequency_directly():
    assert infer_frequency(pd.DatetimeIndex(["2019-01-01"])) == (None, "a single date has no frequency")
    assert infer_frequency(pd.DatetimeIndex(["2019-01-01", "2019-01-08"]))[0] == "W-TUE"
    assert infer_frequency(pd.date_range("2019-10-01", periods=8, freq="QS"))[0] == "QS"
    assert infer_frequency(pd.date_range("2019-07-01", periods=8, freq="YS-JUL"))[0] == "YS-JUL"
    assert describe_freq("W-SUN") == "weekly (Sunday)"
    assert describe_freq(None) == "irregular"


# --------------------------------------------------------------------------------------------
# Columns


def test_column_kinds_and_missing_counts(tmp_path):
    rows = ["date,number,day_type,comment,nothing"]
    for d in range(1, 31):
        number = "" if d in (4, 9) else f"{d * 1.5}"
        rows.append(f"2019-03-{d:02d},{number},{'WAU'[d % 3]},comment number {d},")
    table = read_table(write(tmp_path, "\n".join(rows) + "\n"))
    assert table.column_kinds == {"number": "numeric", "day_type": "categorical",
                                  "comment": "text", "nothing": "empty"}
    assert table.missing == {"number": 2, "day_type": 0, "comment": 0, "nothing": 30}


def test_mostly_numbers_column_gets_a_note(tmp_path):
    rows = ["date,rail"] + [f"2019-03-{d:02d},{d}" for d in range(1, 31)]
    rows[12] = "2019-03-12,n/a"
    table = read_table(write(tmp_path, "\n".join(rows) + "\n"))
    assert table.column_kinds["rail"] == "text"
    assert "column 'rail' is mostly numbers but has 1 non-numeric value (first on line 13: 'n/a')" \
        in table.notes


def test_parse_numbers():
    values, bad = parse_numbers(["1", " 2.5 ", "", "NaN", "-.5", "1e3", "inf", "1_000", "0x1", "abc"])
    assert values[:6].tolist()[0:2] == [1.0, 2.5]
    assert np.isnan(values[2]) and np.isnan(values[3])
    assert values[4] == -0.5 and values[5] == 1000.0
    assert bad.tolist() == [False] * 6 + [True] * 4
    values, bad = parse_numbers(["1,5", "2", "1.5"], decimal_comma=True)
    assert values[:2].tolist() == [1.5, 2.0] and bad.tolist() == [False, False, True]


def test_format_timestamp():
    assert format_timestamp(pd.Timestamp("2019-03-04")) == "2019-03-04"
    assert format_timestamp(pd.Timestamp("2019-03-04 13:00")) == "2019-03-04 13:00"
    assert format_timestamp(pd.Timestamp("2019-03-04 13:00:05")) == "2019-03-04 13:00:05"


# --------------------------------------------------------------------------------------------
# inspect


def test_inspect_summary_and_report(tmp_path):
    path = write(tmp_path, "date,rail,day_type\n2019-03-01,1,W\n2019-03-02,,A\n2019-03-02,,A\n"
                           "2019-03-04,4,U\n2019-03-05,5,W\n")
    table = read_table(path)
    assert isinstance(table, Table)
    summary = inspect(table)
    assert json.loads(json.dumps(summary)) == summary
    assert summary == {
        "file": str(path), "rows": 4, "rows_read": 5, "unique_timestamps": 4,
        "start": "2019-03-01", "end": "2019-03-05", "frequency": "D", "duplicates_dropped": 1,
        "gaps": 1, "first_gaps": ["2019-03-03"], "missing": {"rail": 1, "day_type": 0},
        "column_types": {"rail": "numeric", "day_type": "categorical"}, "date_column": "date",
        "date_format": "YYYY-MM-DD", "delimiter": ",", "encoding": "utf-8",
        "notes": ["1 exact duplicate row dropped"],
    }
    report = format_inspect(summary)
    assert report.splitlines() == [
        f"File:        {path}",
        "Rows:        4 (5 read, 1 duplicate(s) dropped)",
        "Dates:       2019-03-01 .. 2019-03-05 (column 'date', YYYY-MM-DD)",
        "Frequency:   D (daily)",
        "Gaps:        1 missing date(s): 2019-03-03",
        "Format:      comma-separated, utf-8",
        "Columns:",
        "  rail      numeric      1 blank",
        "  day_type  categorical",
        "Notes:",
        "  - 1 exact duplicate row dropped",
    ]


def test_inspect_with_times_uses_iso(tmp_path):
    table = read_table(write(tmp_path, "date,v\n2019-03-01 13:00,1\n2019-03-01 14:00,2\n2019-03-01 16:00,3\n"))
    summary = inspect(table)
    assert (summary["start"], summary["end"]) == ("2019-03-01T13:00:00", "2019-03-01T16:00:00")
    assert summary["first_gaps"] == ["2019-03-01T15:00:00"]
    assert "Frequency:   none" not in format_inspect(summary)
