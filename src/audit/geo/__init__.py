"""Village boundaries and GIS export.

:func:`load_boundaries` reads user boundaries (GeoPackage, Shapefile, GeoJSON, any CRS) and
matches them to the Dataset's villages, or returns the schematic polygons;
:func:`export_gpkg` writes indicator layers for GIS staff; :func:`village_counts` gives
plain per-village registry counts for maps until rule findings exist.
"""

from audit.geo.boundaries import (
    SCHEMATIC_NOTE,
    BoundaryReport,
    dissolve_townships,
    load_boundaries,
)
from audit.geo.export import export_gpkg
from audit.geo.indicators import STATUS_LABELS, village_counts
from audit.geo.read import detect_dbf_encoding

__all__ = [
    "SCHEMATIC_NOTE",
    "STATUS_LABELS",
    "BoundaryReport",
    "detect_dbf_encoding",
    "dissolve_townships",
    "export_gpkg",
    "load_boundaries",
    "village_counts",
]
