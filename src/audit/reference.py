"""Reference geography shipped with the workbook: official division codes and outlines.

The files live in ``data/reference/<county>/`` at the top of the project (see
its SOURCES.md for provenance and licences). Set ``AUDIT_REFERENCE_DIR`` to use
another folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from audit.errors import InputError

__all__ = ["Reference", "load_reference", "reference_dir"]


def reference_dir(county: str = "gangu") -> Path:
    """Return the folder of a county's reference files."""
    env = os.environ.get("AUDIT_REFERENCE_DIR")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "reference"
    folder = base / county
    if not folder.is_dir():
        raise InputError(
            "找不到参考地理数据文件夹（行政区划代码）；请设置 AUDIT_REFERENCE_DIR",
            "reference geography folder not found; set AUDIT_REFERENCE_DIR",
            file=str(folder),
        )
    return folder


@dataclass(frozen=True)
class Reference:
    """Official townships and villages of one county, township points and outline (WGS84)."""

    townships: pd.DataFrame  # township_code, name, lon, lat, near_county_edge
    villages: pd.DataFrame  # village_code, name, township_code, urban_rural_code
    outline: object  # shapely (Multi)Polygon, EPSG:4326


def load_reference(county: str = "gangu") -> Reference:
    """Load the reference geography of ``county`` (default: 甘谷县)."""
    import shapely

    folder = reference_dir(county)
    towns = pd.read_csv(folder / "townships.csv", dtype=str)
    points = pd.read_csv(folder / "township_points_amap.csv", dtype={"code": str})
    towns = towns.merge(
        points[["code", "lon_wgs84", "lat_wgs84", "near_county_edge"]], on="code", how="left"
    ).rename(columns={"code": "township_code", "lon_wgs84": "lon", "lat_wgs84": "lat"})
    villages = pd.read_csv(folder / "villages.csv", dtype=str).rename(
        columns={"code": "village_code"}
    )
    outline = shapely.from_geojson(
        (folder / "county_boundary_wgs84.geojson").read_text(encoding="utf-8")
    )
    if hasattr(outline, "geoms") and outline.geom_type == "GeometryCollection":
        outline = shapely.union_all(list(outline.geoms))
    return Reference(towns, villages, outline)
