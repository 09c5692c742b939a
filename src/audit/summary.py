"""A short county summary of a Dataset: sizes and the headline figures of the registry.

Used by ``audit synth`` and ``audit demo`` to tell the analyst, in Chinese, what
was built or loaded. The figures are plain counts of the recorded layer; the
rule engine (:mod:`audit.rules`) gives the full findings.
"""

from __future__ import annotations

import pandas as pd

from audit.codes import REGISTERED
from audit.dataset import Dataset
from audit.textfmt import ljust, rjust

__all__ = ["county_summary", "format_summary"]


def county_summary(ds: Dataset) -> pd.DataFrame:
    """Return the headline figures as a frame with columns 项目, 数量, 单位.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    DataFrame
    """
    hh, m, v = ds.households, ds.members, ds.villages
    reg = hh["status"].isin(REGISTERED)
    reg_people = m[m["household_id"].isin(hh.loc[reg, "household_id"])]
    relocated_in = hh["relocated"].fillna(False) & hh["relocation_moved_in"].fillna(False)
    unsafe = (
        reg
        & hh["house_grade"].isin(["C", "D"])
        & ~hh["house_renovated"].fillna(False)
        & ~relocated_in
    )
    uninsured = (
        reg_people["medical_insurance"].eq("未参保") & reg_people["insurance_exemption"].isna()
    )
    no_subsidy = reg_people["medical_insurance"].eq("城乡居民基本医疗保险") & reg_people[
        "premium_subsidy"
    ].eq(False)
    no_hukou = m[m["hukou_registered"].eq(False)]
    no_hukou_towns = hh.loc[hh["household_id"].isin(no_hukou["household_id"]), "township_code"]
    started = ds.projects["status"].isin(["已开工", "已完工"])
    rows = [
        ("乡镇", len(ds.townships), "个"),
        ("行政村（社区）", len(v), "个"),
        ("农户总数", len(hh), "户"),
        ("建档立卡户", int(reg.sum()), "户"),
        ("  其中未脱贫户", int(hh["status"].eq("未脱贫").sum()), "户"),
        ("  其中已脱贫户", int(hh["status"].eq("已脱贫").sum()), "户"),
        ("一般农户", int(hh["status"].eq("一般农户").sum()), "户"),
        ("总人口", len(m), "人"),
        ("建档立卡人口", len(reg_people), "人"),
        ("危房（C/D级，未改造）", int(unsafe.sum()), "户"),
        ("未参加基本医疗保险的贫困人口", int(uninsured.sum()), "人"),
        ("未落实参保缴费资助的贫困人口", int(no_subsidy.sum()), "人"),
        ("无户籍人员", len(no_hukou), "人"),
        ("  涉及户数", no_hukou["household_id"].nunique(), "户"),
        ("  涉及乡镇", no_hukou_towns.nunique(), "个"),
        ("待改造集中供水点", int(v["water_points_to_fix"].sum()), "处"),
        ("  涉及行政村", int(v["water_points_to_fix"].gt(0).sum()), "个"),
        ("待维修管网", float(v["pipe_km_to_fix"].sum()), "公里"),
        ("待硬化村组道路", float(v["road_km_to_harden"].sum()), "公里"),
        ("畅返不畅道路", float(v["road_km_disrepair"].sum()), "公里"),
        ("扶贫项目", len(ds.projects), "个"),
        ("  项目资金", round(float(ds.projects["budget"].sum()), 2), "万元"),
        ("  已开工项目", int(started.sum()), "个"),
        ("各类问题", len(ds.problems), "个"),
        ("  已整改", int(ds.problems["status"].eq("已整改").sum()), "个"),
        ("信访投诉举报", len(ds.complaints), "件"),
        ("  不属实", int(ds.complaints["finding"].eq("不属实").sum()), "件"),
        ("入户核查记录", len(ds.visits), "户"),
    ]
    return pd.DataFrame(rows, columns=["项目", "数量", "单位"], dtype=object)


def format_summary(ds: Dataset) -> str:
    """Return :func:`county_summary` as aligned Chinese text for the terminal."""
    table = county_summary(ds)
    name = ds.meta.get("county_name") or ""
    head = f"{name} 数据概况（数据截至 {ds.meta.get('reference_date', '')}）"
    lines = [head, "─" * 36]
    for item, value, unit in table.itertuples(index=False):
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        lines.append(ljust(item, 30) + rjust(shown, 10) + " " + unit)
    return "\n".join(lines)
