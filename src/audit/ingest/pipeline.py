"""Ingest: registry exports and field returns → a Dataset, with a report.

:func:`ingest` reads every sheet of every file, recognises its table(s),
normalises its columns, resolves places, merges rows by key, checks members
and visits against households, and builds a :class:`~audit.dataset.Dataset`
(tables absent from the inputs are empty; townships and villages come from the
reference divisions unless the inputs carry them). Every row read is accepted
or rejected with its reasons; the report says which (:mod:`audit.ingest.report`).

Exit status of the command (:attr:`IngestResult.exit_code`): 0 all rows
accepted, 1 some rows rejected (the Dataset holds the accepted rows). Unusable
input (a file that cannot be read, holds no recognisable table or no data, or
lacks a required column) raises :class:`~audit.errors.InputError` (exit 2)
before anything is written.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audit.dataset import Dataset, load_dataset, load_truth
from audit.errors import InputError
from audit.ingest.consolidate import consolidate, drop_rejected, orphans, repeated_members
from audit.ingest.issues import IssueLog
from audit.ingest.places import Divisions
from audit.ingest.readers import ReadLimits, check_file, read_file
from audit.ingest.report import sheet_summary, write_reports
from audit.ingest.sheets import SheetResult, read_sheet
from audit.schema import TABLES, conform, empty_frame

__all__ = ["IngestResult", "ingest"]

_PROV = ["_sheet", "_row"]


@dataclass
class IngestResult:
    """The outcome of :func:`ingest`.

    Attributes
    ----------
    dataset : Dataset
        Built from the accepted rows.
    summary : DataFrame
        Per sheet: rows read, accepted, rejected, warnings (see :func:`sheet_summary`).
    issues : DataFrame
        Every problem, one line each (file, sheet, row, column, value, messages).
    path : Path or None
        The Dataset folder written.
    reports : list of Path
        The report files written.
    """

    dataset: Dataset
    summary: pd.DataFrame
    issues: pd.DataFrame
    sheets: list = field(repr=False, default_factory=list)
    path: Path | None = None
    reports: list[Path] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Data rows read over all sheets."""
        return int(self.summary["rows_read"].sum()) if len(self.summary) else 0

    @property
    def rejected(self) -> int:
        """Rows rejected over all sheets."""
        return int(self.summary["rejected"].sum()) if len(self.summary) else 0

    @property
    def accepted(self) -> int:
        """Rows accepted over all sheets."""
        return self.rows_read - self.rejected

    @property
    def exit_code(self) -> int:
        """0 when every row was accepted, 1 when some were rejected."""
        return 1 if self.rejected else 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while millions of cells are created.

    Reading a workbook allocates one Python object per cell and no reference
    cycles; the collector's repeated passes over them cost a third of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_all(files, log, divisions, only, limits=None) -> list[SheetResult]:
    for path in files:  # refuse a zip bomb or locked workbook before reading any file
        check_file(path, limits)
    with _gc_paused():
        return _read_files(files, log, divisions, only, limits)


def _read_files(files, log, divisions, only, limits=None) -> list[SheetResult]:
    sheets: list[SheetResult] = []
    for path in files:
        raws = read_file(path, limits)
        mine = []
        for raw in raws:
            result = read_sheet(raw, len(sheets), log, divisions, only=only)
            sheets.append(result)
            mine.append(result)
            _read_notes(raw, result, log)
            if result.status == "empty":
                log.sheet_note(result, "sheet_empty")
            elif result.status == "unrecognised":
                log.sheet_note(result, "sheet_unrecognised")
            elif len(result.rows) == 0:
                log.sheet_note(result, "sheet_no_data")
        _check_file(str(path), mine, only)
    return sheets


def _read_notes(raw, result: SheetResult, log) -> None:
    """Log the workbook's notes (macros, external links) and the formula cells read as data."""
    for key, detail in raw.notes:
        log.sheet_note(result, key, detail=detail)
    if not raw.formulas or result.status != "read":
        return
    cells = pd.DataFrame(raw.formulas, columns=["row", "col", "formula", "cached"])
    used = list(result.recognition.used())
    cells = cells[cells["row"].isin(result.rows) & cells["col"].isin(used)]
    labels = pd.Series({h.index: h.label for h in result.header.columns})
    log.formulas(result, cells.assign(column=cells["col"].map(labels).fillna("")))


def _check_file(name: str, sheets: list[SheetResult], only) -> None:
    if all(s.status == "empty" for s in sheets):
        raise InputError("文件为空（没有任何数据）", "the file is empty", file=name)
    read = [s for s in sheets if s.status == "read"]
    if not read:
        wanted = "入户核查表（户编号、核查日期…）" if only else "任何可识别的表"
        raise InputError(
            f"文件中找不到{wanted}：前 10 行中没有足够的已知表头",
            "no recognisable table in the file: too few known headers in the first 10 rows",
            file=name,
            sheet=sheets[0].sheet if len(sheets) == 1 else None,
        )
    if sum(len(s.rows) for s in read) == 0:
        raise InputError(
            "文件只有表头，没有数据行", "the file has headers but no data rows", file=name
        )


