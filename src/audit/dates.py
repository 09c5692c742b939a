"""Date helpers: exact ages on a reference date, days left to a deadline."""

from __future__ import annotations

import pandas as pd

__all__ = ["age_on", "days_left"]


def age_on(birth: pd.Series, reference_date) -> pd.Series:
    """Return completed years of age on ``reference_date`` (<NA> where birth is missing).

    Examples
    --------
    >>> age_on(pd.Series(pd.to_datetime(["2008-03-25", "2008-03-26"])), "2024-03-25").tolist()
    [16, 15]
    """
    ref = pd.Timestamp(reference_date)
    b = pd.Series(pd.to_datetime(birth), index=getattr(birth, "index", None))
    before = (b.dt.month > ref.month) | ((b.dt.month == ref.month) & (b.dt.day > ref.day))
    age = ref.year - b.dt.year - before.astype("Int64")
    return age.astype("Int64")


def days_left(deadline, today) -> int:
    """Return the days from ``today`` to ``deadline`` (negative when overdue)."""
    return (pd.Timestamp(deadline).date() - pd.Timestamp(today).date()).days
