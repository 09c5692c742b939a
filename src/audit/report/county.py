"""Sections of the county report: townships ranked, funds, what each department must deliver."""

from __future__ import annotations

import pandas as pd

from audit.report.tables import fmt_int, fmt_pct, html_table, show, tag, worst

__all__ = ["department_tasks", "funds", "township_ranking"]


def township_ranking(ctx):
    """The townships ranked, each with the same traffic light as its own report."""
    a = ctx.artifacts
    by = a.estimates_by_township.copy()
    by["township_code"] = by["township_code"].astype(str)
    status = a.status.assign(township_code=a.status["township_code"].astype(str))
    g = status.groupby("township_code")
    failing = g["census"].apply(lambda s: int((s == "fail").sum()))
    towns = ctx.county.townships[["township_code", "name"]].set_index("township_code")
    rows = []
    for code, name in towns["name"].items():
        m = by[by["township_code"] == code].set_index("metric")
        verdicts = list(m["verdict"]) + (["风险"] if failing.get(code, 0) else [])
        rows.append(
            {
                "_code": code,
                "乡镇": name,
                "_fail": int(failing.get(code, 0)),
                "研判": tag(worst(verdicts)),
                "建档立卡户": fmt_int(g.size().get(code, 0)),
                "不达标户": fmt_int(failing.get(code, 0)),
                "错退率": _pct(m, "wrong_exit_rate"),
                "漏评率": _pct(m, "missed_poor_rate"),
                "综合贫困发生率": _pct(m, "poverty_incidence"),
                "群众认可度": _pct(m, "approval"),
                "数据质量": f"{a.quality.set_index('township_code').loc[code, 'score']:.2f}",
            }
        )
    table = pd.DataFrame(rows).sort_values(["_fail", "_code"], ascending=[False, True])
    table = table.drop(columns=["_code", "_fail"])
    table.insert(0, "序号", range(1, len(table) + 1))
    failed = ctx.failed_townships()
    note = ""
    if failed:
        names = "、".join(str(towns["name"].get(c, c)) for c in failed)
        note = (
            f'<div class="verdict"><b>注意：</b>以下乡镇的报告本次生成失败，'
            f"请查看运行清单（manifest.json）后重新运行：{names}。</div>"
        )
    return show(note, html_table(table, raw=("研判",), numeric=("建档立卡户", "不达标户")))


def _pct(m: pd.DataFrame, metric: str) -> str:
    if metric not in m.index or pd.isna(m.loc[metric, "estimate"]):
        return "—"
    return f"{fmt_pct(m.loc[metric, 'estimate'])}（{m.loc[metric, 'verdict']}）"


def funds(ctx):
    """Projects and funds (万元) by category and status."""
    p = ctx.county.projects
    table = pd.crosstab(
        p["category"].astype(str),
        p["status"].astype(str),
        values=p["budget"],
        aggfunc="sum",
        margins=True,
        margins_name="合计",
    ).fillna(0)
    counts = pd.crosstab(
        p["category"].astype(str), p["status"].astype(str), margins=True, margins_name="合计"
    )
    out = pd.DataFrame({"项目类别": table.index})
    for col in table.columns:
        out[f"{col}（个/万元）"] = [
            f"{counts.loc[i, col]} / {table.loc[i, col]:,.2f}" for i in table.index
        ]
    total = p["budget"].sum()
    started = p["status"].astype(str).isin(["已开工", "已完工"])
    head = (
        f"<p>全县扶贫资金 {total:,.2f} 万元（{total / 10000:.2f} 亿元），项目 {len(p)} 个，"
        f"已开工 {int(started.sum())} 个，开工率 {fmt_pct(started.mean())}。</p>"
    )
    return show(head, html_table(out))


def department_tasks(ctx):
    """What each department must deliver by when: actions by owner unit and deadline."""
    plans = ctx.artifacts.plans
    g = (
        plans.groupby(["owner_unit", "action", "deadline"])
        .agg(
            households=("household_id", "nunique"),
            people=("people", "sum"),
            subsidy=("subsidy", "sum"),
        )
        .reset_index()
        .sort_values(["deadline", "owner_unit"])
    )
    overdue = g["deadline"] < pd.Timestamp(ctx.as_of)
    due = g["deadline"].dt.strftime("%Y-%m-%d")
    table = pd.DataFrame(
        {
            "责任单位": g["owner_unit"],
            "任务": g["action"],
            "时限": due.where(~overdue, '<span class="overdue">' + due + "</span>"),
            "户数": g["households"].map(fmt_int),
            "人数": g["people"].map(fmt_int),
            "补助资金（元）": g["subsidy"].map(fmt_int),
        }
    )
    return show(html_table(table, raw=("时限",), numeric=("户数", "人数", "补助资金（元）")))
