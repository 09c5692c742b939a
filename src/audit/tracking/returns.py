"""Township returns: the 一户一策/问题清单 sheets handed out, filled in, and taken back.

:func:`write_return_template` writes the work list of a township (one row per
household × rule, or village × rule) with the columns a township fills in:
是否已整改 (是/否), 整改完成日期, 责任人, 备注. :func:`ingest_return` reads a
filled workbook back, checks every answer (a bad value is an error naming the
file, sheet, row and column) and records the claims in the ledger in one
transaction, recognising a file already ingested by its SHA-256. Whether a claim
holds is decided by the next run (:func:`audit.tracking.status.claims_contradicted`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from audit.excel import write_workbook
from audit.rules.actions import ACTIONS
from audit.rules.registry import RULES
from audit.tracking.claims import RETURN_HEADERS, claims_from_rows, read_return
from audit.tracking.items import OTHER_OWNERS, deadline_of, in_scope, rule_attributes
from audit.tracking.ledger import RecordResult

__all__ = [
    "RETURN_HEADERS",
    "claims_from_rows",
    "ingest_claims",
    "ingest_return",
    "read_return",
    "return_rows",
    "write_return",
    "write_return_template",
]

SHEETS = {"household": "一户一策", "village": "问题清单"}
INSTRUCTIONS = [
    "每行是一户（或一个村）的一个问题，请逐行填写右侧四列后交回乡镇整改办。",
    "是否已整改：填“是”或“否”；已整改的须填写整改完成日期（如 2024-04-10）和责任人。",
    "请勿修改户编号、村代码、规则编号三列，否则无法对应到问题。",
    "整改时限标红的为已逾期问题。下一轮审核将核验“是”的问题：仍存在的将列为“已报整改但仍存在”。",
]


def return_rows(findings: pd.DataFrame, settings, township_names: dict | None = None,
                scope: str = "rectification") -> pd.DataFrame:  # fmt: skip
    """Group findings into work-list rows: one per household × rule (or village × rule).

    Parameters
    ----------
    findings : DataFrame
        Findings (:func:`audit.rules.run`) or open items (:func:`audit.tracking.open_items`).
    settings : Settings
    township_names : dict, optional
        Township code → name for the 乡镇 column.
    scope : str
        ``"rectification"`` (default) or ``"all"`` (:func:`audit.tracking.items.in_scope`).

    Returns
    -------
    DataFrame
        Columns of :data:`RETURN_HEADERS`, the fill-in columns blank.
    """
    f = findings[in_scope(findings, scope)]
    unit = f["household_id"].astype("str").fillna("V" + f["village_code"].astype("str"))
    message = f["message"] if "message" in f else pd.Series("", index=f.index)
    f = f.assign(_unit=unit.to_numpy(), message=message.to_numpy(),
                 _person=f["person_id"].notna().to_numpy())  # fmt: skip
    g = f.groupby(["_unit", "rule_id"], observed=True, sort=False)
    rows = g.agg(township_code=("township_code", "first"), village_code=("village_code", "first"),
                 household_id=("household_id", "first"), message=("message", "first"),
                 people=("_person", "sum")).reset_index()  # fmt: skip
    rows["rule_id"] = rule = rows["rule_id"].astype(str)
    owners = {k: v[1] for k, v in ACTIONS.items()} | OTHER_OWNERS
    keys = rule_attributes().set_index("rule_id")["deadline_key"]
    dates = {k: pd.Timestamp(deadline_of(k, settings)) for k in keys.unique()}
    rows = rows.assign(
        township=rows["township_code"].map(township_names or {}),
        rule_name=rule.map({k: r.name for k, r in RULES.items()}),
        action=rule.map({k: v[0] for k, v in ACTIONS.items()}).fillna("核实并整改"),
        owner_unit=rule.map(owners).fillna("乡村振兴局"),
        deadline=rule.map(keys).map(dates).astype("datetime64[us]"),
        fixed="",
        fixed_date=pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us]"),
        person="",
        note="",
    )
    rows = rows.sort_values(["township_code", "village_code", "household_id", "rule_id"],
                            na_position="first", ignore_index=True)  # fmt: skip
    return rows[list(RETURN_HEADERS)]


def write_return(path: str | Path, rows: pd.DataFrame, as_of: dt.date | None = None) -> Path:
    """Write work-list rows (:func:`return_rows`, possibly filled in) as a return workbook."""
    village = rows["household_id"].isna()
    sheets = {SHEETS["household"]: rows[~village], SHEETS["village"]: rows[village],
              "填报说明": pd.DataFrame({"说明": INSTRUCTIONS})}  # fmt: skip
    return write_workbook(path, sheets, headers=RETURN_HEADERS, deadline_column="deadline",
                          as_of=as_of)  # fmt: skip


def write_return_template(path: str | Path, findings: pd.DataFrame, settings, *,
                          township_code: str | None = None, township_names: dict | None = None,
                          as_of: dt.date | None = None) -> Path:  # fmt: skip
    """Write the blank return workbook (一户一策 and 问题清单 sheets) for a township.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` to write.
    findings : DataFrame
        The latest findings or open items.
    settings : Settings
    township_code : str, optional
        Keep this township only (the county when None).
    township_names : dict, optional
    as_of : date, optional
        Deadlines before it are highlighted as overdue.

    Returns
    -------
    Path
    """
    if township_code is not None:
        findings = findings[findings["township_code"].astype(str) == str(township_code)]
    return write_return(path, return_rows(findings, settings, township_names), as_of)


def _mode(values: pd.Series):
    values = values.dropna()
    values = values[values.astype(str).str.strip() != ""]
    return None if values.empty else str(values.mode().iloc[0])


def ingest_return(ledger, path: str | Path, *, township_code: str | None = None,
                  responsible: str | None = None, reported_on=None,
                  kind: str = "township") -> RecordResult:  # fmt: skip
    """Read a filled return and record its claims in the ledger (idempotent by SHA-256).

    Parameters
    ----------
    ledger : Ledger
    path : str or Path
        The filled workbook.
    township_code : str, optional
        Defaults to the most frequent 乡镇代码 of its rows.
    responsible : str, optional
        Person responsible for the return; defaults to the most frequent 责任人.
    reported_on : date, optional
        Date of the return; defaults to the latest 整改完成日期, else today.
    kind : {"township", "visit"}
        ``"visit"``: a door-to-door confirmation sheet; its 是 rows verify items.

    Returns
    -------
    RecordResult
        ``duplicate`` when this file (same SHA-256) was ingested before. ``rows``
        also counts ``claimed_fixed`` and ``unmatched`` (claims naming no item the
        ledger has seen).
    """
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    known = ledger.find_return(digest)
    if known is not None:  # checked again inside the write transaction (two importers)
        return _duplicate(known)
    return ingest_claims(ledger, read_return(path), source=path.name, sha256=digest,
                         township_code=township_code, responsible=responsible,
                         reported_on=reported_on, kind=kind)  # fmt: skip


def _duplicate(return_id: int) -> RecordResult:
    return RecordResult("return", return_id, "duplicate", {},
                        f"该回执已于此前导入（回执 {return_id}），未重复写入")  # fmt: skip


def ingest_claims(ledger, claims: pd.DataFrame, *, source: str, sha256: str | None = None,
                  township_code: str | None = None, responsible: str | None = None,
                  reported_on=None, kind: str = "township") -> RecordResult:  # fmt: skip
    """Record checked claims (:func:`read_return`, :func:`claims_from_rows`) as one return.

    ``sha256`` defaults to a hash of the claims' content, so the same table ingested
    twice is recognised. Other parameters as :func:`ingest_return`.
    """
    if sha256 is None:
        text = claims.drop(columns=["sheet"], errors="ignore").to_csv(index=False)
        sha256 = hashlib.sha256(text.encode()).hexdigest()
    if reported_on is None:
        latest = claims["fixed_date"].max()
        reported_on = dt.date.today() if pd.isna(latest) else latest.date()
    meta = {"kind": kind, "file": source, "sha256": sha256, "reported_on": reported_on,
            "township_code": township_code or _mode(claims["township_code"]),
            "responsible": responsible or _mode(claims["person"])}  # fmt: skip
    result = ledger.record_return(meta, claims)
    if result.duplicate:
        return _duplicate(result.id)
    unmatched = ledger.unmatched_claims(result.id)
    rows = {**result.rows, "claimed_fixed": int(claims["fixed"].sum()), "unmatched": unmatched}
    return dataclasses.replace(result, rows=rows)
