"""Item status over time: open → reported fixed → verified, or reopened; contradicted claims."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.tracking import Ledger, claims_contradicted, finding_status, open_items

T1, T2 = "620523101", "620523110"
COLUMNS = ["household_id", "person_id", "village_code", "township_code", "rule_id", "group",
           "severity", "outcome", "message", "value"]  # fmt: skip
#: Five items: A, B, C (household/person, township T1), D (T2), V (a village item, T2).
ITEMS = {
    "A": ("H1", "P1", "V1", T1, "MED-01", "基本医疗", "critical"),
    "B": ("H2", None, "V1", T1, "HOUSE-01", "住房安全", "critical"),
    "C": ("H3", None, "V1", T1, "WATER-01", "饮水安全", "critical"),
    "D": ("H4", None, "V2", T2, "SOC-01", "兜底保障", "error"),
    "V": (None, None, "V2", T2, "VIL-02", "村级设施", "critical"),
}


def run_of(*names: str) -> pd.DataFrame:
    rows = [(*ITEMS[n], "fail", "msg", "") for n in names]
    return pd.DataFrame(rows, columns=COLUMNS)


def claim(rows, day: str) -> pd.DataFrame:
    """Claims (是) for items by name, fixed on ``day``."""
    return pd.DataFrame({
        "row": range(1, len(rows) + 1),
        "household_id": [ITEMS[n][0] for n in rows],
        "village_code": [ITEMS[n][2] for n in rows],
        "rule_id": [ITEMS[n][4] for n in rows],
        "fixed": True, "fixed_date": pd.Timestamp(day), "person": "李娟", "note": None,
    })  # fmt: skip


def ret(ledger, rows, day, sha, kind="township", reported="2024-04-06"):
    meta = {"kind": kind, "file": f"{sha}.xlsx", "sha256": sha * 64, "township_code": T1,
            "responsible": "李娟", "reported_on": reported}  # fmt: skip
    return ledger.record_return(meta, claim(rows, day))


def status(ledger, **kw) -> dict[str, str]:
    s = finding_status(ledger, **kw)
    key = s["household_id"].fillna(s["village_code"])
    names = {v[0] or v[2]: k for k, v in ITEMS.items()}
    return dict(zip(key.map(names), s["status"], strict=True))


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as led:
        led.record_run("w1", "2024-03-25", run_of("A", "B", "C", "D", "V"))
        yield led


def test_everything_found_once_is_open(ledger):
    assert set(status(ledger).values()) == {"open"}
    assert len(open_items(ledger)) == 5


def test_a_claim_makes_it_reported_fixed_until_the_next_run(ledger):
    ret(ledger, ["A", "V"], "2024-03-29", "a")
    assert status(ledger) == {"A": "reported_fixed", "B": "open", "C": "open", "D": "open",
                              "V": "reported_fixed"}  # fmt: skip
    ledger.record_run("w2", "2024-04-01", run_of("A", "B", "C", "D"))
    got = status(ledger)
    assert got["V"] == "verified"  # the next run no longer finds it
    assert got["A"] == "reopened"  # claimed, but found again
    assert got["B"] == got["C"] == got["D"] == "open"


def test_disappearing_without_a_claim_is_verified_and_coming_back_is_reopened(ledger):
    ledger.record_run("w2", "2024-04-01", run_of("A", "C", "D", "V"))
    assert status(ledger)["B"] == "verified"
    ledger.record_run("w3", "2024-04-08", run_of("A", "B", "C", "D", "V"))
    s = finding_status(ledger).set_index("rule_id")
    assert s.loc["HOUSE-01", "status"] == "reopened"
    assert s.loc["HOUSE-01", "status_zh"] == "重新出现"
    assert status(ledger, as_of="2024-04-05")["B"] == "verified"  # the state on 5 April


def test_a_visit_confirmation_verifies_without_a_run(ledger):
    ret(ledger, ["C"], "2024-03-27", "v", kind="visit")
    s = finding_status(ledger).set_index("rule_id").loc["WATER-01"]
    assert s["status"] == "verified" and s["verified_on"] == pd.Timestamp("2024-03-27")


def test_a_township_rerun_says_nothing_about_other_townships(ledger):
    ledger.record_run("w2-t1", "2024-04-01", run_of("A"), townships=[T1])
    got = status(ledger)
    assert got["B"] == got["C"] == "verified"  # T1 was looked at: B and C are gone
    assert got["D"] == got["V"] == "open"  # T2 was not looked at


def test_claims_contradicted_lists_exactly_the_claims_the_next_run_still_finds(ledger):
    ret(ledger, ["A", "B", "V"], "2024-03-28", "a")
    ret(ledger, ["C"], "2024-04-02", "b")  # after the next run: judged by the run after
    ledger.record_run("w2", "2024-04-01", run_of("A", "C", "D"))
    ledger.record_run("w3", "2024-04-08", run_of("D"))
    c = claims_contradicted(ledger)
    assert c["rule_id"].tolist() == ["MED-01"]
    row = c.iloc[0]
    assert (row["household_id"], row["next_run_id"], row["still_found"]) == ("H1", "w2", 1)
    assert row["person"] == "李娟" and row["status"] == "已核验销号"  # fixed since, at w3
    assert claims_contradicted(ledger, as_of="2024-03-31").empty  # before w2 nothing to say


def test_a_claim_dated_the_day_of_a_run_follows_that_run(ledger):
    ret(ledger, ["B"], "2024-03-25", "a")
    assert status(ledger)["B"] == "reported_fixed"
    ledger.record_run("w2", "2024-04-01", run_of("A", "B", "C", "D", "V"))
    assert claims_contradicted(ledger)["rule_id"].tolist() == ["HOUSE-01"]


def test_deadlines_come_from_the_settings(ledger):
    from audit.settings import load_settings

    s = finding_status(ledger, settings=load_settings()).set_index("rule_id")
    assert s.loc["MED-01", "deadline"] == pd.Timestamp("2024-04-04")  # 25 March + 10 days
    assert s.loc["MED-01", "owner_unit"] == "医保局"
    assert s.loc["VIL-02", "deadline"] == pd.Timestamp("2024-06-30")
