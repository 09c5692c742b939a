"""Demo history of the 100-day campaign: weekly runs, township returns, problem and project status.

:func:`weekly_snapshots` starts from the findings of the Dataset (week 1, the
reference date) and simulates the weeks after it, deterministically from the seed:

- **Townships have a pace** (:data:`PROFILES`): *ahead* (fix everything by 60–75 %
  of the time to each deadline), *on pace* (85–95 %) or *behind* (130–170 %, and a
  few items never fixed). Each rectification unit (household × rule, or village ×
  rule: the rows of 一户一策) gets a fix day drawn uniformly up to its township's
  factor × the days to its deadline (10 days for insurance, 30 April for 户籍,
  30 June otherwise; monitoring warnings twice as slow): a straight burn-down.
- **Reopened items**: about 1 % of the units fixed early come back two to three
  weeks later and are fixed again.
- **Returns**: after every run each township returns the units it fixed before
  the next run (是, with the fix date and the person responsible) for 85 % of its
  fixes, plus a few 否 rows; the rest are found fixed by the next run alone.
- **Planted false claims**: a few units are reported fixed (是) although they are
  not; the next run still finds them. :attr:`History.truth` lists them, so a test
  can check that "reported fixed but still found" is exactly this list.
- **Problems and projects**: the 25 problems are rectified and the projects start
  and finish at their township's pace.

The simulation is vectorised over findings and units; the only loop is over weeks.
:func:`write_history` writes the weeks as files (``week_NN/``: findings, problems,
projects and the filled returns as Parquet); :func:`audit.tracking.load_history`
loads them into a ledger.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audit.rules.registry import RULES
from audit.synth.names import given_names, surnames
from audit.tracking.items import deadlines, in_scope, rule_attributes
from audit.tracking.returns import return_rows

__all__ = [
    "PROFILES",
    "History",
    "Week",
    "build_demo_history",
    "weekly_snapshots",
    "write_history",
]

#: Township pace profiles: (share of townships, factor range, share of units never fixed).
PROFILES = {
    "ahead": (0.4, (0.60, 0.75), 0.0),
    "on_pace": (0.3, (0.85, 0.95), 0.0),
    "behind": (0.3, (1.30, 1.70), 0.04),
}
CLAIM_SHARE = 0.85  # share of real fixes a township reports in its return
NO_ROWS_SHARE = 0.02  # share of open units reported 否 (in progress)
REOPEN_SHARE = 0.01
_STREAMS = ("pace", "units", "reopen", "claims", "false", "names", "problems", "projects")


@dataclass(frozen=True)
class Week:
    """One week: the run's findings and status tables, and the returns sent after it."""

    week: int
    run_id: str
    as_of: dt.date
    findings: pd.DataFrame
    returns: pd.DataFrame  # return rows (audit.tracking.return_rows) filled in, all townships
    reported_on: dt.date
    problems: pd.DataFrame
    projects: pd.DataFrame


@dataclass(frozen=True)
class History:
    """The weeks, the township names, and the truth (pace profiles, planted false claims)."""

    weeks: list[Week]
    township_names: dict[str, str]
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)


def _paces(rng, townships: pd.DataFrame) -> pd.DataFrame:
    """Give each township a profile and a pace factor drawn in the profile's range.

    At least one township is behind (and one on pace) when there are two (three) or more.
    """
    codes = townships["township_code"].astype(str).to_numpy()
    n = len(codes)
    behind = max(1, round(PROFILES["behind"][0] * n)) if n >= 2 else 0
    on_pace = max(1, round(PROFILES["on_pace"][0] * n)) if n >= 3 else 0
    rank = rng.permutation(n)
    profile = np.where(rank < behind, "behind", np.where(rank < behind + on_pace, "on_pace",
                                                         "ahead"))  # fmt: skip
    lo = np.array([PROFILES[p][1][0] for p in profile])
    hi = np.array([PROFILES[p][1][1] for p in profile])
    return pd.DataFrame({
        "township_code": codes,
        "name": townships["name"].astype(str).to_numpy(),
        "profile": profile,
        "factor": lo + (hi - lo) * rng.random(n),
        "never_share": np.array([PROFILES[p][2] for p in profile]),
    })  # fmt: skip


