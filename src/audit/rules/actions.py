"""一户一策: the actions each failing household needs, with owner unit and deadline.

Each finding maps to an action (e.g. MED-01 → 办理参保 by 医保局 within
``deadlines.insurance_days`` days; HOUSE-01 → 危房改造 by 住建局 and the township
by ``deadlines.final`` with the renovation subsidy; ID-04 → 落户登记 by 公安局 by
``deadlines.hukou``). Deadlines and subsidies come from the settings.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["ACTIONS", "action_plans", "action_totals"]

#: rule id → (action, owner unit, deadline key: a ``deadlines`` setting or "insurance_days").
ACTIONS: dict[str, tuple[str, str, str]] = {
    "INC-01": ("产业就业帮扶增收", "农业农村局、人社局", "final"),
    "FOOD-01": ("落实临时救助，保障口粮", "民政局", "insurance_days"),
    "CLOTH-01": ("落实临时救助，保障衣被", "民政局", "insurance_days"),
    "EDU-01": ("控辍保学劝返复学或送教上门", "教育局", "final"),
    "MED-01": ("办理基本医疗保险参保", "医保局", "insurance_days"),
    "MED-02": ("落实参保缴费资助", "医保局", "insurance_days"),
    "MED-03": ("办理门诊慢特病证", "医保局", "final"),
    "MED-04": ("签约家庭医生", "卫健局", "final"),
    "HOUSE-01": ("危房改造", "住建局、乡镇人民政府", "final"),
    "HOUSE-02": ("督促搬迁入住", "发展和改革局、乡镇人民政府", "final"),
    "HOUSE-03": ("拆除旧房", "乡镇人民政府", "final"),
    "WATER-01": ("饮水安全巩固提升", "水务局", "final"),
    "WATER-02": ("水质检测与净化", "水务局", "final"),
    "WATER-03": ("自来水入户", "水务局", "final"),
    "WATER-04": ("提高供水保证率", "水务局", "final"),
    "ID-04": ("办理落户登记", "公安局", "hukou"),
    "SOC-01": ("纳入低保或特困供养", "民政局", "final"),
    "DIS-01": ("办理残疾人证", "残联", "final"),
    "RISK-04": ("纳入防返贫监测对象", "乡村振兴局、乡镇人民政府", "final"),
    "CONS-08": ("落实帮扶责任人", "乡镇人民政府", "insurance_days"),
}
#: Priority groups (四类对象) get the higher renovation subsidy.
PRIORITY_ATTRIBUTES = ("一般贫困户", "低保贫困户", "特困供养贫困户")


def _deadline(key: str, settings) -> dt.date:
    d = settings.deadlines
    if key == "insurance_days":
        return settings.audit.reference_date + dt.timedelta(days=d.insurance_days)
    return getattr(d, key)


def action_plans(findings: pd.DataFrame, dataset, settings) -> pd.DataFrame:
    """List the actions for every household with an actionable finding.

    Returns
    -------
    DataFrame
        One row per household × action: ``household_id, village_code,
        township_code, rule_id, action, owner_unit, deadline, people`` (members
        concerned; for household-level findings the household size) and
        ``subsidy`` (元, renovation only: 20,000 for 四类对象, 15,000 otherwise).
    """
    f = findings[findings["outcome"].eq("fail") & findings["rule_id"].isin(list(ACTIONS))]
    f = f[f["household_id"].notna()].assign(persons=f["person_id"].notna())
    g = f.groupby(["household_id", "rule_id"], observed=True)
    plans = g.agg(village_code=("village_code", "first"), township_code=("township_code", "first"),
                  persons=("persons", "sum"))  # fmt: skip
    plans = plans.reset_index()
    rule = plans["rule_id"].astype(str)
    plans["action"] = rule.map({k: v[0] for k, v in ACTIONS.items()})
    plans["owner_unit"] = rule.map({k: v[1] for k, v in ACTIONS.items()})
    deadlines = {k: _deadline(v[2], settings) for k, v in ACTIONS.items()}
    plans["deadline"] = pd.to_datetime(rule.map(deadlines)).astype("datetime64[us]")
    hh = dataset.households.set_index("household_id")
    size = hh["declared_size"].reindex(plans["household_id"]).to_numpy()
    plans["people"] = np.where(plans["persons"] > 0, plans["persons"], size)
    attr = hh["poverty_attribute"].reindex(plans["household_id"]).astype(str).to_numpy()
    h = settings.housing
    subsidy = np.where(np.isin(attr, PRIORITY_ATTRIBUTES), h.subsidy_priority, h.subsidy_other)
    plans["subsidy"] = np.where(rule == "HOUSE-01", subsidy, 0.0)
    cols = ["household_id", "village_code", "township_code", "rule_id", "action", "owner_unit",
            "deadline", "people", "subsidy"]  # fmt: skip
    return plans[cols].sort_values(["township_code", "village_code", "household_id", "rule_id"],
                                   ignore_index=True)  # fmt: skip


def action_totals(plans: pd.DataFrame) -> pd.DataFrame:
    """Sum the action plans per township: households, people, actions and subsidy (元)."""
    per_hh = plans.groupby(["township_code", "household_id"]).agg(people=("people", "max"))
    g = plans.groupby("township_code")
    return pd.DataFrame({
        "households": g["household_id"].nunique(),
        "people": per_hh.groupby("township_code")["people"].sum(),
        "actions": g.size(),
        "subsidy": g["subsidy"].sum(),
    }).reset_index()  # fmt: skip
