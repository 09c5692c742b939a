"""The ``audit`` command line.

Every command prints Chinese messages for users; an :class:`~audit.errors.AuditError`
is shown in Chinese and English with its place (file, sheet, row, column) and
ends the command with the error's exit status (2 for unusable input), never with
a traceback.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from audit.errors import AuditError

__all__ = ["main"]


def _friendly(func):
    """Turn AuditError into a clear message and exit status."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AuditError as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断 / interrupted", err=True)
            sys.exit(130)

    return wrapper


def _settings(path):
    from audit.settings import load_settings

    return load_settings(path)


settings_option = click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="设置文件（TOML），缺省为内置默认值 / settings file (TOML)",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gangu-audit")
def main():
    """普查准备度审计工作簿 / census-readiness audit workbook."""


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
@settings_option
@_friendly
def synth(out, seed, scale, counties, settings_path):
    """生成合成县数据 / build the synthetic county."""
    from audit import synth as synthmod
    from audit.summary import format_summary

    seed = synthmod.DEFAULT_SEED if seed is None else seed
    t0 = time.perf_counter()
    ds = synthmod.generate(
        seed=seed, scale=scale, counties=counties, settings=_settings(settings_path)
    )
    path = ds.save(out)
    click.echo(format_summary(ds))
    click.echo(
        f"\n已生成数据集 / dataset written: {path}  （用时 {time.perf_counter() - t0:.1f} 秒）"
    )


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
@_friendly
def demo(out, seed, workers, settings_path):
    """在合成的甘谷县上运行完整审计 / run the whole audit on the synthetic county."""
    from audit import synth as synthmod
    from audit.summary import format_summary

    seed = synthmod.DEFAULT_SEED if seed is None else seed
    out = Path(out)
    t0 = time.perf_counter()
    click.echo("正在生成合成县数据… / building the synthetic county…")
    ds = synthmod.generate(seed=seed, settings=_settings(settings_path))
    data_dir = ds.save(out / "data")
    click.echo(format_summary(ds))
    click.echo(f"\n数据集 / dataset: {data_dir}  （用时 {time.perf_counter() - t0:.1f} 秒）")
