"""Every rule: a hand-built record that fails it, and the clean record that passes it."""

from __future__ import annotations

import pandas as pd
import pytest

import rulecases as rc
from audit import rules
from audit.rules import RULES


def findings_for(hh_rows, member_rows, villages=None):
    return rules.run(rc.dataset(hh_rows, member_rows, villages))


def clean():
    hh, members = rc.household()
    return [hh], members


def test_clean_records_pass_every_rule():
    hh, members = clean()
    other, other_members = rc.household("62052310120100002", status="一般农户")
    for i, m in enumerate(other_members):
        m["person_id"] = rc.person_id(str(m["birth_date"].date()), m["sex"] == "男", seq=5 + i)
    f = findings_for([*hh, other], members + other_members)
    assert f.empty, f[["rule_id", "message"]].to_string()


def h(**kw):
    def change(hh, members, village):
        hh[0].update(kw)

    return change


def m(index, **kw):
    def change(hh, members, village):
        members[index].update(kw)

    return change


def v(**kw):
    def change(hh, members, village):
        village.update(kw)

    return change


def both(*changes):
    def change(hh, members, village):
        for c in changes:
            c(hh, members, village)

    return change


def add_household(status="已脱贫", members_too=True, **kw):
    def change(hh, members, village):
        other, other_members = rc.household("62052310120100002", status=status)
        other.update(kw)
        hh.append(other)
        if members_too:
            for i, mm in enumerate(other_members):
                mm["person_id"] = rc.person_id(
                    str(mm["birth_date"].date()), mm["sex"] == "男", 5 + i
                )
            members.extend(other_members)

    return change


def duplicate_person(hh, members, village):
    add_household()(hh, members, village)
    members[-1]["person_id"] = members[2]["person_id"]
    members[-1]["birth_date"] = members[2]["birth_date"]


def relocate(moved_in=True, demolished=True):
    return h(relocated=True, relocation_keys=True, relocation_moved_in=moved_in,
             old_house_demolished=demolished, house_grade="D")  # fmt: skip


def child_born(birth):
    return m(2, birth_date=pd.Timestamp(birth), person_id=rc.person_id(birth, True))


