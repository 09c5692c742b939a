"""Benchmark: the long calibration sweep of the census forecast.

The suite's ``tests/test_simulate_calibration.py`` checks 20 synthetic worlds; this
script runs the long version: seeds 1–60 at scale 0.1 (about 3,800 registered
households each) and, with ``--full``, seeds 1–12 at full scale (38,000), in two
worker processes. For each world it compares the true number of registered
households failing any census indicator with the forecast's 80 % and 95 %
prediction intervals, and prints coverage, mean bias and the time taken.

    .venv/bin/python benchmarks/bench_calibration.py [--full]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def _init() -> None:
    sys.path.insert(0, str(TESTS))


def sweep(seeds, scale: float, runs: int) -> dict:
    """Run the worlds of ``seeds`` at ``scale`` and summarise their coverage."""
    _init()
    from test_simulate_calibration import coverage, one_world

    t = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=get_context("spawn"), initializer=_init) as pool:
        worlds = list(pool.map(partial(one_world, scale=scale, runs=runs), seeds))
    return {"scale": scale, "runs": runs, **coverage(worlds),
            "wall_s": round(time.perf_counter() - t, 1)}  # fmt: skip


def main() -> None:
    """Run the sweeps and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 12 full-size counties")
    args = parser.parse_args()
    print(json.dumps(sweep(range(1, 61), 0.1, 1000)), flush=True)
    if args.full:
        print(json.dumps(sweep(range(1, 13), 1.0, 1000)), flush=True)


if __name__ == "__main__":
    main()
