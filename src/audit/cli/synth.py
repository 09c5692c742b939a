"""Commands ``audit synth`` (synthetic data) and ``audit demo`` (the whole audit on it)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option

__all__ = ["demo", "synth"]


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    required=True,
    help="输出的数据集文件夹 / output Dataset folder",
)
@click.option("--seed", type=int, default=None, help="随机种子 / random seed")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    help="农户数量倍数 / multiplies the number of households",
)
@click.option(
    "--counties",
    type=click.IntRange(min=1),
    default=1,
    help="合成县的个数 / number of synthetic counties",
)
@click.option(
    "--partitioned/--flat",
    default=None,
    help="按县、乡镇分区写出（多县时默认分区，逐县生成，内存只容一县）"
    " / write a Dataset partitioned by county and township (default when --counties > 1)",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=0),
    default=0,
    help="模拟整改周数：写入 history/ 与整改台账 ledger.sqlite / weeks of campaign history",
)
@settings_option
@friendly
def synth(out, seed, scale, counties, partitioned, weeks, settings_path):
    """生成合成县数据 / build the synthetic county (or several, partitioned)."""
    from audit import synth as synthmod
    from audit.summary import format_summary

    seed = synthmod.DEFAULT_SEED if seed is None else seed
    t0 = time.perf_counter()
    settings = load_settings_option(settings_path)
    if partitioned or (partitioned is None and counties > 1):
        if weeks:
            raise click.UsageError("--weeks 只用于单县（不分区）数据集 / --weeks needs --flat")
        _synth_partitioned(out, seed, scale, counties, settings)
        click.echo(
            f"\n已生成分区数据集 / partitioned dataset written: {Path(out).resolve()}"
            f"  （用时 {time.perf_counter() - t0:.1f} 秒）"
        )
        return
    ds = synthmod.generate(seed=seed, scale=scale, counties=counties, settings=settings)
    path = ds.save(out)
    click.echo(format_summary(ds))
    if weeks:
        from audit.synth.history import build_demo_history

        got = build_demo_history(ds, path, weeks, seed, settings=settings)
        click.echo(f"\n整改历史 / history: {got['history']}（{weeks} 周，{got['returns']} 份回执）")
        click.echo(f"整改台账 / ledger: {got['ledger']}")
    click.echo(
        f"\n已生成数据集 / dataset written: {path}  （用时 {time.perf_counter() - t0:.1f} 秒）"
    )


def _synth_partitioned(out, seed, scale, counties, settings) -> None:
    """Generate county by county into a partitioned Dataset, one line per county."""
    from audit import synth as synthmod
    from audit.partitions import write_partitioned

    def counted():
        for ds in synthmod.iter_counties(seed, scale, counties, settings=settings):
            click.echo(
                f"{ds.meta['county_code']} {ds.meta['county_name']}：农户 {len(ds.households):,}"
                f" 户，人员 {len(ds.members):,} 人"
            )
            yield ds

    write_partitioned(counted(), out)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="outputs/demo",
    show_default=True,
    help="输出文件夹 / output folder",
)
@click.option("--seed", type=int, default=None, help="随机种子 / random seed")
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="并行进程数 / worker processes"
)
@settings_option
@friendly
def demo(out, seed, workers, settings_path):
    """在合成的甘谷县上运行完整审计 / run the whole audit on the synthetic county."""
    from audit.cli.run import report_summary
    from audit.demo import run_demo

    result = run_demo(
        Path(out),
        seed=seed,
        workers=workers,
        settings=load_settings_option(settings_path),
        echo=click.echo,
    )
    report_summary(result)
    click.echo(
        f"\n请打开全县报告 / open the county report:\n{result.path / 'county' / 'report.html'}"
    )
    if result.failed:
        raise SystemExit(1)
