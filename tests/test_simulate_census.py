"""The Monte Carlo census on the small Dataset: shapes, reproducibility, scenarios, no truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit import rules
from audit.rules.census import CENSUS_INDICATORS
from audit.settings import load_settings
from audit.simulate import SCENARIOS, census, discrepancy_model, load_simulation, pace_shares
from audit.simulate.detection import posterior_given_visit
from audit.simulate.frames import build_frames

RUNS = 1000


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def example():
    """The shipped example Dataset: visits of registered households and of sampled 一般农户."""
    from audit import load_dataset
    from audit.runner.parameters import FIXTURE_DIR

    return load_dataset(FIXTURE_DIR)


@pytest.fixture(scope="module")
def findings(example, settings):
    return rules.run(example, settings)


@pytest.fixture(scope="module")
def result(example, findings, settings):
    return census(example, findings, None, RUNS, 11, settings=settings)


def county(result, indicator="ALL"):
    s = result.summary
    return s[(s["level"] == "county") & (s["indicator"] == indicator)].iloc[0]


def test_summary_has_every_level_indicator_and_interval(result, example):
    s = result.summary
    assert set(s["level"]) == {"county", "township", "village"}
    assert set(s["indicator"]) == {*CENSUS_INDICATORS, "ALL"}
    villages = s[(s["level"] == "village") & (s["indicator"] == "ALL")]
    assert len(villages) == len(example.villages)
    assert (s["p2_5"] <= s["p10"]).all() and (s["p10"] <= s["p90"]).all()
    assert (s["p90"] <= s["p97_5"]).all() and s["p_any"].between(0, 1).all()
    # the county is the sum of its townships and villages, run by run
    for ind in ("ALL", "MED-01", "EDU-01"):
        part = s[s["indicator"] == ind].groupby("level")["expected"].sum()
        assert part["township"] == pytest.approx(part["county"])
        assert part["village"] == pytest.approx(part["county"])
    assert county(result)["registered"] == (example.households["status"] != "一般农户").sum()


def test_expected_counts_match_the_household_chances(example, findings, settings, result):
    """The cells and binomials reproduce Σ_households E[chance] (the vectorisation is exact)."""
    reg = build_frames(example, findings, settings)[3]
    model = discrepancy_model(example, findings, settings)
    pi = model.draw_registered(4000, np.random.default_rng(5))
    for k, rule_id in enumerate(CENSUS_INDICATORS):
        prior = pi[k][reg.state[:, k], reg.township]  # [households × runs]
        p = posterior_given_visit(prior, reg.visit[:, k][:, None], model.sensitivity[k],
                                  model.false_alarm[k])  # fmt: skip
        want = p.sum(axis=0)
        got = county(result, rule_id)["expected"]
        se = np.sqrt(want.var() / 4000 + max(want.mean(), 0.05) / RUNS)
        assert got == pytest.approx(want.mean(), abs=4 * se + 0.05), rule_id


def test_same_seed_same_numbers_and_runs_extend(example, findings, settings, result):
    again = census(example, findings, None, RUNS, 11, settings=settings)
    pd.testing.assert_frame_equal(again.summary, result.summary)
    pd.testing.assert_frame_equal(again.scenarios, result.scenarios)
    fewer = census(example, findings, None, 500, 11, settings=settings)
    pd.testing.assert_frame_equal(fewer.county_draws, result.county_draws.iloc[:500])
    other = census(example, findings, None, 500, 12, settings=settings)
    assert not other.county_draws.equals(fewer.county_draws)


def test_runs_without_the_true_layer(small, settings):
    from audit.dataset import Dataset

    assert small.truth is not None
    f = rules.run(small, settings)
    with_truth = census(small, f, None, 300, 3, settings=settings)
    blind = Dataset(**small.tables(), geometry=small.geometry, meta=small.meta, truth=None)
    blind.truth = None
    got = census(blind, f, None, 300, 3, settings=settings)
    pd.testing.assert_frame_equal(got.summary, with_truth.summary)
    # the small Dataset has no visited 一般农户: 漏评 (and so 综合贫困发生率) is unknown
    m = got.metrics.set_index(["level", "code", "metric"])
    assert np.isnan(m.loc[("county", "county", "missed_poor_rate"), "p_breach"])
    assert not np.isnan(m.loc[("county", "county", "wrong_exit_rate"), "p_breach"])


def test_metrics_and_thresholds(result, settings):
    m = result.metrics
    assert set(m["metric"]) == {"wrong_exit_rate", "missed_poor_rate", "poverty_incidence"}
    assert m["p_breach"].between(0, 1).all()
    row = m[(m["level"] == "county") & (m["metric"] == "wrong_exit_rate")].iloc[0]
    assert row["threshold"] == settings.thresholds.wrong_exit_rate_max
    draws = result.county_draws["wrong_exit_rate"]
    assert row["p_breach"] == pytest.approx((draws >= row["threshold"]).mean())
    assert row["p10"] <= row["mean"] <= row["p90"]


def test_scenarios_only_lower_the_risk(result):
    s = result.scenarios[result.scenarios["level"] == "county"].set_index(["scenario", "metric"])
    assert list(dict.fromkeys(result.scenarios["scenario"])) == list(SCENARIOS)
    fh = s.xs("failing_households", level="metric")["mean"]
    assert fh["actions_done"] <= fh["on_pace"] <= fh["base"]
    assert fh["all_measures"] <= fh["actions_done"] and fh["more_visits"] <= fh["base"]
    assert fh["actions_done"] < 0.5 * fh["base"]  # most recorded failures go away
    for metric in ("wrong_exit_rate", "missed_poor_rate", "poverty_incidence"):
        p = s.xs(metric, level="metric")["p_breach"]
        assert p["actions_done"] <= p["on_pace"] <= p["base"]
        assert p["all_measures"] <= p["actions_done"] and p["more_visits"] <= p["base"]
    missed = s.xs("missed_poor_rate", level="metric")["p_breach"]
    assert missed["actions_done"] == missed["base"]  # fixing registered households leaves 漏评
    assert (s["change"].dropna() <= 1e-12).all()


def test_save_and_load_round_trip(result, tmp_path):
    result.save(tmp_path)
    frames = load_simulation(tmp_path)
    for key, frame in result.frames().items():
        pd.testing.assert_frame_equal(frames[key], frame, check_dtype=False)
    assert load_simulation(tmp_path / "nothing") is None


def test_without_visits_the_forecast_is_honest_and_wide(example, findings, settings, result):
    from audit.dataset import Dataset

    tables = {**example.tables(), "visits": example.visits.iloc[:0]}
    blind = Dataset(**tables, geometry=example.geometry, meta=example.meta, truth=None)
    got = census(blind, findings, None, 300, 11, settings=settings)
    assert got.info["visited_registered"] == 0
    for ind in ("MED-01", "INC-01", "HOUSE-01"):
        wide, narrow = county(got, ind), county(result, ind)
        assert wide["p97_5"] - wide["p2_5"] > 5 * (narrow["p97_5"] - narrow["p2_5"]), ind
    wrong = got.metrics[got.metrics["metric"] == "wrong_exit_rate"]
    assert wrong["p_breach"].notna().all()
    assert got.metrics.loc[got.metrics["metric"] == "missed_poor_rate", "mean"].isna().all()


def test_two_stage_census_sample(example, findings, settings):
    two = settings.replace(census={"sample_design": "two-stage", "nonregistered_sample": 200})
    got = census(example, findings, None, 300, 11, settings=two)
    assert got.info["design"] == "two-stage"
    m = got.metrics[got.metrics["metric"] == "missed_poor_rate"]
    assert m["mean"].between(0, 1).all() and m["p_breach"].between(0, 1).all()


def test_pace_shares_from_ledger_forecasts(settings):
    towns = pd.Index(["620523101", "620523110"])
    forecasts = pd.DataFrame({
        "dimension": "township_code", "key": ["620523101", "620523101", "620523110"],
        "deadline_key": ["final", "insurance_days", "final"],
        "deadline": pd.to_datetime(["2024-06-30", "2024-04-04", "2024-06-30"]),
        "as_of": pd.to_datetime(["2024-04-01", "2024-04-01", "2024-04-01"]),
        "open": [130, 10, 0], "pace_per_week": [10.0, 1.0, 0.0],
    })  # fmt: skip
    shares, source = pace_shares(towns, settings, forecasts)
    assert source == "ledger" and shares.shape == (2, len(CENSUS_INDICATORS))
    col = {k: i for i, k in enumerate(CENSUS_INDICATORS)}
    assert shares[0, col["HOUSE-01"]] == pytest.approx(10 * 90 / 7 / 130)  # 13 weeks at 10
    assert shares[0, col["MED-01"]] == pytest.approx(3 / 7 / 10)  # 3 days left at 1/week
    assert shares[1, col["HOUSE-01"]] == 1.0  # nothing open
    assert shares[1, col["MED-01"]] == settings.simulation.on_pace_share  # no pace known
    assert pace_shares(towns, settings)[1] == "assumed"
