"""三率一度 with intervals and verdicts."""

import numpy as np
import pandas as pd
import pytest

from audit.errors import AuditError
from audit.sampling import draw, exited_frame, nonregistered_frame, population_counts
from audit.settings import load_settings
from audit.stats import exit_metrics, verdict


@pytest.mark.parametrize(
    ("low", "high", "threshold", "direction", "expected"),
    [
        (0.002, 0.014, 0.02, "max", "达标"),
        (0.009, 0.029, 0.02, "max", "风险"),
        (0.010, 0.020, 0.02, "max", "风险"),  # must be strictly below
        (0.021, 0.040, 0.02, "max", "未达标"),
        (0.020, 0.040, 0.02, "max", "未达标"),
        (0.912, 0.959, 0.90, "min", "达标"),
        (0.880, 0.930, 0.90, "min", "风险"),
        (0.850, 0.900, 0.90, "min", "未达标"),
        (np.nan, np.nan, 0.02, "max", "无数据"),
    ],
)
def test_verdict(low, high, threshold, direction, expected):
    assert verdict(low, high, threshold, direction) == expected


def test_verdict_vectorised():
    out = verdict(np.array([0.0, 0.01, 0.03]), np.array([0.01, 0.03, 0.05]), 0.02)
    assert out.tolist() == ["达标", "风险", "未达标"]


def _truth_flags(dataset, sample):
    """Outcome flags of sampled households, from the true layer (tests only)."""
    disc = dataset.truth["discrepancies"]
    critical = {"INC-01", "HOUSE-01", "HOUSE-02", "EDU-01", "MED-01", "WATER-01", "FOOD-01"}
    bad = disc.loc[disc["rule_id"].isin(critical) | (disc["kind"] == "missed_poor"), "household_id"]
    approves = dataset.truth["households"].set_index("household_id")["approves"]
    out = sample.copy()
    out["fails_census"] = pd.array(out["household_id"].isin(set(bad)), dtype="boolean")
    out["approves"] = pd.array(approves.reindex(out["household_id"]).to_numpy(), dtype="boolean")
    return out


@pytest.fixture(scope="module")
def drawn(small):
    parts = [draw(nonregistered_frame(small), 600, seed=3), draw(exited_frame(small), 300, seed=3)]
    return _truth_flags(small, pd.concat(parts, ignore_index=True))


def _weighted_rate(part):
    return (part["weight"] * part["people"] * part["fails_census"].astype(float)).sum() / (
        part["weight"] * part["people"]
    ).sum()


def test_four_metrics_with_intervals(small, drawn):
    pc = population_counts(small)
    m = exit_metrics(
        drawn,
        remaining_poor=int(pc["remaining_poor_people"].iloc[0]),
        rural_population=int(pc["rural_people"].iloc[0]),
    )
    assert m["metric"].tolist() == [
        "wrong_exit_rate",
        "missed_poor_rate",
        "poverty_incidence",
        "approval",
    ]
    assert m["name"].tolist() == ["错退率", "漏评率", "综合贫困发生率", "群众认可度"]
    m = m.set_index("metric")
    exited = drawn[drawn["status"] == "已脱贫"]
    nonreg = drawn[drawn["status"] == "一般农户"]
    assert m.loc["wrong_exit_rate", "estimate"] == pytest.approx(_weighted_rate(exited))
    assert m.loc["missed_poor_rate", "estimate"] == pytest.approx(_weighted_rate(nonreg))
    affected = (drawn["weight"] * drawn["people"] * drawn["fails_census"].astype(float)).sum()
    incidence = (pc["remaining_poor_people"].iloc[0] + affected) / pc["rural_people"].iloc[0]
    assert m.loc["poverty_incidence", "estimate"] == pytest.approx(incidence)
    assert np.all(m["ci_low"] <= m["estimate"]) and np.all(m["estimate"] <= m["ci_high"])
    assert np.all(m["se"] > 0)
    thr = load_settings().thresholds
    assert m.loc["approval", "threshold"] == thr.approval_min
    assert m.loc["approval", "direction"] == "min"
    assert set(m["verdict"]) <= {"达标", "风险", "未达标"}