def _rectify(rows: pd.DataFrame) -> np.ndarray:
    """Which units are rectification items (not monitoring warnings)."""
    severity = rows["rule_id"].astype(str).map({k: r.severity for k, r in RULES.items()})
    return in_scope(rows.assign(severity=severity)).to_numpy()


def _units(rng, rows: pd.DataFrame, pace: pd.DataFrame, start: dt.date, settings):
    """Draw each unit's fix day, and the reopen and second fix days (days from ``start``)."""
    keys = rule_attributes().set_index("rule_id")["deadline_key"]
    span = {k: max((d - start).days, 7) for k, d in deadlines(settings).items()}
    p = pace.set_index("township_code").reindex(rows["township_code"].astype(str))
    days = rows["rule_id"].astype(str).map(keys).map(span).to_numpy(dtype=float)
    days = days * np.where(_rectify(rows), 1.0, 2.0)  # monitoring warnings move slowly
    n = len(rows)
    fix = np.ceil(p["factor"].to_numpy() * days * rng.random(n)).clip(1)
    fix[rng.random(n) < p["never_share"].to_numpy()] = np.inf
    reopen = np.full(n, np.inf)
    refix = np.full(n, np.inf)
    early = np.flatnonzero(fix < 60)
    chosen = early[rng.random(len(early)) < REOPEN_SHARE]
    reopen[chosen] = fix[chosen] + rng.integers(14, 22, len(chosen))
    refix[chosen] = reopen[chosen] + rng.integers(7, 30, len(chosen))
    return fix, reopen, refix


def _present(fix, reopen, refix, t: int) -> np.ndarray:
    return (t <= fix) | ((reopen <= t) & (t <= refix))


def _problems(rng, problems: pd.DataFrame, pace: pd.DataFrame, start: dt.date, weeks: int):
    factor = problems["township_code"].astype(str).map(pace.set_index("township_code")["factor"])
    span = (problems["deadline"] - pd.Timestamp(start)).dt.days.clip(lower=7).to_numpy()
    day = np.ceil(factor.fillna(1.0).to_numpy() * span * rng.random(len(problems))).clip(1)
    done = problems["status"].astype(str).eq("已整改").to_numpy()
    busy = problems["status"].astype(str).eq("整改中").to_numpy()
    out = []
    for k in range(weeks):
        t = 7 * k
        fixed = ~done & (day <= t)
        status = np.where(done | fixed, "已整改",
                          np.where(busy | (t >= day / 2), "整改中", "未整改"))  # fmt: skip
        rect = problems["rectified_date"].to_numpy("datetime64[us]").copy()
        rect[fixed] = np.datetime64(start) + day[fixed].astype("timedelta64[D]")
        out.append(problems.assign(status=status, rectified_date=rect))
    return out


def _projects(rng, projects: pd.DataFrame, pace: pd.DataFrame, start: dt.date, weeks: int):
    factor = projects["township_code"].astype(str).map(pace.set_index("township_code")["factor"])
    factor = factor.fillna(1.0).to_numpy()
    n = len(projects)
    s0 = np.datetime64(start, "D")
    delay = (rng.exponential(8.0, n) * factor - 4).round().astype("timedelta64[D]")
    planned = projects["planned_start"].to_numpy("datetime64[D]")
    begin = np.maximum(planned + delay, s0 + rng.integers(1, 21, n).astype("timedelta64[D]"))
    begin = np.where(rng.random(n) < 0.08 * factor, np.datetime64("NaT"), begin)
    actual = projects["actual_start"].to_numpy("datetime64[D]")
    begin = np.where(np.isnat(actual), begin, actual)
    slip = (rng.integers(-10, 30, n) * factor).round().astype("timedelta64[D]")
    finish = projects["planned_end"].to_numpy("datetime64[D]") + slip
    done0 = projects["status"].astype(str).eq("已完工").to_numpy()
    out = []
    for k in range(weeks):
        t = s0 + np.timedelta64(7 * k, "D")
        started = ~np.isnat(begin) & (begin <= t)
        finished = done0 | (started & (finish <= t))
        status = np.where(finished, "已完工", np.where(started, "已开工", "未开工"))
        out.append(projects.assign(
            status=status,
            actual_start=np.where(started, begin, np.datetime64("NaT")).astype("datetime64[us]"),
        ))  # fmt: skip
    return out


