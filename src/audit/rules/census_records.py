"""Registry checks beside the census indicators (census-rules.md §A, non-critical).

Income composition, premium subsidy, chronic-disease certificates and family
doctors, relocation follow-up and missing housing grades: errors the census or
the data-quality ranking would flag, and one warning.
"""

from __future__ import annotations

import pandas as pd

from audit.rules.registry import as_outcome, rule

__all__ = []

SOURCE_HEALTH = "健康扶贫政策（参保资助、慢病签约服务）"
SOURCE_RELOCATION = "易地扶贫搬迁政策（两头占、两头跑）"


@rule("INC-02", "收入构成不合理", "纯收入{value}元与各项收入之和不符", severity="error",
      group="收入", level="household", section="A", source="建档立卡收入核算口径",
      fields=("net_income", "income_wage", "income_business", "income_property",
              "income_transfer", "business_expense"))  # fmt: skip
def income_composition(ctx):
    """Net income differs from wage + business + property + transfer − business expense."""
    hh = ctx.households
    parts = (hh["income_wage"] + hh["income_business"] + hh["income_property"]
             + hh["income_transfer"] - hh["business_expense"])  # fmt: skip
    off = (pd.Series(hh["net_income"] - parts).astype("Float64").abs()
           > ctx.settings.income.tolerance)  # fmt: skip
    return as_outcome(off.where(ctx.registered, False), hh["net_income"])


@rule("MED-02", "参保缴费资助未落实", "已参加城乡居民医保，但参保缴费资助未落实", severity="error",
      group="基本医疗", level="person", section="A", source=SOURCE_HEALTH,
      fields=("medical_insurance", "premium_subsidy"))  # fmt: skip
def subsidy_missing(ctx):
    """An insured member of an entitled (registered) household without the premium subsidy."""
    m = ctx.members
    entitled = m["medical_insurance"].eq("城乡居民基本医疗保险").to_numpy() & ctx.member_registered
    fails = ~m["premium_subsidy"].astype("boolean")
    return as_outcome(fails.where(entitled, False))


@rule("MED-03", "慢病未办理门诊慢特病证", "患有慢性病或大病，未办理门诊慢特病证", severity="error",
      group="基本医疗", level="person", section="A", source=SOURCE_HEALTH,
      fields=("health", "chronic_certificate"))  # fmt: skip
def chronic_certificate(ctx):
    """A chronically or seriously ill member without the outpatient certificate."""
    fails = ~ctx.members["chronic_certificate"].astype("boolean")
    return as_outcome(fails.where(ctx.ill & ctx.member_registered, False))


@rule("MED-04", "慢病患者未签约家庭医生", "慢病患者未签约家庭医生", severity="warning",
      group="基本医疗", level="person", section="A", source=SOURCE_HEALTH,
      fields=("health", "family_doctor"))  # fmt: skip
def family_doctor(ctx):
    """A chronically ill member without a signed family doctor."""
    fails = ~ctx.members["family_doctor"].astype("boolean")
    return as_outcome(fails.where(ctx.ill & ctx.member_registered, False))


@rule("HOUSE-03", "搬迁户旧房未拆除", "易地扶贫搬迁户旧房未拆除（两头占）", severity="error",
      group="住房安全", level="household", section="A", source=SOURCE_RELOCATION,
      fields=("relocated", "old_house_demolished"))  # fmt: skip
def old_house_kept(ctx):
    """A relocated household still holds the old house."""
    hh = ctx.households
    relocated = hh["relocated"].astype("boolean").fillna(False).to_numpy() & ctx.registered
    fails = ~hh["old_house_demolished"].astype("boolean")
    return as_outcome(fails.where(relocated, False))


@rule(
    "HOUSE-04",
    "住房信息缺失",
    "未登记住房安全等级",
    severity="error",
    group="住房安全",
    level="household",
    section="A",
    source="建档立卡信息采集规范",
    fields=("house_grade",),
)
def house_grade_missing(ctx):
    """No housing grade recorded (unless relocated and moved in)."""
    hh = ctx.households
    moved = hh["relocated"].astype("boolean") & hh["relocation_moved_in"].astype("boolean")
    fails = hh["house_grade"].isna() & ~moved.fillna(False)
    return as_outcome(pd.Series(fails).where(ctx.registered, False))
