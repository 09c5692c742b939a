"""Household attributes that depend on the members: income, cause, support, housing, water.

Recorded values are consistent with the census rules except where the
scenario says otherwise (:mod:`audit.synth.figures`) or a defect is planted
(:mod:`audit.synth.defects`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.codes import ENUMS, IN_SCHOOL
from audit.synth.draw import choice_rows
from audit.synth.names import given_names, surnames

__all__ = ["add_livelihood"]


def _member_flags(members: pd.DataFrame, n_households: int, hidx: np.ndarray) -> pd.DataFrame:
    health = members["health"].to_numpy(dtype=str)
    ill = np.char.find(health, "病") >= 0
    disabled = np.char.find(health, "残疾") >= 0
    # Students for 因学: in school beyond pre-school.
    student = members["school_status"].isin(IN_SCHOOL[1:]).to_numpy()
    able = members["labour_capacity"].isin(["普通劳动力", "技能劳动力"]).to_numpy()
    worker = members["months_away"].to_numpy() > 0

    def agg(x):
        return np.bincount(hidx, weights=x.astype(float), minlength=n_households)

    return pd.DataFrame(
        {
            "ill": agg(ill) > 0,
            "disabled": agg(disabled) > 0,
            "students": agg(student),
            "able": agg(able),
            "workers": agg(worker),
            "months": agg(members["months_away"].to_numpy()),
        }
    )


def _income(rng, hh, flags, settings):
    """Draw per-capita net income and components that add up (INC-02 holds)."""
    n = len(hh)
    line = settings.income.poverty_line
    status = hh["status"].to_numpy(dtype=str)
    median = np.select([status == "未脱贫", status == "已脱贫"], [4700.0, 8600.0], 11500.0)
    pc = median * rng.lognormal(0, np.where(status == "一般农户", 0.45, 0.32), n)
    # Exited households were checked above the line; a few sit just above it.
    pc = np.where(status == "已脱贫", np.maximum(pc, line * rng.uniform(1.08, 1.4, n)), pc)
    pc = np.where(status == "一般农户", np.maximum(pc, line * rng.uniform(1.2, 1.6, n)), pc)
    size = hh["declared_size"].to_numpy()
    net = np.round(pc * size)
    workers = flags["workers"].to_numpy() > 0
    s_wage = np.where(workers, rng.uniform(0.35, 0.7, n), 0.0)
    s_transfer = np.where(
        status == "一般农户", rng.uniform(0.03, 0.12, n), rng.uniform(0.12, 0.35, n)
    )
    s_property = rng.uniform(0.0, 0.05, n)
    s_wage = np.minimum(s_wage, 0.95 - s_transfer - s_property)
    wage = np.round(net * s_wage)
    transfer = np.round(net * s_transfer)
    prop = np.round(net * s_property)
    business_net = net - wage - transfer - prop
    expense = np.round(business_net * rng.uniform(0.25, 0.45, n))
    business = business_net + expense
    net_pc = np.round(net / size, 2)
    prev = np.round(net_pc * rng.uniform(0.85, 1.12, n), 2)
    drop = rng.random(n) < 0.01
    prev = np.where(drop, np.round(net_pc / rng.uniform(0.45, 0.68, n), 2), prev)
    return {
        "income_wage": wage,
        "income_business": business,
        "income_property": prop,
        "income_transfer": transfer,
        "business_expense": expense,
        "net_income": net,
        "net_income_per_capita": net_pc,
        "prev_net_income_per_capita": prev,
    }


def _support(rng, hh, flags, at_risk):
    """Poverty attribute, main cause and monitoring type (most at-risk households monitored)."""
    n = len(hh)
    status = hh["status"].to_numpy(dtype=str)
    reg = status != "一般农户"
    alone_old = (hh["declared_size"].to_numpy() == 1) & (hh["head_age"].to_numpy() >= 60)
    no_able = flags["able"].to_numpy() == 0
    tekun = reg & alone_old & no_able & (rng.random(n) < 0.6)
    dibao = reg & ~tekun & (rng.random(n) < np.where(flags["ill"] | flags["disabled"], 0.3, 0.12))
    attribute = np.where(tekun, "特困供养贫困户", np.where(dibao, "低保贫困户", "一般贫困户"))
    attribute = np.where(reg, attribute, None)

    # Main cause: weights per cause, zero where the cause would contradict the members.
    w = np.tile(np.array([0, 0, 0, 0.05, 0.04, 0.07, 0.25, 0.18, 0.22, 0.06, 0.05]), (n, 1))
    w[:, 0] = np.where(flags["ill"], 0.9, 0.0)
    w[:, 1] = np.where(flags["disabled"], 0.6, 0.0)
    w[:, 2] = np.where(flags["students"] > 0, 0.15, 0.0)
    causes = np.array(ENUMS["main_cause"][: w.shape[1]])  # 因病 … 自身发展动力不足
    cause = np.where(reg, causes[choice_rows(rng, w)], None)

    monitored = at_risk & (rng.random(n) < 0.9)
    monitoring = np.where(
        monitored,
        np.where(
            status == "已脱贫", "脱贫不稳定户", np.where(status == "一般农户", "边缘易致贫户", None)
        ),
        None,
    )
    return attribute, cause, monitoring, tekun, dibao


def _housing_water(rng, hh, poor_village):
    n = len(hh)
    reg = (hh["status"] != "一般农户").to_numpy()
    relocated = reg & (rng.random(n) < np.where(poor_village, 0.07, 0.03))
    grade = np.where(rng.random(n) < 0.45, "A", "B").astype(object)
    # Rebuilt or repaired and accepted: the appraisal grade stays C/D, the flag says done.
    renovated = reg & ~relocated & (rng.random(n) < 0.07)
    grade = np.where(renovated, np.where(rng.random(n) < 0.7, "C", "D"), grade)
    grade = np.where(relocated, "D", grade)
    # Non-registered households: a few unsafe houses (relevant for 漏评 only).
    other_unsafe = ~reg & (rng.random(n) < 0.002)
    grade = np.where(other_unsafe, "C", grade)

    piped = rng.random(n) < np.where(poor_village, 0.92, 0.96)
    litres = np.where(piped, rng.uniform(40, 90, n), rng.uniform(24, 45, n)).round(1)
    trip = np.where(piped, 0.0, rng.uniform(3, 18, n).round(0))
    shortage = rng.poisson(np.where(poor_village, 8, 4), n).clip(0, 30)
    return {
        "house_grade": grade,
        "house_renovated": renovated,
        "relocated": relocated,
        "relocation_keys": np.where(relocated, True, None),
        "relocation_moved_in": np.where(relocated, True, None),
        "old_house_demolished": np.where(relocated, True, None),
        "water_piped": piped,
        "water_litres": litres,
        "water_quality_ok": np.ones(n, dtype=bool),
        "water_trip_minutes": trip,
        "water_shortage_days": shortage,
        "food_secure": np.ones(n, dtype=bool),
        "clothing_ok": np.ones(n, dtype=bool),
    }


def _helpers(rng, hh):
    """One helper cadre (帮扶责任人) per about five registered households of a village."""
    n = len(hh)
    reg = (hh["status"] != "一般农户").to_numpy()
    slot = np.arange(n) // 5
    pool = np.char.add(
        surnames(rng, slot.max() + 1), given_names(rng, rng.random(slot.max() + 1) < 0.7)
    )
    return np.where(reg, pool[slot], None)


def add_livelihood(
    rng, hh: pd.DataFrame, members: pd.DataFrame, villages: pd.DataFrame, settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add income, support, housing, water and helper columns; set members' 低保/特困 flags.

    Returns
    -------
    (households, members)
        New frames.
    """
    hidx = pd.Index(hh["household_id"]).get_indexer(members["household_id"])
    flags = _member_flags(members, len(hh), hidx)
    income = _income(rng, hh, flags, settings)
    essential = np.where(flags["ill"], rng.uniform(1500, 16000, len(hh)), 0.0)
    essential = essential + flags["students"].to_numpy() * rng.uniform(600, 2500, len(hh))
    # Return-to-poverty risk as the monitoring mechanism defines it (RISK-01..03).
    inc = settings.income
    pc, prev = income["net_income_per_capita"], income["prev_net_income_per_capita"]
    at_risk = (
        (pc < inc.poverty_line * inc.monitoring_multiple)
        | (essential > income["net_income"])
        | ((prev - pc) / prev > inc.income_drop)
    )
    attribute, cause, monitoring, tekun, dibao = _support(rng, hh, flags, at_risk)
    poor_village = villages.set_index("village_code").loc[hh["village_code"], "poor_village"]
    housing = _housing_water(rng, hh, poor_village.to_numpy(dtype=bool))

    hh = hh.assign(
        poverty_attribute=attribute,
        monitoring_type=monitoring,
        main_cause=cause,
        **income,
        essential_expenditure=essential.round(0),
        **housing,
        helper_cadre=_helpers(rng, hh),
        phone=np.char.add("13", np.char.zfill(rng.integers(0, 10**9, len(hh)).astype("U9"), 9)),
        approves=pd.array([None] * len(hh), dtype="boolean"),
    )
    members = members.assign(tekun=tekun[hidx], dibao=dibao[hidx])
    return hh, members
