"""Design-based estimation against R survey's published example, hand formulas and samplics."""

import numpy as np
import pandas as pd
import pytest

from audit.errors import AuditError
from audit.stats import Design, Estimate, estimate, korn_graubard_ci


@pytest.fixture
def fpc_example():
    """R survey's ``data(fpc)``: two strata, 8 observations, each its own PSU."""
    return pd.DataFrame(
        {
            "x": [2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2],
            "stratid": [1, 1, 1, 1, 1, 2, 2, 2],
            "psuid": [1, 2, 3, 4, 5, 1, 2, 3],
            "weight": [3.0] * 5 + [4.0] * 3,
            "Nh": [15] * 5 + [12] * 3,
        }
    )


def test_r_survey_fpc_example_with_fpc(fpc_example):
    # svymean(~x, svydesign(ids=~psuid, strata=~stratid, fpc=~Nh, data=fpc, nest=TRUE))
    e = estimate(fpc_example, "x", strata="stratid", cluster="psuid", fpc="Nh")
    assert isinstance(e, Estimate)
    assert round(e.estimate, 4) == 5.4481
    assert round(e.se, 4) == 0.6160
    assert e.df == 6  # 8 PSUs − 2 strata


def test_r_survey_fpc_example_without_fpc(fpc_example):
    # svymean(~x, svydesign(ids=~psuid, strata=~stratid, weights=~weight, ...)) → SE 0.7413
    e = estimate(fpc_example, "x", strata="stratid", cluster="psuid", weights="weight")
    assert round(e.estimate, 4) == 5.4481
    assert round(e.se, 4) == 0.7413


def test_fpc_as_population_or_fraction_or_with_weights_agree(fpc_example):
    a = estimate(fpc_example, "x", strata="stratid", fpc="Nh")
    f = fpc_example.assign(frac=np.where(fpc_example["stratid"] == 1, 5 / 15, 3 / 12))
    b = estimate(f, "x", strata="stratid", fpc="frac")
    c = estimate(fpc_example, "x", strata="stratid", fpc="Nh", weights="weight")
    assert a.se == pytest.approx(b.se) == pytest.approx(c.se)
    assert a.estimate == pytest.approx(b.estimate) == pytest.approx(c.estimate)


def test_stratified_total_matches_textbook_formula(fpc_example):
    # Cochran (5.x): V(Ŷ) = Σ N_h² (1 − n_h/N_h) s_h² / n_h
    e = estimate(fpc_example, "x", kind="total", strata="stratid", fpc="Nh")
    g = fpc_example.groupby("stratid")["x"]
    n_h, s2 = g.size(), g.var(ddof=1)
    N_h = pd.Series({1: 15, 2: 12})
    var = (N_h**2 * (1 - n_h / N_h) * s2 / n_h).sum()
    assert e.estimate == pytest.approx((N_h * g.mean()).sum())
    assert e.se == pytest.approx(np.sqrt(var), rel=1e-12)
    # t interval with 6 degrees of freedom
    assert e.ci_high - e.estimate == pytest.approx(2.446912 * e.se, rel=1e-6)


def _clusters(seed=3, n_clusters=12, population_clusters=80):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 9, n_clusters)
    rows = np.repeat(np.arange(n_clusters), sizes)
    y = rng.normal(10, 3, len(rows)) + rng.normal(0, 2, n_clusters)[rows]
    return pd.DataFrame(
        {
            "village": rows,
            "y": y,
            "w": population_clusters / n_clusters,
            "N": population_clusters,
            "flag": rng.random(len(rows)) < 0.2,
        }
    )


