"""Village maps: every kind renders with warnings as errors; classes, labels, furniture."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from matplotlib.figure import Figure
from PIL import Image
from pyproj import Transformer

from audit.errors import InputError
from audit.geo import SCHEMATIC_NOTE, load_boundaries, village_counts
from audit.plotting import (
    classify_numeric,
    classify_status,
    save_png,
    short_village_name,
    village_map,
)
from audit.plotting.decorations import _nice_length, projection_factors
from audit.plotting.labels import fit_labels, text_extent


@pytest.fixture(scope="module")
def villages(small):
    return load_boundaries(None, small)[0]


@pytest.fixture(scope="module")
def values(small):
    counts = village_counts(small)
    rng = np.random.default_rng(5)
    counts["missed_risk"] = rng.beta(1, 30, len(counts))
    counts.loc[3, "missed_risk"] = np.nan  # one village without data
    counts["critical"] = rng.poisson(2, len(counts))
    return counts


def _texts(fig: Figure) -> str:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            found += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
        found.append(ax.get_title())
    return "\n".join(found)


MAPS = {
    "rate": dict(
        column="problem_rate",
        kind="rate",
        legend_title="问题户比例",
        low="problem_rate_low",
        high="problem_rate_high",
    ),
    "count": dict(column="critical", kind="count", legend_title="严重问题数", unit="条"),
    "risk": dict(column="missed_risk", kind="rate", legend_title="漏评风险估计"),
    "status": dict(column="status", kind="status", legend_title="准备状态"),
}


@pytest.mark.parametrize("township", [None, "新兴镇"])
@pytest.mark.parametrize("name", list(MAPS))
def test_every_map_renders_without_any_warning(small, villages, values, name, township):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph ("Glyph ... missing") fails here
        fig = village_map(
            villages,
            values,
            township=township,
            township_names=small.townships,
            title=f"甘谷县{township or ''}各村{MAPS[name]['legend_title']}",
            note="数据截至 2024-03-25",
            **MAPS[name],
        )
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
    text = _texts(fig)
    assert SCHEMATIC_NOTE in text
    assert MAPS[name]["legend_title"] in text and "数据截至" in text
    if name == "risk":
        assert "无数据（1 个村）" in text
    if name == "status":
        assert "达标" in text and "未达标" in text
    if township is not None:
        assert "新兴镇" in fig.texts[0].get_text()


def test_no_schematic_note_on_real_boundaries(villages, values):
    real = villages.assign(schematic=False)
    fig = village_map(real, values, "uninsured_people", "count")
    assert SCHEMATIC_NOTE not in _texts(fig)
    assert SCHEMATIC_NOTE in _texts(
        village_map(real, values, "uninsured_people", "count", schematic=True)
    )


def test_draw_into_a_given_axes(villages, values):
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = village_map(villages, values, "status", "status", ax=ax, title="状态")
        out.savefig(io.BytesIO(), format="png", dpi=60)
    assert out is fig and ax.get_legend() is not None
    assert SCHEMATIC_NOTE in _texts(fig)


def test_township_by_code_and_unknown_township(small, villages, values):
    fig = village_map(villages, values, "problem_rate", township="620523110", labels=True)
    assert "村名：图上放得下的" in _texts(fig)
    with pytest.raises(InputError, match="不存在镇"):
        village_map(
            villages, values, "problem_rate", township="不存在镇", township_names=small.townships
        )


def test_villages_without_polygons_are_noted(villages, values):
    fig = village_map(villages.iloc[2:], values, "uninsured_people", "count")
    assert "另有 2 个村无村界" in _texts(fig)


def test_bad_arguments(villages, values):
    with pytest.raises(ValueError, match="kind"):
        village_map(villages, values, "problem_rate", kind="pie")
    with pytest.raises(ValueError, match="nope"):
        village_map(villages, values, "nope")


def test_save_png_at_report_resolution(villages, values, tmp_path):
    fig = village_map(villages, values, "uninsured_people", "count", labels=False)
    path = save_png(fig, tmp_path / "maps" / "county.png")
    with Image.open(path) as image:
        width, height = image.size
        dpi = image.info["dpi"]
    assert round(dpi[0]) == 200
    assert width == round(fig.get_figwidth() * 200) and height == round(fig.get_figheight() * 200)


def test_natural_breaks_at_most_five_classes_and_no_data():
    values = pd.Series([0.01, 0.02, 0.021, 0.05, 0.06, 0.2, 0.21, 0.5, np.nan, 0.3, 0.31, 0.9])
    classes = classify_numeric(values, "rate")
    assert len(classes.labels) == 5
    assert classes.codes[8] == -1
    assert (np.diff(classes.codes[[0, 3, 5, 7, 11]]) >= 0).all()  # ordered by value
    assert classes.labels[0].startswith("1.0–") and classes.labels[-1].endswith("–90.0")
    few = classify_numeric(pd.Series([1.0, 1.0, 2.0]), "count")
    assert few.labels == ["1", "2"]


def test_counts_get_a_zero_class_and_integer_labels():
    classes = classify_numeric(pd.Series([0, 0, 1, 2, 3, 10, 11, 12, 30, 31]), "count", k=4)
    assert classes.labels[0] == "0" and len(classes.labels) == 4
    assert all("." not in label for label in classes.labels)
    assert classes.codes[0] == 0 and classes.codes[-1] == 3
    rates = classify_numeric(pd.Series([0.0, 0.0, 0.091, 0.1, 0.143, 0.25, 0.5]), "rate", k=3)
    assert rates.labels[0] == "0" and rates.labels[1].startswith("9.1–")
    assert rates.codes.tolist()[:3] == [0, 0, 1]


def test_user_breaks():
    classes = classify_numeric(pd.Series([0.01, 0.03, 0.08, 0.2]), "rate", breaks=[0.02, 0.05])
    assert classes.labels == ["1.0–2.0", "2.0–5.0", "5.0–20.0"]
    assert classes.codes.tolist() == [0, 1, 2, 2]
    assert "指定" in classes.method


def test_status_classes_have_distinct_hatches_and_lightness():
    classes = classify_status(pd.Series(["达标", "风险", "未达标", None, "其他"]))
    assert classes.codes.tolist() == [0, 1, 2, -1, -1]
    assert len(set(classes.hatches)) == 3
    grey = [np.dot(matplotlib.colors.to_rgb(c), [0.299, 0.587, 0.114]) for c in classes.colors]
    assert grey[0] > grey[1] > grey[2] and min(np.diff(grey) * -1) > 0.15


def test_short_names_and_label_fitting():
    names = pd.Series(["康庄村民委员会", "西关社区居民委员会", "东关居民委员会", "新村"])
    assert short_village_name(names).tolist() == ["康庄村", "西关社区", "东关居委会", "新村"]
    w, h = text_extent(["康庄村", "康庄村\n12.5%"], 10)
    assert w[0] == pytest.approx(30) and h[1] == pytest.approx(24)
    big, small = shapely.box(0, 0, 1000, 1000), shapely.box(2000, 0, 2050, 50)
    x, y, text = fit_labels([big, small], [["长名字\n1", "长名字\n1"], ["短", "短"]], 10, 10)
    assert text.tolist() == ["长名字\n1", None]  # 300 m wide text fits 1 km, nothing fits 50 m
    assert (x[0], y[0]) == pytest.approx((500, 500), abs=5)


def test_scale_bar_and_north_arrow_geometry():
    assert _nice_length(13_400) == 10_000 and _nice_length(4_999) == 2_000
    k, gamma = projection_factors("EPSG:32648", 500_000, 3_850_000)  # on the central meridian
    assert k == pytest.approx(0.9996, abs=1e-6) and gamma == pytest.approx(0, abs=1e-6)
    x, y = Transformer.from_crs(4326, 32648, always_xy=True).transform(105.33, 34.8)
    north = Transformer.from_crs(4326, 32648, always_xy=True).transform(105.33, 34.81)
    expected = np.degrees(np.arctan2(-(north[0] - x), north[1] - y))  # counter-clockwise
    k, gamma = projection_factors("EPSG:32648", x, y)  # east of the central meridian (105° E)
    assert k > 0.9996 and gamma > 0.1  # true north is turned towards the west there
    assert gamma == pytest.approx(expected, abs=1e-3)


def test_county_map_numbers_and_lists_the_worst_villages(small, villages, values):
    fig = village_map(
        villages,
        values,
        "critical",
        "count",
        legend_title="严重问题数",
        unit="条",
        township_names=small.townships,
        top=5,
    )
    text = _texts(fig)
    assert "严重问题数最多的 5 个村" in text
    worst = values.sort_values(["critical", "village_code"], ascending=[False, True]).head(5)
    listed = [line for line in text.splitlines() if line.strip()[:2].strip().isdigit()]
    block = next(t.get_text() for ax in fig.axes for t in ax.texts if t.get_text().startswith(" 1"))
    lines = block.splitlines()
    assert len(lines) == 5 and listed
    for line, (_, row) in zip(lines, worst.iterrows(), strict=True):
        assert short_village_name(pd.Series([row["name"]]))[0] in line
        assert f"{row['critical']} 条" in line
    markers = [t for t in fig.axes[0].texts if t.get_bbox_patch() is not None]
    assert 0 < len(markers) <= 5
    assert "最多的" not in _texts(village_map(villages, values, "critical", "count", top=0))


def test_township_map_numbers_villages_too_small_for_their_name(small, villages, values):
    tiny = villages.copy()
    code = tiny["village_code"].iloc[0]
    tiny.loc[0, "geometry"] = shapely.affinity.scale(tiny.geometry.iloc[0], 0.12, 0.12)
    town = tiny["township_code"].iloc[0]
    fig = village_map(tiny, values, "uninsured_people", "count", township=town, unit="人")
    text = _texts(fig)
    assert "名称放不下的" in text
    name = short_village_name(values.loc[values["village_code"] == code, "name"]).iloc[0]
    assert any(
        name in t.get_text() and t.get_text().lstrip().startswith("1") for t in fig.axes[1].texts
    )
