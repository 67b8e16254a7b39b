"""statsmodels' SARIMAX behind three calls: fit, filter with fixed parameters, forecast from many
origins at once.

Every setting is that of ``statsmodels.tsa.arima.model.ARIMA(...).fit()`` for the same orders (no
trend term with differencing, stationarity and invertibility enforced, the scale estimated with
the other parameters, statsmodels' own starting values, L-BFGS with at most 50 iterations), so a
model refitted at an origin gives the classic loop's forecast. The one choice is the
initialisation of the differencing states (``SarimaSpec.initialization``):

* "approximate_diffuse", statsmodels' default: a finite initial variance of 1e10 and the first
  d + D*s observations left out of the likelihood;
* "exact_diffuse": the exact diffuse initialisation (Koopman & Durbin). For series in the hundreds
  of thousands, such as daily ridership, a variance of 1e10 is not very diffuse and biases the
  estimates and the first forecasts a little; the exact one does not.

Forecasting from many origins needs one Kalman filter pass: the filter's predicted state
a(o+1 | o) and its covariance are exactly what a model refitted on rows <= o with the same
parameters would start its forecast from. From there the state and its covariance are carried
``horizon`` steps with the system matrices, all origins at once. The forecast variance of step k is
g_k P g_k' plus a sum that does not depend on the origin (g_k = Z T^k); once the filter has
reached its steady state every later origin shares P, so only the distinct P enter.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tsdesk.errors import UserError

from .spec import SarimaSpec

MAXITER = 50  # statsmodels' MLEModel.fit default, as ARIMA(...).fit() uses
METHOD = "lbfgs"  # likewise
STEADY_TOL = 1e-12  # relative change of the predicted state covariance taken as converged


class FitFailed(UserError):
    """The optimiser could not produce a usable model for one specification."""


@dataclass
class FitOutcome:
    """Estimated parameters and the figures shown to the user."""

    spec: SarimaSpec
    params: np.ndarray
    param_names: list[str]
    converged: bool
    aic: float
    aicc: float
    bic: float
    llf: float
    nobs: int
    seconds: float
    stderr: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def criterion(self, name: str) -> float:
        value = {"aic": self.aic, "aicc": self.aicc, "bic": self.bic}[name]
        return float(value) if np.isfinite(value) else float("inf")


def build(spec: SarimaSpec, y: np.ndarray, exog: np.ndarray | None = None,
          trend_offset: int = 1) -> SARIMAX:
    """The statsmodels model for ``spec`` on ``y`` (NaN rows are missing observations).

    ``trend_offset`` is the time index of ``y[0]`` for a 't' or 'ct' trend (1 = first fit row).
    """
    return SARIMAX(np.asarray(y, dtype=float), exog=exog if spec.exog else None,
                   order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend,
                   trend_offset=int(trend_offset), enforce_stationarity=True,
                   enforce_invertibility=True, concentrate_scale=False,
                   use_exact_diffuse=spec.initialization == "exact_diffuse")


def fit(spec: SarimaSpec, y: np.ndarray, exog: np.ndarray | None = None,
        start_params: np.ndarray | None = None, stderr: bool = False,
        trend_offset: int = 1) -> FitOutcome:
    """Maximum likelihood on ``y``; statsmodels' warnings become ``converged`` and ``notes``.

    ``start_params=None`` starts from statsmodels' own starting values, like ``ARIMA.fit()``.

    Raises :class:`FitFailed` when statsmodels raises or returns non-finite estimates.
    """
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            model = build(spec, y, exog, trend_offset)
            res = model.fit(start_params=start_params, method=METHOD, maxiter=MAXITER, disp=False,
                            cov_type="opg" if stderr else "none")
        except (UserError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - statsmodels raises many types for a bad fit
            raise FitFailed(f"the optimiser failed for SARIMA {spec.label}: {_reason(exc)}; "
                            f"try a smaller order") from None
    params = np.asarray(res.params, dtype=float)
    if not np.all(np.isfinite(params)) or not np.isfinite(res.llf):
        raise FitFailed(f"the optimiser failed for SARIMA {spec.label}: the estimates are not finite "
                        f"numbers; try a smaller order")
    converged = bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    notes = []
    if not converged:
        notes.append(f"the optimiser did not converge for {spec.label}; the forecasts use its last "
                     f"estimates; try a smaller order")
    se = None
    if stderr:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            se = np.asarray(res.bse, dtype=float)
    return FitOutcome(spec=spec, params=params, param_names=_names(spec, res.param_names),
                      converged=converged, aic=float(res.aic), aicc=float(res.aicc),
                      bic=float(res.bic), llf=float(res.llf), nobs=int(res.nobs),
                      seconds=time.perf_counter() - started, stderr=se, notes=notes)


def param_names(spec: SarimaSpec) -> list[str]:
    """Names of the parameter vector of ``spec``: statsmodels' (ar.L1, ma.S.L7, sigma2...) with
    the known-future columns under their own names."""
    k = len(spec.exog)
    exog = np.zeros((spec.min_rows + 2, k)) if k else None
    return _names(spec, build(spec, np.zeros(spec.min_rows + 2), exog).param_names)


def _names(spec: SarimaSpec, names) -> list[str]:
    """statsmodels calls unnamed regressors x1, x2...; they come right after the trend terms."""
    out = list(names)
    first = {"n": 0, "c": 1, "t": 1, "ct": 2}[spec.trend]
    for i, name in enumerate(spec.exog):
        out[first + i] = name
    return out


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200].rstrip(".")


def forecast_origins(spec: SarimaSpec, params: np.ndarray, y: np.ndarray, exog: np.ndarray | None,
                     origins: np.ndarray, horizon: int,
                     trend_offset: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance, each (len(origins), horizon), of the forecasts of rows o+1 .. o+horizon
    from every origin o, seeing ``y[: o + 1]`` only; parameters fixed.

    ``exog`` holds the known-future regressors for at least every row up to max(origins) +
    horizon (rows the caller could not fill must be finite placeholders; it blanks them).
    """
    origins = np.asarray(origins, dtype=int)
    _check_history(spec, origins, spec.history_rows)
    last = int(origins.max())
    n_ext = last + horizon + 1
    y_ext = np.full(n_ext, np.nan)
    y_ext[: last + 1] = y[: last + 1]  # nothing after the last origin is ever seen
    x_ext = exog[:n_ext] if spec.exog else None

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model = build(spec, y_ext, x_ext, trend_offset)
        ssm = model.ssm
        for flag in ("memory_no_filtered", "memory_no_gain", "memory_no_smoothing",
                     "memory_no_std_forecast", "memory_no_likelihood"):
            setattr(ssm, flag, True)
        model.update(np.asarray(params, dtype=float))
        kf = ssm.filter()

    _check_history(spec, origins, kf.nobs_diffuse)

    Z = _fixed(ssm.design, "design")[0]            # (m,)
    T = _fixed(ssm.transition, "transition")       # (m, m)
    R = _fixed(ssm.selection, "selection")
    H = float(_fixed(ssm.obs_cov, "obs_cov")[0, 0])
    c = np.asarray(ssm.state_intercept)            # (m, 1) or (m, n_ext)
    d = np.asarray(ssm.obs_intercept)[0]           # (1,) or (n_ext,)

    def at(arr: np.ndarray, t: np.ndarray) -> np.ndarray:
        return arr[..., t] if arr.shape[-1] > 1 else np.broadcast_to(arr[..., :1], arr.shape[:-1] + (len(t),))

    n_orig = len(origins)
    mean = np.empty((n_orig, horizon))
    state = kf.predicted_state[:, origins + 1].T.copy()  # a(o+1 | o), (N, m)
    for k in range(horizon):
        t = origins + 1 + k
        mean[:, k] = state @ Z + at(d, t)
        if k + 1 < horizon:
            state = state @ T.T + at(c, t).T

    # Distinct starting covariances: origins past the steady state share the first steady one.
    cov = kf.predicted_state_cov
    steady = _steady_from(cov, last + 1)
    key = np.minimum(origins + 1, steady)
    starts, inverse = np.unique(key, return_inverse=True)
    # Var(step k) = g_k P g_k' + sum_{j<k} (g_j R) Q (g_j R)' + H with g_k = Z T^k, so only the
    # first term depends on the origin and no m x m covariance is ever carried forward.
    G = np.empty((horizon, len(Z)))
    G[0] = Z
    for k in range(1, horizon):
        G[k] = G[k - 1] @ T
    GR = G @ R
    per_step = np.einsum("ki,ij,kj->k", GR, _fixed(ssm.state_cov, "state_cov"), GR)
    shock = np.concatenate([[0.0], np.cumsum(per_step)[:-1]])
    P = cov[:, :, starts]  # (m, m, U)
    var_u = np.einsum("ki,iju,kj->uk", G, P, G, optimize=True) + shock[None, :] + H
    var = var_u[inverse.reshape(-1)]
    return mean, np.maximum(var, 0.0)


def _check_history(spec: SarimaSpec, origins: np.ndarray, needed: int) -> None:
    """The differencing states are unknown until d + D*s rows have been seen."""
    if int(origins.min()) + 1 < needed:
        raise UserError(
            f"SARIMA {spec.label} needs {needed} rows of history (d + D*s) before a forecast "
            f"origin, and the first origin is row {int(origins.min())}; start the backtest later")


def _fixed(matrix: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(matrix)
    if arr.shape[-1] != 1:
        raise RuntimeError(f"SARIMAX {name} matrix is time-varying; multi-origin forecasts assume not")
    return arr[..., 0]


def _steady_from(cov: np.ndarray, stop: int) -> int:
    """First period from which the predicted covariance stays fixed through period ``stop``."""
    if stop < 1:
        return stop
    window = cov[:, :, : stop + 1]
    change = np.abs(np.diff(window, axis=2)).max(axis=(0, 1))  # change[i]: period i -> i + 1
    size = np.abs(window[:, :, 1:]).max(axis=(0, 1))
    moving = np.flatnonzero(change > STEADY_TOL * np.maximum(size, np.finfo(float).tiny))
    return int(moving[-1]) + 1 if len(moving) else 0
