"""Experiment files: one TOML format written by the GUI and run by ``tsdesk-cli run``.

```toml
[data]
path = "ridership.csv"          # relative to the experiment file, or absolute
date_column = "service_date"    # optional
target = "rail"
covariates = ["bus"]            # optional
known_future = ["day_type"]     # optional
missing = "interpolate"         # or "refuse"
[split]                         # optional: first 70 % train, next 15 % valid
train = ["2016-01-01", "2018-12-31"]
valid = ["2019-01-01", "2019-05-31"]
[model]
family = "seasonal_naive"
seed = 42
[model.params]
season = 7
[evaluation]
horizon = 1
backtest = ["2019-03-01", "2019-05-31"]   # optional: the last 15 %
levels = [80, 95]
```
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tsdesk.core.dataset import DatasetSpec
from tsdesk.core.fileio import atomic_write_text
from tsdesk.core.series import SeriesData, to_timestamp
from tsdesk.errors import UserError

SECTIONS = {
    "data": {"path", "date_column", "target", "covariates", "known_future", "missing"},
    "split": {"train", "valid"},
    "model": {"family", "params", "seed"},
    "evaluation": {"horizon", "backtest", "levels", "conformal", "intervals"},
}
DEFAULT_LEVELS = (80, 95)


@dataclass
class Experiment:
    """A resolved experiment; ``base_dir`` anchors a relative data path."""

    data: DatasetSpec
    family: str
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 42
    train: tuple[str, str] | None = None
    valid: tuple[str, str] | None = None
    horizon: int = 1
    backtest: tuple[str, str] | None = None
    levels: tuple[int, ...] = DEFAULT_LEVELS
    evaluation_extra: dict[str, Any] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "experiment"

    @property
    def data_path(self) -> Path:
        p = Path(self.data.path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def to_dict(self, absolute_path: bool = False) -> dict[str, Any]:
        data = {k: v for k, v in self.data.to_dict().items() if v not in (None, [], "")}
        if absolute_path:
            data["path"] = str(self.data_path.resolve())
        out: dict[str, Any] = {"data": data}
        split = {}
        if self.train:
            split["train"] = list(self.train)
        if self.valid:
            split["valid"] = list(self.valid)
        if split:
            out["split"] = split
        out["model"] = {"family": self.family, "seed": self.seed,
                        "params": {k: v for k, v in self.params.items() if v is not None}}
        ev: dict[str, Any] = {"horizon": self.horizon, "levels": list(self.levels)}
        if self.backtest:
            ev["backtest"] = list(self.backtest)
        ev.update(self.evaluation_extra)
        out["evaluation"] = ev
        return out

    def to_toml(self, absolute_path: bool = False) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict(absolute_path))

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, self.to_toml())


def _where(source: str, key: str) -> str:
    return f"{source}: [{key}]" if "." not in key else f"{source}: {key}"


def _pair(value: Any, key: str, source: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise UserError(f"{source}: {key} must be a pair of dates [start, end], got {value!r}")
    return (str(value[0]), str(value[1]))


def parse_value(text: str) -> Any:
    """A ``--set`` value as TOML (numbers, booleans, lists, quoted strings) or a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(raw: dict, assignment: str) -> None:
    """``model.params.units=64`` sets raw["model"]["params"]["units"] = 64."""
    key, sep, value = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UserError(f"--set {assignment!r}: use KEY=VALUE, e.g. model.params.units=64")
    parts = key.split(".")
    if parts[0] not in SECTIONS:
        raise UserError(f"--set {key}: unknown section '{parts[0]}'; sections: {', '.join(SECTIONS)}")
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"--set {key}: '{part}' is not a table")
        node = child
    node[parts[-1]] = parse_value(value.strip())


