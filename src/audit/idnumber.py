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

__all__ = [
    "check_character",
    "decode",
    "is_valid",
    "make_ids",
    "parse_birth_date",
    "parse_sex",
]

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK_CHARS = np.array(list("0123456789X"))


def _codes(ids: pd.Series, width: int) -> np.ndarray:
    """Return an (n, width) int array: digits 0–9, ``X`` as 10, anything else -1."""
    raw = ids.fillna("").str.slice(0, width).str.pad(width, side="right", fillchar="?")
    arr = raw.to_numpy(dtype=f"U{width}")
    codes = arr.view(np.uint32).reshape(len(arr), width)
    out = codes.astype(np.int16) - ord("0")
    out[(out < 0) | (out > 9)] = -1
    out[codes == ord("X")] = 10
    return out


def decode(ids: pd.Series) -> pd.DataFrame:
    """Decode ID numbers in one pass: validity, birth date and sex.

    Parameters
    ----------
    ids : Series of str

    Returns
    -------
    DataFrame
        ``valid`` (bool: 18 characters, a real birth date, right check character),
        ``birth_date`` (NaT where not a real date) and ``sex`` (男/女, NaN where
        the 17th character is not a digit), aligned with ``ids``.
    """
    ids = pd.Series(ids, dtype="str")
    d = _codes(ids, 18)
    digits17 = (d[:, :17] >= 0) & (d[:, :17] <= 9)
    length_ok = ids.str.len().eq(18).fillna(False).to_numpy(dtype=bool)
    well_formed = length_ok & digits17.all(axis=1) & (d[:, 17] >= 0)
    check = (12 - (np.where(digits17, d[:, :17], 0) * WEIGHTS).sum(axis=1) % 11) % 11
    date_ok = digits17[:, 6:14].all(axis=1)
    ymd = np.where(date_ok[:, None], d[:, 6:14], 0)
    birth = pd.to_datetime(
        pd.DataFrame({
            "year": np.where(date_ok, ymd[:, 0:4].astype(np.int64) @ [1000, 100, 10, 1], np.nan),
            "month": np.where(date_ok, ymd[:, 4:6] @ [10, 1], np.nan),
            "day": np.where(date_ok, ymd[:, 6:8] @ [10, 1], np.nan),
        }),
        errors="coerce",
    ).astype("datetime64[us]")  # fmt: skip
    birth.index = ids.index
    sex_digit = d[:, 16]
    sex = np.where((sex_digit < 0) | (sex_digit > 9), None, np.where(sex_digit % 2, "男", "女"))
    return pd.DataFrame({
        "valid": well_formed & (check == d[:, 17]) & birth.notna().to_numpy(),
        "birth_date": birth,
        "sex": pd.Series(sex, index=ids.index, dtype="str"),
    }, index=ids.index)  # fmt: skip


def check_character(body17: pd.Series) -> pd.Series:
    """Return the check character for each 17-digit body (NaN where a body is not 17 digits)."""
    body17 = pd.Series(body17, dtype="str")
    d = _codes(body17, 17)
    ok = ((d >= 0) & (d <= 9)).all(axis=1) & body17.str.len().eq(17).fillna(False).to_numpy()
    total = (np.where(d >= 0, d, 0) * WEIGHTS).sum(axis=1)
    chars = CHECK_CHARS[(12 - total % 11) % 11]
    return pd.Series(np.where(ok, chars, None), index=body17.index, dtype="str")


def is_valid(ids: pd.Series) -> pd.Series:
    """Return True where an ID number is well formed, with a real birth date and check character.

    Examples
    --------
    >>> is_valid(pd.Series(["11010519491231002X", "110105194912310021"])).tolist()
    [True, False]
    """
    return decode(ids)["valid"]


def parse_birth_date(ids: pd.Series) -> pd.Series:
    """Return the birth date encoded in characters 7–14 (NaT where it is not a real date)."""
    return decode(ids)["birth_date"]


def parse_sex(ids: pd.Series) -> pd.Series:
    """Return 男 where the 17th character is odd, 女 where even, NaN where not a digit."""
    return decode(ids)["sex"]


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
