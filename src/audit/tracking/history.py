"""Load a written history (``audit synth --weeks W``) into a ledger, week by week.

The folder layout is the one of :func:`audit.synth.history.write_history`:
``history.json`` and one ``week_NN/`` folder per week holding the run's
findings, problems and projects and the returns sent after the run (Parquet).
Each week's run is recorded, then each township's return is ingested with the
week's reporting date. Loading the same history twice changes nothing
(runs are recognised by their id, returns by their SHA-256).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from audit.errors import InputError
from audit.tracking.claims import claims_from_rows
from audit.tracking.ledger import Ledger
from audit.tracking.returns import ingest_claims

__all__ = ["load_history"]


def load_history(history_dir: str | Path, ledger_path: str | Path, *, settings=None) -> dict:
    """Record every week of a history folder in the ledger at ``ledger_path``.

    Parameters
    ----------
    history_dir : str or Path
        The folder written by :func:`audit.synth.history.write_history`.
    ledger_path : str or Path
        The ledger file (created if absent).
    settings : Settings, optional
        Its fingerprint is recorded with each run.

    Returns
    -------
    dict
        ``runs`` and ``returns`` recorded, ``duplicates`` (already in the ledger),
        and ``claims`` ingested.
    """
    history_dir = Path(history_dir)
    index_file = history_dir / "history.json"
    if not index_file.is_file():
        raise InputError("找不到整改历史索引 history.json", "history.json not found",
                         file=str(index_file))  # fmt: skip
    index = json.loads(index_file.read_text(encoding="utf-8"))
    names = index.get("township_names") or None
    summary = {"runs": 0, "returns": 0, "duplicates": 0, "claims": 0}
    with Ledger(ledger_path) as ledger:
        for week in index["weeks"]:
            folder = history_dir / week["folder"]
            result = ledger.record_run(
                week["run_id"],
                week["as_of"],
                pd.read_parquet(folder / "findings.parquet"),
                settings=settings,
                problems=pd.read_parquet(folder / "problems.parquet"),
                projects=pd.read_parquet(folder / "projects.parquet"),
                township_names=names,
            )
            summary["duplicates" if result.duplicate else "runs"] += 1
            reported_on = dt.date.fromisoformat(week["reported_on"])
            claims = claims_from_rows(pd.read_parquet(folder / "returns.parquet"))
            claims["row"] = claims.groupby("township_code").cumcount() + 1
            for code, rows in claims.groupby("township_code", sort=True):
                name = (names or {}).get(code, code)
                got = ingest_claims(ledger, rows, township_code=code,
                                    source=f"{code}-{name}-{week['run_id']}回执",
                                    reported_on=reported_on)  # fmt: skip
                summary["duplicates" if got.duplicate else "returns"] += 1
                summary["claims"] += got.rows.get("claims", 0)
    return summary
