"""Turn a read table and the user's choice of columns into the series models train on.

:func:`build_series` decides what the columns mean (target, past-only covariates, known-future
inputs), puts the rows on the regular grid of the table's frequency, fills or refuses missing
values, one-hot encodes categorical known-future inputs and splits off the trailing rows that
carry known-future values for the forecast. Everything it does to the data is written to
``SeriesData.notes`` so the user can see it; everything it cannot do is a :class:`UserError`
naming the column, line, date or value.

Table-level notes (duplicates dropped, time zones) stay in ``Table.notes``; ``SeriesData.notes``
only holds what building the series did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from tsdesk.core.csvread import (
    MISSING_LIKE, MISSING_TOKENS, Table, _names, _plural, _show, describe_freq, format_timestamp,
    parse_numbers, read_table,
)
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError

__all__ = ["DatasetSpec", "SeriesData", "build_series", "load_series", "encode_known_future",
           "MISSING_POLICIES", "MAX_CATEGORIES", "MIN_OBSERVED"]

MISSING_POLICIES = ("interpolate", "refuse")
MAX_CATEGORIES = 100   # one-hot columns per categorical known-future input
MIN_OBSERVED = 3       # target values needed to build a series


# --------------------------------------------------------------------------------------------
# The spec


def _column_list(value: Any, what: str) -> list[str]:
    """A list of column names from a list, a tuple or ``"a, b"`` text (CLI and project files)."""
    if value is None:
        return []
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        raise UserError(f"dataset setting '{what}' must be a list of column names, got {value!r}")
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


@dataclass
class DatasetSpec:
    """Which file and which columns make the series; saved in projects and run records.

    ``target=None`` means the first numeric column that is not a covariate or known-future
    input. ``missing`` is ``"interpolate"`` (fill in time, edges with the nearest value) or
    ``"refuse"`` (any missing value is an error).
    """

    path: str
    target: str | None = None
    date_column: str | None = None
    covariates: list[str] = field(default_factory=list)
    known_future: list[str] = field(default_factory=list)
    missing: str = "interpolate"

    def __post_init__(self) -> None:
        self.path = str(self.path) if isinstance(self.path, Path) else self.path
        if not isinstance(self.path, str) or not self.path.strip():
            raise UserError("dataset setting 'path' must name a CSV file")
        for name in ("target", "date_column"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise UserError(f"dataset setting '{name}' must be a column name, got {value!r}")
            setattr(self, name, (value.strip() or None) if isinstance(value, str) else None)
        self.covariates = _column_list(self.covariates, "covariates")
        self.known_future = _column_list(self.known_future, "known_future")
        policy = str(self.missing).strip().lower() if self.missing is not None else ""
        if policy not in MISSING_POLICIES:
            raise UserError(f"missing-value policy must be one of {', '.join(MISSING_POLICIES)}; "
                            f"got {self.missing!r}")
        self.missing = policy

    def to_dict(self) -> dict:
        return {"path": self.path, "target": self.target, "date_column": self.date_column,
                "covariates": list(self.covariates), "known_future": list(self.known_future),
                "missing": self.missing}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DatasetSpec":
        """Inverse of :meth:`to_dict`; unknown keys are refused so typos in project files show."""
        if not isinstance(d, Mapping):
            raise UserError(f"dataset settings must be a table of names and values, got {type(d).__name__}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise UserError(f"unknown dataset setting '{unknown[0]}'; known settings: {', '.join(known)}")
        if "path" not in d:
            raise UserError("dataset settings need a 'path' naming the CSV file")
        return cls(**{k: d[k] for k in known if k in d})


# --------------------------------------------------------------------------------------------
# Column checks


def _check_column(table: Table, column: str, role: str) -> None:
    if column == table.date_column:
        raise UserError(f"column '{column}' is the date column; it cannot be {role}")
    if column not in table.value_columns:
        raise UserError(f"column '{column}' not found; columns: {_names(table.all_columns)}")


def _numbers(table: Table, column: str) -> np.ndarray:
    """The column's floats (NaN where blank), or a UserError naming its first non-number."""
    values, bad = table.numbers(column)
    if bad.any():
        raw = table.column_values(column)
        first = int(np.flatnonzero(bad)[0])
        hint = "; leave missing values blank" if raw[first].lower() in MISSING_LIKE else ""
        raise UserError(f"column '{column}' has {_plural(int(bad.sum()), 'non-numeric value')} "
                        f"(first on line {table.lines[first]}: {_show(raw[first])}){hint}")
    if np.isnan(values).all():
        raise UserError(f"column '{column}' in {table.name} is empty")
    return values


