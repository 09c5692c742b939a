"""Benchmark: all rules over the demo county, against a row-by-row implementation.

1. `audit.rules.run` (all 47 rules) on the demo county at scales 1, 2 and 4, each in a
   fresh process: first (cold) and second (warm) run, peak resident memory.
2. In one process at scale 1: the eleven census indicators vectorised
   (`rules.run(ds, rules=CENSUS_INDICATORS)`) against a straightforward row-by-row
   implementation of the same rules (`DataFrame.apply` over households, members
   looked up per household), checking that both find the same failing households.

    .venv/bin/python benchmarks/bench_rules.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import pandas as pd

CHILD = r"""
import json, resource, sys, time
from audit import rules, synth
ds = synth.generate(scale=float(sys.argv[1]))
t = time.perf_counter(); f = rules.run(ds); cold = time.perf_counter() - t
t = time.perf_counter(); rules.run(ds); warm = time.perf_counter() - t
print(json.dumps({"households": len(ds.households), "members": len(ds.members),
                  "findings": len(f), "cold_s": cold, "warm_s": warm,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scale_runs(scales=(1, 2, 4)) -> None:
    print(
        "| scale | households | members | findings | first run (s) | second run (s) "
        "| µs per member (2nd) | peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for scale in scales:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(scale)], check=True, capture_output=True, text=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {scale} | {r['households']:,} | {r['members']:,} | {r['findings']:,} "
            f"| {r['cold_s']:.2f} | {r['warm_s']:.2f} | {r['warm_s'] / r['members'] * 1e6:.2f} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )


def row_by_row(ds, settings) -> pd.DataFrame:
    """The census indicators one household at a time, as a first implementation would."""
    ref = pd.Timestamp(settings.audit.reference_date)
    members = {hid: grp for hid, grp in ds.members.groupby("household_id", observed=True)}
    lo, hi = settings.education.compulsory_age_min, settings.education.compulsory_age_max
    ok_school = {
        "小学",
        "七年级",
        "八年级",
        "九年级",
        "普通高中一年级",
        "中职一年级",
        "送教上门",
        "经鉴定不具备学习条件",
    }
    w = settings.water

    def judge(h):
        fails = []
        if h["status"] not in ("未脱贫", "已脱贫"):
            return ""
        if (
            pd.notna(h["net_income_per_capita"])
            and h["net_income_per_capita"] <= settings.income.poverty_line
        ):
            fails.append("INC-01")
        if h["food_secure"] is False:
            fails.append("FOOD-01")
        if h["clothing_ok"] is False:
            fails.append("CLOTH-01")
        mem = members.get(h["household_id"])
        if mem is not None:
            for _, p in mem.iterrows():
                b = p["birth_date"]
                age = ref.year - b.year - ((b.month, b.day) > (ref.month, ref.day))
                if lo <= age <= hi and p["school_status"] not in ok_school:
                    fails.append("EDU-01")
                    break
            for _, p in mem.iterrows():
                if p["medical_insurance"] == "未参保" and pd.isna(p["insurance_exemption"]):
                    fails.append("MED-01")
                    break
        moved = h["relocated"] is True and h["relocation_moved_in"] is True
        if h["house_grade"] in ("C", "D") and h["house_renovated"] is not True and not moved:
            fails.append("HOUSE-01")
        if (
            h["relocated"] is True
            and h["relocation_keys"] is True
            and h["relocation_moved_in"] is False
        ):
            fails.append("HOUSE-02")
        if pd.notna(h["water_litres"]) and h["water_litres"] < w.litres_min:
            fails.append("WATER-01")
        if h["water_quality_ok"] is False:
            fails.append("WATER-02")
        if h["water_piped"] is False and h["water_trip_minutes"] > w.trip_minutes_max:
            fails.append("WATER-03")
        if pd.notna(h["water_shortage_days"]) and h["water_shortage_days"] > w.shortage_days_max:
            fails.append("WATER-04")
        return "、".join(fails)

    hh = ds.households.astype(object).where(ds.households.notna(), None)
    return hh.apply(judge, axis=1)


def versus_row_by_row(townships=("620523101", "620523102", "620523110")) -> None:
    """Compare on three townships (the row-by-row way takes minutes on the whole county)."""
    from audit import load_settings, rules, synth

    settings = load_settings()
    ds = synth.generate().subset(list(townships))
    rules.run(ds, rules=rules.CENSUS_INDICATORS)  # warm up imports and kernels
    t = time.perf_counter()
    vec = rules.run(ds, rules=rules.CENSUS_INDICATORS)
    t_vec = time.perf_counter() - t
    t = time.perf_counter()
    naive = row_by_row(ds, settings)
    t_naive = time.perf_counter() - t
    fails_vec = set(vec.loc[vec["outcome"] == "fail", "household_id"])
    fails_naive = set(ds.households.loc[naive != "", "household_id"])
    print(
        f"\nCensus indicators on {len(ds.households):,} households / {len(ds.members):,} members:"
    )
    print(f"- vectorised (rules.run, 11 census rules): {t_vec:.2f} s")
    print(f"- row by row (DataFrame.apply over households): {t_naive:.2f} s")
    print(
        f"- ratio: {t_naive / t_vec:.0f}×; same failing households: {fails_vec == fails_naive} "
        f"({len(fails_vec):,})"
    )


if __name__ == "__main__":
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}"
    )
    scale_runs()
    versus_row_by_row()
