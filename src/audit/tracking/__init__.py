"""Rectification tracking through the 100 days: a ledger that loses nothing.

- :class:`Ledger` (:mod:`~audit.tracking.ledger`): one append-only SQLite file
  recording every run's findings, problem and project status, and every township
  return; WAL mode, one transaction per write, idempotent re-imports.
- :func:`finding_status`, :func:`open_items`, :func:`claims_contradicted`
  (:mod:`~audit.tracking.status`): each item open → reported fixed → verified, or
  reopened; the claims the next run contradicted (已报整改但仍存在).
- :func:`write_return_template`, :func:`ingest_return` (:mod:`~audit.tracking.returns`):
  the 一户一策/问题清单 work lists handed out and taken back.
- :func:`burndowns`, :func:`forecast` (:mod:`~audit.tracking.burndown`): open items
  per township, department and indicator, pace, projected completion, verdict.
- :func:`project_progress`, :func:`funds_by_status`, :func:`late_projects`,
  :func:`problem_progress` (:mod:`~audit.tracking.projects`).
- Charts (:mod:`~audit.tracking.charts`) and :func:`load_history` for the demo.

Examples
--------
>>> from audit import tracking
>>> with tracking.Ledger(data_dir / "ledger.sqlite") as ledger:  # doctest: +SKIP
...     ledger.record_run("第01周", "2024-03-25", findings, dataset=ds)
...     series, verdicts = tracking.burndowns(ledger)
"""

from audit.tracking.burndown import (
    DIMENSIONS,
    VERDICT_ZH,
    burndown,
    burndowns,
    forecast,
    ledger_pace,
)
from audit.tracking.history import load_history
from audit.tracking.items import DEADLINE_LABELS, deadlines, in_scope, item_keys, rule_attributes
from audit.tracking.ledger import LEDGER_FILE, Ledger, LedgerError, RecordResult
from audit.tracking.projects import (
    funds_by_status,
    late_projects,
    problem_progress,
    project_progress,
)
from audit.tracking.returns import (
    RETURN_HEADERS,
    claims_from_rows,
    ingest_claims,
    ingest_return,
    read_return,
    return_rows,
    write_return,
    write_return_template,
)
from audit.tracking.status import STATUS_ZH, claims_contradicted, finding_status, open_items

__all__ = [
    "DEADLINE_LABELS",
    "DIMENSIONS",
    "LEDGER_FILE",
    "RETURN_HEADERS",
    "STATUS_ZH",
    "VERDICT_ZH",
    "Ledger",
    "LedgerError",
    "RecordResult",
    "burndown",
    "burndowns",
    "claims_contradicted",
    "claims_from_rows",
    "deadlines",
    "finding_status",
    "forecast",
    "funds_by_status",
    "in_scope",
    "ingest_claims",
    "ingest_return",
    "item_keys",
    "late_projects",
    "ledger_pace",
    "load_history",
    "open_items",
    "problem_progress",
    "project_progress",
    "read_return",
    "return_rows",
    "rule_attributes",
    "write_return",
    "write_return_template",
]
