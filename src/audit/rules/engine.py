"""Run the rules over a Dataset and assemble the findings (one row per household × rule).

Person-level rules also carry ``person_id``; village rules carry no household.
A census rule whose input is missing gives an ``unknown`` finding (never a pass):
missing is not passing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.rules.context import Context
from audit.rules.registry import RULES, SEVERITY_ZH, Rule, rule_order

__all__ = ["FINDING_COLUMNS", "edit_statistics", "run", "sort_findings"]

FINDING_COLUMNS = ("household_id", "person_id", "village_code", "township_code", "rule_id",
                   "group", "severity", "outcome", "message", "value")  # fmt: skip
OUTCOME_ZH = {"fail": "不通过", "unknown": "待核实"}


def _placeholders(settings) -> dict[str, str]:
    inc, w = settings.income, settings.water
    return {
        "poverty_line": f"{inc.poverty_line:g}",
        "monitoring_line": f"{inc.poverty_line * inc.monitoring_multiple:g}",
        "dibao_line": f"{inc.dibao_line:g}",
        "litres_min": f"{w.litres_min:g}",
        "trip_minutes_max": f"{w.trip_minutes_max:g}",
        "shortage_days_max": f"{w.shortage_days_max:g}",
    }


def _as_text(values: pd.Series) -> pd.Series:
    """Render values for messages: numbers without trailing ``.0``, missing as empty."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        text = values.astype("Float64").round(2).astype("str").str.replace(r"\.0$", "", regex=True)
    elif pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype("str")
    return text.fillna("").replace({"<NA>": "", "nan": ""})


def _keys(ctx: Context, level: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    if level == "village":
        n = len(rows)
        return {"household_id": np.full(n, None), "person_id": np.full(n, None),
                "village_code": ctx.keys("villages", "village_code")[rows],
                "township_code": ctx.keys("villages", "township_code")[rows]}  # fmt: skip
    if level == "person":
        hpos = ctx.member_household[rows]
        person = ctx.keys("members", "person_id")[rows]
        household = ctx.keys("members", "household_id")[rows]
    else:
        hpos, person = rows, np.full(len(rows), None)
        household = ctx.keys("households", "household_id")[rows]
    ok = hpos >= 0
    safe = np.clip(hpos, 0, None)
    village = np.where(ok, ctx.keys("households", "village_code")[safe], None)
    town = np.where(ok, ctx.keys("households", "township_code")[safe], None)
    return {"household_id": household, "person_id": person, "village_code": village,
            "township_code": town}  # fmt: skip


def _findings_of(ctx: Context, rule: Rule, placeholders: dict) -> pd.DataFrame:
    outcome = rule(ctx)
    fails = outcome.fails.reset_index(drop=True)
    is_fail = fails.fillna(False).to_numpy(dtype=bool)
    is_unknown = fails.isna().to_numpy() if rule.unknown_is_finding else np.zeros(len(fails), bool)
    rows = np.flatnonzero(is_fail | is_unknown)
    if not len(rows):
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    template = rule.message.format(**placeholders, value="\0")
    before, _, after = template.partition("\0")
    if callable(outcome.value):
        value = _as_text(pd.Series(outcome.value(rows))).to_numpy()
    elif outcome.value is not None:
        value = _as_text(outcome.value.reset_index(drop=True).iloc[rows]).to_numpy()
    else:
        value = np.full(len(rows), "")
    unknown = is_unknown[rows]
    message = np.where(unknown, f"{rule.name}：信息缺失，无法判断，需入户核实",
                       np.char.add(np.char.add(before, value.astype(str)), after))  # fmt: skip
    return pd.DataFrame({
        **_keys(ctx, rule.level, rows),
        "rule_id": rule.id,
        "group": rule.group,
        "severity": rule.severity,
        "outcome": np.where(unknown, "unknown", "fail"),
        "message": message,
        "value": value,
    })  # fmt: skip


def run(dataset, settings=None, rules=None) -> pd.DataFrame:
    """Run all rules (or the given rule ids) over a Dataset.

    Parameters
    ----------
    dataset : Dataset
    settings : Settings, optional
        Defaults to :func:`audit.settings.load_settings`.
    rules : iterable of str, optional
        Rule ids to run; all registered rules by default.

    Returns
    -------
    DataFrame
        Columns :data:`FINDING_COLUMNS`, sorted by township, village, household,
        rule and person; ``outcome`` is ``fail`` or ``unknown``.
    """
    from audit.settings import load_settings

    settings = settings or load_settings()
    ctx = Context(dataset, settings)
    placeholders = _placeholders(settings)
    chosen = [RULES[r] for r in rules] if rules is not None else list(RULES.values())
    parts = [_findings_of(ctx, r, placeholders) for r in chosen]
    findings = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=list(FINDING_COLUMNS))
    )
    return sort_findings(findings)


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Put findings in canonical order (township, village, household, rule, person) and dtypes.

    Every engine (pandas, Dask) ends with this, so their outputs compare row for row.
    """
    order = {rid: i for i, rid in enumerate(sorted(RULES, key=rule_order))}
    findings = findings.assign(_rule=findings["rule_id"].astype(str).map(order))
    findings = (
        findings.sort_values(
            ["township_code", "village_code", "household_id", "_rule", "person_id"],
            na_position="first",
            kind="stable",
        )
        .drop(columns="_rule")
        .reset_index(drop=True)
    )
    for col in ("household_id", "person_id", "village_code", "township_code", "message", "value"):
        findings[col] = findings[col].astype("str")
    for col in ("rule_id", "group", "severity", "outcome"):
        findings[col] = findings[col].astype("category")
    return findings[list(FINDING_COLUMNS)]


def edit_statistics(findings: pd.DataFrame, townships: pd.DataFrame | None = None) -> pd.DataFrame:
    """Count findings per rule and township (the census offices' edit statistics).

    Returns
    -------
    DataFrame
        One row per rule × township with ``fail`` and ``unknown`` counts,
        people (distinct person ids) and households.
    """
    f = findings.assign(
        fail=findings["outcome"].eq("fail"), unknown=findings["outcome"].eq("unknown")
    )
    g = f.groupby(["rule_id", "township_code"], observed=True)
    stats = pd.DataFrame({
        "fail": g["fail"].sum(),
        "unknown": g["unknown"].sum(),
        "households": g["household_id"].nunique(),
        "people": g["person_id"].nunique(),
    }).reset_index()  # fmt: skip
    meta = pd.DataFrame([(r.id, r.name, r.group, SEVERITY_ZH[r.severity]) for r in RULES.values()],
                        columns=["rule_id", "name", "group", "severity"])  # fmt: skip
    stats = stats.merge(meta, on="rule_id", how="left")
    if townships is not None:
        stats = stats.merge(townships[["township_code", "name"]].rename(
            columns={"name": "township"}), on="township_code", how="left")  # fmt: skip
    return stats