def _parts(sheets: list[SheetResult], table: str) -> pd.DataFrame:
    frames = [s.parts[table] for s in sheets if table in s.parts]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _final(table: str, part: pd.DataFrame) -> pd.DataFrame:
    if part.empty:
        return empty_frame(table)
    return conform(part.drop(columns=_PROV).reset_index(drop=True), table)


def _divisions_table(table: str, part: pd.DataFrame, divisions: Divisions, settings):
    """Townships/villages: the inputs' rows (completed from the reference), else the reference."""
    ref = divisions.townships if table == "townships" else divisions.villages
    code = "township_code" if table == "townships" else "village_code"
    ref = ref.assign(
        county_code=divisions.county_code or settings.audit.county_code,
        county_name=divisions.county_name or settings.audit.county_name,
    )
    names = TABLES[table].names
    if part.empty:
        base = empty_frame(table).drop(columns=[c for c in names if c in ref.columns])
        frame = ref[[c for c in names if c in ref.columns]].reset_index(drop=True)
        for c in base.columns:
            frame[c] = pd.Series(index=frame.index, dtype=base[c].dtype)
        return conform(frame[names], table)
    part = part.drop(columns=_PROV).reset_index(drop=True)
    lookup = ref.drop_duplicates(code).set_index(code)
    for c in names:
        if c in lookup.columns and part[c].isna().all():
            part[c] = part[code].map(lookup[c]).astype(part[c].dtype)
    return conform(part, table)


def ingest(
    files,
    out: str | Path | None = None,
    into: str | Path | None = None,
    *,
    county: str = "gangu",
    settings=None,
    strict: bool = False,
    visit_list: str | Path | None = None,
) -> IngestResult:
    """Ingest registry exports (``out``) or field returns into a Dataset (``into``).

    Parameters
    ----------
    files : sequence of str or Path
        Workbooks (every sheet is read) and CSV files.
    out : path, optional
        Folder to write the new Dataset to (and the reports into it).
    into : path, optional
        An existing Dataset to add visits (入户核查 returns) to; only visit
        tables are accepted, for households of that Dataset.
    county : str
        Reference divisions to resolve places against (``data/reference/<county>``).
    settings : Settings or path, optional
        County code/name, reference date and year for ``dataset.json``.
    strict : bool
        Reject rows with unreadable values in any column (default: keep them
        as missing, with a warning).
    visit_list : path, optional
        With ``into``: the visit list handed out (a workbook or Parquet file with
        a 户编号 / household_id column); returns for other households are rejected.

    Returns
    -------
    IngestResult

    Raises
    ------
    InputError
        Unusable input (exit status 2); nothing is written.
    """
    from audit.settings import Settings, load_settings

    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    files = [Path(f) for f in files]
    if not files:
        raise InputError("没有给出输入文件", "no input files given")
    base = None
    if into is not None:
        base = load_dataset(into)
        divisions = Divisions.from_dataset(base)
        only = ("visits",)
    else:
        divisions = Divisions.from_reference(
            county,
            county_code=settings.audit.county_code,
            county_name=settings.audit.county_name,
        )
        only = None
    limits = ReadLimits.from_settings(settings)
    listed = _visit_list(visit_list, limits) if visit_list is not None else None
    log = IssueLog(strict=strict)
    sheets = _read_all(files, log, divisions, only, limits)
    by_id = {s.sheet_id: s for s in sheets}

    rejected = log.rejected()
    parts = {t: drop_rejected(_parts(sheets, t), rejected) for t in TABLES}
    merged = {}
    for table in TABLES:
        if table == "members":
            continue
        merged[table], bad = consolidate(table, parts[table], by_id, log)
        rejected = pd.concat([rejected, bad.rename(columns={"_sheet": "sheet_id", "_row": "row"})])
    members = drop_rejected(parts["members"], rejected)
    rejected = pd.concat([rejected, _as_rej(repeated_members(members, by_id, log))])
    members = drop_rejected(members, rejected)
    known = None
    if base is not None:
        known = pd.Index(base.households["household_id"])
    elif not merged["households"].empty:
        known = pd.Index(merged["households"]["household_id"])
    if known is not None:
        bad_m = orphans(members, known, by_id, log, "orphan_member")
        bad_v = orphans(merged["visits"], known, by_id, log, "visit_unknown_household")
        rejected = pd.concat([rejected, _as_rej(bad_m), _as_rej(bad_v)])
    if listed is not None:
        bad_l = orphans(
            drop_rejected(merged["visits"], rejected), listed, by_id, log, "visit_not_in_list"
        )
        rejected = pd.concat([rejected, _as_rej(bad_l)])
    rejected = rejected.astype("int64").drop_duplicates()
    members = drop_rejected(members, rejected)
    visits = drop_rejected(merged["visits"], rejected)

    if base is not None:
        truth = load_truth(into) if (Path(into) / "truth").is_dir() else None
        dataset, rejected = _add_visits(base, visits, by_id, log, rejected, truth)
    else:
        tables = {t: _final(t, drop_rejected(merged[t], rejected)) for t in merged}
        tables["members"] = _final("members", members)
        tables["visits"] = _final("visits", visits)
        for t in ("townships", "villages"):
            tables[t] = _divisions_table(t, merged[t], divisions, settings)
        dataset = Dataset(**tables, meta=_meta(settings))
    issues = log.frame()
    summary = sheet_summary(sheets, issues, rejected)
    dataset.meta.setdefault("sources", [])
    dataset.meta["sources"] = list(dataset.meta["sources"]) + _sources(files, summary)
    result = IngestResult(dataset, summary, issues, sheets)
    target = out if into is None else into
    if target is not None:
        result.path = Path(target).resolve()
        meta = _report_meta(result)

        def reports(folder):
            written = write_reports(folder, sheets, issues, rejected, meta)
            result.reports = [result.path / p.name for p in written]

        dataset.save(target, inputs=files if into is None else (), also=reports)
    return result


