"""Household structure checks (census-rules.md §D, HH-01..05): head, size, relations, ages."""

from __future__ import annotations

import pandas as pd

from audit.rules.registry import as_outcome, rule

__all__ = []

SOURCE = "建档立卡数据质量疑点（家庭成员关系）"
FEMALE_RELATIONS = ("之女", "之儿媳", "之孙女", "之外孙女", "之母", "之岳母", "之婆婆", "之祖母",
                    "之外祖母", "之曾孙女", "之侄女", "之兄弟媳妇")  # fmt: skip
MALE_RELATIONS = ("之子", "之女婿", "之孙子", "之外孙子", "之父", "之岳父", "之公公", "之祖父",
                  "之外祖父", "之曾孙子", "之侄儿")  # fmt: skip
CHILD_RELATIONS = ("之子", "之女")
PARENT_RELATIONS = ("之父", "之母", "之岳父", "之岳母", "之公公", "之婆婆")


@rule("HH-01", "无户主或多户主", "户内户主人数为{value}", severity="error", group="数据质量",
      level="household", section="D", source=SOURCE, fields=("relation",))  # fmt: skip
def head_count(ctx):
    """A household has no head, or more than one."""
    heads = ctx.count_by_household(ctx.members["relation"].eq("户主"))
    fails = (heads != 1) & (ctx.member_count > 0) & ctx.registered
    return as_outcome(pd.Series(fails), pd.Series(heads))


@rule("HH-02", "户人数不符", "登记户人数与家庭成员数（{value}）不符", severity="error",
      group="数据质量", level="household", section="D", source=SOURCE,
      fields=("declared_size",))  # fmt: skip
def size_mismatch(ctx):
    """Declared household size differs from the number of member rows."""
    size = ctx.households["declared_size"].astype("Float64")
    fails = (size != ctx.member_count) & (ctx.member_count > 0)
    return as_outcome(fails.where(ctx.registered, False), pd.Series(ctx.member_count))


@rule("HH-03", "空户", "户内没有家庭成员", severity="error", group="数据质量",
      level="household", section="D", source=SOURCE, fields=("household_id",))  # fmt: skip
def empty_household(ctx):
    """A household with no members."""
    return as_outcome(pd.Series((ctx.member_count == 0) & ctx.registered))


@rule("HH-04", "关系与性别矛盾", "与户主关系「{value}」与性别矛盾", severity="error",
      group="数据质量", level="person", section="D", source=SOURCE,
      fields=("relation", "sex"))  # fmt: skip
def relation_sex(ctx):
    """Relation contradicts sex (e.g. 儿媳 recorded male), or head and spouse of one sex."""
    m = ctx.members
    sex = m["sex"].astype("str")
    rel = m["relation"]
    wrong = (rel.isin(FEMALE_RELATIONS) & sex.eq("男")) | (rel.isin(MALE_RELATIONS) & sex.eq("女"))
    spouse = rel.eq("配偶") & sex.eq(ctx.head_value("sex").astype("str"))
    fails = (wrong | spouse).fillna(False)
    return as_outcome(fails.where(ctx.member_registered, False), rel.astype("str"))


@rule("HH-05", "代际年龄矛盾", "与户主年龄差不合理（{value}）", severity="warning",
      group="数据质量", level="person", section="D", source=SOURCE,
      fields=("relation", "birth_date"))  # fmt: skip
def generation_age(ctx):
    """A child not at least 12 years younger than the head, or a parent younger than the head."""
    m = ctx.members
    head_birth = ctx.head_value("birth_date")
    gap = (m["birth_date"] - head_birth).dt.days / 365.25
    rel = m["relation"]
    fails = (rel.isin(CHILD_RELATIONS) & (gap < 12)) | (rel.isin(PARENT_RELATIONS) & (gap > 0))

    def value(rows):
        years = gap.iloc[rows].round(0).astype("Int64").astype("str")
        return rel.iloc[rows].astype("str") + "比户主小" + years + "岁"

    return as_outcome(fails.fillna(False).where(ctx.member_registered, False), value)
