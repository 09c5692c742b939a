"""Burn-down and project charts: Chinese labels with no missing glyph, the right lines."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import pandas as pd
import pytest

from audit.settings import load_settings
from audit.tracking import forecast
from audit.tracking.charts import burndown_chart, burndown_grid, project_chart

START = pd.Timestamp("2024-03-25")


def series(key, label, opens) -> pd.DataFrame:
    return pd.DataFrame({
        "dimension": "township_code", "key": key, "label": label, "deadline_key": "final",
        "deadline_label": "全部问题（6月30日前）", "deadline": pd.Timestamp("2024-06-30"),
        "run_seq": range(len(opens)), "run_id": [f"第{i + 1:02d}周" for i in range(len(opens))],
        "as_of": [START + pd.Timedelta(weeks=i) for i in range(len(opens))], "open": opens,
    })  # fmt: skip


@pytest.fixture(scope="module")
def data():
    s = pd.concat([series("620523101", "新兴镇", [90, 80, 72, 60]),
                   series("620523110", "古坡镇", [40, 39, 39, 38]),
                   series("620523102", "磐安镇", [10, 4, 0, 0])], ignore_index=True)  # fmt: skip
    return s, forecast(s, load_settings())


def render(fig) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing CJK glyph is a UserWarning: fail on it
        fig.savefig(io.BytesIO(), format="png", dpi=60)


def test_one_burndown_with_ideal_line_projection_and_verdict(data):
    s, f = data
    fig = burndown_chart(s, f, dimension="township_code", key="620523101")
    render(fig)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert {"待整改数", "应达进度", "按当前进度预计"} <= set(lines)
    assert list(lines["待整改数"].get_ydata()) == [90, 80, 72, 60]
    ideal_x = mdates.date2num(pd.to_datetime(lines["应达进度"].get_xdata()))
    assert list(lines["应达进度"].get_ydata()) == [90, 0]
    assert mdates.num2date(ideal_x[-1]).date().isoformat() == "2024-06-30"
    row = f[f["key"] == "620523101"].iloc[0]
    assert row["verdict_zh"] in ax.get_title() and "新兴镇" in ax.get_title()


def test_grid_draws_every_township_and_hides_spare_panels(data):
    s, f = data
    fig = burndown_grid(s, f, ncols=2)
    render(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and len(fig.axes) == 4
    titles = " ".join(ax.get_title() for ax in visible)
    assert "古坡镇：将逾期" in titles and "磐安镇：已清零" in titles


def test_project_chart(tmp_path):
    progress = pd.DataFrame({"as_of": [START, START, START + pd.Timedelta(weeks=1)] * 1,
                             "category": ["产业发展类", "基础设施类", "产业发展类"],
                             "start_rate_plan": [50.0, 80.0, 70.0]})  # fmt: skip
    funds = pd.DataFrame({"as_of": [START] * 2, "category": ["产业发展类", "基础设施类"],
                          "未开工": [10.0, 5.0], "已开工": [20.0, 30.0],
                          "已完工": [0.0, 1.0]})  # fmt: skip
    fig = project_chart(progress, funds)
    render(fig)
    assert "计划开工率" in fig.axes[0].get_title()
    assert len(fig.axes[1].patches) == 6  # two categories × three statuses
