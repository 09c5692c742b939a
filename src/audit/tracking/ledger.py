"""The rectification ledger: one SQLite file that records every run and return, and loses nothing.

Design (SQLite, https://www.sqlite.org/wal.html and https://www.sqlite.org/lang_transaction.html):

- **One file** (``<DATA>/ledger.sqlite``) in WAL mode: readers never block the
  writer and the writer never blocks readers; a reader sees one committed snapshot.
- **One transaction per write.** Every recording (a run, a return) runs inside
  ``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls the whole write back, so
  a failure half-way leaves the ledger exactly as it was. ``BEGIN IMMEDIATE``
  takes the write lock at the start and the busy timeout makes a second process
  wait for it instead of failing: two imports running at once both land.
- **Append-only.** The Python API only inserts; triggers refuse ``UPDATE`` and
  ``DELETE`` on every table (:mod:`audit.tracking.ddl`), ``recursive_triggers``
  makes ``INSERT OR REPLACE`` refused too. Current state is derived by queries.
- **Idempotent.** A run is recognised by its ``run_id`` (recording it again with
  the same findings does nothing; with other findings it is an error), a return
  by the SHA-256 of its file.
- **Copies.** :meth:`Ledger.backup` uses SQLite's online backup API, which copies
  a consistent snapshot even while other connections read or write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audit.errors import AuditError
from audit.tracking import rows
from audit.tracking.ddl import SCHEMA_VERSION, schema_sql
from audit.tracking.items import item_keys

__all__ = ["LEDGER_FILE", "Ledger", "LedgerError", "RecordResult"]

#: Default file name of the ledger inside a data folder.
LEDGER_FILE = "ledger.sqlite"
#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT = 60.0


class LedgerError(AuditError):
    """An error of the ledger (a conflicting run id, an unreadable or foreign file)."""


@dataclass(frozen=True)
class RecordResult:
    """What a recording did.

    ``status`` is ``"recorded"`` or ``"duplicate"`` (already in the ledger: nothing
    was written); ``id`` is the run id or the return id; ``rows`` counts the rows
    written per table.
    """

    kind: str
    id: str | int
    status: str
    rows: dict[str, int] = field(default_factory=dict)
    message: str = ""

    @property
    def duplicate(self) -> bool:
        """True when the recording was recognised as already done."""
        return self.status == "duplicate"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return pd.Timestamp(value).date().isoformat()


def findings_sha256(findings: pd.DataFrame, keys: np.ndarray | None = None) -> str:
    """Return the SHA-256 of a findings table's content: item keys and outcomes, in any order."""
    keys = item_keys(findings) if keys is None else keys
    body = pd.Series(keys, dtype=str) + "\t" + findings["outcome"].astype(str).to_numpy()
    return hashlib.sha256("\n".join(body.sort_values()).encode()).hexdigest()


