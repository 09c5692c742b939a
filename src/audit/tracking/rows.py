"""Rows for the ledger's tables, produced lazily from frames (one generator per table).

The ledger feeds these generators to ``executemany`` inside its write
transaction. They are module functions so that a test can wrap one to raise
after some rows and check that the transaction leaves the ledger untouched.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

__all__ = ["claim_rows", "column", "dates", "item_rows", "observation_rows", "problem_rows",
           "project_rows"]  # fmt: skip


def dates(values: pd.Series) -> list[str | None]:
    """Dates as ISO text (None for missing)."""
    text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    return text.to_numpy(dtype=object, na_value=None).tolist()


def column(frame: pd.DataFrame, col: str) -> list:
    """A column as a list of Python values (None for missing; all None when absent)."""
    if col not in frame:
        return [None] * len(frame)
    return frame[col].to_numpy(dtype=object, na_value=None).tolist()


def item_rows(frame: pd.DataFrame, seq: int) -> Iterator[tuple]:
    """Rows of ``items`` for the findings of run ``seq`` (inserted if new)."""
    names = ("_key", "rule_id", "household_id", "person_id", "village_code", "township_code",
             "group", "severity")  # fmt: skip
    cols = [column(frame, c) for c in names]
    for row in zip(*cols, strict=True):
        yield (*row, seq)


def observation_rows(frame: pd.DataFrame, seq: int) -> Iterator[tuple]:
    """Rows of ``observations``: run, outcome, value and the item key to look up."""
    cols = [column(frame, c) for c in ("outcome", "value", "_key")]
    for outcome, value, key in zip(*cols, strict=True):
        yield seq, outcome, value, key


def claim_rows(claims: pd.DataFrame, return_id: int) -> Iterator[tuple]:
    """Rows of ``claims`` for one return."""
    fixed = claims["fixed"].astype(bool).astype(int).tolist()
    cols = [column(claims, c) for c in ("row", "household_id", "village_code", "rule_id")]
    tail = [dates(claims["fixed_date"]), column(claims, "person"), column(claims, "note")]
    for row in zip(*cols, fixed, *tail, strict=True):
        yield (return_id, *row)


def problem_rows(problems: pd.DataFrame, seq: int) -> Iterator[tuple]:
    """Rows of ``problem_status`` at run ``seq``."""
    cols = [column(problems, c) for c in ("problem_id", "category", "township_code",
                                           "owner_unit", "status")]  # fmt: skip
    for row in zip(*cols, dates(problems["deadline"]), dates(problems["rectified_date"]),
                   strict=True):  # fmt: skip
        yield (seq, *row)


def project_rows(projects: pd.DataFrame, seq: int) -> Iterator[tuple]:
    """Rows of ``project_status`` at run ``seq``."""
    cols = [column(projects, c) for c in ("project_id", "category", "township_code", "status")]
    budget = projects["budget"].astype(float).tolist()
    for row in zip(*cols, budget, dates(projects["planned_start"]),
                   dates(projects["actual_start"]), strict=True):  # fmt: skip
        yield (seq, *row)
