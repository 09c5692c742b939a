"""Projects and funds over time: start rate against the plan, funds by status, late starts."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.tracking import funds_by_status, late_projects, problem_progress, project_progress

D = pd.Timestamp


@pytest.fixture
def projects():
    """Two runs of five projects; on 1 April three were due to start, two had started."""
    base = pd.DataFrame({
        "project_id": ["P1", "P2", "P3", "P4", "P5"],
        "category": ["产业发展类", "产业发展类", "基础设施类", "基础设施类", "公共服务类"],
        "budget": [100.0, 50.0, 300.0, 20.0, 30.0],
        "planned_start": [D("2024-03-01"), D("2024-03-20"), D("2024-03-28"), D("2024-05-01"),
                          D("2024-06-01")],
    })  # fmt: skip
    first = base.assign(as_of=D("2024-04-01"),
                        status=["已开工", "未开工", "已开工", "已开工", "未开工"])  # fmt: skip
    second = base.assign(as_of=D("2024-05-06"),
                         status=["已完工", "已开工", "已开工", "已开工", "未开工"])  # fmt: skip
    return pd.concat([first, second], ignore_index=True)


def test_start_rate_against_the_plan(projects):
    total = project_progress(projects, by=None).set_index("as_of")
    april = total.loc[D("2024-04-01")]
    assert (april["projects"], april["planned_due"], april["started"]) == (5, 3, 3)
    # P1 and P3 of the three due have started (P4 started early, not due): 2 / 3.
    assert april["start_rate_plan"] == pytest.approx(66.7)
    assert april["start_rate"] == pytest.approx(60.0)
    assert april["late"] == 1  # P2
    assert april["budget_started"] == pytest.approx(420.0)
    may = total.loc[D("2024-05-06")]
    assert (may["planned_due"], may["start_rate_plan"], may["late"]) == (4, 100.0, 0)
    assert (may["未开工"], may["已开工"], may["已完工"]) == (1, 3, 1)


def test_by_category_and_funds_by_status(projects):
    cat = project_progress(projects).set_index(["as_of", "category"])
    assert cat.loc[(D("2024-04-01"), "产业发展类"), "start_rate_plan"] == 50.0
    assert pd.isna(cat.loc[(D("2024-04-01"), "公共服务类"), "start_rate_plan"])  # none due
    funds = funds_by_status(projects).set_index(["as_of", "category"])
    row = funds.loc[(D("2024-05-06"), "产业发展类")]
    assert (row["已完工"], row["已开工"], row["未开工"], row["合计"]) == (100.0, 50.0, 0.0, 150.0)
    assert funds["合计"].groupby(level=0).sum().tolist() == [500.0, 500.0]


def test_projects_late_to_start(projects):
    late = late_projects(projects, as_of="2024-04-01")
    assert late["project_id"].tolist() == ["P2"] and late["days_late"].tolist() == [12]
    assert late_projects(projects).empty  # the latest run: P2 has started


def test_problem_progress():
    p = pd.DataFrame({
        "as_of": [D("2024-04-08")] * 3,
        "problem_id": ["W1", "W2", "W3"],
        "status": ["已整改", "整改中", "未整改"],
        "deadline": [D("2024-04-05"), D("2024-04-05"), D("2024-06-30")],
    })  # fmt: skip
    row = problem_progress(p).iloc[0]
    assert (row["problems"], row["overdue"], row["已整改"]) == (3, 1, 1)
    assert row["rectified_rate"] == pytest.approx(33.3)
