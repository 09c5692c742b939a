"""Village-level views of a report: the readiness map and the villages ranked by risk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.report.tables import fmt_int, fmt_pct, html_table, image_html, show

__all__ = ["top_villages", "village_map", "village_table"]

#: Share of registered households failing the census at which a village is 风险 / 未达标.
STATUS_BREAKS = (0.0, 0.05)


def village_table(ctx) -> pd.DataFrame:
    """Per village: registered and failing households, failing rate, status, visits."""
    status = ctx.own(ctx.artifacts.status)
    v = ctx.data.villages[["village_code", "name", "township_code", "poor_village"]].copy()
    g = status.groupby("village_code")
    v["registered"] = v["village_code"].map(g.size()).fillna(0).astype(int)
    v["failing"] = v["village_code"].map(g["census"].apply(lambda s: int((s == "fail").sum())))
    v["failing"] = v["failing"].fillna(0).astype(int)
    v["wrong_exit"] = v["village_code"].map(g["wrong_exit"].sum()).fillna(0).astype(int)
    v["rate"] = np.where(v["registered"] > 0, v["failing"] / v["registered"].clip(lower=1), np.nan)
    lo, hi = STATUS_BREAKS
    v["status"] = np.select(
        [v["registered"] == 0, v["rate"] <= lo, v["rate"] <= hi],
        ["无数据", "达标", "风险"],
        "未达标",
    )
    sample = ctx.own(ctx.artifacts.sample)
    sg = sample.groupby("village_code")
    v["to_visit"] = v["village_code"].map(sg.size()).fillna(0).astype(int)
    v["visited"] = v["village_code"].map(sg["visited"].sum()).fillna(0).astype(int)
    checks = ctx.artifacts.villages.set_index("village_code")
    for col in ("①", "②", "③", "④"):
        v[col] = v["village_code"].map(checks[col]).fillna(0).astype(int)
    return v


def village_map(ctx):
    """The village map of the report: share of registered households failing, three colours."""
    import matplotlib.pyplot as plt

    from audit.plotting import village_map as draw

    table = village_table(ctx)
    geo = ctx.county.geometry
    fig = draw(
        geo,
        table,
        "status",
        kind="status",
        title=f"{ctx.name} 各村普查准备状态（建档立卡户不达标比例）",
        legend_title="研判",
        township=None if ctx.is_county else ctx.township_code,
        township_names=ctx.county.townships.set_index("township_code")["name"].to_dict(),
        schematic=ctx.schematic,
    )
    out = image_html(fig, f"{ctx.name}村级地图")
    plt.close(fig)
    return show(out)


def top_villages(ctx, n: int = 10):
    """The villages at most risk: failing households, 错退 risk, 四核四防 counts, visits."""
    v = (
        village_table(ctx)
        .sort_values(["failing", "rate", "village_code"], ascending=[False, False, True])
        .head(n)
    )
    towns = ctx.county.townships.set_index("township_code")["name"]
    table = pd.DataFrame(
        {
            "村": v["name"].str.replace("村民委员会", "村").str.replace("居民委员会", "社区"),
            "乡镇": v["township_code"].map(towns),
            "建档立卡户": v["registered"].map(fmt_int),
            "不达标户": v["failing"].map(fmt_int),
            "不达标比例": v["rate"].map(fmt_pct),
            "其中错退风险": v["wrong_exit"].map(fmt_int),
            "①②③④": v[["①", "②", "③", "④"]].astype(str).agg("/".join, axis=1),
            "入户核查（已/应）": v["visited"].astype(str) + "/" + v["to_visit"].astype(str),
        }
    )
    if not ctx.is_county:
        table = table.drop(columns="乡镇")
    return show(html_table(table, numeric=("建档立卡户", "不达标户", "不达标比例", "其中错退风险")))
