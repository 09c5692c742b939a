"""Commands ``audit check`` (all rules → findings) and ``audit rules`` (the catalogue)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option

__all__ = ["check", "rules_command"]


@main.command()
@click.argument("data", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="输出文件夹 / output folder")  # fmt: skip
@click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default=None,
    help="计算引擎：pandas（单机内存）或 dask（分区数据集，按乡镇分区并行）/ engine",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask 调度器地址，如 tcp://host:8786（缺省启动本机集群）/ Dask scheduler address",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="本机 Dask 集群的进程数（缺省为CPU核数）/ LocalCluster workers",
)
@settings_option
@friendly
def check(data, out, engine, scheduler, workers, settings_path):
    """对数据集运行全部规则 / run all rules: findings.parquet, findings.xlsx, 规则统计.xlsx.

    --engine dask runs the rules per township partition on a Dask cluster (a
    partitioned Dataset is required); --scheduler implies it.
    """
    from audit.dataset import load_dataset
    from audit.fsutil import guard_output, staging_dir
    from audit.rules.report import write_check_outputs

    if engine == "pandas" and scheduler:
        raise click.UsageError("--scheduler 只用于 --engine dask / --scheduler needs --engine dask")
    t0 = time.perf_counter()
    guard_output(out, inputs=[data])
    settings = load_settings_option(settings_path)
    with staging_dir(Path(out), inputs=[data]) as tmp:
        if (engine or ("dask" if scheduler else "pandas")) == "dask":
            from audit.scale import check_dask

            paths = check_dask(data, tmp, settings, scheduler=scheduler, workers=workers)
        else:
            ds = load_dataset(data, geometry=False)
            paths = write_check_outputs(ds, tmp, settings)
    click.echo(paths["summary"])
    if "seconds" in paths:
        sec = paths["seconds"]
        click.echo(
            f"\nDask：{paths['partitions']} 个乡镇分区，{paths['tasks']} 个任务；"
            f"重复的身份证号 {paths['duplicated_ids']:,} 个。"
            f"用时：查重 {sec['duplicates']:.1f} 秒，规则 {sec['partitions']:.1f} 秒，"
            f"汇总与写出 {sec['outputs']:.1f} 秒"
        )
    click.echo(
        f"\n已写入 / written: {Path(out).resolve()}  （用时 {time.perf_counter() - t0:.1f} 秒）"
    )


@main.command(name="rules")
@click.option("--markdown", is_flag=True, help="输出 Markdown 表格 / print a Markdown table")
def rules_command(markdown):
    """列出全部审核规则 / print the catalogue of rules."""
    from audit.rules import catalogue
    from audit.rules.registry import catalogue_markdown

    click.echo(catalogue_markdown() if markdown else catalogue().to_string(index=False))
