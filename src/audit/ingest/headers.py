"""Header rows: find them, read them, map them to the schema, and recognise the table.

Real exports put one or two title rows above the header ("甘谷县建档立卡贫困户信息表"),
merge header cells, split a header over two rows, and spell the same field in
several ways (证件号码 / 身份证号码 / 公民身份号码). The header row is the row among
the first :data:`SCAN_ROWS` that holds the most known headers; a row right below
or above it that also holds known headers belongs to the header too.

Headers are compared after :func:`normalise_header`: NFKC folding (full-width →
half-width, including parentheses), removal of spaces and line breaks, of the
``*`` marking required columns, and lowercase for the registry's internal codes
(``aac001``). When a header is not known as such, a leading ``是否`` is stripped
(and a trailing unit in parentheses) and the lookup is tried again, as advised
in ``shared/reference/registry-exports.md`` §3.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from audit.schema import TABLES

__all__ = [
    "IGNORED_KNOWN",
    "PLACE_HEADERS",
    "SCAN_ROWS",
    "Header",
    "HeaderMap",
    "column_letter",
    "find_header",
    "lookup",
    "normalise_header",
]

#: How many rows from the top are searched for the header.
SCAN_ROWS = 10

#: Place names in exports (names, not codes), by level. ``county``/``township``/``village``.
PLACE_HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县(市、区、旗)", "县(市、区)", "县", "县区", "旗区", "行政县", "县名称"),
    "township": (
        "乡(镇)",
        "乡镇",
        "乡",
        "镇",
        "乡镇名称",
        "苏木乡",
        "乡(镇、街道)",
        "乡镇(街道)",
    ),
    "village": ("行政村", "村", "嘎查村", "噶查村", "村名称", "村名", "行政村名称", "村(社区)"),
}

#: Headers seen in exports that carry nothing the Dataset stores (reported as ignored).
IGNORED_KNOWN = (
    "序号",
    "省",
    "市",
    "自然村",
    "村民小组",
    "所在组",
    "组",
    "人编号",
    "人口编号",
    "家庭成员编号",
    "人员编号",
    "户主姓名",
    "户主证件号码",
    "户主身份证号",
    "证件类型",
    "参加大病医疗",
    "是否参加大病保险",
    "拒收原因",
    "原行号",
    "数据日期",
)

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_UNIT = re.compile(r"\((元|万元|公里|月|个月|人|天|分钟|升|亩|%|元/人)\)$")


def normalise_header(text) -> str:
    r"""Return the comparable form of a header cell.

    Examples
    --------
    >>> normalise_header(" 务工时间\\n（月） ")
    '务工时间(月)'
    >>> normalise_header("*户编号")
    '户编号'
    """
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", str(text)))
    folded = folded.strip("*:").replace("（", "(").replace("）", ")")
    return folded.lower() if folded.isascii() else folded


def _build_index():
    exact: dict[str, list[tuple[str, str]]] = {}

    def add(key, target):
        targets = exact.setdefault(normalise_header(key), [])
        if target not in targets:
            targets.append(target)

    for table in TABLES.values():
        for col in table.columns:
            for key in (col.zh, *col.aliases):
                add(key, (table.name, col.name))
    for level, keys in PLACE_HEADERS.items():
        for key in keys:
            add(key, ("_place", level))
    for key in IGNORED_KNOWN:
        add(key, ("_ignored", key))
    relaxed: dict[str, list[tuple[str, str]]] = {}
    for key, targets in exact.items():
        for variant in _variants(key):
            bucket = relaxed.setdefault(variant, [])
            bucket.extend(t for t in targets if t not in bucket)
    return exact, relaxed


def _variants(key: str) -> list[str]:
    out = []
    stripped = key[2:] if key.startswith("是否") and len(key) > 2 else key
    for k in (stripped, _UNIT.sub("", key), _UNIT.sub("", stripped)):
        if k and k != key and k not in out:
            out.append(k)
    return out


_EXACT, _RELAXED = _build_index()


def lookup(text) -> list[tuple[str, str]]:
    """Return the ``(table, column)`` targets of a header (empty when unknown).

    Targets include ``("_place", level)`` for place names and ``("_ignored", header)``
    for headers known to carry nothing the Dataset stores.
    """
    key = normalise_header(text)
    if not key:
        return []
    if key in _EXACT:
        return _EXACT[key]
    for variant in (key, *_variants(key)):
        if variant in _RELAXED:
            return _RELAXED[variant]
        if variant in _EXACT:
            return _EXACT[variant]
    return []


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Header:
    """One column of a sheet's header: where it is, what it says, what it maps to."""

    index: int
    text: str
    targets: list[tuple[str, str]] = field(default_factory=list)

    @property
    def letter(self) -> str:
        """The spreadsheet column letter."""
        return column_letter(self.index)

    @property
    def label(self) -> str:
        """``text (letter列)`` for messages."""
        return f"{self.text}（{self.letter}列）" if self.text else f"{self.letter}列"