def test_one_stage_cluster_mean_matches_hand_formula():
    # Lohr (2022) §5.2.3: ȳ_r = Σt_i / ΣM_i,
    # V = (1 − n/N) · Σ(t_i − ȳ_r M_i)² / (n − 1) / (n · M̄²)
    f = _clusters()
    e = estimate(f, "y", strata=None, cluster="village", weights="w", fpc="N")
    t = f.groupby("village")["y"].sum()
    m = f.groupby("village").size()
    n, big_n = len(t), 80
    ybar = t.sum() / m.sum()
    s2 = ((t - ybar * m) ** 2).sum() / (n - 1)
    var = (1 - n / big_n) * s2 / (n * m.mean() ** 2)
    assert e.estimate == pytest.approx(ybar)
    assert e.se == pytest.approx(np.sqrt(var), rel=1e-12)
    assert e.df == n - 1


def _stratified_clusters(seed=11, n=600):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "stratum": rng.integers(0, 5, n),
            "village": rng.integers(0, 8, n),
            "w": rng.uniform(20, 80, n),
            "people": rng.integers(1, 8, n),
            "flag": rng.random(n) < 0.05,
            "y": rng.gamma(2.0, 3.0, n),
        }
    )
    f["affected"] = f["people"] * f["flag"]
    f["psu"] = f["stratum"] * 100 + f["village"]
    return f


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("kind", ["mean", "total", "proportion", "ratio"])
def test_agrees_with_samplics(kind):
    pytest.importorskip("samplics")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    f = _stratified_clusters()
    y = "flag" if kind == "proportion" else ("affected" if kind == "ratio" else "y")
    ours = estimate(
        f,
        y,
        kind,
        strata="stratum",
        cluster="village",
        weights="w",
        denominator="people" if kind == "ratio" else None,
    )
    param = {
        "mean": PopParam.mean,
        "total": PopParam.total,
        "proportion": PopParam.prop,
        "ratio": PopParam.ratio,
    }[kind]
    ref = TaylorEstimator(param)
    yv = f[y].astype(int if kind == "proportion" else float).to_numpy()
    ref.estimate(
        y=yv,
        samp_weight=f["w"].to_numpy(),
        stratum=f["stratum"].to_numpy(),
        psu=f["psu"].to_numpy(),
        x=f["people"].to_numpy(float) if kind == "ratio" else None,
    )
    point = ref.point_est[1] if kind == "proportion" else ref.point_est
    se = ref.stderror[1] if kind == "proportion" else ref.stderror
    assert ours.estimate == pytest.approx(point, rel=1e-12)
    assert ours.se == pytest.approx(se, rel=1e-10)
    assert ours.df == ref.degree_of_freedom


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_domains_agree_with_samplics_and_keep_the_design():
    pytest.importorskip("samplics")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    f = _stratified_clusters()
    f["town"] = np.where(f["village"] < 3, "甲", "乙")
    table = estimate(f, "y", strata="stratum", cluster="village", weights="w", by="town")
    assert list(table.index) == ["乙", "甲"] and table.index.name == "town"
    ref = TaylorEstimator(PopParam.mean)
    ref.estimate(
        y=f["y"].to_numpy(),
        samp_weight=f["w"].to_numpy(),
        stratum=f["stratum"].to_numpy(),
        psu=f["psu"].to_numpy(),
        domain=f["town"].to_numpy(),
    )
    for town in ("甲", "乙"):
        assert table.loc[town, "estimate"] == pytest.approx(ref.point_est[town], rel=1e-12)
        assert table.loc[town, "se"] == pytest.approx(ref.stderror[town], rel=1e-10)
    # a domain is not a subset: the subset's SE ignores the random domain size
    one = estimate(
        f, "y", strata="stratum", cluster="village", weights="w", domain=f["town"] == "甲"
    )
    assert one.se == pytest.approx(table.loc["甲", "se"])
    assert one.n == (f["town"] == "甲").sum()


def test_proportion_interval_is_korn_graubard():
    f = _stratified_clusters()
    e = estimate(f, "flag", "proportion", strata="stratum", cluster="village", weights="w")
    assert (e.ci_low, e.ci_high) == pytest.approx(
        korn_graubard_ci(e.estimate, e.se, e.n, e.df), rel=1e-12
    )
    assert 0 < e.ci_low < e.estimate < e.ci_high < 1


