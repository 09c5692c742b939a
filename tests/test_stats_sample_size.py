"""Sample sizes against published values (Cochran 1977; AICPA attribute-sampling tables)."""

import math

import numpy as np
import pytest
from scipy import stats

from audit.errors import AuditError
from audit.stats import attribute_sample_size, sample_size_proportion, upper_error_limit


def test_cochran_two_percent_plus_minus_one():
    # z² p q / d² = 1.959964² × 0.02 × 0.98 / 0.01² = 752.93 → 753
    assert sample_size_proportion(0.02, 0.01) == 753


def test_cochran_classic_385_and_fpc():
    assert sample_size_proportion(0.5, 0.05) == 385
    # Cochran eq. 4.2: n = n0 / (1 + (n0 − 1)/N); n0 = 384.15, N = 1000 → 277.7 → 278
    assert sample_size_proportion(0.5, 0.05, population=1000) == 278
    # never more than the population
    assert sample_size_proportion(0.5, 0.01, population=50) == 50


def test_deff_and_response_rate_scale_the_size():
    base = sample_size_proportion(0.02, 0.01)
    assert sample_size_proportion(0.02, 0.01, deff=2.0) == math.ceil(2 * 752.93)
    assert sample_size_proportion(0.02, 0.01, response_rate=0.8) == math.ceil(752.9287 / 0.8)
    assert sample_size_proportion(0.02, 0.01, confidence=0.99) > base


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"p": 0.02, "margin": 0.0}, "margin"),
        ({"p": 1.2, "margin": 0.01}, "p"),
        ({"p": 0.02, "margin": 0.01, "confidence": 1.0}, "confidence"),
        ({"p": 0.02, "margin": 0.01, "deff": 0.0}, "deff"),
        ({"p": 0.02, "margin": 0.01, "response_rate": 0.0}, "response_rate"),
    ],
)
def test_sample_size_rejects_bad_arguments(kwargs, parameter):
    with pytest.raises(AuditError) as err:
        sample_size_proportion(**kwargs)
    assert err.value.parameter == parameter
    assert isinstance(err.value, ValueError)


# AICPA Audit Guide "Audit Sampling", statistical sample sizes for tests of controls:
# (tolerable rate, expected rate, risk of over-reliance) → sample size.
AICPA = [
    (0.05, 0.0, 0.05, 59),
    (0.05, 0.01, 0.05, 93),
    (0.05, 0.0125, 0.05, 124),
    (0.05, 0.02, 0.05, 181),
    (0.02, 0.0, 0.05, 149),
    (0.03, 0.0, 0.05, 99),
    (0.04, 0.0, 0.05, 74),
    (0.10, 0.0, 0.05, 29),
    (0.06, 0.015, 0.05, 103),
    (0.04, 0.01, 0.05, 156),
    (0.05, 0.0, 0.10, 45),
    (0.05, 0.01, 0.10, 77),
    (0.10, 0.0, 0.10, 22),
]


@pytest.mark.parametrize(("tolerable", "expected", "risk", "n"), AICPA)
def test_attribute_sample_size_matches_published_table(tolerable, expected, risk, n):
    assert attribute_sample_size(tolerable, expected, risk) == n


def test_attribute_sample_size_is_the_smallest_n():
    n = attribute_sample_size(0.05, 0.01, 0.05)
    k = math.ceil(n * 0.01)
    assert stats.binom.cdf(k, n, 0.05) <= 0.05
    assert stats.binom.cdf(math.ceil((n - 1) * 0.01), n - 1, 0.05) > 0.05


def test_attribute_sample_size_rejects_expected_above_tolerable():
    with pytest.raises(AuditError) as err:
        attribute_sample_size(0.02, 0.03)
    assert err.value.parameter == "expected_rate"


def test_upper_error_limit_matches_aicpa_evaluation_table():
    # AICPA evaluation table, 5 % risk, sample of 100: 0–5 deviations → 3.0, 4.7, 6.2,
    # 7.6, 9.0, 10.3 % (the table rounds up to 0.1 %)
    published = [3.0, 4.7, 6.2, 7.6, 9.0, 10.3]
    got = [math.ceil(upper_error_limit(100, k) * 1000) / 10 for k in range(6)]
    assert got == published


def test_upper_error_limit_agrees_with_attribute_sample_size():
    # 59 items with no deviation support a 5 % tolerable rate at 5 % risk; 58 do not
    assert upper_error_limit(59, 0) <= 0.05 < upper_error_limit(58, 0)


def test_upper_error_limit_edges_and_vectorised():
    assert upper_error_limit(10, 10) == 1.0
    assert upper_error_limit(0, 0) == 1.0
    out = upper_error_limit(np.array([100, 100, 20]), np.array([0, 100, 3]))
    assert out.shape == (3,)
    assert np.all(np.isfinite(out))
    assert out[1] == 1.0
