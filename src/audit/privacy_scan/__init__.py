"""Scan the files of a run for personal data in places it must not be.

DESIGN.md "Private by default": leader reports and county-wide outputs mask ID
numbers (first 6 and last 4 characters shown) and names (``张*明``); a
township's folder holds only its own households; full identities appear only in
that township's cadre work lists. :func:`classify` sorts the files of a run into
three audiences and :func:`scan` checks each file against the rules of its
audience:

``leader``
    Leader reports and everything else that may circulate county-wide (county
    and township ``report.html``, maps, executed notebooks, logs,
    ``manifest.json``). No unmasked ID number (18-character GB 11643 with a
    valid check character, or any ID of the Dataset; 15-character old IDs with
    a plausible birth date), no phone number (mobile ``1[3-9]`` + 9 digits,
    landline ``0xx-xxxxxxxx``) and, with a Dataset, no full member name on the
    same table row or text line as an ID, masked or not.
``restricted``
    A township's cadre work lists (the Excel files of ``townships/<code>-<name>/``):
    full identities by design, but only of that township's households.
``analyst``
    The Parquet tables of the run (``findings.parquet``, ``sample.parquet``, …):
    they keep full ID numbers by design, so that a run can be joined back to
    the Dataset and reruns compared. They are listed, not scanned, and must
    never be sent out; ``strict=True`` scans them (and the work lists) as if
    they were to circulate.

With a Dataset, every file of a township folder is also checked by ID (full, or
masked and matching no household of its own township), and by household number,
against the Dataset: a household of another township is a ``foreign_household``
leak. Every excerpt in the result is masked itself. Matching is one regular
expression over each file's whole text and set look-ups (no loop over
households); text inside PNG pixels is not read (only PNG text chunks).

Modules, each with one job:

* :mod:`~audit.privacy_scan.readers` — one file (HTML, JSON, text, notebook, Excel,
  Parquet, PNG) → text pieces with their places;
* :mod:`~audit.privacy_scan.patterns` — the ID, phone and name patterns, :func:`mask_text`;
* :mod:`~audit.privacy_scan.scanner` — audiences (:func:`classify`), the Dataset index,
  leak finding, masked excerpts, :func:`scan`.
"""

from audit.privacy_scan.patterns import mask_text
from audit.privacy_scan.scanner import AUDIENCES, COLUMNS, KINDS, classify, scan

__all__ = ["AUDIENCES", "COLUMNS", "KINDS", "classify", "mask_text", "scan"]
