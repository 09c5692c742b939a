"""One sheet → table parts: header, data rows, normalised columns and row problems.

The data rows of a sheet are the rows below its header, less blank rows and
totals rows (合计, 总计, 小计 with no identifier), which are counted and
reported but not read. Every row read is later either accepted or rejected
with its reasons (:mod:`audit.ingest.consolidate`).

Row numbers are those a user sees in the spreadsheet (1-based, counting title
rows); for a CSV file, the record number (the row Excel shows when it opens it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.ingest import normalise as nz
from audit.ingest.headers import Header, HeaderMap, column_letter, find_header
from audit.ingest.issues import IssueLog
from audit.ingest.places import Divisions
from audit.ingest.readers import RawSheet
from audit.ingest.recognise import Recognition, recognise
from audit.schema import TABLES, Column

__all__ = ["SheetResult", "read_sheet"]

_TOTALS = re.compile(r"^.{0,12}(合计|总计|小计)$")
#: Identifier columns read as codes (digits kept as text, numeric cells checked).
_CODE_COLUMNS = {
    "household_id",
    "village_code",
    "township_code",
    "county_code",
    "urban_rural_code",
    "project_id",
    "problem_id",
    "complaint_id",
    "phone",
}
_MONEY_YUAN = {
    "income_wage",
    "income_business",
    "income_property",
    "income_transfer",
    "business_expense",
    "net_income",
    "net_income_per_capita",
    "prev_net_income_per_capita",
    "essential_expenditure",
}


@dataclass
class SheetResult:
    """What was read from one sheet."""

    sheet_id: int
    file: str
    sheet: str | None
    status: str  # "read", "empty", "unrecognised"
    recognition: Recognition | None = None
    header: HeaderMap | None = None
    rows: pd.Index = field(default_factory=lambda: pd.Index([], dtype="int64"))
    raw: pd.DataFrame | None = None
    parts: dict[str, pd.DataFrame] = field(default_factory=dict)
    blank_rows: int = 0
    totals_rows: list[int] = field(default_factory=list)
    encoding: str | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        """Tables read from the sheet."""
        return self.recognition.tables if self.recognition else ()


def column_unit(col: Column) -> str | None:
    """Return the unit of a numeric column: 元, 万元, 公里 or None."""
    if "万元" in col.zh:
        return "万元"
    if col.name in _MONEY_YUAN:
        return "元"
    if "公里" in col.zh:
        return "公里"
    return None


#: Numbers that may be negative (a net income can be a loss); every other number may not.
_SIGNED = {"net_income", "net_income_per_capita", "prev_net_income_per_capita"}
#: Dates of things that have happened, so never after today (plans and deadlines may be).
_EVENT_DATES = {
    "birth_date",
    "hukou_settled_date",
    "visit_date",
    "actual_start",
    "found_date",
    "rectified_date",
    "received_date",
}


def _refuse(values: pd.Series, problems: pd.Series, bad: pd.Series, key: str):
    """Mark the cells where ``bad`` holds (and nothing else is wrong) with ``key``."""
    bad = bad.fillna(False).astype(bool) & problems.isna()
    return values.mask(bad), problems.mask(bad, key)


def normalise_column(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Normalise the raw cells of one schema column (dispatch on its kind)."""
    if col.name == "person_id":
        return nz.normalise_ids(raw)
    if col.kind == "str":
        if col.name in _CODE_COLUMNS:
            return nz.normalise_codes(raw)
        return nz.normalise_text(raw, squeeze=col.name in ("name", "visitor", "helper_cadre"))
    if col.kind in ("int", "float"):
        values, problems = nz.normalise_numbers(
            raw, unit=column_unit(col), integer=col.kind == "int"
        )
        if col.name in _SIGNED:
            return values, problems
        return _refuse(values, problems, values.lt(0), "negative")
    if col.kind == "bool":
        return nz.normalise_bools(raw)
    if col.kind == "date":
        values, problems = nz.normalise_dates(raw)
        if col.name not in _EVENT_DATES:
            return values, problems
        return _refuse(values, problems, values > pd.Timestamp(dt.date.today()), "future_date")
    if col.kind == "enum":
        return nz.normalise_enum(raw, col.enum)
    return nz.normalise_multi(raw, col.enum)


