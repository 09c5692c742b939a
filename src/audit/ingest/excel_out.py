"""Excel out: blank templates, and a Dataset exported so that ingesting it gives it back.

* :func:`write_template` — one workbook, one sheet per table with the Chinese
  headers (required ones marked ``*``), a drop-down list on every code-list and
  yes/no column, and a 说明 sheet describing each column.
* :func:`export_dataset` — the Dataset's tables, one sheet per table, Chinese
  headers; IDs as text, yes/no as 是/否, dates as Excel dates. Ingesting the
  workbook again gives identical tables (tested).
* :func:`export_person_layout` — the registry's G1 person-level layout: one row
  per member with the household's columns repeated, places as names, under a
  title row (the layout of the national system's 贫困人口 export).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from audit.codes import ENUMS, REGISTERED
from audit.excel import as_text_cells
from audit.schema import KIND_LABELS, TABLES, Column

__all__ = ["export_dataset", "export_person_layout", "write_template"]

TEMPLATE_FILE = "导入模板.xlsx"
EXPORT_FILE = "数据集.xlsx"
_TEMPLATE_ROWS = 5000


def _cells(series: pd.Series, col: Column) -> np.ndarray:
    """Cell values of a column for openpyxl (None for missing)."""
    missing = series.isna().to_numpy()
    if col.kind == "bool":
        values = np.where(series.fillna(False).to_numpy(dtype=bool), "是", "否").astype(object)
    elif col.kind == "date":
        values = pd.to_datetime(series).dt.date.to_numpy(dtype=object)
    elif col.kind == "int":
        values = series.astype("float64").fillna(0).to_numpy().astype(np.int64).astype(object)
    elif col.kind == "float":
        values = series.to_numpy(dtype="float64").astype(object)
    else:
        values = series.astype(object).to_numpy()
    values = values.astype(object)
    values[missing] = None
    return values


def _write_rows(ws, headers: list[str], columns: list[np.ndarray]) -> None:
    ws.append(headers)
    columns = [as_text_cells(ws, c) for c in columns]  # data strings stay text, never formulas
    for row in zip(*columns, strict=True):
        ws.append(row)


def export_dataset(ds, out: str | Path) -> Path:
    """Write the Dataset's tables to ``out/数据集.xlsx`` (one sheet per table).

    Parameters
    ----------
    ds : Dataset
    out : path
        Output folder (created).

    Returns
    -------
    Path
        The workbook written.
    """
    from openpyxl import Workbook

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for name, table in TABLES.items():
        frame = getattr(ds, name)
        ws = wb.create_sheet(table.zh)
        _write_rows(
            ws, [c.zh for c in table.columns], [_cells(frame[c.name], c) for c in table.columns]
        )
    path = out / EXPORT_FILE
    wb.save(path)
    return path


def person_layout(ds, statuses=REGISTERED) -> tuple[list[str], list[np.ndarray]]:
    """Headers and cell columns of the G1 person-level layout (one row per member)."""
    hh = ds.households[ds.households["status"].isin(list(statuses))]
    m = ds.members.merge(hh, on="household_id", how="inner", suffixes=("", "_hh"))
    villages = ds.villages.set_index("village_code")["name"]
    towns = ds.townships.set_index("township_code")["name"]
    headers = ["序号", "县(市、区、旗)", "乡(镇)", "行政村", "户编号"]
    columns = [
        np.arange(1, len(m) + 1).astype(object),
        np.full(len(m), ds.meta.get("county_name") or "", dtype=object),
        m["township_code"].map(towns).astype(object).to_numpy(),
        m["village_code"].map(villages).astype(object).to_numpy(),
        m["household_id"].astype(object).to_numpy(),
    ]
    skip = {"household_id", "village_code", "township_code"}
    for col in TABLES["households"].columns:
        if col.name not in skip:
            src = col.name + "_hh" if col.name in ds.members.columns else col.name
            headers.append(col.zh)
            columns.append(_cells(m[src], col))
    for col in TABLES["members"].columns:
        if col.name != "household_id":
            headers.append(col.zh)
            columns.append(_cells(m[col.name], col))
    return headers, columns


def export_person_layout(ds, path: str | Path, statuses=REGISTERED, title=None) -> Path:
    """Write registered households and their members in the G1 person-level layout.

    Parameters
    ----------
    ds : Dataset
    path : path
        The workbook to write.
    statuses : sequence of str
        Household statuses to include (default: registered, 未脱贫 and 已脱贫).
    title : str, optional
        The title row above the header (default: ``<county>建档立卡户家庭成员信息表``).

    Returns
    -------
    Path
    """
    from openpyxl import Workbook

    headers, columns = person_layout(ds, statuses)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("贫困人口")
    title = title or f"{ds.meta.get('county_name') or ''}建档立卡户家庭成员信息表"
    ws.append(list(as_text_cells(ws, [title])))
    _write_rows(ws, headers, columns)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _allowed(col: Column) -> list[str] | None:
    if col.kind == "bool":
        return ["是", "否"]
    if col.kind == "enum":
        return list(ENUMS[col.enum])
    return None


def write_template(out: str | Path) -> Path:
    """Write blank import templates to ``out/导入模板.xlsx``.

    One sheet per table with the Chinese headers (``*`` marks required columns)
    and drop-down lists of the allowed values; a 说明 sheet lists every column.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["表", "列（表头）", "类型", "必填", "可填的值", "其他写法（别名）"])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for name, table in TABLES.items():
        ws = wb.create_sheet(table.zh)
        for j, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=j, value=("*" if col.required else "") + col.zh)
            cell.font = bold
            if col.required:
                cell.fill = fill
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = max(10, 2.2 * len(col.zh))
            allowed = _allowed(col)
            if col.kind == "str" and col.name.endswith(("_id", "_code")):
                for row in range(2, 200):
                    ws.cell(row=row, column=j).number_format = "@"
            if allowed:
                formula = '"' + ",".join(allowed) + '"'
                dv = DataValidation(type="list", formula1=formula, allow_blank=True)
                dv.error = "请从下拉列表中选择 / choose a value from the list"
                dv.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
            notes.append(
                [
                    f"{table.zh}（{name}）",
                    col.zh,
                    KIND_LABELS[col.kind],
                    "是" if col.required else "",
                    "、".join(allowed or ENUMS.get(col.enum or "", ())),
                    "、".join(col.aliases),
                ]
            )
        ws.freeze_panes = "A2"
    for j in range(1, 7):
        notes.cell(row=1, column=j).font = bold
    path = out / TEMPLATE_FILE
    wb.save(path)
    return path
