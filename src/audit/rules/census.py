"""Census indicators (census-rules.md §A): 一超过、两不愁、三保障 and safe drinking water.

The indicators are defined once, on a *census view*: one row per household with
the fields an enumerator checks at the door (:data:`VIEW_COLUMNS`). The view is
built from the registry record (:func:`census_view`) or is a visit record as it
stands (the ``visits`` table has the same columns), so the same functions judge
registered households, visited households and non-registered households (漏评,
§B), and the census simulation.

Sources: 国家脱贫攻坚普查公报 No. 2 and No. 4 (2021) for the indicators and
ages 6–15 with 送教上门; 农村饮水安全评价准则 T/CHES 18-2018 for water
(quantity, quality, convenience, assurance).
"""

from __future__ import annotations

import pandas as pd

from audit.rules.context import COMPULSORY_OK
from audit.rules.registry import as_outcome, rule

__all__ = ["CENSUS_INDICATORS", "VIEW_COLUMNS", "census_view", "indicators"]

VIEW_COLUMNS = (
    "household_id", "net_income_per_capita", "food_secure", "clothing_ok", "dropouts",
    "uninsured", "house_safe", "relocated", "moved_in", "water_piped", "water_litres",
    "water_quality_ok", "water_trip_minutes", "water_shortage_days",
)  # fmt: skip
#: Critical census indicators in report order.
CENSUS_INDICATORS = ("INC-01", "FOOD-01", "CLOTH-01", "EDU-01", "MED-01", "HOUSE-01",
                     "HOUSE-02", "WATER-01", "WATER-02", "WATER-03", "WATER-04")  # fmt: skip
SOURCE_CENSUS = "国家脱贫攻坚普查公报（2021）"
SOURCE_WATER = "农村饮水安全评价准则 T/CHES 18-2018"


def _b(s) -> pd.Series:
    return pd.Series(s).astype("boolean")


def _f(s) -> pd.Series:
    return pd.Series(s).astype("Float64")


def dropout_mask(ctx) -> pd.Series:
    """Members of compulsory age not in school, not taught at home, not certified unable."""
    status = ctx.members["school_status"]
    fails = ~status.isin(COMPULSORY_OK) & ctx.compulsory_age
    return fails.astype("boolean").mask(ctx.compulsory_age & status.isna())


def uninsured_mask(ctx) -> pd.Series:
    """Members without basic medical insurance and without an accepted reason."""
    ins = ctx.members["medical_insurance"]
    fails = ins.eq("未参保") & ctx.members["insurance_exemption"].isna()
    return fails.astype("boolean").mask(ins.isna())


def house_safe(households: pd.DataFrame) -> pd.Series:
    """Judge housing safety: grade A/B, C/D rebuilt and accepted, or relocated and moved in."""
    grade = households["house_grade"]
    moved = _b(households["relocated"]) & _b(households["relocation_moved_in"])
    unsafe = grade.isin(["C", "D"]).astype("boolean") & ~_b(households["house_renovated"])
    safe = ~unsafe | moved.fillna(False)
    return safe.mask(grade.isna() & ~moved.fillna(False))


def _count_or_unknown(ctx, mask: pd.Series) -> pd.Series:
    counts = ctx.count_by_household(mask.fillna(False))
    unknown = ctx.any_by_household(mask.isna())
    return pd.Series(counts, dtype="Int64").mask(unknown & (counts == 0))


def census_view(ctx) -> pd.DataFrame:
    """Build the census view of every household from the registry record."""
    hh = ctx.households
    return pd.DataFrame({
        "household_id": hh["household_id"],
        "net_income_per_capita": hh["net_income_per_capita"],
        "food_secure": hh["food_secure"],
        "clothing_ok": hh["clothing_ok"],
        "dropouts": _count_or_unknown(ctx, dropout_mask(ctx)),
        "uninsured": _count_or_unknown(ctx, uninsured_mask(ctx)),
        "house_safe": house_safe(hh),
        "relocated": hh["relocated"],
        # Without the keys a family cannot move in yet: not HOUSE-02 (HOUSE-01 judges the house).
        "moved_in": _b(hh["relocation_moved_in"]).mask(_b(hh["relocation_keys"]).eq(False), True),
        "water_piped": hh["water_piped"],
        "water_litres": hh["water_litres"],
        "water_quality_ok": hh["water_quality_ok"],
        "water_trip_minutes": hh["water_trip_minutes"],
        "water_shortage_days": hh["water_shortage_days"],
    })  # fmt: skip


def indicators(view: pd.DataFrame, settings) -> pd.DataFrame:
    """Judge every census indicator on a census view.

    Parameters
    ----------
    view : DataFrame
        Columns :data:`VIEW_COLUMNS` (the record's view, or visits).
    settings : Settings

    Returns
    -------
    DataFrame
        One nullable boolean column per indicator of :data:`CENSUS_INDICATORS`
        (True fails, <NA> unknown), aligned with ``view``.
    """
    w = settings.water
    relocated = _b(view["relocated"]).fillna(False)
    piped = _b(view["water_piped"])
    return pd.DataFrame({
        "INC-01": _f(view["net_income_per_capita"]) <= settings.income.poverty_line,
        "FOOD-01": ~_b(view["food_secure"]),
        "CLOTH-01": ~_b(view["clothing_ok"]),
        "EDU-01": _f(view["dropouts"]) > 0,
        "MED-01": _f(view["uninsured"]) > 0,
        "HOUSE-01": ~_b(view["house_safe"]),
        "HOUSE-02": (relocated & ~_b(view["moved_in"])).mask(~relocated, False),
        "WATER-01": _f(view["water_litres"]) < w.litres_min,
        "WATER-02": ~_b(view["water_quality_ok"]),
        "WATER-03": ~piped & (_f(view["water_trip_minutes"]) > w.trip_minutes_max),
        "WATER-04": _f(view["water_shortage_days"]) > w.shortage_days_max,
    }, index=view.index).astype("boolean")  # fmt: skip


