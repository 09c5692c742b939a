"""Command ``audit compare``: whether two runs give the same numbers."""

from __future__ import annotations

import click

from audit.cli.main import friendly, main

__all__ = ["compare"]

#: Differences printed at most (the rest are counted).
SHOWN = 30


@main.command()
@click.argument("run_a", type=click.Path(file_okay=False, exists=True))
@click.argument("run_b", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--only",
    "patterns",
    multiple=True,
    help="只比较这些文件（相对运行文件夹的通配符，可重复），如 'townships/620523110-*' "
    "/ glob of the files to compare, repeatable",
)
@friendly
def compare(run_a, run_b, patterns):
    """比较两次运行的结果（表格、报告文字、Excel 单元格）/ compare two runs' results.

    相同则退出状态为 0，不同则为 1。不比较运行编号、时间、用时、路径和执行过的笔记本。
    """
    from audit.runner.compare import compare_runs, derived_files, select_files

    diffs = compare_runs(run_a, run_b, files=list(patterns) or None)
    names = set(derived_files(run_a)) | set(derived_files(run_b))
    n_files = len(select_files(names, list(patterns) or None))
    if not diffs:
        click.echo(
            f"两次运行的结果相同（比较了 {n_files} 个结果文件）/ the runs give the same results"
        )
        return
    files = sorted({d.path for d in diffs})
    click.echo(f"两次运行的结果不同：{len(files)} 个文件共 {len(diffs)} 处 / the runs differ")
    click.echo(f"  A = {run_a}\n  B = {run_b}")
    for d in diffs[:SHOWN]:
        click.echo(f"  · {d}")
    if len(diffs) > SHOWN:
        click.echo(f"  …另有 {len(diffs) - SHOWN} 处未列出")
    raise SystemExit(1)
