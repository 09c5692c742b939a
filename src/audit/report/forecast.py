"""The census forecast in a report: what the census will find, the risk, what the fixes buy.

The sections read the simulation frames the runner keeps in
``ctx.artifacts.extra`` (:func:`audit.simulate.census`): expected failing
households with 80 % and 95 % prediction intervals, the three rates as the
census would measure them with the chance of breaching each threshold, the
scenarios of planned fixes and the villages where the census will hurt most.

A breach chance is read as a traffic light: below 10 % 达标, from 10 % to
50 % 风险, 50 % and above 未达标 (:data:`RISK_BOUNDS`).
"""

from __future__ import annotations

import pandas as pd

from audit.report.tables import fmt_int, fmt_pct, html_table, show, tag
from audit.rules.registry import RULES

__all__ = [
    "RISK_BOUNDS",
    "discrepancy_table",
    "forecast",
    "hurt_most",
    "scenarios",
    "simulation_key_figures",
]

#: Chance of breaching a threshold below which a metric is 达标, and from which it is 未达标.
RISK_BOUNDS = (0.10, 0.50)
NO_SIMULATION = "<p>本次运行没有普查模拟结果。</p>"
METHOD = (
    '<p class="note">说明：预测以入户核查结果为依据（假定核查户是随机抽取的），'
    "估计“记录达标但实际不达标”和“记录不达标但已整改”的比例，并按核查的漏查、误报率校正；"
    "再把全县模拟普查 {runs} 次：每次按估计比例（含其不确定性）推出每户的实际状况，"
    "按普查自己的抽样抽取一般农户，计算普查将得到的三率。80%区间指 10 次中约有 8 次落在区间内。</p>"
)


def _sim(ctx, key: str) -> pd.DataFrame | None:
    return ctx.artifacts.extra.get(key)


def _code(ctx) -> str:
    return ctx.township_code or "county"


def _risk(p) -> str:
    if p is None or pd.isna(p):
        return "无数据"
    low, high = RISK_BOUNDS
    return "达标" if p < low else ("风险" if p < high else "未达标")


def _range(row, lo: str = "p10", hi: str = "p90") -> str:
    return f"{fmt_int(row[lo])}–{fmt_int(row[hi])}"


def _pct_range(row, lo: str = "p10", hi: str = "p90") -> str:
    if pd.isna(row[lo]):
        return "—"
    return f"{fmt_pct(row[lo])}–{fmt_pct(row[hi])}"


def _visit_warning(ctx) -> str:
    """A warning when the forecast has no visits to learn from."""
    hh = ctx.county.households
    visited = ctx.county.visits["household_id"]
    registered = hh.loc[hh["status"].astype(str) != "一般农户", "household_id"]
    out = ""
    if not registered.isin(visited).any():
        out += ("<p class=\"overdue\">尚无建档立卡户的入户核查结果：记录之外的问题无从估计，"
                "预测区间因此很宽，仅供参考。</p>")  # fmt: skip
    nonreg = hh.loc[hh["status"].astype(str) == "一般农户", "household_id"]
    if len(nonreg) and not nonreg.isin(visited).any():
        out += ("<p class=\"overdue\">尚无一般农户的入户核查结果，无法预测漏评率和综合贫困发生率。"
                "</p>")  # fmt: skip
    return out


def _runs(ctx) -> str:
    return fmt_int(ctx.settings.simulation.runs)


def _census_finds(ctx, rate: float) -> str:
    """A sentence on the chance that the census's sample finds none of the 漏评 households."""
    from audit.simulate import detection_probability

    hh = ctx.data.households
    frame = int(hh["status"].astype(str).eq("一般农户").sum())
    if frame == 0 or pd.isna(rate):
        return ""
    county = int(ctx.county.households["status"].astype(str).eq("一般农户").sum())
    sample = min(frame, round(ctx.settings.census.nonregistered_sample * frame / max(county, 1)))
    missed = round(rate * frame)
    none = detection_probability(frame, min(missed, frame), sample)
    few = min(20, frame)
    none_few = detection_probability(frame, few, sample)
    return (
        f"<p>按核查估计，{'全县' if ctx.is_county else '本乡镇'} {fmt_int(frame)} 户一般农户中约有 "
        f"{fmt_int(missed)} 户漏评；普查在此随机抽查约 {fmt_int(sample)} 户，一户也查不出的概率为 "
        f"{fmt_pct(none, 1)}。即使只有 {few} 户漏评，一户也查不出的概率也只有 "
        f"{fmt_pct(none_few, 0)}（随机抽查不会漏过成片的问题）。</p>"
    )