def _registered_only(ctx, fails: pd.Series) -> pd.Series:
    return _b(fails).where(ctx.registered, False)


def _indicator(ctx, rule_id: str) -> pd.Series:
    cache = ctx.__dict__.setdefault("_census_indicators", None)
    if cache is None:
        cache = indicators(census_view(ctx), ctx.settings)
        ctx.__dict__["_census_indicators"] = cache
    return _registered_only(ctx, cache[rule_id])


def _census_rule(id, name, message, group, fields, level="household", source=SOURCE_CENSUS):
    return rule(id, name, message, severity="critical", group=group, level=level, fields=fields,
                source=source, section="A", unknown_is_finding=True)  # fmt: skip


@_census_rule("INC-01", "人均纯收入未超过标准", "人均纯收入{value}元，未超过{poverty_line}元标准",
              "收入", ("net_income_per_capita",))  # fmt: skip
def income_below_line(ctx):
    """Per-capita net income at or below the poverty line."""
    return as_outcome(_indicator(ctx, "INC-01"), ctx.households["net_income_per_capita"])


@_census_rule("FOOD-01", "吃饭不愁未达标", "无稳定口粮来源或不能经常吃肉蛋奶豆", "吃",
              ("food_secure",))  # fmt: skip
def food_insecure(ctx):
    """No stable food source, or no meat/eggs/milk/soy products."""
    return as_outcome(_indicator(ctx, "FOOD-01"))


@_census_rule("CLOTH-01", "穿衣不愁未达标", "缺少四季衣物或冬季被褥", "穿", ("clothing_ok",))
def clothing_insecure(ctx):
    """Lacks seasonal clothes or winter bedding."""
    return as_outcome(_indicator(ctx, "CLOTH-01"))


@_census_rule("EDU-01", "义务教育阶段失学辍学",
              "{value}岁适龄儿童未在校、未送教上门、未经鉴定不具备学习条件", "义务教育",
              ("birth_date", "school_status"), level="person")  # fmt: skip
def school_dropout(ctx):
    """A member aged 6–15 not in school, not taught at home, not certified unable."""
    fails = dropout_mask(ctx).where(ctx.member_registered, False)
    return as_outcome(fails, ctx.age)


@_census_rule("MED-01", "未参加基本医疗保险", "未参加基本医疗保险且无合理原因", "基本医疗",
              ("medical_insurance", "insurance_exemption"), level="person")  # fmt: skip
def uninsured(ctx):
    """A member with no basic medical insurance and no accepted reason."""
    return as_outcome(uninsured_mask(ctx).where(ctx.member_registered, False))


@_census_rule("HOUSE-01", "住房不安全", "住房等级{value}，未完成改造验收且未搬迁入住", "住房安全",
              ("house_grade", "house_renovated", "relocated", "relocation_moved_in"))  # fmt: skip
def unsafe_house(ctx):
    """House graded C/D, not rebuilt and accepted, and not relocated into a new home."""
    return as_outcome(_indicator(ctx, "HOUSE-01"), ctx.households["house_grade"])


@_census_rule("HOUSE-02", "搬迁户未入住", "易地扶贫搬迁户已领钥匙但未入住", "住房安全",
              ("relocated", "relocation_keys", "relocation_moved_in"))  # fmt: skip
def relocated_not_moved_in(ctx):
    """A relocated household has the keys but has not moved in."""
    return as_outcome(_indicator(ctx, "HOUSE-02"))


@_census_rule("WATER-01", "饮水水量不达标", "人均日供水量{value}升，低于{litres_min}升",
              "饮水安全", ("water_litres",), source=SOURCE_WATER)  # fmt: skip
def water_quantity(ctx):
    """Water per person per day below the threshold."""
    return as_outcome(_indicator(ctx, "WATER-01"), ctx.households["water_litres"])


@_census_rule("WATER-02", "饮水水质不达标", "水质检测或感官检查不合格", "饮水安全",
              ("water_quality_ok",), source=SOURCE_WATER)  # fmt: skip
def water_quality(ctx):
    """Water quality fails."""
    return as_outcome(_indicator(ctx, "WATER-02"))


@_census_rule("WATER-03", "取水不方便",
              "未通自来水且取水往返{value}分钟，超过{trip_minutes_max}分钟", "饮水安全",
              ("water_piped", "water_trip_minutes"), source=SOURCE_WATER)  # fmt: skip
def water_access(ctx):
    """Not piped to the home and the round trip takes too long."""
    return as_outcome(_indicator(ctx, "WATER-03"), ctx.households["water_trip_minutes"])


@_census_rule("WATER-04", "供水保证率不达标", "年缺水{value}天，超过{shortage_days_max}天",
              "饮水安全", ("water_shortage_days",), source=SOURCE_WATER)  # fmt: skip
def water_assurance(ctx):
    """More days a year without enough water than the threshold."""
    return as_outcome(_indicator(ctx, "WATER-04"), ctx.households["water_shortage_days"])