def test_person_based_proportion_is_a_ratio_with_kg_interval():
    f = _stratified_clusters()
    e = estimate(
        f,
        "affected",
        "proportion",
        strata="stratum",
        cluster="village",
        weights="w",
        denominator="people",
    )
    r = estimate(
        f,
        "affected",
        "ratio",
        strata="stratum",
        cluster="village",
        weights="w",
        denominator="people",
    )
    expected = (f["w"] * f["affected"]).sum() / (f["w"] * f["people"]).sum()
    assert e.estimate == pytest.approx(expected) == pytest.approx(r.estimate)
    assert e.se == pytest.approx(r.se)
    assert e.ci_low >= 0  # KG, never below 0 unlike the t interval
    assert e.ci_low != pytest.approx(r.ci_low)


def test_zero_proportion_has_a_finite_interval():
    f = _stratified_clusters().assign(flag=False)
    e = estimate(f, "flag", "proportion", strata="stratum", weights="w")
    assert e.estimate == 0 and e.se == 0
    assert e.ci_low == 0 and 0 < e.ci_high < 0.01


def test_census_stratum_contributes_no_variance():
    f = pd.DataFrame(
        {"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "s": [1, 1, 1, 2, 2, 2], "N": [3, 3, 3, 30, 30, 30]}
    )
    both = estimate(f, "y", kind="total", strata="s", fpc="N")
    second = f[f["s"] == 2]
    alone = estimate(second, "y", kind="total", strata="s", fpc="N")
    assert both.se == pytest.approx(alone.se)


def test_lonely_psu_adjust_and_remove():
    f = pd.DataFrame({"y": [1.0, 2.0, 3.0, 10.0], "s": [1, 1, 1, 2], "w": [2.0] * 4})
    adjust = estimate(f, "y", strata="s", weights="w")
    remove = estimate(f, "y", strata="s", weights="w", lonely_psu="remove")
    assert np.isfinite(adjust.se) and adjust.se > remove.se > 0


def test_missing_values_are_a_domain():
    f = _stratified_clusters()
    g = f.assign(y=f["y"].where(f.index % 7 != 0))
    a = estimate(g, "y", strata="stratum", cluster="village", weights="w")
    b = estimate(f, "y", strata="stratum", cluster="village", weights="w", domain=f.index % 7 != 0)
    assert a.estimate == pytest.approx(b.estimate) and a.se == pytest.approx(b.se)
    with pytest.raises(AuditError):
        estimate(g, "y", strata="stratum", weights="w", dropna=False)


def test_design_variance_is_vectorised_over_columns():
    f = _stratified_clusters()
    d = Design(f, "stratum", "w", None, "village")
    z = np.column_stack([f["y"] * f["w"], f["people"] * f["w"]])
    v = d.variance(z)
    assert v.shape == (2,)
    assert v[0] == pytest.approx(estimate(f, "y", "total", "stratum", "w", None, "village").se ** 2)


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"y": "nope"}, "nope"),
        ({"y": "x", "strata": "stratid", "fpc": "bad_fpc"}, "bad_fpc"),
        ({"y": "x", "strata": "stratid", "fpc": "small"}, "small"),
        ({"y": "x", "weights": "zero"}, "zero"),
    ],
)
def test_errors_name_the_column(fpc_example, kwargs, column):
    f = fpc_example.assign(bad_fpc=np.arange(8) + 20, small=2, zero=0.0)
    with pytest.raises(AuditError) as err:
        estimate(f, **kwargs)
    assert err.value.column == column
    assert "列" in err.value.zh


def test_bad_kind_and_ratio_without_denominator(fpc_example):
    with pytest.raises(AuditError):
        estimate(fpc_example, "x", kind="median")
    with pytest.raises(AuditError):
        estimate(fpc_example, "x", kind="ratio")
    with pytest.raises(AuditError):
        estimate(fpc_example, "x", kind="proportion")  # not 0/1