def forecast(ctx):
    """What the census will find here: failing households by indicator, the three rates."""
    summary, by_ind = _sim(ctx, "simulation_summary"), _sim(ctx, "simulation_by_indicator")
    metrics = _sim(ctx, "simulation_metrics")
    if summary is None or by_ind is None or metrics is None:
        return show(NO_SIMULATION)
    code = _code(ctx)
    if not (summary["code"] == code).any():
        return show(NO_SIMULATION)
    total = summary[summary["code"] == code].iloc[0]
    head = (
        f"<p>预计普查将发现不达标的建档立卡户 <b>{fmt_int(total['expected'])}</b> 户"
        f"（80%区间 {_range(total)} 户，95%区间 {_range(total, 'p2_5', 'p97_5')} 户），"
        f"记录在案的不达标户 {fmt_int(total['recorded'])} 户，建档立卡户共 "
        f"{fmt_int(total['registered'])} 户。若一户一策全部按期完成，预计仍有 "
        f"{fmt_int(total['expected_after_actions'])} 户被发现不达标（记录之外的问题）。</p>"
    )
    rows = by_ind[by_ind["code"] == code]
    table = pd.DataFrame(
        {
            "指标": [f"{r}{RULES[r].name}" for r in rows["indicator"]],
            "记录在案（户）": rows["recorded"].map(fmt_int),
            "预计普查发现（户）": rows["expected"].map(fmt_int),
            "80%区间": [_range(r) for _, r in rows.iterrows()],
            "95%区间": [_range(r, "p2_5", "p97_5") for _, r in rows.iterrows()],
            "至少一户的概率": rows["p_any"].map(lambda p: fmt_pct(p, 0)),
        }
    )
    m = metrics[metrics["code"] == code]
    rates = pd.DataFrame(
        {
            "指标": m["name"],
            "要求": m["threshold"].map(lambda t: f"< {fmt_pct(t, 0)}"),
            "普查预计值": m["mean"].map(fmt_pct),
            "80%区间": [_pct_range(r) for _, r in m.iterrows()],
            "95%区间": [_pct_range(r, "p2_5", "p97_5") for _, r in m.iterrows()],
            "超标概率": m["p_breach"].map(lambda p: fmt_pct(p, 0)),
            "研判": m["p_breach"].map(lambda p: tag(_risk(p))),
        }
    )
    numeric = ("记录在案（户）", "预计普查发现（户）", "至少一户的概率")
    return show(
        head,
        _visit_warning(ctx),
        html_table(table, numeric=numeric, caption="各指标预计普查发现的不达标户"),
        html_table(rates, raw=("研判",), numeric=("普查预计值", "超标概率"),
                   caption="普查将测得的三率（超标概率低于10%为达标，10%–50%为风险，50%以上为未达标）"),
        _census_finds(ctx, m.loc[m["metric"] == "missed_poor_rate", "mean"].squeeze()),
        METHOD.format(runs=_runs(ctx)),
    )  # fmt: skip


def _sentence(group: pd.DataFrame) -> str:
    """One plain sentence per scenario: failing households, then each rate's breach chance."""
    first = group.iloc[0]
    parts = []
    fh = group[group["metric"] == "failing_households"]
    if len(fh):
        r = fh.iloc[0]
        parts.append(f"预计不达标户从 {fmt_int(r['base_mean'])} 户降到 {fmt_int(r['mean'])} 户"
                     f"（80%区间 {_range(r)}）")  # fmt: skip
    for r in group[group["metric"] != "failing_households"].itertuples(index=False):
        if pd.isna(r.p_breach):
            continue
        bound = f"{r.name}达到或超过 {fmt_pct(r.threshold, 0)} 的概率"
        if round(100 * r.base_p_breach) == round(100 * r.p_breach):
            parts.append(f"{bound}仍为 {fmt_pct(r.p_breach, 0)}")
        else:
            parts.append(f"{bound}从 {fmt_pct(r.base_p_breach, 0)} 降到 {fmt_pct(r.p_breach, 0)}")
    return f"<li>如果{first['scenario_name']}：{'；'.join(parts)}。</li>"


def scenarios(ctx):
    """How much each planned fix lowers the risk: sentences for leaders, then the table."""
    s = _sim(ctx, "simulation_scenarios")
    if s is None:
        return show(NO_SIMULATION)
    s = s[s["code"] == _code(ctx)]
    order = list(dict.fromkeys(s["scenario"]))
    sentences = [_sentence(s[s["scenario"] == k]) for k in order if k != "base"]
    rows = []
    for key in order:  # five scenarios
        g = s[s["scenario"] == key].set_index("metric")
        fh = g.loc["failing_households"]
        row = {"情景": g["scenario_name"].iloc[0],
               "预计不达标户（80%区间）": f"{fmt_int(fh['mean'])}（{_range(fh)}）"}  # fmt: skip
        for metric in ("wrong_exit_rate", "missed_poor_rate", "poverty_incidence"):
            if metric in g.index:
                r = g.loc[metric]
                row[f"{r['name']}（80%区间）"] = f"{fmt_pct(r['mean'])}（{_pct_range(r)}）"
                row[f"{r['name']}超标概率"] = fmt_pct(r["p_breach"], 0)
        rows.append(row)
    table = pd.DataFrame(rows)
    note = ""
    if s["scenario_name"].str.contains("假设进度").any():
        note = ("<p class=\"note\">尚无整改台账记录的进度，“按当前进度”情景按设置中的假设完成比例"
                f"（{fmt_pct(ctx.settings.simulation.on_pace_share, 0)}）计算；"
                "录入两次以上整改台账后按实际进度计算。</p>")  # fmt: skip
    return show("<ul>" + "".join(sentences) + "</ul>", html_table(table), note)


