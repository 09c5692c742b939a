"""The campaign office's tracking outputs: 整改进度.xlsx and the burn-down charts.

:func:`write_tracking_report` writes, from a ledger:

- ``整改进度.xlsx``: 进度研判 (every burn-down's pace, projection and verdict),
  已报整改但仍存在 (the contradicted claims), 燃尽数据 (open items per run),
  项目进度, 逾期未开工项目, 问题清单进度;
- ``charts/``: the county burn-down per deadline, the townships' and the
  departments' small multiples, and the projects chart.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audit.excel import write_workbook
from audit.tracking.burndown import DIMENSIONS, burndowns
from audit.tracking.charts import (
    burndown_chart,
    burndown_grid,
    project_chart,
    save_chart,
)
from audit.tracking.ledger import LedgerError
from audit.tracking.projects import (
    funds_by_status,
    late_projects,
    problem_progress,
    project_progress,
)
from audit.tracking.status import claims_contradicted

__all__ = ["HEADERS", "format_verdicts", "write_tracking_report"]

HEADERS = {
    "dimension": "维度", "label": "名称", "deadline_label": "截止类别", "deadline": "截止日期",
    "runs": "记录次数", "as_of": "数据日期", "start": "首次待整改数", "open": "当前待整改数",
    "pace_runs": "测算所用次数", "pace_per_week": "每周整改数", "required_per_week": "每周应整改数",
    "projected": "预计完成日期", "verdict_zh": "研判", "reason": "说明", "run_id": "运行编号",
    "return_id": "回执编号", "row": "行号", "file": "回执文件", "township_code": "乡镇代码",
    "responsible": "填报责任人", "reported_on": "上报日期", "household_id": "户编号",
    "village_code": "村代码", "rule_id": "规则编号", "fixed_date": "报称整改日期",
    "person": "责任人", "note": "备注", "next_run_id": "核验运行", "next_run_as_of": "核验日期",
    "still_found": "仍存在的问题数", "status": "当前状态", "category": "类别",
    "projects": "项目数", "planned_due": "计划应开工数", "started": "已开工数",
    "late": "逾期未开工数", "budget": "资金（万元）", "budget_started": "已开工资金（万元）",
    "start_rate_plan": "计划开工率（%）", "start_rate": "开工率（%）", "project_id": "项目编号",
    "planned_start": "计划开工日期", "days_late": "逾期天数", "problems": "问题数",
    "overdue": "逾期未整改数", "rectified_rate": "整改率（%）", "township": "乡镇",
}  # fmt: skip
_VERDICT_ORDER = {"overdue": 0, "miss": 1, "at_risk": 2, "on_track": 3, "done": 4}


def _verdicts(forecasts: pd.DataFrame) -> pd.DataFrame:
    f = forecasts.assign(_dim=forecasts["dimension"].map({d: i for i, d in enumerate(DIMENSIONS)}),
                         dimension=forecasts["dimension"].map(DIMENSIONS),
                         _order=forecasts["verdict"].map(_VERDICT_ORDER))  # fmt: skip
    f = f.sort_values(["_dim", "deadline", "_order", "label"], ignore_index=True)
    cols = ["dimension", "label", "deadline_label", "deadline", "runs", "as_of", "start", "open",
            "pace_runs", "pace_per_week", "required_per_week", "projected", "verdict_zh",
            "reason"]  # fmt: skip
    return f[cols]


def format_verdicts(forecasts: pd.DataFrame, deadline_key: str = "final") -> str:
    """Return the townships' verdicts against one deadline as Chinese text for the terminal."""
    f = forecasts[(forecasts["dimension"].isin(["county", "township_code"]))
                  & (forecasts["deadline_key"] == deadline_key)]  # fmt: skip
    lines = [f"整改进度研判（{f['deadline_label'].iloc[0]}）" if len(f) else "整改进度研判"]
    for r in f.itertuples(index=False):
        lines.append(f"{r.label}\t待整改 {r.open:,}\t每周 {r.pace_per_week:g}\t{r.verdict_zh}")
    return "\n".join(lines)


def write_tracking_report(ledger, out: str | Path, settings=None) -> dict:
    """Write 整改进度.xlsx and the charts of a ledger into folder ``out``.

    Returns
    -------
    dict
        ``workbook`` and ``charts`` (paths), ``forecasts`` (DataFrame) and the
        terminal ``summary`` text.
    """
    from audit.settings import load_settings

    settings = settings or load_settings()
    out = Path(out)
    if ledger.runs().empty:
        raise LedgerError("整改台账中还没有审核记录，请先运行 audit track record",
                          "the ledger holds no run yet", file=str(ledger.path))  # fmt: skip
    series, forecasts = burndowns(ledger, settings)
    contradicted = claims_contradicted(ledger)
    names = ledger.township_names()
    contradicted.insert(3, "township", contradicted["township_code"].map(names))
    projects = ledger.project_status()
    sheets = {"进度研判": _verdicts(forecasts),
              "已报整改但仍存在": contradicted,
              "燃尽数据": series.assign(dimension=series["dimension"].map(DIMENSIONS))[
                  ["dimension", "label", "deadline_label", "run_id", "as_of", "open"]]}  # fmt: skip
    charts = []
    if len(projects):
        progress = project_progress(projects)
        sheets["项目进度"] = progress
        sheets["逾期未开工项目"] = late_projects(projects)[
            ["run_id", "as_of", "project_id", "category", "township_code", "status", "budget",
             "planned_start", "days_late"]]  # fmt: skip
        fig = project_chart(progress, funds_by_status(projects))
        charts.append(save_chart(fig, out / "charts" / "项目开工与资金.png"))
    problems = ledger.problem_status()
    if len(problems):
        sheets["问题清单进度"] = problem_progress(problems)
    workbook = write_workbook(out / "整改进度.xlsx", sheets, headers=HEADERS)
    for key in forecasts.loc[forecasts["dimension"] == "county", "deadline_key"].unique():
        fig = burndown_chart(series, forecasts, deadline_key=key)
        charts.append(save_chart(fig, out / "charts" / f"全县整改进度-{key}.png"))
    for dim, name in (("township_code", "各乡镇"), ("owner_unit", "各牵头单位")):
        if (series["dimension"] == dim).any():
            fig = burndown_grid(series, forecasts, dimension=dim)
            charts.append(save_chart(fig, out / "charts" / f"{name}整改进度.png"))
    return {"workbook": workbook, "charts": charts, "forecasts": forecasts,
            "summary": format_verdicts(forecasts)}  # fmt: skip
