"""Empirical-Bayes beta-binomial village rates."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from audit.stats import fit_beta_prior, shrink_rates
from audit.stats.shrinkage import _moments, _neg_loglik


def test_small_village_with_no_failure_is_not_shown_as_zero():
    x = pd.Series([0, 1, 0, 5, 2, 0], index=[f"v{i}" for i in range(6)])
    n = [3, 40, 25, 60, 30, 12]
    r = shrink_rates(x, n)
    assert list(r.index) == list(x.index)
    small = r.loc["v0"]
    assert small["raw_rate"] == 0
    assert small["rate"] > 0.01 and small["ci_high"] > 0.05
    # shrinkage is stronger where the village's own sample is smaller
    assert r.loc["v0", "shrinkage"] > r.loc["v5", "shrinkage"] > r.loc["v3", "shrinkage"]


def test_rates_are_pulled_towards_the_pooled_rate():
    x = np.array([0, 1, 0, 5, 2, 0])
    n = np.array([3, 40, 25, 60, 30, 12])
    r = shrink_rates(x, n)
    mu = r.attrs["prior"]["mu"]
    raw = x / n
    assert np.all(np.abs(r["rate"] - mu) <= np.abs(raw - mu) + 1e-12)
    assert np.all((r["ci_low"] <= r["rate"]) & (r["rate"] <= r["ci_high"]))


def test_marginal_ml_recovers_the_prior_of_a_simulated_county():
    rng = np.random.default_rng(2024)
    k = 3000
    n = rng.integers(5, 40, k)
    p = rng.beta(2.0, 60.0, k)  # mean 3.2 %, prior weight 62
    x = rng.binomial(n, p)
    prior = fit_beta_prior(x, n)
    assert prior["method"] == "ml"
    assert prior["mu"] == pytest.approx(2 / 62, rel=0.08)
    assert 30 < prior["m"] < 130
    # the ML optimum beats the moment estimate on the likelihood
    mom = _moments(x.astype(float), n.astype(float), (1e-6, 1 - 1e-6), (0.5, n.sum()))
    theta_ml = [special.logit(prior["mu"]), np.log(prior["m"])]
    theta_mom = [special.logit(mom[0]), np.log(mom[1])]
    assert _neg_loglik(theta_ml, x, n) <= _neg_loglik(theta_mom, x, n)


def test_posterior_interval_covers_true_village_rates():
    rng = np.random.default_rng(5)
    k = 2000
    n = rng.integers(3, 30, k)
    p = rng.beta(1.5, 50.0, k)
    r = shrink_rates(rng.binomial(n, p), n)
    covered = ((r["ci_low"] <= p) & (p <= r["ci_high"])).mean()
    assert 0.90 <= covered <= 0.99


def test_no_failure_anywhere_gives_honest_pooled_intervals():
    r = shrink_rates([0, 0, 0], [3, 40, 25])
    assert r.attrs["prior"]["method"] == "pooled"
    assert np.all(r["rate"] > 0)
    assert np.all(r["ci_high"] > 0.02)  # 0 of 68 households cannot prove a rate below 2 %


def test_homogeneous_villages_get_the_county_rate():
    rng = np.random.default_rng(8)
    n = rng.integers(5, 30, 400)
    r = shrink_rates(rng.binomial(n, 0.03), n)
    assert r["rate"].std() < 0.005
    assert r.attrs["prior"]["m"] <= n.sum()


def test_edge_inputs():
    r = shrink_rates([0], [0])
    assert np.isnan(r["raw_rate"].iloc[0]) and np.isfinite(r["rate"].iloc[0])
    with pytest.raises(ValueError):
        shrink_rates([3], [2])


def test_newton_fit_reaches_the_maximum_a_tight_simplex_finds():
    from scipy import optimize

    from audit.stats.shrinkage import _derivatives

    rng = np.random.default_rng(11)
    n = rng.integers(3, 40, 200)
    x = rng.binomial(n, rng.beta(1.2, 25.0, 200))
    prior = fit_beta_prior(x, n)
    theta = np.array([special.logit(prior["mu"]), np.log(prior["m"])])
    simplex = optimize.minimize(
        _neg_loglik, theta + np.array([0.3, -0.5]), args=(x, n), method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000},
    )  # fmt: skip
    assert prior["method"] == "ml"
    assert _neg_loglik(theta, x, n) <= simplex.fun + 1e-8
    assert np.allclose(theta, simplex.x, atol=1e-4)
    _, grad, hess = _derivatives(theta, x, n)
    assert np.abs(grad).max() < 1e-5  # an interior optimum (rounded to 9 digits)
    assert np.all(np.linalg.eigvalsh(hess) > 0)


def test_fit_is_rounded_so_its_last_bits_cannot_reach_the_draws():
    x, n = [0, 1, 0, 5, 2, 0, 3], [3, 40, 25, 60, 30, 12, 9]
    prior = fit_beta_prior(x, n)
    assert prior["mu"] == float(f"{prior['mu']:.9g}") and prior["m"] == float(f"{prior['m']:.9g}")
    assert fit_beta_prior(x, n) == prior