def _resolve_target(table: Table, spec: DatasetSpec) -> str:
    if spec.target is not None:
        _check_column(table, spec.target, "the target")
        return spec.target
    taken = set(spec.covariates) | set(spec.known_future)
    for column, kind in table.column_kinds.items():
        if column in taken:
            continue
        if kind == "numeric":
            return column
        if kind in ("categorical", "text"):
            # Mostly numbers with a few typos: it is meant as the target, so name the typos
            # instead of silently forecasting the next column.
            values, bad = table.numbers(column)
            if (~np.isnan(values)).sum() >= bad.sum():
                return column
    if not table.value_columns:
        raise UserError(f"{table.name} has only the date column '{table.date_column}'; "
                        "it needs a column of numbers to forecast")
    raise UserError(f"no numeric column to forecast in {table.name} (columns: {_names(table.all_columns)}); "
                    "name the target column")


def _fill_numeric(values: np.ndarray, grid: pd.DatetimeIndex, column: str, policy: str,
                  notes: list[str]) -> np.ndarray:
    """Interpolate missing numbers linearly in time (edges: nearest value) or refuse them."""
    missing = np.isnan(values)
    count = int(missing.sum())
    if not count:
        return values
    if missing.all():
        raise UserError(f"column '{column}' has no values up to {format_timestamp(grid[-1])}")
    if policy == "refuse":
        first = format_timestamp(grid[int(np.flatnonzero(missing)[0])])
        raise UserError(f"column '{column}' has {_plural(count, 'missing value')} (first at {first}); "
                        "fill them in the file or use the 'interpolate' missing-value policy")
    series = pd.Series(values, index=grid)
    inside = series.interpolate(method="time", limit_area="inside")
    edges = int(inside.isna().sum())
    filled = inside.ffill().bfill().to_numpy(dtype=np.float64)
    if count - edges:
        notes.append(f"{_plural(count - edges, 'missing value')} filled by interpolation in '{column}'")
    if edges:
        notes.append(f"{_plural(edges, 'missing value')} at the start or end of '{column}' "
                     "filled with the nearest value")
    return filled


# --------------------------------------------------------------------------------------------
# Known-future encoding


def encode_known_future(values: pd.DataFrame | Table, known_future: Sequence[str],
                        categories: Mapping[str, Sequence[str]],
                        lines: Sequence[int] | None = None) -> tuple[np.ndarray, list[str]]:
    """Known-future columns as model features: ``(matrix, feature names)``.

    Columns named in ``categories`` are one-hot encoded in that category order (``day_type=W``),
    so new data (a forecast file) is encoded exactly like the training data; the others must
    be numbers. Blank cells and values the categories do not know are user errors naming the
    row (its file line when ``lines`` or a :class:`Table` is given, else its date).
    """
    decimal_comma: Sequence[str] = ()
    if isinstance(values, Table):
        table = values
        lines = table.lines if lines is None else lines
        decimal_comma = table.decimal_comma
        index, columns = table.index, table.value_columns

        def column_data(column: str) -> np.ndarray:
            return table.column_values(column)
    else:
        frame = values
        index, columns = frame.index, list(frame.columns)

        def column_data(column: str) -> np.ndarray:
            cells = frame[column]
            return cells.to_numpy(dtype=np.float64) if cells.dtype.kind in "fiub" else cells.to_numpy(dtype=object)

    def where(i: int) -> str:
        if lines is not None:
            return f"on line {lines[i]}"
        return f"at {format_timestamp(index[i])}" if isinstance(index, pd.DatetimeIndex) \
            else f"in row {i + 1}"

    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in known_future:
        if column not in columns:
            raise UserError(f"known-future column '{column}' not found; columns: {_names(columns)}")
        raw = column_data(column)
        if column in categories:
            cats = [str(c) for c in categories[column]]
            blocks.append(_one_hot(raw, cats, column, where))
            names.extend(f"{column}={c}" for c in cats)
        else:
            if raw.dtype.kind == "f" or all(isinstance(v, (int, float, np.number)) for v in raw):
                numbers, bad = np.asarray(raw, dtype=np.float64), np.zeros(len(raw), dtype=bool)
            else:
                numbers, bad = parse_numbers(raw, decimal_comma=column in decimal_comma)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise UserError(f"known-future column '{column}' has {_plural(int(bad.sum()), 'non-numeric value')} "
                                f"(first {where(i)}: {_show(str(raw[i]))})")
            if np.isnan(numbers).any():
                i = int(np.flatnonzero(np.isnan(numbers))[0])
                raise UserError(f"known-future column '{column}' is blank {where(i)}")
            blocks.append(numbers.reshape(-1, 1))
            names.append(column)
    n = len(index)
    matrix = np.column_stack(blocks) if blocks else np.zeros((n, 0))
    return matrix.astype(np.float64), names


