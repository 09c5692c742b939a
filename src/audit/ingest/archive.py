"""Workbook archives checked before they are opened: zip bombs, unsafe part names, passwords.

A zip-based workbook (``.xlsx``, ``.xlsm``, ``.ods``) is refused from its central
directory alone, without unpacking anything: too many parts, a part named with
an absolute path or ``..``, a total unpacked size over
:attr:`ReadLimits.max_unpacked_mb`, or a large part compressed more than
:attr:`ReadLimits.max_ratio` times (a zip bomb). A password-protected workbook
is an OLE file holding an ``EncryptedPackage``; it is refused with a clear message.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputError

__all__ = [
    "ENCRYPTED",
    "OLE_MAGIC",
    "OLE_VBA",
    "ZIP_MAGIC",
    "ReadLimits",
    "check_zip",
    "damaged_error",
    "ole_has",
    "password_error",
]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_MB = 1 << 20
#: Stream names of an encrypted OOXML package inside its OLE container (UTF-16-LE).
ENCRYPTED = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
#: The VBA storage of a legacy ``.xls`` workbook with macros.
OLE_VBA = "_VBA_PROJECT_CUR".encode("utf-16-le")


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


def password_error(name: str) -> InputError:
    """The error for a password-protected workbook."""
    return InputError(
        "工作簿有密码保护，无法读取；请另存为无密码的文件",
        "the workbook is password-protected; save a copy without a password",
        file=name,
    )


def damaged_error(name: str, exc: Exception) -> InputError:
    """The error for a workbook that cannot be opened (damaged, truncated, not Excel)."""
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


def check_zip(path: Path, name: str, limits: ReadLimits) -> None:
    """Refuse a zip whose central directory announces a bomb or unsafe part names."""
    entries = _zip_entries(path)  # before reading a central directory of millions of entries
    if entries is None or entries <= limits.max_members:
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise damaged_error(name, exc) from None
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


def ole_has(path: Path, needles: tuple[bytes, ...]) -> bool:
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
