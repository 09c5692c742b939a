"""Benchmark: `audit ingest` on the demo county's registry export, against plain pandas.

Builds the export a county office receives from the national system: the registered
households (未脱贫 + 已脱贫, about 38,000) of the default synthetic county and their
members (about 150,000 rows) as ONE workbook in the G1 person-level layout (one row per
member, the household's columns repeated, a title row above the header, places as
names), with `audit.synth.generate()` and `audit.ingest.export_person_layout`.

Then, each in a fresh process (so peak resident memory is that step's own):

* `audit.ingest.ingest([file])`: read, recognise, normalise, resolve village names,
  split into households + members, check household agreement, build the Dataset;
* plain `pandas.read_excel(file, engine="openpyxl", header=1)` on the same file
  (a DataFrame of raw cells, nothing checked), the ratio the issue asks for;
* plain `pandas.read_excel(file, engine="calamine", header=1)` for reference.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat 1] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = r"""
import json, sys, time
t0 = time.perf_counter()
from audit import synth
from audit.ingest import export_person_layout
ds = synth.generate()
t1 = time.perf_counter()
export_person_layout(ds, sys.argv[1])
print(json.dumps({"generate_s": t1 - t0, "write_s": time.perf_counter() - t1}))
"""

INGEST = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from audit.ingest import ingest
t1 = time.perf_counter()
r = ingest([sys.argv[1]])
print(json.dumps({
    "seconds": time.perf_counter() - t1, "import_s": t1 - t0,
    "rows_read": r.rows_read, "accepted": r.accepted, "rejected": r.rejected,
    "households": len(r.dataset.households), "members": len(r.dataset.members),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

PANDAS = r"""
import json, resource, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
t0 = time.perf_counter()
frame = pd.read_excel(sys.argv[1], engine=sys.argv[2], header=1)
print(json.dumps({
    "seconds": time.perf_counter() - t0, "rows": len(frame), "columns": frame.shape[1],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def child(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each reader")
    parser.add_argument("--keep", default=None, help="keep the workbook at this path")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "建档立卡户家庭成员.xlsx")
        if not os.path.exists(path):
            t = time.perf_counter()
            built = child(BUILD, path)
            print(
                f"workbook built in {time.perf_counter() - t:.1f} s "
                f"(generate {built['generate_s']:.1f} s, write {built['write_s']:.1f} s), "
                f"{os.path.getsize(path) / 1e6:.1f} MB"
            )
        runs = {"ingest": [], "openpyxl": [], "calamine": []}
        for _ in range(args.repeat):
            runs["ingest"].append(child(INGEST, path))
            runs["openpyxl"].append(child(PANDAS, path, "openpyxl"))
            runs["calamine"].append(child(PANDAS, path, "calamine"))
    ing = runs["ingest"][0]
    print(
        f"rows read {ing['rows_read']:,}, accepted {ing['accepted']:,}, "
        f"rejected {ing['rejected']:,}; households {ing['households']:,}, "
        f"members {ing['members']:,}"
    )
    print("| step | wall time (s), median | peak RSS (MB) |")
    print("|---|---|---|")
    med = {}
    for name, label in (
        ("ingest", "`audit.ingest.ingest` (everything)"),
        ("openpyxl", '`pandas.read_excel(engine="openpyxl")`'),
        ("calamine", '`pandas.read_excel(engine="calamine")`'),
    ):
        med[name] = statistics.median(r["seconds"] for r in runs[name])
        rss = max(r["peak_rss_mb"] for r in runs[name])
        print(f"| {label} | {med[name]:.1f} | {rss:,.0f} |")
    print(f"ratio openpyxl / ingest: {med['openpyxl'] / med['ingest']:.1f}x")
    print(f"ratio ingest / calamine read_excel: {med['ingest'] / med['calamine']:.1f}x")


if __name__ == "__main__":
    main()