def hurt_most(ctx, n: int = 10):
    """Where the census will hurt most: villages by expected failures and by residual risk."""
    summary = _sim(ctx, "simulation_summary")
    if summary is None:
        return show(NO_SIMULATION)
    v = summary[summary["level"] == "village"]
    if not ctx.is_county:
        v = v[v["township_code"].astype(str) == ctx.township_code]
    towns = ctx.county.townships.set_index("township_code")["name"]

    def table(rows: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "村": rows["name"]
                .str.replace("村民委员会", "村")
                .str.replace("居民委员会", "社区"),
                "乡镇": rows["township_code"].astype(str).map(towns),
                "建档立卡户": rows["registered"].map(fmt_int),
                "记录在案不达标": rows["recorded"].map(fmt_int),
                "预计普查发现（80%区间）": [f"{fmt_int(r['expected'])}（{_range(r)}）"
                                         for _, r in rows.iterrows()],
                "一户一策完成后仍有问题户的概率": rows["p_any_after_actions"].map(
                    lambda p: fmt_pct(p, 0)),
            }
        )  # fmt: skip
        out.insert(0, "序号", range(1, len(out) + 1))
        return out if ctx.is_county else out.drop(columns="乡镇")

    by_count = v.sort_values(["expected", "code"], ascending=[False, True]).head(n)
    by_risk = v.sort_values(["p_any_after_actions", "expected_after_actions", "code"],
                            ascending=[False, False, True]).head(n)  # fmt: skip
    numeric = ("建档立卡户", "记录在案不达标", "一户一策完成后仍有问题户的概率")
    return show(
        html_table(table(by_count), numeric=numeric, caption="预计普查发现不达标户最多的村"),
        html_table(table(by_risk), numeric=numeric,
                   caption="一户一策全部完成后，仍最可能被普查发现问题的村（记录中看不出的问题）"),
    )  # fmt: skip


def discrepancy_table(ctx):
    """The discrepancy model for analysts: what the visits say the record gets wrong (county)."""
    from audit.simulate import discrepancy_model

    model = discrepancy_model(
        ctx.county, ctx.artifacts.findings, ctx.settings, ctx.artifacts.sample
    )
    r = model.county_rates()
    names = {k: f"{k}{v.name}" for k, v in RULES.items()}
    table = pd.DataFrame(
        {
            "指标": r["indicator"].map(lambda k: names.get(k, k)),
            "记录状态": r["group"],
            "入户核查户": r["n"].map(fmt_int),
            "核查发现不达标": r["x"].map(fmt_int),
            "核查所见比例": r["observed"].map(lambda p: fmt_pct(p, 2)),
            "校正后比例（95%区间）": [
                f"{fmt_pct(e, 2)} [{fmt_pct(lo, 2)}, {fmt_pct(hi, 2)}]"
                for e, lo, hi in zip(r["true_rate"], r["ci_low"], r["ci_high"], strict=True)
            ],
        }
    )
    note = (
        '<p class="note">核查所见比例含入户核查的漏查和误报；校正后比例按设置中的核查准确度'
        f"（判断类指标漏查率 {fmt_pct(ctx.settings.simulation.visit_miss_rate, 0)}、"
        f"误报率 {fmt_pct(ctx.settings.simulation.visit_false_alarm_rate, 1)}）换算为实际比例，"
        "区间为 95% 后验区间。假定入户核查户是随机抽取的。</p>"
    )
    return show(html_table(table, numeric=("入户核查户", "核查发现不达标", "核查所见比例")), note)


def simulation_key_figures(ctx) -> None:
    """Print the forecast's key figures as plain text (checked by nbval)."""
    summary, metrics = _sim(ctx, "simulation_summary"), _sim(ctx, "simulation_metrics")
    scen = _sim(ctx, "simulation_scenarios")
    if summary is None or metrics is None or scen is None:
        print("无普查模拟结果")
        return
    code = _code(ctx)
    if not (summary["code"] == code).any():
        print("无普查模拟结果")
        return
    total = summary[summary["code"] == code].iloc[0]
    print(f"地区: {ctx.name}")
    print(
        f"预计普查不达标户: {fmt_int(total['expected'])} (80%: {_range(total)}; "
        f"95%: {_range(total, 'p2_5', 'p97_5')}); 记录在案: {fmt_int(total['recorded'])}"
    )
    for r in metrics[metrics["code"] == code].itertuples(index=False):
        print(f"{r.name}: {fmt_pct(r.mean)} (80%: {fmt_pct(r.p10)}–{fmt_pct(r.p90)}); "
              f"超标概率 {fmt_pct(r.p_breach, 0)}")  # fmt: skip
    s = scen[(scen["code"] == code) & scen["p_breach"].notna()]
    for key, g in s.groupby("scenario", sort=False):
        risks = "; ".join(f"{r.name} {fmt_pct(r.p_breach, 0)}" for r in g.itertuples(index=False))
        print(f"情景 {key}: {risks}")
