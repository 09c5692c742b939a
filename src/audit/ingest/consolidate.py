"""Table parts from all sheets → the Dataset's tables, with cross-row checks.

* Rows with an error are dropped from every table they feed.
* Keyed tables (all but ``members``) are merged by key: rows of one household
  (the member rows of a person-level export, or the same household in two
  files) must agree on every household column where both are filled; a blank
  cell is taken as "not repeated". A household whose rows disagree is an error
  on each of its rows (the message names the column and the values), and none
  of its rows is accepted. The same holds for duplicated keys of other tables.
* Members must belong to an accepted household (when households were read),
  visits likewise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.ingest.issues import IssueLog
from audit.ingest.normalise import _scalar_text
from audit.schema import TABLES

__all__ = ["consolidate", "drop_rejected", "orphans", "repeated_members"]

_PROVENANCE = ["_sheet", "_row"]


def drop_rejected(part: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of ``part`` whose (sheet, row) is not in ``rejected``."""
    if part.empty or rejected.empty:
        return part
    key = pd.MultiIndex.from_frame(part[_PROVENANCE].astype("int64"))
    bad = pd.MultiIndex.from_frame(rejected.set_axis(_PROVENANCE, axis=1))
    return part[~key.isin(bad)]


def _value_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return _scalar_text(v)


def consolidate(
    table: str, part: pd.DataFrame, sheets: dict, log: IssueLog
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge the rows of a keyed table by key, logging disagreements.

    Parameters
    ----------
    table : str
        Table name (not ``members``).
    part : DataFrame
        Accepted rows from all sheets, with ``_sheet`` and ``_row``.
    sheets : dict
        ``{sheet_id: SheetResult}``, for messages.
    log : IssueLog
        Where disagreements are logged (as errors on every row of the key).

    Returns
    -------
    (DataFrame, DataFrame)
        One row per key (first appearance order; first filled value per column),
        and the provenance (``_sheet, _row``) of the rows rejected.
    """
    key = list(TABLES[table].key)
    if part.empty:
        return part, pd.DataFrame(columns=_PROVENANCE, dtype="int64")
    part = part.reset_index(drop=True)
    dup = part.duplicated(key, keep=False)
    if not dup.any():
        return part, pd.DataFrame(columns=_PROVENANCE, dtype="int64")
    multi = part[dup]
    g = multi.groupby(key, sort=False, dropna=False)
    data_cols = [c for c in part.columns if c not in key and c not in _PROVENANCE]
    first = g[data_cols].transform("first")
    conflict_cols = {}
    for c in data_cols:
        differs = multi[c].notna() & first[c].notna() & (multi[c] != first[c])
        differs = differs.fillna(False).astype(bool)
        if differs.any():
            conflict_cols[c] = differs
    bad_keys = pd.Series(False, index=multi.index)
    for differs in conflict_cols.values():
        groups = multi.loc[differs, key].drop_duplicates()
        bad_keys |= pd.MultiIndex.from_frame(multi[key]).isin(pd.MultiIndex.from_frame(groups))
    rejected_rows = multi[bad_keys]
    _log_conflicts(table, rejected_rows, conflict_cols, key, sheets, log)
    merged = g.first().reset_index()
    merged_keys = pd.MultiIndex.from_frame(merged[key])
    bad_index = pd.MultiIndex.from_frame(rejected_rows[key].drop_duplicates())
    merged = merged[~merged_keys.isin(bad_index)]
    single = part[~dup]
    out = pd.concat([single, merged], ignore_index=False)
    # restore first-appearance order
    order = part.drop_duplicates(key)[key].reset_index()
    out = order.merge(out, on=key, how="inner").sort_values("index").drop(columns="index")
    out = out[part.columns].reset_index(drop=True)
    return out, rejected_rows[_PROVENANCE].astype("int64")


def _log_conflicts(table, rows, conflict_cols, key, sheets, log: IssueLog) -> None:
    t = TABLES[table]
    kind = "household_conflict" if table == "households" else "duplicate_key"
    key_label = "、".join(t.column(k).zh for k in key)
    for col, differs in conflict_cols.items():
        zh = t.column(col).zh
        groups = rows.loc[rows.index.intersection(differs.index)]
        for _, grp in groups.groupby(key, sort=False, dropna=False):
            values = "、".join(dict.fromkeys(_value_text(v) for v in grp[col] if _value_text(v)))
            key_text = "/".join(_value_text(grp[k].iloc[0]) for k in key)
            for s_id, row, v in zip(grp["_sheet"], grp["_row"], grp[col], strict=True):
                sheet = sheets[int(s_id)]
                header = sheet.recognition.columns.get(table, {}).get(col)
                column = header.label if header is not None else zh
                if kind == "household_conflict":
                    fields = {"header": zh, "key": key_text, "values": values}
                    value = _value_text(v)
                else:
                    fields = {"header": key_label, "values": f"{zh}：{values}"}
                    value = key_text
                log._add(sheet, int(row), column, value, kind, **fields)


def orphans(
    part: pd.DataFrame, known: pd.Index, sheets: dict, log: IssueLog, key: str
) -> pd.DataFrame:
    """Rows whose household is not in ``known``: logged under ``key``; returns their provenance."""
    if part.empty:
        return pd.DataFrame(columns=_PROVENANCE, dtype="int64")
    bad = ~part["household_id"].isin(known)
    for s_id, row, hid in part.loc[bad, ["_sheet", "_row", "household_id"]].itertuples(index=False):
        sheet = sheets[int(s_id)]
        tables = sheet.recognition.columns
        header = next(
            (cols["household_id"] for cols in tables.values() if "household_id" in cols), None
        )
        log._add(sheet, int(row), header.label if header else "户编号", hid, key)
    return part.loc[bad, _PROVENANCE].astype("int64")


def repeated_members(part: pd.DataFrame, sheets: dict, log: IssueLog) -> pd.DataFrame:
    """Later rows of a person already listed in the same household: logged, provenance returned.

    The first row is kept; each repeat is rejected naming the row it repeats.
    """
    if part.empty:
        return pd.DataFrame(columns=_PROVENANCE, dtype="int64")
    key = ["person_id", "household_id"]
    again = part.duplicated(key, keep="first")
    firsts = part.drop_duplicates(key).set_index(key)["_row"]
    lines = part.loc[again, ["_sheet", "_row", *key]].itertuples(index=False)
    for s_id, row, pid, hid in lines:
        sheet = sheets[int(s_id)]
        header = next(
            (c["person_id"] for c in sheet.recognition.columns.values() if "person_id" in c), None
        )
        label = header.label if header else "证件号码"
        log._add(sheet, int(row), label, pid, "repeated_person", first=int(firsts[(pid, hid)]))
    return part.loc[again, _PROVENANCE].astype("int64")
