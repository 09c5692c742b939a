"""Consistency checks of the registry record (census-rules.md §D, CONS-01..08).

Source: the national poverty information system's 疑点 lists (age vs schooling,
labour capacity, cause of poverty, migrant work, income, 低保/特困 attributes,
required fields, helper cadres).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.rules.registry import as_outcome, rule

__all__ = []

SOURCE = "全国扶贫开发信息系统数据质量疑点"
HIGH_SCHOOL_UP = (
    "普通高中一年级", "普通高中二年级", "普通高中三年级", "中职一年级", "中职二年级", "中职三年级",
    "高职高专一年级", "高职高专二年级", "高职高专三年级", "本科及以上",
)  # fmt: skip
PRIMARY_OR_BELOW = ("学前教育", "小学")
NO_CAPACITY = ("无劳动力", "丧失劳动力")


def _person(ctx, mask, value=None):
    return as_outcome(pd.Series(mask).fillna(False).where(ctx.member_registered, False), value)


def _household(ctx, mask, value=None):
    return as_outcome(pd.Series(mask).fillna(False).where(ctx.registered, False), value)


@rule(
    "CONS-01",
    "年龄与在校状态矛盾",
    "{value}",
    severity="error",
    group="数据质量",
    level="person",
    section="D",
    source=SOURCE,
    fields=("birth_date", "school_status"),
)
def age_schooling(ctx):
    """Age ≤ 14 at 高中 or above; age ≥ 20 at 小学 or below; school status empty for 6–23."""
    age, status = ctx.age, ctx.members["school_status"]
    young = (age <= 14) & status.isin(HIGH_SCHOOL_UP)
    old = (age >= 20) & status.isin(PRIMARY_OR_BELOW)
    empty = age.between(6, 23) & status.isna()

    def text(rows):
        a, st = age.iloc[rows], status.iloc[rows]
        return a.astype("str") + "岁，在校状况为" + st.astype("str").fillna("空")

    return _person(ctx, young | old | empty, text)


@rule(
    "CONS-02",
    "劳动能力矛盾",
    "{value}",
    severity="error",
    group="数据质量",
    level="person",
    section="D",
    source=SOURCE,
    fields=("labour_capacity", "health", "months_away"),
)
def labour_capacity(ctx):
    """Empty for 16–65; healthy working-age recorded unable; unable but working away."""
    m, age = ctx.members, ctx.age
    cap = m["labour_capacity"]
    empty = age.between(16, 65) & cap.isna()
    healthy_unable = age.between(18, 60) & ctx.health.eq("健康") & cap.isin(NO_CAPACITY)
    unable_away = cap.isin(NO_CAPACITY) & (m["months_away"] > 0)

    def text(rows):
        out = np.where(
            healthy_unable.to_numpy()[rows], "健康劳动年龄人口登记为无劳动能力", "劳动能力为空"
        )
        return np.where(unable_away.to_numpy()[rows], "无劳动能力但外出务工", out)

    return _person(ctx, empty | healthy_unable | unable_away, text)


@rule("CONS-03", "致贫原因矛盾", "致贫原因为{value}，但家庭成员情况不符", severity="error",
      group="数据质量", level="household", section="D", source=SOURCE,
      fields=("main_cause", "health", "school_status"))  # fmt: skip
def cause_contradiction(ctx):
    """因病 with all members healthy; 因学 with no student; 因残 with no disabled member."""
    cause = ctx.households["main_cause"]
    ill = ctx.any_by_household(ctx.ill)
    student = ctx.any_by_household(ctx.in_school)
    disabled = ctx.any_by_household(ctx.disabled)
    fails = (
        (cause.eq("因病") & ~ill) | (cause.eq("因学") & ~student) | (cause.eq("因残") & ~disabled)
    )
    return _household(ctx, fails, cause.astype("str"))


@rule("CONS-04", "务工信息矛盾", "{value}", severity="error", group="数据质量",
      level="household", section="D", source=SOURCE,
      fields=("months_away", "income_wage"))  # fmt: skip
def work_contradiction(ctx):
    """Migrant months outside 0–12; wage income without a worker; a worker without wage income."""
    months = ctx.members["months_away"]
    bad_months = ctx.any_by_household(~months.between(0, 12) & months.notna())
    workers = ctx.any_by_household(months > 0)
    wage = ctx.households["income_wage"].astype("Float64")
    no_worker = (wage > 0) & ~workers
    no_wage = workers & (wage == 0)
    text = pd.Series("务工月数超出0–12", index=ctx.households.index)
    text = text.mask(no_worker.fillna(False), "有工资性收入但无务工人员")
    text = text.mask(no_wage.fillna(False), "有务工人员但无工资性收入")
    return _household(ctx, no_worker | no_wage | bad_months, text)


@rule("CONS-05", "收入异常", "人均纯收入{value}元，数值异常", severity="warning", group="数据质量",
      level="household", section="D", source=SOURCE,
      fields=("net_income_per_capita", "income_business", "business_expense"))  # fmt: skip
def implausible_income(ctx):
    """Per-capita net income ≤ 0, missing or implausibly high; business income without expense."""
    hh = ctx.households
    pc = hh["net_income_per_capita"].astype("Float64")
    odd = (pc <= 0) | (pc > ctx.settings.income.implausible_income) | pc.isna()
    no_expense = (hh["income_business"] > 0) & (hh["business_expense"] == 0)
    return _household(ctx, odd.fillna(True) | no_expense.fillna(False), pc)


@rule("CONS-06", "兜底属性矛盾", "{value}", severity="error", group="兜底保障",
      level="household", section="D", source=SOURCE,
      fields=("poverty_attribute", "dibao", "tekun", "labour_capacity"))  # fmt: skip
def support_contradiction(ctx):
    """低保户 without 低保 member; 特困户 with able working-age member; 低保 and 特困 at once."""
    m, hh = ctx.members, ctx.households
    attr = hh["poverty_attribute"]
    dibao_member = ctx.any_by_household(m["dibao"].fillna(False))
    able = m["labour_capacity"].isin(["普通劳动力", "技能劳动力"]) & ctx.age.between(16, 60)
    able_member = ctx.any_by_household(able.fillna(False))
    both = ctx.any_by_household(m["dibao"].fillna(False) & m["tekun"].fillna(False))
    no_dibao = attr.eq("低保贫困户") & ~dibao_member
    able_tekun = attr.eq("特困供养贫困户") & able_member
    text = pd.Series("成员同时享受低保和特困供养", index=hh.index)
    text = text.mask(no_dibao, "低保贫困户无成员享受低保").mask(
        able_tekun, "特困供养户有劳动能力成员"
    )
    return _household(ctx, no_dibao | able_tekun | both, text)


@rule("CONS-07", "必填项缺失", "必填项「{value}」为空", severity="error", group="数据质量",
      level="person", section="D", source=SOURCE,
      fields=("ethnicity", "education", "school_status", "health", "main_cause"))  # fmt: skip
def required_missing(ctx):
    """Ethnicity, education (non-students), health, or the household's main cause is empty.

    The helper cadre is checked by CONS-08 alone, so one missing field gives one finding.
    """
    m = ctx.members
    no_education = m["education"].isna() & ~ctx.in_school & (ctx.age >= 6).fillna(True)
    no_cause = pd.Series(ctx.household_value("main_cause")).isna() & m["relation"].eq("户主")
    checks = [("民族", m["ethnicity"].isna()), ("文化程度", no_education),
              ("健康状况", m["health"].isna()), ("主要致贫原因", no_cause)]  # fmt: skip
    masks = [(label, pd.Series(mask).fillna(False).to_numpy(dtype=bool)) for label, mask in checks]
    fails = np.logical_or.reduce([mask for _, mask in masks])

    def text(rows):
        parts = [np.where(mask[rows], label + "、", "") for label, mask in masks]
        return pd.Series(np.sum(np.array(parts, dtype=object), axis=0)).str.rstrip("、")

    return _person(ctx, fails, text)


@rule("CONS-08", "帮扶责任人缺失", "建档立卡户未落实帮扶责任人", severity="error",
      group="数据质量", level="household", section="D", source=SOURCE,
      fields=("helper_cadre",))  # fmt: skip
def helper_missing(ctx):
    """A registered household has no helper cadre (帮扶责任人)."""
    return _household(ctx, ctx.households["helper_cadre"].isna())
