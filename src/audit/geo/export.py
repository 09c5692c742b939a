"""Write village indicators to a GeoPackage that GIS staff open in QGIS or ArcGIS.

One layer per indicator table, every layer the village polygons joined with that table's
columns (codes, names, counts, rates, intervals, status), in EPSG:4326. Villages present
in a table but without a polygon are kept with an empty geometry, so the attribute table
still lists them. The file is written to a temporary name and renamed into place: a
crash never leaves a half-written GeoPackage.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from audit.errors import InputError

__all__ = ["export_gpkg"]

WGS84 = "EPSG:4326"
_KEYS = ["village_code", "township_code", "name", "schematic"]


def _layer(frame: pd.DataFrame, geometry: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    if "village_code" not in frame.columns:
        raise InputError(
            f"图层“{name}”缺少 village_code 列", f"layer {name!r} lacks a village_code column"
        )
    keys = [k for k in _KEYS if k in geometry.columns]
    values = frame.drop(columns=[c for c in keys if c != "village_code" and c in frame.columns])
    values = values.astype({"village_code": str})
    out = geometry[[*keys, "geometry"]].merge(values, on="village_code", how="outer")
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("str").where(out[column].notna())
    ordered = [*keys, *[c for c in values.columns if c != "village_code"], "geometry"]
    return gpd.GeoDataFrame(out[ordered], geometry="geometry", crs=WGS84)


def export_gpkg(
    path: str | Path, layers: dict[str, pd.DataFrame], geometry: gpd.GeoDataFrame
) -> Path:
    """Write one GeoPackage layer per indicator table.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file to write (replaced if it exists).
    layers : dict of str to DataFrame
        Layer name (Chinese allowed) to a per-village table with a ``village_code``
        column and any indicator columns (counts, rates, ``*_low``/``*_high`` intervals,
        status labels). ``township_code``, ``name`` and ``schematic`` are taken from
        ``geometry``.
    geometry : geopandas.GeoDataFrame
        Village polygons: ``village_code``, ``township_code``, ``name``, ``schematic``,
        ``geometry`` (any CRS; written in EPSG:4326), e.g. from
        :func:`audit.geo.load_boundaries`.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        If there is no layer, a layer name is empty, or a table lacks ``village_code``.

    Examples
    --------
    >>> export_gpkg("villages.gpkg", {"问题户": counts}, villages)  # doctest: +SKIP
    """
    if not layers:
        raise InputError("没有要导出的图层", "no layers to export", file=str(path))
    if any(not str(name).strip() for name in layers):
        raise InputError("图层名不能为空", "layer names must not be empty", file=str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    geometry = geometry.to_crs(WGS84).astype({"village_code": str})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        for name, frame in layers.items():
            _layer(frame, geometry, name).to_file(
                tmp, layer=str(name), driver="GPKG", engine="pyogrio"
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