def test_by_township(small, drawn):
    pc = population_counts(small, by="township_code")
    m = exit_metrics(
        drawn,
        remaining_poor=pc["remaining_poor_people"],
        rural_population=pc["rural_people"],
        by="township_code",
    )
    assert len(m) == 4 * drawn["township_code"].nunique()
    assert m.columns[0] == "township_code"
    one = m[(m["township_code"] == "620523101") & (m["metric"] == "missed_poor_rate")].iloc[0]
    part = drawn[(drawn["status"] == "一般农户") & (drawn["township_code"] == "620523101")]
    assert one["estimate"] == pytest.approx(_weighted_rate(part))
    assert one["n"] == len(part)
    with pytest.raises(AuditError):
        exit_metrics(drawn, remaining_poor=10, rural_population=1000, by="township_code")


def test_unvisited_households_are_reweighted_within_stratum(drawn):
    visited = drawn.copy()
    rng = np.random.default_rng(0)
    lost = rng.random(len(visited)) < 0.2
    visited.loc[lost, "fails_census"] = pd.NA
    m = exit_metrics(visited, remaining_poor=0, rural_population=10**6).set_index("metric")
    part = visited[(visited["status"] == "一般农户") & ~lost]
    assert m.loc["missed_poor_rate", "n"] == len(part)
    # respondents' weights are scaled up by stratum so they still add to the frame
    scale = (
        visited[visited["status"] == "一般农户"].groupby("stratum")["weight"].sum()
        / part.groupby("stratum")["weight"].sum()
    )
    w = part["weight"] * scale.reindex(part["stratum"]).to_numpy()
    expected = (w * part["people"] * part["fails_census"].astype(float)).sum() / (
        w * part["people"]
    ).sum()
    assert m.loc["missed_poor_rate", "estimate"] == pytest.approx(expected)


def test_census_of_both_groups_has_no_sampling_error():
    frame = pd.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(8)],
            "status": ["已脱贫"] * 4 + ["一般农户"] * 4,
            "stratum": ["t"] * 8,
            "cluster": [f"h{i}" for i in range(8)],
            "weight": 1.0,
            "fpc": 4.0,
            "people": [2, 3, 4, 1, 5, 5, 5, 5],
            "fails_census": [True, False, False, False, False, False, False, True],
            "approves": [True] * 7 + [False],
        }
    )
    m = exit_metrics(frame, remaining_poor=5, rural_population=100).set_index("metric")
    assert m.loc["wrong_exit_rate", "estimate"] == pytest.approx(2 / 10)
    assert m.loc["missed_poor_rate", "estimate"] == pytest.approx(5 / 20)
    assert m.loc["poverty_incidence", "estimate"] == pytest.approx((5 + 2 + 5) / 100)
    assert m.loc["approval", "estimate"] == pytest.approx(7 / 8)
    assert np.all(m["se"] == 0)
    assert np.all(m["ci_low"] == m["ci_high"])
    assert m.loc["wrong_exit_rate", "verdict"] == "未达标"
    assert m.loc["approval", "verdict"] == "未达标"


def test_missing_groups_or_answers_give_no_data(drawn):
    only_nonreg = drawn[drawn["status"] == "一般农户"].drop(columns="approves")
    m = exit_metrics(only_nonreg, remaining_poor=0, rural_population=10**6).set_index("metric")
    assert m.loc["wrong_exit_rate", "verdict"] == "无数据"
    assert m.loc["poverty_incidence", "verdict"] == "无数据"
    assert m.loc["approval", "verdict"] == "无数据"
    assert m.loc["missed_poor_rate", "verdict"] != "无数据"


def test_missing_column_is_named(drawn):
    with pytest.raises(AuditError) as err:
        exit_metrics(drawn.drop(columns="people"), remaining_poor=0, rural_population=100)
    assert err.value.column == "people"


def test_stratum_with_no_visit_is_collapsed_into_its_group(drawn):
    visited = drawn.copy()
    nonreg = visited["status"] == "一般农户"
    gone = nonreg & (visited["stratum"] == "620523110")
    visited.loc[gone, "fails_census"] = pd.NA
    m = exit_metrics(visited, remaining_poor=0, rural_population=10**6).set_index("metric")
    row = m.loc["missed_poor_rate"]
    assert row["n"] == (nonreg & ~gone).sum()
    assert row["sampled"] == nonreg.sum()
    # the group's weight is kept: Σ adjusted weights of respondents = Σ weights sampled
    part = visited[nonreg & ~gone]
    scale = visited.loc[nonreg, "weight"].sum() / part["weight"].sum()
    expected = _weighted_rate(part.assign(weight=part["weight"] * scale))
    assert row["estimate"] == pytest.approx(expected)
