"""Readers: spreadsheet and CSV files → raw sheets of cells.

Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb``, ``.ods``) are read with
python-calamine, which returns each cell as the spreadsheet stores it: text as
``str``, every number as ``float`` (so an ID number typed as a number comes back
as a float and is detected as precision-lost by :mod:`audit.ingest.normalise`),
dates as ``datetime``. Every worksheet of a workbook is read, with its merged-cell ranges.

Workbooks are read as data only:

* formulas are never evaluated: calamine returns the value the spreadsheet
  saved with the formula (none: an empty cell). The formula cells of
  ``.xlsx``/``.xlsm`` worksheets are listed (:attr:`RawSheet.formulas`, found by a
  streaming scan of the sheet's XML) so that the report can name them;
* macros never run (calamine does not execute VBA); a workbook holding a VBA
  project is noted (:attr:`RawSheet.notes`);
* external links are never followed: the cached values of the formulas that
  use them are read; the workbook is noted with the link targets.

Before calamine opens a zip-based workbook (``.xlsx``, ``.xlsm``, ``.ods``),
its central directory is checked without unpacking anything (:func:`check_file`):
too many parts, a part named with an absolute path or ``..``, a total unpacked
size over :attr:`ReadLimits.max_unpacked_mb`, or a large part compressed more
than :attr:`ReadLimits.max_ratio` times (a zip bomb) refuse the file. A
password-protected workbook (an OLE file holding an ``EncryptedPackage``) is
refused with a clear message.

CSV files are decoded with a fixed try-order, no guessing from statistics:
a byte-order mark (UTF-8, UTF-16) first, then strict UTF-8, then GB18030 (a
superset of GBK, the Windows "ANSI" code page of Chinese exports). The
delimiter is a tab when the first line holds more tabs than commas, else a comma.
A quoted field left open at the end of the file is an error naming the line
where it starts.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from audit.errors import InputError

__all__ = ["WORKBOOK_SUFFIXES", "RawSheet", "ReadLimits", "check_file", "read_file"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: Byte-order marks and the encodings they announce, tried first.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_MB = 1 << 20
#: Stream names of an encrypted OOXML package inside its OLE container (UTF-16-LE).
_ENCRYPTED = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
#: The VBA storage of a legacy ``.xls`` workbook with macros.
_OLE_VBA = "_VBA_PROJECT_CUR".encode("utf-16-le")
_EXTERNAL_LINK = re.compile(r"(?i)^xl/externalLinks/externalLink\d+\.xml$")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")
_FORMULA_TEXT_MAX = 200


@dataclass(frozen=True)
class ReadLimits:
    """Limits a zip-based workbook must keep to, checked before it is unpacked.

    The defaults are those of the ``[ingest]`` section of ``settings.toml``.

    Attributes
    ----------
    max_unpacked_mb : int
        Total unpacked size of all parts (MB).
    max_ratio : float
        Largest unpacked / packed size of one part larger than ``ratio_min_mb``.
    ratio_min_mb : int
        Parts up to this unpacked size (MB) are not checked for their ratio.
    max_members : int
        Largest number of parts.
    """

    max_unpacked_mb: int = 2048
    max_ratio: float = 200.0
    ratio_min_mb: int = 4
    max_members: int = 10_000

    @classmethod
    def from_settings(cls, settings) -> ReadLimits:
        """The limits of a :class:`~audit.settings.Settings` (its ``[ingest]`` section)."""
        s = settings.ingest
        return cls(s.max_unpacked_mb, s.max_ratio, s.ratio_min_mb, s.max_members)


@dataclass
class RawSheet:
    """The cells of one sheet, as read.

    Attributes
    ----------
    file : str
        The file as the user named it.
    sheet : str or None
        The sheet name (None for a CSV file).
    rows : list of list
        Cells row by row from the sheet's first row: ``rows[i]`` is spreadsheet
        row ``i + 1``. Empty cells are ``""``.
    merged : list
        Merged ranges ``((row0, col0), (row1, col1))``, 0-based and inclusive.
    encoding : str or None
        The encoding a CSV file was decoded with.
    hidden : bool
        True for a hidden worksheet.
    formulas : list of tuple
        The formula cells ``(row, col, formula, cached)``: ``row`` as the user
        sees it (1-based), ``col`` 0-based, the formula text (with ``=``) and
        whether a value was saved with it (else calamine read an empty cell).
    notes : list of tuple
        Notes on the whole workbook ``(problem, value)`` (macros, external
        links), carried by its first sheet.
    """

    file: str
    sheet: str | None
    rows: list[list]
    merged: list = field(default_factory=list)
    encoding: str | None = None
    hidden: bool = False
    formulas: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def is_csv(self) -> bool:
        """True when the sheet came from a CSV file."""
        return self.sheet is None


def _kind(path: Path) -> tuple[str, bytes]:
    """``("workbook" | "csv" | "other", magic)`` of an existing file."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES or magic.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return "workbook", magic
    if suffix in CSV_SUFFIXES or suffix == "":
        return "csv", magic
    return "other", magic


