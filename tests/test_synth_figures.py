"""The recorded layer of the demo county reproduces every figure of scenario-gangu.md exactly."""

from __future__ import annotations

import pytest

from audit import synth
from audit.codes import REGISTERED


def figures(ds) -> dict:
    hh, m, v, p = ds.households, ds.members, ds.villages, ds.projects
    reg = hh["status"].isin(REGISTERED)
    reg_ids = hh.loc[reg, "household_id"]
    rm = m[m["household_id"].isin(reg_ids)]
    moved_in = hh["relocated"].fillna(False) & hh["relocation_moved_in"].fillna(False)
    unsafe = (
        reg & hh["house_grade"].isin(["C", "D"]) & ~hh["house_renovated"].fillna(False) & ~moved_in
    )
    no_hukou = m[m["hukou_registered"].eq(False)]
    settled = m[m["hukou_settled_date"].notna()]
    town_of = hh.set_index("household_id")["township_code"]
    return {
        "households": len(hh),
        "registered": int(reg.sum()),
        "unsafe_houses": int(unsafe.sum()),
        "uninsured": int(
            (rm["medical_insurance"].eq("未参保") & rm["insurance_exemption"].isna()).sum()
        ),
        "no_subsidy": int(
            (
                rm["medical_insurance"].eq("城乡居民基本医疗保险") & rm["premium_subsidy"].eq(False)
            ).sum()
        ),
        "no_hukou_people": len(no_hukou),
        "no_hukou_households": no_hukou["household_id"].nunique(),
        "no_hukou_townships": town_of.loc[no_hukou["household_id"]].nunique(),
        "settled_people": len(settled),
        "settled_households": settled["household_id"].nunique(),
        "water_points": int(v["water_points_to_fix"].sum()),
        "water_villages": int(v["water_points_to_fix"].gt(0).sum()),
        "pipe_km": round(float(v["pipe_km_to_fix"].sum()), 6),
        "road_km": round(float(v["road_km_to_harden"].sum()), 6),
        "road_km_disrepair": round(float(v["road_km_disrepair"].sum()), 6),
        "projects": len(p),
        "project_categories": p["category"].nunique(),
        "budget_wan": round(float(p["budget"].sum()), 6),
        "projects_started": int(p["status"].isin(["已开工", "已完工"]).sum()),
        "problems": len(ds.problems),
        "problems_rectified": int(ds.problems["status"].eq("已整改").sum()),
        "complaints": len(ds.complaints),
        "complaints_untrue": int(ds.complaints["finding"].eq("不属实").sum()),
    }


EXPECTED = {
    "households": 150_000,
    "registered": 38_000,
    "unsafe_houses": 240,
    "uninsured": 4_303,
    "no_subsidy": 6_813,
    "no_hukou_people": 19,
    "no_hukou_households": 16,
    "no_hukou_townships": 10,
    "settled_people": 4,
    "settled_households": 3,
    "water_points": 28,
    "water_villages": 15,
    "pipe_km": 32.0,
    "road_km": 328.0,
    "road_km_disrepair": 51.0,
    "projects": 275,
    "project_categories": 3,
    "budget_wan": 35_900.0,
    "projects_started": 82,  # about 30 %
    "problems": 25,
    "problems_rectified": 4,
    "complaints": 7,
    "complaints_untrue": 6,
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_demo_county_reproduces_each_figure(gangu, key):
    assert figures(gangu)[key] == EXPECTED[key]


def test_another_seed_gives_other_households_but_the_same_figures(gangu):
    other = synth.generate(seed=99)
    assert figures(other) == EXPECTED
    # Other people, other households.
    assert not gangu.members["person_id"].equals(other.members["person_id"])
    assert not gangu.households["declared_size"].equals(other.households["declared_size"])


def test_registered_households_are_about_38000_of_150000(gangu):
    counts = gangu.households["status"].value_counts()
    assert counts["一般农户"] == 112_000
    assert 0.02 < counts["未脱贫"] / 38_000 < 0.05


def test_projects_started_share_is_about_30_percent(gangu):
    share = gangu.projects["status"].isin(["已开工", "已完工"]).mean()
    assert 0.28 <= share <= 0.32


def test_every_problem_has_category_owner_and_deadline(gangu):
    pr = gangu.problems
    assert pr[["category", "owner_unit", "deadline", "township_code"]].notna().all().all()
    assert (pr.loc[pr["status"] == "已整改", "rectified_date"].notna()).all()


def test_four_quarterly_quality_scores_fall_in_q4(gangu):
    t = gangu.townships
    q = t[["quality_q1", "quality_q2", "quality_q3", "quality_q4"]]
    assert q.notna().all().all()
    assert (t["quality_q4"] < t[["quality_q1", "quality_q2", "quality_q3"]].min(axis=1)).all()


def test_scaled_county_scales_household_figures():
    ds = synth.generate(seed=3, scale=0.5)
    f = figures(ds)
    assert f["households"] == 75_000
    assert f["registered"] == 19_000
    assert f["unsafe_houses"] == 120
    assert f["uninsured"] == round(4_303 * 0.5)
    assert f["water_points"] == 28  # village figures belong to the county


def test_several_counties_have_distinct_codes_and_synthetic_names():
    ds = synth.generate(seed=3, scale=0.02, counties=3)
    towns = ds.townships
    assert towns["county_code"].nunique() == 3
    assert towns["township_code"].is_unique
    assert ds.villages["village_code"].is_unique
    assert ds.households["household_id"].is_unique
    synthetic = towns[towns["county_code"] != "620523"]
    assert synthetic["name"].str.contains("合成").all()
    assert synthetic["county_name"].str.startswith("合成县").all()
    # ID numbers carry the region code of their county.
    m = ds.members.merge(ds.households[["household_id", "township_code"]], on="household_id")
    ok = m["person_id"].str.slice(0, 6) == m["township_code"].str.slice(0, 6)
    assert ok.mean() > 0.999
    for table, key in [
        ("projects", "project_id"),
        ("problems", "problem_id"),
        ("complaints", "complaint_id"),
    ]:
        assert getattr(ds, table)[key].is_unique
