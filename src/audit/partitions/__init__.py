"""Partitioned Datasets: many counties as Parquet partitioned by county and township.

A province does not fit one machine's pandas; a partitioned Dataset is written
county by county and read one township (or one county) at a time, or lazily by
Dask. Layout (hive style, the convention of Hive, Spark, pyarrow and
``dask.dataframe.read_parquet``)::

    dataset.json               as for a flat Dataset, plus "layout" (see below)
    townships.parquet          small tables stay flat: townships, projects,
    projects.parquet           problems, complaints
    problems.parquet
    complaints.parquet
    villages/county_code=620523/township_code=620523101/part-0.parquet
    households/county_code=620523/township_code=620523101/part-0.parquet
    members/...                each member in the partition of its household
    visits/...                 each visit in the partition of its household
    villages.gpkg              the polygons of all villages
    truth/<table>/county_code=620523/part-0.parquet     synthetic data only

The keys are in the folder names only (a file may not repeat a partition
column: pyarrow refuses to merge the two). Reading into pandas restores
``township_code`` in the tables that have it and drops the keys elsewhere.
The county of a township is the first six digits of its code (GB/T 2260).
Members and visits whose household is unknown, and households without a
township, go to partition ``000000000`` (restored as a missing township code).

``dataset.json`` records ``layout``: ``{"kind": "partitioned", "keys": [...],
"tables": [...], "partitions": [{"county_code", "township_code", "rows": {table:
n}}, ...]}``. The fingerprint is a SHA-256 over per-partition content hashes
(not equal to the fingerprint of the same rows saved flat).

A *county view* is a folder with only a ``dataset.json`` whose layout is
``{"kind": "county-view", "root": ..., "counties": [...]}``: loading it reads
those counties' partitions of the root. The runner gives each county's reports
a view, so a report never loads the province.
"""

from audit.partitions.layout import (
    FLAT,
    KEYS,
    PART_FILE,
    PARTITIONED,
    UNPLACED,
    is_partitioned,
)
from audit.partitions.read import (
    load_partitioned,
    partitions,
    read_partition,
    read_truth,
    township_dataset,
    write_county_view,
)
from audit.partitions.write import write_partitioned

__all__ = [
    "FLAT",
    "KEYS",
    "PARTITIONED",
    "PART_FILE",
    "UNPLACED",
    "is_partitioned",
    "load_partitioned",
    "partitions",
    "read_partition",
    "read_truth",
    "township_dataset",
    "write_county_view",
    "write_partitioned",
]
