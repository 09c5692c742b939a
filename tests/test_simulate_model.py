"""The discrepancy model: fitted from visits only, corrected for the visit's errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from audit import rules
from audit.rules.census import CENSUS_INDICATORS
from audit.settings import load_settings
from audit.simulate import discrepancy_model
from audit.simulate.detection import correct, posterior_given_visit
from audit.simulate.frames import STATES, VISIT_STATES, build_frames

SIMULATE = Path(__file__).parents[1] / "src" / "audit" / "simulate"


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def findings(small, settings):
    return rules.run(small, settings)


def test_no_module_of_the_simulation_touches_the_true_layer():
    for path in SIMULATE.glob("*.py"):
        assert not re.search(r"\.truth\b", path.read_text(encoding="utf-8")), path.name


def test_frames_take_states_from_findings_and_visits(small, findings, settings):
    towns, villages, vt, reg, nonreg, rate_visits = build_frames(small, findings, settings)
    k = CENSUS_INDICATORS.index("MED-01")
    med = findings[(findings["rule_id"] == "MED-01") & findings["outcome"].eq("fail")]
    failing = set(med["household_id"])
    got = set(reg.household_id[reg.state[:, k] == STATES["fail"]])
    assert got == failing
    # only households with a compulsory-age child can fail EDU-01 at all
    edu = reg.state[:, CENSUS_INDICATORS.index("EDU-01")]
    assert (edu == STATES["ineligible"]).any() and (edu == STATES["pass"]).any()
    visited = set(small.visits["household_id"])
    assert set(reg.household_id[reg.visited]) == visited & set(reg.household_id)
    assert (nonreg.visit > 0).sum() == len(visited - set(reg.household_id))
    assert rate_visits.sum() == (nonreg.visit > 0).sum()
    assert len(villages) == len(small.villages) and vt.max() < len(towns)


def test_correction_inverts_the_visits_errors():
    pi = np.array([0.0, 0.01, 0.3, 1.0])
    sens, fa = 0.9, 0.002
    observed = pi * sens + (1 - pi) * fa
    assert np.allclose(correct(observed, sens, fa), pi)
    assert correct(np.array([0.001]), sens, fa)[0] == 0.0  # fewer than false alarms alone


def test_posterior_given_visit_is_bayes_rule():
    pi, sens, fa = 0.01, 0.9, 0.002
    seen_fail = posterior_given_visit(np.array(pi), VISIT_STATES["fail"], sens, fa)
    assert seen_fail == pytest.approx(pi * sens / (pi * sens + (1 - pi) * fa))
    seen_pass = posterior_given_visit(np.array(pi), VISIT_STATES["pass"], sens, fa)
    assert seen_pass == pytest.approx(pi * 0.1 / (pi * 0.1 + (1 - pi) * 0.998))
    assert posterior_given_visit(np.array(pi), VISIT_STATES["none"], sens, fa) == pi
    # a perfect check leaves no doubt
    assert posterior_given_visit(np.array(0.2), VISIT_STATES["fail"], 1.0, 0.0) == 1.0
    assert posterior_given_visit(np.array(0.2), VISIT_STATES["pass"], 1.0, 0.0) == 0.0


def test_model_counts_what_the_visits_saw(small, findings, settings):
    model = discrepancy_model(small, findings, settings)
    judged = rules.judge_visits(small.visits, small.households, settings)
    reg = judged[judged["status"] != "一般农户"]
    k = CENSUS_INDICATORS.index("MED-01")
    recorded_fail = set(findings.loc[(findings["rule_id"] == "MED-01")
                                     & findings["outcome"].eq("fail"), "household_id"])  # fmt: skip
    in_fail = reg["household_id"].isin(recorded_fail)
    assert model.registered.n[3 * k + 1].sum() == in_fail.sum()
    assert model.registered.x[3 * k + 1].sum() == reg.loc[in_fail, "MED-01"].sum()
    nonreg = judged[judged["status"] == "一般农户"]
    assert model.missed.x.sum() == nonreg["missed_poor"].sum()
    assert model.missed.n.sum() == len(nonreg)


def test_rates_are_drawn_within_bounds_and_shrunk(small, findings, settings):
    model = discrepancy_model(small, findings, settings)
    pi = model.draw_registered(400, np.random.default_rng(1))
    assert pi.shape == (len(CENSUS_INDICATORS), 4, len(model.townships), 400)
    assert (pi >= 0).all() and (pi <= 1).all() and (pi[:, 0] == 0).all()
    k = CENSUS_INDICATORS.index("MED-01")
    still = pi[k, STATES["fail"]].mean()
    table = model.county_rates().set_index(["indicator", "group"])
    assert still == pytest.approx(table.loc[("MED-01", "记录不达标且仍未解决"), "true_rate"],
                                  abs=0.03)  # fmt: skip


def test_missed_poor_rates_come_from_visited_nonregistered(settings):
    from audit import load_dataset
    from audit.runner.parameters import FIXTURE_DIR

    ds = load_dataset(FIXTURE_DIR)
    model = discrepancy_model(ds, None, settings)
    missed = model.draw_missed(300, np.random.default_rng(2))
    assert missed.shape == (len(model.villages), 300) and (missed >= 0).all()
    r = model.missed_rates()
    seen = r["n"] > 0
    assert seen.any() and (r["shrinkage"] > 0).all()  # villages borrow from the county
    assert r.loc[seen, "rate"].std() < r.loc[seen, "raw_rate"].std()
    # the visit's false alarms are taken out: the true rate is below the observed one
    pooled = model.county_rates().set_index("indicator").loc["漏评"]
    assert pooled["true_rate"] < pooled["observed"]
