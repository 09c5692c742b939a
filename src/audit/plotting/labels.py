"""Village labels that fit: place a label only where its text box fits inside the polygon.

The anchor of a label is the centre of the polygon's maximum inscribed circle (the pole of
inaccessibility, Garcia-Castellanos & Lombardo 2007, as computed by GEOS), which lies well
inside even concave or L-shaped villages. The text box is estimated from the font size
(CJK characters one em wide, Latin digits about 0.6 em, lines 1.2 em apart) and converted
to map units with the map's scale; a label is drawn only if that box lies inside the
polygon. Several candidate texts can be given per village (e.g. name with value, then
name alone); the first that fits is used. Since villages do not overlap, labels do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

__all__ = ["fit_labels", "short_village_name", "text_extent"]

_SHORTEN = (
    ("社区居民委员会", "社区"),
    ("居民委员会", "居委会"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)
_LINE_SPACING = 1.2


def short_village_name(names: pd.Series) -> pd.Series:
    """Shorten committee names for labels: ``康庄村民委员会`` → ``康庄村``.

    Parameters
    ----------
    names : pandas.Series of str

    Returns
    -------
    pandas.Series of str
    """
    out = pd.Series(names, dtype="string").str.strip()
    for long, short in _SHORTEN:
        out = out.str.replace(f"{long}$", short, regex=True)
    return out


def text_extent(texts, fontsize: float) -> tuple[np.ndarray, np.ndarray]:
    """Estimate the width and height (points) of multi-line label texts.

    Parameters
    ----------
    texts : sequence of str
    fontsize : float

    Returns
    -------
    width, height : numpy.ndarray
    """
    widths, heights = [], []
    for text in texts:  # a few hundred labels at most
        lines = str(text).split("\n")
        ems = [sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in line) for line in lines]
        widths.append(max(ems) * fontsize)
        heights.append(len(lines) * _LINE_SPACING * fontsize)
    return np.asarray(widths), np.asarray(heights)


def fit_labels(
    geoms, candidates: list, fontsize: float, units_per_point: float, pad: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Choose, per polygon, the first candidate text whose box fits inside it.

    Parameters
    ----------
    geoms : array_like of shapely geometries
        Polygons in map units.
    candidates : list of sequences of str
        Candidate texts, best first; each sequence has one text per polygon (None or ""
        to skip that polygon at that level).
    fontsize : float
        Font size in points.
    units_per_point : float
        Map units (metres) per typographic point at the output size.
    pad : float, default 1.0
        Margin around the text box, in points.

    Returns
    -------
    x, y : numpy.ndarray
        Label anchors (centre of the maximum inscribed circle).
    text : numpy.ndarray of object
        The chosen text, or None where nothing fits.
    """
    geoms = np.asarray(geoms, dtype=object)
    centres = shapely.get_point(shapely.maximum_inscribed_circle(geoms), 0)
    x, y = shapely.get_x(centres), shapely.get_y(centres)
    chosen = np.full(len(geoms), None, dtype=object)
    shapely.prepare(geoms)
    for texts in candidates:
        texts = np.asarray(pd.Series(texts, dtype=object).fillna(""), dtype=object)
        todo = (chosen == None) & (texts != "")  # noqa: E711 (element-wise)
        if not todo.any():
            continue
        w, h = text_extent(texts[todo], fontsize)
        half_w = (w / 2 + pad) * units_per_point
        half_h = (h / 2 + pad) * units_per_point
        boxes = shapely.box(x[todo] - half_w, y[todo] - half_h, x[todo] + half_w, y[todo] + half_h)
        fits = shapely.contains(geoms[todo], boxes)
        idx = np.flatnonzero(todo)[fits]
        chosen[idx] = texts[idx]
    return x, y, chosen
