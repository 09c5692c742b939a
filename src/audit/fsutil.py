"""Writing folders so that a crash never leaves a half-written one in place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["replace_dir"]


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
