"""``manifest.json``: what a run read, with which settings and seed, and how it went."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import subprocess
from pathlib import Path

__all__ = [
    "LOCK_FILE",
    "environment_lock",
    "file_sha256",
    "git_commit",
    "package_versions",
    "write_manifest",
]

#: The lock file of the whole environment, at the top of the source tree (``make lock``).
LOCK_FILE = "requirements.lock"
#: A pinned requirement of the lock: ``name==version`` and its environment marker, if any.
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")

PACKAGES = (
    "gangu-audit",
    "pandas",
    "numpy",
    "geopandas",
    "matplotlib",
    "papermill",
    "nbconvert",
    "pyarrow",
    "scipy",
    "openpyxl",
)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _pins(text: str) -> dict[str, str]:
    """The lock's pins that apply to this interpreter and platform."""
    from packaging.markers import Marker
    from packaging.utils import canonicalize_name

    pins = {}
    for line in text.splitlines():
        m = _PIN.match(line)
        if m and (m.group(3) is None or Marker(m.group(3)).evaluate()):
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def environment_lock(root: Path | None = None) -> dict:
    """The lock file's SHA-256, and whether the installed packages are the locked ones.

    Parameters
    ----------
    root : Path, optional
        Folder of the lock file (default: the top of this source tree).

    Returns
    -------
    dict
        ``file`` and ``sha256`` of the lock (both None when the workbook does not
        run from a source tree that has one), ``matches`` (True when every
        locked package is installed at its locked version) and ``differs`` (the
        packages that are not, as ``name installed (lock version)``): an auditor
        re-running last month's audit sees at once whether the environment is
        the same.
    """
    root = Path(__file__).resolve().parents[3] if root is None else Path(root)
    path = root / LOCK_FILE
    if not path.is_file():
        return {"file": None, "sha256": None, "matches": None, "differs": []}
    differs = []
    for name, version in sorted(_pins(path.read_text(encoding="utf-8")).items()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            differs.append(f"{name} {installed} (lock {version})")
    return {"file": LOCK_FILE, "sha256": file_sha256(path), "matches": not differs,
            "differs": differs}  # fmt: skip


def git_commit() -> str | None:
    """The commit of the workbook's source, when it runs from a git checkout."""
    root = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def write_manifest(path: Path, manifest: dict) -> Path:
    """Write the manifest (last file of a run)."""
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return path
