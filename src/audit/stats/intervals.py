"""Confidence intervals for proportions: Wilson, Clopper–Pearson and Korn–Graubard.

- Wilson score interval (Wilson 1927; recommended by Brown, Cai & DasGupta 2001,
  "Interval estimation for a binomial proportion", *Statistical Science* 16:101–133).
- Clopper–Pearson "exact" interval (Clopper & Pearson 1934), from beta quantiles;
  ``upper_error_limit`` is its one-sided upper bound, the bound audit
  attribute-sampling tables tabulate (AICPA *Audit Sampling* guide).
- Korn–Graubard interval for a proportion estimated under a complex design
  (Korn & Graubard 1998, "Confidence intervals for proportions with small expected
  number of positive counts estimated from survey data", *Survey Methodology*
  24:193–201): a Clopper–Pearson interval on the effective sample size
  ``n* = p(1 − p) / v(p)``, scaled by ``(t_{n−1} / t_{df})²`` for the design's degrees
  of freedom, as R survey's ``svyciprop(method = "beta")`` does.

All functions are vectorised over numpy arrays and never return NaN for valid
input: at ``x = 0`` the lower bound is 0, at ``x = n`` the upper bound is 1, and an
empty sample (``n = 0``) gives the uninformative interval (0, 1).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from audit.stats._checks import check_confidence, check_counts

__all__ = ["korn_graubard_ci", "proportion_ci", "upper_error_limit"]

METHODS = ("wilson", "clopper-pearson")


def _out(low, high, scalar):
    if scalar:
        return float(low), float(high)
    return low, high


def proportion_ci(x, n, confidence: float = 0.95, method: str = "wilson"):
    """Two-sided confidence interval for a binomial proportion ``x / n``.

    Parameters
    ----------
    x, n : int or array-like of int
        Successes and trials (broadcast against each other).
    confidence : float
        Confidence level, e.g. 0.95.
    method : {"wilson", "clopper-pearson"}
        Wilson score interval (no continuity correction), or the exact
        Clopper–Pearson interval (``"exact"`` is accepted as an alias).

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise. ``n = 0`` gives (0, 1).

    Examples
    --------
    >>> low, high = proportion_ci(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> proportion_ci(0, 20, method="clopper-pearson")[0]
    0.0
    """
    check_confidence(confidence)
    method = "clopper-pearson" if method == "exact" else method
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    x, n = check_counts(x, n)
    alpha = 1.0 - confidence
    if method == "wilson":
        z = stats.norm.ppf(1.0 - alpha / 2.0)
        z2 = z * z
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = (x + z2 / 2.0) / (n + z2)
            half = (
                z / (n + z2) * np.sqrt(np.where(n > 0, x * (n - x) / np.maximum(n, 1), 0) + z2 / 4)
            )
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
        low = np.where(x == 0, 0.0, low)
        high = np.where(x == n, 1.0, high)
    else:
        low, high = _beta_interval(x, n, alpha)
    low = np.where(n == 0, 0.0, low)
    high = np.where(n == 0, 1.0, high)
    return _out(low, high, scalar)


def _beta_interval(x, n, alpha):
    """Clopper–Pearson bounds for (possibly non-integer) ``x`` out of ``n``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        low = stats.beta.ppf(alpha / 2.0, np.maximum(x, 1e-300), n - x + 1.0)
        high = stats.beta.ppf(1.0 - alpha / 2.0, x + 1.0, np.maximum(n - x, 1e-300))
    low = np.where(x <= 0, 0.0, low)
    high = np.where(x >= n, 1.0, high)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def upper_error_limit(n, deviations, confidence: float = 0.95):
    """One-sided exact upper confidence limit of a deviation rate (attribute sampling).

    The largest rate ``p`` still consistent at level ``1 − confidence`` with
    observing at most ``deviations`` deviations in ``n`` items, i.e. the one-sided
    Clopper–Pearson bound ``Beta⁻¹(confidence; k + 1, n − k)``. It is the
    "upper limit" of the AICPA evaluation tables (e.g. 100 items, 1 deviation,
    5 % risk → 4.7 %).

    Parameters
    ----------
    n : int or array-like
        Items examined.
    deviations : int or array-like
        Deviations (errors) found among them.
    confidence : float
        One-sided confidence level, ``1 − risk``.

    Returns
    -------
    float or ndarray
        1.0 when every item deviates (or ``n = 0``).

    Examples
    --------
    >>> round(upper_error_limit(59, 0), 4)
    0.0495
    """
    check_confidence(confidence)
    scalar = np.ndim(n) == 0 and np.ndim(deviations) == 0
    k, n = check_counts(deviations, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = stats.beta.ppf(confidence, k + 1.0, np.maximum(n - k, 1e-300))
    bound = np.where(k >= n, 1.0, bound)
    return float(bound) if scalar else bound


def korn_graubard_ci(p, se, n, df, confidence: float = 0.95):
    """Korn–Graubard (1998) interval for a proportion estimated under a survey design.

    Parameters
    ----------
    p : float or array-like
        The estimated proportion.
    se : float or array-like
        Its design-based standard error.
    n : int or array-like
        Observations behind the estimate (rows of the domain).
    df : int or array-like
        Design degrees of freedom (PSUs − strata); values below 1 are treated as 1.
    confidence : float
        Confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise.

    Notes
    -----
    The effective sample size is ``n* = p(1 − p) / se²`` times
    ``(t_{α/2, n−1} / t_{α/2, df})²``; the interval is Clopper–Pearson with
    ``n* p`` successes out of ``n*``. When the variance is zero (``p`` is 0 or 1,
    or every stratum is fully enumerated) ``n*`` is taken as ``n``; the interval is
    then the exact binomial one at the sample size actually observed.
    """
    check_confidence(confidence)
    scalar = all(np.ndim(v) == 0 for v in (p, se, n, df))
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    df = np.maximum(np.asarray(df, dtype=float), 1.0)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = p * (1.0 - p) / se**2
        ratio = stats.t.ppf(alpha / 2.0, np.maximum(n - 1.0, 1.0)) / stats.t.ppf(alpha / 2.0, df)
        n_eff = n_eff * ratio**2
    degenerate = ~np.isfinite(n_eff) | (n_eff <= 0) | (se <= 0)
    n_eff = np.where(degenerate, n, n_eff)
    low, high = _beta_interval(n_eff * p, n_eff, alpha)
    low = np.where(n <= 0, 0.0, low)
    high = np.where(n <= 0, 1.0, high)
    return _out(low, high, scalar)
