"""The log of problems found while ingesting: one line per cell, row or sheet.

Each line names the file, sheet, row (as the user sees it), column (header and
letter), the value, the problem and its message in Chinese and English. A row
with at least one ``error`` line is rejected; ``warning`` lines keep the row.
"""

from __future__ import annotations

import pandas as pd

from audit.codes import ENUMS
from audit.ingest.messages import MESSAGES, render
from audit.ingest.normalise import _scalar_text

__all__ = ["COLUMNS", "IssueLog"]

#: Columns of the issue table (the report's 问题明细 sheet).
COLUMNS = [
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "problem",
    "severity",
    "rule",
    "message_zh",
    "message_en",
    "sheet_id",
]
#: Problems that reject the row in strict mode (otherwise they only warn).
STRICT = {
    "bad_number",
    "bad_integer",
    "bad_unit",
    "bad_date",
    "bad_bool",
    "bad_enum",
    "bad_value",
    "id_malformed",
}


class IssueLog:
    """Collects problems; :meth:`frame` returns them as a table.

    Parameters
    ----------
    strict : bool
        When True, values that cannot be read in non-required columns reject
        the row instead of being kept as missing with a warning.
    """

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self._lines: list[dict] = []

    def _severity(self, key: str) -> str:
        if self.strict and key in STRICT:
            return "error"
        return MESSAGES[key].severity

    def _add(self, where, row, column, value, problem, **fields) -> None:
        zh, en = render(problem, value=value, **fields)
        self._lines.append(
            {
                "file": where.file,
                "sheet": where.sheet,
                "row": None if row is None else int(row),
                "column": column,
                "value": value,
                "problem": problem,
                "severity": self._severity(problem),
                "rule": MESSAGES[problem].rule,
                "message_zh": zh,
                "message_en": en,
                "sheet_id": where.sheet_id,
            }
        )

    def cells(self, where, values: pd.Series, key, *, header, column=None, **fields) -> None:
        """Log a problem per cell; ``values`` (raw cells) is indexed by row number.

        ``key`` is one problem key or a Series of keys aligned with ``values``.
        """
        keys = key if isinstance(key, pd.Series) else pd.Series(key, index=values.index)
        allowed = "、".join(ENUMS[column.enum]) if column is not None and column.enum else ""
        label = header.label if header is not None else ""
        text = header.text if header is not None else ""
        for row, raw, k in zip(values.index, values.to_numpy(), keys.to_numpy(), strict=True):
            value = "" if raw is None else _scalar_text(raw)
            self._add(where, row, label, value, k, header=text, allowed=allowed, **fields)

    def row(self, where, rows, key: str, *, header=None, value="", **fields) -> None:
        """Log one problem on each of ``rows``."""
        label = header.label if header is not None else fields.pop("label", "")
        text = header.text if header is not None else label
        for row in rows:
            self._add(where, row, label, value, key, header=text, **fields)

    def sheet_note(self, where, key: str, *, row=None, column="", **fields) -> None:
        """Log a sheet-level note (never rejects a row)."""
        self._add(where, row, column, "", key, header=column, **fields)

    def formulas(self, where, cells: pd.DataFrame) -> None:
        """Log each formula cell read (``cells``: row, column, formula, cached)."""
        lines = cells[["row", "column", "formula", "cached"]].to_numpy(dtype=object)
        for row, column, formula, cached in lines:
            key = "formula_cell" if cached else "formula_no_value"
            self._add(where, row, column, formula, key, header=column)

    def frame(self) -> pd.DataFrame:
        """All lines, in the order logged within each sheet."""
        frame = pd.DataFrame(self._lines, columns=COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame.sort_values(["sheet_id", "row"], kind="stable", na_position="first")

    def rejected(self) -> pd.DataFrame:
        """Distinct ``(sheet_id, row)`` pairs with at least one error."""
        frame = pd.DataFrame(self._lines, columns=COLUMNS)
        errors = frame[(frame["severity"] == "error") & frame["row"].notna()]
        return errors[["sheet_id", "row"]].astype("int64").drop_duplicates()

    def __len__(self) -> int:
        return len(self._lines)