def _blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Cell-wise emptiness of raw cells (``""``, None, NaN, or whitespace only).

    Whitespace-only cells are looked for only in rows with at most a few
    non-empty cells (a data row has many), over their distinct values.
    """
    arr = frame.to_numpy(dtype=object)
    empty = (arr == "") | pd.isna(arr)
    filled = (~empty).sum(axis=1)
    near = ((filled > 0) & (filled <= 3))[:, None] & ~empty
    if near.any():
        empty[near] = _flag_unique(arr[near], nz._is_blank, np.zeros(int(near.sum()), bool))
    return pd.DataFrame(empty, index=frame.index, columns=frame.columns)


def _flag_unique(values: np.ndarray, test, base: np.ndarray) -> np.ndarray:
    """``test`` on the distinct string values among ``values``, scattered where ``~base``."""
    flags = np.zeros(len(base), dtype=bool)
    if len(values):
        is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
        if is_str.any():
            codes, uniques = pd.factorize(values[is_str])
            hit = np.fromiter((bool(test(u)) for u in uniques), dtype=bool, count=len(uniques))
            sub = np.zeros(len(values), dtype=bool)
            sub[is_str] = hit[codes]
            flags[~base] = sub
    return flags


def read_sheet(
    raw: RawSheet,
    sheet_id: int,
    log: IssueLog,
    divisions: Divisions,
    *,
    only: tuple[str, ...] | None = None,
) -> SheetResult:
    """Read one sheet into normalised table parts, logging every problem."""
    result = SheetResult(sheet_id, raw.file, raw.sheet, "empty", encoding=raw.encoding)
    rows = raw.rows
    if not _any_value(rows):
        return result
    header = find_header(rows, raw.merged)
    if header is None:
        result.status = "unrecognised"
        return result
    rec = recognise(header, raw.sheet, file=raw.file, only=only)
    result.header = header
    if rec is None:
        result.status = "unrecognised"
        return result
    result.recognition, result.status = rec, "read"
    width = max(len(header.columns), *(len(r) for r in rows[header.data_start :]), 0)
    body = rows[header.data_start :]
    data = pd.DataFrame(
        [list(r) + [""] * (width - len(r)) for r in body] if raw.is_csv else body,
        dtype=object,
    )
    if data.shape[1] < width:
        for c in range(data.shape[1], width):
            data[c] = ""
    data.index = pd.RangeIndex(header.data_start + 1, header.data_start + 1 + len(data))
    blank = _blank(data)
    empty_row = blank.all(axis=1)
    result.blank_rows = int(empty_row.sum())
    data, blank = data[~empty_row], blank[~empty_row]
    totals = _totals(data, blank, rec)
    result.totals_rows = [int(r) for r in data.index[totals]]
    for r in result.totals_rows:
        log.sheet_note(result, "totals_row", row=r)
    data, blank = data[~totals], blank[~totals]
    result.rows = data.index
    result.raw = data
    _sheet_notes(result, rec, blank, log)
    if raw.is_csv:
        extra = blank.loc[:, len(header.columns) :]
        n_extra = (~extra).sum(axis=1)
        for r in n_extra.index[n_extra > 0]:
            log.row(result, [int(r)], "extra_fields", count=int(n_extra[r]))
    for table in rec.tables:
        result.parts[table] = _build_part(table, rec, data, blank, result, log, divisions)
    return result


def _any_value(rows) -> bool:
    """True when some cell holds a value (stops at the first one)."""
    return any(not nz._is_blank(c) for r in rows for c in r)


def _totals(data: pd.DataFrame, blank: pd.DataFrame, rec: Recognition) -> pd.Series:
    """Rows holding a totals label and no identifier."""
    key_cols = {
        h.index
        for t in rec.tables
        for name, h in rec.columns[t].items()
        if TABLES[t].column(name).required and name not in ("village_code", "township_code")
    }
    label = np.zeros(len(data), dtype=bool)
    for c in data.columns[: min(len(data.columns), 8)]:
        if c in key_cols:
            continue
        cells = blank[c].to_numpy()
        label |= _flag_unique(
            data[c].to_numpy(dtype=object)[~cells],
            lambda v: _TOTALS.match(re.sub(r"\s", "", v)),
            cells,
        )
    no_key = blank[list(key_cols)].all(axis=1).to_numpy() if key_cols else True
    return pd.Series(label & no_key, index=data.index)


def _sheet_notes(result: SheetResult, rec: Recognition, blank: pd.DataFrame, log: IssueLog):
    for dup, kept in rec.duplicates:
        log.sheet_note(result, "duplicate_header", column=dup.label, kept=kept.label)
    used = rec.used()
    for c in blank.columns:
        if c in used or blank[c].all():
            continue
        if c >= len(result.header.columns) or not result.header.columns[c].text:
            if not (result.sheet is None and c >= len(result.header.columns)):
                log.sheet_note(result, "no_header", column=f"{column_letter(c)}列")


def _build_part(
    table: str,
    rec: Recognition,
    data: pd.DataFrame,
    blank: pd.DataFrame,
    result: SheetResult,
    log: IssueLog,
    divisions: Divisions,
) -> pd.DataFrame:
    t = TABLES[table]
    cols = rec.columns[table]
    out = {}
    for col in t.columns:
        h = cols.get(col.name)
        if h is None:
            out[col.name] = pd.Series(np.nan, index=data.index, dtype=_work_dtype(col))
            continue
        values, problems = normalise_column(data[h.index], col)
        if col.required and col.name not in _PLACE_COLS:
            lost = values.isna() & ~problems.eq("code_mangled")
            key = np.where(problems.eq("bad_enum"), "required_enum", "required")
            problems = problems.where(~lost, pd.Series(key, index=problems.index, dtype=object))
        _log_problems(result, log, data[h.index], problems, h, col)
        out[col.name] = values
    frame = pd.DataFrame(out, index=data.index)
    if "village_code" in t.names or "township_code" in t.names:
        _resolve_places(table, frame, rec, data, result, log, divisions)
    frame["_sheet"] = result.sheet_id
    frame["_row"] = data.index.to_numpy()
    return frame.reset_index(drop=True)


_PLACE_COLS = ("village_code", "township_code")


def _work_dtype(col: Column):
    return "str" if col.kind in ("enum", "multi", "str") else col.dtype


def _log_problems(result, log: IssueLog, raw, problems, h: Header, col: Column) -> None:
    flagged = problems.notna()
    if flagged.any():
        log.cells(result, raw[flagged], problems[flagged], header=h, column=col)


def _resolve_places(table, frame, rec, data, result, log, divisions: Divisions) -> None:
    """Resolve village/township codes from codes or names; log unknown places."""
    cols, places = rec.columns[table], rec.places

    def text(h):
        return None if h is None else nz.cell_text(data[h.index])

    if table == "townships":
        village_h, v_in = None, None
        township_h = cols.get("township_code") or cols.get("name") or places.get("township")
    else:
        village_h = cols.get("village_code") or places.get("village")
        v_in = frame["village_code"] if "village_code" in cols else text(village_h)
        township_h = cols.get("township_code") or places.get("township")
    t_in = frame["township_code"] if "township_code" in cols else text(township_h)
    county_h = places.get("county")
    village, township, problem = divisions.resolve(v_in, t_in, text(county_h), data.index)
    t = TABLES[table]
    fine = problem.isna()
    for name, values, h in (
        ("village_code", village, village_h),
        ("township_code", township, township_h or village_h),
    ):
        if name not in t.names:
            continue
        frame[name] = values
        missing = values.isna() & fine
        if t.column(name).required and missing.any():
            log.row(result, data.index[missing], "required", header=h, label=t.column(name).zh)
    for key in problem[~fine].unique():
        rows = problem.eq(key).fillna(False).astype(bool)
        h = county_h if key == "other_county" else None
        if h is None and key in ("unknown_township", "ambiguous_township"):
            h = township_h
        h = h or village_h or township_h
        log.cells(result, data.loc[rows, h.index], key, header=h, county=divisions.county_name)
