"""The public, versioned contract between tsdesk and model-family plugins.

A plugin is any module registered under the entry-point group ``tsdesk.plugins`` that implements
``tsdesk_register_model_families(registry)``. It declares families cheaply (names, parameter
schemas, import paths as strings); the heavy code behind ``trainer`` and ``loader`` is imported
only when a user trains or loads a model, so installing a TensorFlow plugin never slows launch.

This module imports nothing heavy: only the standard library, numpy and pluggy.
"""

from __future__ import annotations

import importlib
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

import numpy as np
import pluggy

from tsdesk.errors import Cancelled, UserError

if TYPE_CHECKING:
    from tsdesk.core.dataset import SeriesData

__all__ = [
    "API_VERSION", "hookimpl", "hookspec", "Param", "ModelFamily", "Registry", "TrainingTask",
    "Progress", "FittedModel", "ForecastArrays", "UserError", "Cancelled", "resolve",
]

API_VERSION = 1
"""Bumped when a change breaks existing plugins. A family declaring another version is listed as
broken with the reason, and the rest of the application keeps working."""

PROJECT = "tsdesk"
ENTRY_POINT_GROUP = "tsdesk.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class Hookspecs:
    """Hooks a plugin may implement."""

    @hookspec
    def tsdesk_register_model_families(self, registry: "Registry") -> None:
        """Add model families with ``registry.add(ModelFamily(...))``. Must not import heavy code."""


# --------------------------------------------------------------------------------------------
# Parameters


PARAM_TYPES = ("int", "float", "bool", "choice", "str", "ints")


@dataclass(frozen=True)
class Param:
    """One parameter of a family: the host builds a form field and validates values from it.

    ``type`` is one of int, float, bool, choice, str, ints (a list of integers, such as an ARIMA
    order or WaveNet dilations). ``default=None`` with ``optional=True`` means "chosen
    automatically"; ``auto_text`` says how (e.g. "from the data's frequency").
    """

    name: str
    type: str
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    group: str = "Model"
    optional: bool = False
    auto_text: str = ""
    length: int | None = None  # exact length for "ints", when fixed
    label: str = ""

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"param {self.name!r}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"param {self.name!r}: a choice needs choices")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def validate(self, value: Any, owner: str = "") -> Any:
        """Return ``value`` coerced to this parameter's type or raise :class:`UserError`."""
        where = f"parameter '{self.name}'" + (f" of {owner}" if owner else "")
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto", "none")
                             and self.type != "str"):
            if self.optional:
                return None
            raise UserError(f"{where} needs a value")
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
                return value.strip().lower() in ("true", "yes", "1", "on")
            if isinstance(value, (int, np.integer)) and value in (0, 1):
                return bool(value)
            raise UserError(f"{where} must be true or false, got {value!r}")
        if self.type == "choice":
            text = str(value).strip()
            if text not in self.choices:
                raise UserError(f"{where} must be one of {', '.join(self.choices)}; got {value!r}")
            return text
        if self.type == "str":
            return str(value)
        if self.type == "ints":
            items = value
            if isinstance(value, str):
                items = [v for v in value.replace("(", "").replace(")", "").replace("[", "")
                         .replace("]", "").replace(";", ",").replace(" ", ",").split(",") if v]
            if not isinstance(items, (list, tuple)):
                raise UserError(f"{where} must be a list of integers, got {value!r}")
            out = [self._number(v, where, integer=True, ranged=True) for v in items]
            if self.length is not None and len(out) != self.length:
                raise UserError(f"{where} must have {self.length} integers, got {len(out)}: {value!r}")
            if not out:
                raise UserError(f"{where} must not be empty")
            return out
        return self._number(value, where, integer=self.type == "int", ranged=True)

    def _number(self, value: Any, where: str, integer: bool, ranged: bool) -> Any:
        kind = "an integer" if integer else "a number"
        if isinstance(value, bool):
            raise UserError(f"{where} must be {kind}, got {value!r}")
        try:
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise UserError(f"{where} must be {kind}, got {value!r}") from None
        if not math.isfinite(number):
            raise UserError(f"{where} must be a finite number, got {value!r}")
        if integer:
            if number != int(number):
                raise UserError(f"{where} must be {kind}, got {value!r}")
            number = int(number)
        if ranged:
            if self.min is not None and number < self.min:
                raise UserError(f"{where} must be >= {_fmt(self.min)}, got {value!r}")
            if self.max is not None and number > self.max:
                raise UserError(f"{where} must be <= {_fmt(self.max)}, got {value!r}")
        return number


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --------------------------------------------------------------------------------------------
# Families


CAPABILITIES = ("intervals", "covariates", "known_future", "multi_horizon", "gpu", "fast_backtest")


