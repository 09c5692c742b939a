"""Which table a sheet holds, and which of its columns feed which schema column.

A sheet is recognised as the table whose columns its headers match best; a
table counts only when at least two of its columns and one of its required
columns are present. The G1 person-level export (one row per member, the
household's columns repeated on each row) matches both ``members`` and
``households``: it is recognised as both and split (see DESIGN.md, "The Dataset").
Places may be given as names (乡(镇), 行政村) instead of codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.errors import InputError
from audit.ingest.headers import Header, HeaderMap, normalise_header
from audit.schema import TABLES

__all__ = ["Recognition", "recognise"]

#: An incomplete table with at least this many columns of its own is an error, not ignored.
_RIVAL_COLUMNS = 3


@dataclass
class Recognition:
    """What a sheet holds.

    Attributes
    ----------
    tables : tuple of str
        The tables read from the sheet (``("households", "members")`` for a
        person-level registry export).
    columns : dict
        ``{table: {column: Header}}``, the header feeding each schema column.
    places : dict
        ``{"county"|"township"|"village": Header}`` for place names.
    ignored : list of Header
        Columns not read (unknown, known but not stored, or duplicated).
    duplicates : list of (Header, Header)
        Columns whose header repeats an earlier one: (ignored, kept).
    """

    tables: tuple[str, ...]
    columns: dict[str, dict[str, Header]]
    places: dict[str, Header] = field(default_factory=dict)
    ignored: list[Header] = field(default_factory=list)
    duplicates: list[tuple[Header, Header]] = field(default_factory=list)

    def used(self) -> set[int]:
        """Indexes of the sheet columns that are read."""
        out = {h.index for cols in self.columns.values() for h in cols.values()}
        return out | {h.index for h in self.places.values()}


def _satisfied(table: str, matched: dict, places: dict) -> list[str]:
    """Return the required columns of ``table`` that cannot be filled (empty when fine)."""
    missing = []
    for col in TABLES[table].columns:
        if not col.required or col.name in matched:
            continue
        if table == "villages" and col.name in ("name", "township_code"):
            if "village_code" in matched or "village" in places:
                continue
        if table == "townships" and col.name in ("name", "township_code"):
            if "township_code" in matched or "name" in matched or "township" in places:
                continue
        if table == "villages" and col.name == "village_code" and "name" in matched:
            continue
        if col.name == "township_code" and (
            "township" in places or "village" in places or "village_code" in matched
        ):
            continue
        if col.name == "village_code" and "village" in places:
            continue
        missing.append(col.name)
    return missing


def recognise(
    header: HeaderMap,
    sheet: str | None,
    *,
    file: str | None = None,
    only: tuple[str, ...] | None = None,
) -> Recognition | None:
    """Recognise the table(s) of a sheet from its header.

    Parameters
    ----------
    header : HeaderMap
        The sheet's header.
    sheet : str or None
        Sheet name, a tie-breaker when it names a table (农户, households…).
    file : str, optional
        The file, for messages.
    only : tuple of str, optional
        Tables allowed (``("visits",)`` for field returns).

    Returns
    -------
    Recognition or None
        None when no table is recognised.

    Raises
    ------
    InputError
        When the best table lacks a required column (the message names it).
    """
    matched: dict[str, dict[str, Header]] = {}
    places: dict[str, Header] = {}
    for h in header.columns:
        for table, column in h.targets:
            if table == "_place":
                places.setdefault(column, h)
            elif table != "_ignored":
                matched.setdefault(table, {}).setdefault(column, h)
    hint = normalise_header(sheet or "")
    scores = {}
    for table, cols in matched.items():
        if only and table not in only:
            continue
        required = [c.name for c in TABLES[table].columns if c.required and c.name in cols]
        if len(cols) < 2 or not required:
            continue
        bonus = 3 if hint in (normalise_header(TABLES[table].zh), table) else 0
        scores[table] = len(cols) + 2 * len(required) + bonus
    if not scores:
        return None
    ok = {t for t in scores if not _satisfied(t, matched[t], places)}
    if {"members", "households"} <= ok and (only is None or "households" in only):
        person_only = set(matched["households"]) - {"household_id"}
        if person_only or "village" in places:
            return _finish(("households", "members"), header, matched, places)
    if ok:
        best = max(ok, key=lambda t: scores[t])
        chosen = {(best, c) for c in matched[best]}
        rival = _rival(header, scores, ok, chosen)
        if rival is None:
            return _finish((best,), header, matched, places)
        best = rival
    else:
        best = max(scores, key=lambda t: scores[t])
    column = TABLES[best].column(_satisfied(best, matched[best], places)[0])
    raise InputError(
        f"工作表看起来是「{TABLES[best].zh}」表，但缺少必填列「{column.zh}」",
        f"the sheet looks like table {best!r} but lacks the required column {column.name!r} "
        f"({column.zh})",
        file=file,
        sheet=sheet,
        column=column.zh,
    )


def _rival(header: HeaderMap, scores: dict, ok: set, chosen: set) -> str | None:
    """Return an incomplete table with many columns of its own (the sheet was meant to hold it).

    A person-level export that lacks 与户主关系 still matches ``households``; its
    many member columns must not be silently ignored.
    """
    for table in sorted(set(scores) - ok, key=lambda t: -scores[t]):
        own = {
            h.index
            for h in header.columns
            if any(t == table for t, _ in h.targets)
            and not any(t in {c[0] for c in chosen} for t, _ in h.targets)
        }
        if len(own) >= _RIVAL_COLUMNS:
            return table
    return None


def _finish(tables, header: HeaderMap, matched, places) -> Recognition:
    columns = {t: {} for t in tables}
    duplicates = []
    kept: dict[tuple[str, str], Header] = {}
    used_places: dict[str, Header] = {}
    for h in header.columns:
        hits = [(t, c) for t, c in h.targets if t in tables]
        place_hits = [c for t, c in h.targets if t == "_place"]
        dup = None
        for key in hits:
            if key in kept:
                dup = kept[key]
            else:
                kept[key] = h
                columns[key[0]][key[1]] = h
        for level in place_hits:
            if level in used_places:
                dup = dup or used_places[level]
            else:
                used_places[level] = h
        if (
            dup is not None
            and not any(h is v for v in kept.values())
            and h not in (used_places.values())
        ):
            duplicates.append((h, dup))
    rec = Recognition(tables, columns, used_places, [], duplicates)
    used = rec.used()
    rec.ignored = [h for h in header.columns if h.index not in used]
    return rec
