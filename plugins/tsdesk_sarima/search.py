"""Stepwise order search in the manner of auto.arima (Hyndman & Khandakar, 2008).

d comes from repeated KPSS tests, D from the seasonal strength of an STL-free moving-average
decomposition (strength >= 0.64 means difference), then p, q, P, Q (and the constant when
d + D <= 1) move one step at a time from four starting models while the information criterion
improves. Every fit is reported as a "candidate" event; cancel is checked between fits.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tsdesk.core.explore import seasonal_strength
from tsdesk.errors import UserError
from tsdesk.plugin_api import Progress

from .spec import DEFAULT_INITIALIZATION, SarimaSpec, check_overlap
from .statespace import FitFailed, FitOutcome, fit

MAX_MODELS = 94  # auto.arima's nmodels
SEASONAL_STRENGTH_THRESHOLD = 0.64
KPSS_ALPHA = 0.05


@dataclass
class Bounds:
    max_p: int = 5
    max_q: int = 5
    max_P: int = 2
    max_Q: int = 2
    max_d: int = 2
    max_D: int = 1


@dataclass
class SearchResult:
    best: FitOutcome
    candidates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def choose_D(y: np.ndarray, season: int, max_D: int) -> tuple[int, list[str]]:
    """Seasonal differences while the seasonal strength stays >= 0.64."""
    D, x, notes = 0, np.asarray(y, dtype=float), []
    while D < max_D and season > 1 and len(x) >= 3 * season:
        strength = seasonal_strength(x, season)
        notes.append(f"seasonal strength {strength:.2f} after {D} seasonal difference(s)")
        if strength < SEASONAL_STRENGTH_THRESHOLD:
            break
        x = x[season:] - x[:-season]
        D += 1
    return D, notes


def choose_d(y: np.ndarray, max_d: int) -> tuple[int, list[str]]:
    """Differences while the KPSS test rejects level stationarity at 5 %."""
    from statsmodels.tsa.stattools import kpss

    d, x, notes = 0, np.asarray(y, dtype=float), []
    while d < max_d and len(x) >= 12 and np.ptp(x) > 0:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            pvalue = float(kpss(x, regression="c", nlags="auto")[1])
        notes.append(f"KPSS p-value {pvalue:.3f} after {d} difference(s)")
        if pvalue >= KPSS_ALPHA:
            break
        x = np.diff(x)
        d += 1
    return d, notes


def stepwise(y: np.ndarray, exog: np.ndarray | None, exog_names: tuple[str, ...], season: int,
             trend: str, bounds: Bounds, criterion: str, progress: Progress,
             initialization: str = DEFAULT_INITIALIZATION) -> SearchResult:
    """The best model by ``criterion`` among the stepwise candidates; raises ``Cancelled``."""
    s = season if season > 1 else 0
    D, notes = choose_D(y, s, bounds.max_D) if s else (0, [])
    z = y[s * D:] - y[: len(y) - s * D] if D else y
    for _ in range(1, D):
        z = z[s:] - z[:-s]
    d, d_notes = choose_d(z, bounds.max_d)
    notes += d_notes
    notes.append(f"chose d = {d}" + (f" and D = {D} (s = {s})" if s else ""))
    progress.status(f"auto search: d = {d}" + (f", D = {D}, s = {s}" if s else "") +
                    f"; comparing models by {criterion.upper()}")
    toggles_constant = trend in ("n", "c") and d + D <= 1
    start_trend = "c" if toggles_constant else ("n" if trend in ("n", "c") else trend)

    tried: dict[tuple, FitOutcome | None] = {}
    candidates: list[dict[str, Any]] = []

    def evaluate(p: int, q: int, P: int, Q: int, tr: str) -> float:
        key = (p, q, P, Q, tr)
        if key in tried:
            return _value(tried[key], criterion)
        if min(p, q, P, Q) < 0 or p > bounds.max_p or q > bounds.max_q or \
                (s and (P > bounds.max_P or Q > bounds.max_Q)) or (not s and (P or Q)):
            return float("inf")
        if len(tried) >= MAX_MODELS:
            return float("inf")
        spec = SarimaSpec((p, d, q), (P, D, Q, s) if s and (P or D or Q) else (0, 0, 0, 0), tr, exog_names,
                          initialization)
        try:
            check_overlap(spec)
        except UserError:
            tried[key] = None
            return float("inf")
        if len(y) < spec.min_rows:
            tried[key] = None
            return float("inf")
        progress.check()
        started = time.perf_counter()
        error = None
        try:
            outcome = fit(spec, y, exog)
        except FitFailed as exc:
            outcome, error = None, str(exc)
        tried[key] = outcome
        value = _value(outcome, criterion)
        event = {"order": list(spec.order), "seasonal_order": list(spec.seasonal_order), "trend": tr,
                 "criterion": criterion, "value": value if np.isfinite(value) else None,
                 "seconds": round(time.perf_counter() - started, 4),
                 "converged": bool(outcome.converged) if outcome else False}
        if error:
            event["error"] = error
        candidates.append(event)
        progress.report("candidate", **event)
        return value

    start = [(2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)]
    best_key, best_value = None, float("inf")
    for p, q, P, Q in start:
        key = (min(p, bounds.max_p), min(q, bounds.max_q),
               min(P, bounds.max_P) if s else 0, min(Q, bounds.max_Q) if s else 0, start_trend)
        value = evaluate(*key)
        if value < best_value:
            best_key, best_value = key, value
    if toggles_constant:
        key = (0, 0, 0, 0, "n")
        value = evaluate(*key)
        if value < best_value:
            best_key, best_value = key, value

    improved = best_key is not None
    while improved and len(tried) < MAX_MODELS:
        improved = False
        p, q, P, Q, tr = best_key
        moves = [(p, q, P - 1, Q, tr), (p, q, P + 1, Q, tr), (p, q, P, Q - 1, tr), (p, q, P, Q + 1, tr),
                 (p, q, P - 1, Q - 1, tr), (p, q, P + 1, Q + 1, tr),
                 (p - 1, q, P, Q, tr), (p + 1, q, P, Q, tr), (p, q - 1, P, Q, tr), (p, q + 1, P, Q, tr),
                 (p - 1, q - 1, P, Q, tr), (p + 1, q + 1, P, Q, tr)]
        if toggles_constant:
            moves.append((p, q, P, Q, "n" if tr == "c" else "c"))
        for move in moves:
            value = evaluate(*move)
            if value < best_value:
                best_key, best_value, improved = move, value, True
                break

    if best_key is None or tried.get(best_key) is None:
        raise UserError(f"the auto search could not fit any SARIMA model to the {len(y)} training rows; "
                        f"turn auto off and give a small order, such as (1,{d},0)")
    best = tried[best_key]
    notes.append(f"tried {len(candidates)} models; best {best.spec.label} trend {best.spec.trend} with "
                 f"{criterion.upper()} {best_value:.2f}")
    return SearchResult(best=best, candidates=candidates, notes=notes)


def _value(outcome: FitOutcome | None, criterion: str) -> float:
    return outcome.criterion(criterion) if outcome is not None else float("inf")
