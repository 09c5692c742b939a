"""``audit run`` over many counties: every township of every county as one task, one run folder.

A province (or city) run over a partitioned Dataset with several counties:

1. the rules on the cluster (:func:`audit.scale.check_dask`): the province's
   findings, ID-03 across counties, ``findings.parquet`` and the check
   workbooks at the top of the run;
2. one task per county on the cluster: a *county view* of the data
   (``counties/<code>-<name>/data/dataset.json``, no copy), the county-wide
   results of :func:`audit.runner.compute_artifacts` from the province's
   findings of that county (sample, 三率一度, statuses), the townships' Excel
   work lists, the report headers and each township's verdict;
3. every township report of every county and each county's reports, one
   notebook task each, all submitted together to the cluster;
4. ``province/summary.html`` and ``summary.xlsx``: each county and township
   with its verdict (the traffic light of its own report), registered
   households, failing households, 错退率/漏评率 and a link to its report.

Folders::

    <run>/manifest.json, findings.parquet, 规则统计.xlsx, findings/<county>.xlsx
    <run>/province/summary.html, summary.xlsx
    <run>/counties/<code>-<name>/report.html, data_quality.html, sample_design.html,
                                 data/ (the view), *.parquet (that county's results)
    <run>/townships/<code>-<name>/report.html, 问题清单.xlsx, 一户一策.xlsx, 入户核查名单.xlsx

Each county's sample and estimates are its own (the census judges counties), so
a county's reports read as they would in a one-county run, except that ID-03
also finds its people registered in another county.
"""

from __future__ import annotations

import datetime as dt
import time
import types
from pathlib import Path

import pandas as pd

from audit.dataset import _read_meta
from audit.fsutil import staging_dir, unit_folder
from audit.partitions import is_partitioned, partitions

__all__ = ["is_province", "run_province"]

METRICS = {"wrong_exit_rate": "错退率", "missed_poor_rate": "漏评率",
           "poverty_incidence": "综合贫困发生率", "approval": "群众认可度"}  # fmt: skip


def is_province(data_dir) -> bool:
    """True for a partitioned Dataset (or view) holding more than one county."""
    if not is_partitioned(data_dir):
        return False
    return len({p["county_code"] for p in partitions(data_dir)}) > 1


def _verdict(metrics: pd.DataFrame, failing: int) -> str:
    from audit.report.tables import worst

    return worst(list(metrics["verdict"]) + (["风险"] if failing else []))


def _row(metrics: pd.DataFrame, status: pd.DataFrame) -> dict:
    failing = int((status["census"] == "fail").sum())
    m = metrics.set_index("metric")
    row = {"verdict": _verdict(metrics, failing), "registered": len(status), "failing": failing,
           "wrong_exit": int(status["wrong_exit"].sum())}  # fmt: skip
    for key in METRICS:
        row[key] = m["estimate"].get(key) if key in m.index else None
    return row


def county_stage(root: str, county: str, name: str, tmp: str, selected: list[str], seed: int,
                 as_of: str, run_id: str) -> dict:  # fmt: skip
    """Prepare one county of a province run (runs on a worker).

    Writes the county view and the county's results into
    ``counties/<code>-<name>/``, the work lists of the selected townships into
    ``townships/``; returns the report headers and the verdict rows.
    """
    from audit.dataset import load_dataset
    from audit.partitions import write_county_view
    from audit.report.context import _settings, header_fields
    from audit.report.worklists import write_township_worklists
    from audit.runner.artifacts import compute_artifacts

    t0 = time.perf_counter()
    tmp = Path(tmp)
    folder = tmp / "counties" / unit_folder(county, name)
    view = write_county_view(root, county, folder / "data")
    ds = load_dataset(view)
    settings = _settings(ds)
    towns = list(ds.townships["township_code"])
    findings = pd.read_parquet(tmp / "findings.parquet", filters=[("township_code", "in", towns)])
    for col in ("rule_id", "group", "severity", "outcome"):
        findings[col] = findings[col].astype(str).astype("category")
    artifacts = compute_artifacts(ds, settings, seed, findings=findings)
    artifacts.save(folder)
    date = dt.date.fromisoformat(as_of) if as_of else settings.audit.reference_date
    names = ds.townships.set_index("township_code")["name"].to_dict()
    for code in selected:
        folder_t = tmp / "townships" / unit_folder(code, names[code])
        write_township_worklists(ds.subset([code]), artifacts, code, folder_t, settings, date)
    by = artifacts.estimates_by_township.assign(
        township_code=artifacts.estimates_by_township["township_code"].astype(str)
    )
    status = artifacts.status.assign(township_code=artifacts.status["township_code"].astype(str))
    rows = [
        {"county_code": county, "county": name, "township_code": code, "township": names[code],
         **_row(by[by["township_code"] == code], status[status["township_code"] == code])}
        for code in towns
    ]  # fmt: skip
    return {
        "county_code": county,
        "name": name,
        "view": str(view),
        "folder": str(folder),
        "township_names": names,
        "headers": {c: header_fields(ds, c, date, run_id, settings) for c in selected},
        "county_header": header_fields(ds, "", date, run_id, settings),
        "county_row": {
            "county_code": county,
            "county": name,
            "townships": len(towns),
            "findings": len(findings),
            **_row(artifacts.estimates, status),
        },
        "township_rows": rows,
        "seconds": time.perf_counter() - t0,
    }


