"""Proportion intervals against published values, scipy and statsmodels."""

import numpy as np
import pytest
from scipy import stats

from audit.errors import AuditError
from audit.stats import korn_graubard_ci, proportion_ci

# Newcombe (1998), "Two-sided confidence intervals for the single proportion",
# Statistics in Medicine 17:857–872, Table I: methods 3 (Wilson) and 5 (exact).
NEWCOMBE = [
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE)
def test_newcombe_published_values(x, n, wilson, exact):
    assert proportion_ci(x, n) == pytest.approx(wilson, abs=5e-5)
    assert proportion_ci(x, n, method="clopper-pearson") == pytest.approx(exact, abs=5e-5)


@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
@pytest.mark.parametrize(
    ("method", "scipy_method"), [("wilson", "wilson"), ("clopper-pearson", "exact")]
)
def test_agrees_with_scipy_binomtest(method, scipy_method, confidence):
    for x, n in [(0, 7), (1, 7), (3, 10), (17, 2024), (2024, 2024), (40, 753)]:
        ref = stats.binomtest(x, n).proportion_ci(confidence_level=confidence, method=scipy_method)
        got = proportion_ci(x, n, confidence=confidence, method=method)
        assert got == pytest.approx((ref.low, ref.high), abs=1e-10)


def test_agrees_with_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.proportion")
    x = np.array([0, 1, 5, 40, 99, 100])
    n = np.full(6, 100)
    for method, sm_method in [("wilson", "wilson"), ("clopper-pearson", "beta")]:
        low, high = proportion_ci(x, n, method=method)
        ref_low, ref_high = sm.proportion_confint(x, n, alpha=0.05, method=sm_method)
        np.testing.assert_allclose(low, ref_low, atol=1e-10)
        np.testing.assert_allclose(high, ref_high, atol=1e-10)


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_edges_have_no_nan(method):
    x = np.array([0, 5, 5, 0])
    n = np.array([5, 5, 10, 0])
    low, high = proportion_ci(x, n, method=method)
    assert np.all(np.isfinite(low)) and np.all(np.isfinite(high))
    assert low[0] == 0.0 and high[1] == 1.0
    assert (low[3], high[3]) == (0.0, 1.0)
    assert np.all(low <= x / np.maximum(n, 1)) and np.all(high >= x / np.maximum(n, 1))


def test_scalar_in_scalar_out():
    low, high = proportion_ci(3, 10)
    assert isinstance(low, float) and isinstance(high, float)


def test_rejects_bad_counts_and_method():
    with pytest.raises(AuditError):
        proportion_ci(11, 10)
    with pytest.raises(AuditError):
        proportion_ci(-1, 10)
    with pytest.raises(ValueError):
        proportion_ci(1, 10, method="wald")


def test_korn_graubard_reduces_to_clopper_pearson_under_srs():
    # with the binomial variance and df = n − 1, n* = n and the interval is exact
    x, n = 17, 800
    p = x / n
    se = np.sqrt(p * (1 - p) / n)
    assert korn_graubard_ci(p, se, n, n - 1) == pytest.approx(
        proportion_ci(x, n, method="clopper-pearson"), rel=1e-9
    )


def test_korn_graubard_widens_with_design_effect_and_few_df():
    p, n = 0.02, 2000
    se = np.sqrt(p * (1 - p) / n)
    base = korn_graubard_ci(p, se, n, n - 1)
    clustered = korn_graubard_ci(p, se * np.sqrt(2.0), n, n - 1)
    few_df = korn_graubard_ci(p, se, n, 10)
    assert clustered[1] - clustered[0] > base[1] - base[0]
    assert few_df[1] - few_df[0] > base[1] - base[0]


def test_korn_graubard_zero_variance_uses_sample_size():
    low, high = korn_graubard_ci(0.0, 0.0, 500, 485)
    assert low == 0.0
    assert high == pytest.approx(stats.beta.ppf(0.975, 1, 500))
    low, high = korn_graubard_ci(np.array([0.0, 1.0]), np.zeros(2), np.array([50, 50]), 40)
    assert np.all(np.isfinite(low)) and high[1] == 1.0
