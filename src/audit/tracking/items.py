"""What a tracked item is: its identity across runs, its lead department and its deadline.

A finding of one run and a finding of the next are the same *item* when they
have the same rule, household and person (or, for village rules, the same rule
and village). The item's department (牵头单位) and deadline follow the rule: the
rules with an action in 一户一策 (:data:`audit.rules.ACTIONS`) take that action's
owner unit and deadline; the others take the unit of :data:`OTHER_OWNERS` and the
final deadline (``deadlines.final``). A joint owner such as "住建局、乡镇人民政府"
is counted under its first, leading unit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from audit.rules.actions import ACTIONS
from audit.rules.registry import RULES

__all__ = [
    "DEADLINE_LABELS",
    "OTHER_OWNERS",
    "deadline_of",
    "deadlines",
    "in_scope",
    "item_keys",
    "lead_unit",
    "rule_attributes",
]

#: Lead department of the rules without a 一户一策 action (data quality, warnings, villages).
OTHER_OWNERS: dict[str, str] = {
    "INC-02": "乡镇人民政府",
    "HOUSE-04": "住建局",
    "RISK-01": "乡村振兴局",
    "RISK-02": "乡村振兴局",
    "RISK-03": "乡村振兴局",
    "CONS-06": "民政局",
    "VIL-01": "交通运输局",
    "VIL-02": "卫健局",
    "VIL-03": "工信局",
    "VIL-04": "水务局",
    "VIL-05": "交通运输局",
    "VIL-06": "农业农村局",
}
#: Default lead department: the registry's data quality belongs to 乡村振兴局.
DEFAULT_OWNER = "乡村振兴局"
#: Deadline classes and their Chinese labels.
DEADLINE_LABELS = {
    "insurance_days": "参保类（10日内）",
    "hukou": "户籍类（4月30日前）",
    "final": "全部问题（6月30日前）",
}


def lead_unit(owner: str) -> str:
    """Return the leading unit of a joint owner ("住建局、乡镇人民政府" → "住建局")."""
    return owner.split("、")[0]


def rule_attributes() -> pd.DataFrame:
    """Return one row per rule: ``rule_id, owner_unit`` (lead unit), ``deadline_key``.

    Examples
    --------
    >>> a = rule_attributes().set_index("rule_id")
    >>> a.loc["MED-01", "owner_unit"], a.loc["MED-01", "deadline_key"]
    ('医保局', 'insurance_days')
    """
    rows = []
    for rid in RULES:
        if rid in ACTIONS:
            _, owner, key = ACTIONS[rid]
        else:
            owner, key = OTHER_OWNERS.get(rid, DEFAULT_OWNER), "final"
        rows.append((rid, lead_unit(owner), key))
    return pd.DataFrame(rows, columns=["rule_id", "owner_unit", "deadline_key"])


def deadline_of(key: str, settings) -> dt.date:
    """Return the date of a deadline class (``insurance_days`` counts from the reference date)."""
    d = settings.deadlines
    if key == "insurance_days":
        return settings.audit.reference_date + dt.timedelta(days=d.insurance_days)
    return getattr(d, key)


def deadlines(settings) -> dict[str, dt.date]:
    """Return every deadline class with its date."""
    return {key: deadline_of(key, settings) for key in DEADLINE_LABELS}


def _text(values: pd.Series) -> pd.Series:
    """Values as strings, missing as empty strings (vectorised)."""
    text = values.astype("str")
    return text.where(values.notna(), "").fillna("")


def item_keys(findings: pd.DataFrame) -> np.ndarray:
    """Return the identity of each finding across runs (vectorised).

    ``rule|household|person`` for household and person findings, ``rule|V<village>``
    for village findings (no household).

    Examples
    --------
    >>> f = pd.DataFrame({"rule_id": ["MED-01", "VIL-02"], "household_id": ["H1", None],
    ...                   "person_id": ["P1", None], "village_code": ["V", "620523100001"]})
    >>> list(item_keys(f))
    ['MED-01|H1|P1', 'VIL-02|V620523100001']
    """
    rule = _text(findings["rule_id"])
    household = _text(findings["household_id"])
    per_household = rule + "|" + household + "|" + _text(findings["person_id"])
    per_village = rule + "|V" + _text(findings["village_code"])
    return per_household.where(household != "", per_village).to_numpy(dtype=object)


def in_scope(frame: pd.DataFrame, scope: str = "rectification") -> pd.Series:
    """Return which findings or items are rectification items (整改事项).

    ``scope="rectification"`` (default) keeps what must be fixed: every critical or
    error finding, and every finding with a 一户一策 action; it leaves out the
    warnings (提示) that call for monitoring only (RISK-01 to RISK-03, HH-05,
    CONS-05, VIL-05, VIL-06). ``scope="all"`` keeps everything.
    """
    if scope == "all":
        return pd.Series(True, index=frame.index)
    if scope != "rectification":
        raise ValueError(f"unknown scope {scope!r}")
    return frame["severity"].astype(str).ne("warning") | frame["rule_id"].astype(str).isin(
        list(ACTIONS)
    )