# rule id → change that makes the clean record fail exactly that rule (and the companions listed).
CASES = {
    "INC-01": (h(**rc.income(3500.0, 3), monitoring_type="脱贫不稳定户"), {"RISK-01", "SOC-01"}),
    "INC-02": (h(net_income=27500.0), set()),
    "FOOD-01": (h(food_secure=False), set()),
    "CLOTH-01": (h(clothing_ok=False), set()),
    "EDU-01": (m(2, school_status="非在校生", education="小学"), set()),
    "MED-01": (m(1, medical_insurance="未参保", premium_subsidy=None), set()),
    "MED-02": (m(1, premium_subsidy=False), set()),
    "MED-03": (m(0, health="长期慢性病", chronic_certificate=False), set()),
    "MED-04": (m(0, health="长期慢性病", chronic_certificate=True, family_doctor=False), set()),
    "HOUSE-01": (h(house_grade="C"), set()),
    "HOUSE-02": (relocate(moved_in=False), {"HOUSE-01"}),
    "HOUSE-03": (relocate(demolished=False), set()),
    "HOUSE-04": (h(house_grade=None), {"HOUSE-01"}),
    "WATER-01": (h(water_litres=15.0), set()),
    "WATER-02": (h(water_quality_ok=False), set()),
    "WATER-03": (h(water_piped=False, water_trip_minutes=30.0), set()),
    "WATER-04": (h(water_shortage_days=40), set()),
    "RISK-01": (h(**rc.income(5000.0, 3), monitoring_type="脱贫不稳定户"), set()),
    "RISK-02": (h(essential_expenditure=40000.0, monitoring_type="脱贫不稳定户"), set()),
    "RISK-03": (h(prev_net_income_per_capita=20000.0, monitoring_type="脱贫不稳定户"), set()),
    "RISK-04": (h(**rc.income(5000.0, 3)), {"RISK-01"}),
    "SOC-01": (h(**rc.income(4200.0, 3), monitoring_type="脱贫不稳定户"), {"RISK-01"}),
    "DIS-01": (m(1, health="残疾", disability_certificate=False), set()),
    "ID-01": (m(1, person_id=rc.person_id("1981-07-12", False)[:-1] + "X"), set()),
    "ID-02": (m(1, birth_date=pd.Timestamp("1981-07-13")), set()),
    "ID-03": (duplicate_person, {"ID-02"}),
    "ID-04": (m(1, hukou_registered=False), set()),
    "ID-05": (m(1, person_id="6.20523198107120E+17"), set()),
    "HH-01": (
        m(
            0,
            relation="之父",
            birth_date=pd.Timestamp("1950-01-01"),
            person_id=rc.person_id("1950-01-01", True),
        ),
        set(),
    ),
    "HH-02": (h(declared_size=4), set()),
    "HH-03": (add_household(members_too=False), {"CONS-04"}),  # wage income, nobody to earn it
    "HH-04": (m(2, relation="之女"), set()),
    "HH-05": (child_born("1975-01-01"), {"CONS-01", "CONS-02"}),
    "CONS-01": (m(0, school_status="小学", education=None), set()),
    "CONS-02": (m(0, labour_capacity="无劳动力", months_away=0.0), {"CONS-04"}),
    "CONS-03": (h(main_cause="因病"), set()),
    "CONS-04": (m(0, months_away=0.0), set()),
    "CONS-05": (h(**rc.income(150000.0, 3)), set()),
    "CONS-06": (h(poverty_attribute="低保贫困户"), set()),
    "CONS-07": (m(1, ethnicity=None), set()),
    "CONS-08": (h(helper_cadre=None), set()),
    "VIL-01": (v(road_hardened=False), set()),
    "VIL-02": (v(village_doctor=False), set()),
    "VIL-03": (v(broadband=False), set()),
    "VIL-04": (v(water_points_to_fix=2, pipe_km_to_fix=1.5), set()),
    "VIL-05": (v(road_km_disrepair=3.0), set()),
    "VIL-06": (v(collective_income=0.0), set()),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_on_its_case_and_nothing_unexpected_fires(rule_id):
    change, companions = CASES[rule_id]
    hh, members = clean()
    village = rc.village()
    change(hh, members, village)
    f = findings_for(hh, members, [village])
    fired = set(f["rule_id"].astype(str))
    assert rule_id in fired, f"{rule_id} did not fire"
    assert fired <= {rule_id} | companions, f"unexpected: {fired - {rule_id} - companions}"
    row = f[f["rule_id"] == rule_id].iloc[0]
    r = RULES[rule_id]
    assert row["severity"] == r.severity and row["group"] == r.group
    assert row["message"] and "{" not in row["message"]
    if r.level == "person":
        assert pd.notna(row["person_id"])
    if r.level == "village":
        assert pd.isna(row["household_id"]) and row["village_code"] == rc.VILLAGE
    else:
        assert row["township_code"] == rc.TOWN and row["village_code"] == rc.VILLAGE


def test_census_rules_ignore_non_registered_households():
    hh, members = rc.household(status="一般农户")
    hh.update(house_grade="D", water_litres=10.0)
    members[1].update(medical_insurance="未参保")
    f = findings_for([hh], members)
    assert not set(f["rule_id"].astype(str)) & set(rules.CENSUS_INDICATORS)


@pytest.mark.parametrize("field, rule_id", [
    ("food_secure", "FOOD-01"), ("clothing_ok", "CLOTH-01"), ("house_grade", "HOUSE-01"),
    ("water_litres", "WATER-01"), ("net_income_per_capita", "INC-01"),
    ("water_shortage_days", "WATER-04"),
])  # fmt: skip
def test_missing_is_not_passing(field, rule_id):
    hh, members = clean()
    hh[0][field] = None
    f = findings_for(hh, members)
    row = f[f["rule_id"] == rule_id]
    assert len(row) == 1 and row["outcome"].iloc[0] == "unknown"
    assert "待核实" in row["message"].iloc[0] or "无法判断" in row["message"].iloc[0]
    status = rules.household_status(f, rc.dataset(hh, members))
    assert status["census"].iloc[0] == "unknown"


def test_missing_school_status_of_a_child_is_unknown_not_pass():
    hh, members = clean()
    members[2]["school_status"] = None
    f = findings_for(hh, members)
    edu = f[f["rule_id"] == "EDU-01"]
    assert edu["outcome"].tolist() == ["unknown"]


def test_taught_at_home_passes_compulsory_education():
    hh, members = clean()
    members[2]["school_status"] = "送教上门"
    assert "EDU-01" not in set(findings_for(hh, members)["rule_id"].astype(str))


def test_accepted_reason_passes_medical_insurance():
    hh, members = clean()
    members[1].update(
        medical_insurance="未参保", insurance_exemption="服兵役", premium_subsidy=None
    )
    assert "MED-01" not in set(findings_for(hh, members)["rule_id"].astype(str))


def test_renovated_or_relocated_house_is_safe():
    hh, members = clean()
    hh[0].update(house_grade="D", house_renovated=True)
    assert "HOUSE-01" not in set(findings_for(hh, members)["rule_id"].astype(str))
    hh, members = clean()
    hh[0].update(relocated=True, relocation_keys=True, relocation_moved_in=True,
                 old_house_demolished=True, house_grade="D")  # fmt: skip
    assert findings_for(hh, members).empty


def test_messages_carry_the_value_and_the_threshold():
    hh, members = clean()
    hh[0].update(**rc.income(3500.0, 3), monitoring_type="脱贫不稳定户")
    f = findings_for(hh, members)
    msg = f.loc[f["rule_id"] == "INC-01", "message"].iloc[0]
    assert "3500" in msg and "4000" in msg


def test_status_wrong_exit_and_ready_to_exit():
    a, ma = rc.household("62052310120100001", status="已脱贫")
    b, mb = rc.household("62052310120100002", status="未脱贫")
    for i, mm in enumerate(mb):
        mm["person_id"] = rc.person_id(str(mm["birth_date"].date()), mm["sex"] == "男", 5 + i)
    a["house_grade"] = "C"
    ds = rc.dataset([a, b], ma + mb)
    st = rules.household_status(rules.run(ds), ds).set_index("household_id")
    assert (
        st.loc[a["household_id"], "wrong_exit"]
        and st.loc[a["household_id"], "failing"] == "HOUSE-01"
    )
    assert (
        st.loc[b["household_id"], "ready_to_exit"] and st.loc[b["household_id"], "census"] == "pass"
    )


def test_action_plan_deadlines_owners_and_subsidy():
    from audit import load_settings

    hh, members = clean()
    hh[0]["house_grade"] = "D"
    members[1].update(medical_insurance="未参保", premium_subsidy=None)
    members[0].update(hukou_registered=False)
    ds = rc.dataset(hh, members)
    settings = load_settings()
    plans = rules.action_plans(rules.run(ds), ds, settings).set_index("rule_id")
    assert plans.loc["HOUSE-01", "subsidy"] == 20000
    assert plans.loc["HOUSE-01", "deadline"] == pd.Timestamp("2024-06-30")
    assert "住建局" in plans.loc["HOUSE-01", "owner_unit"]
    assert plans.loc["MED-01", "deadline"] == pd.Timestamp("2024-04-04")  # 10 days
    assert plans.loc["MED-01", "owner_unit"] == "医保局"
    assert plans.loc["ID-04", "deadline"] == pd.Timestamp("2024-04-30")
    totals = rules.action_totals(plans.reset_index())
    assert totals["households"].iloc[0] == 1 and totals["subsidy"].iloc[0] == 20000


def test_judge_visits_finds_missed_poor_with_the_same_indicators():
    from audit import load_settings
    from audit.schema import empty_frame

    hh, members = rc.household(status="一般农户")
    visits = empty_frame("visits")
    visits = pd.DataFrame({
        "household_id": [hh["household_id"]] * 2,
        "visit_date": pd.to_datetime(["2024-03-20", "2024-03-22"]).astype("datetime64[us]"),
        "net_income_per_capita": [9000.0, 3600.0], "food_secure": [True, True],
        "clothing_ok": [True, True], "dropouts": [0, 0], "uninsured": [0, 0],
        "house_safe": [True, True], "water_piped": [True, True], "water_litres": [50.0, 50.0],
        "water_quality_ok": [True, True], "water_trip_minutes": [0.0, 0.0],
        "water_shortage_days": [0, 0], "moved_in": [None, None],
    })  # fmt: skip
    ds = rc.dataset([hh], members)
    judged = rules.judge_visits(visits, ds.households, load_settings())
    assert len(judged) == 1  # the latest visit counts
    assert judged["missed_poor"].iloc[0] and judged["INC-01"].iloc[0]


def test_four_checks_and_quality_score():
    a, ma = rc.household("62052310120100001", status="未脱贫")
    a["house_grade"] = "D"
    b, mb = rc.household("62052310120100002", status="一般农户")
    b.update(**rc.income(5000.0, 3))
    for i, mm in enumerate(mb):
        mm["person_id"] = rc.person_id(str(mm["birth_date"].date()), mm["sex"] == "男", 5 + i)
    village = rc.village()
    village["road_km_to_harden"] = 2.0
    ds = rc.dataset([a, b], ma + mb, [village])
    f = rules.run(ds)
    households, villages = rules.four_checks(f, ds)
    assert dict(zip(households["household_id"], households["check"], strict=True)) == {
        a["household_id"]: "①",
        b["household_id"]: "③",
    }
    assert villages.loc[0, ["①", "③", "④"]].tolist() == [1, 1, 1]
    q = rules.quality_scores(f, ds)
    assert q["score"].iloc[0] == 100.0  # both records free of data-quality errors
    ma[0]["ethnicity"] = None
    ds = rc.dataset([a, b], ma + mb, [village])
    q = rules.quality_scores(rules.run(ds), ds)
    assert q["score"].iloc[0] == 0.0 and q["records"].iloc[0] == 1  # one registered record
