"""The sections of a report after its first screen (report-mockup.md, items 2–8)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from audit.report.tables import fmt_int, fmt_pct, html_table, show
from audit.rules.actions import action_totals
from audit.rules.registry import RULES

NOTES = Path(__file__).with_name("method_notes.zh.txt")

__all__ = [
    "action_summary",
    "data_quality",
    "method_notes",
    "problem_list",
    "project_progress",
    "sign_off",
    "visit_progress",
]


def problem_list(ctx):
    """问题清单: the problems by category and owner, overdue first."""
    p = ctx.own(ctx.data.problems if not ctx.is_county else ctx.county.problems)
    if p.empty:
        return show("<p>本乡镇暂无登记问题。</p>")
    open_ = p["status"].astype(str) != "已整改"
    overdue = open_ & (p["deadline"] < pd.Timestamp(ctx.as_of))
    p = p.assign(_overdue=overdue, _open=open_).sort_values(
        ["_overdue", "_open", "deadline"], ascending=[False, False, True]
    )
    due = p["deadline"].dt.strftime("%Y-%m-%d")
    table = pd.DataFrame(
        {
            "问题类别": p["category"].astype(str),
            "问题描述": p["description"],
            "责任单位": p["owner_unit"],
            "整改时限": due.where(~p["_overdue"], '<span class="overdue">' + due + "</span>"),
            "状态": p["status"].astype(str),
        }
    )
    summary = (
        f"<p>共 {len(p)} 个问题，已整改 {int((~open_).sum())} 个，"
        f"逾期未整改 <b>{int(overdue.sum())}</b> 个。</p>"
    )
    return show(summary, html_table(table, raw=("整改时限",)))


def action_summary(ctx):
    """一户一策: households, people, actions and renovation subsidy (元), by village."""
    plans = ctx.own(ctx.artifacts.plans)
    if plans.empty:
        return show("<p>暂无需要制定一户一策的农户。</p>")
    key = "township_code" if ctx.is_county else "village_code"
    per = action_totals(plans.rename(columns={key: "_k"}).assign(township_code=lambda d: d["_k"]))
    names = (
        ctx.county.townships.set_index("township_code")["name"]
        if ctx.is_county
        else ctx.data.villages.set_index("village_code")["name"]
    )
    table = pd.DataFrame(
        {
            "乡镇" if ctx.is_county else "村": per["township_code"].map(names),
            "户数": per["households"].map(fmt_int),
            "人数": per["people"].map(fmt_int),
            "措施数": per["actions"].map(fmt_int),
            "危房改造补助（元）": per["subsidy"].map(fmt_int),
        }
    ).sort_values("户数", key=lambda s: s.str.replace(",", "").astype(int), ascending=False)
    by_action = (
        plans.groupby(["action", "owner_unit", "deadline"])
        .agg(households=("household_id", "nunique"), people=("people", "sum"))
        .reset_index()
    )
    actions = pd.DataFrame(
        {
            "措施": by_action["action"],
            "责任单位": by_action["owner_unit"],
            "时限": by_action["deadline"].dt.strftime("%Y-%m-%d"),
            "户数": by_action["households"].map(fmt_int),
            "人数": by_action["people"].map(fmt_int),
        }
    )
    total = plans["subsidy"].sum()
    head = (
        f"<p>需落实一户一策 {fmt_int(plans['household_id'].nunique())} 户，"
        f"措施 {fmt_int(len(plans))} 项，危房改造补助合计 {fmt_int(total)} 元。</p>"
    )
    return show(
        head,
        html_table(actions, numeric=("户数", "人数")),
        html_table(table, numeric=("户数", "人数", "措施数", "危房改造补助（元）")),
    )


def visit_progress(ctx):
    """入户核查 progress: sampled households visited / to visit, by frame."""
    s = ctx.own(ctx.artifacts.sample)
    g = s.groupby("status")
    table = pd.DataFrame(
        {
            "抽样对象": g.size().index,
            "应核查户数": g.size().map(fmt_int).to_numpy(),
            "已核查户数": g["visited"].sum().map(fmt_int).to_numpy(),
            "完成率": (g["visited"].sum() / g.size()).map(fmt_pct).to_numpy(),
        }
    )
    return show(html_table(table, numeric=("应核查户数", "已核查户数", "完成率")))


def project_progress(ctx):
    """项目进度: projects by category, started / planned, funds (万元)."""
    p = ctx.own(ctx.county.projects)
    if p.empty:
        return show("<p>本乡镇暂无扶贫项目。</p>")
    started = p["status"].astype(str).isin(["已开工", "已完工"])
    due = p["planned_start"] <= pd.Timestamp(ctx.as_of)
    g = p.assign(started=started, due=due, started_funds=p["budget"].where(started, 0)).groupby(
        p["category"].astype(str)
    )
    table = pd.DataFrame(
        {
            "项目类别": g.size().index,
            "项目数": g.size().to_numpy(),
            "应开工": g["due"].sum().to_numpy(),
            "已开工": g["started"].sum().to_numpy(),
            "开工率": (g["started"].sum() / g.size()).map(fmt_pct).to_numpy(),
            "资金（万元）": g["budget"].sum().map(lambda x: f"{x:,.2f}").to_numpy(),
            "已开工项目资金（万元）": g["started_funds"]
            .sum()
            .map(lambda x: f"{x:,.2f}")
            .to_numpy(),
        }
    )
    late = int((due & ~started).sum())
    head = (
        f"<p>项目 {len(p)} 个，资金 {p['budget'].sum():,.2f} 万元，已开工 {int(started.sum())} 个"
        f"（{fmt_pct(started.mean())}），应开未开 <b>{late}</b> 个。</p>"
    )
    return show(head, html_table(table, numeric=tuple(table.columns[1:])))


def data_quality(ctx):
    """数据质量: score, rank among the townships, last year's quarters, most common errors."""
    q = ctx.artifacts.quality
    f = ctx.findings
    section_d = [r.id for r in RULES.values() if r.section == "D"]
    errors = f[f["rule_id"].astype(str).isin(section_d)]
    top = errors["rule_id"].astype(str).value_counts().head(5)
    top_table = pd.DataFrame(
        {
            "规则": top.index,
            "名称": [RULES[r].name for r in top.index],
            "条数": top.map(fmt_int).to_numpy(),
        }
    )
    if ctx.is_county:
        table = pd.DataFrame(
            {
                "排名": q["rank"],
                "乡镇": q["name"],
                "得分": q["score"].map(lambda x: f"{x:.2f}"),
                "上年一季度": q["quality_q1"],
                "二季度": q["quality_q2"],
                "三季度": q["quality_q3"],
                "四季度": q["quality_q4"],
            }
        )
        return show(
            html_table(table, numeric=tuple(table.columns[2:])),
            "<h3>最常见的数据错误</h3>",
            html_table(top_table, numeric=("条数",)),
        )
    row = q[q["township_code"].astype(str) == ctx.township_code].iloc[0]
    trend = " → ".join(f"{row[f'quality_q{i}']:.1f}" for i in (1, 2, 3, 4))
    head = (
        f"<p>数据质量得分 <b>{row['score']:.2f}</b>，"
        f"在{len(q)}个乡镇中排第 <b>{row['rank']}</b> 名；"
        f"上年四个季度：{trend}。</p>"
    )
    return show(head, html_table(top_table, numeric=("条数",)))


