"""Empirical-Bayes village rates: beta-binomial shrinkage.

A village where 0 of 3 sampled households failed is not "0 %, safe": its own data
say little. Each village's count ``x_i`` of ``n_i`` is modelled as binomial with a
rate drawn from a common Beta(a, b) prior; the prior is fitted to all villages by
marginal maximum likelihood (the beta-binomial likelihood, Skellam 1948; Griffiths
1973), with the method of moments (Kleinman 1973, *JASA* 68:46–54) as a fallback
when the optimiser fails. When no village has any failure the likelihood is
degenerate; the prior is then the Jeffreys posterior of the pooled rate,
Beta(0.5, Σn + 0.5). Each village then gets its posterior Beta(a + x, b + n − x):
the shrunk rate is its mean and the interval its equal-tailed quantiles
(Efron & Morris 1975; Gelman et al., *Bayesian Data Analysis*, 3rd ed., §5.3, the
rat-tumour example).

The likelihood is maximised by Newton's method with the analytic gradient and
Hessian (digamma and trigamma sums; Minka 2000, *Estimating a Dirichlet
distribution*, §2), in ``(logit μ, log M)`` inside the bounds below, with a
backtracking line search. It uses no BLAS or LAPACK routine (the 2 × 2 system is
solved in closed form), so the fit — and every Monte Carlo draw that starts from
it — is the same whatever OpenBLAS kernel or thread count the machine uses (a
quasi-Newton optimiser's path depends on the last bits of its BLAS ``ddot``).
The fitted ``μ`` and ``M`` are rounded to :data:`DIGITS` significant digits, far
below their statistical precision, so that last-bit differences of the maths
library cannot reach the draws either.

Parametrisation: ``μ = a / (a + b)`` (the county-wide rate) and ``M = a + b`` (the
prior's weight in households). A village's rate is pulled towards ``μ`` with weight
``M / (M + n_i)``. ``μ`` is kept at least ``0.5 / (Σn + 1)`` away from 0 and 1 (so
that a county with no failure at all still gets an honest, non-degenerate upper
bound) and ``M`` within [0.5, Σn]: the prior never carries more information than
all villages' households together, so with no detectable between-village
variation every village gets the county-wide rate with the county-wide precision
(this also keeps the intervals honest when the fitted μ sits on its bound, since
empirical Bayes otherwise ignores the uncertainty of μ).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from audit.stats._checks import check_confidence, check_counts

__all__ = ["fit_beta_prior", "shrink_rates"]

M_MIN = 0.5
#: Significant digits kept of the fitted μ and M.
DIGITS = 9
#: Newton iterations at most (the fit converges in fewer than 20 on real counts).
MAX_ITER = 200


def _neg_loglik(theta, x, n):
    mu = special.expit(theta[0])
    m = np.exp(theta[1])
    a, b = mu * m, (1.0 - mu) * m
    return -np.sum(special.betaln(x + a, n - x + b) - special.betaln(a, b))


def _moments(x, n, mu_bounds, m_bounds):
    """Kleinman's (1973) moment estimates of (μ, M) for beta-binomial counts."""
    keep = n > 0
    x, n = x[keep], n[keep]
    mu = float(np.clip(x.sum() / n.sum(), *mu_bounds))
    k = len(n)
    if k < 2:
        return mu, m_bounds[1]
    p = x / n
    s = np.sum(n * (p - mu) ** 2) / (k - 1)  # weighted between-village variance
    base = mu * (1.0 - mu)
    # E[s] = base * (1 + (N - Σn²/N)/(k-1) * rho - rho) with rho = 1 / (M + 1)
    big_n = n.sum()
    c = (big_n - np.sum(n**2) / big_n) / (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (s / base - 1.0) / (c - 1.0)
    if not np.isfinite(rho) or rho <= 0:
        return mu, m_bounds[1]
    m = 1.0 / rho - 1.0
    return mu, float(np.clip(m, *m_bounds))


def _derivatives(theta, x, n) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative log-likelihood, its gradient and Hessian in ``θ = (logit μ, log M)``.

    In ``(a, b)`` the log-likelihood's derivatives are digamma (ψ) and trigamma
    (ψ′) sums; the chain rule through ``a = μM``, ``b = (1 − μ)M`` gives them in θ.
    """
    mu, m = special.expit(theta[0]), np.exp(theta[1])
    a, b = mu * m, (1.0 - mu) * m
    y = n - x
    common = special.digamma(m) - special.digamma(n + m)
    ga = np.sum(special.digamma(x + a) - special.digamma(a) + common)
    gb = np.sum(special.digamma(y + b) - special.digamma(b) + common)
    common1 = np.sum(special.polygamma(1, m) - special.polygamma(1, n + m))
    haa = np.sum(special.polygamma(1, x + a) - special.polygamma(1, a)) + common1
    hbb = np.sum(special.polygamma(1, y + b) - special.polygamma(1, b)) + common1
    hab = common1
    c = a * b / m  # ∂a/∂logit μ
    grad = np.array([c * (ga - gb), a * ga + b * gb])
    hess = np.array(
        [
            [
                c * c * (haa - 2.0 * hab + hbb) + c * (1.0 - 2.0 * mu) * (ga - gb),
                c * (a * haa + (b - a) * hab - b * hbb) + c * (ga - gb),
            ],
            [0.0, a * a * haa + 2.0 * a * b * hab + b * b * hbb + a * ga + b * gb],
        ]
    )
    hess[1, 0] = hess[0, 1]
    return _neg_loglik(theta, x, n), -grad, -hess


def _newton_step(grad: np.ndarray, hess: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Newton direction on the free coordinates (steepest descent where not convex)."""
    step = np.zeros(2)
    if free.all():
        det = hess[0, 0] * hess[1, 1] - hess[0, 1] * hess[1, 0]
        if hess[0, 0] > 0 and det > 0:
            step[0] = -(hess[1, 1] * grad[0] - hess[0, 1] * grad[1]) / det
            step[1] = -(hess[0, 0] * grad[1] - hess[1, 0] * grad[0]) / det
            return step
    elif free.any():
        i = int(np.flatnonzero(free)[0])
        if hess[i, i] > 0:
            step[i] = -grad[i] / hess[i, i]
            return step
    step[free] = -grad[free]
    return step / max(1.0, float(np.max(np.abs(step))))  # at most one unit in θ


def _maximise(start: np.ndarray, bounds: np.ndarray, x, n) -> tuple[np.ndarray, float]:
    """Projected Newton with backtracking (Armijo) on the box ``bounds`` (rows: lo, hi)."""
    theta = np.clip(start, bounds[0], bounds[1])
    f, grad, hess = _derivatives(theta, x, n)
    for _ in range(MAX_ITER):
        at_lo, at_hi = theta <= bounds[0], theta >= bounds[1]
        free = ~((at_lo & (grad > 0)) | (at_hi & (grad < 0)))
        step = _newton_step(grad, hess, free)
        slope = float(grad[0] * step[0] + grad[1] * step[1])
        if not free.any() or slope >= 0:
            break
        alpha = 1.0
        while alpha > 1e-12:
            trial = np.clip(theta + alpha * step, bounds[0], bounds[1])
            f_trial = _neg_loglik(trial, x, n)
            if np.isfinite(f_trial) and f_trial <= f + 1e-4 * alpha * slope:
                break
            alpha *= 0.5
        else:
            break
        moved = np.max(np.abs(trial - theta))
        theta = trial
        f, grad, hess = _derivatives(theta, x, n)
        if moved <= 1e-12 * (1.0 + np.max(np.abs(theta))):
            break
    return theta, f


def _significant(value: float) -> float:
    """``value`` rounded to :data:`DIGITS` significant digits (exact decimal rounding)."""
    return float(f"{value:.{DIGITS}g}")


def fit_beta_prior(x, n) -> dict:
    """Fit the Beta(a, b) prior of village rates by marginal maximum likelihood.

    Parameters
    ----------
    x, n : array-like of int
        Failures and households sampled per village.

    Returns
    -------
    dict
        ``a``, ``b``, ``mu`` (prior mean), ``m`` (prior weight a + b) and ``method``
        (``"ml"``, ``"moments"``, or ``"pooled"`` when no village has a failure).

    Examples
    --------
    >>> prior = fit_beta_prior([0, 1, 0, 5, 2, 0], [3, 40, 25, 60, 30, 12])
    >>> prior["method"], round(prior["mu"], 3), prior["m"]  # M at its bound: no detectable spread
    ('ml', 0.045, 170.0)
    """
    x, n = check_counts(x, n)
    total = float(n.sum())
    eps = 0.5 / (total + 1.0)
    mu_bounds = (eps, 1.0 - eps)
    m_bounds = (M_MIN, max(total, 1.0))
    mu0, m0 = _moments(x, n, mu_bounds, m_bounds) if total > 0 else (0.5, 2.0)
    method = "moments"
    keep = n > 0
    if x.sum() == 0 or x.sum() == total:
        # no failure (or no success) anywhere: the likelihood is degenerate (it
        # prefers an ever-smaller prior weight). Use the Jeffreys posterior of the
        # pooled rate as the prior: every village gets the county-wide rate, known
        # to the precision of the whole sample.
        a, b = float(x.sum()) + 0.5, total - float(x.sum()) + 0.5
        return {"a": a, "b": b, "mu": a / (a + b), "m": a + b, "method": "pooled"}
    if keep.sum() >= 2:
        bounds = np.array([special.logit(mu_bounds), np.log(m_bounds)]).T
        # start inside the box: a start on a bound of a flat likelihood would stay there
        log_m = np.clip(np.log(m0), bounds[0, 1] + 0.5, max(bounds[1, 1] - 0.5, bounds[0, 1] + 0.5))
        start = np.array([special.logit(mu0), log_m])
        args = (x[keep], n[keep])
        with np.errstate(all="ignore"):
            theta, f = _maximise(start, bounds, *args)
        if np.isfinite(f) and f <= _neg_loglik(start, *args) + 1e-9 and np.isfinite(theta).all():
            mu0, m0 = float(special.expit(theta[0])), float(np.exp(theta[1]))
            method = "ml"
    mu0, m0 = _significant(mu0), _significant(m0)
    return {"a": mu0 * m0, "b": (1.0 - mu0) * m0, "mu": mu0, "m": m0, "method": method}


def shrink_rates(x, n, confidence: float = 0.95) -> pd.DataFrame:
    """Empirical-Bayes (beta-binomial) rates per village, with intervals.

    Parameters
    ----------
    x, n : array-like of int
        Failures (e.g. 漏评 households found) and households sampled, one per
        village. When ``x`` is a Series its index labels the result.
    confidence : float
        Level of the equal-tailed posterior interval.

    Returns
    -------
    DataFrame
        Columns ``x``, ``n``, ``raw_rate`` (x / n, NaN when n = 0), ``rate`` (posterior
        mean), ``ci_low``, ``ci_high`` and ``shrinkage`` (the prior's weight
        ``M / (M + n)``). The fitted prior is in ``.attrs["prior"]``.

    Examples
    --------
    >>> r = shrink_rates([0, 1, 0, 5], [3, 40, 25, 60])
    >>> bool(r["rate"].iloc[0] > 0)
    True
    """
    check_confidence(confidence)
    index = x.index if isinstance(x, pd.Series) else None
    xa, na = check_counts(x, n)
    prior = fit_beta_prior(xa, na)
    a_post = prior["a"] + xa
    b_post = prior["b"] + na - xa
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(na > 0, xa / np.maximum(na, 1), np.nan)
    out = pd.DataFrame(
        {
            "x": xa.astype(np.int64),
            "n": na.astype(np.int64),
            "raw_rate": raw,
            "rate": a_post / (a_post + b_post),
            "ci_low": stats.beta.ppf(alpha / 2.0, a_post, b_post),
            "ci_high": stats.beta.ppf(1.0 - alpha / 2.0, a_post, b_post),
            "shrinkage": prior["m"] / (prior["m"] + na),
        },
        index=index,
    )
    out.attrs["prior"] = prior
    return out
