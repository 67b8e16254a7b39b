"""Read a user's CSV file into a checked, time-indexed table of raw strings.

The reader accepts what spreadsheets and databases really export (BOMs, latin-1, CRLF or CR line
ends, ``;`` or tab delimiters, US or European dates, time zones, unsorted rows, exact duplicate
rows) and turns every other problem into a :class:`~tsdesk.errors.UserError` that names the file,
column, line and value. It keeps the cells as strings: deciding what a column *means* (target,
covariate, known-future input) is :mod:`tsdesk.core.dataset`'s job, and it needs the raw text to
name the first bad value.

Decisions (documented for users in ``format_inspect`` notes and error messages):

* Missing values are blank cells; ``NaN`` (as numeric tools write it) counts as blank too.
* A header row is required. A header name may not appear twice (refused, not renamed: silently
  renamed columns would make ``--target`` names unpredictable). A column without a name is
  dropped when it holds no values (trailing delimiters) and refused otherwise.
* Rows shorter than the header are padded with blanks; longer rows are refused unless the extra
  cells are blank.
* Ambiguous day/month dates (no first field above 12 or second field above 12) are read as
  US month/day, except with ``.`` separators (``01.03.2019``), which are always day-first.
* Digits-only dates (``2019``, ``20190301``) are only auto-detected in a column whose name hints at
  dates or in the first column, so a column of 4-digit numbers is not mistaken for years.

Files of a megabyte or more go through :class:`_FastReader` (pandas' C parser, a byte scan, the
columns kept parsed and ``Table.frame`` built on first use); it hands any file it cannot read
exactly as :func:`_read_exact` would over to that reader, so both give the same table, notes and
messages (``tests/test_reader_fuzz.py`` compares them).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from tsdesk.errors import UserError

__all__ = [
    "Table", "read_table", "inspect", "format_inspect", "parse_numbers", "format_timestamp",
    "describe_freq", "infer_frequency", "MISSING_TOKENS",
]

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_ROWS = 50          # records looked at to choose the delimiter
DETECT_SAMPLE = 200      # values looked at to choose a date format
GAPS_LISTED = 5          # missing timestamps listed in Table.gaps
MISSING_TOKENS = frozenset({"", "nan", "NaN", "NAN"})
MISSING_LIKE = frozenset({"na", "n/a", "#n/a", "null", "none", "-", "--", "?", "missing", "nil"})

_NUM = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# _NUM, one a line (written so that a failed match does not backtrack through the lines)
_NUM_LINES = re.compile(r"(?>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\n)*")
_NUM_COMMA = re.compile(r"[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?")
_DATE_HINT_WORDS = ("date", "time")
_DATE_HINT_NAMES = frozenset({"ds", "dt", "period", "month", "year", "week", "day", "quarter",
                              "servicedate", "timestamp", "datetime"})


# --------------------------------------------------------------------------------------------
# The table


@dataclass
class Table:
    """A CSV file read, with its dates parsed and checked; cells are kept as raw strings.

    ``frame`` holds every non-date column as stripped strings (blank cells are ``""``) on a sorted,
    duplicate-free ``DatetimeIndex`` named after the date column; trailing rows whose target is
    blank (known-future inputs for the forecast) are kept. ``lines[i]`` is the 1-based file line of
    ``frame.iloc[i]``, for error messages.

    A large file read by the fast reader keeps its columns parsed (numbers as floats, text as
    codes into its distinct values) and builds ``frame`` the first time it is asked for; use
    :attr:`index`, :attr:`value_columns`, :meth:`numbers` and :meth:`column_values` to work
    without building it.
    """

    path: str
    frame: pd.DataFrame
    lines: np.ndarray
    date_column: str
    freq: str | None
    duplicates_dropped: int = 0
    gap_count: int = 0
    gaps: list[pd.Timestamp] = field(default_factory=list)
    column_kinds: dict[str, str] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    columns: list[str] = field(default_factory=list)       # header order, date column included
    decimal_comma: list[str] = field(default_factory=list)  # numeric columns written like 1,5
    date_format: str = ""
    store: "_Store | None" = field(default=None, repr=False, compare=False)

    @property
    def all_columns(self) -> list[str]:
        """The file's columns in header order, the date column included."""
        return self.columns or [self.date_column, *self.value_columns]

    @property
    def name(self) -> str:
        """The file's name, as error messages show it."""
        return Path(self.path).name or self.path

    @property
    def index(self) -> pd.DatetimeIndex:
        """The sorted, unique timestamps (``frame.index``), without building ``frame``."""
        if self.__dict__.get("_frame") is None and self.store is not None:
            return self.store.index
        return self.frame.index

    @property
    def value_columns(self) -> list[str]:
        """The non-date columns in file order (``frame.columns``), without building ``frame``."""
        if self.__dict__.get("_frame") is None and self.store is not None:
            return list(self.store.columns)
        return list(self.frame.columns)

    def column_values(self, column: str, limit: int | None = None) -> np.ndarray:
        """One column's stripped strings as an object array (a column of ``frame``); with
        ``limit``, its first ``limit`` rows only (cheap on a large file, e.g. for a preview)."""
        if self.__dict__.get("_frame") is None and self.store is not None:
            return self.store.strings(column, limit)
        return self.frame[column].to_numpy(dtype=object)[:limit]

    def numbers(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(values, bad)`` for a column: floats (NaN where blank) and a mask of non-numbers."""
        comma = column in self.decimal_comma
        if self.store is not None:
            parsed = self.store.numbers(column, comma)
            if parsed is not None:
                return parsed
        return parse_numbers(self.column_values(column), decimal_comma=comma)


def _table_frame(self: Table) -> pd.DataFrame:
    frame = self.__dict__.get("_frame")
    if frame is None:
        frame = self.__dict__["_frame"] = self.store.frame()
    return frame


def _set_table_frame(self: Table, value: pd.DataFrame | None) -> None:
    self.__dict__["_frame"] = value
    if value is not None and self.__dict__.get("store") is not None:
        self.store = None   # a frame set from outside: the parsed columns no longer describe it


# ``frame`` is a dataclass field (so ``Table(frame=...)`` works) backed by a property, so that a
# table from the fast reader can build it on first use (``Table(frame=None, store=...)``).
Table.frame = property(_table_frame, _set_table_frame, doc=Table.__doc__.split("\n\n")[1])


# --------------------------------------------------------------------------------------------
# Small helpers shared with dataset.py


def parse_numbers(values: Sequence[str], decimal_comma: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Plain decimal numbers (optionally ``1,5``): ``(floats, bad)``; blanks are NaN, not bad.

    Deliberately stricter than ``float()``: ``inf``, ``1_000`` or ``0x10`` in a data file are
    mistakes to report, not numbers.
    """
    if all(type(v) is str for v in values):
        texts = list(map(str.strip, values))
    else:
        texts = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in values]
    fast = _parse_numbers_fast(texts, decimal_comma)
    return fast if fast is not None else _parse_numbers_exact(texts, decimal_comma)


_NUMBER_CHARS = frozenset("0123456789+-eE")


