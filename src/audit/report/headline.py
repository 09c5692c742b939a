"""The first screen of a report (report-mockup.md): verdict, days left, 三率一度, indicators.

A verdict before numbers; every rate with its interval; every count with what
it is counted against; every action with an owner and a date.
"""

from __future__ import annotations

import html

import pandas as pd

from audit.report.tables import fmt_int, fmt_pct, fmt_rate_ci, html_table, show, tag, worst
from audit.rules.actions import ACTIONS, _deadline

__all__ = ["INDICATOR_ROWS", "headline", "indicator_table", "metric_cards"]

#: Report rows: (label, rule ids, count people instead of households).
INDICATOR_ROWS = (
    ("收入（一超过）", ("INC-01",), False),
    ("吃穿不愁", ("FOOD-01", "CLOTH-01"), False),
    ("义务教育", ("EDU-01",), False),
    ("基本医疗（参保）", ("MED-01",), False),
    ("参保缴费资助", ("MED-02",), False),
    ("住房安全", ("HOUSE-01", "HOUSE-02"), False),
    ("饮水安全", ("WATER-01", "WATER-02", "WATER-03", "WATER-04"), False),
    ("户籍", ("ID-04",), False),
)


def _metrics(ctx) -> pd.DataFrame:
    a = ctx.artifacts
    if ctx.is_county:
        return a.estimates
    by = a.estimates_by_township
    return by[by["township_code"].astype(str) == ctx.township_code]


def metric_cards(ctx):
    """The four exit metrics (三率一度) with intervals and verdicts, as HTML cards."""
    cards = []
    for row in _metrics(ctx).itertuples(index=False):
        sign = "<" if row.direction == "max" else ">"
        cards.append(
            f'<div class="metric"><div class="name">{html.escape(row.name)}'
            f"（要求 {sign} {100 * row.threshold:g}%）</div>"
            f'<div class="value">{fmt_pct(row.estimate) if pd.notna(row.estimate) else "—"}'
            f'</div><div class="ci">95%区间 {_ci(row)} · 样本 {fmt_int(row.n)} 户</div>'
            f"<div>{tag(row.verdict)}</div></div>"
        )
    return show('<div class="metrics">' + "".join(cards) + "</div>")


def _ci(row) -> str:
    text = fmt_rate_ci(row.estimate, row.ci_low, row.ci_high)
    return text.split(" ", 1)[1] if " [" in text else "—"


def _owner(rule_ids) -> tuple[str, str]:
    owners = [ACTIONS[r][1] for r in rule_ids if r in ACTIONS]
    return (owners[0] if owners else "—"), (
        ACTIONS[rule_ids[0]][2] if rule_ids[0] in ACTIONS else ""
    )


def indicator_table(ctx):
    """Households failing each census indicator: recorded, predicted, owner and deadline."""
    f = ctx.findings
    fails = f[f["outcome"].eq("fail")]
    sim = ctx.artifacts.extra.get("simulation_by_indicator")
    rows = []
    for label, rule_ids, _ in INDICATOR_ROWS:
        sel = fails[fails["rule_id"].astype(str).isin(rule_ids)]
        households = sel["household_id"].nunique()
        people = sel["person_id"].nunique()
        owner, key = _owner(rule_ids)
        deadline = _deadline(key, ctx.settings) if key else None
        due = f"{deadline.month}月{deadline.day}日" if deadline else "—"
        if deadline and deadline < ctx.as_of and households:
            due = f'<span class="overdue">{due}</span>'
        predicted = "—"
        if sim is not None:
            p = sim[
                (sim["indicator"].isin(rule_ids)) & (sim["code"] == (ctx.township_code or "county"))
            ]
            if len(p):
                predicted = fmt_int(p["expected"].sum())
        count = fmt_int(households) + (f"（{fmt_int(people)}人）" if people else "")
        rows.append((label, count, predicted, owner, due))
    table = pd.DataFrame(
        rows, columns=["指标", "记录在案（户）", "预计普查发现（户）", "责任单位", "时限"]
    )
    return show(html_table(table, numeric=("记录在案（户）", "预计普查发现（户）"), raw=("时限",)))


def headline(ctx):
    """The first screen: the verdict, the four metrics, the indicators table."""
    metrics = _metrics(ctx)
    status = ctx.own(ctx.artifacts.status)
    failing = int((status["census"] == "fail").sum())
    wrong_exit = int(status["wrong_exit"].sum())
    verdict = worst(list(metrics["verdict"]) + (["风险"] if failing else []))
    sim = ctx.artifacts.extra.get("simulation_summary")
    if sim is not None and len(sim[sim["code"] == (ctx.township_code or "county")]):
        s = sim[sim["code"] == (ctx.township_code or "county")].iloc[0]
        forecast = (
            f"预计普查发现问题户 <b>{fmt_int(s['expected'])}</b> 户"
            f"（80%区间 {fmt_int(s['p10'])}–{fmt_int(s['p90'])}）"
        )
    else:
        forecast = f"记录在案的普查不达标户 <b>{fmt_int(failing)}</b> 户"
    registered = len(status)
    box = (
        f'<div class="verdict"><div class="light {verdict}">{tag(verdict)}</div>'
        f"<div>{forecast}，其中已脱贫户（错退风险）<b>{fmt_int(wrong_exit)}</b> 户；"
        f"建档立卡户共 {fmt_int(registered)} 户。"
        f"距6月30日还有 <b>{ctx.days_left}</b> 天。</div></div>"
    )
    return show(box, metric_cards(ctx).data, indicator_table(ctx).data)
