"""Predictive intervals from Monte-Carlo passes: numpy only.

Each Monte-Carlo pass j gives, for every origin and horizon step, a Gaussian N(loc_j, scale_j^2)
or a Student-t located at loc_j and scaled by scale_j (the Bayesian LSTM's head; for MC dropout
the pass's forecast with the observation noise estimated on the validation windows). The
predictive distribution is their equal-weight mixture: its mean is the mean of the ``loc_j`` and
its quantiles are found exactly, by a safeguarded Newton iteration on the mixture's distribution
function. Passes without noise (scale 0) give the empirical quantiles of the passes.
"""

from __future__ import annotations

from math import lgamma
from typing import Sequence

import numpy as np
from scipy.special import ndtr, ndtri, stdtr, stdtrit

CHUNK = 1 << 22
"""Elements (passes x points) handled at once, to bound memory on long backtests."""


def central_probs(levels: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Level (e.g. 95) -> the (lower, upper) probabilities of its central interval."""
    return {int(lv): ((1 - lv / 100) / 2, 1 - (1 - lv / 100) / 2) for lv in levels}


def mixture_quantiles(locs: np.ndarray, scales: np.ndarray | float, probs: Sequence[float],
                      df: float | None = None, iters: int = 60, tol: float = 1e-10) -> np.ndarray:
    """Quantiles of the equal-weight mixture over axis 0 of Gaussians (``df`` None) or of
    Student-t distributions with ``df`` degrees of freedom, located at ``locs`` and scaled by
    ``scales``.

    ``locs``: (passes, ...); ``scales`` broadcastable to it. Returns (len(probs), ...).
    """
    locs = np.asarray(locs, dtype=np.float64)
    scales = np.broadcast_to(np.asarray(scales, dtype=np.float64), locs.shape)
    probs = [float(p) for p in probs]
    rest = locs.shape[1:]
    out = np.empty((len(probs),) + rest)
    if not probs or locs.size == 0:
        return out
    if not np.any(scales > 0):
        return np.quantile(locs, probs, axis=0)
    m = locs.shape[0]
    flat_l = locs.reshape(m, -1)
    flat_s = scales.reshape(m, -1)
    flat_out = out.reshape(len(probs), -1)
    step = max(1, CHUNK // m)
    for a in range(0, flat_l.shape[1], step):
        sl = slice(a, a + step)
        for i, p in enumerate(probs):
            flat_out[i, sl] = _solve(flat_l[:, sl], flat_s[:, sl], p, df, iters, tol)
    return out


def _cdf_pdf(u: np.ndarray, df: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Standard distribution function and density at ``u``."""
    if df is None:
        return ndtr(u), np.exp(-0.5 * u * u) / np.sqrt(2 * np.pi)
    log_c = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * np.log(df * np.pi)
    return stdtr(df, u), np.exp(log_c - 0.5 * (df + 1) * np.log1p(u * u / df))


def _solve(loc: np.ndarray, scale: np.ndarray, p: float, df: float | None, iters: int,
           tol: float) -> np.ndarray:
    """Newton on F(q) = mean_j Phi((q - loc_j) / scale_j) = p, kept inside a shrinking bracket
    (the mixture quantile lies between the smallest and the largest component quantile)."""
    spread = float(np.nanmax(scale)) or 1.0
    s = np.maximum(scale, 1e-12 * spread)
    z = float(ndtri(p)) if df is None else float(stdtrit(df, p))
    comp = loc + s * z
    lo, hi = comp.min(axis=0), comp.max(axis=0)
    mean = loc.mean(axis=0)
    sd = np.sqrt(np.maximum((s ** 2 + loc ** 2).mean(axis=0) - mean ** 2, 0.0))
    q = np.clip(mean + sd * z, lo, hi)  # the moment-matched guess, inside the bracket
    width = np.maximum(hi - lo, 1e-12 * spread)
    for _ in range(iters):
        u = (q[None] - loc) / s
        cdf, pdf = _cdf_pdf(u, df)
        f_val = cdf.mean(axis=0) - p
        dens = (pdf / s).mean(axis=0)
        lo = np.where(f_val < 0, q, lo)
        hi = np.where(f_val > 0, q, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = q - f_val / dens
        inside = (newton >= lo) & (newton <= hi) & np.isfinite(newton)
        new = np.where(inside, newton, 0.5 * (lo + hi))
        done = np.abs(new - q) <= tol * width
        q = new
        if done.all():
            break
    return q
