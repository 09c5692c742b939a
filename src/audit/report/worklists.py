"""Excel work lists a township's cadres receive: 问题清单, 一户一策, 入户核查名单, and its map.

These are the only outputs with full names and ID numbers, and each holds the
households of one township only (DESIGN.md, "Private by default").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audit.excel import write_workbook
from audit.rules.registry import RULES

__all__ = ["write_township_worklists"]

PLAN_HEADERS = {
    "village": "行政村",
    "household_id": "户编号",
    "head_name": "户主姓名",
    "head_id": "户主证件号码",
    "rule_id": "规则编号",
    "rule_name": "问题",
    "action": "整改措施",
    "owner_unit": "责任单位",
    "deadline": "整改时限",
    "people": "涉及人数",
    "subsidy": "补助资金（元）",
    "fixed": "是否已整改",
    "fixed_date": "整改完成日期",
    "person": "责任人",
    "note": "备注",
}
PROBLEM_HEADERS = {
    "problem_id": "问题编号",
    "source": "问题来源",
    "category": "问题类别",
    "village": "行政村",
    "description": "问题描述",
    "found_date": "发现日期",
    "deadline": "整改时限",
    "owner_unit": "责任单位",
    "status": "整改状态",
    "rectified_date": "整改完成日期",
}
FINDING_HEADERS = {
    "village": "行政村",
    "household_id": "户编号",
    "person_id": "证件号码",
    "name": "姓名",
    "rule_id": "规则编号",
    "rule_name": "问题",
    "severity": "级别",
    "message": "问题描述",
}


def _heads(data) -> pd.DataFrame:
    m = data.members
    heads = m[m["relation"].eq("户主")].drop_duplicates("household_id")
    return heads.set_index("household_id")[["name", "person_id"]]


def write_township_worklists(data, artifacts, township_code: str, folder: Path, settings, as_of):
    """Write the township's Excel work lists into ``folder``.

    Parameters
    ----------
    data : Dataset
        The township's own Dataset (:meth:`Dataset.subset`).
    artifacts : Artifacts
        The run's county-wide results (rows of other townships are dropped here).
    township_code : str
    folder : Path
        The township's folder of the run.
    settings : Settings
    as_of : datetime.date
        Deadlines before it are highlighted.

    Returns
    -------
    list of Path
    """
    from audit.sampling import visit_list_frame, write_visit_list

    villages = data.villages.set_index("village_code")["name"]
    own_ids = set(data.households["household_id"])
    heads = _heads(data)
    plans = artifacts.plans[artifacts.plans["household_id"].isin(own_ids)]
    plans = plans.assign(
        village=plans["village_code"].map(villages),
        head_name=plans["household_id"].map(heads["name"]),
        head_id=plans["household_id"].map(heads["person_id"]),
        rule_name=plans["rule_id"].astype(str).map({k: r.name for k, r in RULES.items()}),
        fixed="",
        fixed_date=pd.NaT,
        person="",
        note="",
    )
    written = [
        write_workbook(
            folder / "一户一策.xlsx",
            {"一户一策": plans[list(PLAN_HEADERS)]},
            headers=PLAN_HEADERS,
            deadline_column="deadline",
            as_of=as_of,
        )
    ]
    problems = data.problems.assign(village=data.problems["village_code"].map(villages))
    f = artifacts.findings[artifacts.findings["household_id"].isin(own_ids)]
    names = data.members.drop_duplicates("person_id").set_index("person_id")["name"]
    f = f.assign(
        village=f["village_code"].map(villages),
        name=f["person_id"].map(names),
        rule_name=f["rule_id"].astype(str).map({k: r.name for k, r in RULES.items()}),
    )
    written.append(
        write_workbook(
            folder / "问题清单.xlsx",
            {"问题清单": problems[list(PROBLEM_HEADERS)], "户级问题": f[list(FINDING_HEADERS)]},
            headers={**PROBLEM_HEADERS, **FINDING_HEADERS},
            deadline_column="deadline",
            as_of=as_of,
        )
    )
    sample = artifacts.sample[artifacts.sample["household_id"].isin(own_ids)]
    if len(sample):
        town = data.townships["name"].iloc[0]
        rows = visit_list_frame(sample, data)
        written.append(
            write_visit_list(
                rows, folder / "入户核查名单.xlsx", f"{town} 入户核查名单（{len(rows)} 户）"
            )
        )
    return written
