"""Benchmark: time and peak memory of `audit synth` at scales 1, 2 and 4.

Each scale runs in a fresh process (so peak resident memory is that run's own),
builds the county with `audit.synth.generate` and saves it with `Dataset.save`,
exactly as `audit synth --out DIR --scale F` does. Prints a Markdown table;
the recorded result is in benchmarks/README.md.

    .venv/bin/python benchmarks/bench_synth.py [--scales 1 2 4] [--repeat 1]
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
import json, resource, sys, tempfile, time
t0 = time.perf_counter()
from audit import synth
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
ds = synth.generate(seed=20240325, scale=float(sys.argv[1]))
t_gen = time.perf_counter() - t1
t2 = time.perf_counter()
ds.save(sys.argv[2])
t_save = time.perf_counter() - t2
print(json.dumps({
    "households": len(ds.households), "members": len(ds.members),
    "import_s": t_import, "generate_s": t_gen, "save_s": t_save,
    "total_s": time.perf_counter() - t0,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run(scale: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(scale), os.path.join(tmp, "ds")],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        "| scale | households | members | generate (s) | save (s) | total (s) | peak RSS (MB) "
        "| µs per household |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for scale in args.scales:
        best = min((run(scale) for _ in range(args.repeat)), key=lambda r: r["total_s"])
        per = (best["generate_s"] + best["save_s"]) / best["households"] * 1e6
        print(
            f"| {scale:g} | {best['households']:,} | {best['members']:,} "
            f"| {best['generate_s']:.2f} | {best['save_s']:.2f} | {best['total_s']:.2f} "
            f"| {best['peak_rss_mb']:,.0f} | {per:.1f} |"
        )


if __name__ == "__main__":
    main()
