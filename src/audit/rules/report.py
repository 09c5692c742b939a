"""Outputs of ``audit check``: findings (Parquet and Excel), edit statistics, quality ranking."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audit.excel import write_workbook
from audit.privacy import mask_id
from audit.rules.actions import action_plans
from audit.rules.engine import edit_statistics, run
from audit.rules.registry import RULES, SEVERITY_ZH, rule_order
from audit.rules.status import household_status, quality_scores
from audit.textfmt import ljust, rjust

__all__ = [
    "county_rule_totals",
    "format_check_summary",
    "write_check_outputs",
    "write_findings_workbook",
    "write_statistics_workbook",
]

OUTCOME_ZH = {"fail": "不通过", "unknown": "待核实"}
FINDING_HEADERS = {
    "household_id": "户编号", "person_id": "证件号码（脱敏）", "village_code": "村代码",
    "township_code": "乡镇代码", "rule_id": "规则编号", "group": "类别", "severity": "级别",
    "outcome": "结果", "message": "问题描述", "value": "登记值", "rule_name": "规则名称",
    "township": "乡镇", "village": "行政村",
}  # fmt: skip
STATS_HEADERS = {
    "rule_id": "规则编号", "name": "规则名称", "group": "类别", "severity": "级别",
    "township_code": "乡镇代码", "township": "乡镇", "fail": "不通过", "unknown": "待核实",
    "households": "涉及户数", "people": "涉及人数",
}  # fmt: skip


def county_rule_totals(findings: pd.DataFrame) -> pd.DataFrame:
    """Count failures and unknowns per rule for the whole county, in rule order."""
    f = findings.assign(rule_id=findings["rule_id"].astype(str))
    g = f.groupby("rule_id")
    totals = pd.DataFrame({
        "fail": g["outcome"].apply(lambda s: int(s.eq("fail").sum())),
        "unknown": g["outcome"].apply(lambda s: int(s.eq("unknown").sum())),
        "households": g["household_id"].nunique(),
        "people": g["person_id"].nunique(),
        "villages": g["village_code"].nunique(),
    }).reindex(sorted(RULES, key=rule_order), fill_value=0)  # fmt: skip
    totals.index.name = "rule_id"
    totals = totals.reset_index()
    totals.insert(1, "name", totals["rule_id"].map({k: r.name for k, r in RULES.items()}))
    totals.insert(2, "severity", totals["rule_id"].map(
        {k: SEVERITY_ZH[r.severity] for k, r in RULES.items()}))  # fmt: skip
    return totals


def format_check_summary(totals: pd.DataFrame) -> str:
    """Return the per-rule totals as Chinese text for the terminal (rules with findings)."""
    head = ljust("规则", 10) + ljust("名称", 28) + ljust("级别", 6) + rjust("不通过", 8)
    lines = ["规则审核结果", head + rjust("待核实", 8)]
    shown = totals[(totals["fail"] > 0) | (totals["unknown"] > 0)]
    for r in shown.itertuples(index=False):
        lines.append(ljust(r.rule_id, 10) + ljust(r.name, 28) + ljust(r.severity, 6)
                     + rjust(f"{r.fail:,}", 8) + rjust(f"{r.unknown:,}", 8))  # fmt: skip
    return "\n".join(lines)


def _readable(findings: pd.DataFrame, dataset) -> pd.DataFrame:
    towns = dataset.townships.set_index("township_code")["name"]
    villages = dataset.villages.set_index("village_code")["name"]
    out = findings.assign(
        person_id=mask_id(findings["person_id"]),
        rule_name=findings["rule_id"].astype(str).map({k: r.name for k, r in RULES.items()}),
        severity=findings["severity"].astype(str).map(SEVERITY_ZH),
        outcome=findings["outcome"].astype(str).map(OUTCOME_ZH),
        township=findings["township_code"].map(towns),
        village=findings["village_code"].map(villages),
    )  # fmt: skip
    cols = ["township", "village", "household_id", "person_id", "rule_id", "rule_name", "group",
            "severity", "outcome", "message"]  # fmt: skip
    return out[cols]


def write_check_outputs(dataset, out: Path, settings) -> dict:
    """Run all rules and write the outputs of ``audit check`` into folder ``out``.

    Files: ``findings.parquet`` (full), ``findings.xlsx`` (Chinese, ID numbers
    masked), ``规则统计.xlsx`` (per rule, per rule × township with unknowns
    apart, data-quality ranking), ``household_status.parquet``,
    ``action_plans.parquet``.

    Returns
    -------
    dict
        Paths written and the terminal ``summary`` text.
    """
    out.mkdir(parents=True, exist_ok=True)
    findings = run(dataset, settings)
    findings.to_parquet(out / "findings.parquet", index=False)
    household_status(findings, dataset).to_parquet(out / "household_status.parquet", index=False)
    action_plans(findings, dataset, settings).to_parquet(out / "action_plans.parquet", index=False)
    totals = county_rule_totals(findings)
    stats = edit_statistics(findings, dataset.townships)
    quality = quality_scores(findings, dataset)
    write_findings_workbook(out / "findings.xlsx", findings, dataset)
    write_statistics_workbook(out / "规则统计.xlsx", totals, stats, quality)
    return {"findings": out / "findings.parquet", "summary": format_check_summary(totals)}


def write_findings_workbook(path: Path, findings: pd.DataFrame, dataset) -> Path:
    """Write findings as the Chinese work list (ID numbers masked); names from ``dataset``.

    ``dataset`` needs only ``townships`` and ``villages`` (for the place names).
    """
    return write_workbook(path, {"问题明细": _readable(findings, dataset)}, headers=FINDING_HEADERS)


def write_statistics_workbook(path: Path, totals, stats, quality) -> Path:
    """Write ``规则统计.xlsx``: totals per rule, per rule × township, data-quality ranking."""
    return write_workbook(
        path,
        {"全县按规则": totals, "按乡镇": stats, "数据质量排名": quality},
        headers={**STATS_HEADERS, "name": "名称", "villages": "涉及村数", "records": "档案户数",
                 "records_with_errors": "有错误的户数", "score": "数据质量得分(%)",
                 "rank": "排名", "quality_q1": "上年一季度", "quality_q2": "上年二季度",
                 "quality_q3": "上年三季度", "quality_q4": "上年四季度"},
    )  # fmt: skip
