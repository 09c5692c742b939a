"""Benchmark: ``audit check`` on 1, 5 and 20 synthetic counties, Dask engine against pandas.

1. Generate 20 counties once, partitioned (``audit synth --counties 20 --scale S``), into
   ``--data`` (kept between runs; generation time is reported when it happens). The 1- and
   5-county inputs are county views of it (``audit.partitions.write_county_view``: a
   ``dataset.json`` that reads only those counties' partitions).
2. Each check runs as its own ``audit check`` process: ``--engine dask`` (a LocalCluster
   sized to the machine: one single-threaded worker per core) and the pandas engine, the
   latter skipped when its memory, projected from the smaller sizes, would not leave half
   again to spare on the machine. Peak memory is the resident set of the whole process
   tree (the command, the scheduler in it, the nannies and workers), summed, sampled every
   0.2 s with psutil; shared pages count once per process, so the sum errs high.

    .venv/bin/python benchmarks/bench_scale.py [--data DIR] [--scale 1] [--pandas-max 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
AUDIT = str(Path(sys.executable).with_name("audit"))


def tree_rss(proc: psutil.Process) -> tuple[int, int]:
    """Resident bytes of a process and all its descendants: (sum, number of processes)."""
    total, n = 0, 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
            n += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total, n


def measured(cmd: list[str], log: Path) -> dict:
    """Run a command; return its wall time and the peak RSS of its process tree."""
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        popen = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        proc = psutil.Process(popen.pid)
        peak, procs = 0, 0
        while popen.poll() is None:
            try:
                rss, n = tree_rss(proc)
            except psutil.NoSuchProcess:
                break
            if rss > peak:
                peak, procs = rss, n
            time.sleep(0.2)
    wall = time.perf_counter() - t0
    if popen.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed; see {log}")
    return {"wall_s": wall, "peak_rss_gb": peak / 2**30, "processes": procs}


def room_for_pandas(rows: list[dict], size: int) -> bool:
    """Whether the pandas engine at ``size`` counties (projected linearly) leaves room to spare."""
    done = [r for r in rows if r["engine"] == "pandas"]
    if not done:
        return True
    per_county = max(r["peak_rss_gb"] / r["counties"] for r in done)
    return psutil.virtual_memory().available / 2**30 > 1.5 * per_county * size


def ensure_data(data: Path, scale: float, counties: int) -> dict:
    root = data / f"prov{counties}-scale{scale:g}"
    if (root / "dataset.json").exists():
        return {"root": root, "generated_s": None}
    t0 = time.perf_counter()
    subprocess.run(
        [
            AUDIT,
            "synth",
            "--out",
            str(root),
            "--counties",
            str(counties),
            "--scale",
            f"{scale:g}",
            "--partitioned",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return {"root": root, "generated_s": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/tmp/audit-bench-scale"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--counties", type=int, default=20, help="counties generated")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--pandas-max", type=int, default=20, help="largest size run with pandas")
    args = ap.parse_args()

    from audit.partitions import partitions, write_county_view

    args.data.mkdir(parents=True, exist_ok=True)
    got = ensure_data(args.data, args.scale, args.counties)
    root = got["root"]
    codes = sorted({p["county_code"] for p in partitions(root)})
    work = args.data / "runs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    rows = []
    for size in args.sizes:
        data = root if size == len(codes) else write_county_view(
            root, codes[:size], work / f"view{size}"
        )  # fmt: skip
        parts = partitions(data)
        households = sum(p["rows"].get("households", 0) for p in parts)
        members = sum(p["rows"].get("members", 0) for p in parts)
        engines = ["dask"] + (["pandas"] if size <= args.pandas_max else [])
        for engine in engines:
            if engine == "pandas" and not room_for_pandas(rows, size):
                print(f"pandas at {size} counties skipped: not enough free memory", flush=True)
                continue
            out = work / f"{engine}{size}"
            cmd = [AUDIT, "check", str(data), "--out", str(out), "--engine", engine]
            r = measured(cmd, work / f"{engine}{size}.log")
            findings = len(pd.read_parquet(out / "findings.parquet"))
            rows.append({"engine": engine, "counties": size, "townships": len(parts),
                         "households": households, "members": members, "findings": findings,
                         **r, "s_per_county": r["wall_s"] / size})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
            shutil.rmtree(out, ignore_errors=True)

    print()
    made = f", generated in {got['generated_s']:.0f} s" if got["generated_s"] else ""
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GB, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; data scale {args.scale:g}{made}")  # fmt: skip
    print()
    print("| engine | counties | townships | households | members | findings | wall (s) "
          "| s per county | peak RSS, process tree (GB) | processes |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['counties']} | {r['townships']} | {r['households']:,} "
              f"| {r['members']:,} | {r['findings']:,} | {r['wall_s']:.1f} "
              f"| {r['s_per_county']:.1f} | {r['peak_rss_gb']:.2f} "
              f"| {r['processes']} |")  # fmt: skip
    dask = {r["counties"]: r for r in rows if r["engine"] == "dask"}
    if 1 in dask and max(dask) > 1:
        big = max(dask)
        ratio = dask[big]["wall_s"] / dask[1]["wall_s"]
        print(f"\n{big} counties / 1 county (Dask wall time): {ratio:.1f}× (target ≤ 25×); "
              f"peak RSS at {big}: {dask[big]['peak_rss_gb']:.2f} GB (target < 8 GB)")  # fmt: skip


if __name__ == "__main__":
    main()
