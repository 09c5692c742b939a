"""Excel work lists for users: Chinese headers, frozen header row, widths, overdue deadlines.

One writer serves every workbook the workbook hands out (findings, 问题清单,
一户一策, rule statistics). Files are written to a temporary name and renamed
into place, so a failed write never leaves a half-written workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit.textfmt import display_width

__all__ = ["write_workbook"]

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
OVERDUE_FILL = PatternFill("solid", fgColor="F4B6B6")


def _width(values: pd.Series, header: str) -> float:
    sample = ["" if pd.isna(v) else str(v) for v in values.head(200)] + [header]
    chars = max((display_width(s) for s in sample), default=8)
    return min(max(chars + 2, 8), 60)


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_workbook(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    *,
    headers: dict[str, str] | None = None,
    deadline_column: str | None = None,
    as_of: dt.date | None = None,
    done_column: str | None = None,
) -> Path:
    """Write frames to one workbook, one sheet each.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (replaced atomically).
    sheets : dict of str to DataFrame
        Sheet name → frame.
    headers : dict, optional
        Column name → Chinese header; columns not in it keep their name.
    deadline_column : str, optional
        A date column whose cells are highlighted when before ``as_of`` (overdue)
        and the row is not done (``done_column`` false or absent).
    as_of : datetime.date, optional
    done_column : str, optional

    Returns
    -------
    Path
    """
    path = Path(path)
    headers = headers or {}
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        cols = list(frame.columns)
        ws.append([headers.get(c, c) for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for j, col in enumerate(cols, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = _width(frame[col], headers.get(col, col))
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                for cell in ws[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
        if deadline_column in cols and as_of is not None and len(frame):
            due = pd.to_datetime(frame[deadline_column])
            overdue = (due < pd.Timestamp(as_of)).to_numpy()
            if done_column in cols:
                overdue &= ~frame[done_column].astype("boolean").fillna(False).to_numpy()
            letter = get_column_letter(cols.index(deadline_column) + 1)
            for i in overdue.nonzero()[0]:
                ws[f"{letter}{i + 2}"].fill = OVERDUE_FILL
        if len(frame):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(frame) + 1}"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
