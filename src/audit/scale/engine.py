"""The Dask engine: the same rules, a few township partitions per task, on a cluster.

Every rule of :mod:`audit.rules` is a function of one township's frames except
``ID-03`` (the same ID number in two households anywhere in the data). So:

1. **ID-03 across partitions** is a Dask shuffle on ``person_id``
   (:func:`duplicated_persons`): the members' ID column of all partitions is
   hash-partitioned by ID, each output partition keeps the IDs seen more than
   once, and only those rows (ID, township) come back. Memory per task is
   bounded by the shuffle partition size, not by the province.
2. **Per partition** (:func:`partition_task` on the cluster): load township
   partitions as a pandas Dataset, run :func:`audit.rules.run` with every rule
   but ID-03, add the ID-03 findings of the members whose ID is in the
   province's duplicates (the engine's own finding builder, so messages are
   identical), and sort as the pandas engine does. Household statuses and
   action plans are functions of one household's findings, so they are
   computed there too. The task writes its findings, statuses and plans as
   Parquet parts and returns only small partial aggregates. A task takes whole
   township partitions of one county, in code order, until it holds
   :data:`TASK_HOUSEHOLDS` households (:func:`task_batches`): a rule run has a
   fixed cost of some 0.5 s whatever the size, which one small township per
   task would pay hundreds of times (partition fusion, as ``dask.dataframe``
   does for small Parquet files). Memory per task is bounded by that size
   plus one township, never by the province.
3. **Reduce** (:mod:`audit.scale.outputs`): per-rule totals, per rule ×
   township edit statistics and the data-quality ranking are combined from the
   partials; the parts are concatenated in township order, which is the pandas
   engine's sort order, into the same files as ``audit check``.

The output is identical in content to the pandas engine's (a test checks it).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from audit.rules import RULES, action_plans, edit_statistics, household_status, run
from audit.rules.context import Context
from audit.rules.engine import FINDING_COLUMNS, _findings_of, _placeholders, sort_findings
from audit.rules.registry import as_outcome
from audit.rules.report import county_rule_totals
from audit.rules.status import quality_scores

__all__ = [
    "CROSS_PARTITION",
    "check_dask",
    "duplicated_persons",
    "partition_findings",
    "partition_task",
    "task_batches",
]

#: The one rule that needs all partitions at once.
CROSS_PARTITION = "ID-03"
#: Categorical columns of the findings (their categories are those present, sorted).
CATEGORICAL = ("rule_id", "group", "severity", "outcome")
#: Member rows per output partition of the ID shuffle.
SHUFFLE_ROWS = 1_000_000
#: Households a rule task gathers (whole townships of one county) before it is closed.
TASK_HOUSEHOLDS = 40_000
PART_TABLES = {"findings": "findings.parquet", "status": "household_status.parquet",
               "plans": "action_plans.parquet"}  # fmt: skip


def duplicated_persons(lazy) -> pd.DataFrame:
    """Member rows whose ID number appears more than once in the data (Dask shuffle).

    Parameters
    ----------
    lazy : audit.scale.LazyDataset

    Returns
    -------
    DataFrame
        ``person_id`` and ``township_code`` (the member's partition) of every
        such row; computed on the current Dask client.
    """
    members = lazy.table("members", columns=["person_id", "township_code"])
    rows = sum(p["rows"].get("members", 0) for p in lazy.partitions)
    ids = members.dropna(subset=["person_id"])
    shuffled = ids.shuffle(on="person_id", npartitions=max(1, math.ceil(rows / SHUFFLE_ROWS)))
    dups = shuffled.map_partitions(_repeated, meta=ids._meta).compute()
    return dups.astype({"person_id": "str", "township_code": "str"}).reset_index(drop=True)


def _repeated(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["person_id"].duplicated(keep=False)]


def partition_findings(dataset, settings, duplicated_ids=()) -> pd.DataFrame:
    """The findings of one partition, ID-03 judged against the IDs duplicated anywhere.

    Parameters
    ----------
    dataset : Dataset
        One partition (a township).
    settings : Settings
    duplicated_ids : iterable of str
        ID numbers found more than once in the whole data (:func:`duplicated_persons`).

    Returns
    -------
    DataFrame
        As :func:`audit.rules.run`: the partition's rows of the findings the
        pandas engine gives on the whole data, in the same order.
    """
    local = run(dataset, settings, rules=[r for r in RULES if r != CROSS_PARTITION])
    dup = pd.Index(pd.unique(np.asarray(list(duplicated_ids), dtype=object)))
    if not len(dup):
        return local

    def anywhere(ctx):
        ids = ctx.members["person_id"]
        return as_outcome(ids.isin(dup) & ids.notna(), ids)

    rule = replace(RULES[CROSS_PARTITION], func=anywhere)
    cross = _findings_of(Context(dataset, settings), rule, _placeholders(settings))
    if not len(cross):
        return local
    findings = pd.concat(
        [local.astype({c: object for c in FINDING_COLUMNS}), cross.astype(object)],
        ignore_index=True,
    )
    return sort_findings(findings)


def task_batches(parts: list[dict], households: int = TASK_HOUSEHOLDS) -> list[list[str]]:
    """Group township partitions (in code order) into tasks of one county each.

    A task is closed once it holds ``households`` households; a township is
    never split, and a task never mixes counties.

    Parameters
    ----------
    parts : list of dict
        Partitions as :func:`audit.partitions.partitions` lists them.
    households : int
        Target households per task (1 gives one township per task).

    Returns
    -------
    list of list of str
        Township codes per task.
    """
    batches, size = [], 0
    for p in parts:
        code = p["township_code"]
        if not batches or size >= households or batches[-1][-1][:6] != code[:6]:
            batches.append([])
            size = 0
        batches[-1].append(code)
        size += p["rows"].get("households", 0)
    return batches


def partition_task(root: str, townships: list[str], settings, duplicated_ids, parts: str) -> dict:
    """Run some township partitions on a worker; write their parts, return partial aggregates.

    Parameters
    ----------
    root : str
        The partitioned Dataset (a folder every worker can read).
    townships : list of str
        The partitions' township codes (one county).
    settings : Settings
    duplicated_ids : list of str
        The province's duplicated IDs among these townships' members.
    parts : str
        Folder for the parts (``findings/``, ``status/``, ``plans/``), named
        after the first township.

    Returns
    -------
    dict
        ``townships``, ``rows`` per part, ``categories`` (values of the
        categorical columns), ``totals`` (per rule), ``stats`` (edit statistics
        with township names), ``quality`` (records and records with errors),
        ``dup_people`` (rule × person for duplicated IDs), ``seconds``.
    """
    from audit.partitions import load_partitioned

    t0 = time.perf_counter()
    ds = load_partitioned(root, geometry=False, townships=townships)
    findings = partition_findings(ds, settings, duplicated_ids)
    frames = {
        "findings": findings,
        "status": household_status(findings, ds),
        "plans": action_plans(findings, ds, settings),
    }
    for key, frame in frames.items():
        folder = Path(parts) / key
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(folder / f"{townships[0]}.parquet", index=False)
    dup = findings[findings["person_id"].isin(pd.Index(duplicated_ids, dtype="str"))]
    quality = quality_scores(findings, ds)
    return {
        "townships": list(townships),
        "rows": {k: len(v) for k, v in frames.items()},
        "categories": {c: sorted(findings[c].astype(str).unique()) for c in CATEGORICAL},
        "totals": county_rule_totals(findings),
        "stats": edit_statistics(findings, ds.townships),
        "quality": quality[["township_code", "records", "records_with_errors"]],
        "dup_people": dup[["rule_id", "person_id"]].astype(str).drop_duplicates(),
        "seconds": time.perf_counter() - t0,
    }


def check_dask(
    data,
    out,
    settings,
    *,
    scheduler=None,
    workers=None,
    progress=True,
    task_households: int = TASK_HOUSEHOLDS,
) -> dict:
    """Run all rules over a partitioned Dataset on Dask and write the outputs of ``audit check``.

    Parameters
    ----------
    data : str or Path
        A partitioned Dataset (or a county view).
    out : str or Path
        The output folder (as ``audit check --out``).
    settings : Settings
    scheduler : str or distributed.Client, optional
        An existing cluster; default a LocalCluster sized to the machine.
    workers : int, optional
        Workers of the LocalCluster.
    progress : bool
        Show a progress bar.
    task_households : int
        Households per rule task (:func:`task_batches`).

    Returns
    -------
    dict
        ``findings`` (path), ``summary`` (terminal text, as the pandas engine),
        ``duplicated_ids`` (count), ``partitions`` (townships), ``tasks``,
        ``seconds`` per stage.
    """
    from distributed import as_completed
    from tqdm import tqdm

    from audit.scale.cluster import dask_client
    from audit.scale.lazy import open_lazy
    from audit.scale.outputs import write_outputs

    lazy = open_lazy(data)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    parts = Path(tempfile.mkdtemp(prefix=".parts-", dir=out))
    seconds = {}
    try:
        with dask_client(scheduler, workers) as client:
            t = time.perf_counter()
            dups = duplicated_persons(lazy)
            seconds["duplicates"] = time.perf_counter() - t
            by_town = dups.groupby("township_code")["person_id"].unique()
            t = time.perf_counter()
            batches = task_batches(lazy.partitions, task_households)
            futures = [
                client.submit(partition_task, str(lazy.root), batch, settings,
                              [i for t in batch for i in by_town.get(t, [])], str(parts),
                              pure=False)
                for batch in batches
            ]  # fmt: skip
            results = []
            towns = sum(len(b) for b in batches)
            with tqdm(total=towns, desc="规则 / rules", unit="乡镇", disable=not progress) as bar:
                for fut in as_completed(futures):
                    results.append(fut.result())
                    bar.update(len(results[-1]["townships"]))
            seconds["partitions"] = time.perf_counter() - t
            t = time.perf_counter()
            summary = write_outputs(client, lazy, results, parts, out)
            seconds["outputs"] = time.perf_counter() - t
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return {
        "findings": out / "findings.parquet",
        "summary": summary,
        "duplicated_ids": int(dups["person_id"].nunique()),
        "partitions": sum(len(r["townships"]) for r in results),
        "tasks": len(results),
        "seconds": seconds,
    }
