"""Writing folders so that a crash never leaves a half-written one in place."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["replace_dir", "staging_dir", "write_json"]


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
def staging_dir(target: Path):
    """Yield a temporary sibling folder of ``target``; on success it replaces ``target``.

    On any error (or interruption) the temporary folder is removed and ``target``
    is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data) -> Path:
    """Write JSON for people to read too: UTF-8, Chinese as is, indented."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
