"""Calibration of the forecast on synthetic worlds whose truth is known.

For each generator seed a reduced county (``scale=0.1``: about 3,800 registered
households, 760 of them visited) is simulated from its record and visits only
(``truth`` removed), and the county's number of registered households failing
any census indicator in the true layer is compared with the forecast's 80 % and
95 % prediction intervals. Seeds 1–60, two worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pytest

SEEDS = range(1, 61)
SCALE = 0.1
RUNS = 1000

pytestmark = pytest.mark.slow


def _one_world(seed: int) -> tuple[int, float, float, float, float, float]:
    from audit import rules, simulate, synth
    from audit.settings import load_settings
    from test_rules_county import truth_dataset

    settings = load_settings()
    ds = synth.generate(seed=seed, scale=SCALE)
    true = rules.household_status(rules.run(truth_dataset(ds), settings), ds)
    failing = int((true["census"] == "fail").sum())
    ds.truth = None
    result = simulate.census(ds, rules.run(ds, settings), None, RUNS, seed, settings=settings)
    s = result.summary
    row = s[(s["level"] == "county") & (s["indicator"] == "ALL")].iloc[0]
    return failing, row["expected"], row["p10"], row["p90"], row["p2_5"], row["p97_5"]


def test_prediction_intervals_cover_the_true_layer():
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        worlds = np.array(list(pool.map(_one_world, SEEDS)))
    y, expected, p10, p90, p2_5, p97_5 = worlds.T
    in80 = ((p10 <= y) & (y <= p90)).mean()
    in95 = ((p2_5 <= y) & (y <= p97_5)).mean()
    bias = (expected - y).mean()
    print(f"\ncalibration over {len(y)} synthetic counties (scale {SCALE}, {RUNS} runs): "
          f"80% interval covers {in80:.1%}, 95% interval covers {in95:.1%}; "
          f"mean forecast − truth {bias:+.1f} households (truth mean {y.mean():.0f})")  # fmt: skip
    assert 0.70 <= in80 <= 0.90
    assert in95 >= 0.88
