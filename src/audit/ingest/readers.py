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

The archive checks live in :mod:`audit.ingest.archive`, the formula, macro and
link inspection in :mod:`audit.ingest.ooxml`; this module reads the cells.

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
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.ingest.archive import (
    ENCRYPTED,
    OLE_MAGIC,
    OLE_VBA,
    ZIP_MAGIC,
    ReadLimits,
    check_zip,
    damaged_error,
    ole_has,
    password_error,
)
from audit.ingest.ooxml import inspect_ooxml

__all__ = ["WORKBOOK_SUFFIXES", "RawSheet", "ReadLimits", "check_file", "read_file"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: Byte-order marks and the encodings they announce, tried first.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


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
    if suffix in WORKBOOK_SUFFIXES or magic.startswith((ZIP_MAGIC, OLE_MAGIC)):
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
    if magic.startswith(ZIP_MAGIC):
        check_zip(path, name, limits or ReadLimits())
    elif magic.startswith(OLE_MAGIC) and ole_has(path, ENCRYPTED):
        raise password_error(name)


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
        raise password_error(name) from None
    except Exception as exc:  # calamine raises zip/xml/io errors of several types
        raise damaged_error(name, exc) from None
    notes: list[tuple[str, str]] = []
    if magic.startswith(ZIP_MAGIC) and path.suffix.lower() != ".ods":
        notes = inspect_ooxml(path, sheets)
    elif magic.startswith(OLE_MAGIC) and ole_has(path, (OLE_VBA,)):
        notes = [("workbook_macros", "")]
    if sheets:
        sheets[0].notes = notes
    return sheets


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
