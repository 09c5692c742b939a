"""The ingest report: what was read, accepted and rejected, and why.

Written next to the Dataset:

* ``ingest_report.xlsx`` — 汇总 (per file and sheet: table, header row, rows
  read / accepted / rejected, warnings, blank and totals rows skipped, columns
  ignored), 问题明细 (one line per problem: file, sheet, row as the user sees it,
  column, value, problem, severity, rule, message in Chinese and English),
  列对照 (which header fed which column, and which were ignored);
* ``ingest_report.json`` — the same content;
* ``rejects.xlsx`` — the rejected rows as they were read, one sheet per source
  sheet, with their row number and reasons: fix them there and ingest the file again.

Invariant: for every sheet, rows read = rows accepted + rows rejected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from audit.excel import XLSXWRITER_OPTIONS
from audit.schema import TABLES

__all__ = ["REPORT_FILES", "format_summary", "sheet_summary", "write_reports"]

REPORT_FILES = ("ingest_report.xlsx", "ingest_report.json", "rejects.xlsx")

_SUMMARY_ZH = {
    "file": "文件",
    "sheet": "工作表",
    "status": "状态",
    "tables": "识别为",
    "header_row": "表头行",
    "rows_read": "读取行数",
    "accepted": "接收行数",
    "rejected": "拒收行数",
    "warnings": "警告条数",
    "blank_rows": "跳过空行",
    "totals_rows": "跳过合计行",
    "ignored_columns": "忽略的列",
    "encoding": "编码",
}
_ISSUES_ZH = {
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "column": "列",
    "value": "值",
    "problem": "问题代码",
    "severity": "级别",
    "rule": "规则",
    "message_zh": "说明",
    "message_en": "message",
}
_STATUS_ZH = {"read": "已读取", "empty": "空表，跳过", "unrecognised": "未识别，跳过"}


def sheet_summary(sheets: list, issues: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    """One row per sheet: counts read, accepted, rejected (read = accepted + rejected)."""
    bad = rejected.groupby("sheet_id").size() if len(rejected) else pd.Series(dtype="int64")
    warn = issues[issues["severity"] == "warning"].groupby("sheet_id").size()
    rows = []
    for s in sheets:
        read = len(s.rows)
        n_bad = int(bad.get(s.sheet_id, 0))
        rec = s.recognition
        rows.append(
            {
                "sheet_id": s.sheet_id,
                "file": s.file,
                "sheet": s.sheet or "",
                "status": s.status,
                "tables": "+".join(rec.tables) if rec else "",
                "header_row": (s.header.first_row + 1) if s.header and rec else None,
                "rows_read": read,
                "accepted": read - n_bad,
                "rejected": n_bad,
                "warnings": int(warn.get(s.sheet_id, 0)),
                "blank_rows": s.blank_rows,
                "totals_rows": len(s.totals_rows),
                "ignored_columns": "、".join(h.label for h in rec.ignored) if rec else "",
                "encoding": s.encoding or "",
            }
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["header_row"] = frame["header_row"].astype("Int64")
    return frame


def _mapping(sheets: list) -> pd.DataFrame:
    rows = []
    for s in sheets:
        rec = s.recognition
        if rec is None:
            continue
        for table, cols in rec.columns.items():
            for name, h in cols.items():
                rows.append([s.file, s.sheet or "", h.label, f"{TABLES[table].zh}.{name}", "读取"])
        for level, h in rec.places.items():
            rows.append([s.file, s.sheet or "", h.label, f"地名:{level}", "用于解析村/乡镇代码"])
        for h in rec.ignored:
            if h.text:
                rows.append([s.file, s.sheet or "", h.label, "", "忽略 / ignored"])
    return pd.DataFrame(rows, columns=["文件", "工作表", "表头", "对应列", "处理"])


def _rejects(sheets: list, issues: pd.DataFrame, rejected: pd.DataFrame) -> dict:
    """Rejected raw rows per sheet, with their reasons."""
    out = {}
    errors = issues[issues["severity"] == "error"]
    reasons = (
        errors.assign(text=errors["column"].fillna("") + "：" + errors["message_zh"])
        .groupby(["sheet_id", "row"])["text"]
        .agg("；".join)
    )
    for s in sheets:
        rows = rejected.loc[rejected["sheet_id"] == s.sheet_id, "row"]
        if rows.empty or s.raw is None:
            continue
        raw = s.raw.loc[s.raw.index.intersection(rows)]
        headers = [h.text or h.letter for h in s.header.columns]
        headers += [f"{c}列" for c in range(len(headers), raw.shape[1])]
        frame = raw.copy()
        frame.columns = _unique(headers[: raw.shape[1]])
        frame.insert(0, "原行号", raw.index)
        frame["拒收原因"] = [reasons.get((s.sheet_id, int(r)), "") for r in raw.index]
        name = Path(s.file).stem if s.sheet is None else s.sheet
        out[_sheet_name(name, out)] = frame
    return out


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _sheet_name(name: str, taken) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "sheet"
    out, i = base, 1
    while out in taken:
        i += 1
        out = f"{base[:25]}_{i}"
    return out


def write_reports(
    folder: str | Path, sheets: list, issues: pd.DataFrame, rejected: pd.DataFrame, meta: dict
) -> list[Path]:
    """Write ``ingest_report.xlsx``, ``ingest_report.json`` and ``rejects.xlsx`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = sheet_summary(sheets, issues, rejected)
    shown = issues.drop(columns="sheet_id")
    paths = [folder / name for name in REPORT_FILES]
    # XlsxWriter with XLSXWRITER_OPTIONS: values from the data are written as text, never formulas
    excel = {"engine": "xlsxwriter", "engine_kwargs": {"options": XLSXWRITER_OPTIONS}}
    with pd.ExcelWriter(paths[0], **excel) as xw:
        summary.drop(columns="sheet_id").assign(status=summary["status"].map(_STATUS_ZH)).rename(
            columns=_SUMMARY_ZH
        ).to_excel(xw, sheet_name="汇总", index=False)
        shown[list(_ISSUES_ZH)].rename(columns=_ISSUES_ZH).to_excel(
            xw, sheet_name="问题明细", index=False
        )
        _mapping(sheets).to_excel(xw, sheet_name="列对照", index=False)
    payload = {
        "meta": meta,
        "sheets": json.loads(summary.drop(columns="sheet_id").to_json(orient="records")),
        "issues": json.loads(shown.to_json(orient="records", force_ascii=False)),
    }
    paths[1].write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    rejects = _rejects(sheets, issues, rejected)
    with pd.ExcelWriter(paths[2], **excel) as xw:
        if not rejects:
            pd.DataFrame({"说明": ["没有拒收的行 / no rejected rows"]}).to_excel(
                xw, sheet_name="拒收", index=False
            )
        for name, frame in rejects.items():
            frame.to_excel(xw, sheet_name=name, index=False)
    return paths


def format_summary(summary: pd.DataFrame, issues: pd.DataFrame) -> str:
    """Return a short Chinese summary for the terminal."""
    lines = []
    for s in summary.itertuples(index=False):
        where = s.file + (f" ▸ {s.sheet}" if s.sheet else "")
        if s.status != "read":
            lines.append(f"  {where}：{_STATUS_ZH[s.status]}")
            continue
        tables = "、".join(TABLES[t].zh for t in s.tables.split("+"))
        lines.append(
            f"  {where}：识别为「{tables}」，读取 {s.rows_read} 行，接收 {s.accepted} 行，"
            f"拒收 {s.rejected} 行，警告 {s.warnings} 条"
        )
    total_read = int(summary["rows_read"].sum()) if len(summary) else 0
    total_bad = int(summary["rejected"].sum()) if len(summary) else 0
    lines.append(
        f"合计：读取 {total_read} 行，接收 {total_read - total_bad} 行，拒收 {total_bad} 行。"
    )
    errors = issues[issues["severity"] == "error"]
    for line in errors.head(5).itertuples(index=False):
        where = " ▸ ".join(
            str(x) for x in (line.file, line.sheet, f"第{line.row}行", line.column) if x
        )
        lines.append(f"  ✗ {where}：{line.message_zh}")
    if len(errors) > 5:
        lines.append(f"  …… 另有 {len(errors) - 5} 条错误，见 ingest_report.xlsx")
    return "\n".join(lines)
