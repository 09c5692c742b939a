"""Ingest registry exports and field returns into a Dataset, accounting for every row.

Modules, each with one job:

* :mod:`~audit.ingest.readers` — xlsx/xls (python-calamine), CSV (encoding detection) → cells;
* :mod:`~audit.ingest.headers` — find and normalise the header, map it to the schema;
* :mod:`~audit.ingest.recognise` — which table(s) a sheet holds;
* :mod:`~audit.ingest.normalise` — ID numbers, dates, numbers, code lists, yes/no;
* :mod:`~audit.ingest.places` — township and village names → division codes;
* :mod:`~audit.ingest.sheets` — one sheet → normalised table parts and row problems;
* :mod:`~audit.ingest.consolidate` — merge by key, household agreement, orphans;
* :mod:`~audit.ingest.report` — ``ingest_report.xlsx``/``.json``, ``rejects.xlsx``;
* :mod:`~audit.ingest.pipeline` — :func:`ingest`;
* :mod:`~audit.ingest.excel_out` — templates and the Dataset exported to Excel.
"""

from audit.ingest.excel_out import export_dataset, export_person_layout, write_template
from audit.ingest.pipeline import IngestResult, ingest
from audit.ingest.report import format_summary

__all__ = [
    "IngestResult",
    "export_dataset",
    "export_person_layout",
    "format_summary",
    "ingest",
    "write_template",
]
