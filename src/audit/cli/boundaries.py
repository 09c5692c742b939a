"""Command ``audit boundaries``: put real village boundaries into a Dataset for the maps."""

from __future__ import annotations

import click

from audit.cli.main import friendly, main

__all__ = ["boundaries"]

#: Chinese headers of the report's tables, as printed.
HEADERS = {
    "village_code": "村代码",
    "township_code": "乡镇代码",
    "name": "村名",
    "feature": "要素序号",
    "code": "代码",
    "township": "乡镇",
    "reason": "原因",
}


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--into",
    type=click.Path(file_okay=False),
    required=True,
    help="要放入村界的数据集文件夹 / the Dataset folder",
)
@click.option("--layer", default=None, help="GeoPackage 图层名 / GeoPackage layer")
@click.option("--code-column", default=None, help="村代码列 / village code column")
@click.option("--name-column", default=None, help="村名列 / village name column")
@click.option("--township-column", default=None, help="乡镇列 / township column")
@friendly
def boundaries(file, into, layer, code_column, name_column, township_column):
    """把村界文件（GeoPackage、Shapefile、GeoJSON，任意坐标系）放入数据集 / load boundaries.

    Villages found in the file get their real polygon; the others keep the
    schematic one (their maps say 示意图). Exit 1 when a village has no polygon
    or a feature matches no village; 2 when the file cannot be used or matches
    no village at all (another county's boundaries?).
    """
    import pandas as pd

    from audit.dataset import load_dataset
    from audit.errors import InputError
    from audit.geo import load_boundaries

    ds = load_dataset(into)
    real, report = load_boundaries(
        file,
        ds,
        layer=layer,
        code_column=code_column,
        name_column=name_column,
        township_column=township_column,
    )
    if real.empty:
        raise InputError(
            "边界文件中没有一个村能与数据集的村对上（是否为别的县的边界？）",
            "no feature of the boundary file matches a village of the Dataset "
            "(another county's boundaries?)",
            file=str(file),
        )
    keep = ds.geometry
    if keep is not None:
        keep = keep[~keep["village_code"].isin(real["village_code"])].to_crs(real.crs)
    columns = ["village_code", "township_code", "schematic", "name", "geometry"]
    geometry = pd.concat([real[columns], *([] if keep is None else [keep[columns]])])
    ds.geometry = geometry.sort_values("village_code", kind="stable").reset_index(drop=True)
    ds.meta["boundaries"] = {"source": str(file), "matched": len(real)}
    ds.save(into)  # files kept in the folder (a ledger, this file) are carried over
    click.echo(report.summary())
    for title, frame in (
        ("无边界的村（保留示意图）", report.villages_without_polygon),
        ("未匹配到村的要素", report.polygons_without_village),
    ):
        if len(frame):
            shown = frame.head(20).rename(columns=HEADERS)
            more = f"\n……另有 {len(frame) - 20} 个" if len(frame) > 20 else ""
            click.echo(f"\n{title}（{len(frame)} 个）：\n{shown.to_string(index=False)}{more}")
    click.echo(f"\n已写入 / written: {into}")
    if len(report.villages_without_polygon) or len(report.polygons_without_village):
        raise SystemExit(1)
