"""Normalisers: raw spreadsheet cells of one column → the Dataset's values.

Each function takes the raw cells of one column (an object :class:`pandas.Series`
holding what the reader returned: ``str``, ``float``, ``int``, ``bool``,
``datetime``/``date``, or ``""``/``None`` for an empty cell) and returns two
Series on the same index: the normalised values and a *problem key* per cell
(``None`` where the cell is fine or empty). Problem keys are explained to users
by :mod:`audit.ingest.messages`. No normaliser raises on any input.

Work is vectorised over the column: pandas string operations, or a scalar
function mapped over the column's *unique* values (:func:`map_unique`), never a
Python loop over rows.

What is normalised (see ``shared/reference/registry-exports.md``):

* ID numbers (GB 11643): spaces and zero-width characters removed, full-width
  characters folded (NFKC), lowercase ``x`` → ``X``, ``="…"`` CSV wrapping
  removed; 15-digit numbers upgraded to 18 (insert ``19``, recompute the check
  character); a 20-digit 残疾人证号 cut to its first 18 characters. A number
  stored by a spreadsheet as a float (``6.20523199001011E+17``, or 18 digits
  whose last three were zeroed) is *unrecoverable*: it is kept as shown and
  flagged with rule ID-05, never repaired by guessing.
* Dates: Excel date cells and serial numbers, ``2024/3/5``, ``2024-03-05``,
  ``2024.3.5``, ``2024年3月5日``, ``20240305`` and ``20240305.0``.
* Numbers: thousands separators, full-width digits, units (元, 万元, 公里, …)
  converted to the column's unit.
* Enumerations by label and by the synonyms of :data:`audit.codes.SYNONYMS`;
  booleans from 是/否, √/×, 有/无, Y/N, 1/0, TRUE/FALSE.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

from audit.codes import ENUMS, SYNONYMS
from audit.idnumber import check_character

__all__ = [
    "PLACEHOLDERS",
    "cell_text",
    "map_unique",
    "normalise_bools",
    "normalise_codes",
    "normalise_dates",
    "normalise_enum",
    "normalise_ids",
    "normalise_multi",
    "normalise_numbers",
    "normalise_text",
]

#: Cell texts that mean "nothing entered" in any column but a yes/no column.
PLACEHOLDERS = frozenset(
    {"", "-", "--", "—", "——", "/", "\\", "N/A", "#N/A", "NA", "NULL", "null", "None", "nan", "NaN"}
)

#: Numbers a spreadsheet keeps exactly: at most 15 significant digits (IEEE double, Excel).
_EXACT_LIMIT = 10**15
_ZERO_WIDTH = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_MANGLED = re.compile(r"^[+-]?\d+(\.\d+)?E\+?\d+$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def map_unique(raw: pd.Series, func) -> tuple[pd.Series, pd.Series]:
    """Apply ``func(value) -> (normalised, problem)`` once per distinct cell value.

    Parameters
    ----------
    raw : Series
        Raw cells (object dtype).
    func : callable
        Scalar function returning a pair; it is never called on empty cells.

    Returns
    -------
    (Series, Series)
        Normalised values (object) and problem keys (object, ``None`` when fine).
    """
    arr = np.asarray(raw, dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    vals = np.empty(len(uniques) + 1, dtype=object)
    probs = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):  # distinct values only
        if _is_blank(u):
            vals[i], probs[i] = None, None
            continue
        try:
            vals[i], probs[i] = func(u)
        except Exception:  # a normaliser never raises: an odd cell is a problem, not a crash
            vals[i], probs[i] = None, "bad_value"
    vals[-1], probs[-1] = None, None
    return (
        pd.Series(vals[codes], index=raw.index, dtype=object),
        pd.Series(probs[codes], index=raw.index, dtype=object),
    )


def _is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip() == ""


def _fold(text: str) -> str:
    """NFKC-fold (full-width → half-width) and remove all whitespace."""
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))


def _unwrap(text: str) -> str:
    """Remove the CSV ``="…"`` wrapping and Excel's leading apostrophe."""
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        text = text[2:-1]
    return text.lstrip("'")


