"""The true layer (what a census enumerator would find) and the door-to-door visits.

The record and the truth differ in the ways the speech warns about, each
logged in ``truth["discrepancies"]`` with the rule it affects:

=========================  ==========  ===============================================
kind                       rule        what happened
=========================  ==========  ===============================================
hidden_dropout             EDU-01      a child of 6–15 recorded in school is not
relocated_not_living       HOUSE-02    a relocated family has the keys but lives elsewhere
income_overstated          INC-01      the recorded income is higher than the real one
house_unsafe_unrecorded    HOUSE-01    a house recorded A/B is really C/D
hidden_uninsured           MED-01      a person recorded insured is not
water_worse                WATER-01/4  less water, or more days short, than recorded
food_or_clothing           FOOD-01     a household lacks food or clothing security
already_insured            MED-01      recorded uninsured, insured since (a fix)
already_renovated          HOUSE-01    recorded unsafe, renovated since (a fix)
missed_poor                漏评        a non-registered household that is in fact poor
=========================  ==========  ===============================================

Visits reveal the truth of the households they cover, imperfectly: a cadre
misses a real problem with probability ``MISS`` and reports a false one with
probability ``FALSE_ALARM``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.synth.draw import pick_exact

__all__ = ["DISCREPANCY_RATES", "build_truth", "build_visits", "observe"]

DISCREPANCY_RATES = {
    "hidden_dropout": 0.004,  # per child 6–15 of a registered household
    "relocated_not_living": 0.05,  # per relocated household
    "income_overstated": 0.015,  # per registered household
    "house_unsafe_unrecorded": 0.004,
    "hidden_uninsured": 0.002,  # per insured registered person
    "water_worse": 0.004,
    "food_or_clothing": 0.0006,
    "already_insured": 0.12,  # per recorded uninsured registered person
    "already_renovated": 0.06,  # per recorded unsafe registered house
    "missed_poor": 0.012,  # per non-registered household
}
MISS = 0.10
FALSE_ALARM = 0.002

TRUTH_HOUSEHOLD_COLUMNS = [
    "household_id",
    "status",
    "net_income_per_capita",
    "food_secure",
    "clothing_ok",
    "house_grade",
    "house_renovated",
    "relocated",
    "relocation_moved_in",
    "water_piped",
    "water_litres",
    "water_quality_ok",
    "water_trip_minutes",
    "water_shortage_days",
    "approves",
]
TRUTH_MEMBER_COLUMNS = [
    "person_id",
    "household_id",
    "school_status",
    "medical_insurance",
    "insurance_exemption",
]


def build_truth(rng, hh: pd.DataFrame, members: pd.DataFrame, clean_grade, settings) -> dict:
    """Return the true layer: ``households``, ``members`` and ``discrepancies`` frames.

    Parameters
    ----------
    hh, members : DataFrame
        The recorded tables (after defects; ``members`` still has ``_age``).
    clean_grade : array
        House grades before data-quality defects blanked some of them.
    settings : Settings
    """
    r = DISCREPANCY_RATES
    th = hh[TRUTH_HOUSEHOLD_COLUMNS[:-1]].copy()
    th["house_grade"] = clean_grade
    tm = members[TRUTH_MEMBER_COLUMNS].copy()
    nh, nm = len(th), len(tm)
    status = hh["status"].to_numpy(dtype=str)
    reg = status != "一般农户"
    hidx = pd.Index(hh["household_id"]).get_indexer(members["household_id"])
    reg_m = reg[hidx]
    age = members["_age"].to_numpy()
    log = []

    def note(kind, rule, mask_h=None, mask_m=None):
        if mask_h is not None:
            log.append(
                pd.DataFrame(
                    {
                        "household_id": th.loc[mask_h, "household_id"].to_numpy(),
                        "person_id": None,
                        "kind": kind,
                        "rule_id": rule,
                    }
                )
            )
        if mask_m is not None:
            log.append(
                pd.DataFrame(
                    {
                        "household_id": tm.loc[mask_m, "household_id"].to_numpy(),
                        "person_id": tm.loc[mask_m, "person_id"].to_numpy(),
                        "kind": kind,
                        "rule_id": rule,
                    }
                )
            )

    lo, hi = settings.education.compulsory_age_min, settings.education.compulsory_age_max
    child = reg_m & (age >= lo) & (age <= hi)
    drop = child & (rng.random(nm) < r["hidden_dropout"])
    tm["school_status"] = np.where(drop, "非在校生", tm["school_status"].astype(object))
    note("hidden_dropout", "EDU-01", mask_m=drop)

    ins = tm["medical_insurance"].astype(object).to_numpy()
    no_reason = tm["insurance_exemption"].isna().to_numpy()
    hidden_unins = reg_m & (ins != "未参保") & (rng.random(nm) < r["hidden_uninsured"])
    fixed_ins = reg_m & (ins == "未参保") & no_reason & (rng.random(nm) < r["already_insured"])
    ins = np.where(hidden_unins, "未参保", np.where(fixed_ins, "城乡居民基本医疗保险", ins))
    note("hidden_uninsured", "MED-01", mask_m=hidden_unins)
    note("already_insured", "MED-01", mask_m=fixed_ins)

    relocated = th["relocated"].to_numpy(dtype=bool)
    away = relocated & (rng.random(nh) < r["relocated_not_living"])
    th["relocation_moved_in"] = np.where(away, False, th["relocation_moved_in"])
    note("relocated_not_living", "HOUSE-02", mask_h=away)

    line = settings.income.poverty_line
    pc = th["net_income_per_capita"].to_numpy()
    over = reg & (rng.random(nh) < r["income_overstated"])
    pc = np.where(over, np.round(pc * rng.uniform(0.4, 0.85, nh), 2), pc)
    note("income_overstated", "INC-01", mask_h=over)

    grade = np.asarray(clean_grade, dtype=object)
    renovated = th["house_renovated"].to_numpy(dtype=bool)
    unsafe_rec = reg & np.isin(grade, ["C", "D"]) & ~renovated & ~relocated
    fixed_house = unsafe_rec & (rng.random(nh) < r["already_renovated"])
    renovated = renovated | fixed_house
    hidden_house = (
        reg
        & ~relocated
        & np.isin(grade, ["A", "B"])
        & (rng.random(nh) < r["house_unsafe_unrecorded"])
    )
    grade = np.where(hidden_house, "C", grade)
    note("already_renovated", "HOUSE-01", mask_h=fixed_house)
    note("house_unsafe_unrecorded", "HOUSE-01", mask_h=hidden_house)

    water = reg & (rng.random(nh) < r["water_worse"])
    short = water & (rng.random(nh) < 0.6)
    th["water_shortage_days"] = np.where(short, rng.integers(40, 90, nh), th["water_shortage_days"])
    th["water_litres"] = np.where(
        water & ~short, rng.uniform(10, 19, nh).round(1), th["water_litres"]
    )
    note("water_worse", "WATER-01", mask_h=water & ~short)
    note("water_worse", "WATER-04", mask_h=short)

    food = reg & (rng.random(nh) < r["food_or_clothing"])
    th["food_secure"] = ~food
    note("food_or_clothing", "FOOD-01", mask_h=food)

    # 漏评: non-registered households that are in fact poor, mostly by income.
    missed = ~reg & (rng.random(nh) < r["missed_poor"])
    how = rng.random(nh)
    by_income = missed & (how < 0.7)
    by_house = missed & (how >= 0.7) & (how < 0.85)
    by_insurance = missed & (how >= 0.85)
    pc = np.where(by_income, rng.uniform(0.6, 1.0, nh) * line, pc)
    grade = np.where(by_house, "D", grade)
    first_member = np.r_[True, hidx[1:] != hidx[:-1]]
    unins_m = by_insurance[hidx] & first_member
    ins = np.where(unins_m, "未参保", ins)
    tm["insurance_exemption"] = np.where(unins_m, None, tm["insurance_exemption"].astype(object))
    note("missed_poor", "INC-01", mask_h=by_income)
    note("missed_poor", "HOUSE-01", mask_h=by_house)
    note("missed_poor", "MED-01", mask_m=unins_m)

    th["net_income_per_capita"] = pc
    th["house_grade"] = grade
    th["house_renovated"] = renovated
    tm["medical_insurance"] = ins
    th["approves"] = rng.random(nh) < np.where(reg, 0.95, 0.93)
    discrepancies = pd.concat(log, ignore_index=True)
    return {
        "households": th.reset_index(drop=True),
        "members": tm.reset_index(drop=True),
        "discrepancies": discrepancies,
    }


def _observe(rng, truly_fails: np.ndarray) -> np.ndarray:
    """Return what a cadre records as failing, given what truly fails."""
    u = rng.random(len(truly_fails))
    return np.where(truly_fails, u >= MISS, u < FALSE_ALARM)


def build_visits(
    rng, hh: pd.DataFrame, members: pd.DataFrame, truth: dict, settings
) -> pd.DataFrame:
    """Door-to-door visits of a simple random sample of registered households.

    The share visited is ``settings.synth.visit_share``; observations come from
    the true layer with the imperfections of :func:`_observe`.
    """
    reg = (hh["status"] != "一般农户").to_numpy()
    k = round(reg.sum() * settings.synth.visit_share)
    visited = pick_exact(rng, reg.astype(float), k)
    return observe(rng, hh, members["_age"].to_numpy(), truth, settings, visited)


def observe(rng, hh: pd.DataFrame, age: np.ndarray, truth: dict, settings, visited) -> pd.DataFrame:
    """Record what cadres see at the doors of the ``visited`` households (mask over ``hh``).

    Observations come from the true layer, imperfectly (:func:`_observe`);
    ``age`` holds the members' ages on the reference date, aligned with
    ``truth["members"]``.
    """
    th = truth["households"][visited].reset_index(drop=True)
    n = len(th)
    ids = th["household_id"]

    tm = truth["members"]
    lo, hi = settings.education.compulsory_age_min, settings.education.compulsory_age_max
    dropout = (age >= lo) & (age <= hi) & tm["school_status"].eq("非在校生").to_numpy()
    uninsured = (
        tm["medical_insurance"].eq("未参保").to_numpy()
        & tm["insurance_exemption"].isna().to_numpy()
    )
    pos = pd.Index(ids).get_indexer(tm["household_id"])
    seen = pos >= 0
    detect_d = dropout & seen & (rng.random(len(tm)) >= MISS)
    detect_u = uninsured & seen & (rng.random(len(tm)) >= MISS / 2)
    dropouts = np.bincount(pos[detect_d], minlength=n)
    unins = np.bincount(pos[detect_u], minlength=n)

    grade = th["house_grade"].astype(object).to_numpy()
    relocated = th["relocated"].to_numpy(dtype=bool)
    moved_in = th["relocation_moved_in"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    unsafe = (
        np.isin(grade, ["C", "D"])
        & ~th["house_renovated"].to_numpy(dtype=bool)
        & ~(relocated & moved_in)
    )
    start = np.datetime64(settings.deadlines.campaign_start, "D") - np.timedelta64(10, "D")
    span = (np.datetime64(settings.audit.reference_date, "D") - start).astype(int) + 1
    visitor = hh.set_index("household_id").loc[ids, "helper_cadre"].to_numpy()
    return pd.DataFrame(
        {
            "household_id": ids,
            "visit_date": (start + rng.integers(0, span, n).astype("timedelta64[D]")).astype(
                "datetime64[us]"
            ),
            "visitor": visitor,
            "net_income_per_capita": np.round(
                th["net_income_per_capita"].to_numpy() * np.exp(rng.normal(0, 0.06, n)), 2
            ),
            "food_secure": ~_observe(rng, ~th["food_secure"].to_numpy(dtype=bool)),
            "clothing_ok": ~_observe(rng, ~th["clothing_ok"].to_numpy(dtype=bool)),
            "dropouts": dropouts,
            "uninsured": unins,
            "house_safe": ~_observe(rng, unsafe),
            "moved_in": pd.array(
                np.where(relocated, ~_observe(rng, relocated & ~moved_in), None), dtype="boolean"
            ),
            "water_piped": th["water_piped"].to_numpy(dtype=bool),
            "water_litres": np.round(
                th["water_litres"].to_numpy() * np.exp(rng.normal(0, 0.08, n)), 1
            ),
            "water_quality_ok": th["water_quality_ok"].to_numpy(dtype=bool),
            "water_trip_minutes": th["water_trip_minutes"].to_numpy(),
            "water_shortage_days": th["water_shortage_days"].to_numpy(),
            "approves": th["approves"].to_numpy(dtype=bool),
            "note": None,
        }
    ).sort_values(["household_id", "visit_date"], ignore_index=True)
