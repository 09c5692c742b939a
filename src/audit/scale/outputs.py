"""The Dask engine's outputs: the files of ``audit check``, reduced from per-township parts.

- ``findings.parquet``, ``household_status.parquet``, ``action_plans.parquet``:
  the parts concatenated in township order (the pandas engine's sort order),
  one Parquet row group per township, never more than one part in memory. The
  categorical columns get the categories the pandas engine gives them (the
  values present anywhere, sorted), so the files read back identical.
- ``规则统计.xlsx``: per-rule totals (sums of the partitions' counts; people
  counted once even when their ID is in two partitions), per rule × township
  statistics (each township is one partition, so its row is exact), and the
  data-quality ranking (ranked across all townships). Written with the same
  writer as the pandas engine.
- Findings work lists: ``findings.xlsx`` for one county, as the pandas engine;
  for several counties, one workbook per county in ``findings/`` (a province's
  findings can exceed the 1,048,576 rows of a sheet), written on the workers.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

import pandas as pd

from audit.rules.report import (
    format_check_summary,
    write_findings_workbook,
    write_statistics_workbook,
)

__all__ = [
    "concat_parts",
    "county_workbook",
    "reduce_quality",
    "reduce_stats",
    "reduce_totals",
    "write_outputs",
]

TOTAL_COLUMNS = ("fail", "unknown", "households", "people", "villages")


def concat_parts(files: list[Path], target: Path, categories: dict | None = None) -> int:
    """Concatenate Parquet parts into one file, one part in memory at a time.

    Parameters
    ----------
    files : list of Path
        The parts, in the order wanted (missing files are skipped).
    target : Path
        The file to write (written to a temporary name, then renamed).
    categories : dict, optional
        Column → the categories to give it in every part.

    Returns
    -------
    int
        Rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    categories = categories or {}
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    writer, schema, rows, first = None, None, 0, None
    try:
        for file in files:
            if not file.exists():
                continue
            frame = pd.read_parquet(file)
            for col, cats in categories.items():
                if col in frame.columns:
                    frame[col] = frame[col].astype("category").cat.set_categories(cats)
            if first is None:
                first = frame
            if not len(frame):
                continue
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(tmp, schema)
            writer.write_table(table.cast(schema))
            rows += len(frame)
        if writer is None:
            (first if first is not None else pd.DataFrame()).to_parquet(tmp, index=False)
        else:
            writer.close()
            writer = None
        os.replace(tmp, target)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return rows


def reduce_totals(results: list[dict]) -> pd.DataFrame:
    """Per-rule totals of the whole data from the partitions' totals.

    Fail and unknown counts, households and villages add up (each belongs to
    one partition); a person whose ID is in several partitions (ID-03 across
    counties) is counted once.
    """
    total = results[0]["totals"].copy()
    for col in TOTAL_COLUMNS:
        total[col] = sum(r["totals"][col].to_numpy() for r in results)
    pairs = pd.concat([r["dup_people"] for r in results], ignore_index=True)
    if len(pairs):
        counted = pairs.groupby("rule_id").size()
        distinct = pairs.drop_duplicates().groupby("rule_id").size()
        extra = (counted - distinct).reindex(total["rule_id"], fill_value=0).to_numpy()
        total["people"] = total["people"] - extra
    return total


def reduce_quality(results: list[dict], townships: pd.DataFrame) -> pd.DataFrame:
    """The data-quality ranking of all townships, as :func:`audit.rules.quality_scores`."""
    score = pd.concat([r["quality"] for r in results], ignore_index=True)
    score = score[["township_code", "records", "records_with_errors"]].dropna(subset=["records"])
    score["score"] = (100 * (1 - score["records_with_errors"] / score["records"])).round(2)
    towns = townships[["township_code", "name", "quality_q1", "quality_q2",
                       "quality_q3", "quality_q4"]]  # fmt: skip
    score = towns.merge(score, on="township_code", how="left")
    score["rank"] = score["score"].rank(ascending=False, method="min").astype("Int64")
    return score.sort_values(["rank", "township_code"]).reset_index(drop=True)


def reduce_stats(results: list[dict]) -> pd.DataFrame:
    """Per rule × township edit statistics: each township's rows, in rule then township order."""
    stats = pd.concat([r["stats"] for r in results], ignore_index=True)
    stats["rule_id"] = stats["rule_id"].astype(str)
    return stats.sort_values(["rule_id", "township_code"], kind="stable").reset_index(drop=True)


def county_workbook(parts: str, townships: list[str], target: str, places: dict) -> str:
    """Write one county's findings work list from its parts (runs on a worker).

    ``townships`` names the parts (the first township of each task).
    """
    frames = [pd.read_parquet(f) for t in townships if (f := Path(parts) / "findings" /
              f"{t}.parquet").exists()]  # fmt: skip
    findings = pd.concat(frames, ignore_index=True)
    for col in ("rule_id", "group", "severity", "outcome"):
        findings[col] = findings[col].astype(str).astype("category")
    write_findings_workbook(Path(target), findings, types.SimpleNamespace(**places))
    return target


def _places(lazy, townships: list[str]) -> dict:
    from audit.partitions import read_partition

    villages = pd.concat(
        [read_partition(lazy.root, "villages", t)[["village_code", "name"]] for t in townships],
        ignore_index=True,
    )
    towns = lazy.townships[lazy.townships["township_code"].isin(townships)]
    return {"townships": towns[["township_code", "name"]], "villages": villages}


def write_outputs(client, lazy, results: list[dict], parts: Path, out: Path) -> str:
    """Reduce the tasks' results into the files of ``audit check``; return the summary text."""
    results = sorted(results, key=lambda r: r["townships"][0])
    firsts = [r["townships"][0] for r in results]
    counties = sorted({c[:6] for c in firsts})
    names = {c["county_code"]: c["county_name"] for c in lazy.meta.get("counties") or []}
    if len(counties) == 1:
        targets = {counties[0]: out / "findings.xlsx"}
    else:
        (out / "findings").mkdir(exist_ok=True)
        targets = {c: out / "findings" / f"{c}-{names.get(c, c)}.xlsx" for c in counties}
    books = []
    for c, target in targets.items():
        towns = [t for r in results if r["townships"][0][:6] == c for t in r["townships"]]
        own = [t for t in firsts if t[:6] == c]
        books.append(client.submit(county_workbook, str(parts), own, str(target),
                                   _places(lazy, towns), pure=False))  # fmt: skip
    cats = {
        col: sorted({v for r in results for v in r["categories"][col]})
        for col in ("rule_id", "group", "severity", "outcome")
    }
    files = {
        k: [parts / k / f"{c}.parquet" for c in firsts] for k in ("findings", "status", "plans")
    }
    concat_parts(files["findings"], out / "findings.parquet", cats)
    concat_parts(files["status"], out / "household_status.parquet")
    concat_parts(files["plans"], out / "action_plans.parquet", {"rule_id": cats["rule_id"]})
    totals = reduce_totals(results)
    write_statistics_workbook(
        out / "规则统计.xlsx",
        totals,
        reduce_stats(results),
        reduce_quality(results, lazy.townships),
    )
    client.gather(books)
    return format_check_summary(totals)
