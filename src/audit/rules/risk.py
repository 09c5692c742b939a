"""Return-to-poverty and new-poverty risk (防返贫监测, 四核四防 ② and ③), census-rules.md §C.

Source: the 2020 mechanism for preventing return to poverty (防止返贫监测和帮扶机制):
monitoring line 1.5 × the poverty line, essential expenditure above income, and
a sharp fall of income; 低保/特困 coverage (应保尽保); disability certificates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.rules.registry import as_outcome, rule

__all__ = ["at_risk"]

SOURCE_MONITOR = "防止返贫监测和帮扶机制（2020）"


def _monitored_scope(ctx) -> np.ndarray:
    """已脱贫 (返贫风险) and 一般农户 (致贫风险) households."""
    return np.isin(ctx.status, ["已脱贫", "一般农户"])


def _low_income(ctx) -> pd.Series:
    line = ctx.settings.income.poverty_line * ctx.settings.income.monitoring_multiple
    return ctx.households["net_income_per_capita"].astype("Float64") < line


def _high_expenditure(ctx) -> pd.Series:
    hh = ctx.households
    return hh["essential_expenditure"].astype("Float64") > hh["net_income"].astype("Float64")


def _income_drop(ctx) -> pd.Series:
    hh = ctx.households
    prev = hh["prev_net_income_per_capita"].astype("Float64")
    now = hh["net_income_per_capita"].astype("Float64")
    drop = (prev - now) / prev
    return (drop > ctx.settings.income.income_drop).mask(prev <= 0, False)


def at_risk(ctx) -> pd.Series:
    """Households meeting any of RISK-01..03 (in the monitored scope)."""
    risk = _low_income(ctx).fillna(False) | _high_expenditure(ctx).fillna(False)
    risk = risk | _income_drop(ctx).fillna(False)
    return risk.where(_monitored_scope(ctx), False)


@rule("RISK-01", "收入低于监测线", "人均纯收入{value}元，低于监测线{monitoring_line}元",
      severity="warning", group="风险监测", level="household", section="C",
      source=SOURCE_MONITOR, fields=("net_income_per_capita",))  # fmt: skip
def low_income(ctx):
    """Per-capita net income below 1.5 × the poverty line (已脱贫 and 一般农户)."""
    fails = _low_income(ctx).where(_monitored_scope(ctx), False)
    return as_outcome(fails, ctx.households["net_income_per_capita"])


@rule("RISK-02", "刚性支出超过收入", "刚性支出{value}元超过家庭纯收入", severity="warning",
      group="风险监测", level="household", section="C", source=SOURCE_MONITOR,
      fields=("essential_expenditure", "net_income"))  # fmt: skip
def expenditure_above_income(ctx):
    """Essential expenditure exceeds the household's net income."""
    fails = _high_expenditure(ctx).where(_monitored_scope(ctx), False)
    return as_outcome(fails, ctx.households["essential_expenditure"])


@rule("RISK-03", "收入大幅下降", "人均纯收入较上年下降{value}", severity="warning",
      group="风险监测", level="household", section="C", source=SOURCE_MONITOR,
      fields=("net_income_per_capita", "prev_net_income_per_capita"))  # fmt: skip
def income_drop(ctx):
    """Income fell by more than the setting (30 %) compared with the previous record."""
    hh = ctx.households
    prev = hh["prev_net_income_per_capita"].astype("Float64")
    share = ((prev - hh["net_income_per_capita"]) / prev * 100).round(0)
    value = share.astype("string") + "%"
    return as_outcome(_income_drop(ctx).where(_monitored_scope(ctx), False), value)


@rule("RISK-04", "监测对象未纳入", "存在返贫致贫风险，但未纳入监测对象", severity="error",
      group="风险监测", level="household", section="C", source=SOURCE_MONITOR,
      fields=("monitoring_type", "net_income_per_capita", "essential_expenditure",
              "prev_net_income_per_capita"))  # fmt: skip
def unmonitored_risk(ctx):
    """A household meeting RISK-01..03 is not flagged as a monitored household."""
    return as_outcome(at_risk(ctx) & ctx.households["monitoring_type"].isna())


@rule("SOC-01", "应保未保",
      "人均纯收入{value}元低于低保标准{dibao_line}元，家庭成员均未享受低保或特困供养",
      severity="error", group="兜底保障", level="household", section="C",
      source="社会救助暂行办法（应保尽保）",
      fields=("net_income_per_capita", "dibao", "tekun"))  # fmt: skip
def uncovered_minimum_living(ctx):
    """Income below the 低保 line and no member receives 低保 or 特困 support."""
    m = ctx.members
    covered = ctx.any_by_household(m["dibao"].fillna(False) | m["tekun"].fillna(False))
    below = (
        ctx.households["net_income_per_capita"].astype("Float64") < ctx.settings.income.dibao_line
    )
    return as_outcome(below & ~covered, ctx.households["net_income_per_capita"])


@rule("DIS-01", "残疾人未持证", "登记为残疾，未办理残疾证", severity="error", group="兜底保障",
      level="person", section="C", source="残疾人证管理办法",
      fields=("health", "disability_certificate"))  # fmt: skip
def disability_certificate(ctx):
    """A member recorded as disabled has no disability certificate."""
    fails = ~ctx.members["disability_certificate"].astype("boolean")
    return as_outcome(fails.where(ctx.disabled, False))
