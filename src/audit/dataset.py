"""The Dataset: a folder of Parquet tables plus ``dataset.json``.

Layout of a Dataset folder::

    dataset.json          county, reference date, year, settings used, sources, fingerprint
    townships.parquet     one file per table of :data:`audit.schema.TABLES`
    ...
    villages.gpkg         village polygons (layer ``villages``), user-supplied or schematic
    truth/                synthetic data only: what a census enumerator would find.
                          Never read by :func:`load_dataset`; see :func:`load_truth`.

Saving writes into a temporary sibling folder and renames it into place, so a
crash never leaves a half-written Dataset.

Many counties are stored partitioned by county and township instead
(:mod:`audit.partitions`); :func:`load_dataset` reads both layouts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from audit.errors import InputError, SchemaError
from audit.fsutil import staging_dir, write_json
from audit.schema import SCHEMA_VERSION, TABLES, conform

if TYPE_CHECKING:
    from audit.scale.lazy import LazyDataset

__all__ = ["Dataset", "load_dataset", "load_truth"]

META_FILE = "dataset.json"
GEOMETRY_FILE = "villages.gpkg"
TRUTH_DIR = "truth"


@dataclass
class Dataset:
    """The tables of one audit, as pandas frames in schema dtypes.

    Attributes
    ----------
    townships, villages, households, members, visits, projects, problems, complaints : DataFrame
        The tables of :data:`audit.schema.TABLES`.
    geometry : GeoDataFrame or None
        Village polygons keyed by ``village_code`` (column ``schematic`` tells
        whether they are the demo's schematic tessellation).
    meta : dict
        The content of ``dataset.json``.
    truth : dict of DataFrame or None
        Synthetic data only: the true layer. Audit steps never read it.
    """

    townships: pd.DataFrame
    villages: pd.DataFrame
    households: pd.DataFrame
    members: pd.DataFrame
    visits: pd.DataFrame
    projects: pd.DataFrame
    problems: pd.DataFrame
    complaints: pd.DataFrame
    geometry: object | None = None
    meta: dict = field(default_factory=dict)
    truth: dict[str, pd.DataFrame] | None = None

    def __post_init__(self) -> None:
        for name in TABLES:
            setattr(self, name, conform(getattr(self, name), name))

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables by name, in schema order."""
        return {name: getattr(self, name) for name in TABLES}

    def fingerprint(self) -> str:
        """Return a SHA-256 over the content of all tables (independent of file bytes)."""
        h = hashlib.sha256()
        for name, frame in self.tables().items():
            h.update(name.encode())
            h.update(",".join(frame.columns).encode())
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return h.hexdigest()

    def subset(self, townships) -> Dataset:
        """Return the Dataset restricted to some townships (codes), truth included.

        Every table keeps exactly the rows of those townships; members and
        visits follow their households.
        """
        codes = pd.Index([str(t) for t in np.atleast_1d(townships)])
        hh = self.households[self.households["township_code"].isin(codes)]
        ids = hh["household_id"]

        def by_township(frame):
            return frame[frame["township_code"].isin(codes)].reset_index(drop=True)

        geometry = None
        if self.geometry is not None:
            geometry = self.geometry[self.geometry["township_code"].isin(codes)].reset_index(
                drop=True
            )
        truth = None
        if self.truth is not None:
            truth = {
                k: v[v["household_id"].isin(ids)].reset_index(drop=True)
                for k, v in self.truth.items()
            }
        return Dataset(
            townships=by_township(self.townships),
            villages=by_township(self.villages),
            households=hh.reset_index(drop=True),
            members=self.members[self.members["household_id"].isin(ids)].reset_index(drop=True),
            visits=self.visits[self.visits["household_id"].isin(ids)].reset_index(drop=True),
            projects=by_township(self.projects),
            problems=by_township(self.problems),
            complaints=by_township(self.complaints),
            geometry=geometry,
            meta={**self.meta, "subset_townships": list(codes)},
            truth=truth,
        )

    def save(self, path: str | Path, *, inputs=(), also=None) -> Path:
        """Write the Dataset to folder ``path`` (replacing it atomically if it exists).

        Parameters
        ----------
        path : str or Path
            The folder.
        inputs : iterable of path, optional
            Files the Dataset was made from; ``path`` must not hold them
            (see :func:`audit.fsutil.guard_output`).
        also : callable, optional
            Called with the temporary folder to write more files (reports)
            that appear together with the Dataset, or not at all.

        Returns
        -------
        Path
            The folder written.
        """
        path = Path(path).resolve()
        with staging_dir(path, inputs) as tmp:
            for name, frame in self.tables().items():
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
            if self.geometry is not None:
                self.geometry.to_file(tmp / GEOMETRY_FILE, layer="villages", driver="GPKG")
            if self.truth is not None:
                (tmp / TRUTH_DIR).mkdir()
                for name, frame in self.truth.items():
                    frame.to_parquet(tmp / TRUTH_DIR / f"{name}.parquet", index=False)
            meta = {
                **self.meta,
                "schema_version": SCHEMA_VERSION,
                "fingerprint": self.fingerprint(),
                "tables": {n: {"rows": len(f)} for n, f in self.tables().items()},
            }
            write_json(tmp / META_FILE, meta)
            if also is not None:
                also(tmp)
            if path.is_dir():
                _carry_over(path, tmp)
        return path


def _carry_over(old: Path, new: Path) -> None:
    """Keep what others keep in a Dataset folder (the ledger, reports) when it is rewritten.

    Files and folders of ``old`` that the new Dataset does not write are copied
    into ``new``; an SQLite file (the rectification ledger) is copied with
    SQLite's online backup, a consistent snapshot even while it is being read.
    """
    import sqlite3

    for item in old.iterdir():
        dest = new / item.name
        if dest.exists() or item.name.startswith(".") or item.name.endswith(("-wal", "-shm")):
            continue
        if item.suffix == ".sqlite":
            src, dst = sqlite3.connect(f"{item.as_uri()}?mode=ro", uri=True), sqlite3.connect(dest)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
        elif item.is_dir():
            shutil.copytree(item, dest)
        else:
            shutil.copy2(item, dest)


def _read_meta(path: Path) -> dict:
    if not path.is_dir():
        raise InputError("数据集文件夹不存在", "dataset folder does not exist", file=str(path))
    meta_file = path / META_FILE
    if not meta_file.exists():
        raise InputError(
            f"数据集缺少 {META_FILE}（这不是一个数据集文件夹）",
            f"{META_FILE} is missing (not a Dataset folder)",
            file=str(path),
        )
    try:
        return json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{META_FILE} 无法解析：{exc}",
            f"{META_FILE} is not valid JSON: {exc}",
            file=str(meta_file),
        ) from None


