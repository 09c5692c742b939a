"""Command ``audit privacy-check``: scan a run's files for personal data out of place.

Exit status 0 when every file is clean, 1 when leaks were found, 2 when the run
folder or the Dataset cannot be used. Nothing it prints shows an ID number,
phone number or name in clear (:func:`audit.privacy_scan.mask_text`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from audit.cli.main import friendly, main

__all__ = ["privacy_check"]

CHECKS = {
    "leader": "全部检查：身份证号、电话、姓名",
    "restricted": "只检查是否混入其他乡镇的农户",
    "analyst": "不检查；不得外发",
}


def _masked(text) -> str:
    from audit.privacy_scan import mask_text

    return mask_text([str(text)])[0]


def _dataset(run: Path, data):
    """Load the Dataset given, else the run's own (from its manifest) when still there."""
    from audit.dataset import load_dataset
    from audit.errors import AuditError

    if data:
        return load_dataset(data, geometry=False), Path(data)
    for folder in [run, *run.resolve().parents][:4]:  # a run, a township folder, a file in one
        try:
            recorded = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            return load_dataset(recorded["data_dir"], geometry=False), Path(recorded["data_dir"])
        except (OSError, ValueError, KeyError, TypeError, AuditError):
            continue
    return None, None


def _echo_audiences(files) -> None:
    from audit.privacy_scan import AUDIENCES

    click.echo("文件分类 / files by audience:")
    for audience, label in AUDIENCES.items():
        sub = files[files["audience"].eq(audience)]
        click.echo(
            f"  {label}：{len(sub)} 个文件，{sub['bytes'].sum() / 1e6:.1f} MB（{CHECKS[audience]}）"
        )
    analyst = files.loc[files["audience"].eq("analyst"), "file"]
    if len(analyst):
        click.echo(f"  分析数据文件 / analyst files: {_masked('、'.join(analyst))}")


def _echo_leaks(leaks, show_all: bool) -> None:
    from audit.privacy_scan import KINDS

    click.echo(f"发现 {len(leaks)} 处泄露 / {len(leaks)} leaks found:")
    click.echo("  文件 | 类型 | 处数 | 首处位置 | 摘录（已遮蔽）")
    rows = leaks if show_all else leaks.drop_duplicates(["file", "kind"])
    counts = leaks.groupby(["file", "kind"]).size()
    for r in rows.itertuples():
        n = 1 if show_all else counts[(r.file, r.kind)]
        click.echo(f"  {r.file} | {KINDS.get(r.kind, r.kind)} | {n} | {r.where} | {r.excerpt}")


@main.command(name="privacy-check")
@click.argument("run", type=click.Path())
@click.option(
    "--data",
    type=click.Path(file_okay=False),
    default=None,
    help="本次运行所用的数据集（检查姓名和乡镇归属；缺省取运行记录中的）/ the run's Dataset",
)
@click.option(
    "--strict",
    is_flag=True,
    help="把每个文件都当作要外发的文件检查（含乡镇工作清单和分析数据）/ check every file as public",
)
@click.option("--all", "show_all", is_flag=True, help="逐条列出每一处 / list every leak")
@friendly
def privacy_check(run, data, strict, show_all):
    """检查运行结果中的个人信息是否遮蔽 / scan a run's files for personal data out of place.

    Leader and county-wide files: no unmasked ID number, no phone number, no
    full name next to an ID; township folders: only that township's households;
    logs and notebooks included. Exit 0 clean, 1 leaks found, 2 unusable input.
    """
    from audit.privacy_scan import classify, scan

    t0 = time.perf_counter()
    run = Path(run)
    files = classify(run)
    dataset, data_dir = _dataset(run, data)
    leaks = scan(run, dataset, strict=strict)
    checked = files if strict else files[files["audience"].ne("analyst")]
    click.echo(f"隐私检查 / privacy check: {_masked(run.resolve())}")
    if dataset is None:
        click.echo(
            "未提供数据集：不检查姓名和乡镇归属（用 --data 指定）/ no Dataset: names not checked"
        )
    else:
        click.echo(f"数据集 / dataset: {_masked(data_dir.resolve())}")
    click.echo(
        f"已检查 {len(checked)} 个文件，{checked['bytes'].sum() / 1e6:.1f} MB，"
        f"用时 {time.perf_counter() - t0:.1f} 秒" + ("（严格模式）" if strict else "")
    )
    _echo_audiences(files)
    if leaks.empty:
        click.echo("结果 / result: 未发现泄露 / no leaks found")
        return
    _echo_leaks(leaks, show_all)
    raise SystemExit(1)
