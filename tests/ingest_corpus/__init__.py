"""Helpers that build messy registry exports at test time (nothing is stored in the repo).

The base sheet is the G1 person-level layout (one row per member, household columns
repeated) of a few registered households of the ``small`` fixture; each corpus case
changes it the way real spreadsheets get damaged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from audit.ingest.excel_out import person_layout

__all__ = ["base_frame", "rezip", "write_csv", "write_formula_xlsx", "write_xlsx", "zip_bomb"]


def base_frame(ds, households: int = 8) -> pd.DataFrame:
    """The G1 person-level sheet of the first ``households`` registered households."""
    registered = ds.households[ds.households["status"].isin(["未脱贫", "已脱贫"])]
    keep = registered["household_id"].iloc[:households]
    sub = ds.subset(ds.townships["township_code"])  # a copy with the same tables
    sub.households = sub.households[sub.households["household_id"].isin(keep)]
    sub.members = sub.members[sub.members["household_id"].isin(keep)]
    # drop members whose IDs the generator damaged on purpose: the base must be clean
    ok = sub.members["person_id"].str.fullmatch(r"\d{17}[\dX]")
    sub.members = sub.members[ok]
    sub.meta = {**sub.meta, "county_name": "甘谷县"}
    headers, columns = person_layout(sub)
    frame = pd.DataFrame(dict(enumerate(columns)), dtype=object)
    frame.columns = headers
    return frame


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_xlsx(
    path: Path,
    frame: pd.DataFrame | None,
    *,
    title_rows: list[list] | None = None,
    header_rows: list[list] | None = None,
    merges: list[str] = (),
    sheet: str = "Sheet1",
    extra_sheets: dict[str, list[list]] | None = None,
) -> Path:
    """Write title rows, header row(s) and the frame's rows to one sheet of a workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in title_rows or []:
        ws.append(row)
    if frame is not None:
        for row in header_rows or [list(frame.columns)]:
            ws.append(row)
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    for rng in merges:
        ws.merge_cells(rng)
    for name, rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in rows:
            other.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, frame: pd.DataFrame, encoding: str = "utf-8", delimiter=",") -> Path:
    """Write the frame as CSV text in ``encoding``."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow([_text(v) for v in row])
    Path(path).write_bytes(buf.getvalue().encode(encoding))
    return Path(path)


def write_formula_xlsx(
    path: Path, frame: pd.DataFrame, formulas: dict[tuple[int, str], tuple[str, object]]
) -> Path:
    """Write the frame (header on row 1) with XlsxWriter, some cells as formulas.

    ``formulas`` maps (frame row position, column) → (formula, cached value); a
    position past the frame's last row adds a row. A cached value of ``""``
    writes the formula with no saved result.
    """
    import xlsxwriter

    opts = {"default_date_format": "yyyy-mm-dd", "strings_to_formulas": False}
    wb = xlsxwriter.Workbook(str(path), opts)
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, list(frame.columns))
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                ws.write(i, j, v)
    cols = list(frame.columns)
    for (i, col), (formula, cached) in formulas.items():
        ws.write_formula(i + 1, cols.index(col), formula, None, cached)
    wb.close()
    return path


def rezip(src: Path, dest: Path, extra: dict[str, bytes], content_types: str = "") -> Path:
    """Copy the zip ``src`` to ``dest`` with parts added (and ``[Content_Types].xml`` entries)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml" and content_types:
                data = data.replace(b"</Types>", content_types.encode() + b"</Types>")
            zout.writestr(info.filename, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    return dest


def zip_bomb(path: Path, megabytes: int = 256) -> Path:
    """A zip named like a workbook whose sheet is ``megabytes`` MB of zeros (about 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = bytes(4 << 20)
            for _ in range(megabytes // 4):
                fh.write(chunk)
    return path
