"""County-level records: village hardware, projects and funds, problems, complaints, quality scores.

These figures belong to the county and do not scale with ``--scale``:
28 water points in 15 villages, 32 km of pipes, 328 km + 51 km of roads,
275 projects in 3 categories with 35,900 万元 (about 30 % started), 25
problems (4 rectified), 7 complaints (6 untrue).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from audit.codes import ENUMS, OWNER_UNITS
from audit.synth.draw import pick_exact, split_integer

__all__ = ["build_villages", "complaints", "problems", "projects", "quality_scores"]


def _spread_tenths(rng, total_km: float, n_villages: int, n_all: int, weights) -> np.ndarray:
    """Spread ``total_km`` (to 0.1 km, exactly) over ``n_villages`` villages picked by weight."""
    chosen = pick_exact(rng, weights, n_villages)
    km = np.zeros(n_all)
    km[chosen] = split_integer(rng, round(total_km * 10), n_villages, 3) / 10
    return km


def build_villages(rng, ref_villages: pd.DataFrame, scenario) -> pd.DataFrame:
    """Village table with the poor-village flag and hardware gaps of the scenario."""
    v = ref_villages[["village_code", "name", "township_code", "urban_rural_code"]].copy()
    n = len(v)
    rural = v["urban_rural_code"].isin(["210", "220", "122"]).to_numpy()
    committee = v["village_code"].str.slice(9, 10).eq("2").to_numpy()
    poor = pick_exact(
        rng,
        (rural & committee).astype(float) * rng.uniform(0.5, 1.5, n),
        round(0.5 * (rural & committee).sum()),
    )
    w_rural = rural.astype(float) * np.where(poor, 2.0, 1.0)

    water_villages = pick_exact(rng, w_rural, scenario.water_point_villages)
    points = np.zeros(n, dtype=int)
    points[water_villages] = split_integer(
        rng, scenario.water_points, scenario.water_point_villages, 1
    )
    few = np.zeros(n, dtype=bool)
    few[rng.choice(np.flatnonzero(rural), 6, replace=False)] = True
    v = v.assign(
        poor_village=poor,
        road_hardened=True,
        power_grid=True,
        broadband=~(few & (np.arange(n) % 2 == 0)),
        clinic=True,
        village_doctor=~(few & (np.arange(n) % 2 == 1)),
        water_points_to_fix=points,
        # Pipes to repair belong to villages whose supply points are being rebuilt.
        pipe_km_to_fix=_spread_tenths(
            rng, scenario.pipe_km, min(12, scenario.water_point_villages), n, points > 0
        ),
        road_km_to_harden=_spread_tenths(rng, scenario.road_km, 120, n, w_rural),
        road_km_disrepair=_spread_tenths(rng, scenario.road_km_disrepair, 20, n, w_rural),
        collective_income=np.where(rng.random(n) < 0.05, 0.0, rng.lognormal(1.2, 0.8, n).round(2)),
    )
    return v


def _exact_money(rng, total_wan: float, weights: np.ndarray) -> np.ndarray:
    """Allocate ``total_wan`` (万元, to 0.01) in proportion to weights, summing exactly."""
    cents = round(total_wan * 100)
    raw = weights / weights.sum() * cents
    base = np.floor(raw).astype(np.int64)
    rest = cents - base.sum()
    base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base / 100


_PROJECT_NAMES = {
    "产业发展类": [
        "养殖暖棚建设",
        "花椒产业提质增效",
        "中药材种植基地",
        "果园提质改造",
        "马铃薯良种繁育",
        "扶贫车间建设",
        "光伏扶贫电站维护",
    ],
    "基础设施类": [
        "村组道路硬化",
        "安全饮水巩固提升",
        "管网延伸改造",
        "危房改造",
        "产业路建设",
        "便民桥建设",
        "易地搬迁安置点配套",
    ],
    "公共服务类": [
        "村卫生室标准化建设",
        "村级幼儿园建设",
        "文化广场建设",
        "村级综合服务中心",
        "教学点改造",
        "养老服务站",
    ],
}
_CATEGORY_UNIT = {
    "产业发展类": "农业农村局",
    "基础设施类": "交通运输局",
    "公共服务类": "发展和改革局",
}


def projects(
    rng, villages: pd.DataFrame, scenario, year: int, reference_date, county_code: str
) -> pd.DataFrame:
    """Draw 275 projects in 3 categories, 35,900 万元 in all, about 30 % started."""
    n = scenario.projects
    cats = np.array(ENUMS["project_category"])
    counts = np.array([0.5, 0.34, 0.16]) * n
    counts = np.floor(counts).astype(int)
    counts[0] += n - counts.sum()
    category = np.repeat(cats, counts)
    scale = np.select([category == "基础设施类", category == "产业发展类"], [220.0, 90.0], 70.0)
    budget = _exact_money(rng, scenario.project_budget_wan, scale * rng.lognormal(0, 0.7, n))
    mode = np.where(
        budget < 20,
        "一事一议",
        np.where(
            category == "基础设施类", "工程类", np.where(rng.random(n) < 0.5, "采购类", "工程类")
        ),
    )
    vidx = rng.integers(0, len(villages), n)
    started_n = round(n * scenario.projects_started_share)
    started = pick_exact(rng, np.ones(n), started_n)
    done = started & (rng.random(n) < 0.1)
    ref = np.datetime64(reference_date, "D")
    planned_start = np.datetime64(f"{year}-02-20") + rng.integers(0, 110, n).astype(
        "timedelta64[D]"
    )
    actual = np.where(
        started,
        np.minimum(
            planned_start + rng.integers(-10, 20, n).astype("timedelta64[D]"),
            ref - np.timedelta64(1, "D"),
        ),
        np.datetime64("NaT"),
    )
    label = np.array(
        [
            _PROJECT_NAMES[c][i % len(_PROJECT_NAMES[c])]
            for c, i in zip(category, rng.integers(0, 100, n), strict=True)
        ]
    )
    vnames = villages["name"].to_numpy(dtype=str)[vidx]
    return pd.DataFrame(
        {
            "project_id": [f"{county_code}-{year}XM{i + 1:04d}" for i in range(n)],
            "name": np.char.add(
                np.char.replace(np.char.replace(vnames, "村民委员会", "村"), "居民委员会", "社区"),
                label,
            ),
            "category": category,
            "mode": mode,
            "township_code": villages["township_code"].to_numpy()[vidx],
            "village_code": villages["village_code"].to_numpy()[vidx],
            "budget": budget,
            "status": np.where(done, "已完工", np.where(started, "已开工", "未开工")),
            "planned_start": planned_start.astype("datetime64[us]"),
            "actual_start": actual.astype("datetime64[us]"),
            "planned_end": (
                planned_start + rng.integers(60, 200, n).astype("timedelta64[D]")
            ).astype("datetime64[us]"),
            "owner_unit": [_CATEGORY_UNIT[c] for c in category],
        }
    )


_PROBLEM_TEXT = {
    "义务教育": "适龄儿童失学辍学排查不彻底，劝返台账不完整",
    "安全住房": "危房改造进度滞后，部分农户仍居住在C/D级危房",
    "基本医疗": "贫困人口参保缴费资助政策未落实到位",
    "安全饮水": "集中供水点老化失修，部分农户季节性缺水",
    "产业培育": "产业项目开工率低，带贫益贫机制不健全",
    "就业扶贫": "外出务工人员稳岗措施落实不到位",
    "村组道路": "村组道路“畅返不畅”问题未及时整治",
    "易地扶贫搬迁": "搬迁户入住率不高，旧房拆除不及时",
    "兜底保障": "符合条件的困难群众未及时纳入低保",
    "东西部扶贫协作和定点帮扶": "协作项目落地慢，消费扶贫措施不实",
}


def problems(
    rng, villages: pd.DataFrame, scenario, year: int, reference_date, county_code: str
) -> pd.DataFrame:
    """Draw the year's problem list: ten categories, owner, deadline; a few rectified."""
    n = scenario.problems
    cats = np.array(ENUMS["problem_category"])
    category = (
        np.concatenate([cats, rng.choice(cats, n - len(cats))])
        if n >= len(cats)
        else rng.choice(cats, n, replace=False)
    )
    category = category[rng.permutation(n)]
    vidx = rng.integers(0, len(villages), n)
    ref = dt.date.fromisoformat(str(reference_date))
    found = np.datetime64(f"{year}-01-05") + rng.integers(
        0, (ref - dt.date(year, 1, 5)).days, n
    ).astype("timedelta64[D]")
    deadline = np.where(
        np.isin(category, ["基本医疗"]),
        np.datetime64(f"{year}-04-05"),
        np.where(
            rng.random(n) < 0.3, np.datetime64(f"{year}-04-30"), np.datetime64(f"{year}-06-30")
        ),
    )
    rectified = pick_exact(rng, np.ones(n), scenario.problems_rectified)
    in_progress = ~rectified & (rng.random(n) < 0.5)
    rect_date = np.where(
        rectified,
        np.minimum(
            found + rng.integers(10, 40, n).astype("timedelta64[D]"),
            np.datetime64(ref) - np.timedelta64(1, "D"),
        ),
        np.datetime64("NaT"),
    )
    return pd.DataFrame(
        {
            "problem_id": [f"{county_code}-{year}WT{i + 1:03d}" for i in range(n)],
            "source": rng.choice(ENUMS["problem_source"], n, p=[0.2, 0.3, 0.35, 0.15]),
            "category": category,
            "township_code": villages["township_code"].to_numpy()[vidx],
            "village_code": villages["village_code"].to_numpy()[vidx],
            "description": [_PROBLEM_TEXT[c] for c in category],
            "found_date": found.astype("datetime64[us]"),
            "deadline": deadline.astype("datetime64[us]"),
            "owner_unit": [OWNER_UNITS[c] for c in category],
            "status": np.where(rectified, "已整改", np.where(in_progress, "整改中", "未整改")),
            "rectified_date": rect_date.astype("datetime64[us]"),
        }
    )