@dataclass(frozen=True)
class ModelFamily:
    """A model family as a plugin declares it: cheap to build, nothing heavy imported.

    ``trainer`` and ``loader`` are import paths ``"package.module:function"``:
    ``train(task: TrainingTask, progress: Progress) -> FittedModel`` and
    ``load(folder: Path) -> FittedModel``. ``renderer`` optionally names
    ``render(plot, result, fitted_info)`` for a custom forecast view; ``form`` optionally names a
    Qt widget class replacing the generated parameter form.
    """

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    trainer: str
    loader: str
    renderer: str | None = None
    form: str | None = None
    capabilities: frozenset[str] = frozenset()
    api_version: int = API_VERSION
    param_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"family {self.name!r} declares a parameter twice")
        unknown = set(self.capabilities) - set(CAPABILITIES)
        if unknown:
            raise ValueError(f"family {self.name!r}: unknown capabilities {sorted(unknown)}")

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, (list, tuple)) else p.default)
                for p in self.params}

    def validate_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults filled in, every value checked; unknown names are a user error."""
        params = dict(params or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(params) - known)
        if unknown:
            raise UserError(
                f"unknown parameter '{unknown[0]}' for model family {self.name}; "
                f"known parameters: {', '.join(sorted(known)) or 'none'}")
        out = {}
        for p in self.params:
            out[p.name] = p.validate(params[p.name], self.name) if p.name in params else \
                p.validate(p.default, self.name) if not (p.default is None and p.optional) else None
        return out

    def load_trainer(self) -> Callable[["TrainingTask", "Progress"], "FittedModel"]:
        return resolve(self.trainer)

    def load_loader(self) -> Callable[[Path], "FittedModel"]:
        return resolve(self.loader)


def resolve(path: str) -> Any:
    """Import ``"package.module:attr"`` and return the attribute."""
    module_name, _, attr = path.partition(":")
    if not attr:
        raise ValueError(f"import path {path!r} must look like 'package.module:function'")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry:
    """Collects families from one plugin's hook call (see ``tsdesk.plugins``)."""

    def __init__(self) -> None:
        self.families: list[ModelFamily] = []

    def add(self, family: ModelFamily) -> None:
        if not isinstance(family, ModelFamily):
            raise TypeError(f"registry.add expects a ModelFamily, got {type(family).__name__}")
        self.families.append(family)


# --------------------------------------------------------------------------------------------
# Training


@dataclass
class TrainingTask:
    """Everything a trainer needs, prepared by the host.

    ``data`` holds the whole validated series. The trainer fits on ``data`` rows in ``train``
    (positions), may use ``valid`` for early stopping, and must not look at anything after
    ``train.stop`` (or ``valid.stop`` when given). The host then scores the fitted model on the
    backtest period by calling :meth:`FittedModel.forecast` with the actual history.

    ``options`` carries experiment settings beyond the family's params, e.g. ``{"intervals":
    "mc_dropout"}`` from ``[evaluation]``; a trainer ignores the options it does not know. A
    fitted model whose forecasts carry intervals although its family does not declare the
    "intervals" capability (MC dropout) says so with a ``has_intervals = True`` attribute.
    """

    data: "SeriesData"
    train: slice
    valid: slice | None
    horizon: int
    levels: tuple[int, ...]
    params: dict[str, Any]
    seed: int = 42
    family: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def fit_end(self) -> int:
        """Position one past the last row a trainer may use."""
        return self.valid.stop if self.valid is not None else self.train.stop


class Progress:
    """Progress reports and cooperative cancel, handed to a trainer.

    ``report(kind, **fields)`` sends one event to ``callback`` (the CLI prints it, the GUI draws
    it): kind "epoch" with epoch, epochs, loss, val_loss, val_mae (data units) for live curves;
    "candidate" with order, criterion, value, seconds for model searches; "status" with message.
    ``check()`` raises :class:`Cancelled` once cancel was requested; call it between units of
    work (epochs, batches, fits).
    """

    def __init__(self, callback: Callable[[str, dict], None] | None = None,
                 cancel_event: threading.Event | None = None) -> None:
        self._callback = callback
        self.cancel_event = cancel_event or threading.Event()
        self.events: list[tuple[str, dict]] = []

    def report(self, kind: str, **fields: Any) -> None:
        self.events.append((kind, fields))
        if self._callback is not None:
            self._callback(kind, fields)

    def status(self, message: str) -> None:
        self.report("status", message=message)

    def cancel(self) -> None:
        self.cancel_event.set()

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled("cancelled by the user")


@dataclass
class ForecastArrays:
    """Forecasts from several origins: ``mean[i, k]`` is the (k+1)-step forecast from origin i.

    ``lower``/``upper`` map an interval level (e.g. 80) to arrays shaped like ``mean``; a family
    without intervals leaves them empty.
    """

    mean: np.ndarray
    lower: dict[int, np.ndarray] = field(default_factory=dict)
    upper: dict[int, np.ndarray] = field(default_factory=dict)


class FittedModel(Protocol):
    """What a trainer returns and a loader gives back.

    ``info`` is a JSON-able dict shown to the user (epochs run, chosen order...).
    """

    family: str
    info: dict

    def forecast(self, data: "SeriesData", origins: np.ndarray, horizon: int,
                 levels: Sequence[int]) -> ForecastArrays:
        """For each origin position i, forecast positions i+1 .. i+horizon, seeing rows <= i.

        Rows of ``data`` after an origin may hold actual values; a model must not use them
        (known-future columns excepted, which are known ahead by definition).
        """

    def save(self, folder: Path) -> None:
        """Write the model into ``folder`` (JSON, CSV, .keras, .npz; never pickles)."""
