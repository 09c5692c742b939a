"""Synthetic households and their members: the clean recorded layer.

Everything is drawn column-wise with numpy; the only loops are over a handful
of categories. Household structure (head, spouse, children, grandchildren,
parents), ages, schooling, health, labour, insurance and income are mutually
consistent, so that the data-quality rules find only what
:mod:`audit.synth.defects` plants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.dates import age_on
from audit.idnumber import make_ids
from audit.synth.draw import choice_rows, pick_exact
from audit.synth.names import given_names, surnames

__all__ = ["build_households", "build_members"]

SIZE_P_REGISTERED = np.array([0.08, 0.14, 0.17, 0.24, 0.20, 0.11, 0.05, 0.01])
SIZE_P_OTHER = np.array([0.10, 0.19, 0.20, 0.22, 0.16, 0.08, 0.04, 0.01])


def _cat(values, labels) -> pd.Categorical:
    return pd.Categorical(values, categories=list(labels))


def build_households(rng, villages: pd.DataFrame, settings, scale: float) -> pd.DataFrame:
    """Allocate households to villages and give them a status, size and head age.

    Parameters
    ----------
    rng : numpy.random.Generator
    villages : DataFrame
        With ``village_code, township_code, name, poor_village``.
    settings : Settings
        ``synth.households_total``, ``synth.registered``, ``synth.not_exited_share``.
    scale : float
        Multiplies the number of households.

    Returns
    -------
    DataFrame
        ``household_id, village_code, township_code, status, exit_year,
        declared_size, head_age`` sorted by household_id.
    """
    total = round(settings.synth.households_total * scale)
    registered = round(settings.synth.registered * scale)
    community = villages["name"].str.endswith("社区居民委员会").to_numpy()
    poor = villages["poor_village"].to_numpy(dtype=bool)
    size_w = rng.lognormal(0.0, 0.35, len(villages)) * np.where(community, 0.25, 1.0)
    per_village = rng.multinomial(total, size_w / size_w.sum())
    vidx = np.repeat(np.arange(len(villages)), per_village)
    serial = np.arange(total) - np.repeat(np.cumsum(per_village) - per_village, per_village) + 1
    vcode = villages["village_code"].to_numpy(dtype="U12")[vidx]
    household_id = np.char.add(vcode, np.char.zfill(serial.astype("U5"), 5))

    # Registered households concentrate in poor villages, rarely in town communities.
    reg_w = np.where(poor, 1.6, 1.0)[vidx] * np.where(community, 0.15, 1.0)[vidx]
    is_reg = pick_exact(rng, reg_w, registered)
    not_exited = np.zeros(total, dtype=bool)
    n_not = round(registered * settings.synth.not_exited_share)
    not_exited[is_reg] = pick_exact(rng, np.where(poor, 2.0, 1.0)[vidx][is_reg], n_not)
    status = np.where(is_reg, np.where(not_exited, "未脱贫", "已脱贫"), "一般农户")
    year = settings.audit.year
    exit_year = np.where(status == "已脱贫", rng.integers(year - 6, year, total), -1)

    size = np.where(
        is_reg,
        rng.choice(np.arange(1, 9), total, p=SIZE_P_REGISTERED),
        rng.choice(np.arange(1, 9), total, p=SIZE_P_OTHER),
    )
    head_age = np.clip(rng.normal(np.where(is_reg, 54, 49), 13), 24, 88).astype(int)
    # Single-person households are mostly elderly.
    head_age = np.where(
        (size == 1) & (rng.random(total) < 0.7), rng.integers(60, 89, total), head_age
    )
    return pd.DataFrame(
        {
            "household_id": household_id,
            "village_code": vcode,
            "township_code": villages["township_code"].to_numpy(dtype="U9")[vidx],
            "status": _cat(status, ("未脱贫", "已脱贫", "一般农户")),
            "exit_year": pd.array(np.where(exit_year < 0, None, exit_year), dtype="Int64"),
            "declared_size": size,
            "head_age": head_age,
        }
    )


_OLD_HEAD_REL = np.array(["之子", "之儿媳", "之孙子", "之孙女", "之女"])
_OLD_HEAD_P = np.array([0.34, 0.20, 0.22, 0.20, 0.04])
_YOUNG_HEAD_REL = np.array(["之子", "之女", "之父", "之母"])
_YOUNG_HEAD_P = np.array([0.46, 0.42, 0.05, 0.07])
_MALE_REL = {"之子", "之孙子", "之父"}


def _relations(rng, hh: pd.DataFrame, k: np.ndarray, hidx: np.ndarray):
    """Return relation labels, sex (True = male) and age of every member."""
    n = len(k)
    head_age = hh["head_age"].to_numpy()[hidx]
    size = hh["declared_size"].to_numpy()[hidx]
    reg = (hh["status"] != "一般农户").to_numpy()[hidx]
    head_male_h = rng.random(len(hh)) < np.where(hh["status"] != "一般农户", 0.82, 0.88)
    spouse_p = np.where(hh["head_age"].to_numpy() < 70, 0.88, 0.55)
    has_spouse_h = (rng.random(len(hh)) < spouse_p) & (hh["declared_size"].to_numpy() >= 2)
    head_male = head_male_h[hidx]
    has_spouse = has_spouse_h[hidx]

    old = head_age >= 58
    other_old = _OLD_HEAD_REL[rng.choice(len(_OLD_HEAD_REL), n, p=_OLD_HEAD_P)]
    other_young = _YOUNG_HEAD_REL[rng.choice(len(_YOUNG_HEAD_REL), n, p=_YOUNG_HEAD_P)]
    # Parents only for heads young enough to have living parents.
    other_young = np.where(
        (head_age > 60) & np.isin(other_young, ["之父", "之母"]), "之子", other_young
    )
    other = np.where(old, other_old, other_young)
    relation = np.where(k == 0, "户主", np.where((k == 1) & has_spouse, "配偶", other))

    male = np.isin(relation, list(_MALE_REL))
    male = np.where(relation == "户主", head_male, male)
    male = np.where(relation == "配偶", ~head_male, male)

    u = rng.random(n)
    child_young = np.floor(u * (head_age - 20 + 1))
    child_old = head_age - 20 - np.floor(u * 17)
    grandchild = np.floor(u * (np.maximum(head_age - 42, 0) + 1))
    parent = np.minimum(head_age + 20 + np.floor(u * 12), 96)
    spouse = np.clip(head_age + np.where(head_male, -2, 2) + np.round(rng.normal(0, 3, n)), 20, 95)
    age = np.select(
        [
            relation == "户主",
            relation == "配偶",
            np.isin(relation, ["之孙子", "之孙女"]),
            np.isin(relation, ["之父", "之母"]),
            old,
        ],
        [head_age, spouse, grandchild, parent, child_old],
        child_young,
    ).astype(int)
    del size, reg
    return relation, male, age


def _schooling(rng, age: np.ndarray):
    """Return (education, school_status) consistent with age; exactly one is meaningful."""
    n = len(age)
    u = rng.random(n)
    school = np.full(n, "非在校生", dtype="U12")
    school = np.where(age < 3, "", school)
    school = np.where((age >= 3) & (age <= 5) & (u < 0.8), "学前教育", school)
    school = np.where((age >= 3) & (age <= 5) & (u >= 0.8), "", school)
    school = np.where((age >= 6) & (age <= 11), "小学", school)
    school = np.where(age == 12, "七年级", school)
    school = np.where(age == 13, "八年级", school)
    school = np.where(age == 14, "九年级", school)
    grade15 = np.where(u < 0.45, "九年级", np.where(u < 0.88, "普通高中一年级", "中职一年级"))
    school = np.where(age == 15, grade15, school)
    hs = {16: "普通高中二年级", 17: "普通高中三年级"}
    for a, label in hs.items():
        school = np.where((age == a) & (u < 0.72), label, school)
    school = np.where((age >= 18) & (age <= 21) & (u < 0.32), "高职高专二年级", school)
    school = np.where((age >= 18) & (age <= 22) & (u >= 0.32) & (u < 0.45), "本科及以上", school)

    cohort = np.select(
        [age < 6, age >= 70, age >= 55, age >= 40, age >= 25],
        [0, 1, 2, 3, 4],
        5,
    )
    # Attained education by cohort: 文盲或半文盲, 小学, 初中, 高中, 中专, 大专, 本科及以上
    edu_labels = np.array(["文盲或半文盲", "小学", "初中", "高中", "中专", "大专", "本科及以上"])
    cohort_p = np.array(
        [
            [1, 0, 0, 0, 0, 0, 0],  # unused for children (set below)
            [0.55, 0.35, 0.08, 0.02, 0.0, 0.0, 0.0],
            [0.22, 0.45, 0.26, 0.06, 0.01, 0.0, 0.0],
            [0.06, 0.34, 0.45, 0.11, 0.03, 0.01, 0.0],
            [0.02, 0.12, 0.52, 0.17, 0.07, 0.07, 0.03],
            [0.01, 0.04, 0.50, 0.22, 0.10, 0.09, 0.04],
        ]
    )
    edu = edu_labels[choice_rows(rng, cohort_p[cohort])]
    edu = np.where(age < 6, "学龄前儿童", edu)
    # Young non-students: at least 初中 (they passed compulsory school).
    edu = np.where((age >= 16) & (age <= 30) & np.isin(edu, ["文盲或半文盲", "小学"]), "初中", edu)
    in_school = (school != "") & (school != "非在校生")
    education = np.where(in_school, "", edu)
    return education, school


def _health(rng, age: np.ndarray, reg: np.ndarray):
    n = len(age)
    f = np.where(reg, 1.8, 1.0)
    chronic = rng.random(n) < np.clip(np.where(age >= 45, 0.13, 0.02) * f, 0, 0.6)
    major = rng.random(n) < np.clip(np.where(age >= 40, 0.02, 0.004) * f, 0, 0.2)
    disabled = rng.random(n) < np.clip(np.where(age >= 60, 0.06, 0.02) * f, 0, 0.3)
    parts = np.where(disabled, "残疾", "")
    parts = np.where(major, np.where(parts != "", np.char.add(parts, ",大病"), "大病"), parts)
    parts = np.where(
        chronic & ~major,
        np.where(parts != "", np.char.add(parts, ",长期慢性病"), "长期慢性病"),
        parts,
    )
    health = np.where(parts == "", "健康", parts)
    return health, chronic & ~major, major, disabled


def _labour(rng, age, ill, major, disabled):
    n = len(age)
    working = (age >= 16) & (age <= 65)
    u = rng.random(n)
    cap = np.where(u < 0.82, "普通劳动力", "技能劳动力")
    cap = np.where(working & ill & (u < 0.5), "弱劳动力或半劳动力", cap)
    cap = np.where(working & (major | disabled) & (u < 0.6), "丧失劳动力", cap)
    cap = np.where(age < 16, "无劳动力", cap)
    cap = np.where(age > 65, np.where(u < 0.6, "无劳动力", "弱劳动力或半劳动力"), cap)
    able = np.isin(cap, ["普通劳动力", "技能劳动力"])
    away = able & (age >= 18) & (age <= 55) & (rng.random(n) < 0.42)
    months = np.where(away, rng.integers(3, 12, n), 0).astype(float)
    return cap, months


def build_members(rng, hh: pd.DataFrame, county_code: str, reference_date) -> pd.DataFrame:
    """Draw the members of every household (declared_size rows each, exactly one head).

    Returns
    -------
    DataFrame
        Member columns of :data:`audit.schema.MEMBERS`, clean and consistent.
    """
    size = hh["declared_size"].to_numpy()
    hidx = np.repeat(np.arange(len(hh)), size)
    k = np.arange(len(hidx)) - np.repeat(np.cumsum(size) - size, size)
    n = len(hidx)
    reg = (hh["status"] != "一般农户").to_numpy()[hidx]
    relation, male, age = _relations(rng, hh, k, hidx)

    ref = np.datetime64(reference_date, "D")
    birth = (
        ref
        - (age * 365.25).astype("timedelta64[D]")
        - rng.integers(0, 365, n).astype("timedelta64[D]")
    )
    age = age_on(pd.Series(birth.astype("datetime64[us]")), reference_date).to_numpy(dtype=int)
    # Sequence numbers: unique per (birth date, sex), odd for men.
    order = rng.permutation(n)
    key = pd.DataFrame({"b": birth.astype("int64")[order], "m": male[order]})
    rank = np.empty(n, dtype=np.int64)
    rank[order] = key.groupby(["b", "m"], sort=False).cumcount().to_numpy()
    if rank.max() >= 500:
        raise ValueError(
            "too many people share a birth date for 3-digit ID sequences; "
            "lower --scale or use more counties"
        )
    person_id = make_ids(np.full(n, county_code), birth, 2 * rank + male.astype(int))

    fam = surnames(rng, len(hh))[hidx]
    own = surnames(rng, n)
    blood = np.isin(relation, ["户主", "之子", "之女", "之孙子", "之孙女", "之父"])
    name = np.char.add(np.where(blood, fam, own), given_names(rng, male))

    education, school = _schooling(rng, age)
    health, chronic, major, disabled = _health(rng, age, reg)
    labour, months = _labour(rng, age, chronic, major, disabled)
    ill = chronic | major
    insurance = np.where(
        rng.random(n) < np.where(months > 0, 0.04, 0.015),
        "职工基本医疗保险",
        "城乡居民基本医疗保险",
    )
    phone = np.char.add("1", rng.choice(np.array(["3", "5", "8", "9"]), n))
    phone = np.char.add(phone, np.char.zfill(rng.integers(0, 10**9, n).astype("U9"), 9))
    adult = age >= 18

    return pd.DataFrame(
        {
            "person_id": person_id,
            "household_id": hh["household_id"].to_numpy()[hidx],
            "name": name,
            "relation": relation,
            "sex": np.where(male, "男", "女"),
            "birth_date": birth.astype("datetime64[us]"),
            "ethnicity": np.where(rng.random(n) < 0.006, "回族", "汉族"),
            "education": pd.Series(education).replace("", np.nan).to_numpy(),
            "school_status": pd.Series(school).replace("", np.nan).to_numpy(),
            "health": health,
            "disability_certificate": disabled & (rng.random(n) < 0.97),
            "chronic_certificate": ill & (rng.random(n) < 0.96),
            "family_doctor": np.where(
                ill, rng.random(n) < 0.97, rng.random(n) < np.where(reg, 0.9, 0.7)
            ),
            "medical_insurance": insurance,
            "insurance_exemption": np.full(n, None),
            "premium_subsidy": pd.array(
                np.where(reg & (insurance == "城乡居民基本医疗保险"), True, None), dtype="boolean"
            ),
            "labour_capacity": labour,
            "months_away": months,
            "hukou_registered": np.ones(n, dtype=bool),
            "hukou_settled_date": np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"),
            "dibao": np.zeros(n, dtype=bool),
            "tekun": np.zeros(n, dtype=bool),
            "phone": np.where(adult & (rng.random(n) < 0.6), phone, None),
        }
    )