def _read_table(path: Path, name: str) -> pd.DataFrame:
    file = path / f"{name}.parquet"
    table = TABLES[name]
    if not file.exists():
        raise SchemaError(
            f"数据集缺少表「{table.zh}」({name}.parquet)",
            f"the dataset is missing table {name!r} ({name}.parquet)",
            table=name,
            file=str(file),
        )
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise InputError(
            f"表「{table.zh}」无法读取：{exc}", f"cannot read table {name!r}: {exc}", file=str(file)
        ) from None
    return conform(frame, name, source=str(file))


def load_dataset(
    path: str | Path, *, geometry: bool = True, engine: str = "pandas"
) -> Dataset | LazyDataset:
    """Load a Dataset folder, validating every table against the schema.

    Parameters
    ----------
    path : str or Path
        The Dataset folder: flat, partitioned by county and township, or a
        county view of a partitioned one (see :mod:`audit.partitions`).
    geometry : bool
        Also load the village polygons (``villages.gpkg``) when present.
    engine : {"pandas", "dask"}
        ``"pandas"`` reads every table (all partitions) into memory;
        ``"dask"`` opens a partitioned Dataset lazily
        (:class:`audit.scale.LazyDataset`, tables as dask DataFrames).

    Returns
    -------
    Dataset
        Without the true layer (see :func:`load_truth`); a
        :class:`audit.scale.LazyDataset` with ``engine="dask"``.

    Raises
    ------
    InputError
        When the folder or ``dataset.json`` is missing or unreadable.
    SchemaError
        When a table or a column is missing or of the wrong type; the message
        names the table and the column, in Chinese and English.
    """
    path = Path(path)
    meta = _read_meta(path)
    if engine == "dask":
        from audit.scale.lazy import open_lazy

        return open_lazy(path)
    if engine != "pandas":
        raise ValueError(f"engine must be 'pandas' or 'dask', not {engine!r}")
    if (meta.get("layout") or {}).get("kind"):
        from audit.partitions import load_partitioned

        return load_partitioned(path, geometry=geometry)
    frames = {name: _read_table(path, name) for name in TABLES}
    geo = None
    if geometry and (path / GEOMETRY_FILE).exists():
        import geopandas as gpd

        geo = gpd.read_file(path / GEOMETRY_FILE, layer="villages")
    return Dataset(**frames, geometry=geo, meta=meta)


def load_truth(path: str | Path) -> dict[str, pd.DataFrame]:
    """Load the true layer of a synthetic Dataset (for tests and validation only)."""
    folder = Path(path) / TRUTH_DIR
    from audit.partitions import is_partitioned, read_truth

    if is_partitioned(path):
        return read_truth(Path(path))
    if not folder.is_dir():
        raise InputError(
            "该数据集没有真实层（仅合成数据有）", "this dataset has no true layer", file=str(folder)
        )
    return {f.stem: pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))}
