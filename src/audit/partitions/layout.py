"""The layout of a partitioned Dataset: keys, partitioned tables, partition folders."""

from __future__ import annotations

import json
from pathlib import Path

from audit.dataset import META_FILE
from audit.schema import TABLES

__all__ = ["FLAT", "KEYS", "LAYOUT", "PARTITIONED", "PART_FILE", "UNPLACED", "VIEW",
           "is_partitioned"]  # fmt: skip

LAYOUT = "partitioned"
VIEW = "county-view"
KEYS = ("county_code", "township_code")
#: Tables split by township; the others stay one flat file each.
PARTITIONED = ("villages", "households", "members", "visits")
FLAT = tuple(t for t in TABLES if t not in PARTITIONED)
PART_FILE = "part-0.parquet"
#: Partition of rows without a (known) township.
UNPLACED = "000000000"


def _layout(meta: dict) -> dict:
    return meta.get("layout") or {}


def is_partitioned(path: str | Path) -> bool:
    """True when folder ``path`` holds a partitioned Dataset or a county view of one."""
    file = Path(path) / META_FILE
    if not file.exists():
        return False
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return _layout(meta).get("kind") in (LAYOUT, VIEW)


def _part_dir(root: Path, table: str, township: str) -> Path:
    return root / table / f"county_code={township[:6]}" / f"township_code={township}"
