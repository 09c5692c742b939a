"""Drawing: reproducibility, order independence, extension, inclusion probabilities."""

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from audit.errors import AuditError
from audit.sampling import allocate, design_summary, draw, permanent_random_numbers
from audit.sampling.draw import _sequential_poisson


def _frame(seed=0, n=6000, towns=6, villages_per_town=12):
    rng = np.random.default_rng(seed)
    town = rng.integers(0, towns, n)
    village = town * 100 + rng.zipf(1.6, n).clip(max=villages_per_town)
    return pd.DataFrame(
        {
            "household_id": [f"62052310{i:09d}" for i in rng.permutation(10**6)[:n]],
            "township_code": pd.Series(100 + town).map("620523{}".format),
            "village_code": pd.Series((100 + town) * 1000 + village % 100).map(
                "620523{:06d}".format
            ),
            "people": rng.integers(1, 8, n),
            "risk": (rng.random(n) < np.where(town == 0, 0.2, 0.01)).astype(float),
        }
    )


@pytest.fixture(scope="module")
def frame():
    return _frame()


# ---- permanent random numbers --------------------------------------------------------


def test_prn_golden_values():
    # fixed forever: a change here changes every sample ever drawn with these seeds
    got = permanent_random_numbers(["62052310000100001", "abc", "户123"], 20240325)
    np.testing.assert_array_equal(
        got, [0.04755930586574114, 0.49376414676255526, 0.37636127560595795]
    )
    vil = permanent_random_numbers(["620523100001"], 20240325, "villages")
    np.testing.assert_array_equal(vil, [0.6238215764291537])


def test_prn_uniform_independent_and_key_bound(frame):
    ids = frame["household_id"]
    u = permanent_random_numbers(ids, 1)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert np.all((u > 0) & (u < 1))
    other = permanent_random_numbers(ids, 2)
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.05
    villages = permanent_random_numbers(ids, 1, "villages")
    assert abs(np.corrcoef(u, villages)[0, 1]) < 0.05
    # each number depends on its own key only
    np.testing.assert_array_equal(permanent_random_numbers(ids[::-1], 1), u[::-1])
    np.testing.assert_array_equal(permanent_random_numbers(ids[:10], 1), u[:10])


def test_prn_rejects_bad_seed():
    with pytest.raises(AuditError):
        permanent_random_numbers(["a"], -1)
    with pytest.raises(AuditError):
        permanent_random_numbers(["a"], 1.5)


# ---- allocation ---------------------------------------------------------------------


def test_allocation_rules():
    pop = pd.Series({"a": 600, "b": 300, "c": 100})
    assert allocate(pop, 10, minimum=0).tolist() == [6, 3, 1]
    assert allocate(pop, 10, minimum=2).tolist() == [5, 3, 2]
    assert allocate(pop, 9, "equal").tolist() == [3, 3, 3]
    ney = allocate(pop, 10, "neyman", sd=pd.Series({"a": 0.1, "b": 0.4, "c": 0.3}), minimum=0)
    assert ney.tolist() == [3, 6, 1]  # ∝ N_h S_h = 60, 120, 30
    assert allocate(pop, 5000).tolist() == [600, 300, 100]
    with pytest.raises(AuditError):
        allocate(pop, 10, "neyman")


@settings(max_examples=40, deadline=None)
@given(
    pop=st.lists(st.integers(1, 500), min_size=1, max_size=12),
    method=st.sampled_from(["proportional", "equal"]),
    minimum=st.integers(0, 3),
    n=st.integers(0, 800),
    extra=st.integers(1, 300),
)
def test_allocation_is_house_monotone(pop, method, minimum, n, extra):
    pop = pd.Series(pop)
    small, large = (
        allocate(pop, n, method, minimum=minimum),
        allocate(pop, n + extra, method, minimum=minimum),
    )
    assert small.sum() == min(n, pop.sum())
    assert (small <= pop).all()
    assert (large >= small).all()


# ---- stratified design ----------------------------------------------------------------


def test_stratified_sample_columns_and_weights(frame):
    s = draw(frame, 600, seed=7)
    assert len(s) == 600 and s["household_id"].is_unique
    for c in ("stratum", "cluster", "prob", "weight", "fpc", "prn", "design"):
        assert c in s.columns
    n_h = s.groupby("stratum").size()
    N_h = frame.groupby("township_code").size()
    np.testing.assert_allclose(s.groupby("stratum")["weight"].sum(), N_h.reindex(n_h.index))
    np.testing.assert_allclose(s["prob"] * s["weight"], 1.0)
    assert (s.groupby("stratum")["fpc"].first() == N_h.reindex(n_h.index)).all()
    assert (s["cluster"] == s["household_id"]).all()
    # proportional allocation within one household of the exact share
    assert np.all(np.abs(n_h - 600 * N_h / N_h.sum()) < 1)
    # the chosen households are those with the smallest numbers in their stratum
    u = permanent_random_numbers(frame["household_id"], 7)
    cut = s.groupby("stratum")["prn"].max()
    rest = frame.assign(u=u)[~frame["household_id"].isin(s["household_id"])]
    assert (rest["u"].to_numpy() > cut.reindex(rest["township_code"]).to_numpy()).all()