@dataclass
class HeaderMap:
    """The header of a sheet: the rows it spans and its columns."""

    first_row: int  # 0-based index of the first header row
    last_row: int  # 0-based index of the last header row
    columns: list[Header]

    @property
    def data_start(self) -> int:
        """0-based index of the first row below the header."""
        return self.last_row + 1


def _row_score(row: list) -> int:
    return sum(1 for cell in row if isinstance(cell, str) and lookup(cell))


def _cell(rows: list[list], r: int, c: int):
    if 0 <= r < len(rows) and c < len(rows[r]):
        v = rows[r][c]
        return "" if v is None else v
    return ""


def _fill_merged(rows: list[list], merged, lo: int, hi: int) -> dict[tuple[int, int], object]:
    """Values of merged header cells spread over every cell they cover (rows lo..hi)."""
    filled = {}
    for (r0, c0), (r1, c1) in merged or ():
        if r1 < lo or r0 > hi:
            continue
        value = _cell(rows, r0, c0)
        for r in range(max(r0, lo), min(r1, hi) + 1):
            for c in range(c0, c1 + 1):
                filled[(r, c)] = value
    return filled


def find_header(rows: list[list], merged=None) -> HeaderMap | None:
    """Find the header of a sheet among its first rows.

    Parameters
    ----------
    rows : list of list
        The sheet's cells, row by row, from the sheet's first row.
    merged : list of ((row, col), (row, col)), optional
        Merged cell ranges (0-based, inclusive).

    Returns
    -------
    HeaderMap or None
        None when no row among the first :data:`SCAN_ROWS` holds at least two
        known headers.
    """
    scan = [(_row_score(rows[r]), r) for r in range(min(SCAN_ROWS, len(rows)))]
    if not scan:
        return None
    best_score, best = max(scan, key=lambda t: (t[0], -t[1]))
    if best_score < 2:
        return None
    first, last = best, best
    if best + 1 < len(rows) and _row_score(rows[best + 1]) >= 1:
        last = best + 1
    elif best >= 1 and _row_score(rows[best - 1]) >= 1:
        first = best - 1
    width = max(len(rows[r]) for r in range(first, last + 1))
    filled = _fill_merged(rows, merged, first, last)
    columns = []
    for c in range(width):
        cells = []
        for r in range(first, last + 1):
            v = filled.get((r, c), _cell(rows, r, c))
            text = str(v).strip() if not (isinstance(v, float) and v != v) else ""
            if text and text not in cells:
                cells.append(text)
        columns.append(_choose(c, cells))
    return HeaderMap(first, last, columns)


def _choose(index: int, cells: list[str]) -> Header:
    """Pick the header of a column from its cells in the header rows (bottom row first)."""
    for text in reversed(cells):
        targets = lookup(text)
        if targets:
            return Header(index, _display(text), list(targets))
    if len(cells) > 1:
        joined = "".join(cells)
        targets = lookup(joined)
        if targets:
            return Header(index, _display(joined), list(targets))
    return Header(index, "/".join(_display(t) for t in cells), [])


def _display(text: str) -> str:
    return _SPACE.sub("", text)