def _parse_numbers_fast(texts: list[str], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """pandas' C number parser, used when every cell holds only digits, signs, exponents and the
    decimal mark (so it cannot accept more than the exact rules do); else None."""
    if not texts:
        return None
    chars = set("".join(set(texts) - MISSING_TOKENS))
    if not chars <= _NUMBER_CHARS | {"," if decimal_comma else "."}:
        return None
    cells = pd.Series(texts, dtype=object)
    blank = cells.isin(list(MISSING_TOKENS)).to_numpy()
    if decimal_comma:
        cells = cells.str.replace(",", ".", regex=False)
    try:
        numbers = np.array(pd.to_numeric(cells.where(~blank, ""), errors="coerce"), dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    bad = ~np.isfinite(numbers) & ~blank
    numbers[blank] = np.nan
    numbers[bad] = np.nan
    if bad.any():
        # Recheck the refused cells exactly: pandas may refuse a form the rules allow ("1.", ".5e3").
        exact, exact_bad = _parse_numbers_exact([texts[i] for i in np.flatnonzero(bad)], decimal_comma)
        numbers[bad] = exact
        bad[np.flatnonzero(bad)] = exact_bad
    return numbers, bad


def _parse_numbers_exact(texts: list[str], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """The rules, one cell at a time (cached): what :func:`parse_numbers` means."""
    pattern = _NUM_COMMA if decimal_comma else _NUM
    n = len(texts)
    out = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    cache: dict[str, float | None] = {}
    for i, text in enumerate(texts):
        if text in MISSING_TOKENS:
            continue
        if text in cache:
            number = cache[text]
        else:
            number = None
            if pattern.fullmatch(text):
                number = float(text.replace(",", ".")) if decimal_comma else float(text)
                if not np.isfinite(number):
                    number = None
            cache[text] = number
        if number is None:
            bad[i] = True
        else:
            out[i] = number
    return out, bad


def format_timestamp(ts: pd.Timestamp) -> str:
    """``2019-03-04`` for a midnight, ``2019-03-04 13:00`` (or with seconds) otherwise."""
    ts = pd.Timestamp(ts)
    text = ts.isoformat(sep=" ")   # isoformat, not strftime: zero-padded years on every platform
    if ts == ts.normalize():
        return text[:10]
    if ts.second == 0 and ts.microsecond == 0:
        return text[:16]
    return text[:19] if ts.microsecond == 0 else text


def _iso(ts: pd.Timestamp) -> str:
    """ISO 8601 text for JSON: the date alone when the time is midnight."""
    ts = pd.Timestamp(ts)
    return ts.isoformat()[:10] if ts == ts.normalize() else ts.isoformat()


def _show(value: str, limit: int = 40) -> str:
    """A cell value quoted for a message, shortened when long."""
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def _names(columns: Sequence[str], limit: int = 20) -> str:
    shown = [c if len(c) <= 40 else c[:37] + "..." for c in columns[:limit]]
    more = f", ... ({len(columns) - limit} more)" if len(columns) > limit else ""
    return ", ".join(shown) + more


def _plural(k: int, word: str, plural: str | None = None) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {plural or word + 's'}"


# --------------------------------------------------------------------------------------------
# Bytes to text


_SIGNATURES = (
    (b"PK\x03\x04", "it looks like an Excel workbook or a zip archive; save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "it looks like an old Excel (.xls) workbook; save it as CSV"),
    (b"%PDF", "it is a PDF document"),
    (b"\x89PNG", "it is a PNG image"),
    (b"\xff\xd8\xff", "it is a JPEG image"),
    (b"\x1f\x8b", "it is gzip-compressed; decompress it first"),
    (b"SQLite format 3", "it is an SQLite database"),
    (b"PAR1", "it is a Parquet file"),
)


def _read_bytes(path: str | Path, name: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise UserError(f"file not found: {path}")
    if p.is_dir():
        raise UserError(f"{path} is a folder, not a CSV file")
    try:
        return p.read_bytes()
    except PermissionError:
        raise UserError(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise UserError(f"cannot read {name}: {exc.strerror or exc}") from None


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or UTF-16 (Excel's 'Unicode text'), else latin-1."""
    for prefix, why in _SIGNATURES:
        if data.startswith(prefix):
            raise UserError(f"{name} does not look like a CSV table: {why}")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return data[3:].decode("latin-1"), "latin-1"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UserError(f"{name} does not look like a CSV table: it starts like UTF-16 text "
                            "but cannot be decoded as such") from None
    if len(data) >= 4 and b"\x00" in data[:4096]:
        # UTF-16 without a BOM: every other byte of plain text is zero.
        for codec, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
            if zeros.count(0) >= 0.9 * len(zeros) and len(data) % 2 == 0:
                try:
                    return data.decode(codec), codec
                except UnicodeDecodeError:
                    pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _check_text(text: str, name: str) -> str:
    """Refuse empty files and binary junk; drop a trailing DOS end-of-file mark."""
    text = text.rstrip("\x1a")
    if not text or text.isspace():
        raise UserError(f"{name} is empty")
    _check_sample(text[:65536], name)
    return text


_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")   # below " ", except \t \n \v \f \r


def _check_sample(sample: str, name: str) -> None:
    """Refuse binary junk, judged on the first 65536 characters."""
    if "\x00" in sample:
        raise UserError(f"{name} does not look like a CSV table: it contains binary data "
                        "(zero bytes); save it as CSV text")
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls > max(2, len(sample) // 100):
        raise UserError(f"{name} does not look like a CSV table: it contains binary data "
                        f"({controls} control characters); save it as CSV text")


# --------------------------------------------------------------------------------------------
# Text to records


def _records(text: str, delimiter: str, name: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """Non-blank records as ``(first line number, stripped fields)``; quotes as in RFC 4180."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=True, strict=False)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            fields = list(map(str.strip, fields))
            if not any(fields):
                continue
            out.append((start, fields))
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as exc:
        raise UserError(f"{name} does not look like a CSV table: line {previous + 1}: {exc}") from None
    return out


def _sniff(text: str, name: str, partial: bool = False) -> tuple[str, str]:
    """Choose the delimiter giving a consistent column count; honour Excel's ``sep=;`` line.

    Returns ``(delimiter, text)`` with a ``sep=`` line removed. With ``partial`` (``text`` is the
    start of the file, cut after a line end) it raises :class:`_NotFast` when the answer could
    depend on the rest.
    """
    first = text.lstrip("\r\n").split("\n", 1)[0].split("\r", 1)[0].strip()
    match = re.fullmatch(r'"?sep=(.)"?', first, flags=re.IGNORECASE)
    if match and match.group(1) in DELIMITERS + ("|",):
        # Blank the hint line out instead of deleting it, so line numbers stay true.
        index = text.index(first)
        return match.group(1), text[:index] + text[index + len(first):]
    best: tuple | None = None
    for rank, delimiter in enumerate(DELIMITERS):
        try:
            records = _records(text, delimiter, name, limit=SNIFF_ROWS)
        except UserError:
            continue
        if partial and len(records) < SNIFF_ROWS:
            raise _NotFast
        if not records:
            continue
        width = len(records[0][1])
        if width < 2:
            continue
        counts = [len(fields) for _, fields in records[1:]] or [width]
        consistent = sum(c == width for c in counts) / len(counts)
        score = (consistent, width, -rank)
        if best is None or score > best[0]:
            best = (score, delimiter)
    return (best[1] if best else ","), text


# --------------------------------------------------------------------------------------------
# Dates


_MONTH_NAMES = {
    alias: number
    for number, aliases in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1)
    for alias in aliases
}

# (year, month, day, hour, minute, second, microsecond, tz offset in minutes or None)
_Parts = tuple


def _time_parts(g: dict) -> tuple[int, int, int, int, int | None] | None:
    hour = int(g.get("H") or 0)
    minute = int(g.get("M") or 0)
    second = int(g.get("S") or 0)
    micro = int((g.get("f") or "0")[:6].ljust(6, "0"))
    ampm = (g.get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = None
    tz = g.get("tz")
    if tz:
        tz = tz.upper()
        if tz in ("Z", "UTC", "GMT"):
            offset = 0
        else:
            digits = tz[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
            if hours > 14 or minutes > 59:
                return None
            offset = (hours * 60 + minutes) * (1 if tz[0] == "+" else -1)
    return hour, minute, second, micro, offset


def _year(text: str) -> int:
    """Four-digit years as written; two-digit years the strptime way (69-99 -> 19xx)."""
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 69 else 2000
    return year


_TIME = (r"(?:(?:[T ]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
         r"\s*(?P<ampm>[AaPp][Mm])?\s*(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?")


@dataclass(frozen=True)
class _DateFormat:
    """One way of writing dates: a regex and a function from its groups to date parts."""

    name: str
    regex: re.Pattern
    parts: Callable[[dict, bool], _Parts | None]
    digits_only: bool = False
    order_matters: bool = False   # day/month order decided from the data


def _ymd(g: dict, dayfirst: bool) -> _Parts | None:
    time = _time_parts(g)
    return None if time is None else (int(g["Y"]), int(g["m"]), int(g["d"])) + time


def _dmy(g: dict, dayfirst: bool) -> _Parts | None:
    time = _time_parts(g)
    a, b = int(g["a"]), int(g["b"])
    day, month = (a, b) if dayfirst else (b, a)
    return None if time is None else (_year(g["Y"]), month, day) + time


def _ym(g: dict, dayfirst: bool) -> _Parts:
    return int(g["Y"]), int(g["m"]), 1, 0, 0, 0, 0, None


def _quarter(g: dict, dayfirst: bool) -> _Parts:
    return int(g["Y"]), 3 * int(g["q"]) - 2, 1, 0, 0, 0, 0, None


def _month_name(g: dict, dayfirst: bool) -> _Parts | None:
    month = _MONTH_NAMES.get(g["mon"].lower().rstrip("."))
    time = _time_parts(g)
    if month is None or time is None:
        return None
    return (int(g["Y"]), month, int(g.get("d") or 1)) + time


def _year_only(g: dict, dayfirst: bool) -> _Parts:
    return int(g["Y"]), 1, 1, 0, 0, 0, 0, None


def _rx(pattern: str) -> re.Pattern:
    return re.compile(r"(?:" + pattern + r")\Z", re.IGNORECASE)


DATE_FORMATS: tuple[_DateFormat, ...] = (
    _DateFormat("YYYY-MM-DD", _rx(r"(?P<Y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME), _ymd),
    _DateFormat("MM/DD/YYYY", _rx(r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<Y>\d{4}|\d{2})" + _TIME),
                _dmy, order_matters=True),
    _DateFormat("YYYY-MM", _rx(r"(?P<Y>\d{4})[-/.](?P<m>\d{1,2})"), _ym),
    _DateFormat("MM/YYYY", _rx(r"(?P<m>\d{1,2})[-/.](?P<Y>\d{4})"), _ym),
    _DateFormat("YYYY-Qn", _rx(r"(?P<Y>\d{4})\s*-?\s*Q(?P<q>[1-4])"), _quarter),
    _DateFormat("Qn YYYY", _rx(r"Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<Y>\d{4})"), _quarter),
    _DateFormat("DD Mon YYYY", _rx(r"(?P<d>\d{1,2})[-\s./]*(?P<mon>[a-z]{3,9}\.?)[-\s./,]*(?P<Y>\d{4})" + _TIME), _month_name),
    _DateFormat("Mon DD, YYYY", _rx(r"(?P<mon>[a-z]{3,9}\.?)\s+(?P<d>\d{1,2}),?\s+(?P<Y>\d{4})" + _TIME), _month_name),
    _DateFormat("Mon YYYY", _rx(r"(?P<mon>[a-z]{3,9}\.?)[-\s./,]*(?P<Y>\d{4})"), _month_name),
    _DateFormat("YYYY-Mon", _rx(r"(?P<Y>\d{4})[-\s./]*(?P<mon>[a-z]{3,9}\.?)"), _month_name),
    _DateFormat("YYYYMMDD", _rx(r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"), _ymd, digits_only=True),
    _DateFormat("YYYY", _rx(r"(?P<Y>\d{4})"), _year_only, digits_only=True),
)


def _order(firsts: np.ndarray, seconds: np.ndarray, dots: bool) -> tuple[bool, bool]:
    """``(dayfirst, ambiguous)`` from the first and second fields of ``NN/NN/YYYY`` dates."""
    if (firsts > 12).any():
        return True, False
    if (seconds > 12).any():
        return False, False
    return dots, not dots and bool((firsts != seconds).any())


def _dayfirst(fmt: _DateFormat, values: Sequence[str]) -> tuple[bool, bool]:
    """``(dayfirst, ambiguous)`` for a day/month/year column, decided from its values."""
    if not fmt.order_matters:
        return False, False
    firsts, seconds, dots = [], [], False
    for v in values:
        m = fmt.regex.match(v)
        if m:
            firsts.append(int(m.group("a")))
            seconds.append(int(m.group("b")))
            dots = dots or m.group("sep") == "."
    return _order(np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64), dots)


_LAYOUTS_AT_MOST = 64   # distinct date layouts parsed column-wise; more go row by row


def _parse_uniform(fmt: _DateFormat, values: Sequence[str]) -> tuple[np.ndarray, bool, bool, bool] | None:
    """Vectorised parse when the values come in a few layouts (``2019-03-01 13:00`` with other
    digits; or ``3/9/2019`` and ``12/31/2019``: digits and other characters in the same places),
    as machine-written files do: ``(stamps, aware, dayfirst, ambiguous)``.

    None when it does not apply or any value is invalid; the row-by-row parse then runs and
    names the bad row. This turns a million dates from seconds into milliseconds.
    """
    n = len(values)
    if not n:
        return None
    try:
        raw = np.array(values, dtype="S")
    except (UnicodeEncodeError, TypeError, ValueError):
        return None
    width = raw.dtype.itemsize
    b = raw.view(np.uint8).reshape(n, width)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    # A value's layout: its bytes with every digit written as 0, and its length.
    layout = np.where((b >= 48) & (b <= 57), np.uint8(48), b)
    if (layout == layout[0]).all() and (lengths == lengths[0]).all():
        groups = [np.arange(n)]
    else:
        weights = np.random.default_rng(0).integers(1, 2 ** 62, size=width + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            keys = layout.astype(np.uint64) @ weights[:width] + lengths.astype(np.uint64) * weights[width]
        codes, distinct = pd.factorize(keys)
        if len(distinct) > _LAYOUTS_AT_MOST:
            return None
        order = np.argsort(codes, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)

    fields = {name: np.zeros(n, dtype=np.int64) for name in ("a", "b", "Y", "m", "d", "H", "M", "S", "us", "tz")}
    awareness: set[bool] = set()
    dots = False
    for rows in groups:
        first = values[int(rows[0])]
        if not ((layout[rows] == layout[rows[0]]).all() and (lengths[rows] == lengths[rows[0]]).all()):
            return None   # two layouts with one key: let the rows decide
        m = fmt.regex.match(first)
        if m is None or m.groupdict().get("ampm") or "mon" in m.groupdict():
            return None
        part = b[rows]
        groups_m = m.groupdict()

        def field(name: str, default: int = 0) -> np.ndarray | int:
            if groups_m.get(name) is None:
                return default
            start, end = m.span(name)
            out = np.zeros(len(rows), dtype=np.int64)
            for p in range(start, end):
                out = out * 10 + (part[:, p].astype(np.int64) - 48)
            return out

        if fmt.order_matters:
            fields["a"][rows], fields["b"][rows] = field("a"), field("b")
            dots = dots or m.group("sep") == "."
            year = field("Y")
            fields["Y"][rows] = year + np.where(year >= 69, 1900, 2000) if len(m.group("Y")) == 2 else year
        else:
            fields["Y"][rows] = field("Y")
            fields["m"][rows] = 3 * field("q") - 2 if "q" in groups_m else field("m", 1)
            fields["d"][rows] = field("d", 1)
        fields["H"][rows], fields["M"][rows], fields["S"][rows] = field("H"), field("M"), field("S")
        if groups_m.get("f"):
            digits_f = len(m.group("f"))
            f = field("f")
            fields["us"][rows] = f * 10 ** (6 - digits_f) if digits_f <= 6 else f // 10 ** (digits_f - 6)
        awareness.add(bool(groups_m.get("tz")))
        if groups_m.get("tz") and m.group("tz").upper() not in ("Z", "UTC", "GMT"):
            start, end = m.span("tz")
            tz = first[start:end]
            sign = 1 if tz[0] == "+" else -1
            tz_digits = [start + i for i, ch in enumerate(tz) if ch.isdigit()]
            hours = (part[:, tz_digits[0]] - 48).astype(np.int64) * 10 + (part[:, tz_digits[1]] - 48)
            minutes = ((part[:, tz_digits[2]] - 48).astype(np.int64) * 10 + (part[:, tz_digits[3]] - 48)
                       if len(tz_digits) == 4 else 0)
            if (hours > 14).any() or np.any(minutes > 59):
                return None
            fields["tz"][rows] = sign * (hours * 60 + minutes)
    if len(awareness) > 1:
        return None   # with and without time zones: the rows name the first of each
    aware = awareness.pop()

    dayfirst = ambiguous = False
    year = fields["Y"]
    if fmt.order_matters:
        a, c = fields["a"], fields["b"]
        dayfirst, ambiguous = _order(a, c, dots)
        day, month = (a, c) if dayfirst else (c, a)
    else:
        month, day = fields["m"], fields["d"]
    hour, minute, second = fields["H"], fields["M"], fields["S"]
    if (year < 1).any() or (month < 1).any() or (month > 12).any() or (day < 1).any():
        return None
    if (hour > 23).any() or (minute > 59).any() or (second > 59).any():
        return None
    month_start = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(np.int64)
    if (day > days_in_month).any():
        return None
    micros = ((hour * 60 + minute - fields["tz"]) * 60 + second) * 1_000_000 + fields["us"]
    stamps = month_start.astype("datetime64[D]").astype("datetime64[us]") + (day - 1).astype("timedelta64[D]") \
        + micros.astype("timedelta64[us]")
    if (stamps < np.datetime64("0001-01-01", "us")).any() or (stamps > np.datetime64("9999-12-31T23:59:59", "us")).any():
        return None
    return stamps, aware, dayfirst, ambiguous


def _to_datetime(parts: _Parts) -> tuple[datetime, bool] | None:
    """A naive UTC datetime from parts (None when the date does not exist) and whether it had a zone."""
    year, month, day, hour, minute, second, micro, offset = parts
    try:
        value = datetime(year, month, day, hour, minute, second, micro)
        if offset:
            value -= timedelta(minutes=offset)
    except (ValueError, OverflowError):
        return None
    return value, offset is not None


def _count_valid(fmt: _DateFormat, values: Sequence[str], dayfirst: bool) -> int:
    count = 0
    for v in values:
        m = fmt.regex.match(v)
        if m:
            parts = fmt.parts(m.groupdict(), dayfirst)
            if parts is not None and _to_datetime(parts) is not None:
                count += 1
    return count


def _best_format(values: Sequence[str], digits_allowed: bool) -> tuple[_DateFormat | None, float]:
    """The format that reads most of a sample of the values, and the share it reads."""
    filled = [v for v in values if v not in MISSING_TOKENS]
    if not filled:
        return None, 0.0
    sample = filled if len(filled) <= DETECT_SAMPLE else filled[: DETECT_SAMPLE // 2] + filled[-DETECT_SAMPLE // 2:]
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        if fmt.digits_only and not digits_allowed:
            continue
        dayfirst, _ = _dayfirst(fmt, sample)
        count = _count_valid(fmt, sample, dayfirst)
        if count > best_count:
            best, best_count = fmt, count
    return best, best_count / len(sample)


def _date_hinted(name: str) -> bool:
    key = re.sub(r"[^a-z]", "", name.lower())
    return key in _DATE_HINT_NAMES or any(word in key for word in _DATE_HINT_WORDS)


def _parse_dates(column: str, values: Sequence[str], lines: np.ndarray,
                 fmt: _DateFormat | None, notes: list[str]) -> tuple[np.ndarray, str]:
    """Every value of the date column as datetime64[us] (UTC, naive) and the format's name, or a
    UserError naming the first bad row."""
    uniform = _parse_uniform(fmt, values) if fmt is not None else None
    if uniform is not None:
        out, aware, dayfirst, ambiguous = uniform
    else:
        out, aware, dayfirst, ambiguous = _parse_rows(column, values, lines, fmt)
    if aware:
        notes.append("time zones normalised to UTC")
    if ambiguous:
        notes.append(f"dates in '{column}' read as month/day/year (US order): no value has a day "
                     "above 12 to show the order")
    elif fmt is not None and fmt.order_matters and dayfirst:
        notes.append(f"dates in '{column}' read as day/month/year")
    name = "" if fmt is None else "DD/MM/YYYY" if fmt.order_matters and dayfirst else fmt.name
    return out, name


def _parse_rows(column: str, values: Sequence[str], lines: np.ndarray,
                fmt: _DateFormat | None) -> tuple[np.ndarray, bool, bool, bool]:
    """Row-by-row parse: slower, but it finds and names the first value that is not a date."""
    dayfirst, ambiguous = _dayfirst(fmt, values) if fmt is not None else (False, False)
    out = np.empty(len(values), dtype="datetime64[us]")
    cache: dict[str, tuple[datetime, bool] | None] = {}
    first_aware = first_naive = None
    for i, v in enumerate(values):
        if v in MISSING_TOKENS:
            raise UserError(f"column '{column}' is blank on line {lines[i]}; every row needs a date")
        if v in cache:
            result = cache[v]
        else:
            result = None
            m = fmt.regex.match(v) if fmt is not None else None
            if m:
                parts = fmt.parts(m.groupdict(), dayfirst)
                result = _to_datetime(parts) if parts is not None else None
            cache[v] = result
        if result is None:
            raise UserError(f"column '{column}': {_show(v)} on line {lines[i]} is not a date")
        out[i] = result[0]
        if result[1]:
            first_aware = first_aware if first_aware is not None else i
        else:
            first_naive = first_naive if first_naive is not None else i
    if first_aware is not None and first_naive is not None:
        a, b = sorted((first_aware, first_naive))
        raise UserError(f"column '{column}' mixes dates with and without a time zone "
                        f"({_show(values[a])} on line {lines[a]}, {_show(values[b])} on line {lines[b]}); "
                        "give every date a time zone or none")
    return out, first_aware is not None, dayfirst, ambiguous


def _choose_date_column(columns: list[str], column_values: Callable[[int], list[str]],
                        date_column: str | None, name: str) -> tuple[int, _DateFormat | None]:
    """The date column's position and format: the named one, or the first that reads as dates.

    ``column_values(i)`` gives column ``i``'s values in file order (or just the first and last
    100 filled ones: :func:`_best_format` looks at no others)."""
    if date_column is not None:
        wanted = str(date_column).strip()
        if wanted in columns:
            index = columns.index(wanted)
        else:
            folded = [i for i, c in enumerate(columns) if c.lower() == wanted.lower()]
            if len(folded) != 1:
                raise UserError(f"column '{wanted}' not found in {name}; columns: {_names(columns)}")
            index = folded[0]
        fmt, _ = _best_format(column_values(index), digits_allowed=True)
        return index, fmt
    hinted = [i for i, c in enumerate(columns) if _date_hinted(c)]
    others = [i for i in range(len(columns)) if i not in hinted]
    for i in hinted + others:
        is_hinted = i in hinted
        fmt, share = _best_format(column_values(i), digits_allowed=is_hinted or i == 0)
        if fmt is not None and share >= (0.5 if is_hinted else 0.9):
            return i, fmt
    if len(columns) == 1:
        raise UserError(f"{name} does not look like a CSV table: no comma, semicolon or tab "
                        f"separates its columns, and its one column ({_show(columns[0])}) holds no dates")
    raise UserError(f"no date column found in {name} (columns: {_names(columns)}); name the date column")


# --------------------------------------------------------------------------------------------
# Frequency


_DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_NOMINAL_DAYS = {"D": 1.0, "B": 7 / 5, "C": 7 / 5, "W": 7.0, "SMS": 15.2, "SME": 15.2, "SM": 15.2,
                 "MS": 30.436875, "ME": 30.436875, "M": 30.436875, "BMS": 30.436875, "BME": 30.436875,
                 "BM": 30.436875, "QS": 91.310625, "QE": 91.310625, "Q": 91.310625,
                 "BQS": 91.310625, "BQE": 91.310625, "BQ": 91.310625, "YS": 365.2425, "YE": 365.2425,
                 "Y": 365.2425, "A": 365.2425, "AS": 365.2425, "BYS": 365.2425, "BYE": 365.2425}


def _nominal_days(freq: str, offset) -> float | None:
    """About how many days one step of ``freq`` covers, to size its grid before building it."""
    try:
        return pd.Timedelta(offset) / pd.Timedelta(days=1)  # fixed steps: h, min, s...
    except (ValueError, TypeError):
        pass
    mult = int(re.match(r"\d*", freq).group(0) or 1)
    base = freq.split("-")[0].lstrip("0123456789").upper()
    days = _NOMINAL_DAYS.get(base)
    return None if days is None else days * mult


def _offset(freq: str):
    return pd.tseries.frequencies.to_offset(freq)


def _canonical(freq: str) -> str:
    """Shortest alias meaning the same grid: 'QS-JAN' -> 'QS', 'YE-DEC' -> 'YE', 'H' -> 'h'."""
    candidate = freq
    m = re.fullmatch(r"(\d*)([A-Za-z]+)(?:-([A-Z]{3}))?", freq)
    if m:
        mult, base, anchor = m.group(1), m.group(2), m.group(3)
        if mult == "1":
            mult = ""
        renames = {"H": "h", "T": "min", "S": "s", "M": "ME", "Q": "QE", "A": "YE", "Y": "YE", "AS": "YS"}
        base = renames.get(base, base)
        if base in ("QS", "BQS") and anchor in ("JAN", "APR", "JUL", "OCT"):
            anchor = None
        elif base in ("QE", "BQE") and anchor in ("MAR", "JUN", "SEP", "DEC"):
            anchor = None
        elif base in ("YS", "BYS") and anchor == "JAN":
            anchor = None
        elif base in ("YE", "BYE") and anchor == "DEC":
            anchor = None
        candidate = mult + base + (f"-{anchor}" if anchor else "")
    if candidate == freq:
        return freq
    try:
        # Only when it means the same thing in the installed pandas.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if _offset(candidate) == _offset(freq):
                return candidate
    except (ValueError, TypeError):
        pass
    return freq


def _mode(values: np.ndarray):
    uniques, counts = np.unique(values, return_counts=True)
    return uniques[int(np.argmax(counts))]


def _freq_from_steps(idx: pd.DatetimeIndex) -> str | None:
    """The grid most steps follow, when ``pd.infer_freq`` fails because of gaps."""
    if len(idx) < 2:
        return None
    time_of_day = idx - idx.normalize()
    if bool((time_of_day == time_of_day[0]).all()):
        # Every row at the same time of day: calendar steps (days, weeks, months...).
        days = np.diff(idx.normalize().to_numpy().astype("datetime64[D]").astype(np.int64))
        step_days = int(_mode(days))
        if step_days >= 28:
            months = np.asarray(idx.year * 12 + idx.month - 1, dtype=np.int64)
            step = int(_mode(np.diff(months)))
            month_end = bool(idx.is_month_end.all())
            if step >= 1 and ((idx.day == 1).all() or month_end):
                kind = "E" if month_end and not (idx.day == 1).all() else "S"
                if step % 12 == 0 and len(set(months % 12)) == 1:
                    anchor = _MONTH_ABBR[int(months[0] % 12)]
                    mult = "" if step == 12 else str(step // 12)
                    return _canonical(f"{mult}Y{kind}-{anchor}")
                if step % 3 == 0 and len(set(months % 3)) == 1:
                    first = int(months[0] % 3) if kind == "S" else int(months[0] % 3) + 9
                    anchor = _MONTH_ABBR[first % 12]
                    mult = "" if step == 3 else str(step // 3)
                    return _canonical(f"{mult}Q{kind}-{anchor}")
                return ("" if step == 1 else str(step)) + f"M{kind}"
        if step_days == 1:
            weekdays = idx.day_of_week
            mondays = np.asarray(weekdays[1:] == 0)
            if not (weekdays >= 5).any() and (days[mondays] == 3).any():
                return "B"
            return "D"
        if step_days == 7:
            weekdays = set(idx.day_of_week)
            if len(weekdays) == 1:
                return "W-" + _DAY_NAMES[weekdays.pop()]
            return "7D"
        return f"{step_days}D" if step_days > 0 else None
    micros = np.diff(idx.to_numpy().astype("datetime64[us]").astype(np.int64))
    step = int(_mode(micros))
    for unit, size in (("D", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000), ("s", 1_000_000),
                       ("ms", 1000), ("us", 1)):
        if step > 0 and step % size == 0:
            k = step // size
            return unit if k == 1 else f"{k}{unit}"
    return None


def infer_frequency(idx: pd.DatetimeIndex) -> tuple[str | None, str | None]:
    """``(freq, why_not)``: a pandas alias for sorted unique timestamps, or None and the reason."""
    if len(idx) < 2:
        return None, "a single date has no frequency"
    freq = None
    if len(idx) >= 3:
        probe = idx
        if len(idx) > 1000:
            # Evenly spaced at a step shorter or longer than whole days: pandas' answer depends
            # only on the step, so ask it about the first three dates (a million take it 5 ms).
            steps = np.diff(idx.asi8)
            step = pd.Timedelta(idx[1] - idx[0])
            if steps[0] > 0 and (steps == steps[0]).all() and step % pd.Timedelta(days=1):
                probe = idx[:3]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                inferred = pd.infer_freq(probe)
            except (TypeError, ValueError):
                inferred = None
        if inferred is not None:
            freq = _canonical(inferred if isinstance(inferred, str) else inferred.freqstr)
    if freq is None:
        freq = _freq_from_steps(idx)
    if freq is None:
        return None, "the dates are not evenly spaced"
    try:
        offset = _offset(freq)
    except ValueError:
        return None, "the dates are not evenly spaced"
    nominal = _nominal_days(freq, offset)
    if nominal is not None:
        span_days = (idx[-1] - idx[0]) / pd.Timedelta(days=1)
        steps = span_days / nominal + 1
        if steps > 3 * len(idx) + 100:
            return None, (f"the dates are irregular: {len(idx)} dates spread over about "
                          f"{int(steps)} {describe_freq(freq)} steps")
    grid = pd.date_range(idx[0], idx[-1], freq=offset)
    off_grid = idx.difference(grid)
    if len(off_grid):
        return None, (f"the dates are irregular: {format_timestamp(off_grid[0])} is off the "
                      f"{describe_freq(freq)} grid that starts at {format_timestamp(idx[0])}")
    return freq, None


_FREQ_WORDS = {"h": "hourly", "D": "daily", "B": "business-day", "MS": "monthly (month start)",
               "ME": "monthly (month end)", "QS": "quarterly (quarter start)",
               "QE": "quarterly (quarter end)", "YS": "yearly (year start)", "YE": "yearly (year end)",
               "min": "minute", "s": "second"}


def describe_freq(freq: str | None) -> str:
    """Words for a pandas alias: 'D' -> 'daily', 'W-SUN' -> 'weekly (Sunday)', '15min' -> '15min'."""
    if not freq:
        return "irregular"
    if freq in _FREQ_WORDS:
        return _FREQ_WORDS[freq]
    if freq.startswith("W-") and freq[2:] in _DAY_NAMES:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
            _DAY_NAMES.index(freq[2:])]
        return f"weekly ({day})"
    return freq


# --------------------------------------------------------------------------------------------
# Columns


def _classify(values: np.ndarray, allow_comma: bool) -> tuple[str, bool, int]:
    """``(kind, decimal_comma, non_numbers)`` for one column's stripped strings."""
    filled = [v for v in values if v not in MISSING_TOKENS]
    if not filled:
        return "empty", False, 0
    _, bad = parse_numbers(filled)
    if not bad.any():
        return "numeric", False, 0
    if allow_comma and not any("." in v for v in filled):
        _, bad_comma = parse_numbers(filled, decimal_comma=True)
        if not bad_comma.any():
            return "numeric", True, 0
    distinct = len(set(filled))
    kind = "categorical" if distinct <= max(20, min(100, len(filled) // 20)) else "text"
    return kind, False, int(bad.sum())


def _rows_equal(a: np.ndarray, b: np.ndarray, comma: Sequence[bool]) -> int | None:
    """None when two rows hold the same values (``1`` equals ``1.0``), else the first differing column."""
    for j, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        if x in MISSING_TOKENS and y in MISSING_TOKENS:
            continue
        nums, bad = parse_numbers([x, y], decimal_comma=comma[j])
        if not bad.any() and not np.isnan(nums).any() and nums[0] == nums[1]:
            continue
        return j
    return None


# --------------------------------------------------------------------------------------------
# read_table


# --------------------------------------------------------------------------------------------
# The fast reader
#
# Large files are tokenised by pandas' C parser straight into floats, categories and dates, while
# one pass over the bytes (in a second thread) finds where every line starts and checks what
# pandas cannot be trusted with. Every record must be one line (pandas' row count shows it), so
# line numbers are row numbers. The reader decides everything the exact reader decides from the
# same evidence: the delimiter and header from the first records (csv module), the date column
# and its format from the first and last 100 values of the candidate columns (all that
# ``_best_format`` looks at), and every value is checked by the same rules (pandas' number parser
# accepts a subset of what ``parse_numbers`` does; its dates are checked byte by byte against the
# first one's layout). Whatever it cannot vouch for (a record over two lines, a long row, a bad
# date...) raises ``_NotFast``, and the exact reader reads the file again and explains.


class _NotFast(Exception):
    """The fast reader cannot promise the exact reader's result for this file."""


class _NotUtf8(_NotFast):
    """pandas met bytes that are not UTF-8."""


class _BadNumbers(_NotFast):
    """A column read as numbers holds something else."""


_HEAD_BYTES = 1 << 18       # the start of the file, read with the csv module
_TAIL_BYTES = 1 << 15       # the end of the file, read with the csv module
_SAMPLE_ROWS = 500         # data records at the start used (with the tail) to choose column types
_CATEGORY_SAMPLE = 50       # sampled distinct values up to which a text column is read as categories
_BLANK_CANDIDATES = 10_000  # rows without a date that are checked one by one for being blank lines
_SCAN_CHUNK = 1 << 20       # bytes per step of the pass over the whole file
# Numbers as float() reads them: pandas 3 parses them so by default, pandas 2 when asked.
_PANDAS_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
# First date values whose pandas parse is checked byte by byte instead of parsed again here.
_ISO_LAYOUT = re.compile(r"\d{4}([-/.])\d{2}\1\d{2}(?:[T ]\d{2}:(\d)\d(?::(\d)\d(?:\.\d{1,6})?)?)?")


class _Store:
    """The columns of a table from the fast reader, kept parsed until strings are asked for.

    ``columns[name]`` is ``("f", floats)`` for a column of numbers (NaN where blank) or
    ``("s", codes, uniques)`` for text (``uniques[codes]`` are the stripped strings). ``raw``
    returns the stripped strings of number columns (they are read again from the file's bytes).
    """

    def __init__(self, index: pd.DatetimeIndex, columns: dict[str, tuple],
                 raw: Callable[[list[str], int | None], dict[str, np.ndarray]]):
        self.index = index
        self.columns = columns
        self._raw = raw
        self._texts: dict[str, np.ndarray] = {}   # number columns' strings, once read

    def strings(self, column: str, limit: int | None = None) -> np.ndarray:
        kind = self.columns[column]
        if kind[0] == "s":
            return kind[2][kind[1][:limit]]
        if column not in self._texts:
            if limit is not None and limit < len(self.index):
                return self._raw([column], limit)[column]
            self._texts.update(self._raw([column], None))
        return self._texts[column][:limit]

    def numbers(self, column: str, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray] | None:
        kind = self.columns[column]
        if kind[0] == "f":
            return kind[1].copy(), np.zeros(len(kind[1]), dtype=bool)
        values, bad = parse_numbers(kind[2], decimal_comma=decimal_comma)
        return values[kind[1]], bad[kind[1]]

    def frame(self) -> pd.DataFrame:
        numeric = [c for c, kind in self.columns.items() if kind[0] == "f" and c not in self._texts]
        if numeric:
            self._texts.update(self._raw(numeric, None))
        data = {c: self._texts[c] if kind[0] == "f" else kind[2][kind[1]] for c, kind in self.columns.items()}
        return pd.DataFrame(data, index=self.index) if data else pd.DataFrame(index=self.index)


def _strip_all(values: np.ndarray) -> np.ndarray:
    """Stripped copies of an object array of strings (pandas' NaN for a blank cell: "")."""
    if not len(values):
        return values.astype(object)
    try:
        stripped = list(map(str.strip, values))
    except TypeError:
        stripped = [v.strip() if type(v) is str else "" for v in values]
    out = np.empty(len(stripped), dtype=object)
    out[:] = stripped
    return out


def _classify_codes(codes: np.ndarray, uniques: np.ndarray, allow_comma: bool,
                    counts: np.ndarray | None = None) -> tuple[str, bool, int, int]:
    """:func:`_classify` of ``uniques[codes]`` computed on the distinct values:
    ``(kind, decimal_comma, non_numbers, missing)``."""
    if counts is None:
        counts = np.bincount(codes, minlength=len(uniques))
    present = counts > 0
    blank = np.fromiter((u in MISSING_TOKENS for u in uniques), dtype=bool, count=len(uniques))
    missing = int(counts[blank].sum())
    filled = present & ~blank
    if not filled.any():
        return "empty", False, 0, missing
    texts = uniques[filled]
    _, bad = parse_numbers(texts)
    if not bad.any():
        return "numeric", False, 0, missing
    if allow_comma and not any("." in v for v in texts):
        _, bad_comma = parse_numbers(texts, decimal_comma=True)
        if not bad_comma.any():
            return "numeric", True, 0, missing
    n_filled = int(counts[filled].sum())
    distinct = int(filled.sum())
    kind = "categorical" if distinct <= max(20, min(100, n_filled // 20)) else "text"
    return kind, False, int(counts[filled][bad].sum()), missing


class _LayoutCheck:
    """Which of many places in a buffer start with bytes laid out like ``pattern``: a digit
    wherever it has a digit (at most 5 at the ``tens`` positions), its other bytes as they are.

    The bytes at each place are gathered as one fixed-size item and checked eight at a time as
    64-bit words: a byte is a digit when its high nibble is 3 and adding 6 (10 for at most 5)
    leaves it 3 (no carry leaves a byte whose high nibble is 3); other bytes must be equal.
    """

    def __init__(self, pattern: bytes, tens: Sequence[int]):
        self.width = 8 * -(-len(pattern) // 8)
        model = np.zeros(self.width, dtype=np.uint8)
        model[: len(pattern)] = np.frombuffer(pattern, dtype=np.uint8)
        used = np.arange(self.width) < len(pattern)
        digits = used & (model >= 48) & (model <= 57)
        want = np.where(digits, 0x30, model).astype(np.uint8)
        mask = np.where(digits, 0xF0, np.where(used, 0xFF, 0)).astype(np.uint8)
        add = np.where(digits, 0x06, 0).astype(np.uint8)
        add[[t for t in tens if digits[t]]] = 0x0A
        self.want, self.mask, self.add = want.view("<u8"), mask.view("<u8"), add.view("<u8")

    def wrong(self, arr: np.ndarray, end: int, starts: np.ndarray) -> np.ndarray | None:
        """Positions in ``starts`` whose bytes do not match (None when all do); ``arr`` must
        hold ``width`` readable bytes past ``end``."""
        items = np.ndarray(shape=(end,), dtype=f"V{self.width}", buffer=arr, strides=(1,))[starts]
        words = items.view("<u8").reshape(len(starts), -1)
        off = np.zeros(len(starts), dtype=np.uint64)   # bits that differ from the layout
        x, y = np.empty_like(off), np.empty_like(off)
        for i in range(words.shape[1]):
            np.add(words[:, i], self.add[i], out=x)
            np.bitwise_xor(x, self.want[i], out=x)
            np.bitwise_xor(words[:, i], self.want[i], out=y)
            np.bitwise_or(x, y, out=x)
            np.bitwise_and(x, self.mask[i], out=x)
            np.bitwise_or(off, x, out=off)
        if not off.any():
            return None
        return np.flatnonzero(off)


class _FastReader:
    """One attempt to read a file the fast way; :meth:`read` returns None when it cannot.

    The file is read in three ways, none of which holds all of it in memory: its first and last
    records with the csv module, one pass over its bytes in chunks (line starts, encoding, quotes,
    the layout of every date), and pandas' parser for the cells.
    """

    def __init__(self, path: str | Path, shown: str, name: str, date_column: str | None):
        self.path, self.shown, self.name, self.date_column = path, shown, name, date_column

    def read(self) -> Table | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                return self._read()
        except (_NotFast, OSError):
            return None

    # -- the file -----------------------------------------------------------------------------

    def _bytes(self, start: int, end: int | None = None) -> bytes:
        with open(self.path, "rb") as f:
            stat = os.fstat(f.fileno())
            if (stat.st_size, stat.st_mtime_ns) != self.stamp:
                raise UserError(f"{self.name} changed after it was read; read it again")
            f.seek(start)
            return f.read(-1 if end is None else end - start)

    def _text(self, raw: bytes, start: int) -> str:
        if start < self.bom:
            raw = raw[self.bom - start:]
        return raw.decode(self.codec)

    def _line(self, k: int) -> str:
        """Physical line ``k`` (0-based) of the file, line end included."""
        start = int(self.line_starts[k])
        end = int(self.line_starts[k + 1]) if k + 1 < len(self.line_starts) else None
        return self._text(self._bytes(start, end), start)

    def _fields(self, row: int) -> list[str]:
        """The stripped fields of pandas row ``row`` (a record is one line here)."""
        line = self._line(self.header_line + row)
        if '"' not in line:
            return [f.strip() for f in line.split(self.delimiter)]
        return [f.strip() for f in next(csv.reader([line], delimiter=self.delimiter, quotechar='"',
                                                   doublequote=True, skipinitialspace=True, strict=False), [])]

    def _pandas(self, **options) -> pd.DataFrame:
        return pd.read_csv(
            self.path, sep=self.delimiter, header=0, skiprows=self.header_line - 1 or None,
            index_col=False, engine="c", encoding=self.pandas_encoding, skip_blank_lines=False,
            keep_default_na=False, **self._quoting(), **options)

    def _quoting(self) -> dict:
        """pandas' quote handling: the csv module's (spaces before a quote skipped) when the
        file has quotes, none at all (faster) when it has none."""
        if self.quotes:
            return dict(quoting=csv.QUOTE_MINIMAL, quotechar='"', doublequote=True, skipinitialspace=True)
        return dict(quoting=csv.QUOTE_NONE)

    # -- the steps ----------------------------------------------------------------------------

    def _head(self) -> None:
        """Encoding (as far as the start shows it), delimiter, header and the first records."""
        with open(self.path, "rb") as f:
            stat = os.fstat(f.fileno())
            self.stamp = (stat.st_size, stat.st_mtime_ns)
            start = f.read(max(_HEAD_BYTES, 1 << 18))
        size = self.stamp[0]
        if any(start.startswith(prefix) for prefix, _ in _SIGNATURES) or b"\x00" in start \
                or start.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _NotFast
        self.quotes = b'"' in start
        self.bom = 3 if start.startswith(b"\xef\xbb\xbf") else 0
        self.codec = "utf-8"

        def cut(block: bytes) -> tuple[bool, int]:   # (whole file, end after its last full line)
            return (True, size) if size <= len(block) else (False, block.rfind(b"\n") + 1)

        whole, end = cut(start)
        self.start_ascii = start[:end].isascii()
        try:
            sample = self._text(start[:end], 0)
        except UnicodeDecodeError:
            if self.bom:
                raise _NotFast from None
            self.codec = "latin-1"    # not UTF-8 at the start: not UTF-8 at all
            sample = self._text(start[:end], 0)
        if not sample or sample.isspace() or (len(sample) < 65536 and not whole):
            raise _NotFast
        try:
            _check_sample(sample[:65536], self.name)
        except UserError:
            raise _NotFast from None
        head = start[:_HEAD_BYTES]
        self.whole, self.head_end = cut(head)
        if self.head_end <= 0:
            raise _NotFast
        self.head_lines = head.count(b"\n", 0, self.head_end)
        text = self._text(head[: self.head_end], 0)
        try:
            self.delimiter, text = _sniff(text, self.name, partial=not self.whole)
            records = _records(text, self.delimiter, self.name, limit=_SAMPLE_ROWS + 1)
        except UserError:
            raise _NotFast from None
        if len(records) < 2:
            raise _NotFast
        self.header_line, header = records[0]
        first_data = text.split("\n", records[1][0])[records[1][0] - 1:][:1]   # its line, if \n ends lines
        self.first_quoted = self.quotes and (not first_data or first_data[0].lstrip().startswith('"'))
        self.header = [h.lstrip("\ufeff").strip() for h in header]
        self.width = len(self.header)
        self.head_rows = records[1:]
        self.head_all = len(records) <= _SAMPLE_ROWS   # every record of the head was read

    def _tail(self) -> None:
        """The last records (their line numbers come with the scan)."""
        self.tail_rows: list[tuple[int, list[str]]] = []
        self.contiguous = self.whole
        if self.whole:
            return
        size = self.stamp[0]
        # Enough bytes for a few hundred lines as long as the head's (wide files have long lines).
        line_bytes = self.head_end / max(1, self.head_lines)
        start = max(size - max(_TAIL_BYTES, int(400 * line_bytes)), self.head_end)
        raw = self._bytes(start - 1)
        skip = 1 if raw[:1] == b"\n" else raw.find(b"\n") + 1
        if skip <= 0:
            raise _NotFast
        self.tail_start = start - 1 + skip
        self.contiguous = self.head_all and self.tail_start == self.head_end
        try:
            try:
                tail = self._text(raw[skip:], self.tail_start)
            except UnicodeDecodeError:
                if not self.start_ascii or self.bom:
                    raise _NotFast from None
                self.codec = "latin-1"    # the start reads the same either way
                tail = self._text(raw[skip:], self.tail_start)
            self.tail_rows = _records(tail, self.delimiter, self.name)
        except UserError:
            raise _NotFast from None

    def _scan(self, pattern: bytes | None, tens: Sequence[int]) -> None:
        """One pass over the bytes: where every line starts, whether the file is UTF-8, and which
        data lines do not start with a date laid out like ``pattern`` (digits where it has
        digits, its other bytes as they are; ``tens`` positions at most 5)."""
        chunk = _SCAN_CHUNK
        width = 0
        if pattern:
            check = _LayoutCheck(pattern, tens)
            width = check.width
        starts_parts: list[np.ndarray] = []
        bad_parts: list[np.ndarray] = []
        decoder = None
        self.utf8 = True
        quotes, lone_crs, pending_cr = self.quotes, 0, 0
        lines_before = 0
        buf = bytearray(chunk + width + 1)
        carry = offset = 0
        with open(self.path, "rb", buffering=0) as f:
            if (os.fstat(f.fileno()).st_size, os.fstat(f.fileno()).st_mtime_ns) != self.stamp:
                raise _NotFast
            while True:
                if len(buf) < carry + chunk + width + 1:
                    buf.extend(bytes(carry + chunk + width + 1 - len(buf)))
                with memoryview(buf) as view:
                    n = f.readinto(view[carry:carry + chunk])
                end = carry + n
                if n:
                    if buf.find(b"\x00", carry, end) >= 0:
                        raise _NotFast
                    if not quotes and buf.find(b'"', carry, end) >= 0:
                        quotes = True
                    if buf.find(b"\r", carry, end) >= 0:
                        # A CR alone ends a line for the csv module, and pandas too unless it
                        # is inside quotes: line numbers would part. CRLF is fine.
                        crs = buf.count(b"\r", carry, end) - buf.count(b"\r\n", carry, end)
                        ends_cr = buf.endswith(b"\r", carry, end)
                        lone_crs += crs - ends_cr + (pending_cr if not buf.startswith(b"\n", carry, end) else 0)
                        pending_cr = int(ends_cr)
                    elif pending_cr:
                        lone_crs += 0 if buf.startswith(b"\n", carry, end) else 1
                        pending_cr = 0
                    if decoder is None and np.frombuffer(buf, dtype=np.uint8, count=end)[carry:].max() >= 128:
                        decoder = codecs.getincrementaldecoder("utf-8")()
                    if decoder is not None and self.utf8:
                        try:
                            decoder.decode(bytes(buf[carry:end]))
                        except UnicodeDecodeError:
                            self.utf8 = False
                buf[end:end + width + 1] = bytes(width + 1)   # gathers past the end do not match
                arr = np.frombuffer(buf, dtype=np.uint8, count=end + width + 1)
                if n:
                    newlines = np.flatnonzero(arr[carry:end] == 10) + carry
                    if not len(newlines):
                        carry, arr = end, None
                        continue
                    starts = np.empty(len(newlines), dtype=np.int64)
                    starts[0] = 0
                    starts[1:] = newlines[:-1] + 1
                elif carry:
                    starts = np.zeros(1, dtype=np.int64)   # the last line, without a line end
                else:
                    break
                starts_parts.append(starts + offset)
                first = max(0, self.header_line - lines_before)   # data lines only
                if pattern and first < len(starts):
                    wrong = check.wrong(arr, end + 1, starts[first:])
                    if wrong is not None:
                        bad_parts.append(wrong + (lines_before + first))
                arr = None
                lines_before += len(starts)
                if not n:
                    break
                rest = int(newlines[-1]) + 1
                carry = end - rest
                buf[:carry] = buf[rest:end]
                offset += rest
        if decoder is not None and self.utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        if lone_crs + pending_cr:
            raise _NotFast
        self.quotes_in_file = quotes
        self.line_starts = np.concatenate(starts_parts) if starts_parts else np.zeros(0, dtype=np.int64)
        self.bad_lines = np.concatenate(bad_parts) if bad_parts else np.zeros(0, dtype=np.int64)
        if self.utf8:
            self.encoding = "utf-8-sig" if self.bom else "utf-8"
        elif (self.start_ascii or self.codec == "latin-1") and not self.bom:
            self.encoding = self.codec = "latin-1"
        else:
            raise _NotFast    # the start was read as UTF-8 but the file is not

    def _read_columns(self, kinds: dict[int, str], parse_date: bool) -> pd.DataFrame:
        dtype: dict[int, object] = {}
        na_values: dict[int, list[str]] = {}
        for j, kind in kinds.items():
            if kind == "f":
                dtype[j] = "float64"
                na_values[j] = sorted(MISSING_TOKENS)
            else:
                dtype[j] = "category" if kind == "c" else object
        if parse_date:
            na_values[self.date_pos] = [""]
        else:
            dtype[self.date_pos] = object
        try:
            # ISO8601: pandas' parser for those dates, never its guessing one (dateutil, row by row)
            frame = self._pandas(dtype=dtype, na_values=na_values or None, na_filter=bool(na_values),
                                 parse_dates=[self.date_pos] if parse_date else False,
                                 date_format="ISO8601" if parse_date else None, **_PANDAS_FLOATS)
        except UnicodeError:
            raise _NotUtf8 from None
        except (pd.errors.ParserError, pd.errors.ParserWarning):
            raise _NotFast from None   # ragged rows and the like: the exact reader explains
        except (ValueError, OverflowError, TypeError):
            if "float64" in dtype.values():
                raise _BadNumbers from None
            raise _NotFast from None
        return frame

    def _column_sample(self, j: int) -> list[str]:
        """What ``_best_format`` sees of column ``j``: its first and last 100 filled values."""
        filled_head = [r[j] for r in self.sample[: self.n_head] if r[j] not in MISSING_TOKENS]
        filled_tail = [r[j] for r in self.sample[self.n_head:] if r[j] not in MISSING_TOKENS]
        if self.contiguous:
            return filled_head + filled_tail
        half = DETECT_SAMPLE // 2
        if len(filled_head) < half or len(filled_tail) < half:
            raise _NotFast
        return filled_head[:half] + filled_tail[-half:]

    def _read(self) -> Table:
        self._head()
        self._tail()
        name, header, width = self.name, self.header, self.width
        sample = []
        for _, fields in self.head_rows + self.tail_rows:
            if len(fields) > width:
                if any(fields[width:]):
                    raise _NotFast    # a long row: the exact reader names it
                fields = fields[:width]
            sample.append(fields + [""] * (width - len(fields)))
        self.sample, self.n_head = sample, len(self.head_rows)
        kept = [j for j, h in enumerate(header) if h]
        names = [header[j] for j in kept]
        if not kept or len(set(names)) < len(names):
            raise _NotFast
        try:
            date_index, fmt = _choose_date_column(
                names, lambda i: self._column_sample(kept[i]), self.date_column, name)
        except UserError:
            raise _NotFast from None
        self.date_pos = date_pos = kept[date_index]
        date_name = header[date_pos]

        # Column types from the sample: numbers when every sampled value is one.
        kinds: dict[int, str] = {}
        for j in range(width):
            if j == date_pos:
                continue
            values = [r[j] for r in sample]
            filled = [v for v in values if v not in MISSING_TOKENS]
            if header[j] and filled and _NUM_LINES.fullmatch("\n".join(filled) + "\n"):
                kinds[j] = "f"
            else:
                kinds[j] = "c" if len(set(values)) <= _CATEGORY_SAMPLE else "o"

        # Dates pandas may parse: one fixed ISO layout in the first column, checked in the scan.
        first_date = next((r[date_pos] for r in sample if r[date_pos]), "")
        layout = _ISO_LAYOUT.fullmatch(first_date)
        parse_date = (fmt is not None and fmt.name == "YYYY-MM-DD" and layout is not None
                      and date_pos == 0 and width > 1 and not self.first_quoted)
        tens = [layout.start(g) for g in (2, 3) if layout.group(g) is not None] if parse_date else []
        # The pass over the bytes runs beside pandas (both release the GIL for their loops).
        pattern = (first_date + self.delimiter).encode("ascii") if parse_date else None
        scan_failed: list[BaseException] = []

        def scan() -> None:
            try:
                self._scan(pattern, tens)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                scan_failed.append(exc)

        worker = threading.Thread(target=scan, name="tsdesk-csv-scan", daemon=True)
        worker.start()
        self.pandas_encoding = self.codec     # until the scan has seen all of the file
        frame = None
        try:
            try:
                frame = self._read_columns(kinds, parse_date)
            except _NotUtf8:
                pass
            except _BadNumbers:
                # A column that looked numeric is not: read it (them) as text, which names the value.
                kinds = {j: "o" if kind == "f" else kind for j, kind in kinds.items()}
                frame = self._read_columns(kinds, parse_date)
            # inf and 1e999 are not numbers to the rules either; and pandas turns categories
            # that all look like numbers, booleans or dates into those: read them as text.
            again = [] if frame is None else [j for j, kind in kinds.items()
                     if kind == "f" and np.isinf(frame.iloc[:, j].to_numpy(dtype=np.float64)).any()
                     or kind == "c" and frame.iloc[:, j].cat.categories.dtype.kind not in "OT"]
            if again:
                kinds.update(dict.fromkeys(again, "o"))
                frame = self._read_columns(kinds, parse_date)
        finally:
            worker.join()
        if scan_failed:
            raise scan_failed[0]
        if frame is None or self.pandas_encoding != self.codec or self.quotes_in_file != self.quotes:
            self.pandas_encoding, self.quotes = self.codec, self.quotes_in_file
            try:
                frame = self._read_columns(kinds, parse_date)
            except _BadNumbers:
                kinds = {j: "o" if kind == "f" else kind for j, kind in kinds.items()}
                frame = self._read_columns(kinds, parse_date)
        if frame.shape[1] != width or len(frame) != len(self.line_starts) - self.header_line:
            raise _NotFast   # ragged rows pandas let through, lone CR line ends, a changed file
        if not self.whole:
            first_tail = int(np.searchsorted(self.line_starts, self.tail_start))
            self.tail_rows = [(line + first_tail, fields) for line, fields in self.tail_rows]

        # Blank lines (every cell blank) are not rows.
        n = len(frame)
        date_cells = frame.iloc[:, date_pos]
        if parse_date and date_cells.dtype.kind != "M":
            parse_date = False    # pandas gave up on the dates: they are text
        if parse_date:
            date_raw = None
            no_date = np.flatnonzero(np.isnat(date_cells.to_numpy()))
        else:
            date_raw = _strip_all(date_cells.to_numpy(dtype=object))
            no_date = np.flatnonzero(date_raw == "")
        if len(no_date) > _BLANK_CANDIDATES:
            raise _NotFast
        blank = np.zeros(n, dtype=bool)
        for r in no_date:
            blank[r] = not any(self._fields(int(r)))
        n_blank = int(blank.sum())
        rows = np.flatnonzero(~blank) if n_blank else None    # None: every row
        if n_blank == n:
            raise _NotFast
        lines = rows + (self.header_line + 1) if n_blank else \
            np.arange(self.header_line + 1, self.header_line + 1 + n, dtype=np.int64)
        notes: list[str] = []

        def take(values: np.ndarray) -> np.ndarray:
            return values if rows is None else values[rows]

        # Unnamed columns must be empty.
        for j in range(width):
            if header[j]:
                continue
            cells = _strip_all(take(frame.iloc[:, j].to_numpy(dtype=object)))
            filled = np.flatnonzero(cells != "")
            if len(filled):
                r = int(filled[0])
                raise UserError(f"column {j + 1} of {name} has no name in the header (line {self.header_line}) "
                                f"but holds values (first on line {lines[r]}: {_show(cells[r])}); "
                                "give it a name")
        if len(kept) < width:
            notes.append(f"{_plural(width - len(kept), 'unnamed empty column')} ignored")

        # Dates.
        stamps = None
        if parse_date:
            stamps = self._checked_dates(date_cells, blank, rows, fmt)
            date_format = fmt.name
        if stamps is None:
            if date_raw is None:
                date_raw = _strip_all(self._pandas(usecols=[date_pos], dtype=object, na_filter=False)
                                      .iloc[:, 0].to_numpy(dtype=object))
                if len(date_raw) != n:
                    raise _NotFast
            stamps, date_format = _parse_dates(date_name, list(take(date_raw)), lines, fmt, notes)

        # Value columns: floats, or codes into stripped distinct values.
        value_columns = [header[j] for j in kept if j != date_pos]
        positions = {header[j]: j for j in kept if j != date_pos}
        columns: dict[str, tuple] = {}
        for column, j in positions.items():
            cells = frame.iloc[:, j]
            if kinds[j] == "f":
                columns[column] = ("f", take(cells.to_numpy(dtype=np.float64)))
                continue
            if isinstance(cells.dtype, pd.CategoricalDtype):
                codes = take(cells.cat.codes.to_numpy())
                uniques = cells.cat.categories.to_numpy(dtype=object)
            else:
                codes, uniques = pd.factorize(take(cells.to_numpy(dtype=object)))
                uniques = np.asarray(uniques, dtype=object)
            stripped = _strip_all(uniques)
            if not all(a == b for a, b in zip(stripped, uniques)) or (codes < 0).any():
                remap, uniques = pd.factorize(stripped)
                codes = remap[codes]
                uniques = np.asarray(uniques, dtype=object)
            columns[column] = ("s", codes, uniques)

        # Sort by time (stable), then drop exact duplicates.
        if (stamps[1:] < stamps[:-1]).any():
            order = np.argsort(stamps, kind="stable")
            notes.append("rows sorted by date (the file was not in date order)")
            stamps, lines, rows = stamps[order], lines[order], order if rows is None else rows[order]
            columns = {c: (k[0], k[1][order], *k[2:]) for c, k in columns.items()}
        allow_comma = self.delimiter == ";"
        duplicates = 0
        same = stamps[1:] == stamps[:-1]
        if same.any():
            keep_rows = self._drop_duplicates(stamps, lines, columns, value_columns, allow_comma, same)
            duplicates = int((~keep_rows).sum())
            notes.append(f"{_plural(duplicates, 'exact duplicate row')} dropped")
            rows = np.flatnonzero(keep_rows) if rows is None else rows[keep_rows]
            stamps, lines = stamps[keep_rows], lines[keep_rows]
            columns = {c: (k[0], k[1][keep_rows], *k[2:]) for c, k in columns.items()}
        index = pd.DatetimeIndex(stamps, name=date_name)

        # Column kinds.
        column_kinds: dict[str, str] = {}
        missing: dict[str, int] = {}
        decimal_comma: list[str] = []
        for column in value_columns:
            kind = columns[column]
            if kind[0] == "f":
                blanks = int(np.isnan(kind[1]).sum())
                column_kinds[column] = "empty" if blanks == len(kind[1]) else "numeric"
                missing[column] = blanks
                continue
            codes, uniques = kind[1], kind[2]
            counts = np.bincount(codes, minlength=len(uniques))
            what, comma, non_numbers, missing[column] = _classify_codes(codes, uniques, allow_comma, counts)
            column_kinds[column] = what
            if comma:
                decimal_comma.append(column)
            filled = len(codes) - missing[column]
            if what in ("categorical", "text") and non_numbers and non_numbers <= 0.5 * filled:
                _, bad = parse_numbers(uniques)
                r = int(np.flatnonzero(bad[codes])[0])
                notes.append(f"column '{column}' is mostly numbers but has "
                             f"{_plural(non_numbers, 'non-numeric value')} "
                             f"(first on line {lines[r]}: {_show(uniques[codes[r]])})")
        if decimal_comma:
            notes.append(f"decimal commas read in: {', '.join(decimal_comma)}")
        freq, gap_count, gaps = _frequency_and_gaps(index, notes)

        store = _Store(index, columns, self._raw_reader(positions, rows, n))
        return Table(path=self.shown, frame=None, lines=lines, date_column=date_name, freq=freq,
                     duplicates_dropped=duplicates, gap_count=gap_count, gaps=gaps,
                     column_kinds=column_kinds, missing=missing, delimiter=self.delimiter,
                     encoding=self.encoding, notes=notes, rows_read=n - n_blank,
                     columns=names, decimal_comma=decimal_comma, date_format=date_format, store=store)

    def _checked_dates(self, cells: pd.Series, blank: np.ndarray, rows: np.ndarray | None,
                       fmt: _DateFormat) -> np.ndarray | None:
        """pandas' dates when the scan found every data line starting with a date laid out like
        the first one and the rules accept them all; else None (the text path parses them)."""
        values = cells.to_numpy()
        if values.dtype.kind != "M":
            return None
        bad_rows = self.bad_lines - self.header_line
        if len(bad_rows) and not blank[bad_rows].all():
            return None
        stamps = values.astype("datetime64[us]", copy=False)
        if rows is not None:
            stamps = stamps[rows]
        if len(stamps) and stamps.min() < np.datetime64("0001-01-01", "us"):
            return None   # pandas reads year 0; the rules do not
        # The same reading as the rules: compare on the sampled values.
        sample = [(line, fields[0]) for line, fields in self.head_rows[:50] + self.tail_rows[-50:]
                  if fields and fields[0]]
        texts = [text for _, text in sample]
        try:
            exact, aware, _, _ = _parse_rows("", texts, np.zeros(len(texts), dtype=np.int64), fmt)
        except UserError:
            return None
        at = np.array([line - self.header_line - 1 for line, _ in sample], dtype=np.int64)
        if rows is not None:
            at = np.searchsorted(rows, at)
        if aware or (at >= len(stamps)).any() or not np.array_equal(stamps[np.minimum(at, len(stamps) - 1)], exact):
            return None
        return stamps

    def _drop_duplicates(self, stamps, lines, columns, value_columns, allow_comma, same) -> np.ndarray:
        """The rows to keep (exact duplicates dropped), or the exact reader's conflict error."""
        n = len(stamps)
        starts = np.r_[True, ~same]
        group_first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
        dups = np.flatnonzero(~starts)
        firsts = group_first[dups]
        differs = np.zeros((len(dups), len(value_columns)), dtype=bool)
        for j, column in enumerate(value_columns):
            kind = columns[column]
            if kind[0] == "f":
                a, b = kind[1][firsts], kind[1][dups]
                differs[:, j] = ~((a == b) | (np.isnan(a) & np.isnan(b)))
                continue
            codes, uniques = kind[1], kind[2]
            comma = allow_comma and _classify_codes(codes, uniques, True)[1]
            numbers, bad = parse_numbers(uniques, decimal_comma=comma)
            blank = np.fromiter((u in MISSING_TOKENS for u in uniques), dtype=bool, count=len(uniques))
            a, b = codes[firsts], codes[dups]
            equal = (a == b) | (blank[a] & blank[b])
            equal |= ~bad[a] & ~bad[b] & ~np.isnan(numbers[a]) & (numbers[a] == numbers[b])
            differs[:, j] = ~equal
        conflict = differs.any(axis=1)
        if conflict.any():
            k = int(np.flatnonzero(conflict)[0])
            j = int(np.flatnonzero(differs[k])[0])
            first, i = int(firsts[k]), int(dups[k])
            column = value_columns[j]
            a_text, b_text = self._cell(columns, column, first, lines), self._cell(columns, column, i, lines)
            when = format_timestamp(pd.Timestamp(stamps[i]))
            raise UserError(
                f"conflicting rows for {when}: lines {lines[first]} and {lines[i]} have the "
                f"same date with different values; column '{column}' is {_show(a_text)} on line "
                f"{lines[first]} and {_show(b_text)} on line {lines[i]}")
        keep = np.ones(n, dtype=bool)
        keep[dups] = False
        return keep

    def _cell(self, columns: dict[str, tuple], column: str, r: int, lines: np.ndarray) -> str:
        kind = columns[column]
        if kind[0] == "s":
            return kind[2][kind[1][r]]
        fields = self._fields(int(lines[r]) - self.header_line - 1)
        j = self.header.index(column)
        return fields[j] if j < len(fields) else ""

    def _raw_reader(self, positions: dict[str, int], rows: np.ndarray | None,
                    n: int) -> Callable[[list[str], int | None], dict[str, np.ndarray]]:
        """Reads number columns again as text (for ``Table.frame``), rows as in the table (the
        first ``limit`` of them: pandas then reads only as far as the last of those)."""
        path, name, stamp = self.path, self.name, self.stamp
        options = dict(sep=self.delimiter, header=0, skiprows=self.header_line - 1 or None,
                       index_col=False, engine="c", encoding=self.pandas_encoding,
                       skip_blank_lines=False, keep_default_na=False, na_filter=False, dtype=object,
                       **self._quoting())

        def raw(columns: list[str], limit: int | None) -> dict[str, np.ndarray]:
            wanted = sorted(positions[c] for c in columns)
            picked = (np.arange(n) if rows is None else rows)[:limit]
            nrows = None if limit is None else int(picked.max()) + 1 if len(picked) else 0
            changed = UserError(f"{name} changed after it was read; read it again")
            try:
                stat = os.stat(path)
                if (stat.st_size, stat.st_mtime_ns) != stamp:
                    raise changed
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    frame = pd.read_csv(path, usecols=wanted, nrows=nrows, **options)
            except (OSError, ValueError):
                raise changed from None
            if len(frame) != (n if nrows is None else nrows):
                raise changed
            by_position = dict(zip(wanted, range(len(wanted))))
            taken = {c: frame.iloc[:, by_position[positions[c]]].to_numpy(dtype=object) for c in columns}
            return {c: _strip_all(v[picked]) for c, v in taken.items()}
        return raw


def _frequency_and_gaps(index: pd.DatetimeIndex, notes: list[str]) -> tuple[str | None, int, list[pd.Timestamp]]:
    """``(freq, gap_count, first gaps)`` for a table's index; why there is no frequency goes to notes."""
    freq, why_not = infer_frequency(index)
    gaps: list[pd.Timestamp] = []
    gap_count = 0
    if freq is not None:
        grid = pd.date_range(index[0], index[-1], freq=_offset(freq))
        if len(grid) != len(index) or not grid.equals(index):
            missing_stamps = grid.difference(index)
            gap_count = len(missing_stamps)
            gaps = [pd.Timestamp(t) for t in missing_stamps[:GAPS_LISTED]]
    elif len(index) >= 2 and why_not:
        notes.append(why_not)
    return freq, gap_count, gaps


FAST_MIN_BYTES = 1 << 20  # smaller files go straight to the exact reader (a few ms for them)


def read_table(path: str | Path, date_column: str | None = None) -> Table:
    """Read and check a CSV file; see the module docstring for what is accepted.

    Large files are read by :class:`_FastReader` (pandas' C tokenizer, columns kept parsed) when
    they are plain enough for it to be exact; anything it cannot vouch for (quotes, ragged rows,
    odd dates...) goes to :func:`_read_exact`, the reference implementation, so both give the
    same table, notes and error messages.
    """
    shown = str(path)
    name = Path(shown).name or shown
    try:
        large = Path(path).is_file() and Path(path).stat().st_size >= FAST_MIN_BYTES
    except OSError:
        large = False
    if large:
        table = _FastReader(path, shown, name, date_column).read()
        if table is not None:
            return table
    data = _read_bytes(path, name)
    text, encoding = _decode(data, name)
    return _read_exact(text, encoding, shown, name, date_column)


def _read_exact(text: str, encoding: str, shown: str, name: str, date_column: str | None) -> Table:
    """The reference reader: Python's csv module, every row in Python."""
    text = _check_text(text, name)
    delimiter, text = _sniff(text, name)
    records = _records(text, delimiter, name)
    if not records:
        raise UserError(f"{name} is empty")
    notes: list[str] = []
    header_line, header = records[0]
    header = [h.lstrip("\ufeff").strip() for h in header]
    rows = records[1:]
    if not rows:
        raise UserError(f"{name} has a header line ({_names(header)}) but no data rows")

    # Every row as wide as the header: pad short rows, refuse long rows holding values.
    width = len(header)
    lines = np.array([line for line, _ in rows], dtype=np.int64)
    if all(len(fields) == width for _, fields in rows):
        cells = np.empty((len(rows), width), dtype=object)
        cells[:] = [fields for _, fields in rows]
        rows_to_fix: list = []
    else:
        cells = np.full((len(rows), width), "", dtype=object)
        rows_to_fix = rows
    for r, (line, fields) in enumerate(rows_to_fix):
        if len(fields) > width:
            extra = [f for f in fields[width:] if f]
            if extra:
                raise UserError(
                    f"line {line} of {name} has {len(fields)} fields but the header (line {header_line}) "
                    f"has {width}; check the {DELIMITER_NAMES.get(delimiter, repr(delimiter))} "
                    "delimiters and quotes on that line")
            fields = fields[:width]
        cells[r, : len(fields)] = fields

    # Header names: unnamed empty columns dropped, unnamed filled ones and duplicates refused.
    keep = []
    for j, column in enumerate(header):
        if column:
            keep.append(j)
            continue
        filled = np.flatnonzero(cells[:, j] != "")
        if len(filled):
            r = int(filled[0])
            raise UserError(f"column {j + 1} of {name} has no name in the header (line {header_line}) "
                            f"but holds values (first on line {lines[r]}: {_show(cells[r, j])}); "
                            "give it a name")
    if len(keep) < width:
        notes.append(f"{_plural(width - len(keep), 'unnamed empty column')} ignored")
    header = [header[j] for j in keep]
    cells = cells[:, keep]
    seen: dict[str, int] = {}
    for j, column in enumerate(header):
        if column in seen:
            raise UserError(f"column name '{column}' appears twice in the header of {name} "
                            f"(columns {seen[column] + 1} and {j + 1}); column names must be unique")
        seen[column] = j
    if not header:
        raise UserError(f"{name} does not look like a CSV table: its header line has no column names")

    # Dates.
    date_index, fmt = _choose_date_column(header, lambda i: list(cells[:, i]), date_column, name)
    date_name = header[date_index]
    date_values = list(cells[:, date_index])
    stamps, date_format = _parse_dates(date_name, date_values, lines, fmt, notes)
    value_columns = [c for j, c in enumerate(header) if j != date_index]
    values = np.delete(cells, date_index, axis=1)

    # Sort by time (stable: file order within a timestamp), then drop exact duplicates.
    order = np.argsort(stamps, kind="stable")
    if (np.diff(order) < 0).any():
        notes.append("rows sorted by date (the file was not in date order)")
    stamps, values, lines = stamps[order], values[order], lines[order]
    kinds_comma = [False] * len(value_columns)
    allow_comma = delimiter == ";"
    if allow_comma:
        kinds_comma = [_classify(values[:, j], True)[1] for j in range(len(value_columns))]
    keep_rows = np.ones(len(stamps), dtype=bool)
    starts = np.r_[True, stamps[1:] != stamps[:-1]]
    group_first = np.maximum.accumulate(np.where(starts, np.arange(len(stamps)), 0))
    for i in np.flatnonzero(~starts):
        first = int(group_first[i])
        differs = _rows_equal(values[first], values[i], kinds_comma)
        if differs is not None:
            when = format_timestamp(pd.Timestamp(stamps[i]))
            column = value_columns[differs]
            a, b = values[first, differs], values[i, differs]
            raise UserError(
                f"conflicting rows for {when}: lines {lines[first]} and {lines[i]} have the "
                f"same date with different values; column '{column}' is {_show(a)} on line "
                f"{lines[first]} and {_show(b)} on line {lines[i]}")
        keep_rows[i] = False
    duplicates = int((~keep_rows).sum())
    if duplicates:
        notes.append(f"{_plural(duplicates, 'exact duplicate row')} dropped")
        stamps, values, lines = stamps[keep_rows], values[keep_rows], lines[keep_rows]

    index = pd.DatetimeIndex(stamps, name=date_name)
    frame = pd.DataFrame({c: list(values[:, j]) for j, c in enumerate(value_columns)}, index=index)
    if not value_columns:
        frame = pd.DataFrame(index=index)

    # Columns.
    kinds: dict[str, str] = {}
    missing: dict[str, int] = {}
    decimal_comma: list[str] = []
    for j, column in enumerate(value_columns):
        column_values = values[:, j]
        kind, comma, non_numbers = _classify(column_values, allow_comma)
        kinds[column] = kind
        missing[column] = int(sum(v in MISSING_TOKENS for v in column_values))
        if comma:
            decimal_comma.append(column)
        filled = len(column_values) - missing[column]
        if kind in ("categorical", "text") and non_numbers and non_numbers <= 0.5 * filled:
            _, bad = parse_numbers(column_values)
            r = int(np.flatnonzero(bad)[0])
            notes.append(f"column '{column}' is mostly numbers but has "
                         f"{_plural(non_numbers, 'non-numeric value')} "
                         f"(first on line {lines[r]}: {_show(column_values[r])})")
    if decimal_comma:
        notes.append(f"decimal commas read in: {', '.join(decimal_comma)}")

    freq, gap_count, gaps = _frequency_and_gaps(index, notes)

    return Table(path=shown, frame=frame, lines=lines, date_column=date_name, freq=freq,
                 duplicates_dropped=duplicates, gap_count=gap_count, gaps=gaps,
                 column_kinds=kinds, missing=missing, delimiter=delimiter, encoding=encoding,
                 notes=notes, rows_read=len(rows), columns=list(header),
                 decimal_comma=decimal_comma, date_format=date_format)


# --------------------------------------------------------------------------------------------
# Summaries


def inspect(table: Table) -> dict:
    """A JSON-able summary of a table, for ``tsdesk-cli inspect --json`` and the GUI."""
    index = table.index
    return {
        "file": table.path,
        "rows": int(len(index)),
        "rows_read": int(table.rows_read),
        "unique_timestamps": int(index.nunique()),
        "start": _iso(index[0]) if len(index) else None,
        "end": _iso(index[-1]) if len(index) else None,
        "frequency": table.freq,
        "duplicates_dropped": int(table.duplicates_dropped),
        "gaps": int(table.gap_count),
        "first_gaps": [_iso(t) for t in table.gaps],
        "missing": {k: int(v) for k, v in table.missing.items()},
        "column_types": dict(table.column_kinds),
        "date_column": table.date_column,
        "date_format": table.date_format,
        "delimiter": table.delimiter,
        "encoding": table.encoding,
        "notes": list(table.notes),
    }


def format_inspect(d: dict) -> str:
    """The summary from :func:`inspect` as a readable report (what ``tsdesk-cli inspect`` prints)."""
    lines = [f"File:        {d['file']}"]
    rows = f"{d['rows']}"
    if d.get("rows_read", d["rows"]) != d["rows"]:
        rows += f" ({d['rows_read']} read, {d['duplicates_dropped']} duplicate(s) dropped)"
    lines.append(f"Rows:        {rows}")
    fmt = f", {d['date_format']}" if d.get("date_format") else ""
    lines.append(f"Dates:       {d['start']} .. {d['end']} (column '{d['date_column']}'{fmt})")
    freq = d["frequency"]
    lines.append(f"Frequency:   {freq} ({describe_freq(freq)})" if freq else "Frequency:   none (irregular dates)")
    if d["gaps"]:
        listed = ", ".join(d["first_gaps"]) + (", ..." if d["gaps"] > len(d["first_gaps"]) else "")
        lines.append(f"Gaps:        {d['gaps']} missing date(s): {listed}")
    else:
        lines.append("Gaps:        none")
    delimiter = DELIMITER_NAMES.get(d["delimiter"], repr(d["delimiter"]))
    lines.append(f"Format:      {delimiter}-separated, {d['encoding']}")
    lines.append("Columns:")
    names = list(d["column_types"])
    pad = max([len(n) for n in names] + [6])
    for column in names:
        blank = d["missing"].get(column, 0)
        extra = f"  {blank} blank" if blank else ""
        lines.append(f"  {column:<{pad}}  {d['column_types'][column]:<11}{extra}".rstrip())
    if not names:
        lines.append("  (only the date column)")
    if d["notes"]:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in d["notes"])
    return "\n".join(lines)
