"""Charts and maps for the reports: CJK fonts, village maps, map furniture.

Call :func:`setup_fonts` before drawing any chart with Chinese text (the map functions do
it themselves). :func:`village_map` draws a village choropleth of a rate, a count or the
readiness status for the county or one township; :func:`save_png` writes it at report
resolution.
"""

from audit.plotting.classes import Classes, classify_numeric, classify_status
from audit.plotting.decorations import north_arrow, scale_bar
from audit.plotting.fonts import cjk_font_path, setup_fonts
from audit.plotting.labels import short_village_name
from audit.plotting.maps import KINDS, save_png, village_map

__all__ = [
    "KINDS",
    "Classes",
    "cjk_font_path",
    "classify_numeric",
    "classify_status",
    "north_arrow",
    "save_png",
    "scale_bar",
    "setup_fonts",
    "short_village_name",
    "village_map",
]