def _as_rej(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"_sheet": "sheet_id", "_row": "row"})


def _visit_list(path, limits=None) -> pd.Index:
    """Household IDs of the visit list handed out (Parquet or workbook with 户编号)."""
    from audit.ingest.headers import find_header
    from audit.ingest.normalise import normalise_codes

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        if "household_id" in frame:
            return pd.Index(frame["household_id"].astype(str))
    else:
        for raw in read_file(path, limits):
            header = find_header(raw.rows, raw.merged)
            if header is None:
                continue
            for h in header.columns:
                if ("households", "household_id") in h.targets:
                    body = raw.rows[header.data_start :]
                    cells = pd.Series([r[h.index] if h.index < len(r) else "" for r in body])
                    return pd.Index(normalise_codes(cells.astype(object))[0].dropna())
    raise InputError(
        "入户核查名单中找不到「户编号」列", "no 户编号 column in the visit list", file=str(path)
    )


def _add_visits(base: Dataset, visits: pd.DataFrame, by_id, log, rejected, truth):
    """Append returned visits to the Dataset; identical visits already there are not doubled."""
    if visits.empty:
        return Dataset(
            **base.tables(), geometry=base.geometry, meta=dict(base.meta), truth=truth
        ), rejected
    old = base.visits
    key = ["household_id", "visit_date"]
    new = conform(visits.drop(columns=_PROV).reset_index(drop=True), "visits")
    prov = visits[_PROV].reset_index(drop=True)
    both = new.merge(
        old.drop_duplicates(key), on=key, how="left", suffixes=("", "_old"), indicator=True
    )
    present = both["_merge"].eq("both").to_numpy()
    same = pd.Series(True, index=both.index)
    for c in new.columns:
        if c not in key:
            a, b = both[c], both[f"{c}_old"]
            same &= (a.isna() & b.isna()) | (a == b).fillna(False).astype(bool)
    bad = []
    for i in np.flatnonzero(present):  # returns already in the Dataset (few)
        sheet, row = by_id[int(prov.at[i, "_sheet"])], int(prov.at[i, "_row"])
        if same.iat[i]:
            log._add(sheet, row, "", "", "visit_present")
        else:
            log._add(sheet, row, "", "", "visit_conflict", values="核查记录 / visit record")
            bad.append((sheet.sheet_id, row))
    tables = base.tables()
    tables["visits"] = conform(pd.concat([old, new[~present]], ignore_index=True), "visits")
    ds = Dataset(**tables, geometry=base.geometry, meta=dict(base.meta), truth=truth)
    extra = pd.DataFrame(bad, columns=["sheet_id", "row"], dtype="int64")
    return ds, pd.concat([rejected, extra]).drop_duplicates()


def _meta(settings) -> dict:
    return {
        "county_code": settings.audit.county_code,
        "county_name": settings.audit.county_name,
        "reference_date": str(settings.audit.reference_date),
        "year": settings.audit.year,
        "settings": settings.to_dict(),
        "settings_source": settings.source,
        "sources": [],
    }


def _sources(files, summary: pd.DataFrame) -> list[dict]:
    out = []
    for path in files:
        rows = summary[summary["file"] == str(path)]
        out.append(
            {
                "file": path.name,
                "sha256": _sha256(path),
                "rows_read": int(rows["rows_read"].sum()),
                "accepted": int(rows["accepted"].sum()),
                "rejected": int(rows["rejected"].sum()),
            }
        )
    return out


def _report_meta(result: IngestResult) -> dict:
    return {
        "dataset": str(result.path) if result.path else None,
        "rows_read": result.rows_read,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "exit_code": result.exit_code,
        "complete": result.rejected == 0,
    }
