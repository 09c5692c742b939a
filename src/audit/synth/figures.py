"""Plant the scenario's recorded figures exactly: unsafe houses, insurance, 户籍.

Each figure is an exact count chosen with :func:`audit.synth.draw.pick_exact`,
so every seed gives different households but the same figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.synth.draw import pick_exact, split_integer

__all__ = ["plant_figures"]


def _unsafe_houses(rng, hh: pd.DataFrame, k: int) -> pd.DataFrame:
    reg = (hh["status"] != "一般农户").to_numpy()
    safe_now = ~hh["relocated"].to_numpy(dtype=bool) & ~hh["house_renovated"].to_numpy(dtype=bool)
    w = np.where(reg & safe_now, 1.0, 0.0) * np.where(hh["status"] == "未脱贫", 3.0, 1.0)
    chosen = pick_exact(rng, w, k)
    grade = np.where(rng.random(len(hh)) < 0.7, "C", "D")
    return hh.assign(house_grade=np.where(chosen, grade, hh["house_grade"].astype(object)))


def _insurance(rng, members: pd.DataFrame, reg: np.ndarray, scenario) -> pd.DataFrame:
    n = len(members)
    age = members["_age"].to_numpy()
    m = members.copy()
    # A few registered people are uninsured for an accepted reason (they pass MED-01).
    exempt = reg & (rng.random(n) < 0.004)
    reasons = np.array(["异地参保", "服兵役", "服刑", "学生异地参保", "新生儿参保中"])
    reason = np.where(age < 1, "新生儿参保中", reasons[rng.choice(4, n, p=[0.6, 0.15, 0.05, 0.2])])
    # MED-01: uninsured registered people; young adults and migrants more often.
    w = np.where(reg & ~exempt, 1.0, 0.0) * np.where((age >= 18) & (age <= 45), 2.5, 1.0)
    w = w * np.where(m["months_away"].to_numpy() > 0, 1.8, 1.0)
    uninsured = pick_exact(rng, w, scenario.uninsured_people)
    ins = m["medical_insurance"].to_numpy(dtype=object)
    ins = np.where(uninsured | exempt, "未参保", ins)
    # Non-registered people: a few uninsured, most of them for an accepted reason.
    other = ~reg & (rng.random(n) < 0.003)
    other_exempt = other & (rng.random(n) < 0.8)
    ins = np.where(other, "未参保", ins)
    m["medical_insurance"] = ins
    m["insurance_exemption"] = np.where(exempt | other_exempt, reason, None)
    # MED-02: insured (城乡居民) registered people without the premium subsidy.
    eligible = reg & (ins == "城乡居民基本医疗保险")
    no_subsidy = pick_exact(rng, eligible.astype(float), scenario.no_subsidy_people)
    m["premium_subsidy"] = pd.array(np.where(eligible, ~no_subsidy, None), dtype="boolean")
    return m


def _hukou(rng, hh: pd.DataFrame, members: pd.DataFrame, scenario, reference_date):
    """ID-04: people without 户籍 in a fixed number of households and townships."""
    m = members.copy()
    reg_hh = hh["status"] != "一般农户"
    towns = np.sort(hh["township_code"].unique())
    n_towns = min(scenario.no_hukou_townships, len(towns), scenario.no_hukou_households)
    chosen_towns = rng.choice(towns, n_towns, replace=False)
    per_town = split_integer(rng, scenario.no_hukou_households, n_towns, 1)
    size = hh["declared_size"].to_numpy()
    picked = []
    for town, k in zip(chosen_towns, per_town, strict=True):
        w = (reg_hh & (hh["township_code"] == town) & (size >= 2)).to_numpy(dtype=float)
        picked.append(np.flatnonzero(pick_exact(rng, w, int(k))))
    no_hukou_hh = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
    # Households with two such people first, then one each.
    doubles = scenario.no_hukou_people - scenario.no_hukou_households
    people_per_hh = np.ones(len(no_hukou_hh), dtype=int)
    people_per_hh[rng.choice(len(no_hukou_hh), doubles, replace=False)] = 2

    hidx = pd.Index(hh["household_id"]).get_indexer(m["household_id"])
    # Within each household, non-heads (a married-in spouse, a child born away) lack 户籍.
    key = rng.random(len(m)) + (m["relation"] == "户主").to_numpy() * 10
    want = np.zeros(len(hh), dtype=int)
    want[no_hukou_hh] = people_per_hh
    rank = pd.Series(key).groupby(hidx).rank(method="first").to_numpy() - 1
    lacking = rank < want[hidx]

    # Already settled: other registered households, settled this month.
    settled_hh = pick_exact(
        rng,
        (reg_hh & (size >= 2)).to_numpy(dtype=float) * (want == 0),
        scenario.settled_hukou_households,
    )
    settled_want = np.zeros(len(hh), dtype=int)
    idx = np.flatnonzero(settled_hh)
    settled_want[idx] = 1
    extra = scenario.settled_hukou_people - scenario.settled_hukou_households
    settled_want[rng.choice(idx, extra, replace=False)] += 1
    settled = rank < settled_want[hidx]
    ref = np.datetime64(reference_date, "D")
    days = rng.integers(1, 20, len(m)).astype("timedelta64[D]")
    m["hukou_registered"] = ~lacking
    m["hukou_settled_date"] = np.where(settled, ref - days, np.datetime64("NaT")).astype(
        "datetime64[us]"
    )
    return m


def plant_figures(rng, hh, members, scenario, reference_date):
    """Return (households, members) with the scenario's recorded figures planted exactly."""
    reg_member = (
        members["household_id"].isin(hh.loc[hh["status"] != "一般农户", "household_id"]).to_numpy()
    )
    hh = _unsafe_houses(rng, hh, scenario.unsafe_houses)
    members = _insurance(rng, members, reg_member, scenario)
    members = _hukou(rng, hh, members, scenario, reference_date)
    return hh, members