class Ledger:
    """An open ledger file.

    Parameters
    ----------
    path : str or Path
        The SQLite file; created with its schema if absent.
    timeout : float
        Seconds to wait for another process's write lock.

    Examples
    --------
    >>> with Ledger(tmp / "ledger.sqlite") as ledger:  # doctest: +SKIP
    ...     ledger.record_run("2024-W13", "2024-03-25", findings)
    """

    def __init__(self, path: str | Path, *, timeout: float = BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = self._connect(timeout)
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(
                f"无法打开整改台账：{exc}", f"cannot open the ledger: {exc}", file=str(self.path)
            ) from None

    def _connect(self, timeout: float) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA recursive_triggers = ON")
        return con

    def _init_schema(self) -> None:
        exists = self._con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if exists:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            version = row.fetchone()
            if version is None or int(version[0]) != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} != {SCHEMA_VERSION}")
            return
        with self._transaction() as cur:
            for statement in schema_sql():
                cur.execute(statement)
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),))  # fmt: skip
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (_now(),))

    # -- transactions -------------------------------------------------------------------
    class _Tx:
        def __init__(self, con: sqlite3.Connection) -> None:
            self.con = con

        def __enter__(self) -> sqlite3.Cursor:
            self.con.execute("BEGIN IMMEDIATE")
            return self.con.cursor()

        def __exit__(self, exc_type, exc, tb) -> None:
            self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def _transaction(self) -> _Tx:
        """One write transaction: ``BEGIN IMMEDIATE``, then ``COMMIT`` or ``ROLLBACK``."""
        return self._Tx(self._con)

    def close(self) -> None:
        """Close the ledger (the last connection to close checkpoints the WAL)."""
        self._con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def record_run(
        self,
        run_id: str,
        as_of,
        findings: pd.DataFrame,
        *,
        dataset=None,
        settings=None,
        townships: Iterable[str] | None = None,
        problems: pd.DataFrame | None = None,
        projects: pd.DataFrame | None = None,
        dataset_fingerprint: str | None = None,
        township_names: dict[str, str] | None = None,
    ) -> RecordResult:
        """Record one audit run: its findings and the problem and project statuses.

        Parameters
        ----------
        run_id : str
            Unique name of the run (e.g. ``"2024-W14"``).
        as_of : date or str
            Date the data are as of.
        findings : DataFrame
            Output of :func:`audit.rules.run` (household_id, person_id, village_code,
            township_code, rule_id, group, severity, outcome, value).
        dataset : Dataset, optional
            Supplies problems, projects, township names and the fingerprint.
        settings : Settings, optional
            Its fingerprint is recorded.
        townships : iterable of str, optional
            The townships the run covered (a township rerun); the whole county when None.
            A finding absent from a run only counts as fixed where the run looked.
        problems, projects : DataFrame, optional
            Default to the dataset's tables.
        dataset_fingerprint : str, optional
            Given when already computed; otherwise ``dataset.fingerprint()``.
        township_names : dict, optional
            Township code → name, for labels; taken from the dataset when given.

        Returns
        -------
        RecordResult
            ``duplicate`` when this run id was recorded before with the same findings.

        Raises
        ------
        LedgerError
            When ``run_id`` was recorded before with different findings.
        """
        as_of = _iso(as_of)
        keys = item_keys(findings)
        digest = findings_sha256(findings, keys)
        if dataset is not None:
            problems = dataset.problems if problems is None else problems
            projects = dataset.projects if projects is None else projects
            dataset_fingerprint = dataset_fingerprint or dataset.fingerprint()
        if dataset is not None and township_names is None:
            towns = dataset.townships
            township_names = dict(zip(towns["township_code"].astype(str),
                                      towns["name"].astype(str), strict=True))  # fmt: skip
        names = None if township_names is None else json.dumps(township_names, ensure_ascii=False)
        scope = None if townships is None else json.dumps(sorted(str(t) for t in townships))
        frame = findings.assign(_key=keys).drop_duplicates("_key")
        with self._transaction() as cur:
            old = cur.execute("SELECT findings_sha256, as_of FROM runs WHERE run_id = ?",
                              (run_id,)).fetchone()  # fmt: skip
            if old is not None:
                if old[0] != digest:
                    raise LedgerError(
                        f"运行编号 {run_id} 已记录过不同的审核结果，请使用新的运行编号",
                        f"run id {run_id} was already recorded with different findings",
                        parameter="run_id",
                    )
                return RecordResult("run", run_id, "duplicate", {},
                                    f"运行 {run_id} 已记录，未重复写入")  # fmt: skip
            cur.execute(
                "INSERT INTO runs (run_id, as_of, scope, township_names, dataset_fingerprint, "
                "settings_fingerprint, findings_sha256, n_findings, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, as_of, scope, names, dataset_fingerprint,
                 settings.fingerprint() if settings is not None else None, digest,
                 len(findings), _now()),
            )  # fmt: skip
            seq = cur.lastrowid
            cur.executemany(
                "INSERT OR IGNORE INTO items (item_key, rule_id, household_id, person_id, "
                "village_code, township_code, grp, severity, first_run_seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows.item_rows(frame, seq),
            )
            new_items = cur.rowcount  # ignored (known) items are not counted
            cur.executemany(
                "INSERT INTO observations (run_seq, item_id, outcome, value) "
                "SELECT ?, item_id, ?, ? FROM items WHERE item_key = ?",
                rows.observation_rows(frame, seq),
            )
            if cur.rowcount != len(frame):  # every observation must name its item
                raise LedgerError("整改台账写入不完整", "not every observation found its item")
            counts = {"runs": 1, "items": new_items, "observations": len(frame)}
            if problems is not None:
                cur.executemany("INSERT INTO problem_status VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                rows.problem_rows(problems, seq))  # fmt: skip
                counts["problem_status"] = len(problems)
            if projects is not None:
                cur.executemany("INSERT INTO project_status VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                rows.project_rows(projects, seq))  # fmt: skip
                counts["project_status"] = len(projects)
        return RecordResult("run", run_id, "recorded", counts,
                            f"已记录运行 {run_id}：{len(frame)} 条问题")  # fmt: skip

    def record_return(self, meta: dict, claims: pd.DataFrame) -> RecordResult:
        """Record one return (township claims or visit confirmations) in one transaction.

        Parameters
        ----------
        meta : dict
            ``kind`` ("township" or "visit"), ``file``, ``sha256``, ``township_code``,
            ``responsible``, ``reported_on``.
        claims : DataFrame
            ``row, household_id, village_code, rule_id, fixed`` (bool),
            ``fixed_date, person, note``.

        Returns
        -------
        RecordResult
            ``duplicate`` (nothing written) when a file with this SHA-256 was recorded.
        """
        with self._transaction() as cur:
            old = cur.execute("SELECT return_id, file FROM returns WHERE sha256 = ?",
                              (meta["sha256"],)).fetchone()  # fmt: skip
            if old is not None:
                message = f"该回执已于此前导入（回执 {old[0]}：{old[1]}），未重复写入"
                return RecordResult("return", old[0], "duplicate", {}, message)
            cur.execute(
                "INSERT INTO returns (kind, file, sha256, township_code, responsible, "
                "reported_on, n_rows, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (meta.get("kind", "township"), str(meta["file"]), meta["sha256"],
                 meta.get("township_code"), meta.get("responsible"), _iso(meta["reported_on"]),
                 len(claims), _now()),
            )  # fmt: skip
            return_id = cur.lastrowid
            cur.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            rows.claim_rows(claims, return_id))  # fmt: skip
        return RecordResult("return", return_id, "recorded",
                            {"returns": 1, "claims": len(claims)},
                            f"已导入回执 {return_id}：{len(claims)} 行")  # fmt: skip

    # -- copying and checking -----------------------------------------------------------
    def backup(self, dest: str | Path) -> Path:
        """Copy the ledger to ``dest`` with SQLite's online backup API (a consistent snapshot)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(dest)
        try:
            self._con.backup(target)
        finally:
            target.close()
        return dest

    def integrity(self) -> str:
        """Return the result of ``PRAGMA integrity_check`` (``"ok"`` when sound)."""
        return self._con.execute("PRAGMA integrity_check").fetchone()[0]

    # -- reading ------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        """Run a read-only query (``PRAGMA query_only``: any write is refused)."""
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        try:
            con.execute("PRAGMA query_only = ON")
            return pd.read_sql_query(sql, con, params=params)
        finally:
            con.close()

    def runs(self) -> pd.DataFrame:
        """The recorded runs in date order (``as_of`` as datetime, ``scope`` as a list or None)."""
        runs = self.query("SELECT * FROM runs ORDER BY as_of, run_seq")
        runs["as_of"] = pd.to_datetime(runs["as_of"])
        runs["scope"] = [json.loads(s) if isinstance(s, str) else None for s in runs["scope"]]
        return runs

    def township_names(self) -> dict[str, str]:
        """Township code → name, from the datasets of the recorded runs (latest wins)."""
        names: dict[str, str] = {}
        for text in self.query("SELECT township_names FROM runs ORDER BY run_seq")[
            "township_names"
        ]:
            if isinstance(text, str):
                names.update(json.loads(text))
        return names

    def items(self) -> pd.DataFrame:
        """Every item ever found (rule × household × person, or rule × village)."""
        return self.query("SELECT * FROM items ORDER BY item_id").rename(columns={"grp": "group"})

    def observations(self) -> pd.DataFrame:
        """``run_seq, item_id, outcome``: which item each run found."""
        return self.query("SELECT run_seq, item_id, outcome FROM observations")

    def find_return(self, sha256: str) -> int | None:
        """Return the id of the return recorded with this file hash, or None."""
        found = self.query("SELECT return_id FROM returns WHERE sha256 = ?", (sha256,))
        return None if found.empty else int(found["return_id"].iloc[0])

    def unmatched_claims(self, return_id: int) -> int:
        """Count the claims of a return that name no item the ledger has seen."""
        return int(self.query(
            "SELECT count(*) AS n FROM claims c WHERE c.return_id = ? AND NOT EXISTS ("
            " SELECT 1 FROM items i WHERE i.rule_id = c.rule_id AND ("
            "  i.household_id = c.household_id OR (c.household_id IS NULL"
            "  AND i.household_id IS NULL AND i.village_code = c.village_code)))",
            (return_id,),
        )["n"].iloc[0])  # fmt: skip

    def returns(self) -> pd.DataFrame:
        """The ingested returns."""
        return self.query("SELECT * FROM returns ORDER BY return_id")

    def claims(self) -> pd.DataFrame:
        """All claims with their return (``fixed`` as bool, dates as datetime)."""
        claims = self.query("SELECT * FROM claim_records ORDER BY return_id, row")
        claims["fixed"] = claims["fixed"].astype(bool)
        for col in ("fixed_date", "reported_on"):
            claims[col] = pd.to_datetime(claims[col])
        return claims

    def problem_status(self) -> pd.DataFrame:
        """The status of each problem at each run, with the run's id and date."""
        return self._status_table("problem_status")

    def project_status(self) -> pd.DataFrame:
        """The status of each project at each run, with the run's id and date."""
        return self._status_table("project_status")

    def _status_table(self, table: str) -> pd.DataFrame:
        out = self.query(
            f"SELECT r.run_id, r.as_of, t.* FROM {table} t JOIN runs r USING (run_seq) "
            "ORDER BY r.as_of, t.run_seq"
        )
        for col in ("as_of", "deadline", "rectified_date", "planned_start", "actual_start"):
            if col in out:
                out[col] = pd.to_datetime(out[col])
        return out
