"""The ledger's SQLite schema: append-only tables, the triggers that enforce it, the views.

Every table is append-only. Two triggers per table refuse any ``UPDATE`` and any
``DELETE`` with ``RAISE(ABORT, ...)``; connections also switch on
``recursive_triggers`` so that ``INSERT OR REPLACE`` (which deletes the old row)
is refused too. The state of a finding is never stored: it is derived from the
observations (:mod:`audit.tracking.status`), so there is nothing to update.

Tables
------
``meta``            schema version and creation time (key/value).
``runs``            one row per recorded audit run: ``run_id`` (unique), ``as_of``,
                    scope (township codes or NULL for the whole county), dataset and
                    settings fingerprints, SHA-256 of the findings, ``recorded_at``.
``items``           one row per distinct finding ever seen (rule × household × person,
                    or rule × village), keyed by ``item_key``.
``observations``    run × item: the item was found by that run (``outcome`` fail/unknown).
``returns``         one row per ingested township return (or visit confirmation sheet):
                    file, ``sha256`` (unique: a file is ingested once), township,
                    person responsible, date reported, ``received_at``.
``claims``          the rows of a return: household (or village) × rule, fixed 是/否,
                    claimed fixed date, person responsible, note.
``problem_status``  the status of every problem (问题清单) at each run.
``project_status``  the status of every project at each run.
"""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION", "TABLES", "schema_sql"]

SCHEMA_VERSION = 1

TABLES: dict[str, str] = {
    "meta": """
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL""",
    "runs": """
        run_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        as_of TEXT NOT NULL,
        scope TEXT,
        township_names TEXT,
        dataset_fingerprint TEXT,
        settings_fingerprint TEXT,
        findings_sha256 TEXT NOT NULL,
        n_findings INTEGER NOT NULL,
        recorded_at TEXT NOT NULL""",
    "items": """
        item_id INTEGER PRIMARY KEY,
        item_key TEXT NOT NULL UNIQUE,
        rule_id TEXT NOT NULL,
        household_id TEXT,
        person_id TEXT,
        village_code TEXT,
        township_code TEXT,
        grp TEXT,
        severity TEXT,
        first_run_seq INTEGER NOT NULL REFERENCES runs(run_seq)""",
    "observations": """
        run_seq INTEGER NOT NULL REFERENCES runs(run_seq),
        item_id INTEGER NOT NULL REFERENCES items(item_id),
        outcome TEXT NOT NULL,
        value TEXT,
        PRIMARY KEY (run_seq, item_id)""",
    "returns": """
        return_id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('township', 'visit')),
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        township_code TEXT,
        responsible TEXT,
        reported_on TEXT NOT NULL,
        n_rows INTEGER NOT NULL,
        received_at TEXT NOT NULL""",
    "claims": """
        return_id INTEGER NOT NULL REFERENCES returns(return_id),
        row INTEGER NOT NULL,
        household_id TEXT,
        village_code TEXT,
        rule_id TEXT NOT NULL,
        fixed INTEGER NOT NULL CHECK (fixed IN (0, 1)),
        fixed_date TEXT,
        person TEXT,
        note TEXT,
        PRIMARY KEY (return_id, row)""",
    "problem_status": """
        run_seq INTEGER NOT NULL REFERENCES runs(run_seq),
        problem_id TEXT NOT NULL,
        category TEXT,
        township_code TEXT,
        owner_unit TEXT,
        status TEXT,
        deadline TEXT,
        rectified_date TEXT,
        PRIMARY KEY (run_seq, problem_id)""",
    "project_status": """
        run_seq INTEGER NOT NULL REFERENCES runs(run_seq),
        project_id TEXT NOT NULL,
        category TEXT,
        township_code TEXT,
        status TEXT,
        budget REAL,
        planned_start TEXT,
        actual_start TEXT,
        PRIMARY KEY (run_seq, project_id)""",
}

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS observations_item ON observations(item_id)",
    "CREATE INDEX IF NOT EXISTS items_unit ON items(household_id, rule_id)",
    "CREATE INDEX IF NOT EXISTS items_village ON items(village_code, rule_id)",
    "CREATE INDEX IF NOT EXISTS claims_key ON claims(rule_id, household_id, village_code)",
)

_VIEWS = {
    # One row per finding observed by a run, with the run's id and date.
    "finding_observations": """
        SELECT r.run_id, r.as_of, i.household_id, i.person_id, i.village_code,
               i.township_code, i.rule_id, i.grp AS "group", i.severity, o.outcome, o.value,
               i.item_id, r.run_seq
        FROM observations o JOIN runs r USING (run_seq) JOIN items i USING (item_id)""",
    # Claims with the return they came in.
    "claim_records": """
        SELECT c.return_id, r.kind, r.file, r.sha256, r.township_code, r.responsible,
               r.reported_on, r.received_at, c.row, c.household_id, c.village_code, c.rule_id,
               c.fixed, c.fixed_date, c.person, c.note
        FROM claims c JOIN returns r USING (return_id)""",
    # The findings of the latest whole-county run (by date, then recording order).
    "latest_findings": """
        SELECT * FROM finding_observations
        WHERE run_seq = (SELECT run_seq FROM runs WHERE scope IS NULL
                         ORDER BY as_of DESC, run_seq DESC LIMIT 1)""",
}


def _triggers(table: str) -> list[str]:
    out = []
    for op in ("UPDATE", "DELETE"):
        message = f"append-only ledger: {op} on {table} is refused / 台账只增不改，禁止{op}"
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    return out


def schema_sql() -> list[str]:
    """Return the statements creating the schema (idempotent: ``IF NOT EXISTS``)."""
    statements = [f"CREATE TABLE IF NOT EXISTS {t} ({cols})" for t, cols in TABLES.items()]
    statements += list(_INDEXES)
    for table in TABLES:
        statements += _triggers(table)
    statements += [f"CREATE VIEW IF NOT EXISTS {v} AS {sql}" for v, sql in _VIEWS.items()]
    return statements
