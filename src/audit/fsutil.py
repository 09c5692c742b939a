"""Writing folders so that a crash never leaves a half-written one in place.

Every command writes its outputs into a temporary sibling folder and renames it
into place when done (:func:`staging_dir`). Before that, :func:`guard_output`
refuses an output folder that would destroy something: an existing file, a
folder holding the inputs, or a non-empty folder this tool did not write (so a
mistyped ``--out ~/Documents`` never wipes a user's files). :func:`safe_component`
turns names that come from the data (township names, codes) into folder names
that can never climb out of the output folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from audit.errors import InputError, OutputError

__all__ = [
    "MARKER",
    "guard_output",
    "os_error",
    "replace_dir",
    "safe_component",
    "staging_dir",
    "unit_folder",
    "write_json",
]

#: A file every output folder of this tool holds; such a folder may be replaced.
MARKER = ".gangu-audit"
#: Files that also mark a folder as written by this tool (folders from before the marker).
_KNOWN_OUTPUTS = (
    "manifest.json",
    "dataset.json",
    "ingest_report.json",
    "findings.parquet",
    "design.json",
)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_component(name: str) -> str:
    """Return ``name`` made safe as one folder or file name.

    Path separators, control characters and characters Windows forbids become
    ``_``; leading dots and spaces are stripped (so ``..`` cannot climb up); an
    empty result becomes ``_``. Chinese characters and spaces inside are kept.

    Examples
    --------
    >>> safe_component("../../etc")
    '_.._etc'
    >>> safe_component("大像山镇")
    '大像山镇'
    """
    cleaned = _UNSAFE.sub("_", str(name)).strip().lstrip(". ")
    return cleaned[:120] or "_"


def unit_folder(code: str, name: str) -> str:
    """Return the folder name ``<code>-<name>`` of a township or county, made safe.

    Examples
    --------
    >>> unit_folder("620523100", "大像山镇")
    '620523100-大像山镇'
    """
    return safe_component(f"{code}-{name}")


def _is_ours(folder: Path) -> bool:
    return any((folder / m).exists() for m in (MARKER, *_KNOWN_OUTPUTS))


def guard_output(target: str | Path, inputs=()) -> Path:
    """Check that ``target`` may be (re)written as an output folder; return it resolved.

    Parameters
    ----------
    target : str or Path
        The output folder.
    inputs : iterable of str or Path
        Files or folders the command reads; the output must not be one of them
        nor contain one (replacing it would delete the inputs).

    Raises
    ------
    OutputError
        When ``target`` is an existing file, holds an input, or is a non-empty
        folder this tool did not write.
    """
    target = Path(target).expanduser().resolve()
    name = str(target)
    if target.exists() and not target.is_dir():
        raise OutputError(
            "输出路径是一个已存在的文件，不是文件夹",
            "the output path is an existing file",
            file=name,
        )
    for item in inputs:
        p = Path(item).expanduser().resolve()
        if not p.exists():  # a missing input is the reader's error, and cannot be deleted
            continue
        if p == target or target in p.parents:
            raise OutputError(
                f"输出文件夹包含输入「{item}」，写出结果会把它删除；请换一个输出文件夹",
                f"the output folder holds the input {str(item)!r}; writing would delete it",
                file=name,
            )
    if target.is_dir() and any(target.iterdir()) and not _is_ours(target):
        raise OutputError(
            "输出文件夹已存在且不是本工具写出的，为防止误删其中的文件，请指定新的或空的文件夹",
            "the output folder exists, is not empty and was not written by this tool; "
            "choose a new or empty folder",
            file=name,
        )
    return target


_ERRNO_ZH = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统是只读的",
    errno.ENAMETOOLONG: "文件名太长",
}


def os_error(exc: OSError):
    """Translate an :class:`OSError` into an :class:`~audit.errors.AuditError`.

    A missing file or a folder where a file was expected is unusable input
    (exit 2); anything else (disk full, read-only, permission) is an
    :class:`~audit.errors.OutputError` (exit 3). The file is named when known.
    """
    where = exc.filename if exc.filename is not None else None
    if exc.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        return InputError(
            "找不到文件或文件夹，或类型不对", f"not found or wrong kind: {exc.strerror}", file=where
        )
    zh = _ERRNO_ZH.get(exc.errno, "读写文件失败")
    return OutputError(
        f"{zh}，结果未写出（已有的结果保持不变）",
        f"{exc.strerror or exc}; nothing was written (earlier outputs are unchanged)",
        file=where,
    )


def replace_dir(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target``, swapping out an existing one.

    The old folder is first renamed aside, then the new one renamed into place,
    then the old one removed: at every moment ``target`` is either the complete
    old folder or the complete new one.
    """
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staging_dir(target: Path, inputs=(), suffix: str = ""):
    """Yield a temporary sibling folder of ``target``; on success it replaces ``target``.

    ``target`` is first checked by :func:`guard_output` against ``inputs``. The
    temporary folder is named ``.<target>.<suffix><random>``, holds the
    :data:`MARKER` file, and on any error (or interruption) is removed, leaving
    ``target`` as it was.
    """
    target = guard_output(target, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{suffix}", dir=target.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        (tmp / MARKER).write_text("gangu-audit output folder\n", encoding="utf-8")
        yield tmp
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data) -> Path:
    """Write JSON for people to read too: UTF-8, Chinese as is, indented."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
