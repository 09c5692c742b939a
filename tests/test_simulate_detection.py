"""detection_probability (exact hypergeometric) and the visit's error rates per indicator."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from audit.rules.census import CENSUS_INDICATORS
from audit.settings import load_settings
from audit.simulate import detection_probability, visit_errors


def test_the_issue_example():
    assert detection_probability(1000, 20, 59) == pytest.approx(0.2928, abs=5e-5)


@pytest.mark.parametrize(
    ("population", "defects", "sample"),
    [(1000, 20, 59), (112000, 1500, 2024), (50, 49, 1), (10, 3, 7), (2024, 1, 2024)],
)
def test_matches_scipy_hypergeometric(population, defects, sample):
    want = stats.hypergeom(population, defects, sample).pmf(0)
    assert detection_probability(population, defects, sample) == pytest.approx(want, rel=1e-9)


def test_edge_cases_and_arrays():
    assert detection_probability(100, 0, 100) == 1.0  # nothing to find
    assert detection_probability(100, 5, 0) == 1.0  # nobody inspected
    assert detection_probability(100, 5, 96) == 0.0  # more inspected than good households
    got = detection_probability(1000, np.array([0, 20, 1000]), 59)
    assert got.shape == (3,) and got[0] == 1.0 and got[2] == 0.0
    # more defects or a bigger sample can only make "finds none" less likely
    assert detection_probability(1000, 21, 59) < detection_probability(1000, 20, 59)
    assert detection_probability(1000, 20, 60) < detection_probability(1000, 20, 59)


@pytest.mark.parametrize("args", [(10, 11, 1), (10, 1, 11), (-1, 0, 0), (10, 1.5, 2)])
def test_invalid_counts_are_refused(args):
    with pytest.raises(ValueError):
        detection_probability(*args)


def test_visit_errors_follow_how_each_indicator_is_checked():
    s = load_settings(simulation={"visit_miss_rate": 0.2, "visit_false_alarm_rate": 0.01,
                                  "insurance_miss_rate": 0.03})  # fmt: skip
    sens, fa = visit_errors(s)
    col = {k: i for i, k in enumerate(CENSUS_INDICATORS)}
    assert sens[col["FOOD-01"]] == pytest.approx(0.8) and fa[col["FOOD-01"]] == 0.01
    assert sens[col["MED-01"]] == pytest.approx(0.97) and fa[col["MED-01"]] == 0.0
    assert sens[col["EDU-01"]] == pytest.approx(0.8) and fa[col["EDU-01"]] == 0.0
    for k in ("WATER-01", "WATER-02", "WATER-03", "WATER-04"):
        assert sens[col[k]] == 1.0 and fa[col[k]] == 0.0


@pytest.mark.parametrize(
    "override",
    [{"visit_miss_rate": 0.6}, {"visit_false_alarm_rate": -0.1}, {"on_pace_share": 1.5}],
)
def test_out_of_range_visit_settings_are_refused(override):
    from audit.errors import SettingsError

    with pytest.raises(SettingsError) as err:
        visit_errors(load_settings(simulation=override))
    assert "simulation." in str(err.value)
