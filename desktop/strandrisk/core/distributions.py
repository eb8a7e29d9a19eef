"""The distributions of MODEL.md section 5, sampled by inverse CDF from uniform numbers.

Every distribution turns one uniform number into one draw, so the random stream used for a
parameter is the same whatever its distribution, and a collapsed distribution (low = mode = high,
or sd = 0) gives its point value exactly. Analytic means and variances are here for the tests and
the help text.
"""

from __future__ import annotations

import math

import numpy as np

_SQRT2 = math.sqrt(2.0)

# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_P_LOW = 0.02425


def normal_cdf(x: float) -> float:
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return 0.5 * math.erfc(-x / _SQRT2)


def normal_pdf(x: float) -> float:
    if math.isinf(x):
        return 0.0
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def normal_quantile(u: np.ndarray) -> np.ndarray:
    """Standard normal quantile of probabilities in (0, 1), vectorised (Acklam's approximation)."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    low = u < _P_LOW
    high = u > 1.0 - _P_LOW
    mid = ~(low | high)
    if mid.any():
        q = u[mid] - 0.5
        r = q * q
        num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
        den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        out[mid] = num / den
    for sel, sign, prob in ((low, 1.0, u[low]), (high, -1.0, 1.0 - u[high])):
        if sel.any():
            with np.errstate(divide="ignore"):
                q = np.sqrt(-2.0 * np.log(prob))
            num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
            den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
            out[sel] = sign * num / den
    return out


def _bounds(dist: dict) -> tuple[float, float]:
    lo = dist.get("low")
    hi = dist.get("high")
    return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))


def from_uniform(dist: dict, u: np.ndarray) -> np.ndarray:
    """Draws of ``dist`` (a scenario uncertainty entry) from uniform numbers ``u`` in [0, 1)."""
    u = np.asarray(u, dtype=float)
    kind = dist["dist"]
    if kind == "uniform":
        lo, hi = float(dist["low"]), float(dist["high"])
        return lo + (hi - lo) * u
    if kind == "triangular":
        a, c, b = float(dist["low"]), float(dist["mode"]), float(dist["high"])
        if b <= a:
            return np.full(u.shape, c)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)
    if kind == "normal":
        mean, sd = float(dist["mean"]), float(dist["sd"])
        lo, hi = _bounds(dist)
        if sd <= 0 or lo == hi:
            return np.full(u.shape, min(max(mean, lo), hi))
        a, b = (lo - mean) / sd, (hi - mean) / sd
        # sample the side nearer the centre so far-tail truncation keeps its precision
        flip = a > 0
        if flip:
            a, b = -b, -a
        fa, fb = normal_cdf(a), normal_cdf(b)
        p = fa + u * (fb - fa)
        p = np.clip(p, max(fa, 1e-300), min(fb, 1.0 - 1e-16))
        z = normal_quantile(p)
        if flip:
            z = -z
        return np.clip(mean + sd * z, lo, hi)
    raise ValueError(f"unknown distribution {kind!r}")


def sample(dist: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    return from_uniform(dist, rng.random(n))


def mean(dist: dict) -> float:
    kind = dist["dist"]
    if kind == "uniform":
        return (float(dist["low"]) + float(dist["high"])) / 2.0
    if kind == "triangular":
        return (float(dist["low"]) + float(dist["mode"]) + float(dist["high"])) / 3.0
    m, sd = float(dist["mean"]), float(dist["sd"])
    lo, hi = _bounds(dist)
    if sd <= 0:
        return min(max(m, lo), hi)
    a, b = (lo - m) / sd, (hi - m) / sd
    z = normal_cdf(b) - normal_cdf(a)
    return m + sd * (normal_pdf(a) - normal_pdf(b)) / z


def variance(dist: dict) -> float:
    kind = dist["dist"]
    if kind == "uniform":
        return (float(dist["high"]) - float(dist["low"])) ** 2 / 12.0
    if kind == "triangular":
        a, c, b = float(dist["low"]), float(dist["mode"]), float(dist["high"])
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
    m, sd = float(dist["mean"]), float(dist["sd"])
    if sd <= 0:
        return 0.0
    lo, hi = _bounds(dist)
    a, b = (lo - m) / sd, (hi - m) / sd
    z = normal_cdf(b) - normal_cdf(a)
    pa, pb = normal_pdf(a), normal_pdf(b)
    ta = 0.0 if math.isinf(a) else a * pa
    tb = 0.0 if math.isinf(b) else b * pb
    return sd * sd * (1.0 + (ta - tb) / z - ((pa - pb) / z) ** 2)
