"""Masking of identities for outputs that leave a township's cadres.

DESIGN.md "Private by default": leader reports and county-wide outputs show ID
numbers with the first 6 and the last 4 characters only
(``620523********1234``) and names with their inner characters hidden
(``张*明``). Full identities appear only in the cadre work lists of the
township they belong to. Both functions accept a scalar or any array-like and
are vectorised over :class:`pandas.Series`; missing values stay missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["mask_id", "mask_name"]


def _as_series(values) -> tuple[pd.Series, bool]:
    scalar = np.ndim(values) == 0 and not isinstance(values, pd.Series)
    if scalar:
        values = [values]
    if isinstance(values, pd.Series):
        s = values
    else:
        s = pd.Series(list(values) if not isinstance(values, np.ndarray) else values)
    return s.astype(pd.StringDtype(na_value=np.nan)), scalar


def _stars(char: str, counts: pd.Series) -> pd.Series:
    """Return ``char`` repeated ``counts`` times, row by row (vectorised)."""
    rep = np.strings.multiply(np.asarray(char), counts.to_numpy(dtype=np.int64))
    return pd.Series(rep, index=counts.index, dtype=pd.StringDtype(na_value=np.nan))


def _result(s: pd.Series, scalar: bool):
    if scalar:
        v = s.iloc[0]
        return None if pd.isna(v) else v
    return s


def mask_id(values, keep_start: int = 6, keep_end: int = 4, char: str = "*"):
    """Mask ID numbers, keeping the first ``keep_start`` and last ``keep_end`` characters.

    Parameters
    ----------
    values : str or array-like of str
        ID numbers (18-character citizen IDs, but any length works). Values
        no longer than ``keep_start + keep_end`` are masked entirely except
        their last character, so that a short code never appears in clear.
    keep_start, keep_end : int
        Characters shown at the start and at the end.
    char : str
        The masking character.

    Returns
    -------
    str or Series
        A scalar for a scalar input, else a Series of ``str`` dtype (same index
        when a Series was given). Missing values stay missing.

    Examples
    --------
    >>> mask_id("620523199001011234")
    '620523********1234'
    """
    s, scalar = _as_series(values)
    s = s.str.strip()
    n = s.str.len()
    long = n > keep_start + keep_end
    middle = (n - keep_start - keep_end).clip(lower=0).fillna(0).astype(int)
    masked_long = s.str.slice(0, keep_start) + _stars(char, middle) + s.str.slice(-keep_end)
    short_mid = (n - 1).clip(lower=0).fillna(0).astype(int)
    masked_short = _stars(char, short_mid) + s.str.slice(-1)
    out = masked_long.where(long, masked_short).where(s.notna())
    out = out.astype(pd.StringDtype(na_value=np.nan))
    return _result(out, scalar)


def mask_name(values, char: str = "*"):
    """Mask personal names: keep the first and last character, hide those between.

    A two-character name keeps its first character (``李四`` → ``李*``); a
    one-character name is shown as ``*``.

    Parameters
    ----------
    values : str or array-like of str
        Names.
    char : str
        The masking character.

    Returns
    -------
    str or Series
        A scalar for a scalar input, else a Series of ``str`` dtype.

    Examples
    --------
    >>> mask_name("张小明")
    '张*明'
    >>> mask_name("欧阳小明")
    '欧**明'
    """
    s, scalar = _as_series(values)
    s = s.str.strip()
    n = s.str.len()
    inner = _stars(char, (n - 2).clip(lower=0).fillna(0).astype(int))
    three_plus = s.str.slice(0, 1) + inner + s.str.slice(-1)
    two = s.str.slice(0, 1) + char
    out = three_plus.where(n >= 3, two.where(n == 2, char)).where(s.notna() & (n > 0), s)
    out = out.astype(pd.StringDtype(na_value=np.nan))
    return _result(out, scalar)