def weekly_snapshots(dataset, weeks: int, seed: int, *, settings=None,
                     findings: pd.DataFrame | None = None) -> History:  # fmt: skip
    """Simulate ``weeks`` weekly runs of the campaign from a Dataset.

    Parameters
    ----------
    dataset : Dataset
        Week 1 is this Dataset as of its reference date.
    weeks : int
        Number of weekly runs (14 covers 25 March to 24 June).
    seed : int
    settings : Settings, optional
    findings : DataFrame, optional
        :func:`audit.rules.run` of the Dataset, when already computed.

    Returns
    -------
    History
        ``truth["false_claims"]`` (planted: ``week, township_code, household_id,
        village_code, rule_id, fixed_date``) and ``truth["pace"]`` (per township:
        profile and factor).
    """
    from audit import rules
    from audit.settings import load_settings

    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    settings = settings or load_settings()
    findings = rules.run(dataset, settings) if findings is None else findings
    rng = dict(zip(_STREAMS, map(np.random.default_rng,
                                 np.random.SeedSequence([seed, 2024]).spawn(len(_STREAMS))),
                   strict=True))  # fmt: skip
    start = settings.audit.reference_date
    names = dict(zip(dataset.townships["township_code"].astype(str),
                     dataset.townships["name"].astype(str), strict=True))  # fmt: skip
    pace = _paces(rng["pace"], dataset.townships)
    rows = return_rows(findings, settings, names, scope="all")
    unit_key = rows["household_id"].fillna("V" + rows["village_code"]) + "|" + rows["rule_id"]
    f_unit = findings["household_id"].astype("str").fillna("V" + findings["village_code"])
    f_idx = pd.Index(unit_key).get_indexer(f_unit + "|" + findings["rule_id"].astype(str))
    fix, reopen, refix = _units(rng["units"], rows, pace, start, settings)
    n = len(rows)
    people = pd.Series(surnames(rng["names"], len(pace))).str.cat(
        given_names(rng["names"], rng["names"].random(len(pace)) < 0.7))  # fmt: skip
    person = rows["township_code"].map(dict(zip(pace["township_code"], people, strict=True)))
    claim_draw = rng["claims"].random((weeks, n))
    false_weeks = rng["false"].integers(0, max(weeks - 1, 1), n)
    false_pick = np.zeros(n, bool)
    if weeks > 1:  # a false claim needs a later run to contradict it
        candidates = np.flatnonzero(_rectify(rows) & np.isinf(reopen)
                                    & (fix >= 7 * (false_weeks + 1)))  # fmt: skip
        k = min(len(candidates), max(3, n // 1000))
        false_pick[rng["false"].choice(candidates, k, replace=False)] = True
    problems = _problems(rng["problems"], dataset.problems, pace, start, weeks)
    projects = _projects(rng["projects"], dataset.projects, pace, start, weeks)
    out, planted = [], []
    for w in range(weeks):
        t, t_next = 7 * w, 7 * (w + 1)
        present = _present(fix, reopen, refix, t)
        fixed_now = present & (((t <= fix) & (fix < t_next)) | ((t <= refix) & (refix < t_next)))
        fix_day = np.where((t <= fix) & (fix < t_next), fix, refix)
        claimed = fixed_now & (claim_draw[w] < CLAIM_SHARE)
        false_now = false_pick & (false_weeks == w) & present
        fix_day = np.where(false_now, t + 1 + (claim_draw[w] * 5).astype(int), fix_day)
        no_rows = present & ~fixed_now & ~false_now & (claim_draw[w] > 1 - NO_ROWS_SHARE)
        show = claimed | false_now | no_rows
        day = pd.to_timedelta(np.where(show & ~no_rows, fix_day, 0), unit="D")
        ret = rows[show].assign(
            fixed=np.where(no_rows[show], "否", "是"),
            fixed_date=(pd.Timestamp(start) + day[show]).where(~no_rows[show]),
            person=person[show],
            note=np.where(no_rows[show], "正在办理", ""),
        )
        planted.append(rows.loc[false_now, ["township_code", "household_id", "village_code",
                                            "rule_id"]].assign(week=w + 1,
                       fixed_date=pd.Timestamp(start) + pd.to_timedelta(fix_day[false_now],
                                                                        unit="D")))  # fmt: skip
        as_of = start + dt.timedelta(days=t)
        out.append(Week(
            week=w + 1, run_id=f"第{w + 1:02d}周", as_of=as_of,
            findings=findings[present[f_idx]].reset_index(drop=True), returns=ret,
            reported_on=as_of + dt.timedelta(days=6), problems=problems[w], projects=projects[w],
        ))  # fmt: skip
    truth = {"false_claims": pd.concat(planted, ignore_index=True), "pace": pace}
    return History(out, names, truth)


def write_history(history: History, out: str | Path) -> Path:
    """Write a History as files: ``week_NN/`` folders and ``truth/``.

    Layout::

        history.json                 weeks, run ids, dates, township names
        week_NN/findings.parquet     the run's findings
        week_NN/problems.parquet     problem status at the run
        week_NN/projects.parquet     project status at the run
        week_NN/returns.parquet      the filled returns sent after the run (all
                                     townships; the rows of the 一户一策 workbook)
        truth/false_claims.parquet, truth/pace.parquet

    The returns are kept as one table per week rather than 15 workbooks: writing
    and reading ~200 workbooks would cost about a minute per demo for no more
    information (the workbook round trip is tested on its own).

    Returns
    -------
    Path
        The folder written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = {"township_names": history.township_names, "weeks": []}
    for w in history.weeks:
        folder = out / f"week_{w.week:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        w.findings.to_parquet(folder / "findings.parquet", index=False)
        w.problems.to_parquet(folder / "problems.parquet", index=False)
        w.projects.to_parquet(folder / "projects.parquet", index=False)
        w.returns.to_parquet(folder / "returns.parquet", index=False)
        index["weeks"].append({"week": w.week, "run_id": w.run_id, "as_of": str(w.as_of),
                               "reported_on": str(w.reported_on),
                               "folder": folder.name})  # fmt: skip
    (out / "truth").mkdir(exist_ok=True)
    for name, frame in history.truth.items():
        frame.to_parquet(out / "truth" / f"{name}.parquet", index=False)
    (out / "history.json").write_text(json.dumps(index, ensure_ascii=False, indent=2),
                                      encoding="utf-8")  # fmt: skip
    return out


def build_demo_history(dataset, out: str | Path, weeks: int, seed: int, *, settings=None,
                       findings: pd.DataFrame | None = None) -> dict:  # fmt: skip
    """Simulate, write and load a demo history: ``<out>/history/`` and ``<out>/ledger.sqlite``.

    What ``audit synth --weeks W`` does after saving the Dataset in ``out``.

    Returns
    -------
    dict
        ``history`` (folder), ``ledger`` (file), ``false_claims`` (number planted) and
        the counts of :func:`audit.tracking.load_history`.
    """
    from audit.tracking import LEDGER_FILE, load_history

    out = Path(out)
    history = weekly_snapshots(dataset, weeks, seed, settings=settings, findings=findings)
    folder = write_history(history, out / "history")
    loaded = load_history(folder, out / LEDGER_FILE, settings=settings)
    return {"history": folder, "ledger": out / LEDGER_FILE,
            "false_claims": len(history.truth["false_claims"]), **loaded}  # fmt: skip
