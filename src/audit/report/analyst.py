"""Tables for the analysts' notebooks: edit statistics, sample design, estimates, key figures."""

from __future__ import annotations

import pandas as pd

from audit.report.tables import fmt_int, fmt_rate_ci, html_table, show

__all__ = ["design_table", "edit_table", "estimates_table", "key_figures", "unknowns_table"]


def edit_table(ctx):
    """Edit statistics: failures and unknowns per rule for the report's area."""
    from audit.rules.report import county_rule_totals

    t = county_rule_totals(ctx.findings)
    t = t[(t["fail"] > 0) | (t["unknown"] > 0)]
    table = pd.DataFrame(
        {
            "规则": t["rule_id"],
            "名称": t["name"],
            "级别": t["severity"],
            "不通过": t["fail"].map(fmt_int),
            "待核实": t["unknown"].map(fmt_int),
            "涉及户数": t["households"].map(fmt_int),
            "涉及人数": t["people"].map(fmt_int),
        }
    )
    return show(html_table(table, numeric=("不通过", "待核实", "涉及户数", "涉及人数")))


def unknowns_table(ctx):
    """Census indicators that could not be judged (missing values), by rule: to complete first."""
    f = ctx.findings
    u = f[f["outcome"].eq("unknown")]
    if u.empty:
        return show("<p>普查指标没有因信息缺失而无法判断的情况。</p>")
    t = (
        u.groupby(u["rule_id"].astype(str))
        .agg(households=("household_id", "nunique"), rows=("message", "size"))
        .reset_index()
    )
    return show(
        html_table(
            t.rename(columns={"rule_id": "规则", "households": "户数", "rows": "条数"}),
            numeric=("户数", "条数"),
        )
    )


def design_table(ctx):
    """The sample of the run: households by frame and township, with weights."""
    s = ctx.own(ctx.artifacts.sample)
    towns = ctx.county.townships.set_index("township_code")["name"]
    g = s.groupby(["status", "township_code"])
    t = g.agg(
        n=("household_id", "size"),
        N=("fpc", "first"),
        weight=("weight", "mean"),
        visited=("visited", "sum"),
    ).reset_index()
    table = pd.DataFrame(
        {
            "抽样对象": t["status"],
            "乡镇": t["township_code"].astype(str).map(towns),
            "总体户数": t["N"].map(fmt_int),
            "样本户数": t["n"].map(fmt_int),
            "权数": t["weight"].map(lambda w: f"{w:.1f}"),
            "已核查": t["visited"].map(fmt_int),
        }
    )
    return show(html_table(table, numeric=("总体户数", "样本户数", "权数", "已核查")))


def estimates_table(ctx):
    """三率一度 by township with intervals and verdicts."""
    by = ctx.artifacts.estimates_by_township
    towns = ctx.county.townships.set_index("township_code")["name"]
    table = pd.DataFrame(
        {
            "乡镇": by["township_code"].astype(str).map(towns),
            "指标": by["name"],
            "估计值与95%区间": [
                fmt_rate_ci(e, lo, hi)
                for e, lo, hi in zip(by["estimate"], by["ci_low"], by["ci_high"], strict=True)
            ],
            "样本户数": by["n"].map(fmt_int),
            "研判": by["verdict"],
        }
    )
    return show(html_table(table, numeric=("样本户数",)))


def key_figures(ctx) -> None:
    """Print the report's key figures as plain text (checked by nbval)."""
    f = ctx.findings
    status = ctx.own(ctx.artifacts.status)
    print(f"地区: {ctx.name}")
    print(
        f"建档立卡户: {len(status)}; 普查不达标户: {int((status['census'] == 'fail').sum())}; "
        f"错退风险户: {int(status['wrong_exit'].sum())}"
    )
    for rule_id in ("HOUSE-01", "MED-01", "MED-02", "ID-04"):
        n = int((f["rule_id"].astype(str).eq(rule_id) & f["outcome"].eq("fail")).sum())
        print(f"{rule_id}: {n}")
    m = (
        ctx.artifacts.estimates
        if ctx.is_county
        else ctx.artifacts.estimates_by_township[
            ctx.artifacts.estimates_by_township["township_code"].astype(str) == ctx.township_code
        ]
    )
    for row in m.itertuples(index=False):
        print(f"{row.name}: {fmt_rate_ci(row.estimate, row.ci_low, row.ci_high)} {row.verdict}")
