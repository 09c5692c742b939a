"""Benchmark: the rectification ledger on the demo county.

1. One county run: record the ~30,000 findings of `audit.rules.run(audit.synth.generate())`
   (with the county's 25 problems and 275 projects) in a fresh ledger, then compute every
   burn-down (county, 15 townships, departments, indicators; three deadlines) with its
   forecast. Target: under 5 s together.
2. Fourteen weekly runs accumulated (`audit.synth.history.weekly_snapshots`, 14 weeks): each
   week, record the run, ingest the 15 township returns, compute all burn-downs. Per-run
   cost of run 1 against run 14: recording must stay flat, the burn-downs (which read the
   whole history) may grow at most linearly.
3. The status of every item and the "reported fixed but still found" list after 14 weeks.

    .venv/bin/python benchmarks/bench_tracking.py [--repeat N]
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd


def _timed(func, *args, **kwargs):
    t = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t


def one_run(ds, findings, settings, folder: Path) -> dict:
    from audit.tracking import Ledger, burndowns

    with Ledger(folder / "one.sqlite") as ledger:
        fingerprint, t_fp = _timed(ds.fingerprint)
        as_of = settings.audit.reference_date
        _, t_rec = _timed(ledger.record_run, "第01周", as_of, findings, dataset=ds,
                          settings=settings, dataset_fingerprint=fingerprint)  # fmt: skip
        (series, fc), t_bd = _timed(burndowns, ledger, settings)
    return {"fingerprint": t_fp, "record": t_rec, "burndowns": t_bd, "series": len(fc),
            "points": len(series)}  # fmt: skip


def weekly(ds, findings, settings, folder: Path, weeks: int = 14) -> dict:
    from audit.synth.history import weekly_snapshots
    from audit.tracking import (
        Ledger,
        burndowns,
        claims_contradicted,
        claims_from_rows,
        finding_status,
        ingest_claims,
    )

    history, t_hist = _timed(weekly_snapshots, ds, weeks, 20240325, settings=settings,
                             findings=findings)  # fmt: skip
    per_week = []
    with Ledger(folder / "weekly.sqlite") as ledger:
        for w in history.weeks:
            _, t_rec = _timed(ledger.record_run, w.run_id, w.as_of, w.findings, settings=settings,
                              problems=w.problems, projects=w.projects,
                              township_names=history.township_names)  # fmt: skip
            t = time.perf_counter()
            claims = claims_from_rows(w.returns)
            claims["row"] = claims.groupby("township_code").cumcount() + 1
            for code, rows in claims.groupby("township_code"):
                ingest_claims(ledger, rows, source=f"{code}-{w.run_id}", township_code=code,
                              reported_on=w.reported_on)  # fmt: skip
            t_ret = time.perf_counter() - t
            _, t_bd = _timed(burndowns, ledger, settings)
            per_week.append({"week": w.week, "findings": len(w.findings),
                             "claims": len(w.returns), "record": t_rec, "returns": t_ret,
                             "burndowns": t_bd})  # fmt: skip
        status, t_status = _timed(finding_status, ledger)
        contradicted, t_contra = _timed(claims_contradicted, ledger)
        observations = len(ledger.observations())
    size = (folder / "weekly.sqlite").stat().st_size
    return {"simulate": t_hist, "weeks": pd.DataFrame(per_week), "status": t_status,
            "contradicted": t_contra, "n_contradicted": len(contradicted),
            "planted": len(history.truth["false_claims"]), "items": len(status),
            "observations": observations, "size_mb": size / 1e6}  # fmt: skip


def constant(ds, findings, settings, folder: Path, weeks: int = 14) -> pd.DataFrame:
    """Worst case: the full county's findings recorded every week (nothing ever fixed)."""
    from audit.tracking import Ledger, burndowns

    out = []
    with Ledger(folder / "constant.sqlite") as ledger:
        for k in range(weeks):
            as_of = settings.audit.reference_date + pd.Timedelta(days=7 * k)
            _, t_rec = _timed(ledger.record_run, f"w{k + 1}", as_of, findings, settings=settings,
                              problems=ds.problems, projects=ds.projects)  # fmt: skip
            _, t_bd = _timed(burndowns, ledger, settings)
            out.append({"week": k + 1, "record": t_rec, "burndowns": t_bd})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from audit import rules, synth
    from audit.settings import load_settings

    settings = load_settings()
    ds, t_gen = _timed(synth.generate)
    findings, t_rules = _timed(rules.run, ds, settings)
    print(f"demo county: generate {t_gen:.1f} s, rules {t_rules:.1f} s, "
          f"{len(findings):,} findings\n")  # fmt: skip
    ones, weeklies, constants = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            ones.append(one_run(ds, findings, settings, Path(tmp)))
            weeklies.append(weekly(ds, findings, settings, Path(tmp)))
            constants.append(constant(ds, findings, settings, Path(tmp)))
    med = {k: statistics.median(o[k] for o in ones) for k in ("fingerprint", "record",
                                                               "burndowns")}  # fmt: skip
    print("## one county run")
    print(f"dataset fingerprint {med['fingerprint']:.2f} s; record {med['record']:.2f} s; "
          f"all burn-downs {med['burndowns']:.2f} s ({ones[0]['series']} series, "
          f"{ones[0]['points']} points); record + burn-downs "
          f"{med['record'] + med['burndowns']:.2f} s; with the fingerprint "
          f"{sum(med.values()):.2f} s")  # fmt: skip
    w = weeklies[0]
    table = pd.concat([x["weeks"] for x in weeklies]).groupby("week").median()
    print("\n## 14 weekly runs")
    print(f"simulate 14 weeks {w['simulate']:.2f} s")
    print("| week | findings | claims | record (s) | 15 returns (s) | all burn-downs (s) |")
    print("|---|---|---|---|---|---|")
    for week, r in table.iterrows():
        print(f"| {week} | {r['findings']:,.0f} | {r['claims']:,.0f} | {r['record']:.3f} "
              f"| {r['returns']:.3f} | {r['burndowns']:.3f} |")  # fmt: skip
    first, last = table.iloc[0], table.iloc[-1]
    for col in ("record", "returns", "burndowns"):
        print(f"{col}: run 1 {first[col]:.3f} s, run 14 {last[col]:.3f} s, "
              f"ratio {last[col] / first[col]:.2f}")  # fmt: skip
    per = 1e6 * table["record"] / table["findings"]
    print(f"record per finding: run 1 {per.iloc[0]:.1f} µs, run 14 {per.iloc[-1]:.1f} µs")
    const = pd.concat(constants).groupby("week").median()
    print("\n## worst case: 29,625 findings recorded every week for 14 weeks")
    print("| week | record (s) | all burn-downs (s) |")
    print("|---|---|---|")
    for week, r in const.iterrows():
        print(f"| {week} | {r['record']:.3f} | {r['burndowns']:.3f} |")
    for col in ("record", "burndowns"):
        print(f"{col}: run 1 {const[col].iloc[0]:.3f} s, run 14 {const[col].iloc[-1]:.3f} s, "
              f"ratio {const[col].iloc[-1] / const[col].iloc[0]:.2f}")  # fmt: skip
    print(f"after 14 weeks: {w['items']:,} items, {w['observations']:,} observations, "
          f"ledger {w['size_mb']:.1f} MB; status of every item {w['status']:.2f} s; "
          f"reported fixed but still found {w['contradicted']:.2f} s "
          f"({w['n_contradicted']} found, {w['planted']} planted)")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:,.0f} MB; {platform.machine()}, Python {platform.python_version()}, "
          f"pandas {pd.__version__}, SQLite {__import__('sqlite3').sqlite_version}")  # fmt: skip


if __name__ == "__main__":
    main()
