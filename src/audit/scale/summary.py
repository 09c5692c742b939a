"""The province summary of a many-county run: every county and township with its verdict.

``province/summary.html`` (one page, no script, styles inline, readable
offline) and ``province/summary.xlsx`` (the same two tables, rates as numbers).
A county's or township's verdict is the traffic light of its own report: the
worst of its four exit metrics' verdicts, and 风险 when any registered household
fails a census indicator (as :mod:`audit.report.headline`).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from audit.excel import write_workbook
from audit.fsutil import unit_folder

__all__ = ["summary_tables", "write_summary"]

RATES = {"wrong_exit_rate": "错退率", "missed_poor_rate": "漏评率",
         "poverty_incidence": "综合贫困发生率", "approval": "群众认可度"}  # fmt: skip
HEADERS = {
    "county_code": "县代码", "county": "县", "township_code": "乡镇代码", "township": "乡镇",
    "verdict": "研判", "townships": "乡镇数", "registered": "建档立卡户", "failing": "不达标户",
    "wrong_exit": "其中已脱贫户（错退风险）", "findings": "问题条数", "report": "报告", **RATES,
}  # fmt: skip
STATUS_ZH = {"ok": "已生成", "failed": "失败"}
CSS = Path(__file__).resolve().parents[1] / "report" / "report.css"


def summary_tables(stages: list[dict], reports: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The county and township tables (codes, verdicts, counts, rates, report status)."""
    counties = pd.DataFrame([s["county_row"] for s in stages])
    towns = pd.DataFrame([r for s in stages for r in s["township_rows"]])

    def status(code):
        got = reports.get(code)
        return STATUS_ZH.get(got["status"], got["status"]) if got else "未运行"

    counties["report"] = counties["county_code"].map(status)
    towns["report"] = towns["township_code"].map(status)
    cols = ["county_code", "county", "verdict", "townships", "registered", "failing",
            "wrong_exit", "findings", *RATES, "report"]  # fmt: skip
    tcols = ["county_code", "county", "township_code", "township", "verdict", "registered",
             "failing", "wrong_exit", *RATES, "report"]  # fmt: skip
    return counties[cols], towns[tcols]


def _html_rows(frame: pd.DataFrame, link) -> pd.DataFrame:
    from audit.report.tables import fmt_int, fmt_pct, tag

    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        if col in RATES:
            out[HEADERS[col]] = frame[col].map(fmt_pct)
        elif col == "verdict":
            out[HEADERS[col]] = frame[col].map(tag)
        elif col in ("registered", "failing", "wrong_exit", "findings", "townships"):
            out[HEADERS[col]] = frame[col].map(fmt_int)
        elif col == "report":
            out[HEADERS[col]] = [link(r) for r in frame.itertuples(index=False)]
        else:
            out[HEADERS[col]] = frame[col].map(lambda v: html.escape(str(v)))
    return out


def write_summary(run: Path, stages: list[dict], reports: dict, run_id: str) -> Path:
    """Write ``province/summary.html`` and ``summary.xlsx`` into run folder ``run``."""
    from audit.report.tables import html_table

    folder = Path(run) / "province"
    folder.mkdir(parents=True, exist_ok=True)
    counties, towns = summary_tables(stages, reports)
    write_workbook(folder / "summary.xlsx", {"各县": counties, "各乡镇": towns}, headers=HEADERS)

    def link(folder: str, r) -> str:
        text = html.escape(r.report)
        if r.report != STATUS_ZH["ok"]:
            return text
        return f'<a href="../{html.escape(folder)}/report.html">{text}</a>'

    def county_link(r):
        return link(f"counties/{unit_folder(r.county_code, r.county)}", r)

    def town_link(r):
        return link(f"townships/{unit_folder(r.township_code, r.township)}", r)

    numeric = tuple(HEADERS[c] for c in ("registered", "failing", "wrong_exit", "findings",
                                         "townships", *RATES))  # fmt: skip
    raw = (HEADERS["verdict"], HEADERS["report"])
    ctab = html_table(_html_rows(counties, county_link), numeric=numeric, raw=raw)
    ttab = html_table(_html_rows(towns.drop(columns="county_code"), town_link), numeric=numeric,
                      raw=raw)  # fmt: skip
    tally = counties["verdict"].value_counts()
    line = "，".join(f"{v} {tally.get(v, 0)} 个县" for v in ("未达标", "风险", "达标", "无数据"))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>全省普查准备度汇总</title><style>{CSS.read_text(encoding="utf-8")}
.tag {{ white-space: nowrap; }}</style></head>
<body><div class="report-header"><div class="title">普查准备度汇总（{len(counties)} 个县）</div>
<div class="meta"><span>运行编号 {html.escape(run_id)}</span></div></div>
<p>{line}。研判与各县、各乡镇报告首页一致：三率一度中最差的一项；有建档立卡户普查指标不达标时至少为“风险”。</p>
<h2>各县</h2>{ctab}<h2>各乡镇</h2>{ttab}
<div class="report-footer">本页由普查准备度审计工作簿自动生成；不含个人身份信息。</div>
</body></html>
"""
    (folder / "summary.html").write_text(page, encoding="utf-8")
    return folder / "summary.html"
