"""Burn-down: open items per run, pace, projected completion and verdict, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from audit.settings import load_settings
from audit.tracking import Ledger, burndown, burndowns, forecast

T1, T2 = "620523101", "620523110"
COLUMNS = ["household_id", "person_id", "village_code", "township_code", "rule_id", "group",
           "severity", "outcome", "message", "value"]  # fmt: skip


def items(n: int, town: str, rule: str, group: str, first: int = 0) -> pd.DataFrame:
    ids = [f"{town}{rule}{i:03d}" for i in range(first, first + n)]
    return pd.DataFrame({"household_id": ids, "person_id": None, "village_code": town + "001",
                         "township_code": town, "rule_id": rule, "group": group,
                         "severity": "critical", "outcome": "fail", "message": "",
                         "value": ""})[COLUMNS]  # fmt: skip


@pytest.fixture
def ledger(tmp_path):
    """T1: 10 → 8 → 5 → 3 housing items; T2: 4 → 4 → 0 → 0 insurance items, 2 warnings."""
    plan = {"2024-03-25": (10, 4), "2024-04-01": (8, 4), "2024-04-08": (5, 0),
            "2024-04-15": (3, 0)}  # fmt: skip
    with Ledger(tmp_path / "ledger.sqlite") as led:
        for i, (day, (h, m)) in enumerate(plan.items()):
            warn = items(2, T2, "RISK-01", "风险监测").assign(severity="warning")
            f = pd.concat([items(h, T1, "HOUSE-01", "住房安全", first=10 - h),
                           items(m, T2, "MED-01", "基本医疗"), warn])  # fmt: skip
            led.record_run(f"w{i + 1}", day, f, township_names={T1: "新兴镇", T2: "古坡镇"})
        yield led


def test_open_items_per_run_with_zeros_and_deadline_classes(ledger):
    s = burndown(ledger, "township_code")
    t1 = s[(s["key"] == T1) & (s["deadline_key"] == "final")]
    assert t1["open"].tolist() == [10, 8, 5, 3] and set(t1["label"]) == {"新兴镇"}
    t2 = s[(s["key"] == T2)].pivot(index="as_of", columns="deadline_key", values="open")
    assert t2["insurance_days"].tolist() == [4, 4, 0, 0]  # zeros are points too
    assert t2["final"].tolist() == [4, 4, 0, 0]  # insurance items count against 30 June too
    assert "RISK-01" not in set(burndown(ledger, "group")["key"])  # warnings are not items
    every = burndown(ledger, "group", scope="all")
    assert every[every["key"] == "风险监测"]["open"].tolist() == [2, 2, 2, 2]


def test_pace_and_projection_match_a_hand_computation(ledger):
    settings = load_settings()
    _, f = burndowns(ledger, settings)
    row = f[(f["key"] == T1) & (f["deadline_key"] == "final")].iloc[0]
    # Least squares over the last three runs (1, 8, 15 April; 8, 5, 3 open).
    x, y = np.array([0.0, 7.0, 14.0]), np.array([8.0, 5.0, 3.0])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert slope == pytest.approx(-35 / 98)
    assert row["pace_per_week"] == pytest.approx(round(-7 * slope, 2))
    days = math.ceil(3 / -slope)
    assert row["projected"] == pd.Timestamp("2024-04-15") + pd.Timedelta(days=days)
    assert row["projected"] == pd.Timestamp("2024-04-24")
    assert (row["verdict"], row["verdict_zh"]) == ("on_track", "按期")
    assert row["required_per_week"] == pytest.approx(round(7 * 3 / 76, 2))
    t2 = f[(f["key"] == T2) & (f["deadline_key"] == "insurance_days")].iloc[0]
    assert (t2["verdict"], t2["verdict_zh"]) == ("done", "已清零")
    assert set(f["dimension"]) == {"county", "township_code", "owner_unit", "group"}


def series(opens, days, deadline="2024-06-30", key="K") -> pd.DataFrame:
    """A hand-made burn-down series."""
    start = pd.Timestamp("2024-03-25")
    return pd.DataFrame({
        "dimension": "township_code", "key": key, "label": key, "deadline_key": "final",
        "deadline_label": "全部问题", "deadline": pd.Timestamp(deadline),
        "run_seq": range(len(opens)), "run_id": [f"w{i}" for i in range(len(opens))],
        "as_of": [start + pd.Timedelta(days=d) for d in days], "open": opens,
    })  # fmt: skip


def verdict(s):
    return forecast(s, load_settings()).iloc[0]


def test_verdicts_by_hand():
    # 70 open on 22 April closing 7 a week: 10 more weeks → 1 July, one day late.
    late = verdict(series([84, 77, 70], [14, 21, 28]))
    assert late["projected"] == pd.Timestamp("2024-07-01")
    assert (late["verdict"], late["days_late"], late["verdict_zh"]) == ("miss", 1, "将逾期 1 天")
    # 63 open: projected 24 June, six days before the deadline: within the 7-day margin.
    risk = verdict(series([77, 70, 63], [14, 21, 28]))
    assert risk["projected"] == pd.Timestamp("2024-06-24")
    assert (risk["verdict"], risk["verdict_zh"]) == ("at_risk", "有风险")
    # 56 open: projected 17 June, 13 days ahead: on track.
    ok = verdict(series([70, 63, 56], [14, 21, 28]))
    assert ok["projected"] == pd.Timestamp("2024-06-17") and ok["verdict"] == "on_track"


def test_verdicts_at_the_edges():
    one = verdict(series([5], [0]))
    assert one["verdict"] == "at_risk" and "无法测算" in one["reason"]
    flat = verdict(series([9, 9, 9], [0, 7, 14]))
    assert (flat["verdict"], flat["verdict_zh"]) == ("miss", "将逾期（无进展）")
    assert pd.isna(flat["projected"]) and pd.isna(flat["days_late"])
    rising = verdict(series([5, 6, 8], [0, 7, 14]))
    assert rising["verdict"] == "miss" and rising["pace_per_week"] < 0
    done = verdict(series([5, 2, 0], [0, 7, 14]))
    assert done["verdict_zh"] == "已清零"
    overdue = verdict(series([5, 3, 2], [0, 7, 14], deadline="2024-04-04"))
    assert (overdue["verdict"], overdue["days_late"]) == ("overdue", 4)
    assert overdue["verdict_zh"] == "已逾期 4 天"


def test_the_pace_window_is_a_setting():
    s = series([100, 40, 30, 20], [0, 7, 14, 21])
    three = forecast(s, load_settings()).iloc[0]
    four = forecast(s, load_settings(tracking={"pace_runs": 4})).iloc[0]
    assert three["pace_per_week"] == pytest.approx(10.0)
    assert four["pace_per_week"] == pytest.approx(25.0)  # 7 × 875 / 245: all four points
