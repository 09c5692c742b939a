"""Benchmark: render the county map (415 villages) and the 15 township maps to PNG.

Targets (issue #7): one county map in under 3 s on a 2-core machine; all 15 township maps
in under 15 s. The demo county is built once and its village polygons and per-village
counts are written to a temporary folder; the maps are then drawn in a fresh process, so
the peak memory reported is that of map drawing alone (interpreter, libraries, polygons,
figures), not of building the county. It is the process's resident high-water mark
(VmHWM): `ru_maxrss` would carry the forking parent's size across fork and exec.

The county map shows a count (uninsured registered people per village); a second county
map shows a rate with its interval, the slowest case for natural breaks (mapclassify's
pure-Python Fisher-Jenks on 414 distinct values). Each map is drawn with
`audit.plotting.village_map` and written with `save_png` at 200 dpi; the time includes
writing the PNG and a `gc.collect()` after each map (a matplotlib figure is cyclic garbage
that keeps its ~12 MB pixel buffer until a full collection, which batch loops should
force). The first county map of a process also pays for importing mapclassify (with
scikit-learn and scipy.stats) and loading the CJK font; it is reported as "cold".

    .venv/bin/python benchmarks/bench_maps.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

CHILD = r"""
import gc, json, os, sys, time
t0 = time.perf_counter()
import geopandas as gpd, pandas as pd
import matplotlib
matplotlib.use("Agg")
from audit.plotting import save_png, village_map
t_import = time.perf_counter() - t0
folder, repeat = sys.argv[1], int(sys.argv[2])

def peak_rss_mb():
    # VmHWM of this process image; ru_maxrss would carry the parent's size across fork+exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

villages = gpd.read_file(f"{folder}/villages.gpkg")
counts = pd.read_parquet(f"{folder}/counts.parquet")
towns = pd.read_parquet(f"{folder}/townships.parquet")
common = dict(column="uninsured_people", kind="count", legend_title="未参保人数", unit="人",
              township_names=towns, note="数据截至 2024-03-25")

def county():
    t, c = time.perf_counter(), time.process_time()
    fig = village_map(villages, counts, title="甘谷县各村建档立卡户未参保人数", **common)
    save_png(fig, f"{folder}/county.png")
    del fig
    gc.collect()  # a figure is cyclic garbage holding its ~12 MB pixel buffer: free it now
    return time.perf_counter() - t, time.process_time() - c

def county_rate():
    t, c = time.perf_counter(), time.process_time()
    fig = village_map(villages, counts, "problem_rate", "rate", legend_title="问题户比例",
                      low="problem_rate_low", high="problem_rate_high", township_names=towns)
    save_png(fig, f"{folder}/county_rate.png")
    del fig
    gc.collect()
    return time.perf_counter() - t, time.process_time() - c

cold = county()
warm = [county() for _ in range(repeat)]
rate = [county_rate() for _ in range(repeat)]
township_runs = []
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    for code, name in zip(towns["township_code"], towns["name"]):
        fig = village_map(villages, counts, township=code, title=f"{name}各村未参保人数", **common)
        save_png(fig, f"{folder}/{code}.png")
        del fig
        gc.collect()
    township_runs.append((time.perf_counter() - t, time.process_time() - c))
print(json.dumps({
    "villages": len(villages), "n_townships": len(towns), "import_s": t_import,
    "load_average": os.getloadavg(),
    "county_cold": cold, "county_warm": min(warm), "county_rate": min(rate),
    "townships": min(township_runs), "all": {"warm": warm, "rate": rate,
                                              "townships": township_runs},
    "peak_rss_mb": peak_rss_mb(),
}))
"""


def prepare(folder: str) -> None:
    from audit import synth
    from audit.geo import load_boundaries, village_counts

    ds = synth.generate(seed=20240325)
    villages, _ = load_boundaries(None, ds)
    villages.to_file(os.path.join(folder, "villages.gpkg"), layer="villages")
    counts = village_counts(ds)
    counts.astype({"status": str}).to_parquet(os.path.join(folder, "counts.parquet"))
    ds.townships[["township_code", "name"]].to_parquet(os.path.join(folder, "townships.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        prepare(folder)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, folder, str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{r['villages']} villages, {r['n_townships']} townships, best of {args.repeat}")
    print(f"load average during the run: {', '.join(f'{x:.1f}' for x in r['load_average'])}")
    print("| maps | wall (s) | CPU (s) | target (s) |")
    print("|---|---|---|---|")
    rows = [
        ("county map, first in the process (cold)", r["county_cold"]),
        ("county map (count), warm", r["county_warm"]),
        ("county map (rate with interval), warm", r["county_rate"]),
        ("all 15 township maps", r["townships"]),
    ]
    for label, (wall, cpu) in rows:
        target = 15 if "township" in label else 3
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {target} |")
    print(f"imports {r['import_s']:.2f} s; peak RSS {r['peak_rss_mb']:.0f} MB")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
