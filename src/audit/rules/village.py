"""Village hardware (四核四防 ④; 贫困村 first), census-rules.md §E."""

from __future__ import annotations

from audit.rules.registry import as_outcome, rule

__all__ = []

SOURCE = "贫困村退出标准（四核四防④）"


def _false(ctx, column):
    return ~ctx.villages[column].astype("boolean")


@rule(
    "VIL-01",
    "未通硬化路",
    "行政村未通硬化路",
    severity="critical",
    group="村级设施",
    level="village",
    section="E",
    source=SOURCE,
    fields=("road_hardened",),
)
def no_hardened_road(ctx):
    """No hardened road to the village."""
    return as_outcome(_false(ctx, "road_hardened"))


@rule(
    "VIL-02",
    "卫生室或村医缺失",
    "{value}",
    severity="critical",
    group="村级设施",
    level="village",
    section="E",
    source=SOURCE,
    fields=("clinic", "village_doctor"),
)
def no_clinic(ctx):
    """No standard clinic, or no qualified village doctor."""
    clinic, doctor = _false(ctx, "clinic"), _false(ctx, "village_doctor")
    text = clinic.map({True: "无标准化卫生室", False: "无合格村医"})
    return as_outcome(clinic | doctor, text)


@rule(
    "VIL-03",
    "未通动力电/宽带",
    "{value}",
    severity="error",
    group="村级设施",
    level="village",
    section="E",
    source=SOURCE,
    fields=("power_grid", "broadband"),
)
def no_power_or_broadband(ctx):
    """No power grid for production, or no broadband/4G."""
    power, broadband = _false(ctx, "power_grid"), _false(ctx, "broadband")
    text = power.map({True: "未通动力电", False: "未通宽带或4G"})
    return as_outcome(power | broadband, text)


@rule("VIL-04", "供水工程待改造", "{value}", severity="error", group="村级设施",
      level="village", section="E", source=SOURCE,
      fields=("water_points_to_fix", "pipe_km_to_fix"))  # fmt: skip
def water_works(ctx):
    """Water points or pipes awaiting repair or rebuilding."""
    v = ctx.villages
    points, pipes = (
        v["water_points_to_fix"].astype("Float64"),
        v["pipe_km_to_fix"].astype("Float64"),
    )
    text = ("集中供水点待改造" + points.astype("Int64").astype("str") + "处，管网待维修"
            + pipes.astype("str") + "公里")  # fmt: skip
    return as_outcome((points > 0) | (pipes > 0), text)


@rule("VIL-05", "村组道路待硬化", "{value}", severity="warning", group="村级设施",
      level="village", section="E", source=SOURCE,
      fields=("road_km_to_harden", "road_km_disrepair"))  # fmt: skip
def roads_to_harden(ctx):
    """Kilometres of group roads still to harden, or roads fallen back into disrepair."""
    v = ctx.villages
    harden = v["road_km_to_harden"].astype("Float64")
    broken = v["road_km_disrepair"].astype("Float64")
    text = "待硬化" + harden.astype("str") + "公里，畅返不畅" + broken.astype("str") + "公里"
    return as_outcome((harden > 0) | (broken > 0), text)


@rule(
    "VIL-06",
    "无集体经济收入",
    "村集体经济收入为零",
    severity="warning",
    group="村级设施",
    level="village",
    section="E",
    source=SOURCE,
    fields=("collective_income",),
)
def no_collective_income(ctx):
    """No collective-economy income."""
    return as_outcome(ctx.villages["collective_income"].astype("Float64") <= 0)
