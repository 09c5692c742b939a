"""What calamine does not tell about an OOXML workbook: formulas, macros, external links.

python-calamine reads the value a spreadsheet saved with each formula and never
evaluates it; it does not list the formula cells. :func:`inspect_ooxml` finds
them by a streaming scan of each sheet's XML (blocks of whole rows; blocks
without a formula element are skipped with a byte search), and notes a VBA
project (macros never run) and external links (never followed; the cached
values are read). XML parts carrying a DTD are refused rather than expanded.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from audit.ingest.readers import RawSheet

__all__ = ["inspect_ooxml"]

_EXTERNAL_LINK = re.compile(r"(?i)^xl/externalLinks/externalLink\d+\.xml$")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")
_FORMULA_TEXT_MAX = 200
_MB = 1 << 20


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_small(zf: zipfile.ZipFile, member: str):
    """Parse a small XML part (workbook, relationships); None when absent."""
    try:
        data = zf.read(member)
    except KeyError:
        return None
    _refuse_dtd(data[:4096])
    return ET.fromstring(data)


def _refuse_dtd(head: bytes) -> None:
    # OOXML parts never carry a DTD; refuse one rather than expand its entities
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ET.ParseError("XML part with a DTD")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target) of an OOXML part; targets resolved to part names."""
    folder, base = posixpath.split(part)
    root = _parse_small(zf, posixpath.join(folder, "_rels", base + ".rels"))
    out = {}
    for rel in [] if root is None else root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            absolute = target.startswith("/")
            target = posixpath.normpath(target[1:] if absolute else posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the part holding its XML."""
    book = next(
        (t for kind, t in _rels(zf, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    root = _parse_small(zf, book)
    rels = _rels(zf, book)
    out = {}
    for el in [] if root is None else root.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            if rid in rels:
                out[el.get("name", "")] = rels[rid][1]
    return out


def inspect_ooxml(path: Path, sheets: list[RawSheet]) -> list[tuple[str, str]]:
    """List each sheet's formula cells; return the notes on macros and external links."""
    notes: list[tuple[str, str]] = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names):
            notes.append(("workbook_macros", ""))
        links = sorted(n for n in names if _EXTERNAL_LINK.match(n))
        if links:
            targets = []
            for link in links:
                try:
                    found = [t for _, t in _rels(zf, link).values()]
                except (ET.ParseError, UnicodeDecodeError):
                    found = []
                targets += found or [link]
            notes.append(("external_links", "、".join(dict.fromkeys(targets))))
        try:
            parts = _sheet_parts(zf)
        except (ET.ParseError, KeyError, zipfile.BadZipFile) as exc:
            return [*notes, ("formula_scan_failed", f"{type(exc).__name__}: {exc}")]
        for sheet in sheets:
            part = parts.get(sheet.sheet)
            if part is None or part not in names:
                continue
            try:
                sheet.formulas = _formula_cells(zf, part)
            except (ET.ParseError, zipfile.BadZipFile, EOFError) as exc:
                notes.append(("formula_scan_failed", f"{sheet.sheet}: {type(exc).__name__}"))
    return notes


class _NoRowNumbers(Exception):
    """A row without its ``r`` attribute: the rows must be counted by a full parse."""


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell(f, v, row: int, col: int) -> tuple[int, int, str, bool]:
    text = "=" + (f.text or "")
    saved = v is not None and bool((v.text or "") or len(v))
    return row, col, text[:_FORMULA_TEXT_MAX], saved


