"""Read one file of a run as text pieces with their places.

:func:`read_pieces` turns a file into :class:`Pieces`: the lines of an HTML page
(one table row per line, attribute values and comments included, embedded
images dropped), of a log, CSV, Markdown or any text file; the values of a JSON
document with their JSON paths; the source lines and outputs of an executed
notebook; the cells of an Excel workbook (``sheet!A1``); the string columns of a
Parquet table (``column row N``); the text chunks of a PNG image. Pieces are
grouped into rows (a table row, a line, a JSON object) for the name check.
"""

from __future__ import annotations

import html
import json
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from audit.ingest.headers import column_letter

__all__ = ["EXCEL_SUFFIXES", "Pieces", "concat", "read_pieces"]

_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]*")
_TABLE_ROW = re.compile(r"<tr\b.*?</tr>", re.S | re.I)
_TAG = re.compile(r"<!--(.*?)-->|<[^>]*>", re.S)
_ATTR_VALUE = re.compile(r"=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass
class Pieces:
    """The text of one file as pieces (cells, lines, JSON values) grouped into rows."""

    text: list[str]
    where: list[str]
    group: list


def _lines(text: str, prefix: str = "line ") -> Pieces:
    lines = text.split("\n")
    return Pieces(lines, [f"{prefix}{i + 1}" for i in range(len(lines))], list(range(len(lines))))


def _html_text(text: str) -> str:
    """Return the text and attribute values of an HTML page, one table row per line."""

    def row(m):
        return m.group().replace("\n", " ") + "\n" * m.group().count("\n")

    def tag(m):
        if m.group(1) is not None:  # a comment keeps its text
            return m.group(1)
        values = [a or b for a, b in _ATTR_VALUE.findall(m.group())]
        kept = " ".join(values)
        return f" {kept} " + "\n" * (m.group().count("\n") - kept.count("\n"))

    text = _TABLE_ROW.sub(row, _DATA_URI.sub("", text))
    return html.unescape(_TAG.sub(tag, text))


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text[:4096]:
            return text
    raise ValueError("binary file")


def _json_pieces(obj, path: str = "$") -> Pieces:
    out = Pieces([], [], [])

    def walk(node, where):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            child = f"{where}.{key}" if isinstance(node, dict) else f"{where}[{key}]"
            if isinstance(node, dict):
                out.text.append(str(key)), out.where.append(child), out.group.append(where)
            if isinstance(value, dict | list):
                walk(value, child)
            elif value is not None and not isinstance(value, bool):
                out.text.append(str(value)), out.where.append(child), out.group.append(where)

    if isinstance(obj, dict | list):
        walk(obj, path)
    return out


def concat(parts: list[Pieces]) -> Pieces:
    """Join the pieces of several parts (sheets, cells) into one, each part its own group."""
    out = Pieces([], [], [])
    for i, p in enumerate(parts):
        out.text += p.text
        out.where += p.where
        out.group += [(i, g) for g in p.group]
    return out


def _notebook_output(out: dict, prefix: str) -> list[Pieces]:
    kind = out.get("output_type")
    if kind == "stream":
        return [_lines(_join(out.get("text", "")), f"{prefix} ({out.get('name')}) line ")]
    if kind == "error":
        tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
        text = f"{out.get('ename')}: {out.get('evalue')}\n{tb}"
        return [_lines(text, f"{prefix} (error) line ")]
    parts = []
    for mime, value in (out.get("data") or {}).items():
        if mime in ("text/html", "image/svg+xml"):
            parts.append(_lines(_html_text(_join(value)), f"{prefix} ({mime}) line "))
        elif mime.startswith("text/"):
            parts.append(_lines(_join(value), f"{prefix} ({mime}) line "))
        elif mime.endswith("json"):
            parts.append(_json_pieces(value, f"{prefix} ({mime})"))
    return parts


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _read_notebook(path: Path) -> Pieces:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = [_json_pieces(nb.get("metadata", {}), "metadata")]
    for i, cell in enumerate(nb.get("cells", [])):
        parts.append(_lines(_join(cell.get("source", "")), f"cell {i} source line "))
        for j, out in enumerate(cell.get("outputs", [])):
            parts += _notebook_output(out, f"cell {i} output {j}")
    return concat(parts)


def _column_letters(n: int) -> np.ndarray:
    """Spreadsheet letters of the first ``n`` columns (A, B, …, AA, …)."""
    return np.array([column_letter(i) for i in range(n)], dtype=object)


def _cells(values: np.ndarray) -> np.ndarray:
    """Return the cells of a sheet as text; integral numbers without ``.0``."""
    flat = pd.Series(values.ravel(), dtype=object)
    num = pd.to_numeric(flat, errors="coerce")
    integral = num.notna() & num.eq(num.round()) & flat.map(type).isin([int, float])
    text = flat.astype(str).where(flat.notna(), "")
    text[integral] = num[integral].map(lambda v: str(int(v)))
    return text.to_numpy(dtype=object).reshape(values.shape)


def _read_workbook(path: Path) -> Pieces:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    parts = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        width = max((len(r) for r in rows), default=0)
        if not width:
            continue
        values = np.array([list(r) + [""] * (width - len(r)) for r in rows], dtype=object)
        text = _cells(values)
        r, c = np.nonzero(text != "")
        where = f"{name}!" + _column_letters(width)[c] + (r + 1).astype(str).astype(object)
        parts.append(Pieces(list(text[r, c]), list(where), list(r)))
    wb.close()
    return concat(parts)


def _read_parquet(path: Path) -> Pieces:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = []
    for field in table.schema:
        col = table.column(field.name).to_pandas()
        if not (pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        col = col.astype(object)
        keep = col.notna().to_numpy()
        rows = np.flatnonzero(keep)
        where = f"{field.name} row " + rows.astype(str).astype(object)
        parts.append(Pieces(list(col[keep].astype(str)), list(where), list(rows)))
    merged = concat(parts)
    merged.group = [g for _, g in merged.group]  # one group per table row
    return merged


def _read_png(path: Path) -> Pieces:
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG file")
    out, pos = Pieces([], [], []), 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body, pos = data[pos + 8 : pos + 8 + length], pos + 12 + length
        if ctype not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        key, _, rest = body.partition(b"\x00")
        if ctype == b"zTXt":
            text = zlib.decompress(rest[1:]).decode("latin-1")
        elif ctype == b"iTXt":
            flag, rest = rest[0], rest[2:]
            text = rest.split(b"\x00", 2)[-1]
            text = (zlib.decompress(text) if flag else text).decode("utf-8")
        else:
            text = rest.decode("latin-1")
        where = f"PNG {ctype.decode()} {key.decode('latin-1')}"
        out.text += [key.decode("latin-1"), text]
        out.where += [where, where]
        out.group += [pos, pos]
    return out


def read_pieces(path: Path) -> Pieces:
    """Read every text of a file as pieces; ValueError/OSError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".svg"):
        return _lines(_html_text(_read_text(path)))
    if suffix == ".ipynb":
        return _read_notebook(path)
    if suffix in (".json", ".geojson"):
        return _json_pieces(json.loads(_read_text(path)))
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(path)
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix == ".png":
        return _read_png(path)
    return _lines(_read_text(path))  # .log, .txt, .csv, .md and anything that is text