def _notebook_tasks(stage: dict, tmp: Path, selected: list[str], params: dict) -> list[dict]:
    from audit.runner.run import COUNTY_NOTEBOOKS, NOTEBOOK_DIR, TOWNSHIP_NOTEBOOK

    folder, names = Path(stage["folder"]), stage["township_names"]
    common = {**params, "data_dir": stage["view"], "out_dir": str(folder)}
    tasks = []
    for code in selected:
        label = unit_folder(code, names[code])
        tasks.append({
            "name": code,
            "notebook": str(NOTEBOOK_DIR / TOWNSHIP_NOTEBOOK),
            "output": str(tmp / "notebooks" / f"{label}.ipynb"),
            "html": str(tmp / "townships" / label / "report.html"),
            "header": stage["headers"][code],
            "parameters": {**common, "township_code": code},
            "log": str(tmp / "logs" / f"{code}.log"),
        })  # fmt: skip
    county = f"{stage['county_code']}-{stage['name']}"
    for nb in COUNTY_NOTEBOOKS:
        stem = nb.removesuffix(".ipynb")
        main = stem == "county_report"
        tasks.append({
            "name": stage["county_code"] if main else f"{stage['county_code']}:{stem}",
            "notebook": str(NOTEBOOK_DIR / nb),
            "output": str(tmp / "notebooks" / county / nb),
            "html": str(folder / ("report.html" if main else f"{stem}.html")),
            "header": stage["county_header"],
            "parameters": {**common, "township_code": ""},
            "log": str(tmp / "logs" / f"{stage['county_code']}-{stem}.log"),
        })  # fmt: skip
    return tasks


def _selected(lazy, townships) -> list[str]:
    from audit.runner.run import resolve_townships

    present = {p["township_code"] for p in lazy.partitions}
    towns = lazy.townships[lazy.townships["township_code"].isin(present)]
    if not townships:
        return sorted(towns["township_code"])
    return resolve_townships(types.SimpleNamespace(townships=towns), townships)


def run_province(data_dir, out, *, townships=None, workers=None, scheduler=None, seed=None,
                 as_of=None, run_id=None, progress=True):  # fmt: skip
    """Run the audit over a partitioned Dataset of several counties (see the module docstring).

    Parameters are those of :func:`audit.runner.run_audit`; the work always goes
    to Dask: ``scheduler`` (an address or a client), else a LocalCluster of
    ``workers`` processes.

    Returns
    -------
    audit.runner.RunResult
        ``manifest["reports"]`` is keyed by township code, county code (county
        report) and ``<county>:<notebook>`` (the county's other reports).
    """
    from audit.report.context import _settings
    from audit.runner.manifest import (
        environment_lock,
        file_sha256,
        git_commit,
        package_versions,
        write_manifest,
    )
    from audit.runner.parameters import NOTEBOOK_DIR, reject_unknown
    from audit.runner.run import TOWNSHIP_NOTEBOOK, RunResult, _execute
    from audit.scale.cluster import dask_client
    from audit.scale.engine import check_dask
    from audit.scale.lazy import open_lazy
    from audit.scale.summary import write_summary

    t_start = time.perf_counter()
    data_dir, out = Path(data_dir).resolve(), Path(out).resolve()
    lazy = open_lazy(data_dir)
    meta = _read_meta(data_dir)
    codes = _selected(lazy, townships)
    counties = {c["county_code"]: c["county_name"] for c in meta["counties"]}
    chosen = sorted({c[:6] for c in codes})
    seed = int(seed if seed is not None else (meta.get("generator") or {}).get("seed", 20240325))
    run_id = run_id or out.name
    as_of = as_of or str(meta.get("reference_date") or "")
    reject_unknown(
        NOTEBOOK_DIR / TOWNSHIP_NOTEBOOK,
        {"township_code": "", "data_dir": "", "out_dir": "", "run_id": "", "seed": 0, "as_of": ""},
    )
    settings = _settings(types.SimpleNamespace(meta=meta))
    timings = {}
    with staging_dir(out, inputs=[data_dir], suffix="partial-") as tmp:
        with dask_client(scheduler, workers) as client:
            t = time.perf_counter()
            check = check_dask(data_dir, tmp, settings, scheduler=client, progress=progress)
            timings["rules"] = time.perf_counter() - t
            t = time.perf_counter()
            futures = [
                client.submit(county_stage, str(lazy.root), c, counties[c], str(tmp),
                              [x for x in codes if x[:6] == c], seed, as_of, run_id, pure=False)
                for c in chosen
            ]  # fmt: skip
            stages = client.gather(futures)
            timings["counties"] = time.perf_counter() - t
            params = {"run_id": run_id, "seed": seed, "as_of": as_of}
            tasks = [
                task
                for s in stages
                for task in _notebook_tasks(
                    s, tmp, [x for x in codes if x[:6] == s["county_code"]], params
                )
            ]
            t = time.perf_counter()
            results = _execute(tasks, workers or 1, client, progress)
            timings["reports"] = time.perf_counter() - t
        reports = {r["name"]: {k: v for k, v in r.items() if k != "name"} for r in results}
        write_summary(tmp, stages, reports, run_id)
        timings["total"] = time.perf_counter() - t_start
        manifest = {
            "run_id": run_id,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "data_dir": str(data_dir),
            "dataset_fingerprint": meta.get("fingerprint"),
            "inputs": {
                str(p.relative_to(lazy.root)): file_sha256(p)
                for p in sorted(lazy.root.rglob("*.parquet"))
            },
            "settings": settings.to_dict(),
            "seed": seed,
            "as_of": as_of,
            "province": True,
            "counties": chosen,
            "townships": codes,
            "duplicated_ids": check["duplicated_ids"],
            "packages": package_versions(),
            "environment_lock": environment_lock(),
            "git_commit": git_commit(),
            "timings": timings,
            "reports": reports,
        }
        write_manifest(tmp / "manifest.json", manifest)
    return RunResult(out, manifest)