def experiment_from_dict(raw: dict, base_dir: Path, source: str = "experiment") -> Experiment:
    """Check every section and key; unknown ones are user errors naming the key."""
    raw = copy.deepcopy(raw)
    for section, value in raw.items():
        if section not in SECTIONS:
            raise UserError(f"{source}: unknown section [{section}]; expected {', '.join(f'[{s}]' for s in SECTIONS)}")
        if not isinstance(value, dict):
            raise UserError(f"{source}: '{section}' must be a table [{section}]")
        extra = set(value) - SECTIONS[section]
        if extra:
            raise UserError(f"{source}: unknown key '{sorted(extra)[0]}' in [{section}]; "
                            f"known keys: {', '.join(sorted(SECTIONS[section]))}")
    data = raw.get("data")
    if not data or "path" not in data:
        raise UserError(f"{source}: [data] needs path = \"FILE.csv\"")
    for key in ("covariates", "known_future"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(c, str) for c in data[key])):
            raise UserError(f"{source}: [data] {key} must be a list of column names, got {data[key]!r}")
    missing = data.get("missing", "interpolate")
    if missing not in ("interpolate", "refuse"):
        raise UserError(f"{source}: [data] missing must be \"interpolate\" or \"refuse\", got {missing!r}")
    spec = DatasetSpec(path=str(data["path"]), target=data.get("target"), date_column=data.get("date_column"),
                       covariates=list(data.get("covariates", [])), known_future=list(data.get("known_future", [])),
                       missing=missing)
    model = raw.get("model") or {}
    family = model.get("family")
    if not family or not isinstance(family, str):
        raise UserError(f"{source}: [model] needs family = \"NAME\" (see tsdesk-cli plugins)")
    params = model.get("params", {})
    if not isinstance(params, dict):
        raise UserError(f"{source}: [model.params] must be a table")
    seed = model.get("seed", 42)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise UserError(f"{source}: [model] seed must be a whole number >= 0, got {seed!r}")
    split = raw.get("split", {})
    ev = dict(raw.get("evaluation", {}))
    horizon = ev.pop("horizon", 1)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 10000:
        raise UserError(f"{source}: [evaluation] horizon must be a whole number from 1 to 10000, got {horizon!r}")
    levels = ev.pop("levels", list(DEFAULT_LEVELS))
    if not isinstance(levels, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               and 0 < v < 100 for v in levels):
        raise UserError(f"{source}: [evaluation] levels must be a list of percentages between 0 and 100, got {levels!r}")
    if any(float(v) != int(v) for v in levels):
        raise UserError(f"{source}: [evaluation] levels must be whole percentages such as 80 or 95, got {levels!r}")
    conformal = ev.get("conformal", "auto")
    if conformal not in (True, False, "auto", "adaptive"):
        raise UserError(f"{source}: [evaluation] conformal must be true, false, \"auto\" or \"adaptive\", got {conformal!r}")
    intervals = ev.get("intervals", "model")
    if intervals not in ("model", "mc_dropout"):
        raise UserError(f"{source}: [evaluation] intervals must be \"model\" or \"mc_dropout\", got {intervals!r}")
    return Experiment(
        data=spec, family=family, params=dict(params), seed=seed,
        train=_pair(split.get("train"), "[split] train", source),
        valid=_pair(split.get("valid"), "[split] valid", source),
        horizon=horizon, backtest=_pair(ev.pop("backtest", None), "[evaluation] backtest", source),
        levels=tuple(sorted({int(v) for v in levels})), evaluation_extra=ev, base_dir=base_dir,
        source=source)


def load_experiment(path: str | Path, overrides: list[str] | None = None) -> Experiment:
    path = Path(path)
    if not path.exists():
        raise UserError(f"experiment file not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a folder, not an experiment file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a text file (expected TOML)") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    for assignment in overrides or []:
        apply_override(raw, assignment)
    return experiment_from_dict(raw, path.resolve().parent, source=str(path))


# --------------------------------------------------------------------------------------------
# Splits