def check_file(path: str | Path, limits: ReadLimits | None = None) -> None:
    """Refuse a file that must not be opened, without unpacking or parsing it.

    Checks that the file exists and, for a workbook, that it is not a zip bomb
    (see :class:`ReadLimits`), has no part named outside the archive, and is
    not protected by a password. Cheap: only the zip's central directory, or
    the bytes of an OLE file, are looked at.

    Parameters
    ----------
    path : str or Path
    limits : ReadLimits, optional
        Default: :class:`ReadLimits` ().

    Raises
    ------
    InputError
        Naming the file (and the offending part of the archive).
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError("文件不存在", "file not found", file=name)
    kind, magic = _kind(path)
    if kind != "workbook":
        return
    if magic.startswith(_ZIP_MAGIC):
        _check_zip(path, name, limits or ReadLimits())
    elif magic.startswith(_OLE_MAGIC) and _ole_has(path, _ENCRYPTED):
        raise _password(name)


def read_file(path: str | Path, limits: ReadLimits | None = None) -> list[RawSheet]:
    """Read every sheet of a workbook, or the one table of a CSV file.

    Parameters
    ----------
    path : str or Path
        The file.
    limits : ReadLimits, optional
        Limits of a zip-based workbook (default: :class:`ReadLimits` ()).

    Returns
    -------
    list of RawSheet

    Raises
    ------
    InputError
        When the file does not exist, is not a spreadsheet or CSV file, is
        damaged or truncated, exceeds the limits (a zip bomb), or is protected
        by a password.
    """
    path = Path(path)
    name = str(path)
    check_file(path, limits)
    kind, magic = _kind(path)
    if kind == "workbook":
        return _read_workbook(path, name, magic)
    if kind == "csv":
        return [_read_csv(path, name)]
    raise InputError(
        f"不支持的文件类型「{path.suffix}」（应为 .xlsx、.xls 或 .csv）",
        f"unsupported file type {path.suffix!r} (expected .xlsx, .xls or .csv)",
        file=name,
    )


def _password(name: str) -> InputError:
    return InputError(
        "工作簿有密码保护，无法读取；请另存为无密码的文件",
        "the workbook is password-protected; save a copy without a password",
        file=name,
    )


def _damaged(name: str, exc: Exception) -> InputError:
    return InputError(
        f"无法读取工作簿（文件损坏、被截断或不是 Excel 文件）：{type(exc).__name__}",
        f"cannot read the workbook (damaged, truncated or not an Excel file): {exc}",
        file=name,
    )


def _unsafe(name: str, zh: str, en: str) -> InputError:
    return InputError(
        f"拒绝读取：{zh}（可能是伪装成工作簿的压缩炸弹或恶意文件）",
        f"refused: {en} (a zip bomb or a malicious file disguised as a workbook?)",
        file=name,
    )


def _zip_entries(path: Path) -> int | None:
    """The number of entries the end-of-central-directory record declares (None: zip64/none)."""
    size = path.stat().st_size
    tail = min(size, 22 + 0xFFFF)
    with path.open("rb") as fh:
        fh.seek(size - tail)
        data = fh.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(data):
        return None
    (entries,) = struct.unpack_from("<H", data, at + 10)
    return None if entries == 0xFFFF else entries


def _check_zip(path: Path, name: str, limits: ReadLimits) -> None:
    """Refuse a zip whose central directory announces a bomb or unsafe part names."""
    entries = _zip_entries(path)  # before reading a central directory of millions of entries
    if entries is None or entries <= limits.max_members:
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _damaged(name, exc) from None
        entries = len(infos)
    if entries > limits.max_members:
        raise _unsafe(
            name,
            f"压缩包内有 {entries} 个部件，超过上限 {limits.max_members}",
            f"the archive holds {entries} parts, more than {limits.max_members}",
        )
    for info in infos:
        member = info.filename
        parts = member.replace("\\", "/").split("/")
        if member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member) or ".." in parts:
            raise _unsafe(
                name,
                f"部件「{member}」的路径指向压缩包之外",
                f"part {member!r} has an absolute path or '..'",
            )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_mb * _MB:
        biggest = max(infos, key=lambda i: i.file_size)
        raise _unsafe(
            name,
            f"解压后共 {total / _MB:,.0f} MB，超过上限 {limits.max_unpacked_mb} MB"
            f"（最大的部件「{biggest.filename}」{biggest.file_size / _MB:,.0f} MB）",
            f"it unpacks to {total / _MB:,.0f} MB, more than {limits.max_unpacked_mb} MB "
            f"(largest part {biggest.filename!r}: {biggest.file_size / _MB:,.0f} MB)",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_min_mb * _MB and ratio > limits.max_ratio:
            raise _unsafe(
                name,
                f"部件「{info.filename}」压缩比 {ratio:,.0f}:1（{info.compress_size / _MB:,.1f} MB "
                f"解压为 {info.file_size / _MB:,.0f} MB），超过上限 {limits.max_ratio:g}:1",
                f"part {info.filename!r} has a compression ratio of {ratio:,.0f}:1 "
                f"({info.compress_size / _MB:,.1f} MB unpack to {info.file_size / _MB:,.0f} MB), "
                f"more than {limits.max_ratio:g}:1",
            )


def _ole_has(path: Path, needles: tuple[bytes, ...]) -> bool:
    """True when every one of ``needles`` occurs in the OLE file (its directory entries)."""
    found = dict.fromkeys(needles, False)
    keep = max(len(n) for n in needles)
    tail = b""
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 * _MB), b""):
            block = tail + chunk
            for n in found:
                found[n] = found[n] or n in block
            if all(found.values()):
                return True
            tail = block[-keep:]
    return False


def _read_workbook(path: Path, name: str, magic: bytes) -> list[RawSheet]:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in wb.sheets_metadata:
            if str(meta.typ).split(".")[-1] != "WorkSheet":
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False) if sheet.height else []
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
            hidden = str(meta.visible).split(".")[-1] != "Visible"
            sheets.append(RawSheet(name, meta.name, rows, merged, hidden=hidden))
        wb.close()
    except pc.PasswordError:
        raise _password(name) from None
    except Exception as exc:  # calamine raises zip/xml/io errors of several types
        raise _damaged(name, exc) from None
    notes: list[tuple[str, str]] = []
    if magic.startswith(_ZIP_MAGIC) and path.suffix.lower() != ".ods":
        notes = _inspect_ooxml(path, sheets)
    elif magic.startswith(_OLE_MAGIC) and _ole_has(path, (_OLE_VBA,)):
        notes = [("workbook_macros", "")]
    if sheets:
        sheets[0].notes = notes
    return sheets


# --- what calamine does not tell: formulas, macros, external links (OOXML only) ---------


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


def _inspect_ooxml(path: Path, sheets: list[RawSheet]) -> list[tuple[str, str]]:
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
        f = v = None
        for child in cell:
            t = _local(child.tag)
            if t == "f":
                f = child
            elif t in ("v", "is"):
                v = child
        out.append(_cell(f, v, int(number.group(1)), _column_index(ref.group(1))))
    return out


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
                f = v = None
                for child in el:
                    t = _local(child.tag)
                    if t == "f":
                        f = child
                    elif t in ("v", "is"):
                        v = child
                if f is not None:
                    out.append(_cell(f, v, row, col))
                el.clear()
            elif tag == "row" and data is not None:
                data.clear()
    return out


# --- CSV ------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(
        "无法识别文件编码（已尝试 UTF-8、UTF-8 BOM、UTF-16、GBK/GB18030）",
        "cannot decode the file (tried UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030)",
        file=name,
    )


def _read_csv(path: Path, name: str) -> RawSheet:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "文件不是文本文件（CSV），也不是可识别的 Excel 文件",
            "the file is neither a text (CSV) file nor a recognisable Excel file",
            file=name,
        )
    text, encoding = _decode(data, name)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list] = []
    last_line = 0
    try:
        for record in reader:
            rows.append(record)
            last_line = reader.line_num
    except csv.Error as exc:
        raise InputError(
            f"CSV 格式错误：第 {len(rows) + 1} 条记录（文件第 {last_line + 1} 行起）"
            f"有未闭合或多余的引号",
            f"malformed CSV: record {len(rows) + 1} (from line {last_line + 1}) has an "
            f"unbalanced quote ({exc})",
            file=name,
            row=len(rows) + 1,
        ) from None
    return RawSheet(name, None, rows, encoding=encoding)