def _formula_cells(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, str, bool]]:
    """Formula cells of one worksheet part: ``(row, col, formula, cached)``.

    The part is unpacked in blocks of whole rows. A block holding no formula
    element (no ``</f>`` nor ``<f ``) is skipped at the speed of a byte search,
    so a sheet without formulas costs about its unpacking; in the others, only
    the cells around each formula element are parsed. Rows or cells without
    their reference (allowed, rare) fall back to a streaming parse of the part.
    """
    with zf.open(part) as fh:
        head = fh.read(_MB)
        _refuse_dtd(head[:4096])
        root = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b[^>]*>", head)
        if root is None:
            return []
        pre = root.group(1) + b":" if root.group(1) else b""
        tags = _Tags(root.group(0), pre)
        buf, first, out = head[root.end() :], True, []
        try:
            while True:
                chunk = fh.read(4 * _MB)
                buf += chunk
                end = buf.rfind(tags.row_end)
                if end >= 0:
                    end += len(tags.row_end)
                    block, buf = buf[:end], buf[end:]
                    if first:
                        at = tags.row_start.search(block)
                        block, first = (block[at.start() :] if at else b""), False
                    if tags.f_end in block or tags.f_attrs in block:
                        out += _block_formulas(block, tags)
                if not chunk:
                    return out
        except _NoRowNumbers:
            pass
    return _formula_cells_streamed(zf, part)


class _Tags:
    """The byte patterns of a worksheet's elements, with its namespace prefix (``x:``)."""

    def __init__(self, opening: bytes, pre: bytes) -> None:
        self.opening, self.closing = opening, b"</" + pre + b"worksheet>"
        self.row_end, self.c_end = b"</" + pre + b"row>", b"</" + pre + b"c>"
        self.row_open, self.c_open = b"<" + pre + b"row", b"<" + pre + b"c "
        self.f_end, self.f_attrs = b"</" + pre + b"f>", b"<" + pre + b"f "
        self.row_start = re.compile(re.escape(self.row_open) + rb"[\s/>]")
        self.f_start = re.compile(b"<" + re.escape(pre) + rb"f[\s/>]")


_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")


def _block_formulas(block: bytes, tags: _Tags) -> list[tuple[int, int, str, bool]]:
    """Formula cells of a block of whole rows: each cell holding a formula is parsed alone."""
    out = []
    done = -1
    for m in tags.f_start.finditer(block):
        if m.start() < done:
            continue
        c_at = block.rfind(tags.c_open, 0, m.start())
        c_end = block.find(tags.c_end, m.end())
        row_at = block.rfind(tags.row_open, 0, c_at)
        if c_at < 0 or c_end < 0 or row_at < 0 or block.find(tags.c_end, c_at, m.start()) >= 0:
            raise _NoRowNumbers  # a cell without attributes: count the cells instead
        done = c_end + len(tags.c_end)
        number = _ROW_NUMBER.search(block, row_at, block.find(b">", row_at))
        cell = ET.fromstring(tags.opening + block[c_at:done] + tags.closing)[0]
        ref = _CELL_REF.match(cell.get("r") or "")
        if number is None or ref is None:
            raise _NoRowNumbers
        f, v = _formula_and_value(cell)
        out.append(_cell(f, v, int(number.group(1)), _column_index(ref.group(1))))
    return out


def _formula_and_value(cell) -> tuple:
    """The ``<f>`` and the ``<v>``/``<is>`` elements of a ``<c>`` cell element (or None)."""
    f = v = None
    for child in cell:
        t = _local(child.tag)
        if t == "f":
            f = child
        elif t in ("v", "is"):
            v = child
    return f, v


def _formula_cells_streamed(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, str, bool]]:
    """Formula cells by a streaming parse of the whole part, counting rows and cells."""
    out = []
    row = col = 0
    data = None
    with zf.open(part) as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row, col = (int(r) if r else row + 1), -1
                elif tag == "sheetData":
                    data = el
                continue
            if tag == "c":
                ref = _CELL_REF.match(el.get("r") or "")
                col = _column_index(ref.group(1)) if ref else col + 1
                f, v = _formula_and_value(el)
                if f is not None:
                    out.append(_cell(f, v, row, col))
                el.clear()
            elif tag == "row" and data is not None:
                data.clear()
    return out
