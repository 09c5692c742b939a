"""Command ``audit run``: the parameterized notebooks → reports, Excel work lists, manifest."""

from __future__ import annotations

import click

from audit.cli.main import friendly, main

__all__ = ["run"]


@main.command()
@click.argument("data", type=click.Path(file_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    required=True,
    help="本次运行的输出文件夹 / the run folder",
)
@click.option(
    "--township",
    "townships",
    multiple=True,
    help="只运行这些乡镇（代码或名称，可重复）/ township code or name, repeatable",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="并行进程数（缺省为CPU核数）/ worker processes",
)
@click.option("--scheduler", default=None, help="Dask 调度器地址 / Dask scheduler address")
@click.option("--seed", type=int, default=None, help="随机种子 / random seed")
@click.option("--as-of", "as_of", default=None, help="报告日期 YYYY-MM-DD / report date")
@friendly
def run(data, out, townships, workers, scheduler, seed, as_of):
    """运行各乡镇和全县报告 / run the township and county reports."""
    from audit.runner import run_audit

    result = run_audit(
        data,
        out,
        townships=list(townships) or None,
        workers=workers,
        scheduler=scheduler,
        seed=seed,
        as_of=as_of,
    )
    report_summary(result)
    if result.failed:
        raise SystemExit(1)


def report_summary(result) -> None:
    """Print where the reports are and which failed."""
    m = result.manifest
    if m.get("province"):
        click.echo(f"全省汇总 / province summary: {result.path / 'province' / 'summary.html'}")
    elif (result.path / "county" / "report.html").exists():
        click.echo(f"全县报告 / county report: {result.path / 'county' / 'report.html'}")
    ok = [k for k, v in m["reports"].items() if v["status"] == "ok"]
    click.echo(f"完成 {len(ok)} 份报告，用时 {m['timings']['total']:.0f} 秒。")
    for name in result.failed:
        err = m["reports"][name]["error"]
        if err.get("ename"):  # a cell failed: the reason, then the cell's error
            reason = err.get("reason", "报告笔记本运行失败")
            text = f"{reason}（{err['ename']}: {err.get('evalue', '')}）"
        else:  # the kernel died, a cell timed out, the export failed: the message says why
            text = err.get("message") or err.get("type", "")
        click.echo(f"失败 / failed: {name}：{text[:300]}", err=True)
