"""A partitioned Dataset opened lazily: tables as dask DataFrames, townships on demand.

``audit.load_dataset(path, engine="dask")`` returns a :class:`LazyDataset`.
Nothing is read until asked: the large tables (villages, households, members,
visits) are ``dask.dataframe.read_parquet`` over the hive partitions, with the
keys ``county_code`` and ``township_code`` as string columns (hive partition
values would otherwise be read as integers and lose the codes' meaning);
the small tables are read with pandas when first used; one township or one
county is a plain pandas :class:`~audit.dataset.Dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from audit.dataset import Dataset, _read_meta
from audit.errors import InputError
from audit.partitions.layout import FLAT, KEYS, PARTITIONED, is_partitioned
from audit.partitions.read import _read_flat, _resolve, load_partitioned, partitions

__all__ = ["LazyDataset", "hive_partitioning", "open_lazy"]


def hive_partitioning():
    """The pyarrow hive partitioning of a partitioned Dataset: both keys as strings."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    return pads.partitioning(pa.schema([(k, pa.string()) for k in KEYS]), flavor="hive")


@dataclass
class LazyDataset:
    """A partitioned Dataset (or county view) opened without reading its rows.

    Attributes
    ----------
    path : Path
        The folder opened (a partitioned Dataset or a county view).
    root : Path
        The partitioned Dataset's folder.
    meta : dict
        The opened folder's ``dataset.json``.
    counties : set of str or None
        The counties a view is restricted to (None: all).
    """

    path: Path
    root: Path
    meta: dict
    counties: set[str] | None = None

    @property
    def partitions(self) -> list[dict]:
        """The township partitions in code order: ``county_code``, ``township_code``, ``rows``."""
        return partitions(self.root, self.counties)

    def table(self, name: str, columns=None):
        """One table as a dask DataFrame (one partition per township for partitioned tables).

        Parameters
        ----------
        name : str
            A table of :data:`audit.schema.TABLES`.
        columns : list of str, optional
            Read only these columns (partition keys included on request).

        Returns
        -------
        dask.dataframe.DataFrame
            Partitioned tables carry ``county_code`` and ``township_code`` from the
            folder names. Values are as stored (not conformed to the schema).
        """
        import dask.dataframe as dd

        filters = [("county_code", "in", sorted(self.counties))] if self.counties else None
        if name in PARTITIONED:
            return dd.read_parquet(
                str(self.root / name),
                columns=columns,
                filters=filters,
                dataset={"partitioning": hive_partitioning()},
            )
        if name in FLAT:
            return dd.from_pandas(getattr(self, name), npartitions=1)
        raise KeyError(name)

    @property
    def villages(self):
        """Villages (dask)."""
        return self.table("villages")

    @property
    def households(self):
        """Households (dask)."""
        return self.table("households")

    @property
    def members(self):
        """Members (dask), each in the partition of its household."""
        return self.table("members")

    @property
    def visits(self):
        """Visits (dask), each in the partition of its household."""
        return self.table("visits")

    @cached_property
    def townships(self) -> pd.DataFrame:
        """Townships (pandas, conformed)."""
        return _read_flat(self.root, "townships", self.counties)

    @cached_property
    def projects(self) -> pd.DataFrame:
        """Projects (pandas, conformed)."""
        return _read_flat(self.root, "projects", self.counties)

    @cached_property
    def problems(self) -> pd.DataFrame:
        """Problems (pandas, conformed)."""
        return _read_flat(self.root, "problems", self.counties)

    @cached_property
    def complaints(self) -> pd.DataFrame:
        """Complaints (pandas, conformed)."""
        return _read_flat(self.root, "complaints", self.counties)

    @property
    def county_codes(self) -> list[str]:
        """The counties present, in code order."""
        return sorted({p["county_code"] for p in self.partitions})

    def township(self, code: str) -> Dataset:
        """One township as a pandas Dataset (the unit the Dask engine runs on)."""
        return load_partitioned(self.root, geometry=False, townships=[code])

    def county(self, code: str, *, geometry: bool = False) -> Dataset:
        """One county as a pandas Dataset."""
        return load_partitioned(self.root, geometry=geometry, counties=[code])


def open_lazy(path: str | Path) -> LazyDataset:
    """Open a partitioned Dataset (or a county view of one) lazily.

    Raises
    ------
    InputError
        When the folder is a flat Dataset: the Dask engine needs partitions.
    """
    path = Path(path).resolve()
    meta = _read_meta(path)
    if not is_partitioned(path):
        raise InputError(
            "Dask 引擎需要按县、乡镇分区的数据集（用 audit synth --partitioned 生成，"
            "或用 audit partition 把各县数据集合并为分区数据集）",
            "the Dask engine needs a Dataset partitioned by county and township "
            "(audit synth --partitioned, or audit partition)",
            file=str(path),
        )
    root, _, only = _resolve(path, meta)
    return LazyDataset(path=path, root=root.resolve(), meta=meta, counties=only)
