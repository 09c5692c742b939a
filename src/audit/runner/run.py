"""Run the audit: the county-wide results, one report notebook per township, the county report.

The run is written into a temporary folder next to its destination and renamed
into place at the end, ``manifest.json`` last, so an interrupted run never
leaves a folder that looks complete. Townships run on a process pool (one
worker per core by default) or, with ``scheduler``, on a Dask cluster; a
township that fails is recorded and the others finish. An interruption
(Ctrl-C, or SIGTERM while a run is in progress) cancels the townships not yet
started, stops the workers with their kernels and removes the temporary folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from audit.dataset import load_dataset
from audit.fsutil import staging_dir, unit_folder
from audit.runner.artifacts import compute_artifacts
from audit.runner.manifest import (
    environment_lock,
    file_sha256,
    git_commit,
    package_versions,
    write_manifest,
)
from audit.runner.parameters import NOTEBOOK_DIR, ParameterError, parse_as_of, reject_unknown

__all__ = ["RunResult", "resolve_townships", "run_audit"]

TOWNSHIP_NOTEBOOK = "township_report.ipynb"
COUNTY_NOTEBOOKS = ("county_report.ipynb", "data_quality.ipynb", "sample_design.ipynb")


@dataclass(frozen=True)
class RunResult:
    """Where a run went and how each report fared."""

    path: Path
    manifest: dict

    @property
    def failed(self) -> list[str]:
        """Names of the reports that failed."""
        return [k for k, v in self.manifest["reports"].items() if v["status"] != "ok"]


def resolve_townships(dataset, wanted) -> list[str]:
    """Turn township codes or names into codes; an unknown one is a ParameterError."""
    towns = dataset.townships
    by_name = dict(zip(towns["name"], towns["township_code"], strict=True))
    codes = set(towns["township_code"])
    out = []
    for w in wanted:
        w = str(w).strip()
        code = w if w in codes else by_name.get(w)
        if code is None:
            raise ParameterError(
                f"没有名为或代码为「{w}」的乡镇；可选：{'、'.join(towns['name'])}",
                f"no township named or coded {w!r}",
                parameter="--township",
            )
        out.append(code)
    return sorted(set(out))


def _tasks(data_dir, tmp, run_id, seed, as_of, codes, names, headers) -> list[dict]:
    params = {
        "data_dir": str(data_dir),
        "out_dir": str(tmp),
        "run_id": run_id,
        "seed": seed,
        "as_of": as_of,
    }
    tasks = []
    for code in codes:
        tasks.append(
            {
                "name": code,
                "notebook": str(NOTEBOOK_DIR / TOWNSHIP_NOTEBOOK),
                "output": str(tmp / "notebooks" / f"{unit_folder(code, names[code])}.ipynb"),
                "html": str(tmp / "townships" / unit_folder(code, names[code]) / "report.html"),
                "header": headers[code],
                "parameters": {**params, "township_code": code},
                "log": str(tmp / "logs" / f"{code}.log"),
            }
        )
    return tasks


def _county_tasks(data_dir, tmp, run_id, seed, as_of, header) -> list[dict]:
    params = {
        "township_code": "",
        "data_dir": str(data_dir),
        "out_dir": str(tmp),
        "run_id": run_id,
        "seed": seed,
        "as_of": as_of,
    }
    out = []
    for nb in COUNTY_NOTEBOOKS:
        stem = nb.removesuffix(".ipynb")
        out.append(
            {
                "name": "county" if stem == "county_report" else stem,
                "notebook": str(NOTEBOOK_DIR / nb),
                "output": str(tmp / "notebooks" / nb),
                "html": str(
                    tmp / "county" / ("report.html" if stem == "county_report" else f"{stem}.html")
                ),
                "header": header,
                "parameters": params,
                "log": str(tmp / "logs" / f"{stem}.log"),
            }
        )
    return out


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the tasks not started and stop the workers (each kills its kernel first)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(OSError, ValueError):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            proc.join(timeout=10)


@contextlib.contextmanager
def _sigterm_interrupts():
    """Treat SIGTERM like Ctrl-C while a run is in progress, so its folder is cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _execute(tasks: list[dict], workers: int, scheduler, progress: bool, meanwhile=None):
    """Run the tasks; call ``meanwhile()`` in this process while the workers are busy."""
    from tqdm import tqdm

    from audit.runner.execute import run_task

    bar = tqdm(total=len(tasks), desc="报告 / reports", unit="份", disable=not progress)
    results = []
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        client = Client(scheduler) if isinstance(scheduler, str) else scheduler
        futures = client.map(run_task, tasks, pure=False)
        if meanwhile:
            meanwhile()
        for fut in dask_completed(futures):
            results.append(fut.result())
            bar.update()
        if isinstance(scheduler, str):
            client.close()
    elif workers <= 1:
        if meanwhile:
            meanwhile()
        for task in tasks:
            results.append(run_task(task))
            bar.update()
    else:
        from audit.runner.execute import init_worker

        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=init_worker
        )
        try:
            futures = [pool.submit(run_task, t) for t in tasks]
            if meanwhile:
                meanwhile()
            for fut in as_completed(futures):
                results.append(fut.result())
                bar.update()
        except BaseException:  # Ctrl-C or an error here: the queued tasks must not run on
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    bar.close()
    order = {t["name"]: i for i, t in enumerate(tasks)}
    return sorted(results, key=lambda r: order[r["name"]])


