"""SARIMA trainer, fitted model and loader (imported only when a user trains or loads).

Training estimates the parameters once, by maximum likelihood, on rows [train.start, fit_end):
the train rows plus the validation rows, since SARIMA has no early stopping to spend them on.
Forecasts condition on the history from the first training date (``fit_start``) up to each
origin, like the classic loop that fits ``series[origin:today]``: with ``refit_every = 0`` they
keep the estimated parameters fixed and take one Kalman filter pass started at that date; with
``refit_every = k`` they re-estimate every k origins on the rows from that date up to the origin
(an expanding window), one fit per k origins, each from statsmodels' own starting values.

A saved model is ``sarima.json``: the specification and the fitted parameter vector, nothing
executable. Loading rebuilds the statsmodels model and filters with those parameters.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np
import pandas as pd

from tsdesk.core.fileio import atomic_write_json, read_json
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import ForecastArrays, Progress, TrainingTask

from . import FAMILY
from .search import Bounds, stepwise
from .spec import SarimaSpec, resolve_spec
from .statespace import FitOutcome, fit, forecast_origins, param_names

FILE = "sarima.json"
FORMAT = "tsdesk-sarima"
FORMAT_VERSION = 1


class SarimaModel:
    """A SARIMA specification with its estimated parameters; forecasts from any history."""

    def __init__(self, spec: SarimaSpec, params: np.ndarray, refit_every: int = 0,
                 info: dict | None = None, family: str = "sarima", trend_start: str | None = None,
                 fit_start: str | None = None) -> None:
        self.family = family
        self.spec = spec
        self.params = np.asarray(params, dtype=float)
        self.refit_every = int(refit_every)
        self.info = info if info is not None else {}
        self.trend_start = trend_start  # date of time index 1 for a 't'/'ct' trend
        # First training date: filtering and refits start there (None: at the data's first row).
        self.fit_start = fit_start

    # ---------------------------------------------------------------------------------------
    def forecast(self, data: SeriesData, origins: np.ndarray, horizon: int,
                 levels: Sequence[int]) -> ForecastArrays:
        """Forecasts of rows o+1 .. o+horizon from each origin o, seeing rows <= o only.

        Intervals come from the state-space forecast variance (Gaussian errors). Steps whose
        known-future inputs are missing are NaN.
        """
        origins = np.asarray(origins, dtype=int).reshape(-1)
        horizon = int(horizon)
        if len(origins) == 0:
            empty = np.zeros((0, horizon))
            return ForecastArrays(mean=empty, lower={lv: empty for lv in levels},
                                  upper={lv: empty for lv in levels})
        if origins.min() < 0 or origins.max() >= data.n:
            raise ValueError(f"origins must lie in [0, {data.n - 1}]")
        exog, blank = self._exog(data, int(origins.max()) + horizon + 1)
        first = self.first_row(data, origins)
        offset = self._trend_offset(data) + first  # time index of row ``first``
        y = data.y[first:]
        x = exog[first:] if exog is not None else None
        if self.refit_every <= 0:
            mean, var = forecast_origins(self.spec, self.params, y, x, origins - first, horizon, offset)
        else:
            mean, var = self._forecast_refitting(y, x, origins - first, horizon, offset, first)
        if blank is not None:
            targets = origins[:, None] + np.arange(1, horizon + 1)[None, :]
            lost = blank[targets]
            mean[lost] = np.nan
            var[lost] = np.nan
        out = ForecastArrays(mean=mean)
        sd = np.sqrt(var)
        for level in levels:
            z = NormalDist().inv_cdf(0.5 + float(level) / 200.0)
            out.lower[level] = mean - z * sd
            out.upper[level] = mean + z * sd
        return out

    def first_row(self, data: SeriesData, origins: np.ndarray) -> int:
        """Row where the history forecasts condition on starts: the first training date.

        0 for a model without one (saved by an older tsdesk) or for data starting after it; earlier
        when an origin needs rows before that date (d + D*s of them) to forecast at all.
        """
        if not self.fit_start:
            return 0
        anchor = pd.Timestamp(self.fit_start)
        index = data.index
        if anchor.tzinfo is None and index.tz is not None:
            anchor = anchor.tz_localize(index.tz)
        elif anchor.tzinfo is not None and index.tz is None:
            anchor = anchor.tz_localize(None)
        first = int(index.searchsorted(anchor, "left"))
        needed = int(np.min(origins)) + 1 - self.spec.history_rows
        return max(0, min(first, needed))

    def _forecast_refitting(self, y: np.ndarray, exog: np.ndarray | None, origins: np.ndarray,
                            horizon: int, offset: int, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Re-estimate on rows [0, o] of ``y`` (which starts at the first training date) at every
        k-th origin in time order, from statsmodels' starting values as the classic loop does; the
        origins in between keep those estimates. ``first`` only numbers rows in messages."""
        unique = np.unique(origins)
        mean_u = np.empty((len(unique), horizon))
        var_u = np.empty((len(unique), horizon))
        notes = []
        for start in range(0, len(unique), self.refit_every):
            group = unique[start:start + self.refit_every]
            rows = int(group[0]) + 1
            if rows < self.spec.min_rows:
                raise UserError(
                    f"refit_every = {self.refit_every}: re-estimating SARIMA {self.spec.label} at row "
                    f"{int(group[0]) + first} leaves {rows} rows and it needs {self.spec.min_rows}; start "
                    f"the backtest later or set refit_every to 0")
            outcome = fit(self.spec, y[:rows], exog[:rows] if exog is not None else None,
                          trend_offset=offset)
            if not outcome.converged:
                notes.append(f"re-estimating at row {int(group[0]) + first}: {outcome.notes[0]}")
            params = outcome.params
            m, v = forecast_origins(self.spec, params, y, exog, group, horizon, offset)
            mean_u[start:start + len(group)] = m
            var_u[start:start + len(group)] = v
        if notes:  # shown with the model's info, like the training messages
            more = [f"... and {len(notes) - 20} more"] if len(notes) > 20 else []
            self.info["refit_messages"] = notes[:20] + more
        where = np.searchsorted(unique, origins)
        return mean_u[where], var_u[where]

    def _trend_offset(self, data: SeriesData) -> int:
        """Time index of ``data``'s first row for a time trend, anchored at the first fit date."""
        if "t" not in self.spec.trend or not self.trend_start:
            return 1
        anchor = pd.Timestamp(self.trend_start)
        index = data.index
        if anchor.tzinfo is None and index.tz is not None:
            anchor = anchor.tz_localize(index.tz)
        if anchor in index:
            return 1 - int(index.get_loc(anchor))
        if data.freq is None:
            raise UserError(f"this SARIMA model has a time trend counted from {anchor.date()}, which these "
                            f"data do not contain, and their dates have no regular frequency to count from")
        first = index[0]
        if anchor >= first:
            return 1 - (len(pd.date_range(first, anchor, freq=data.freq)) - 1)
        return len(pd.date_range(anchor, first, freq=data.freq))

    def _exog(self, data: SeriesData, rows: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Known-future regressors for ``rows`` rows (zeros where unknown) and the unknown rows."""
        if not self.spec.exog:
            return None, None
        names = list(data.future_features)
        missing = [name for name in self.spec.exog if name not in names]
        if missing:
            raise UserError(
                f"this SARIMA model was trained with the known-future feature '{missing[0]}', which "
                f"these data do not have; add that column as known_future or train a new model")
        cols = [names.index(name) for name in self.spec.exog]
        given = np.asarray(data.X_future, dtype=float)[:, cols]
        x = np.zeros((max(rows, len(given)), len(cols)))
        blank = np.ones(len(x), dtype=bool)
        ok = np.isfinite(given).all(axis=1)
        x[: len(given)][ok] = given[ok]
        blank[: len(given)] = ~ok
        if blank[: data.n].any():
            row = int(np.flatnonzero(blank[: data.n])[0])
            name = self.spec.exog[int(np.flatnonzero(~np.isfinite(given[row]))[0])]
            raise UserError(f"known-future feature '{name}' has no value at "
                            f"{data.index[row].date()}; fill it in for every observed date")
        return x, blank

    # ---------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        atomic_write_json(folder / FILE, {
            "format": FORMAT, "version": FORMAT_VERSION, "family": self.family,
            "spec": self.spec.as_dict(), "refit_every": self.refit_every, "trend_start": self.trend_start,
            "fit_start": self.fit_start,
            "param_names": list(self.info.get("param_names") or param_names(self.spec)),
            "params": [float(v) for v in self.params], "info": self.info})


def load(folder: Path) -> SarimaModel:
    """Rebuild a saved model from ``sarima.json``: spec and parameters, no code."""
    path = Path(folder) / FILE
    if not path.is_file():
        raise UserError(f"{folder} holds no {FILE}; it is not a saved SARIMA model")
    try:
        d = read_json(path)
        if d.get("format") != FORMAT:
            raise ValueError("not a tsdesk SARIMA file")
        if int(d.get("version", 0)) > FORMAT_VERSION:
            raise UserError(f"{path} was written by a newer tsdesk (format {d['version']}); update tsdesk")
        spec = SarimaSpec.from_dict(d["spec"])
        params = np.asarray(d["params"], dtype=float)
    except UserError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path} is not a valid SARIMA model file ({exc})") from None
    expected = len(param_names(spec))
    if len(params) != expected:
        raise UserError(f"{path} holds {len(params)} parameters but SARIMA {spec.label} has {expected}")
    return SarimaModel(spec, params, int(d.get("refit_every", 0)), d.get("info") or {},
                       d.get("family", "sarima"), d.get("trend_start"), d.get("fit_start"))


# -------------------------------------------------------------------------------------------
def train(task: TrainingTask, progress: Progress) -> SarimaModel:
    """Estimate on rows [train.start, fit_end): the train rows plus the validation rows."""
    params = FAMILY.validate_params(task.params)
    data = task.data
    first, fit_end = int(task.train.start or 0), int(task.fit_end)
    rows = fit_end - first
    notes: list[str] = []
    y = data.y[first:fit_end]
    if not np.all(np.isfinite(y)):
        raise UserError("the training rows of the target contain missing values; SARIMA needs them all")
    exog_names, exog = _training_exog(data, first, fit_end, notes)
    search_info: dict[str, Any] | None = None

    if params["auto"]:
        s = int(params["seasonal_order"][3]) or data.season
        bounds = Bounds(params["max_p"], params["max_q"], params["max_P"], params["max_Q"],
                        params["max_d"], params["max_D"])
        result = stepwise(y, exog, exog_names, s if s > 1 else 0, params["trend"], bounds,
                          params["criterion"], progress, params["initialization"])
        progress.check()
        outcome = _fit(result.best.spec, y, exog, progress, start=result.best.params)
        notes += result.notes
        search_info = {"criterion": params["criterion"], "candidates": result.candidates}
    else:
        spec = resolve_spec(params, data.season, data.freq, rows, exog_names, notes)
        for note in notes:
            progress.status(note)
        progress.check()
        outcome = _fit(spec, y, exog, progress)

    for note in outcome.notes:
        progress.status(note)
    notes += outcome.notes
    info = _info(outcome, params, first, fit_end, notes, search_info)
    progress.status(f"SARIMA {outcome.spec.label} fitted on {rows} rows: AIC {outcome.aic:.2f}, "
                    f"BIC {outcome.bic:.2f}" + ("" if outcome.converged else " (not converged)"))
    trend_start = data.index[first].isoformat() if "t" in outcome.spec.trend else None
    return SarimaModel(outcome.spec, outcome.params, params["refit_every"], info, task.family or "sarima",
                       trend_start, fit_start=data.index[first].isoformat())


def _fit(spec: SarimaSpec, y: np.ndarray, exog: np.ndarray | None, progress: Progress,
         start: np.ndarray | None = None) -> FitOutcome:
    progress.status(f"fitting SARIMA {spec.label} on {len(y)} rows")
    return fit(spec, y, exog, start_params=start, stderr=True)


def _training_exog(data: SeriesData, first: int, fit_end: int,
                   notes: list[str]) -> tuple[tuple[str, ...], np.ndarray | None]:
    """Known-future features as regressors, leaving out those constant on the training rows."""
    if not data.future_features:
        return (), None
    x = np.asarray(data.X_future, dtype=float)[first:fit_end]
    if not np.all(np.isfinite(x)):
        raise UserError("the known-future columns have missing values in the training rows")
    keep = [i for i in range(x.shape[1]) if np.ptp(x[:, i]) > 0]
    for i in range(x.shape[1]):
        if i not in keep:
            notes.append(f"known-future feature '{data.future_features[i]}' is constant on the training "
                         f"rows, so SARIMA leaves it out")
    if not keep:
        return (), None
    return tuple(data.future_features[i] for i in keep), x[:, keep]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _info(outcome: FitOutcome, params: dict, first: int, fit_end: int, notes: list[str],
          search: dict | None) -> dict:
    spec = outcome.spec
    info: dict[str, Any] = {
        "model": f"SARIMA{spec.label}", "order": list(spec.order),
        "seasonal_order": list(spec.seasonal_order), "trend": spec.trend,
        "known_future": list(spec.exog), "initialization": spec.initialization,
        "refit_every": int(params["refit_every"]),
        "fit_rows": int(fit_end - first), "fit_start_row": int(first),
        "aic": _clean(outcome.aic), "aicc": _clean(outcome.aicc), "bic": _clean(outcome.bic),
        "loglike": _clean(outcome.llf), "converged": bool(outcome.converged),
        "params": {n: _clean(float(v)) for n, v in zip(outcome.param_names, outcome.params)},
        "param_names": list(outcome.param_names), "fit_seconds": round(outcome.seconds, 4),
        "messages": list(dict.fromkeys(notes)),
    }
    if outcome.stderr is not None:
        info["stderr"] = {n: _clean(float(v)) for n, v in zip(outcome.param_names, outcome.stderr)}
    if search is not None:
        info["auto"] = search
    return info
