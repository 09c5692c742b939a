"""Beyond one county: partitioned Datasets on Dask, the same rules per township partition.

- :func:`open_lazy` / :class:`LazyDataset`: a partitioned Dataset (see
  :mod:`audit.partitions`) opened lazily, tables as dask DataFrames;
  ``audit.load_dataset(path, engine="dask")`` returns one.
- :func:`check_dask`: ``audit check --engine dask``: all rules per township
  partition, ID-03 as a shuffle on the ID number, aggregates reduced from
  partials; the same output files as the pandas engine.
- :func:`dask_client`: a client to ``--scheduler`` or to a LocalCluster sized to
  the machine.
- :func:`run_province`: ``audit run`` over several counties: one task per
  township of every county, a report per county, a province summary.

See ``docs/scale.md``.
"""

from audit.scale.cluster import dask_client, local_workers
from audit.scale.engine import (
    CROSS_PARTITION,
    check_dask,
    duplicated_persons,
    partition_findings,
    partition_task,
    task_batches,
)
from audit.scale.lazy import LazyDataset, open_lazy
from audit.scale.province import is_province, run_province

__all__ = [
    "CROSS_PARTITION",
    "LazyDataset",
    "check_dask",
    "dask_client",
    "duplicated_persons",
    "is_province",
    "local_workers",
    "open_lazy",
    "partition_findings",
    "partition_task",
    "run_province",
    "task_batches",
]
