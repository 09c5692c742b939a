"""Plant data-quality defects of the kinds the registry's 疑点 lists report.

Rates differ by township (a lognormal factor per township, larger in the last
quarter) so that the data-quality ranking has something to rank. Defects never
add or remove member rows, so the scenario's person counts stay exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DEFECT_RATES", "plant_defects"]

#: Base probability per eligible record, before the township factor.
DEFECT_RATES = {
    "bad_check_character": 4e-5,  # ID-01
    "sex_mismatch": 3e-5,  # ID-02
    "duplicate_id": 2e-5,  # ID-03
    "float_mangled_id": 1.5e-5,  # ID-05
    "no_head": 1.5e-4,  # HH-01
    "size_mismatch": 6e-4,  # HH-02
    "relation_sex": 6e-5,  # HH-04
    "school_age": 4e-5,  # CONS-01
    "no_ethnicity": 6e-5,  # CONS-07
    "no_helper": 5e-4,  # CONS-08
    "no_house_grade": 9e-4,  # HOUSE-04
    "income_sum": 8e-4,  # INC-02
    "old_house_kept": 0.02,  # HOUSE-03
}


def _hit(rng, n, rate, factor):
    return rng.random(n) < rate * factor


def plant_defects(rng, hh: pd.DataFrame, members: pd.DataFrame):
    """Plant defects into copies of the recorded tables.

    Returns
    -------
    households, members : DataFrame
        With the defects planted.
    log : DataFrame
        ``household_id, person_id, defect`` (the rule id) for every planted defect.
    factor : Series
        The defect-rate factor of each township (larger = worse data).
    """
    hh = hh.copy()
    m = members.copy()
    towns = np.sort(hh["township_code"].unique())
    factor_t = pd.Series(rng.lognormal(0, 0.6, len(towns)), index=towns)
    f_hh = factor_t.loc[hh["township_code"]].to_numpy()
    hidx = pd.Index(hh["household_id"]).get_indexer(m["household_id"])
    f_m = f_hh[hidx]
    reg_hh = (hh["status"] != "一般农户").to_numpy()
    reg_m = reg_hh[hidx]
    n, nh = len(m), len(hh)
    logs = []

    def log(mask_m=None, mask_h=None, defect=""):
        if mask_m is not None:
            logs.append(
                pd.DataFrame(
                    {
                        "household_id": m.loc[mask_m, "household_id"].to_numpy(),
                        "person_id": m.loc[mask_m, "person_id"].to_numpy(),
                        "defect": defect,
                    }
                )
            )
        if mask_h is not None:
            logs.append(
                pd.DataFrame(
                    {
                        "household_id": hh.loc[mask_h, "household_id"].to_numpy(),
                        "person_id": None,
                        "defect": defect,
                    }
                )
            )

    pid = m["person_id"].to_numpy(dtype=object)
    # ID-01: a wrong check character.
    bad = reg_m & _hit(rng, n, DEFECT_RATES["bad_check_character"], f_m)
    last = np.array([p[-1] for p in pid[bad]], dtype=object)
    pid[bad] = [p[:-1] + ("1" if c != "1" else "2") for p, c in zip(pid[bad], last, strict=True)]
    # ID-02: sex recorded against the ID's parity.
    flip = reg_m & ~bad & _hit(rng, n, DEFECT_RATES["sex_mismatch"], f_m)
    m["sex"] = np.where(flip, np.where(m["sex"] == "男", "女", "男"), m["sex"].astype(object))
    # ID-03: a person's number typed into another household's member.
    dup = reg_m & ~bad & ~flip & _hit(rng, n, DEFECT_RATES["duplicate_id"], f_m)
    src = np.flatnonzero(dup)
    targets = (src + 7) % n
    pid[targets] = pid[src]
    dup_mask = np.zeros(n, dtype=bool)
    dup_mask[targets] = True
    # ID-05: stored by a spreadsheet as a float.
    mangled = reg_m & ~bad & ~flip & ~dup_mask & _hit(rng, n, DEFECT_RATES["float_mangled_id"], f_m)
    pid[mangled] = [f"{float(p[:17] + '0'):.14E}" for p in pid[mangled]]
    m["person_id"] = pid
    log(bad, None, "ID-01")
    log(dup_mask, None, "ID-03")
    log(mangled, None, "ID-05")
    log(flip, None, "ID-02")

    size = hh["declared_size"].to_numpy()
    # HH-01: the head recorded with another relation.
    no_head = reg_hh & (size >= 2) & _hit(rng, nh, DEFECT_RATES["no_head"], f_hh)
    heads = (m["relation"] == "户主").to_numpy() & no_head[hidx]
    m["relation"] = np.where(heads, "之子", m["relation"].astype(object))
    log(None, no_head, "HH-01")
    # HH-02: declared size off by one.
    wrong = reg_hh & _hit(rng, nh, DEFECT_RATES["size_mismatch"], f_hh)
    hh["declared_size"] = np.where(wrong, size + np.where(size > 1, -1, 1), size)
    log(None, wrong, "HH-02")
    # HH-04: a son recorded as daughter-in-law.
    rel = m["relation"].astype(object).to_numpy()
    r_sex = reg_m & (rel == "之子") & _hit(rng, n, DEFECT_RATES["relation_sex"], f_m)
    m["relation"] = np.where(r_sex, "之儿媳", rel)
    log(r_sex, None, "HH-04")
    # CONS-01: an adult recorded at primary school.
    adult = m["_age"].to_numpy() >= 25
    school = reg_m & adult & _hit(rng, n, DEFECT_RATES["school_age"], f_m)
    m["school_status"] = np.where(school, "小学", m["school_status"].astype(object))
    m["education"] = np.where(school, None, m["education"].astype(object))
    log(school, None, "CONS-01")
    # CONS-07: ethnicity left empty.
    no_eth = reg_m & _hit(rng, n, DEFECT_RATES["no_ethnicity"], f_m)
    m["ethnicity"] = np.where(no_eth, None, m["ethnicity"].astype(object))
    log(no_eth, None, "CONS-07")
    # CONS-08: no helper cadre.
    no_helper = reg_hh & _hit(rng, nh, DEFECT_RATES["no_helper"], f_hh)
    hh["helper_cadre"] = np.where(no_helper, None, hh["helper_cadre"].astype(object))
    log(None, no_helper, "CONS-08")
    # HOUSE-04: no housing grade (never one of the planted unsafe houses).
    grade = hh["house_grade"].astype(object).to_numpy()
    no_grade = (
        reg_hh & np.isin(grade, ["A", "B"]) & _hit(rng, nh, DEFECT_RATES["no_house_grade"], f_hh)
    )
    hh["house_grade"] = np.where(no_grade, None, grade)
    log(None, no_grade, "HOUSE-04")
    # INC-02: net income that does not add up.
    inc = reg_hh & _hit(rng, nh, DEFECT_RATES["income_sum"], f_hh)
    hh["net_income"] = hh["net_income"] + np.where(inc, rng.integers(100, 3000, nh), 0)
    log(None, inc, "INC-02")
    # HOUSE-03: relocated, old house not demolished.
    kept = hh["relocated"].to_numpy(dtype=bool) & _hit(rng, nh, DEFECT_RATES["old_house_kept"], 1.0)
    hh["old_house_demolished"] = np.where(kept, False, hh["old_house_demolished"])
    log(None, kept, "HOUSE-03")

    log_frame = (
        pd.concat(logs, ignore_index=True)
        if logs
        else pd.DataFrame(columns=["household_id", "person_id", "defect"])
    )
    return hh, m, log_frame, factor_t
