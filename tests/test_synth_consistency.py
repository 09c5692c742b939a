"""Households and members of the synthetic county are consistent, except for planted defects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit import synth
from audit.dates import age_on
from audit.idnumber import is_valid, parse_birth_date, parse_sex


def planted(ds, rule):
    d = ds.truth["defects"]
    return d[d["defect"] == rule]


def test_id_numbers_valid_except_planted_defects(gangu):
    m = gangu.members
    bad = m.loc[~is_valid(m["person_id"]), "person_id"]
    expected = set(planted(gangu, "ID-01")["person_id"]) | set(planted(gangu, "ID-05")["person_id"])
    assert set(bad) == expected
    assert len(bad) > 0
    # Region code of the county on every valid number.
    assert m["person_id"].str.startswith("620523").mean() > 0.9999


def test_float_mangled_ids_look_like_spreadsheet_floats(gangu):
    m = gangu.members
    mangled = m[m["person_id"].str.contains("E+", regex=False)]
    assert len(mangled) == len(planted(gangu, "ID-05"))
    assert mangled["person_id"].str.fullmatch(r"6\.\d{14}E\+17").all()


def test_birth_date_and_sex_agree_with_id_except_planted(gangu):
    m = gangu.members
    duplicated = set(planted(gangu, "ID-03")["person_id"])
    v = m[is_valid(m["person_id"]) & ~m["person_id"].isin(duplicated)]
    assert (parse_birth_date(v["person_id"]) == v["birth_date"]).all()
    wrong_sex = v[parse_sex(v["person_id"]) != v["sex"].astype(str)]
    assert set(wrong_sex["person_id"]) == set(planted(gangu, "ID-02")["person_id"]) - duplicated
    assert len(wrong_sex) >= 1


def test_person_ids_unique_except_planted_duplicates(gangu):
    m = gangu.members
    dup = m[m["person_id"].duplicated(keep=False)]
    assert set(dup["person_id"]) == set(planted(gangu, "ID-03")["person_id"])


def test_declared_size_equals_member_rows_except_planted(gangu):
    hh, m = gangu.households, gangu.members
    rows = m.groupby("household_id").size().reindex(hh["household_id"], fill_value=0)
    mismatch = hh.loc[hh["declared_size"].to_numpy() != rows.to_numpy(), "household_id"]
    assert set(mismatch) == set(planted(gangu, "HH-02")["household_id"])
    assert (rows > 0).all()  # no empty household


def test_exactly_one_head_except_planted(gangu):
    hh, m = gangu.households, gangu.members
    heads = m["relation"].eq("户主").groupby(m["household_id"]).sum()
    heads = heads.reindex(hh["household_id"], fill_value=0)
    wrong = set(heads[heads != 1].index)
    assert wrong == set(planted(gangu, "HH-01")["household_id"])
    assert len(wrong) < 20


def test_heads_and_spouses_have_opposite_sexes_and_children_are_younger(gangu):
    m = gangu.members.merge(
        gangu.members.loc[
            gangu.members["relation"] == "户主", ["household_id", "birth_date", "sex"]
        ],
        on="household_id",
        suffixes=("", "_head"),
    )
    spouses = m[m["relation"] == "配偶"]
    flipped = set(planted(gangu, "ID-02")["person_id"])
    ok = spouses[~spouses["person_id"].isin(flipped)]
    assert (ok["sex"].astype(str) != ok["sex_head"].astype(str)).mean() > 0.999
    kids = m[m["relation"].isin(["之子", "之女"])]
    gap = (kids["birth_date"] - kids["birth_date_head"]).dt.days / 365.25
    assert (gap >= 12).mean() > 0.999


def test_compulsory_age_children_recorded_in_school(gangu):
    m = gangu.members
    age = age_on(m["birth_date"], "2024-03-25")
    kids = m[(age >= 7) & (age <= 14)]
    assert kids["school_status"].isin(["小学", "七年级", "八年级", "九年级", "送教上门"]).all()


def test_income_components_add_up_except_planted(gangu):
    hh = gangu.households
    parts = (
        hh["income_wage"]
        + hh["income_business"]
        + hh["income_property"]
        + hh["income_transfer"]
        - hh["business_expense"]
    )
    off = hh.loc[(parts - hh["net_income"]).abs() > 1, "household_id"]
    assert set(off) == set(planted(gangu, "INC-02")["household_id"])


def test_true_layer_differs_from_record_in_documented_ways(gangu):
    t = gangu.truth
    kinds = set(t["discrepancies"]["kind"])
    assert {
        "hidden_dropout",
        "relocated_not_living",
        "income_overstated",
        "house_unsafe_unrecorded",
        "missed_poor",
    } <= kinds
    th = t["households"].set_index("household_id")
    hh = gangu.households.set_index("household_id")
    over = t["discrepancies"].query("kind == 'income_overstated'")["household_id"]
    assert (th.loc[over, "net_income_per_capita"] < hh.loc[over, "net_income_per_capita"]).all()
    # Hidden dropouts: recorded in school, truly not.
    drop = t["discrepancies"].query("kind == 'hidden_dropout'")["person_id"]
    tm = t["members"].set_index("person_id")
    assert (tm.loc[drop, "school_status"] == "非在校生").all()
    assert not gangu.members.set_index("person_id").loc[drop, "school_status"].eq("非在校生").any()
    # Missed poor are non-registered households.
    missed = t["discrepancies"].query("kind == 'missed_poor'")["household_id"]
    assert (hh.loc[missed, "status"] == "一般农户").all()
    share = missed.nunique() / (hh["status"] == "一般农户").sum()
    assert 0.008 < share < 0.016


def test_visits_cover_the_configured_share_and_mostly_see_the_truth(gangu):
    v = gangu.visits
    reg = gangu.households["status"] != "一般农户"
    assert len(v) == round(reg.sum() * 0.20)
    assert v["household_id"].isin(gangu.households.loc[reg, "household_id"]).all()
    th = gangu.truth["households"].set_index("household_id").loc[v["household_id"]]
    ratio = v["net_income_per_capita"].to_numpy() / th["net_income_per_capita"].to_numpy()
    assert 0.97 < np.median(ratio) < 1.03
    assert v["visit_date"].max() <= pd.Timestamp("2024-03-25")


def test_same_seed_gives_identical_tables_different_seed_different():
    a = synth.generate(seed=5, scale=0.05)
    b = synth.generate(seed=5, scale=0.05)
    c = synth.generate(seed=6, scale=0.05)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    for name in a.truth:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name])
    assert a.geometry.geometry.equals(b.geometry.geometry)
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert not a.members["person_id"].equals(c.members["person_id"])
