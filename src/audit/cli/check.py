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
@settings_option
@friendly
def check(data, out, settings_path):
    """对数据集运行全部规则 / run all rules: findings.parquet, findings.xlsx, 规则统计.xlsx."""
    from audit.dataset import load_dataset
    from audit.rules.report import write_check_outputs

    t0 = time.perf_counter()
    settings = load_settings_option(settings_path)
    ds = load_dataset(data, geometry=False)
    paths = write_check_outputs(ds, Path(out), settings)
    click.echo(paths["summary"])
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