@dataclass
class Split:
    """Row positions: ``train`` and ``valid`` slices and the backtest rows [bt_start, bt_stop)."""

    train: slice
    valid: slice | None
    bt_start: int
    bt_stop: int
    notes: list[str] = field(default_factory=list)

    def as_dates(self, index: pd.DatetimeIndex) -> dict[str, list[str]]:
        def span(a: int, b: int) -> list[str]:
            return [_iso(index[a]), _iso(index[b - 1])]

        out = {"train": span(self.train.start, self.train.stop)}
        if self.valid is not None:
            out["valid"] = span(self.valid.start, self.valid.stop)
        out["backtest"] = span(self.bt_start, self.bt_stop)
        return out


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()


def _bound(value: str, what: str, end: bool, tz) -> pd.Timestamp:
    """A start or an inclusive end date; '2019' and '2019-05' name a whole year or month."""
    text = str(value).strip()
    if end and len(text) in (4, 7) and text[:4].isdigit():
        try:
            ts = pd.Period(text).end_time.floor("s")
            return to_timestamp(ts, what, tz)
        except (ValueError, TypeError):
            pass
    return to_timestamp(text, what, tz)


def _span(series: SeriesData, pair: tuple[str, str], what: str) -> tuple[int, int]:
    tz = getattr(series.index, "tz", None)
    start = _bound(pair[0], f"{what} start", False, tz)
    end = _bound(pair[1], f"{what} end", True, tz)
    first, last = series.index[0], series.index[-1]
    if end < start:
        raise UserError(f"the {what} period ends ({pair[1]}) before it starts ({pair[0]})")
    if start > last:
        raise UserError(f"the {what} period starts on {pair[0]}, after the last date in the data ({_iso(last)})")
    if end < first:
        raise UserError(f"the {what} period ends on {pair[1]}, before the first date in the data ({_iso(first)})")
    a = int(series.index.searchsorted(start, "left"))
    b = int(series.index.searchsorted(end, "right"))
    if b <= a:
        raise UserError(f"the {what} period {pair[0]} to {pair[1]} contains no rows of the data")
    return a, b


def resolve_split(exp: Experiment, series: SeriesData) -> Split:
    """Turn the experiment's dates into row positions, with the documented defaults."""
    n = series.n
    notes: list[str] = []
    if n < 10:
        raise UserError(f"the series has only {n} rows; at least 10 are needed to train and backtest")
    if exp.backtest:
        bt = _span(series, exp.backtest, "backtest")
    else:
        bt = (n - max(1, round(n * 0.15)), n)
    if exp.train:
        train = _span(series, exp.train, "train")
        valid = _span(series, exp.valid, "valid") if exp.valid else None
    elif exp.valid:
        raise UserError("[split] gives valid without train; give both, or neither for the defaults")
    else:
        n_train = round(n * 0.70)
        n_valid = round(n * 0.15)
        if exp.backtest:  # fit the default split into the rows before the backtest
            n_train = round(bt[0] * 70 / 85)
            n_valid = bt[0] - n_train
        train = (0, n_train)
        valid = (n_train, n_train + n_valid) if n_valid > 0 else None
    if valid is not None and valid[0] < train[1]:
        raise UserError(f"the valid period must start after the train period ends ({_iso(series.index[train[1] - 1])})")
    if bt[0] < train[1]:
        raise UserError(
            f"the backtest period starts on {_iso(series.index[bt[0]])}, inside the train period "
            f"(which ends {_iso(series.index[train[1] - 1])}); move it after the training data")
    if bt[0] < exp.horizon:
        raise UserError("the backtest period starts too early: there is no history before its first forecast")
    if valid is not None and bt[0] < valid[1]:
        notes.append("the backtest overlaps the valid period: scores are optimistic for models that "
                     "use validation data (early stopping, calibration)")
    return Split(slice(*train), slice(*valid) if valid else None, bt[0], bt[1], notes)