def _cell_text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def _one_hot(raw: np.ndarray, cats: list[str], column: str, where) -> np.ndarray:
    """One column per category; a blank or unknown value is an error naming its row."""
    position = {c: j for j, c in enumerate(cats)}
    block = np.zeros((len(raw), len(cats)))
    codes, uniques = _string_codes(raw)
    if codes is not None:
        # All strings: decide once per distinct value, then find the first bad row.
        texts = [u.strip() for u in uniques]
        blank = np.array([t in MISSING_TOKENS for t in texts], dtype=bool)
        slot = np.array([position.get(t, -1) for t in texts], dtype=np.int64)
        bad = blank[codes] | (slot[codes] < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            text = texts[codes[i]]
            if text in MISSING_TOKENS:
                raise UserError(f"known-future column '{column}' is blank {where(i)}")
            raise UserError(f"known-future column '{column}' has the value {_show(text)} {where(i)}, "
                            f"which the training data did not have (known values: {_names(cats)})")
        block[np.arange(len(raw)), slot[codes]] = 1.0
        return block
    for i, v in enumerate(raw):
        text = _cell_text(v)
        if text in MISSING_TOKENS:
            raise UserError(f"known-future column '{column}' is blank {where(i)}")
        if text not in position:
            raise UserError(f"known-future column '{column}' has the value {_show(text)} {where(i)}, "
                            f"which the training data did not have (known values: {_names(cats)})")
        block[i, position[text]] = 1.0
    return block


def _string_codes(values: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(codes, distinct values)`` when every value is a string, else ``(None, None)``."""
    if not len(values) or values.dtype != object:
        return None, None
    codes, uniques = pd.factorize(values)
    # A string is never equal to a number, so all-string distinct values mean all-string values.
    if (codes < 0).any() or not all(type(u) is str for u in uniques):
        return None, None
    return codes, uniques


def _category_values(table: Table, column: str) -> np.ndarray:
    """A categorical column's values, after refusing columns that are really broken numbers."""
    raw = table.column_values(column)
    codes, uniques = pd.factorize(raw)
    counts = np.bincount(codes, minlength=len(uniques))
    filled = np.array([u not in MISSING_TOKENS for u in uniques], dtype=bool)
    distinct = int(filled.sum())
    n_filled = int(counts[filled].sum())
    _, bad = parse_numbers(uniques[filled])
    if distinct > 20 and counts[filled][bad].sum() <= 0.1 * n_filled:
        _numbers(table, column)  # mostly numbers with a few typos: name the first typo
    if distinct > MAX_CATEGORIES:
        raise UserError(f"known-future column '{column}' has {distinct} different values; "
                        f"a category column may have at most {MAX_CATEGORIES}")
    return raw


# --------------------------------------------------------------------------------------------
# build_series


def build_series(table: Table, spec: DatasetSpec) -> SeriesData:
    """The validated, regular, gap-free series for ``spec``'s columns of ``table``."""
    if spec.date_column is not None and spec.date_column != table.date_column \
            and spec.date_column.lower() != table.date_column.lower():
        raise UserError(f"{table.name} was read with date column '{table.date_column}', not "
                        f"'{spec.date_column}'; read it again naming '{spec.date_column}'")
    target = _resolve_target(table, spec)
    for column in spec.covariates:
        _check_column(table, column, "a covariate")
    for column in spec.known_future:
        _check_column(table, column, "a known-future input")
    if target in spec.covariates:
        raise UserError(f"column '{target}' is the target; it cannot also be a covariate")
    if target in spec.known_future:
        raise UserError(f"column '{target}' is the target; it cannot also be a known-future input")
    both = [c for c in spec.covariates if c in spec.known_future]
    if both:
        raise UserError(f"column '{both[0]}' is both a covariate and a known-future input; choose one")

    notes: list[str] = []
    index, lines = table.index, table.lines
    n_rows = len(index)
    y_all = _numbers(table, target)
    covariates = {c: _numbers(table, c) for c in spec.covariates}

    # Known-future columns: numbers, or categories to one-hot encode.
    kinds: dict[str, str] = {}
    known_raw: dict[str, np.ndarray] = {}
    for column in spec.known_future:
        kind = table.column_kinds.get(column, "text")
        if kind == "empty":
            raise UserError(f"column '{column}' in {table.name} is empty")
        kinds[column] = "numeric" if kind == "numeric" else "categorical"
        if kinds[column] == "numeric":
            known_raw[column] = _numbers(table, column)
        else:
            known_raw[column] = _category_values(table, column)

    # Observed rows end at the last target value; what follows is the known future or dropped.
    present = ~np.isnan(y_all)
    n_observed = int(present.sum())
    if n_observed < MIN_OBSERVED:
        raise UserError(f"column '{target}' has only {_plural(n_observed, 'value')} in {table.name}; "
                        f"at least {MIN_OBSERVED} are needed")
    last = len(present) - 1 - int(np.argmax(present[::-1]))
    trailing = np.arange(last + 1, n_rows)
    future_rows = np.arange(0)
    if len(trailing):
        if spec.known_future:
            def filled(i: int) -> bool:
                return any(_is_filled(known_raw[c][i]) for c in spec.known_future)
            end = n_rows
            while end > last + 1 and not filled(end - 1):
                end -= 1
            future_rows = np.arange(last + 1, end)
            if end < n_rows:
                notes.append(f"{_plural(n_rows - end, 'row')} at the end with neither '{target}' "
                             "nor known-future values ignored")
            for i in future_rows:
                for column in spec.known_future:
                    if not _is_filled(known_raw[column][i]):
                        raise UserError(
                            f"known-future column '{column}' is blank on line {lines[i]} "
                            f"({format_timestamp(index[i])}, a row after the last '{target}' "
                            "value); fill it in or remove the row")
        else:
            notes.append(f"{_plural(len(trailing), 'row')} after the last '{target}' value ignored "
                         "(no known-future columns)")

    if table.freq is None:
        why = next((n for n in table.notes if "irregular" in n or "evenly" in n), "")
        raise UserError(f"the dates in column '{table.date_column}' of {table.name} are irregular: "
                        "no frequency could be inferred" + (f" ({why})" if why else "")
                        + "; the series needs evenly spaced dates")
    offset = pd.tseries.frequencies.to_offset(table.freq)

    # The regular grid of the observed part, and where each observed row lands on it.
    obs_index = index[: last + 1]
    grid = pd.date_range(obs_index[0], obs_index[-1], freq=offset, name=table.date_column)
    position = None   # no gaps: every row is on the grid, in order
    if len(grid) != len(obs_index) or not grid.equals(obs_index):
        position = grid.get_indexer(obs_index)
    if position is not None and (position < 0).any():
        i = int(np.flatnonzero(position < 0)[0])
        raise UserError(f"the dates in column '{table.date_column}' are irregular: "
                        f"{format_timestamp(obs_index[i])} on line {lines[i]} is off the "
                        f"{describe_freq(table.freq)} grid")
    inserted = len(grid) - len(obs_index)
    if inserted:
        gaps = grid.difference(obs_index)
        notes.append(f"{_plural(inserted, 'missing date')} added to the {describe_freq(table.freq)} grid "
                     f"(first: {format_timestamp(gaps[0])})")

    # Future rows must continue the grid without holes.
    future_index = None
    if len(future_rows):
        expected = pd.date_range(grid[-1], periods=len(future_rows) + 1, freq=offset,
                                 name=table.date_column)[1:]
        actual = index[future_rows]
        if not expected.equals(actual):
            k = int(np.flatnonzero(expected != actual)[0])
            raise UserError(
                f"the rows after the last '{target}' value must be consecutive "
                f"{describe_freq(table.freq)} dates: {format_timestamp(expected[k])} is missing "
                f"(line {lines[future_rows[k]]} is for {format_timestamp(actual[k])})")
        future_index = pd.DatetimeIndex(expected, name=table.date_column)
        notes.append(f"{_plural(len(future_rows), 'row')} after the last '{target}' value "
                     f"({format_timestamp(expected[0])} to {format_timestamp(expected[-1])}) "
                     "used as known-future inputs")

    def on_grid(values: np.ndarray, fill: Any) -> np.ndarray:
        if position is None:
            return values[: last + 1].copy()
        out = np.full(len(grid), fill, dtype=values.dtype)
        out[position] = values[: last + 1]
        return out

    y = _fill_numeric(on_grid(y_all, np.nan), grid, target, spec.missing, notes)
    X_cov = np.zeros((len(grid), len(spec.covariates)))
    for j, column in enumerate(spec.covariates):
        X_cov[:, j] = _fill_numeric(on_grid(covariates[column], np.nan), grid, column, spec.missing, notes)

    # Known-future values: observed part filled, future part appended, categories one-hot.
    known_frame: dict[str, np.ndarray] = {}
    categories: dict[str, list[str]] = {}
    for column in spec.known_future:
        future_part = known_raw[column][future_rows]
        if kinds[column] == "numeric":
            past = _fill_numeric(on_grid(known_raw[column], np.nan), grid, column, spec.missing, notes)
            known_frame[column] = np.concatenate([past, future_part.astype(np.float64)])
        else:
            past = _fill_categories(on_grid(known_raw[column], ""), grid, column, spec.missing, notes)
            values = np.concatenate([past, future_part])
            categories[column] = sorted(pd.unique(values).tolist())
            known_frame[column] = values
    full_index = grid.append(future_index) if future_index is not None else grid
    X_future, future_features = encode_known_future(
        pd.DataFrame(known_frame, index=full_index), spec.known_future, categories)

    return SeriesData(
        index=grid, freq=table.freq, target=target, y=y, covariates=list(spec.covariates),
        X_cov=X_cov, known_future=list(spec.known_future), future_features=future_features,
        X_future=X_future, future_index=future_index, categories=categories, notes=notes)


def _filled_mask(values: np.ndarray) -> np.ndarray:
    """Which cells of a raw-string (or float) column hold a value."""
    codes, uniques = _string_codes(np.asarray(values))
    if codes is not None:
        filled = np.array([u.strip() not in MISSING_TOKENS for u in uniques], dtype=bool)
        return filled[codes]
    cells = pd.Series(values, dtype=object)
    return (~(cells.isna() | cells.astype(str).str.strip().isin(list(MISSING_TOKENS)))).to_numpy(dtype=bool)


def _is_filled(value: Any) -> bool:
    if isinstance(value, float):
        return not np.isnan(value)
    return str(value).strip() not in MISSING_TOKENS


def _fill_categories(values: np.ndarray, grid: pd.DatetimeIndex, column: str, policy: str,
                     notes: list[str]) -> np.ndarray:
    """Fill blank categories from the previous row (then the next, at the start) or refuse them."""
    missing = ~_filled_mask(values)
    count = int(missing.sum())
    if not count:
        return values.astype(object)
    if missing.all():
        raise UserError(f"column '{column}' has no values up to {format_timestamp(grid[-1])}")
    if policy == "refuse":
        first = format_timestamp(grid[int(np.flatnonzero(missing)[0])])
        raise UserError(f"column '{column}' has {_plural(count, 'missing value')} (first at {first}); "
                        "fill them in the file or use the 'interpolate' missing-value policy")
    series = pd.Series(np.where(missing, None, values), dtype=object)
    filled = series.ffill().bfill().to_numpy(dtype=object)
    notes.append(f"{_plural(count, 'missing value')} in '{column}' filled from the previous row "
                 "(or the next one at the start)")
    return filled


def load_series(spec: DatasetSpec) -> tuple[Table, SeriesData]:
    """Read ``spec.path`` and build its series: what the CLI and GUI call."""
    table = read_table(spec.path, spec.date_column)
    return table, build_series(table, spec)
