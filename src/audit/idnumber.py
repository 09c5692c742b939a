"""Citizen ID numbers (公民身份号码), GB 11643-1999.

An 18-character number: 6-digit region code, 8-digit birth date (YYYYMMDD),
3-digit sequence (odd for men, even for women) and a check character computed
with ISO 7064 MOD 11-2: weights ``2**(17-i) mod 11`` over the first 17 digits,
check = ``(12 - sum mod 11) mod 11`` with 10 written ``X``.

All functions work on whole arrays/Series (no Python loop over people).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_character", "is_valid", "make_ids", "parse_birth_date", "parse_sex"]

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK_CHARS = np.array(list("0123456789X"))


def _digits(body: pd.Series) -> np.ndarray:
    """Return an (n, 17) int array of the first 17 characters (non-digits → -1)."""
    raw = body.str.slice(0, 17).str.pad(17, fillchar="?").to_numpy(dtype="U17")
    codes = raw.view(np.uint32).reshape(len(raw), 17).astype(np.int64) - ord("0")
    codes[(codes < 0) | (codes > 9)] = -1
    return codes


def check_character(body17: pd.Series) -> pd.Series:
    """Return the check character for each 17-digit body (NaN where a body is not 17 digits)."""
    body17 = pd.Series(body17, dtype="str")
    d = _digits(body17.fillna(""))
    ok = (d >= 0).all(axis=1) & body17.str.len().eq(17).to_numpy()
    total = (d * WEIGHTS).sum(axis=1)
    chars = CHECK_CHARS[(12 - total % 11) % 11]
    return pd.Series(np.where(ok, chars, None), index=body17.index, dtype="str")


def is_valid(ids: pd.Series) -> pd.Series:
    """Return True where an ID number is well formed, with a real birth date and check character.

    Examples
    --------
    >>> is_valid(pd.Series(["11010519491231002X", "110105194912310021"])).tolist()
    [True, False]
    """
    ids = pd.Series(ids, dtype="str")
    well_formed = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    check = check_character(ids.str.slice(0, 17))
    birth = parse_birth_date(ids)
    return well_formed & check.eq(ids.str.slice(17, 18)).fillna(False) & birth.notna()


def parse_birth_date(ids: pd.Series) -> pd.Series:
    """Return the birth date encoded in characters 7–14 (NaT where it is not a real date)."""
    ids = pd.Series(ids, dtype="str")
    return pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce").astype(
        "datetime64[us]"
    )


def parse_sex(ids: pd.Series) -> pd.Series:
    """Return 男 where the 17th character is odd, 女 where even, NaN where not a digit."""
    ids = pd.Series(ids, dtype="str")
    d = pd.to_numeric(ids.str.slice(16, 17), errors="coerce")
    return pd.Series(
        np.where(d.isna(), None, np.where(d % 2 == 1, "男", "女")), index=ids.index, dtype="str"
    )


def make_ids(region: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """Build valid 18-character ID numbers.

    Parameters
    ----------
    region : array of str
        6-digit region codes.
    birth : array of datetime64
        Birth dates.
    sequence : array of int
        3-digit sequence numbers (0–999); odd for men, even for women.

    Returns
    -------
    numpy.ndarray of str
    """
    dates = pd.DatetimeIndex(birth).strftime("%Y%m%d").to_numpy(dtype="U8")
    seq = np.char.zfill(np.asarray(sequence, dtype=np.int64).astype("U3"), 3)
    body = np.char.add(np.char.add(np.asarray(region, dtype="U6"), dates), seq)
    check = check_character(pd.Series(body, dtype="str")).to_numpy(dtype="U1")
    return np.char.add(body, check)
