"""Excel work lists for users: Chinese headers, frozen header row, widths, overdue deadlines.

One writer serves every workbook the workbook hands out (findings, 问题清单,
一户一策, rule statistics). It uses XlsxWriter, which writes large sheets
several times faster than openpyxl. Files are written to a temporary name and
renamed into place, so a failed write never leaves a half-written workbook.

Text from the data is always written as text, never as a formula or a link
(formula injection: a name typed as ``=HYPERLINK(...)`` or ``=cmd|'/c calc'!A1``
must not become a live formula in a cadre's copy of Excel). XlsxWriter is told
so by :data:`XLSXWRITER_OPTIONS` (also for pandas: ``engine_kwargs={"options": ...}``);
openpyxl, which turns any string starting with ``=`` into a formula, is given
text cells by :func:`as_text_cells`.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from audit.textfmt import display_width

__all__ = ["XLSXWRITER_OPTIONS", "as_text_cells", "write_workbook"]

HEADER_COLOUR = "#DDE4EE"
OVERDUE_COLOUR = "#F4B6B6"
#: XlsxWriter options for data: strings stay text (no formulas, no links, no numbers).
XLSXWRITER_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}


def as_text_cells(ws, values) -> np.ndarray:
    """Cell values for openpyxl in which no string becomes a formula or an error value.

    openpyxl stores a string starting with ``=`` as a formula and ``#N/A``-like
    strings as error values. Those strings (rare) are returned as text cells of
    ``ws``; every other value is returned unchanged.

    Parameters
    ----------
    ws : openpyxl Worksheet (normal or write-only)
    values : sequence
        One column's (or row's) cell values.

    Returns
    -------
    ndarray of object
    """
    from openpyxl.cell import Cell
    from openpyxl.cell.cell import ERROR_CODES

    values = np.asarray(values, dtype=object)
    is_str = np.frompyfunc(lambda v: isinstance(v, str), 1, 1)(values).astype(bool)
    text = pd.Series(values[is_str], dtype="string")
    risky = np.zeros(len(values), dtype=bool)
    risky[is_str] = ((text.str.len() > 1) & text.str.startswith("=")) | text.isin(ERROR_CODES)
    if not risky.any():
        return values
    out = values.copy()
    for i in np.flatnonzero(risky):  # the few formula-like strings
        cell = Cell(ws, row=1, column=1, value=values[i])  # placed by ws.append
        cell.data_type = "s"
        out[i] = cell
    return out


def _width(values: pd.Series, header: str) -> float:
    sample = ["" if pd.isna(v) else str(v) for v in values.head(200)] + [header]
    chars = max((display_width(s) for s in sample), default=8)
    return min(max(chars + 2, 8), 60)


def _column(values: pd.Series) -> list:
    """Python values for one column: None for missing, dates as datetime, numbers as numbers."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if pd.api.types.is_bool_dtype(values):
        return [None if pd.isna(v) else bool(v) for v in values]
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values):
        arr = values.astype("Float64")
        return [
            None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v)) for v in arr
        ]
    return [None if pd.isna(v) else str(v) for v in values.astype(object)]


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, XLSXWRITER_OPTIONS)
        head = wb.add_format(
            {
                "bold": True,
                "bg_color": HEADER_COLOUR,
                "text_wrap": True,
                "valign": "vcenter",
                "border": 1,
            }
        )
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        overdue_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "bg_color": OVERDUE_COLOUR})
        for name, frame in sheets.items():
            ws = wb.add_worksheet(name[:31])
            cols = list(frame.columns)
            for j, col in enumerate(cols):
                label = headers.get(col, col)
                ws.write_string(0, j, str(label), head)
                is_date = pd.api.types.is_datetime64_any_dtype(frame[col])
                ws.set_column(j, j, _width(frame[col], label), date_fmt if is_date else None)
                ws.write_column(1, j, _column(frame[col]), date_fmt if is_date else None)
            ws.freeze_panes(1, 0)
            if len(frame):
                ws.autofilter(0, 0, len(frame), len(cols) - 1)
            if deadline_column in cols and as_of is not None and len(frame):
                due = pd.to_datetime(frame[deadline_column])
                overdue = (due < pd.Timestamp(as_of)).to_numpy()
                if done_column in cols:
                    overdue &= ~frame[done_column].astype("boolean").fillna(False).to_numpy()
                j = cols.index(deadline_column)
                for i in np.flatnonzero(overdue):
                    ws.write_datetime(int(i) + 1, j, due.iloc[i].to_pydatetime(), overdue_fmt)
        wb.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