def sign_off(ctx):
    """签字: the township secretary and head sign the list before it goes to the county."""
    if ctx.is_county:
        roles = ("县脱贫攻坚领导小组办公室（签章）", "日期")
    else:
        roles = ("乡镇党委书记（签字）　　日期", "乡镇长（签字）　　日期")
    return show(
        '<div class="signoff">' + "".join(f"<div>{html.escape(r)}</div>" for r in roles) + "</div>"
    )


def method_notes(ctx):
    """说明: what each metric means and how it is estimated, and the settings used."""
    s = ctx.settings
    text = NOTES.read_text(encoding="utf-8").format(
        wrong_exit=f"{100 * s.thresholds.wrong_exit_rate_max:g}",
        missed_poor=f"{100 * s.thresholds.missed_poor_rate_max:g}",
        incidence=f"{100 * s.thresholds.poverty_incidence_max:g}",
        approval=f"{100 * s.thresholds.approval_min:g}",
        poverty_line=f"{s.income.poverty_line:g}",
        age_min=s.education.compulsory_age_min,
        age_max=s.education.compulsory_age_max,
        litres=f"{s.water.litres_min:g}",
        trip=f"{s.water.trip_minutes_max:g}",
        shortage=s.water.shortage_days_max,
        county=ctx.county_name,
        as_of=ctx.as_of,
        run_id=ctx.run_id or "—",
        seed=ctx.seed,
    )
    items = "".join(f"<li>{html.escape(line)}</li>" for line in text.splitlines() if line)
    return show(f'<ul class="explain">{items}</ul>')
