"""Exploration helpers the GUI plots before anyone trains: ACF/PACF with their confidence bands,
seasonal differencing, monthly means with a rolling average, STL, the Ljung-Box test and a
plain-words hint for the SARIMA orders.

Pure numpy/pandas; statsmodels is imported only inside :func:`stl` and :func:`ljung_box`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsdesk.errors import UserError

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Correlogram:
    """ACF or PACF values at lags 0..nlags (lag 0 is 1) and their 95 % significance bands.

    ``band`` is the white-noise band ±1.96/sqrt(n); ``bartlett`` (ACF only) is Bartlett's band
    per lag, ±1.96 * sqrt((1 + 2 * sum of squared earlier autocorrelations) / n), the one
    statsmodels' ``plot_acf`` draws. A value outside its band is significant.
    """

    lags: np.ndarray
    values: np.ndarray
    band: float
    n: int
    bartlett: np.ndarray | None = None

    def significant(self, bartlett: bool = False) -> np.ndarray:
        """Boolean per lag (lag 0 excluded, always False)."""
        limit = self.bartlett if bartlett and self.bartlett is not None else self.band
        out = np.abs(self.values) > limit
        out[0] = False
        return out


def _clean(y, what: str = "the series", minimum: int = 3) -> np.ndarray:
    """Finite float array; leading/trailing NaN dropped, interior gaps are a user error."""
    x = np.asarray(y, dtype=float).reshape(-1)
    ok = np.isfinite(x)
    if not ok.any():
        raise UserError(f"{what} has no numeric values")
    first, last = np.flatnonzero(ok)[[0, -1]]
    x = x[first:last + 1]
    if not np.isfinite(x).all():
        gap = int(np.flatnonzero(~np.isfinite(x))[0]) + int(first)
        raise UserError(f"{what} has a missing value at position {gap}; fill the gaps first")
    if len(x) < minimum:
        raise UserError(f"{what} has {len(x)} values; at least {minimum} are needed")
    return x


def _autocorr(x: np.ndarray, nlags: int) -> np.ndarray:
    """Biased sample autocorrelations r_0..r_nlags (the usual estimator: denominator n)."""
    x = x - x.mean()
    n = len(x)
    denom = float(np.dot(x, x))
    if denom == 0.0:
        return np.concatenate([[1.0], np.zeros(nlags)])
    size = 1 << int(np.ceil(np.log2(2 * n - 1)))
    spec = np.fft.rfft(x, size)
    acov = np.fft.irfft(spec * np.conj(spec), size)[: nlags + 1]
    return acov / denom


def _nlags(n: int, nlags: int | None) -> int:
    if nlags is None:
        nlags = min(int(10 * np.log10(n)), n - 1)
    return int(max(1, min(int(nlags), n - 1)))


def acf(y, nlags: int | None = None) -> Correlogram:
    """Autocorrelation function at lags 0..nlags with white-noise and Bartlett bands.

    Matches ``statsmodels.tsa.stattools.acf(y, nlags=nlags)``. ``nlags`` defaults to
    10*log10(n) and is capped at n - 1.
    """
    x = _clean(y)
    n = len(x)
    k = _nlags(n, nlags)
    r = _autocorr(x, k)
    cum = np.concatenate([[0.0], np.cumsum(r[1:-1] ** 2)])  # sum_{j<k} r_j^2 for k = 1..nlags
    bartlett = np.concatenate([[0.0], Z95 * np.sqrt((1 + 2 * cum) / n)])
    return Correlogram(np.arange(k + 1), r, Z95 / np.sqrt(n), n, bartlett)


def pacf(y, nlags: int | None = None) -> Correlogram:
    """Partial autocorrelation function at lags 0..nlags by Durbin-Levinson on the biased ACF.

    Matches ``statsmodels.tsa.stattools.pacf(y, nlags, method="ywm")`` (the seeds' ``plot_pacf(...,
    method="ywm")``). ``nlags`` is capped at n // 2 - 1, as statsmodels requires.
    """
    x = _clean(y, minimum=4)
    n = len(x)
    k = max(1, min(_nlags(n, nlags), n // 2 - 1))
    r = _autocorr(x, k)
    out = np.zeros(k + 1)
    out[0] = 1.0
    phi = np.zeros(k + 1)
    v = 1.0
    for m in range(1, k + 1):
        if v <= 0:
            break
        a = (r[m] - np.dot(phi[1:m], r[m - 1:0:-1])) / v
        new = phi.copy()
        new[m] = a
        new[1:m] = phi[1:m] - a * phi[m - 1:0:-1]
        phi = new
        v *= 1 - a * a
        out[m] = a
    return Correlogram(np.arange(k + 1), out, Z95 / np.sqrt(n), n)


def seasonal_difference(y, lag: int, times: int = 1):
    """y(t) - y(t - lag), applied ``times`` times; the first lag*times values are dropped.

    A numpy array in gives a numpy array out; a pandas Series keeps its index (the later dates).
    ``lag = 1`` is the ordinary difference that removes a linear trend.
    """
    lag, times = int(lag), int(times)
    if lag < 1:
        raise UserError(f"the differencing lag must be >= 1, got {lag}")
    if times < 0:
        raise UserError(f"the number of differences must be >= 0, got {times}")
    if isinstance(y, pd.Series):
        out = y.astype(float)
        for _ in range(times):
            out = out.diff(lag)
        return out.iloc[lag * times:]
    x = np.asarray(y, dtype=float)
    for _ in range(times):
        x = x[lag:] - x[:-lag]
    return x


_RULE_ALIASES = {"M": "ME", "Q": "QE", "Y": "YE", "A": "YE", "BM": "BME", "BQ": "BQE", "BY": "BYE"}


def resample_mean(series: pd.Series, rule: str = "ME", rolling: int = 12) -> pd.DataFrame:
    """Means per period (``rule``: "ME" monthly, "W" weekly, "QE", "YE"...) and their rolling mean.

    Returns a DataFrame indexed by period end with columns ``mean`` and ``rolling_mean`` (the
    mean of the last ``rolling`` periods, NaN until that many exist): the seeds' monthly means
    with a 12-month rolling average, which shows the yearly pattern and the trend.
    """
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise UserError("resample_mean needs a series indexed by dates")
    rule = _RULE_ALIASES.get(str(rule).strip(), str(rule).strip())
    if rolling < 1:
        raise UserError(f"the rolling window must be >= 1 period, got {rolling}")
    try:
        means = series.astype(float).resample(rule).mean()
    except (ValueError, TypeError) as exc:
        raise UserError(f"{rule!r} is not a resampling period (use ME, W, QE or YE): {exc}") from None
    return pd.DataFrame({"mean": means, "rolling_mean": means.rolling(int(rolling)).mean()})


def stl(series, period: int, robust: bool = False) -> pd.DataFrame:
    """STL decomposition (statsmodels): columns ``trend``, ``seasonal``, ``resid`` summing to the
    series, indexed like it (a RangeIndex for arrays)."""
    from statsmodels.tsa.seasonal import STL

    index = series.index if isinstance(series, pd.Series) else None
    x = _clean(series, minimum=4)
    period = int(period)
    if period < 2:
        raise UserError(f"STL needs a season of at least 2 steps, got {period}")
    if len(x) < 2 * period:
        raise UserError(f"STL with season {period} needs at least {2 * period} values, "
                        f"the series has {len(x)}")
    if index is not None and len(index) != len(x):
        index = None
    res = STL(x, period=period, robust=robust).fit()
    return pd.DataFrame({"trend": res.trend, "seasonal": res.seasonal, "resid": res.resid},
                        index=index if index is not None else pd.RangeIndex(len(x)))


def ljung_box(residuals, lags: int | list[int] = 10, model_df: int = 0) -> pd.DataFrame:
    """Ljung-Box test of "no autocorrelation left" on residuals, per lag.

    Returns a DataFrame indexed by lag with ``lb_stat`` and ``lb_pvalue``; a small p-value (below
    0.05) means the residuals still hold a pattern the model missed. ``model_df`` (p + q + P + Q
    for a SARIMA's residuals) is subtracted from the degrees of freedom.
    """
    from statsmodels.stats.diagnostic import acorr_ljungbox

    x = _clean(residuals, "the residuals")
    if isinstance(lags, (int, np.integer)):
        lags = int(min(max(1, lags), len(x) - 1))
    out = acorr_ljungbox(x, lags=lags, model_df=int(model_df))
    return out[["lb_stat", "lb_pvalue"]]


def seasonal_strength(y, period: int) -> float:
    """Strength of seasonality in [0, 1]: max(0, 1 - var(resid) / var(seasonal + resid)) from a
    classical moving-average decomposition (Wang, Smith & Hyndman, 2006). 0.64 and above is the
    usual threshold for a seasonal difference."""
    x = _clean(y)
    period = int(period)
    if period < 2 or len(x) < 2 * period:
        return 0.0
    if period % 2:
        kernel = np.full(period, 1.0 / period)
    else:
        kernel = np.r_[0.5, np.ones(period - 1), 0.5] / period
    trend = np.convolve(x, kernel, mode="valid")
    half = (len(kernel) - 1) // 2
    detrended = x[half:half + len(trend)] - trend
    phase = (np.arange(len(detrended)) + half) % period
    means = np.array([detrended[phase == j].mean() for j in range(period)])
    seasonal = (means - means.mean())[phase]
    resid = detrended - seasonal
    total = np.var(seasonal + resid)
    if total == 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(resid) / total))


# -------------------------------------------------------------------------------------------
# Order hint

def _cutoff(c: Correlogram, upto: int) -> tuple[int, bool]:
    """(k, cuts_off) over lags 1..upto: k significant lags in a row from lag 1, and whether the
    function "cuts off" after lag k (drops to under half at lag k + 1, and the rest stays inside
    the band but for a stray exception) instead of "tailing off"."""
    sig = c.significant()[1:upto + 1]
    k = 0
    while k < len(sig) and sig[k]:
        k += 1
    rest = sig[k:]
    values = np.abs(c.values)
    sharp = k == 0 or values[k + 1] < 0.5 * values[k] if k < len(sig) else False
    cuts = k < len(sig) and k <= 3 and int(rest.sum()) <= max(1, len(rest) // 10) and sharp
    return k, bool(cuts)


def _seasonal_terms(a: Correlogram, pa: Correlogram, s: int) -> tuple[int, int, str]:
    """(P, Q, reason) from the spikes at lags s and 2s: a seasonal MA shows an ACF spike at s that
    is gone at 2s while the PACF tails off over s, 2s, 3s; a seasonal AR the other way round."""
    acf_s = abs(a.values[s]) > a.band
    pacf_s = s < len(pa.values) and abs(pa.values[s]) > pa.band
    if not acf_s and not pacf_s:
        return 0, 0, f"no spike at the seasonal lag {s}: P = 0, Q = 0"

    def decay(c: Correlogram) -> float:
        if 2 * s >= len(c.values) or c.values[s] == 0:
            return 1.0
        return abs(c.values[2 * s]) / abs(c.values[s])

    if acf_s and (not pacf_s or decay(a) <= decay(pa)):
        return 0, 1, (f"ACF spike at lag {s} that is gone by lag {2 * s} (cuts off after one season), "
                      f"PACF tails off: try Q = 1")
    return 1, 0, (f"PACF spike at lag {s} that is gone by lag {2 * s} (cuts off after one season), "
                  f"ACF tails off: try P = 1")


def suggest_orders(y, season: int = 1) -> dict:
    """Differencing and order suggestions read from the data, with the reasons in plain words.

    Returns ``{"order": [p, d, q], "seasonal_order": [P, D, Q, s], "lines": [...]}``. D = 1 when
    the seasonal strength is >= 0.64; d = 1 (then 2) while the ACF stays high and decays slowly;
    p / q where the PACF / ACF of the differenced series cut off; P / Q from the spikes at lags s,
    2s (the seeds' identification rules).
    """
    x = _clean(y, minimum=8)
    s = int(season) if season and int(season) > 1 and len(x) >= 3 * int(season) else 0
    lines: list[str] = []
    D = 0
    if s:
        strength = seasonal_strength(x, s)
        if strength >= 0.64:
            D = 1
            x = seasonal_difference(x, s)
            lines.append(f"strong seasonality at lag {s} (strength {strength:.2f}): take a seasonal "
                         f"difference, D = 1 (y(t) - y(t-{s}))")
        else:
            lines.append(f"weak seasonality at lag {s} (strength {strength:.2f}): D = 0")
    d = 0
    while d < 2 and len(x) > 20:
        r = _autocorr(x, min(10, len(x) - 1))
        if r[1] > 0.9 and r[-1] > 0.5 and np.std(np.diff(x)) < np.std(x):
            x = np.diff(x)
            d += 1
        else:
            break
    if d:
        lines.append(f"the ACF stays high and decays slowly, a trend or random walk: difference "
                     f"{'once' if d == 1 else 'twice'}, d = {d}")
    else:
        lines.append("the ACF decays quickly: no ordinary difference needed, d = 0")

    n_lags = max(10, 3 * s + 1 if s else 10)
    a, pa = acf(x, n_lags), pacf(x, n_lags)
    upto = min(max(s - 1, 3), 10, len(a.values) - 1, len(pa.values) - 1) if s else min(10, len(pa.values) - 1)
    qa, acf_cuts = _cutoff(a, upto)
    pp, pacf_cuts = _cutoff(pa, upto)
    p = q = 0
    if qa == 0 and pp == 0:
        lines.append("no significant autocorrelation at short lags after differencing: p = 0, q = 0")
    elif pacf_cuts and not acf_cuts:
        p = pp
        lines.append(f"PACF cuts off after lag {pp}, ACF tails off: try p = {pp}")
    elif acf_cuts and not pacf_cuts:
        q = qa
        lines.append(f"ACF cuts off after lag {qa}, PACF tails off: try q = {qa}")
    elif acf_cuts and pacf_cuts:
        if pp <= qa:
            p = pp
            lines.append(f"PACF cuts off after lag {pp} and ACF after lag {qa}: try p = {pp} (or q = {qa})")
        else:
            q = qa
            lines.append(f"ACF cuts off after lag {qa} and PACF after lag {pp}: try q = {qa} (or p = {pp})")
    else:
        p = q = 1
        lines.append("ACF and PACF both tail off: try an ARMA, p = 1 and q = 1")

    P = Q = 0
    if s:
        P, Q, line = _seasonal_terms(a, pa, s)
        lines.append(line)
    return {"order": [p, d, q], "seasonal_order": [P, D, Q, s], "lines": lines}


def order_hint(y, season: int = 1) -> str:
    """A plain-words hint for the SARIMA orders, one reason per line, ending with the model, e.g.
    "PACF cuts off after lag 1, ACF tails off: try p = 1"; see :func:`suggest_orders`."""
    hint = suggest_orders(y, season)
    p, d, q = hint["order"]
    P, D, Q, s = hint["seasonal_order"]
    model = f"({p},{d},{q})" + (f"({P},{D},{Q},{s})" if s else "")
    return "\n".join(hint["lines"] + [f"suggested start: SARIMA{model}"])