def test_same_seed_same_sample_other_seed_other_sample(frame):
    a, b = draw(frame, 500, seed=11), draw(frame, 500, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = draw(frame, 500, seed=12)
    assert set(a["household_id"]) != set(c["household_id"])


@pytest.mark.parametrize("design", ["stratified", "two-stage"])
def test_independent_of_row_order(frame, design):
    a = draw(frame, 500, seed=5, design=design)
    shuffled = frame.sample(frac=1.0, random_state=99).reset_index(drop=True)
    b = draw(shuffled, 500, seed=5, design=design)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("design", ["stratified", "two-stage"])
@pytest.mark.parametrize("allocation", ["proportional", "equal", "neyman"])
def test_extension_keeps_the_smaller_sample(frame, design, allocation):
    kw = {"design": design, "allocation": allocation, "neyman_sd": "risk"}
    prev = None
    for size in (100, 250, 600, 1400):
        ids = set(draw(frame, size, seed=21, **kw)["household_id"])
        if prev is not None:
            assert prev <= ids
        prev = ids


def _draw_ids(args):
    frame, size, seed, design = args
    return draw(frame, size, seed, design=design)["household_id"].tolist()


def test_same_sample_in_another_process(frame, tmp_path):
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path)
    here = draw(frame, 400, seed=31)
    code = (
        "import pandas as pd, sys; from audit.sampling import draw; "
        f"s = draw(pd.read_parquet({str(path)!r}), 400, seed=31); "
        "sys.stdout.write(','.join(s['household_id']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(",") == here["household_id"].tolist()


def test_same_sample_with_any_worker_count(frame):
    jobs = [(frame, 300, 41, "stratified"), (frame, 300, 41, "two-stage")]
    serial = [_draw_ids(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = list(pool.map(_draw_ids, jobs))
    assert serial == parallel


def test_minimum_per_stratum_and_equal_allocation(frame):
    tiny = frame[frame["township_code"] != "620523105"]
    extra = frame[frame["township_code"] == "620523105"].head(3)
    s = draw(pd.concat([tiny, extra]), 50, seed=1, minimum=2)
    assert s.groupby("stratum").size().min() >= 2
    e = draw(frame, 60, seed=1, allocation="equal")
    assert (e.groupby("stratum").size() == 10).all()


def test_no_strata(frame):
    s = draw(frame, 100, seed=1, strata=None)
    assert (s["stratum"] == "全部").all()
    assert s["weight"].iloc[0] == pytest.approx(len(frame) / 100)


# ---- two-stage design -----------------------------------------------------------------


def test_two_stage_structure(frame):
    s = draw(frame, 400, seed=3, design="two-stage", households_per_village=8)
    per_village = s.groupby("cluster").size()
    sizes = frame.groupby("village_code").size()
    assert (per_village == np.minimum(8, sizes.reindex(per_village.index))).all()
    assert s["fpc"].isna().all()
    np.testing.assert_allclose(s["prob"], s["prob_village"] * s["prob_household"])
    np.testing.assert_allclose(s["weight"] * s["prob"], 1.0)
    # PPS with m per village: Σ weights recovers each township's households
    N_h = frame.groupby("township_code").size()
    np.testing.assert_allclose(s.groupby("stratum")["weight"].sum(), N_h.reindex(sorted(N_h.index)))
    assert s.groupby("stratum")["cluster"].nunique().min() >= 2


def test_sequential_poisson_inclusion_probabilities():
    # Ohlsson (1998): π_i ≈ λ_i = n x_i / X; checked on a township-like stratum
    rng = np.random.default_rng(0)
    x = np.r_[2000.0, rng.integers(50, 600, 27)]
    reps = 4000
    u = rng.random((reps, len(x)))
    hits = np.zeros(len(x))
    for row in u:  # replicate draws of one stratum (a test, not a household loop)
        chosen, lam = _sequential_poisson(row, x, 13)
        hits += chosen
    assert chosen.sum() == 13
    assert lam[0] == 1.0  # a very large village is taken with certainty
    np.testing.assert_allclose(hits / reps, lam, atol=0.035)


def test_design_summary(frame):
    s = draw(frame, 300, seed=2)
    t = design_summary(s, frame)
    assert t["sampled_households"].sum() == 300
    np.testing.assert_allclose(t["weighted_total"], t["frame_households"])
    s2 = draw(frame, 300, seed=2, design="two-stage")
    t2 = design_summary(s2, frame)
    assert t2["frame_households"].sum() == len(frame)


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"design": "cluster"}, "design"),
        ({"size": 0}, "size"),
        ({"strata": "nope"}, "nope"),
        ({"allocation": "optimal"}, "allocation"),
    ],
)
def test_errors(frame, kwargs, where):
    args = {"frame": frame, "size": 10, "seed": 1, **kwargs}
    with pytest.raises(AuditError) as err:
        draw(**args)
    assert where in (err.value.parameter, err.value.column)


def test_duplicate_household_is_an_error(frame):
    with pytest.raises(AuditError) as err:
        draw(pd.concat([frame, frame.head(1)]), 10, seed=1)
    assert err.value.column == "household_id"


def test_one_township_redrawn_alone_gets_the_same_households(frame):
    county = draw(frame, 600, seed=13)
    code = "620523102"
    n_h = int((county["stratum"] == code).sum())
    alone = draw(frame[frame["township_code"] == code], n_h, seed=13)
    assert set(alone["household_id"]) == set(county.loc[county["stratum"] == code, "household_id"])
