"""Commands ``audit ingest`` (exports, returns → Dataset), ``audit template``, ``audit export``.

Exit status of ``audit ingest``: 0 every row accepted; 1 some rows rejected
(the Dataset is written from the accepted rows and the report lists the
others); 2 unusable input (nothing is written, an existing folder is untouched).
"""

from __future__ import annotations

import sys
import time

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option

__all__ = ["export", "ingest", "template"]


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="新建数据集的文件夹 / folder of the new Dataset",
)
@click.option(
    "--into",
    type=click.Path(file_okay=False),
    default=None,
    help="把入户核查回执加入已有数据集 / add visit returns to this Dataset",
)
@click.option(
    "--list",
    "visit_list",
    type=click.Path(dir_okay=False),
    default=None,
    help="（配合 --into）下发的入户核查名单；名单外的户拒收 / the visit list handed out",
)
@click.option(
    "--county",
    default="gangu",
    show_default=True,
    help="参考行政区划 / reference divisions (data/reference/<county>)",
)
@click.option(
    "--strict",
    is_flag=True,
    help="无法识别的值也拒收整行（默认按空值处理并警告）/ reject rows with unreadable values",
)
@settings_option
@friendly
def ingest(files, out, into, visit_list, county, strict, settings_path):
    """读入登记系统导出表或入户核查回执，生成数据集 / registry exports → Dataset.

    FILES 可以是 .xlsx、.xls 或 .csv（UTF-8、带 BOM 的 UTF-8、GBK），每个工作表都会读取。
    退出状态：0 全部接收；1 有拒收的行（数据集仍由接收的行生成）；2 输入无法使用（不写任何文件）。
    """
    from audit.errors import AuditError
    from audit.ingest import format_summary
    from audit.ingest import ingest as run_ingest

    if (out is None) == (into is None):
        raise click.UsageError("请给出 --out 或 --into 之一 / give exactly one of --out and --into")
    if visit_list and not into:
        raise click.UsageError("--list 只能与 --into 一起用 / --list goes with --into")
    t0 = time.perf_counter()
    try:
        result = run_ingest(
            files,
            out=out,
            into=into,
            county=county,
            settings=load_settings_option(settings_path),
            strict=strict,
            visit_list=visit_list,
        )
    except (AuditError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a defect must not show a traceback to the office
        click.echo(
            f"错误 / error: 读取输入时发生意外错误，未写入任何文件（请报告此问题）/ "
            f"unexpected error while reading the input, nothing written: "
            f"{type(exc).__name__}: {exc}",
            err=True,
        )
        sys.exit(2)
    click.echo(format_summary(result.summary, result.issues))
    click.echo(f"数据集 / dataset: {result.path}  （用时 {time.perf_counter() - t0:.1f} 秒）")
    click.echo(f"报告 / report: {result.path / 'ingest_report.xlsx'}")
    if result.rejected:
        click.echo(
            f"有 {result.rejected} 行被拒收，数据集只含接收的行；拒收的行见 rejects.xlsx / "
            f"{result.rejected} rows rejected; the Dataset holds the accepted rows only"
        )
    sys.exit(result.exit_code)


@main.command()
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="输出文件夹 / output folder"
)
@friendly
def template(out):
    """生成空白导入模板（每张表一个工作表，带下拉选项）/ blank import templates."""
    from audit.ingest import write_template

    path = write_template(out)
    click.echo(f"已生成导入模板 / template written: {path}")


@main.command()
@click.argument("data", type=click.Path(file_okay=False))
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="输出文件夹 / output folder"
)
@click.option(
    "--layout",
    type=click.Choice(["tables", "person"]),
    default="tables",
    show_default=True,
    help="tables：每张表一个工作表；person：登记系统的人员表格式（建档立卡户）",
)
@friendly
def export(data, out, layout):
    """把数据集导出为 Excel（可再导入）/ export a Dataset to Excel (ingestible again)."""
    from pathlib import Path

    from audit import load_dataset
    from audit.ingest import export_dataset, export_person_layout

    ds = load_dataset(data, geometry=False)
    if layout == "tables":
        path = export_dataset(ds, out)
    else:
        path = export_person_layout(ds, Path(out) / "建档立卡户家庭成员.xlsx")
    click.echo(f"已导出 / exported: {path}")
