"""Command group ``audit track``: the rectification ledger (record, import, template, report)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option
from audit.fsutil import unit_folder

__all__ = ["track"]

_LEDGER = click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="整改台账文件，缺省为 DATA/ledger.sqlite / ledger file",
)


def _ledger_path(ledger_path, data) -> Path:
    from audit.tracking import LEDGER_FILE

    if ledger_path:
        return Path(ledger_path)
    if data is None:
        raise click.UsageError("请用 --ledger 指定整改台账 / give --ledger")
    return Path(data) / LEDGER_FILE


def _date(value):
    return None if value is None else value.date()


@main.group()
def track():
    """整改台账：记录每轮审核、导入乡镇回执、研判进度 / the rectification ledger."""


@track.command()
@click.argument("data", type=click.Path(file_okay=False, exists=True))
@_LEDGER
@click.option("--run-id", default=None, help="运行编号，缺省为数据日期 / run id")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="数据日期，缺省为数据集基准日 / data as of")  # fmt: skip
@click.option("--township", multiple=True, help="只审核这些乡镇（代码）/ townships only")
@settings_option
@friendly
def record(data, ledger_path, run_id, as_of, township, settings_path):
    """运行全部规则并把结果记入整改台账 / run all rules and record the run."""
    from audit import rules
    from audit.dataset import load_dataset
    from audit.tracking import Ledger

    t0 = time.perf_counter()
    settings = load_settings_option(settings_path)
    ds = load_dataset(data, geometry=False)
    if township:
        ds = ds.subset(list(township))
    as_of = _date(as_of) or dt.date.fromisoformat(str(ds.meta.get("reference_date")))
    findings = rules.run(ds, settings)
    with Ledger(_ledger_path(ledger_path, data)) as ledger:
        result = ledger.record_run(run_id or str(as_of), as_of, findings, dataset=ds,
                                   settings=settings, townships=list(township) or None)  # fmt: skip
    click.echo(f"{result.message}  （用时 {time.perf_counter() - t0:.1f} 秒）")


@track.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@_LEDGER
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="数据集文件夹（台账在其中）/ data folder holding the ledger")  # fmt: skip
@click.option("--responsible", default=None, help="填报责任人 / person responsible")
@click.option("--reported-on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="上报日期 / date of the return")  # fmt: skip
@click.option("--visit", is_flag=True, help="入户核验表（“是”即核验销号）/ visit confirmations")
@friendly
def import_returns(files, ledger_path, data, responsible, reported_on, visit):
    """导入乡镇填报的一户一策/问题清单回执 / ingest filled township returns."""
    from audit.tracking import Ledger, ingest_return

    with Ledger(_ledger_path(ledger_path, data)) as ledger:
        for f in files:
            got = ingest_return(ledger, f, responsible=responsible,
                                reported_on=_date(reported_on),
                                kind="visit" if visit else "township")  # fmt: skip
            extra = ""
            if not got.duplicate:
                extra = (f"（报已整改 {got.rows['claimed_fixed']} 条，"
                         f"未匹配 {got.rows['unmatched']} 条）")  # fmt: skip
            click.echo(f"{Path(f).name}: {got.message}{extra}")


@track.command()
@click.argument("data", type=click.Path(file_okay=False, exists=True))
@_LEDGER
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="输出文件夹 / output folder")  # fmt: skip
@settings_option
@friendly
def template(data, ledger_path, out, settings_path):
    """按乡镇生成待填报的一户一策/问题清单（未销号问题）/ blank return workbooks."""
    from audit.dataset import load_dataset
    from audit.tracking import Ledger, LedgerError, open_items, write_return_template

    settings = load_settings_option(settings_path)
    ds = load_dataset(data, geometry=False)
    names = dict(zip(ds.townships["township_code"], ds.townships["name"], strict=True))
    with Ledger(_ledger_path(ledger_path, data)) as ledger:
        if ledger.runs().empty:
            raise LedgerError("整改台账中还没有审核记录，请先运行 audit track record",
                              "the ledger holds no run yet", file=str(ledger.path))  # fmt: skip
        items = open_items(ledger)
        as_of = ledger.runs()["as_of"].max()
    for code in sorted(items["township_code"].dropna().unique()):
        path = Path(out) / f"{unit_folder(code, names.get(code, code))}-一户一策.xlsx"
        write_return_template(path, items, settings, township_code=code, township_names=names,
                              as_of=as_of.date())  # fmt: skip
        click.echo(f"已写入 / written: {path}")


@track.command()
@_LEDGER
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="数据集文件夹（台账在其中）/ data folder holding the ledger")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="输出文件夹 / output folder")  # fmt: skip
@settings_option
@friendly
def report(ledger_path, data, out, settings_path):
    """整改进度研判：燃尽图、预计完成日期、已报整改但仍存在 / burn-down report."""
    from audit.tracking import Ledger
    from audit.tracking.report import write_tracking_report

    with Ledger(_ledger_path(ledger_path, data)) as ledger:
        got = write_tracking_report(ledger, Path(out), load_settings_option(settings_path))
    click.echo(got["summary"])
    click.echo(f"\n已写入 / written: {got['workbook']}（图表 {len(got['charts'])} 张）")
