"""Projects and funds, and the county's problem list (问题清单), run by run.

The 275 projects of the year (three categories, 万元) and the problems raised by
province, city, county and townships are recorded with every run
(:meth:`audit.tracking.Ledger.record_run`). From those snapshots:

- **start rate against the plan** (计划开工率): of the projects whose planned start
  is on or before the run's date, the share started (已开工 or 已完工);
- **funds by status** (资金): budget (万元) of the projects per status;
- **late to start** (逾期未开工): planned start before the run's date, still 未开工,
  with the days of delay;
- **problems**: per status, and overdue (deadline passed, not 已整改).

Every function takes a snapshot table with an ``as_of`` column (one run, or many:
:meth:`Ledger.project_status`) and works per run.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "PROJECT_STATUSES",
    "funds_by_status",
    "late_projects",
    "problem_progress",
    "project_progress",
]

PROJECT_STATUSES = ("未开工", "已开工", "已完工")
PROBLEM_STATUSES = ("未整改", "整改中", "已整改")


def _flags(projects: pd.DataFrame) -> pd.DataFrame:
    status = projects["status"].astype(str)
    due = projects["planned_start"].notna() & (projects["planned_start"] <= projects["as_of"])
    started = status.isin(["已开工", "已完工"])
    return projects.assign(_due=due, _started=started, _due_started=due & started,
                           _late=due & status.eq("未开工"))  # fmt: skip


def project_progress(projects: pd.DataFrame, by: str | None = "category") -> pd.DataFrame:
    """Count projects and funds per run (and category), with the start rate against the plan.

    Parameters
    ----------
    projects : DataFrame
        Project snapshots: ``as_of, project_id, category, status, budget, planned_start``
        (:meth:`Ledger.project_status`, or a Dataset's projects with an ``as_of`` column).
    by : str or None
        A column to split by (``"category"``, ``"township_code"``); None for totals only.

    Returns
    -------
    DataFrame
        Per ``as_of`` (and ``by``): ``projects``, counts per status, ``planned_due``
        (planned start reached), ``started``, ``start_rate_plan`` (%, started among
        those due), ``start_rate`` (%, started among all), ``late`` (逾期未开工),
        ``budget`` and ``budget_started`` (万元).
    """
    f = _flags(projects)
    keys = ["as_of"] + ([by] if by else [])
    g = f.groupby(keys, observed=True)
    out = pd.DataFrame({
        "projects": g.size(),
        "planned_due": g["_due"].sum(),
        "started": g["_started"].sum(),
        "due_started": g["_due_started"].sum(),
        "late": g["_late"].sum(),
        "budget": g["budget"].sum().round(2),
        "budget_started": f.assign(b=f["budget"].where(f["_started"], 0.0))
        .groupby(keys, observed=True)["b"].sum().round(2),
    })  # fmt: skip
    counts = pd.crosstab([f[k] for k in keys], f["status"].astype(str))
    out = out.join(counts.reindex(columns=list(PROJECT_STATUSES), fill_value=0))
    out["start_rate_plan"] = (100 * out["due_started"] / out["planned_due"].where(
        out["planned_due"] > 0)).round(1)  # fmt: skip
    out["start_rate"] = (100 * out["started"] / out["projects"]).round(1)
    return out.drop(columns="due_started").reset_index()


def funds_by_status(projects: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Return the budget (万元) per ``by`` × status for each run, with totals."""
    table = pd.pivot_table(projects.assign(status=projects["status"].astype(str)),
                           index=["as_of", by], columns="status", values="budget",
                           aggfunc="sum", fill_value=0.0, observed=True)  # fmt: skip
    table = table.reindex(columns=list(PROJECT_STATUSES), fill_value=0.0)
    table["合计"] = table.sum(axis=1)
    return table.round(2).reset_index()


def late_projects(projects: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """List the projects late to start at a run (the latest when ``as_of`` is None).

    Returns
    -------
    DataFrame
        The projects whose planned start is on or before the date and still 未开工,
        with ``days_late``, most delayed first.
    """
    as_of = projects["as_of"].max() if as_of is None else pd.Timestamp(as_of)
    snap = _flags(projects[projects["as_of"] == as_of])
    late = snap[snap["_late"]].drop(columns=[c for c in snap if c.startswith("_")])
    late = late.assign(days_late=(late["as_of"] - late["planned_start"]).dt.days)
    return late.sort_values(["days_late", "project_id"], ascending=[False, True],
                            ignore_index=True)  # fmt: skip


def problem_progress(problems: pd.DataFrame) -> pd.DataFrame:
    """Count the problems per run and status, and the overdue ones (deadline passed, not fixed).

    Parameters
    ----------
    problems : DataFrame
        Problem snapshots with ``as_of, problem_id, status, deadline``
        (:meth:`Ledger.problem_status`).

    Returns
    -------
    DataFrame
        Per ``as_of``: ``problems``, counts per status, ``overdue`` and
        ``rectified_rate`` (%).
    """
    status = problems["status"].astype(str)
    overdue = problems["deadline"].lt(problems["as_of"]) & status.ne("已整改")
    f = problems.assign(_overdue=overdue)
    g = f.groupby("as_of")
    out = pd.DataFrame({"problems": g.size(), "overdue": g["_overdue"].sum()})
    counts = pd.crosstab(f["as_of"], status).reindex(columns=list(PROBLEM_STATUSES), fill_value=0)
    out = out.join(counts)
    out["rectified_rate"] = (100 * out["已整改"] / out["problems"]).round(1)
    return out.reset_index()