def _scalar_text(v) -> str:
    """Render a raw cell as the text a user sees (integral floats without ``.0``)."""
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e16 else repr(float(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def cell_text(raw: pd.Series) -> pd.Series:
    """Return the cells as text as a user would read them (``None`` for empty cells)."""
    vals, _ = map_unique(raw, lambda v: (_scalar_text(v).strip() or None, None))
    return vals


def normalise_text(raw: pd.Series, *, squeeze: bool = False) -> tuple[pd.Series, pd.Series]:
    """Text: trimmed; ``squeeze`` also removes inner spaces (names typed with spaces to align).

    Placeholders such as ``-`` or ``/`` become empty.
    """

    def one(v):
        text = _scalar_text(v).strip()
        if squeeze:
            text = _ZERO_WIDTH.sub("", text)
        return (None if text in PLACEHOLDERS else text), None

    return _as_str(*map_unique(raw, one))


def _number_text(v) -> tuple[str | None, str | None]:
    """Digits of a numeric cell that is an identifier (None, problem) when precision is lost."""
    if isinstance(v, bool | np.bool_):
        return None, "bad_value"
    if isinstance(v, int | np.integer):
        return str(int(v)), None
    f = float(v)
    if f.is_integer() and abs(f) < _EXACT_LIMIT:
        return str(int(f)), None
    return f"{f:.14E}", "mangled"


def normalise_codes(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise identifiers other than ID numbers (户编号, 村代码, 项目编号, phone numbers).

    A numeric cell keeps its digits when it has at most 15 (what a spreadsheet
    stores exactly); a longer number has lost digits: problem ``code_mangled``.
    """

    def one(v):
        if isinstance(v, float | int | np.number) and not isinstance(v, bool):
            text, prob = _number_text(v)
            return text, ("code_mangled" if prob else None)
        if isinstance(v, dt.date):
            return None, "bad_value"
        text = _unwrap(_fold(str(v)))
        if text in PLACEHOLDERS:
            return None, None
        if _MANGLED.fullmatch(text.upper()):
            return text.upper(), "code_mangled"
        return text, None

    return _as_str(*map_unique(raw, one))


def normalise_ids(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ID numbers (证件号码): cleaned, upgraded, and precision loss detected (rule ID-05).

    Returns
    -------
    (Series, Series)
        ``str`` ID numbers, and problems: ``id_mangled`` (kept as shown, flagged
        ID-05), ``id_upgraded`` (15 → 18 digits), ``id_truncated`` (20-digit
        残疾人证号 → first 18), ``id_malformed`` (kept as typed; rule ID-01 reports it).

    Examples
    --------
    >>> v, p = normalise_ids(pd.Series([" 11010519491231002x ", 6.205231990010110e17]))
    >>> v.tolist(), p.tolist()
    (['11010519491231002X', '6.20523199001011E+17'], [None, 'id_mangled'])
    """
    text, prob = map_unique(raw, _id_text)
    s = pd.Series(text, dtype="str")
    out = s.copy()
    problem = prob.copy()
    todo = problem.isna() & s.notna()
    up = todo & s.str.fullmatch(r"\d{15}").fillna(False).astype(bool)
    if up.any():
        body = s[up].str.slice(0, 6) + "19" + s[up].str.slice(6, 15)
        out[up] = body + check_character(body)
        problem[up] = "id_upgraded"
    cut = todo & s.str.fullmatch(r"\d{17}[\dX]\d{2}").fillna(False).astype(bool)
    out[cut] = s[cut].str.slice(0, 18)
    problem[cut] = "id_truncated"
    full = todo & s.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    if full.any():
        ok = check_character(s[full].str.slice(0, 17)).eq(s[full].str.slice(17, 18))
        zeroed = s[full].str.endswith("000") & ~ok.fillna(False).astype(bool)
        problem[zeroed[zeroed].index] = "id_mangled"
    rest = todo & ~up & ~cut & ~full
    problem[rest] = "id_malformed"
    return out.astype("str"), problem


def _id_text(v) -> tuple[str | None, str | None]:
    if isinstance(v, float | int | np.number) and not isinstance(v, bool):
        text, prob = _number_text(v)
        return text, ("id_mangled" if prob else None)
    if isinstance(v, dt.date | bool):
        return _scalar_text(v), "id_malformed"
    text = _unwrap(_fold(str(v))).upper()
    if text in PLACEHOLDERS:
        return None, None
    if _MANGLED.fullmatch(text):
        return text, "id_mangled"
    return text, None


def _as_str(vals: pd.Series, probs: pd.Series) -> tuple[pd.Series, pd.Series]:
    return vals.astype("str"), probs


_NUMBER = re.compile(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"(?P<unit>万元|万|元|公里|千米|km|米|升|L|l|分钟|分|天|个月|月|人|户|处|次|亩|%)?$"
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
#: Unit of a cell → (dimension, factor to the dimension's base unit).
_UNITS = {
    "万元": ("money", 1e4),
    "万": ("money", 1e4),
    "元": ("money", 1.0),
    "公里": ("km", 1.0),
    "千米": ("km", 1.0),
    "km": ("km", 1.0),
}
#: Unit of a column → (dimension, factor of the column's unit to the base unit).
COLUMN_UNITS = {"元": ("money", 1.0), "万元": ("money", 1e4), "公里": ("km", 1.0)}


def _parse_number(v, unit: str | None) -> tuple[float | None, str | None]:
    if isinstance(v, bool | np.bool_):
        return None, "bad_number"
    if isinstance(v, int | float | np.number):
        return float(v), None
    if isinstance(v, dt.date):
        return None, "bad_number"
    text = _fold(str(v)).replace("，", ",")
    if text in PLACEHOLDERS:
        return None, None
    m = _NUMBER.fullmatch(_THOUSANDS.sub("", text))
    if not m:
        return None, "bad_number"
    value = float(m["num"])
    cell_unit = m["unit"]
    if cell_unit in _UNITS:
        dim, factor = _UNITS[cell_unit]
        col_dim, col_factor = COLUMN_UNITS.get(unit, (None, 1.0))
        if col_dim is None and dim == "money" and factor != 1.0:
            return None, "bad_unit"
        if col_dim is not None and col_dim != dim:
            return None, "bad_unit"
        value = value * factor / col_factor
    elif cell_unit is not None and unit in COLUMN_UNITS:
        return None, "bad_unit"
    return value, None


def normalise_numbers(
    raw: pd.Series, *, unit: str | None = None, integer: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Numbers, with thousands separators, full-width digits and units.

    Parameters
    ----------
    raw : Series
        Raw cells.
    unit : {"元", "万元", "公里"}, optional
        The column's unit; a cell in another unit of the same dimension is
        converted (``1.2万元`` in a 元 column → 12000), a cell in another
        dimension is ``bad_unit``.
    integer : bool
        Return ``Int64``; a non-integral value is ``bad_integer``.

    Examples
    --------
    >>> normalise_numbers(pd.Series(["１，２３４.５元", "1.2万元", 3.0]), unit="元")[0].tolist()
    [1234.5, 12000.0, 3.0]
    """
    vals, problem = map_unique(raw, lambda x: _parse_number(x, unit))
    values = pd.to_numeric(vals, errors="coerce").astype("float64")
    values[~np.isfinite(values.to_numpy())] = np.nan
    if integer:
        whole = values.isna() | ((values == np.round(values)) & (values.abs() < 2**53))
        problem[~whole & problem.isna()] = "bad_integer"
        values = values.where(whole).round().astype("Int64")
    return values, problem


_TRUE = {"是", "√", "✓", "✔", "☑", "有", "Y", "YES", "TRUE", "T", "1", "对", "已", "是的"}
_FALSE = {"否", "×", "✗", "✘", "☒", "X", "无", "N", "NO", "FALSE", "F", "0", "没有", "未", "不是"}


def _parse_bool(v) -> tuple[bool | None, str | None]:
    if isinstance(v, bool | np.bool_):
        return bool(v), None
    if isinstance(v, int | float | np.number):
        return ({1.0: True, 0.0: False}.get(float(v)), None if v in (0, 1) else "bad_bool")
    text = _fold(str(v)).upper()
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    if text in PLACEHOLDERS:
        return None, None
    return None, "bad_bool"


def normalise_bools(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no: 是/否, √/×, 有/无, Y/N, 1/0, TRUE/FALSE (and Excel booleans) → ``boolean``."""
    vals, probs = map_unique(raw, _parse_bool)
    return vals.astype("boolean"), probs


_DATE_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")


def _make_date(y, m, d) -> tuple[dt.date | None, str | None]:
    try:
        value = dt.date(int(y), int(m), int(d))
    except ValueError:
        return None, "bad_date"
    if not 1900 <= value.year <= 2100:
        return None, "bad_date"
    return value, None


def _from_serial(f: float) -> tuple[dt.date | None, str | None]:
    if not 1 <= f < 73051:  # 1900-01-01 … 2099-12-31
        return None, "bad_date"
    return _EXCEL_EPOCH + dt.timedelta(days=int(f)), None


def _parse_date(v) -> tuple[dt.date | None, str | None]:
    if isinstance(v, dt.datetime | pd.Timestamp):
        return _make_date(v.year, v.month, v.day)
    if isinstance(v, dt.date):
        return _make_date(v.year, v.month, v.day)
    if isinstance(v, bool | np.bool_):
        return None, "bad_date"
    if isinstance(v, int | float | np.number):
        f = float(v)
        if f.is_integer() and 19000101 <= f <= 21001231:
            text = str(int(f))
            return _make_date(text[:4], text[4:6], text[6:])
        return _from_serial(f)
    text = _fold(str(v))
    if text in PLACEHOLDERS:
        return None, None
    for pattern in (_DATE_TEXT, _DATE_DIGITS):
        m = pattern.fullmatch(text)
        if m:
            return _make_date(*m.groups())
    if _SERIAL.fullmatch(text) and 18264 <= float(text) < 73051:  # 1950 … 2099 as serials
        return _from_serial(float(text))
    return None, "bad_date"


def normalise_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates → ``datetime64[us]`` at midnight.

    Examples
    --------
    >>> v, _ = normalise_dates(pd.Series(["2024/3/5", "2024年3月5日", 20240305.0, 45356]))
    >>> v.dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-05', '2024-03-05', '2024-03-05', '2024-03-05']
    """
    vals, probs = map_unique(raw, _parse_date)
    out = pd.to_datetime(vals.where(vals.notna(), None), errors="coerce")
    return out.astype("datetime64[us]"), probs


def _enum_lookup(enum: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for label in ENUMS[enum]:
        table[_fold(label).upper()] = label
    for synonym, label in SYNONYMS.get(enum, {}).items():
        table.setdefault(_fold(synonym).upper(), label)
    if enum == "house_grade":
        for label in ENUMS[enum]:
            for suffix in ("级", "类", "级危房", "类危房"):
                table.setdefault(label + suffix, label)
    return table


_LOOKUPS: dict[str, dict[str, str]] = {}


def _lookup(enum: str) -> dict[str, str]:
    if enum not in _LOOKUPS:
        _LOOKUPS[enum] = _enum_lookup(enum)
    return _LOOKUPS[enum]


def _enum_key(v) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        v = int(v)
    return _fold(str(v)).upper()


def normalise_enum(raw: pd.Series, enum: str) -> tuple[pd.Series, pd.Series]:
    """Code-list values by label or synonym (e.g. 新农合 → 城乡居民基本医疗保险, 1 → 男).

    A value outside the code list is ``bad_enum``.
    """
    table = _lookup(enum)

    def one(v):
        key = _enum_key(v)
        if key in table:
            return table[key], None
        return None, (None if key in PLACEHOLDERS else "bad_enum")

    return _as_str(*map_unique(raw, one))


_SPLIT = re.compile(r"[,，、;；/|]+")


def normalise_multi(raw: pd.Series, enum: str) -> tuple[pd.Series, pd.Series]:
    """Normalise multi-valued cells (``残疾,长期慢性病``): each part by label or synonym."""
    table = _lookup(enum)

    def one(v):
        parts = [p for p in _SPLIT.split(_scalar_text(v)) if p.strip()]
        labels = []
        for part in parts:
            key = _enum_key(part)
            if key not in table:
                return None, (None if key in PLACEHOLDERS and len(parts) == 1 else "bad_enum")
            if table[key] not in labels:
                labels.append(table[key])
        return (",".join(labels) or None), None

    return _as_str(*map_unique(raw, one))
