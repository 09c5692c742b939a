"""Reading returns: a filled 一户一策/问题清单 workbook (or table) → checked claims.

Every answer is checked: 是否已整改 must be 是 or 否 (synonyms such as 已整改,
未整改, Y/N are accepted), 整改完成日期 a date (2024-04-10, 2024/4/10, 2024年4月10日),
the rule id a known rule and the household or village given. A bad value is an
:class:`~audit.errors.InputError` naming the file, sheet, row (as the user sees
it) and column. Rows left blank in 是否已整改 carry no claim and are left out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from audit.errors import InputError
from audit.rules.registry import RULES

__all__ = ["NO", "RETURN_HEADERS", "YES", "claims_from_rows", "read_return"]

RETURN_HEADERS = {
    "township_code": "乡镇代码", "township": "乡镇", "village_code": "村代码",
    "household_id": "户编号", "rule_id": "规则编号", "rule_name": "问题名称",
    "message": "问题描述", "people": "涉及人数", "action": "整改措施", "owner_unit": "责任单位",
    "deadline": "整改时限", "fixed": "是否已整改", "fixed_date": "整改完成日期",
    "person": "责任人", "note": "备注",
}  # fmt: skip
_BY_ZH = {v: k for k, v in RETURN_HEADERS.items()}
YES = ("是", "已整改", "已完成", "Y", "YES", "1", "√")
NO = ("否", "未整改", "未完成", "整改中", "N", "NO", "0", "×")


def _error(path, sheet, row, column, zh, en):
    return InputError(zh, en, file=str(path), sheet=sheet, row=int(row), column=column)


def _answers(values: pd.Series, path, sheet) -> pd.Series:
    text = values.astype("str").str.strip().str.upper().where(values.notna(), "").fillna("")
    fixed = pd.Series(pd.NA, index=values.index, dtype="boolean")
    fixed[text.isin(YES)] = True
    fixed[text.isin(NO)] = False
    bad = text.ne("") & fixed.isna()
    if bad.any():
        i = bad.idxmax()
        raise _error(path, sheet, i + 2, "是否已整改",
                     f"“是否已整改”只能填“是”或“否”，此处为“{values[i]}”",
                     f"是否已整改 must be 是 or 否, found {values[i]!r}")  # fmt: skip
    return fixed


def _fixed_dates(values: pd.Series, path, sheet) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[us]")
    text = values.astype("str").str.strip().str.replace(r"[./年月]", "-", regex=True)
    text = text.str.replace("日", "")
    text = text.where(values.notna() & text.ne("") & text.ne("NaT") & text.ne("nan"), None)
    dates = pd.to_datetime(text.str.slice(0, 10), errors="coerce", format="mixed")
    bad = text.notna() & dates.isna()
    if bad.any():
        i = bad.idxmax()
        raise _error(path, sheet, i + 2, "整改完成日期",
                     f"整改完成日期“{values[i]}”无法识别，请填写如 2024-04-10",
                     f"整改完成日期 {values[i]!r} is not a date (e.g. 2024-04-10)")  # fmt: skip
    future = (dates > pd.Timestamp(dt.date.today())).fillna(False).astype(bool)
    if future.any():
        i = future.idxmax()
        raise _error(path, sheet, i + 2, "整改完成日期",
                     f"整改完成日期“{values[i]}”在未来，尚未发生，不能报已整改",
                     f"整改完成日期 {values[i]!r} lies in the future")  # fmt: skip
    return dates.astype("datetime64[us]")


def _text(values: pd.Series) -> pd.Series:
    """Text stripped of spaces; missing and empty cells as None."""
    text = values.astype("str").str.strip()
    return text.where(values.notna() & text.ne(""), None)


def _ids(values: pd.Series) -> pd.Series:
    """IDs as text: numbers typed into Excel come back without a trailing ``.0``."""
    return _text(values).str.removesuffix(".0")


def read_return(path: str | Path) -> pd.DataFrame:
    """Read the claims of a filled return workbook (every sheet with the return's headers).

    Returns
    -------
    DataFrame
        ``sheet, row`` (the row number the user sees), ``township_code, household_id,
        village_code, rule_id, fixed`` (bool), ``fixed_date, person, note``; rows left
        blank in 是否已整改 are left out.

    Raises
    ------
    InputError
        The file cannot be read, no sheet has the headers, or a value is invalid
        (naming file, sheet, row and column).
    """
    from audit.ingest.readers import check_file

    path = Path(path)
    check_file(path)  # missing, password-protected, or a zip bomb: refused before unpacking
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=object, engine="calamine")
    except Exception as exc:
        raise InputError(f"无法读取回执文件：{exc}", f"cannot read the return: {exc}",
                         file=str(path)) from None  # fmt: skip
    parts = []
    for sheet, frame in book.items():
        frame = frame.rename(columns=lambda c: _BY_ZH.get(str(c).strip(), c))
        if not {"rule_id", "fixed"} <= set(frame) or not {"household_id", "village_code"} & set(
            frame
        ):
            continue
        parts.append(_claims_of(frame, path, sheet))
    if not parts:
        raise InputError("回执中没有找到包含“户编号、规则编号、是否已整改”列的工作表",
                         "no sheet of the return has the columns 户编号, 规则编号, 是否已整改",
                         file=str(path))  # fmt: skip
    return _numbered(parts)


def claims_from_rows(rows: pd.DataFrame, source: str = "") -> pd.DataFrame:
    """Turn filled work-list rows (English columns of :data:`RETURN_HEADERS`) into claims.

    The same checks as :func:`read_return`; used for returns that arrive as tables
    (the demo history) rather than workbooks.
    """
    return _numbered([_claims_of(rows.reset_index(drop=True), source, "")])


def _numbered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    claims = pd.concat(parts, ignore_index=True)
    claims["fixed"] = claims["fixed"].astype(bool)
    # One sequence of row numbers over the sheets (the ledger's claim key is return × row).
    claims["row"] = np.arange(1, len(claims) + 1)
    return claims


def _claims_of(frame: pd.DataFrame, path, sheet: str) -> pd.DataFrame:
    """Check and convert one sheet's rows; rows with 是否已整改 blank are left out."""
    fixed = _answers(frame["fixed"], path, sheet)
    empty = pd.Series(None, index=frame.index, dtype=object)
    out = pd.DataFrame({
            "sheet": sheet,
        "row": frame.index.to_numpy() + 2,
        "township_code": _ids(frame.get("township_code", empty)),
        "household_id": _ids(frame.get("household_id", empty)),
        "village_code": _ids(frame.get("village_code", empty)),
        "rule_id": frame["rule_id"].astype("str").str.strip().str.upper(),
        "fixed": fixed,
        "fixed_date": _fixed_dates(frame.get("fixed_date", empty), path, sheet),
        "person": _text(frame.get("person", empty)),
        "note": _text(frame.get("note", empty)),
    })  # fmt: skip
    missing = out["household_id"].isna() & out["village_code"].isna()
    unknown_rule = ~out["rule_id"].isin(list(RULES))
    for mask, col, zh in ((missing, "户编号", "户编号和村代码均为空"),
                          (unknown_rule, "规则编号", "规则编号不存在")):  # fmt: skip
        bad = mask & fixed.notna()
        if bad.any():
            i = bad.idxmax()
            raise _error(path, sheet, i + 2, col, zh, f"{col}: missing or unknown value")
    return out[fixed.notna().to_numpy()]