def complaints(rng, villages: pd.DataFrame, scenario, year: int, county_code: str) -> pd.DataFrame:
    """Complaints forwarded by province and city this year; most proved untrue."""
    n = scenario.complaints
    untrue = pick_exact(rng, np.ones(n), scenario.complaints_untrue)
    cats = np.array(["兜底保障", "安全住房", "基本医疗", "产业培育", "易地扶贫搬迁"])
    category = rng.choice(cats, n)
    vidx = rng.integers(0, len(villages), n)
    summary = {
        "兜底保障": "反映本村低保评定不公",
        "安全住房": "反映危房改造补助未兑现",
        "基本医疗": "反映医疗报销比例不落实",
        "产业培育": "反映产业奖补资金被截留",
        "易地扶贫搬迁": "反映搬迁安置房分配不公",
    }
    return pd.DataFrame(
        {
            "complaint_id": [f"{county_code}-{year}XF{i + 1:02d}" for i in range(n)],
            "source": rng.choice(ENUMS["complaint_source"], n),
            "township_code": villages["township_code"].to_numpy()[vidx],
            "village_code": villages["village_code"].to_numpy()[vidx],
            "category": category,
            "summary": [summary[c] for c in category],
            "received_date": (
                np.datetime64(f"{year}-01-10") + rng.integers(0, 70, n).astype("timedelta64[D]")
            ).astype("datetime64[us]"),
            "finding": np.where(untrue, "不属实", "属实"),
        }
    )


def quality_scores(rng, factor: pd.Series) -> pd.DataFrame:
    """Last year's four quarterly data-quality scores: good in Q1–Q3, falling in Q4.

    Townships with more planted defects (a larger ``factor``) score lower.
    """
    n = len(factor)
    base = 98.5 - 0.8 * np.log1p(factor.to_numpy()) + rng.normal(0, 0.3, n)
    q = {
        f"quality_q{i}": np.clip(base + rng.normal(0, 0.25, n), 90, 99.9).round(1)
        for i in (1, 2, 3)
    }
    q["quality_q4"] = np.clip(
        base - rng.uniform(2.0, 6.0, n) * factor.to_numpy() ** 0.3, 80, 99
    ).round(1)
    return pd.DataFrame({"township_code": factor.index, **q})
