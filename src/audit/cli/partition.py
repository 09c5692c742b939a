"""Command ``audit partition``: county Datasets → one Dataset partitioned by county and township."""

from __future__ import annotations

import time
from pathlib import Path

import click

from audit.cli.main import friendly, main

__all__ = ["partition"]


@main.command()
@click.argument("datasets", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="输出的分区数据集文件夹 / output folder")  # fmt: skip
@friendly
def partition(datasets, out):
    """把各县数据集合并为按县、乡镇分区的数据集 / combine county Datasets, partitioned.

    Each DATASET (a county's folder from audit ingest or audit synth) is read,
    written and released in turn, so memory holds one county at a time. The
    result is what audit check --engine dask and a many-county audit run read.
    """
    from audit.dataset import load_dataset
    from audit.partitions import write_partitioned

    t0 = time.perf_counter()

    def counties():
        for folder in datasets:
            ds = load_dataset(folder)
            name = ds.meta.get("county_name") or ds.townships["county_name"].iloc[0]
            click.echo(
                f"{folder}: {name}，农户 {len(ds.households):,} 户，人员 {len(ds.members):,} 人"
            )
            yield ds

    path = write_partitioned(counties(), out)
    click.echo(
        f"\n已写入分区数据集 / partitioned dataset written: {Path(path)}"
        f"  （用时 {time.perf_counter() - t0:.1f} 秒）"
    )