def run_audit(
    data_dir,
    out,
    *,
    townships=None,
    workers=None,
    scheduler=None,
    seed=None,
    as_of=None,
    run_id=None,
    progress=True,
) -> RunResult:
    """Run the whole audit over a Dataset and write the run folder ``out``.

    Parameters
    ----------
    data_dir : str or Path
        The Dataset folder. A partitioned Dataset of several counties runs every
        township of every county and a province summary
        (:func:`audit.scale.province.run_province`).
    out : str or Path
        The run folder to create (replaced atomically if it exists).
    townships : list of str, optional
        Township codes or names; all when None. The county reports are made by
        full runs only.
    workers : int, optional
        Worker processes (default: one per core).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (or client) to run the notebooks on instead.
    seed : int, optional
        The run's seed (default: the seed recorded in the Dataset, else 20240325).
    as_of : str, optional
        Report date (YYYY-MM-DD); default: the Dataset's reference date.
    run_id : str, optional
        Default: the folder name.
    progress : bool
        Show a progress bar.

    Returns
    -------
    RunResult
    """
    from audit.scale.province import is_province, run_province

    parse_as_of(as_of, "--as-of")
    if is_province(data_dir):  # several counties: every township of each, on Dask
        return run_province(data_dir, out, townships=townships, workers=workers,
                            scheduler=scheduler, seed=seed, as_of=as_of, run_id=run_id,
                            progress=progress)  # fmt: skip
    t_start = time.perf_counter()
    data_dir = Path(data_dir).resolve()
    out = Path(out).resolve()
    dataset = load_dataset(data_dir)
    codes = (
        resolve_townships(dataset, townships)
        if townships
        else sorted(dataset.townships["township_code"])
    )
    seed = int(
        seed if seed is not None else (dataset.meta.get("generator") or {}).get("seed", 20240325)
    )
    run_id = run_id or out.name
    as_of = as_of or str(dataset.meta.get("reference_date") or "")
    reject_unknown(
        NOTEBOOK_DIR / TOWNSHIP_NOTEBOOK,
        {"township_code": "", "data_dir": "", "out_dir": "", "run_id": "", "seed": 0, "as_of": ""},
    )
    timings = {}
    with _sigterm_interrupts(), staging_dir(out, inputs=[data_dir], suffix="partial-") as tmp:
        from audit.report.context import _settings, header_fields
        from audit.report.worklists import write_township_worklists
        from audit.tracking import ledger_pace

        settings = _settings(dataset)
        t = time.perf_counter()
        pace = ledger_pace(data_dir, settings, strict=False)  # the ledger's pace, if any
        artifacts = compute_artifacts(dataset, settings, seed, pace=pace)
        artifacts.save(tmp)
        timings["artifacts"] = time.perf_counter() - t
        names = dataset.townships.set_index("township_code")["name"].to_dict()
        date = dt.date.fromisoformat(as_of) if as_of else settings.audit.reference_date
        headers = {c: header_fields(dataset, c, date, run_id, settings) for c in codes}
        tasks = _tasks(data_dir, tmp, run_id, seed, as_of, codes, names, headers)

        def worklists():
            t = time.perf_counter()
            for code in codes:
                folder = tmp / "townships" / unit_folder(code, names[code])
                write_township_worklists(
                    dataset.subset([code]), artifacts, code, folder, settings, date
                )
            timings["worklists"] = time.perf_counter() - t

        t = time.perf_counter()
        results = _execute(tasks, workers or os.cpu_count() or 1, scheduler, progress, worklists)
        timings["township_reports"] = time.perf_counter() - t
        (tmp / "township_status.json").write_text(
            json.dumps({r["name"]: r["status"] for r in results}, ensure_ascii=False),
            encoding="utf-8",
        )
        if not townships:  # a rerun of some townships leaves the county reports to full runs
            t = time.perf_counter()
            county_header = header_fields(dataset, "", date, run_id, settings)
            results += _execute(
                _county_tasks(data_dir, tmp, run_id, seed, as_of, county_header),
                workers or os.cpu_count() or 1,
                scheduler,
                progress,
            )
            timings["county_reports"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t_start
        manifest = {
            "run_id": run_id,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "data_dir": str(data_dir),
            "dataset_fingerprint": dataset.meta.get("fingerprint"),
            "inputs": {
                str(p.relative_to(data_dir)): file_sha256(p)
                for p in sorted(data_dir.glob("*.parquet"))  # + partitions of a partitioned one
                + sorted(data_dir.glob("*/county_code=*/*/*.parquet"))
            },
            "settings": settings.to_dict(),
            "seed": seed,
            "as_of": as_of,
            "townships": codes,
            "packages": package_versions(),
            "environment_lock": environment_lock(),
            "git_commit": git_commit(),
            "timings": timings,
            "reports": {r["name"]: {k: v for k, v in r.items() if k != "name"} for r in results},
        }
        write_manifest(tmp / "manifest.json", manifest)
    return RunResult(out, manifest)
