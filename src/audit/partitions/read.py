"""Reading a partitioned Dataset into pandas: all of it, some counties, one township; views."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from audit.dataset import GEOMETRY_FILE, META_FILE, TRUTH_DIR, Dataset, _read_meta
from audit.errors import InputError
from audit.partitions.layout import (
    FLAT,
    PART_FILE,
    PARTITIONED,
    UNPLACED,
    VIEW,
    _layout,
    _part_dir,
)
from audit.schema import TABLES, conform, empty_frame

__all__ = [
    "load_partitioned",
    "partitions",
    "read_partition",
    "read_truth",
    "township_dataset",
    "write_county_view",
]


def _resolve(path: Path, meta: dict) -> tuple[Path, dict, set[str] | None]:
    """The root folder, its meta and the counties to read (None: all) of a Dataset or view."""
    layout = _layout(meta)
    if layout.get("kind") == VIEW:
        root = Path(layout["root"])
        return root, _read_meta(root), set(layout["counties"])
    return path, meta, None


def partitions(path: str | Path, counties=None) -> list[dict]:
    """The partitions of a partitioned Dataset (or view), in township-code order.

    Parameters
    ----------
    path : str or Path
    counties : iterable of str, optional
        Only these counties (six-digit codes).

    Returns
    -------
    list of dict
        ``county_code``, ``township_code`` and ``rows`` (per table).
    """
    _, meta, only = _resolve(Path(path), _read_meta(Path(path)))
    wanted = set(counties) if counties is not None else only
    parts = _layout(meta).get("partitions", [])
    return [p for p in parts if wanted is None or p["county_code"] in wanted]


def read_partition(path: str | Path, table: str, township: str) -> pd.DataFrame:
    """Read one table of one township partition as pandas, keys restored (not conformed).

    A partition without rows of that table gives an empty frame of the table's schema.
    """
    file = _part_dir(Path(path), table, township) / PART_FILE
    if not file.exists():
        return empty_frame(table)
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise InputError(
            f"分区文件无法读取：{exc}", f"cannot read partition file: {exc}", file=str(file)
        ) from None
    if "township_code" in TABLES[table].names:
        frame["township_code"] = pd.Series(
            None if township == UNPLACED else township, index=frame.index, dtype="str"
        )
    return frame


def _read_table(root: Path, table: str, towns: list[str]) -> pd.DataFrame:
    """The partitions of a table concatenated (conformed once, by the Dataset)."""
    frames = [read_partition(root, table, t) for t in towns]
    frames = [f for f in frames if len(f)] or [empty_frame(table)]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _read_flat(root: Path, table: str, counties: set[str] | None) -> pd.DataFrame:
    file = root / f"{table}.parquet"
    if not file.exists():
        raise InputError(
            f"数据集缺少表「{TABLES[table].zh}」({table}.parquet)",
            f"the dataset is missing table {table!r}",
            file=str(file),
        )
    frame = pd.read_parquet(file)
    if counties is not None:
        frame = frame[frame["township_code"].astype(str).str.slice(0, 6).isin(counties)]
    return conform(frame.reset_index(drop=True), table, source=str(file))


def load_partitioned(
    path: str | Path, *, geometry: bool = True, counties=None, townships=None
) -> Dataset:
    """Load a partitioned Dataset (or a county view) into pandas, validating every table.

    Parameters
    ----------
    path : str or Path
        The Dataset folder (or a county view).
    geometry : bool
        Also load the village polygons.
    counties, townships : iterable of str, optional
        Read only these counties or townships (codes); all by default.

    Returns
    -------
    Dataset
        Partitioned tables concatenated in township-code order; ``meta`` is the
        folder's ``dataset.json`` (of the view for a view).
    """
    path = Path(path)
    own_meta = _read_meta(path)
    root, _, only = _resolve(path, own_meta)
    wanted = set(counties) if counties is not None else only
    parts = partitions(root, wanted)
    if townships is not None:
        keep = {str(t) for t in townships}
        parts = [p for p in parts if p["township_code"] in keep]
        wanted = {p["county_code"] for p in parts} | {t[:6] for t in keep}
    towns = [p["township_code"] for p in parts]
    frames = {t: _read_table(root, t, towns) for t in PARTITIONED}
    for t in FLAT:
        frames[t] = _read_flat(root, t, wanted)
        if townships is not None:
            frames[t] = frames[t][frames[t]["township_code"].isin(keep)].reset_index(drop=True)
    geo = None
    if geometry and (root / GEOMETRY_FILE).exists():
        import geopandas as gpd

        geo = gpd.read_file(root / GEOMETRY_FILE, layer="villages")
        geo = geo[geo["township_code"].isin(set(frames["townships"]["township_code"]))]
        geo = geo.reset_index(drop=True)
    if townships is not None:
        own_meta = {**own_meta, "subset_townships": sorted(keep)}
    return Dataset(**frames, geometry=geo, meta=own_meta)


def township_dataset(path: str | Path, township: str) -> Dataset:
    """One township partition as a Dataset (no polygons): the unit the Dask engine runs on."""
    return load_partitioned(path, geometry=False, townships=[township])


def read_truth(path: Path) -> dict[str, pd.DataFrame]:
    """The true layer of a partitioned Dataset (all counties): for tests and validation."""
    root, _, only = _resolve(path, _read_meta(path))
    if not (root / TRUTH_DIR).is_dir():
        raise InputError("该数据集没有真实层（仅合成数据有）", "this dataset has no true layer",
                         file=str(root / TRUTH_DIR))  # fmt: skip
    out = {}
    for folder in sorted(p for p in (root / TRUTH_DIR).iterdir() if p.is_dir()):
        parts = sorted(folder.glob(f"county_code=*/{PART_FILE}"))
        parts = [p for p in parts if only is None or p.parent.name.split("=")[1] in only]
        out[folder.name] = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return out


def write_county_view(root: str | Path, counties, folder: str | Path) -> Path:
    """Write a view of some counties of partitioned Dataset ``root`` into ``folder``.

    The view is a ``dataset.json`` only; loading it (:func:`audit.load_dataset`,
    either engine) reads only those counties' partitions and rows.

    Parameters
    ----------
    root : str or Path
        A partitioned Dataset.
    counties : str or iterable of str
        One county code, or several (e.g. a city's counties).
    folder : str or Path
        The view folder to write.

    Returns
    -------
    Path
        The view folder.
    """
    root, folder = Path(root).resolve(), Path(folder)
    codes = [counties] if isinstance(counties, str) else sorted(set(counties))
    meta = _read_meta(root)
    names = {c["county_code"]: c["county_name"] for c in meta.get("counties") or []}
    for code in codes:
        if code not in names:
            raise InputError(f"数据集中没有县代码「{code}」", f"no county {code!r} in the dataset",
                             file=str(root))  # fmt: skip
    digests = hashlib.sha256(meta.get("fingerprint", "").encode())
    digests.update(json.dumps(partitions(root, codes), sort_keys=True).encode())
    one = len(codes) == 1
    view = {
        **{k: v for k, v in meta.items() if k not in ("layout", "tables")},
        "county_code": codes[0] if one else None,
        "county_name": names[codes[0]] if one else f"{len(codes)} 个县",
        "counties": [{"county_code": c, "county_name": names[c]} for c in codes],
        "fingerprint": digests.hexdigest(),
        "layout": {"kind": VIEW, "root": str(root), "counties": codes},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META_FILE).write_text(
        json.dumps(view, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return folder
