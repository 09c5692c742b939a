"""Benchmark: draw the census samples and estimate 三率一度 on the demo county.

Builds the default demo county (`audit.synth.generate()`, not timed), its two
sampling frames (timed apart), then times, as one step: drawing the 2,024-household
stratified sample of non-registered households and the exited sample (753 by
default), and estimating the four exit metrics with their intervals
(`audit.stats.exit_metrics`). Outcome flags come from the demo's true layer
(allowed here: a benchmark is not an audit step).

It then times one estimate, the person-based 漏评率 (a stratified ratio with fpc),
with `audit.stats.estimate` and with samplics' `TaylorEstimator` on the same data,
checks that they agree, and prints the ratio. samplics is archived upstream; it
is a bench-only dependency (`pip install .[bench]`).

    .venv/bin/python benchmarks/bench_sampling.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from audit import synth
from audit.sampling import draw, exited_frame, nonregistered_frame, population_counts
from audit.stats import estimate, exit_metrics

CRITICAL = {"INC-01", "HOUSE-01", "HOUSE-02", "EDU-01", "MED-01", "WATER-01", "FOOD-01"}


def outcomes(ds) -> pd.DataFrame:
    """Per-household outcome flags from the true layer (benchmark only)."""
    disc = ds.truth["discrepancies"]
    bad = disc.loc[disc["rule_id"].isin(CRITICAL) | (disc["kind"] == "missed_poor"), "household_id"]
    th = ds.truth["households"]
    return pd.DataFrame(
        {
            "household_id": th["household_id"],
            "fails_census": pd.array(th["household_id"].isin(set(bad)), dtype="boolean"),
            "approves": pd.array(th["approves"], dtype="boolean"),
        }
    ).set_index("household_id")


def sample_and_estimate(frames, flags, pop, seed):
    parts = [draw(frames[0], 2024, seed), draw(frames[1], 753, seed)]
    s = pd.concat(parts, ignore_index=True)
    s = s.join(flags, on="household_id")
    m = exit_metrics(
        s,
        remaining_poor=int(pop["remaining_poor_people"].iloc[0]),
        rural_population=int(pop["rural_people"].iloc[0]),
    )
    return s, m


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    t0 = time.perf_counter()
    ds = synth.generate()
    print(f"demo county: {len(ds.households):,} households ({time.perf_counter() - t0:.1f} s)")

    t_frames, _, frames = timed(lambda: (nonregistered_frame(ds), exited_frame(ds)), 3)
    flags = outcomes(ds)
    pop = population_counts(ds)
    print(f"frames: {len(frames[0]):,} 一般农户, {len(frames[1]):,} 已脱贫 ({t_frames:.3f} s)")

    tracemalloc.start()
    sample_and_estimate(frames, flags, pop, 1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med, best, (s, m) = timed(
        lambda: sample_and_estimate(frames, flags, pop, 20240325), args.repeat
    )
    t_draw, _, _ = timed(lambda: draw(frames[0], 2024, 20240325), args.repeat)
    print(
        f"draw 2,024 + 753 and estimate four rates: median {med * 1000:.0f} ms "
        f"(best {best * 1000:.0f} ms; target < 1000 ms); draw 2,024 alone {t_draw * 1000:.0f} ms"
    )
    print(
        f"peak traced memory of that step: {peak / 2**20:.1f} MB; "
        f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    cols = ["name", "estimate", "ci_low", "ci_high", "verdict"]
    print(m[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))

    # one estimate, ours vs samplics
    part = s[s["status"] == "一般农户"].copy()
    part["affected"] = part["people"] * part["fails_census"].astype(float)
    ours_t, _, ours = timed(
        lambda: estimate(
            part,
            "affected",
            "proportion",
            strata="stratum",
            weights="weight",
            fpc="fpc",
            denominator="people",
        ),
        args.repeat,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from samplics.estimation import TaylorEstimator
            from samplics.utils.types import PopParam
    except ImportError:
        print("samplics is not installed: no comparison")
        return

    def run_samplics():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = TaylorEstimator(PopParam.ratio)
            est.estimate(
                y=part["affected"].to_numpy(float),
                x=part["people"].to_numpy(float),
                samp_weight=part["weight"].to_numpy(),
                stratum=part["stratum"].to_numpy(),
                fpc=(1.0 - 1.0 / part["weight"]).to_numpy(),  # samplics: 1 − n_h/N_h
            )
        return est

    ref_t, _, ref = timed(run_samplics, args.repeat)
    assert abs(ours.estimate - ref.point_est) < 1e-12
    assert abs(ours.se - ref.stderror) < 1e-10 * max(ref.stderror, 1e-12)
    print(
        f"漏评率 (stratified ratio with fpc), same point and SE "
        f"({ours.estimate:.5f} ± {ours.se:.5f}): audit.stats.estimate {ours_t * 1000:.2f} ms, "
        f"samplics TaylorEstimator {ref_t * 1000:.2f} ms, ratio samplics/ours "
        f"{ref_t / ours_t:.1f}×"
    )


if __name__ == "__main__":
    main()
