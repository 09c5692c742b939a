"""Sample sizes: estimating a proportion, and audit attribute sampling.

- :func:`sample_size_proportion`: Cochran (1977), *Sampling Techniques*, 3rd ed.,
  §4.4: ``n₀ = z² p (1 − p) / d²``, corrected for a finite population by
  ``n = n₀ / (1 + (n₀ − 1) / N)`` (eq. 4.2), multiplied by the design effect
  (Kish 1965, *Survey Sampling*, §8.2) and divided by the expected response rate
  (Lohr 2022, *Sampling: Design and Analysis*, 3rd ed., §2.7 and §8.1).
  p = 0.02 ± 0.01 at 95 % gives 753.
- :func:`attribute_sample_size`: the attribute-sampling rule of audit practice
  (AICPA Audit Guide *Audit Sampling*, tables of sample sizes for tests of
  controls): the smallest ``n`` such that, with ``k = ⌈n × expected rate⌉``
  deviations expected, the binomial probability of observing at most ``k``
  deviations when the true rate equals the tolerable rate is at most the risk
  of over-reliance. Risk 5 %, tolerable 5 %, expected 0 % gives 59; expected
  1 % gives 93; risk 10 %, tolerable 5 %, expected 0 % gives 45.
- :func:`~audit.stats.intervals.upper_error_limit` evaluates a sample once drawn.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from audit.stats._checks import ParameterError, check_confidence, check_rate

__all__ = ["attribute_sample_size", "sample_size_proportion"]

_EPS = 1e-9  # guards ceil() against floating-point noise (752.9999999 → 753, not 754)


def sample_size_proportion(
    p: float,
    margin: float,
    confidence: float = 0.95,
    population: int | None = None,
    deff: float = 1.0,
    *,
    response_rate: float = 1.0,
) -> int:
    """Sample size to estimate a proportion within ``± margin``.

    Parameters
    ----------
    p : float
        Anticipated proportion (use 0.5 when nothing is known: the largest n).
    margin : float
        Half-width of the confidence interval (absolute, e.g. 0.01 for ±1 point).
    confidence : float
        Two-sided confidence level.
    population : int, optional
        Population size N for the finite-population correction; None for an
        infinite population.
    deff : float
        Design effect of the planned design relative to simple random sampling
        (1 for SRS; about 1 + (m − 1)ρ for clusters of m with intra-class correlation ρ).
    response_rate : float
        Expected share of sampled units that respond; the size is inflated by its inverse.

    Returns
    -------
    int
        Units to select (never more than ``population`` before the response
        adjustment).

    Examples
    --------
    >>> sample_size_proportion(0.02, 0.01)
    753
    >>> sample_size_proportion(0.5, 0.05)
    385
    """
    p = check_rate(p, "p", allow_zero=True)
    margin = check_rate(margin, "margin")
    check_confidence(confidence)
    if deff <= 0:
        raise ParameterError(
            f"设计效应必须大于 0，当前为 {deff}",
            f"deff must be positive, got {deff}",
            parameter="deff",
        )
    if not 0.0 < response_rate <= 1.0:
        raise ParameterError(
            f"应答率必须在 (0, 1] 之内，当前为 {response_rate}",
            f"response_rate must lie in (0, 1], got {response_rate}",
            parameter="response_rate",
        )
    z = stats.norm.ppf(1.0 - (1.0 - confidence) / 2.0)
    n = z * z * p * (1.0 - p) / (margin * margin) * deff
    if population is not None:
        if population < 1:
            raise ParameterError(
                f"总体规模必须为正整数，当前为 {population}",
                f"population must be a positive integer, got {population}",
                parameter="population",
            )
        n = n / (1.0 + (n - 1.0) / population)
        n = min(n, float(population))
    n = max(n, 1.0)
    return math.ceil(n / response_rate - _EPS)


def attribute_sample_size(
    tolerable_rate: float,
    expected_rate: float = 0.0,
    risk: float = 0.05,
    *,
    max_n: int = 1_000_000,
) -> int:
    """Attribute-sampling sample size (binomial, as in the AICPA tables).

    Parameters
    ----------
    tolerable_rate : float
        The deviation rate that must not be exceeded (e.g. 0.05).
    expected_rate : float
        The deviation rate expected in the population (``< tolerable_rate``).
    risk : float
        Risk of over-reliance (of accepting when the true rate is the tolerable
        one), e.g. 0.05 or 0.10.
    max_n : int
        Search limit.

    Returns
    -------
    int
        The smallest ``n`` with ``P(X ≤ ⌈n × expected_rate⌉ | n, tolerable_rate) ≤ risk``.

    Examples
    --------
    >>> attribute_sample_size(0.05)
    59
    >>> attribute_sample_size(0.05, expected_rate=0.01)
    93
    >>> attribute_sample_size(0.05, risk=0.10)
    45
    """
    t = check_rate(tolerable_rate, "tolerable_rate")
    e = check_rate(expected_rate, "expected_rate", allow_zero=True)
    r = check_rate(risk, "risk")
    if e >= t:
        raise ParameterError(
            f"预期偏差率 {e} 必须小于可容忍偏差率 {t}",
            f"expected_rate {e} must be below tolerable_rate {t}",
            parameter="expected_rate",
        )
    start = 1
    chunk = 4096
    while start <= max_n:
        n = np.arange(start, min(start + chunk, max_n + 1))
        k = np.ceil(n * e - _EPS)
        ok = stats.binom.cdf(k, n, t) <= r
        if ok.any():
            return int(n[np.argmax(ok)])
        start += chunk
        chunk *= 2
    raise ParameterError(
        f"在 {max_n} 以内找不到满足条件的样本量",
        f"no sample size up to {max_n} meets the condition",
        parameter="max_n",
    )
