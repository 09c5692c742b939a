"""Benchmark: the census simulation over the demo county, by number of runs and of villages.

1. Builds the demo county as ``audit demo`` does (the synthetic county plus the
   cadres' returns for the run's sample) once with ``counties=1`` and once with
   ``counties=2`` (twice the villages and households), and saves both.
2. For each (county, runs) in a fresh process: loads the Dataset, runs the rules,
   then times :func:`audit.simulate.census` (wall and CPU), and reports the peak
   resident memory of the process (Dataset included) and the simulation's own
   peak allocation (``tracemalloc``, in a second call).

Targets (issue #6): 10,000 runs over the demo county in under 10 s and 2 GB on a
2-core machine; cost linear in runs and in villages.

    .venv/bin/python benchmarks/bench_simulation.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time, tracemalloc
from audit import load_dataset, rules, simulate
from audit.runner.artifacts import draw_samples, sample_outcomes
from audit.report.context import _settings
ds = load_dataset(sys.argv[1], geometry=False)
runs = int(sys.argv[2])
settings = _settings(ds)
findings = rules.run(ds, settings)
sample = sample_outcomes(draw_samples(ds, settings, 1), ds, settings)
t, c = time.perf_counter(), time.process_time()
r = simulate.census(ds, findings, sample, runs, 1, settings=settings)
wall, cpu = time.perf_counter() - t, time.process_time() - c
# VmHWM, not ru_maxrss: Linux carries the parent's peak across fork + exec into ru_maxrss
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
peak_rss = int(hwm.split()[1]) / 1024
tracemalloc.start()
simulate.census(ds, findings, sample, runs, 1, settings=settings)
sim_peak = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
row = r.summary[(r.summary["level"] == "county") & (r.summary["indicator"] == "ALL")].iloc[0]
print(json.dumps({"villages": len(ds.villages), "registered": int(row["registered"]),
                  "households": len(ds.households), "wall_s": wall, "cpu_s": cpu,
                  "peak_rss_mb": peak_rss, "sim_peak_mb": sim_peak,
                  "expected": float(row["expected"])}))
"""


def build(folder: Path, counties: int) -> Path:
    """Build and save the demo county (with the sample's field returns), as ``audit demo``."""
    from audit import synth
    from audit.runner.artifacts import draw_samples
    from audit.settings import load_settings
    from audit.synth.returns import with_field_returns

    settings = load_settings()
    seed = synth.DEFAULT_SEED
    ds = synth.generate(seed=seed, counties=counties, settings=settings)
    sample = draw_samples(ds, settings, seed)
    ds = with_field_returns(ds, sample["household_id"], seed, settings)
    return ds.save(folder / f"county{counties}")


def measure(data: Path, runs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(data), str(runs)], check=True,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import numpy as np
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        one, two = build(Path(tmp), 1), build(Path(tmp), 2)
        rows = []
        for data, counties in ((one, 1), (two, 2)):
            for runs in (2500, 5000, 10000):
                r = measure(data, runs)
                rows.append({"counties": counties, "runs": runs, **r})
                print(json.dumps(rows[-1]), flush=True)
    t = pd.DataFrame(rows)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(
        "| counties | villages | registered households | runs | wall (s) | CPU (s) "
        "| peak RSS, process (MB) | simulation's peak allocation (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in t.itertuples(index=False):
        print(f"| {r.counties} | {r.villages:,} | {r.registered:,} | {r.runs:,} | {r.wall_s:.2f} "
              f"| {r.cpu_s:.2f} | {r.peak_rss_mb:,.0f} | {r.sim_peak_mb:,.0f} |")  # fmt: skip
    cpu = t.set_index(["counties", "runs"])["cpu_s"]
    for counties in (1, 2):
        per_run = (cpu[counties, 10000] - cpu[counties, 2500]) / 7500 * 1000
        fixed = cpu[counties, 2500] - 2.5 * per_run
        print(f"counties={counties}: {per_run:.3f} CPU-s per 1,000 runs, fixed cost {fixed:.2f} s; "
              f"10,000/5,000 runs: {cpu[counties, 10000] / cpu[counties, 5000]:.2f}×, "
              f"5,000/2,500: {cpu[counties, 5000] / cpu[counties, 2500]:.2f}×")  # fmt: skip
    print(f"2× villages at 10,000 runs: {cpu[2, 10000] / cpu[1, 10000]:.2f}× the CPU time")


if __name__ == "__main__":
    main()
