"""Class breaks, colours and legend labels for village maps.

Numeric indicators are grouped into at most five classes by Jenks' natural breaks as
computed by Fisher's exact optimal partition (Fisher 1958, *JASA* 53:789-798; Jenks 1977),
``mapclassify.FisherJenks``, or by breaks the caller fixes (``mapclassify.UserDefined``),
e.g. a policy threshold. Villages with a value of exactly 0 form their own class ``0``.
Colours are ColorBrewer YlOrRd (Harrower & Brewer 2003): sequential, colour-blind safe,
and of monotonic lightness, so the order of classes survives greyscale printing. Readiness
status uses three colours of clearly different lightness plus a hatch per class, so that
达标/风险/未达标 can be told apart in black and white. Villages without data are white,
hatched, and counted in the legend as 无数据.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps

__all__ = ["NO_DATA", "STATUS_STYLE", "Classes", "classify_numeric", "classify_status"]

#: Legend label, face colour, hatch and hatch colour of villages without data.
NO_DATA = ("无数据", "#ffffff", "////", "#8c8c8c")
#: Readiness status: label -> (face colour, hatch, hatch colour), best first.
STATUS_STYLE = {
    "达标": ("#d9f0d3", None, "#4d4d4d"),
    "风险": ("#fdae61", "..", "#4d4d4d"),
    "未达标": ("#b2182b", "xx", "#ffffff"),
}
SCHEMES = {
    "FisherJenks": "自然断点法",
    "Quantiles": "分位数法",
    "EqualInterval": "等间距法",
}


@dataclass
class Classes:
    """The classification of one indicator for a map.

    Attributes
    ----------
    codes : numpy.ndarray
        Class index per village (``-1`` for no data).
    labels : list of str
        Legend label per class.
    colors : list
        Face colour per class.
    hatches : list
        Hatch per class (None for none).
    hatch_colors : list
        Hatch colour per class.
    method : str
        How classes were formed, in Chinese (for the legend footnote).
    """

    codes: np.ndarray
    labels: list[str]
    colors: list
    hatches: list
    hatch_colors: list
    method: str


def _palette(k: int) -> list:
    cmap = colormaps["YlOrRd"]
    if k == 1:
        return [cmap(0.55)]
    return [cmap(x) for x in np.linspace(0.08, 0.92, k)]


def _breaks(values: np.ndarray, scheme: str, k: int, breaks) -> tuple[np.ndarray, str]:
    """Return upper bounds of the classes and a description of the method."""
    if breaks is not None:
        upper = np.unique(np.asarray(breaks, dtype=float))
        if upper[-1] < values.max():
            upper = np.append(upper, values.max())
        return upper, "指定分级"
    distinct = np.unique(values)
    k = int(min(k, len(distinct)))
    if k <= 1:
        return distinct[-1:], "单一取值"
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; use one of {sorted(SCHEMES)}")
    import mapclassify  # slow to import (scikit-learn, scipy.stats): only when needed

    with warnings.catch_warnings():
        # mapclassify warns that Numba would be faster; the pure-Python path is fine here.
        warnings.filterwarnings("ignore", message="Numba not installed")
        classifier = getattr(mapclassify, scheme)(values, k=k)
    return np.unique(classifier.bins), f"{SCHEMES[scheme]}，{k} 级"


def _fmt(value: float, kind: str) -> str:
    if kind == "count":
        return f"{value:,.0f}"
    return f"{100 * value:.1f}"


def classify_numeric(
    values: pd.Series,
    kind: str = "rate",
    *,
    scheme: str = "FisherJenks",
    k: int = 5,
    breaks=None,
) -> Classes:
    """Classify a numeric indicator for a choropleth.

    Parameters
    ----------
    values : pandas.Series
        One value per village, NaN/NA for no data. Rates are proportions in [0, 1].
    kind : {"rate", "count"}
        Rates are labelled in percent with one decimal, counts as integers. Villages
        with a value of exactly 0 form a class of their own (none is not "few").
    scheme : {"FisherJenks", "Quantiles", "EqualInterval"}
        mapclassify scheme (default natural breaks).
    k : int, default 5
        Maximum number of classes (fewer when there are fewer distinct values).
    breaks : sequence of float, optional
        Upper bounds of the classes (the last class extends to the maximum); overrides
        ``scheme``.

    Returns
    -------
    Classes
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float).to_numpy()
    present = np.isfinite(v)
    codes = np.full(len(v), -1)
    if not present.any():
        return Classes(codes, [], [], [], [], "无数据")
    data = v[present]
    zero_class = (data == 0).any() and (data > 0).any() and breaks is None
    positive = data[data > 0] if zero_class else data
    upper, method = _breaks(positive, scheme, k - zero_class, breaks)
    idx = np.minimum(np.searchsorted(upper, data, side="left"), len(upper) - 1)
    lower = np.concatenate([[positive.min()], upper[:-1]])
    if kind == "count":  # integer classes: 1–7, 8–12, … (a class of one value: 13)
        first = np.concatenate([[positive.min()], upper[:-1] + 1])
        labels = [
            _fmt(hi, kind) if lo >= hi else f"{_fmt(lo, kind)}–{_fmt(hi, kind)}"
            for lo, hi in zip(first, upper, strict=True)
        ]
    else:
        labels = [f"{_fmt(lo, kind)}–{_fmt(hi, kind)}" for lo, hi in zip(lower, upper, strict=True)]
    if zero_class:
        idx = np.where(data == 0, 0, idx + 1)
        labels = ["0", *labels]
        method += "（另设 0 值一级）"
    codes[present] = idx
    n = len(labels)
    return Classes(codes, labels, _palette(n), [None] * n, ["#4d4d4d"] * n, method)


def classify_status(values: pd.Series) -> Classes:
    """Classify readiness status labels 达标 / 风险 / 未达标 (anything else is no data).

    Parameters
    ----------
    values : pandas.Series
        Status label per village.

    Returns
    -------
    Classes
        Always the three classes, in the order 达标, 风险, 未达标.
    """
    labels = list(STATUS_STYLE)
    v = pd.Series(values).astype(object).to_numpy()
    codes = np.full(len(v), -1)
    for i, label in enumerate(labels):
        codes[v == label] = i
    styles = list(STATUS_STYLE.values())
    return Classes(
        codes,
        labels,
        [s[0] for s in styles],
        [s[1] for s in styles],
        [s[2] for s in styles],
        "三色：达标／风险／未达标",
    )
