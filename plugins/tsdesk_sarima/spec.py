"""A SARIMA specification checked against the data: pure Python, no statsmodels.

``resolve_spec`` turns validated family params into the concrete model (season resolved from the
frequency, seasonal part dropped or normalised) and raises :class:`UserError` with the way out
for anything statsmodels would reject or could not estimate from the rows at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tsdesk.errors import UserError

TRENDS = ("n", "c", "t", "ct")
INITIALIZATIONS = ("approximate_diffuse", "exact_diffuse")
DEFAULT_INITIALIZATION = "approximate_diffuse"  # statsmodels' ARIMA and SARIMAX default
LEGACY_INITIALIZATION = "exact_diffuse"  # what model files without the key were estimated with
TREND_TERMS = {"n": 0, "c": 1, "t": 1, "ct": 2}
MAX_D = 2
MAX_SEASONAL_TERMS = 5


@dataclass(frozen=True)
class SarimaSpec:
    """The concrete model: (p, d, q)(P, D, Q, s), trend, the known-future regressors and how the
    differencing states are initialised ("approximate_diffuse" or "exact_diffuse")."""

    order: tuple[int, int, int]
    seasonal_order: tuple[int, int, int, int]
    trend: str = "n"
    exog: tuple[str, ...] = field(default=())
    initialization: str = DEFAULT_INITIALIZATION

    @property
    def label(self) -> str:
        return order_label(self.order, self.seasonal_order)

    @property
    def k_params(self) -> int:
        """Estimated parameters: AR, MA, seasonal AR/MA, trend, regressors and the variance."""
        p, _, q = self.order
        P, _, Q, _ = self.seasonal_order
        return p + q + P + Q + TREND_TERMS[self.trend] + len(self.exog) + 1

    @property
    def min_rows(self) -> int:
        """Rows needed to estimate the model: the differencing and lags, plus one per parameter."""
        p, d, q = self.order
        P, D, Q, s = self.seasonal_order
        return d + D * s + max(p + P * s, q + Q * s) + self.k_params + 1

    @property
    def history_rows(self) -> int:
        """Rows a forecast origin needs before it (the diffuse part of the state: d + D*s)."""
        return self.order[1] + self.seasonal_order[1] * self.seasonal_order[3]

    def as_dict(self) -> dict[str, Any]:
        return {"order": list(self.order), "seasonal_order": list(self.seasonal_order),
                "trend": self.trend, "exog": list(self.exog), "initialization": self.initialization}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SarimaSpec":
        """A saved spec; one without ``initialization`` predates the choice and was estimated with
        exact diffuse initialisation, so it keeps it."""
        init = str(d.get("initialization", LEGACY_INITIALIZATION))
        if init not in INITIALIZATIONS:
            raise ValueError(f"unknown initialization {init!r}")
        return cls(tuple(int(v) for v in d["order"]), tuple(int(v) for v in d["seasonal_order"]),
                   str(d.get("trend", "n")), tuple(d.get("exog", ())), init)

    def replace(self, **changes: Any) -> "SarimaSpec":
        values = {"order": self.order, "seasonal_order": self.seasonal_order, "trend": self.trend,
                  "exog": self.exog, "initialization": self.initialization}
        values.update(changes)
        return SarimaSpec(tuple(values["order"]), tuple(values["seasonal_order"]), values["trend"],
                          tuple(values["exog"]), values["initialization"])


def order_label(order, seasonal_order) -> str:
    """'(1,0,0)(0,1,1,7)', or '(1,0,0)' without a seasonal part."""
    text = "(" + ",".join(str(int(v)) for v in order) + ")"
    if seasonal_order is not None and any(seasonal_order[:3]):
        text += "(" + ",".join(str(int(v)) for v in seasonal_order) + ")"
    return text


def resolve_season(seasonal_order, data_season: int, freq: str | None,
                   notes: list[str] | None = None) -> tuple[int, int, int, int]:
    """Fill s = 0 from the data's frequency and normalise a seasonal part without terms to zeros.

    s = 1 with seasonal terms is a user error. s = 0 on data whose frequency has no season drops
    the seasonal terms, with a note saying so.
    """
    P, D, Q, s = (int(v) for v in seasonal_order)
    shown = f"seasonal_order [{P}, {D}, {Q}, {s}]"
    if s < 0:
        raise UserError(f"{shown}: the season length s must be >= 0 (0 = from the data's frequency)")
    if s == 0:
        s = int(data_season)
        if s <= 1:
            if P or D or Q:
                if notes is not None:
                    notes.append(
                        f"the data's frequency ({freq or 'unknown'}) has no season, so SARIMA leaves out "
                        f"the seasonal part ({P},{D},{Q}); give s in seasonal_order to keep it")
            return (0, 0, 0, 0)
    if s == 1 and (P or D or Q):
        raise UserError(
            f"{shown}: a season of length s = 1 cannot have seasonal terms; use s >= 2 (7 for daily "
            f"data with a weekly pattern, 12 for monthly data) or set P, D and Q to 0")
    if not (P or D or Q):
        return (0, 0, 0, 0)
    if D > MAX_D:
        raise UserError(f"{shown}: D = {D} seasonal differences is too many; use D = 0 or 1 "
                        f"(at most {MAX_D})")
    if max(P, Q) > MAX_SEASONAL_TERMS:
        raise UserError(f"{shown}: {max(P, Q)} seasonal terms is too many; use P and Q <= "
                        f"{MAX_SEASONAL_TERMS} (0 to 2 is usual)")
    return (P, D, Q, s)


def resolve_spec(params: dict[str, Any], data_season: int, freq: str | None, n_rows: int,
                 exog: tuple[str, ...] = (), notes: list[str] | None = None,
                 check_rows: bool = True) -> SarimaSpec:
    """The model the params describe on this data, or a :class:`UserError` naming the problem."""
    p, d, q = (int(v) for v in params.get("order") or (1, 0, 0))
    seasonal = resolve_season(params.get("seasonal_order") or (0, 1, 1, 0), data_season, freq, notes)
    trend = str(params.get("trend") or "n")
    if trend not in TRENDS:
        raise UserError(f"parameter 'trend' of sarima must be one of {', '.join(TRENDS)}; got {trend!r}")
    init = str(params.get("initialization") or DEFAULT_INITIALIZATION)
    if init not in INITIALIZATIONS:
        raise UserError(f"parameter 'initialization' of sarima must be one of {', '.join(INITIALIZATIONS)}; "
                        f"got {init!r}")
    if min(p, d, q) < 0:
        raise UserError(f"order [{p}, {d}, {q}]: p, d and q must be >= 0")
    if d > MAX_D:
        raise UserError(f"order [{p}, {d}, {q}]: d = {d} differences is too many; use d = 0 or 1 "
                        f"(at most {MAX_D})")
    spec = SarimaSpec((p, d, q), seasonal, trend, tuple(exog), init)
    check_overlap(spec)
    if check_rows:
        check_enough_rows(spec, n_rows)
    return spec


def check_overlap(spec: SarimaSpec) -> None:
    """statsmodels rejects a lag that is both a plain and a seasonal AR (or MA) term."""
    p, _, q = spec.order
    P, _, Q, s = spec.seasonal_order
    if P and p >= s:
        raise UserError(f"SARIMA {spec.label}: p = {p} reaches the seasonal AR lag s = {s}; "
                        f"use p < {s} or P = 0")
    if Q and q >= s:
        raise UserError(f"SARIMA {spec.label}: q = {q} reaches the seasonal MA lag s = {s}; "
                        f"use q < {s} or Q = 0")


def check_enough_rows(spec: SarimaSpec, n_rows: int) -> None:
    if n_rows < spec.min_rows:
        raise UserError(
            f"SARIMA {spec.label} needs at least {spec.min_rows} training rows and the training data "
            f"has {n_rows}; use smaller orders or train on more data")
