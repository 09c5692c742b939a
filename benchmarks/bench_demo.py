"""Benchmark: the whole demo (`audit demo`) and one township rerun, with the time split by stage.

Runs `audit demo --out DIR` in a fresh process (wall time), then `audit run DATA --out …
--township 新兴镇` on the demo's data, and prints the manifest's timings: county-wide
results, work lists, township reports, county reports, and per report the kernel start,
compute (opening the data), rendering (sections and maps) and HTML export, so the slowest
stage is known.

    .venv/bin/python benchmarks/bench_demo.py [--out /tmp/bench-demo]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

AUDIT = str(Path(sys.executable).with_name("audit"))


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def stages(manifest: dict) -> str:
    lines = [
        "  run stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in manifest["timings"].items())
    ]
    towns = [v["seconds"] for k, v in manifest["reports"].items() if k.isdigit()]
    if towns:
        keys = towns[0].keys()
        med = {k: statistics.median(t.get(k, 0.0) for t in towns) for k in keys}
        lines.append(
            "  per township report, median (s): "
            + ", ".join(f"{k} {v:.1f}" for k, v in med.items())
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="/tmp/bench-demo")
    args = parser.parse_args()
    out = Path(args.out)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    t_demo = timed([AUDIT, "demo", "--out", str(out)])
    m = json.loads((out / "run" / "manifest.json").read_text(encoding="utf-8"))
    print(
        f"audit demo (synthesize, returns, history, audit, 15 townships + county): {t_demo:.1f} s"
    )
    print(stages(m))
    t_one = timed(
        [AUDIT, "run", str(out / "data"), "--out", str(out / "one"), "--township", "新兴镇"]
    )
    m1 = json.loads((out / "one" / "manifest.json").read_text(encoding="utf-8"))
    print(f"one township rerun (新兴镇): {t_one:.1f} s")
    print(stages(m1))


if __name__ == "__main__":
    main()
