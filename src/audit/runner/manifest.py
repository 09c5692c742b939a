"""``manifest.json``: what a run read, with which settings and seed, and how it went."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path

__all__ = ["file_sha256", "git_commit", "package_versions", "write_manifest"]

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
