"""Sort the files of a run by audience and scan each against the rules of its audience.

:func:`classify` sorts the files; :func:`scan` reads each one
(:mod:`~audit.privacy_scan.readers`), finds its tokens and names
(:mod:`~audit.privacy_scan.patterns`), checks them against the rules of the
file's audience and, with a Dataset, against the township of the file, and
returns the leaks with masked excerpts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from audit.errors import InputError
from audit.idnumber import decode
from audit.privacy import mask_id
from audit.privacy_scan.patterns import (
    CJK_RUN,
    CUT_HEAD,
    CUT_TAIL,
    TOKENS,
    mask_text,
    names_in,
)
from audit.privacy_scan.readers import EXCEL_SUFFIXES, Pieces, concat, read_pieces

__all__ = ["AUDIENCES", "COLUMNS", "KINDS", "classify", "scan"]

#: The audiences of a run's files (:func:`classify`), with their Chinese labels.
AUDIENCES = {
    "leader": "领导及全县范围（须遮蔽）",
    "restricted": "乡镇干部工作清单（含完整身份信息，仅限本乡镇）",
    "analyst": "分析数据（含完整身份证号，不得外发）",
}
#: The kinds of leak :func:`scan` reports, with their Chinese labels.
KINDS = {
    "id_number": "未遮蔽的身份证号",
    "phone": "电话号码",
    "name_near_id": "完整姓名与身份证号同行",
    "foreign_household": "其他乡镇的农户",
    "unreadable": "无法读取，未能检查",
}
COLUMNS = ["file", "where", "kind", "excerpt"]

_TOWNSHIP_FOLDER = re.compile(r"^(\d{6,12})-")


# ---------------------------------------------------------------- audiences


def _township_of(parts: tuple[str, ...], root: Path) -> str:
    """Return the township folder a file is in ("" when none)."""
    if "townships" in parts[:-2]:
        folder = parts[parts.index("townships") + 1]
    elif root.parent.name == "townships":
        folder = root.name
    else:
        return ""
    return folder if _TOWNSHIP_FOLDER.match(folder) else ""


def _audience(parts: tuple[str, ...], township: str) -> str:
    suffix = Path(parts[-1]).suffix.lower()
    if township and suffix in EXCEL_SUFFIXES | {".csv"}:
        return "restricted"
    if suffix == ".parquet" and not township:
        return "analyst"
    return "leader"


def classify(run_folder) -> pd.DataFrame:
    """Sort every file of a run folder by audience.

    Parameters
    ----------
    run_folder : str or Path
        A run folder (``audit run --out``), a township folder of one, or a single file.

    Returns
    -------
    DataFrame
        One row per file: ``file`` (path relative to the folder, ``/``-separated),
        ``audience`` (``leader``, ``restricted``, ``analyst``; see :data:`AUDIENCES`),
        ``township`` (the township folder the file is in, else "") and ``bytes``.

    Examples
    --------
    >>> classify("outputs/demo/run").groupby("audience").size()  # doctest: +SKIP
    """
    root = Path(run_folder)
    if not root.exists():
        raise InputError(
            f"找不到要检查的文件夹或文件：{root}", f"no such folder or file: {root}", file=str(root)
        )
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    base = root if root.is_dir() else root.parent
    rows = []
    for p in files:
        parts = p.relative_to(base).parts
        township = _township_of(parts, base)
        rows.append(("/".join(parts), _audience(parts, township), township, p.stat().st_size))
    return pd.DataFrame(rows, columns=["file", "audience", "township", "bytes"])


# ---------------------------------------------------------------- matching


@dataclass
class _Index:
    """What the Dataset says about identities: names, and who lives in which township.

    Object dtype throughout: look-ups of a few hundred values in half a million
    IDs are hash probes, not scans.
    """

    names: frozenset
    person_ids: frozenset
    person_town: pd.DataFrame  # value (ID), township_code
    masked_town: pd.DataFrame  # value (masked ID), township_code
    household_town: pd.Series  # household_id -> township_code
    towns: pd.Series  # township_code -> name


def _object(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).dropna().drop_duplicates().reset_index(drop=True)


def _index(dataset) -> _Index | None:
    if dataset is None:
        return None
    hh = dataset.households
    hh_town = pd.Series(
        hh["township_code"].to_numpy(dtype=object), index=hh["household_id"].astype(object)
    )
    m = dataset.members
    ids = m["person_id"].astype(str).str.upper()
    people = _object(pd.DataFrame({"value": ids, "township_code": m["household_id"].map(hh_town)}))
    masked = _object(people.assign(value=mask_id(people["value"])))
    names = frozenset(m["name"].dropna().astype(str).str.strip()) - {""}
    towns = dataset.townships.set_index("township_code")["name"]
    return _Index(names, frozenset(people["value"]), people, masked, hh_town, towns)


def _tokens(pieces: Pieces, idx: _Index | None) -> pd.DataFrame:
    """Find every ID-like, phone-like and household-number token: piece, offset, kind, value."""
    blob = "\n".join(pieces.text)
    starts = np.cumsum([0] + [len(t) + 1 for t in pieces.text[:-1]])
    found = [(m.start(), m.lastgroup, m.group()) for m in TOKENS.finditer(blob)]
    hits = pd.DataFrame(found, columns=["pos", "token", "value"])
    piece = np.searchsorted(starts, hits["pos"].to_numpy(), side="right") - 1
    hits = hits.assign(piece=piece, offset=hits["pos"].to_numpy() - starts[piece])
    hits["value"] = hits["value"].str.upper()
    ids = idx.person_ids if idx is not None else frozenset()
    known = np.fromiter((v in ids for v in hits["value"]), dtype=bool, count=len(hits))
    valid = decode(hits["value"])["valid"] | known
    old = pd.to_datetime("19" + hits["value"].str.slice(6, 12), format="%Y%m%d", errors="coerce")
    old = old.notna().to_numpy() | known
    hits["is_id"] = (hits["token"].eq("id18") & valid) | (hits["token"].eq("id15") & old)
    return hits.drop(columns="pos")


def _leader_leaks(pieces: Pieces, hits: pd.DataFrame, idx: _Index | None) -> pd.DataFrame:
    ids = hits[hits["is_id"]].assign(kind="id_number")
    phones = hits[hits["token"].isin(["mobile", "landline"])].assign(kind="phone")
    out = [ids, phones]
    near = hits["is_id"] | hits["token"].eq("masked")
    if idx is not None and near.any():
        group = pd.Series(pieces.group, dtype=object)
        rows = set(group.iloc[hits.loc[near, "piece"]])
        cand = np.flatnonzero(group.isin(rows).to_numpy())
        found = [(p, o, n) for p in cand for o, n in names_in(pieces.text[p], idx.names)]
        names = pd.DataFrame(found, columns=["piece", "offset", "value"])
        out.append(names.assign(kind="name_near_id", token="name"))
    return pd.concat(out, ignore_index=True)


def _foreign_leaks(hits: pd.DataFrame, folder: str, idx: _Index) -> pd.DataFrame:
    own = _TOWNSHIP_FOLDER.match(folder).group(1)
    if own not in idx.towns.index:
        raise InputError(
            f"乡镇文件夹「{folder}」不属于所给的数据集；请用本次运行所用的数据集（--data）",
            f"the township folder {folder!r} is not in the given Dataset; pass the run's Dataset",
            parameter="--data",
        )
    hits = hits.reset_index(drop=True)
    pairs = []
    for token, table in (("id18", idx.person_town), ("masked", idx.masked_town)):
        sub = hits.loc[hits["token"].eq(token), ["value"]].astype(object)
        table = table[table["value"].isin(set(sub["value"]))] if len(sub) else table.iloc[:0]
        pairs.append(sub.reset_index().merge(table, on="value"))
    hh = hits[hits["token"].eq("hh")]
    pairs.append(
        hh[["value"]]
        .reset_index()
        .assign(township_code=hh["value"].map(idx.household_town).to_numpy())
    )
    towns = pd.concat(pairs).dropna(subset=["township_code"])
    has_own = towns["township_code"].eq(own).groupby(towns["index"]).transform("any")
    other = towns.loc[~has_own.to_numpy(dtype=bool)].drop_duplicates("index")
    leaks = hits.loc[other["index"]].assign(kind="foreign_household")
    note = " → " + other["township_code"] + " " + other["township_code"].map(idx.towns).fillna("")
    return leaks.assign(note=note.to_numpy())


# ---------------------------------------------------------------- excerpts


def _excerpts(pieces: Pieces, leaks: pd.DataFrame, idx: _Index | None, width: int = 16):
    """Return the masked text around each leak.

    A number cut by the edge of the window is dropped (its tail could be part of
    an ID); without a Dataset every run of Chinese characters is masked as a name.
    """
    snippets = []
    for piece, offset, value in zip(leaks["piece"], leaks["offset"], leaks["value"], strict=True):
        text = pieces.text[piece]
        start, end = max(offset - width, 0), offset + len(value) + width
        snippet = CUT_HEAD.sub("", text[start:end]) if start else text[start:end]
        snippet = CUT_TAIL.sub("", snippet) if end < len(text) else snippet
        snippet = " ".join(snippet.split())
        snippets.append(("…" if start else "") + snippet + ("…" if end < len(text) else ""))
    names = idx.names if idx is not None else {r for s in snippets for r in CJK_RUN.findall(s)}
    return mask_text(snippets, names)


# ---------------------------------------------------------------- scan


def _scan_file(path: Path, row, idx: _Index | None, strict: bool) -> pd.DataFrame:
    audience = "leader" if strict else row.audience
    try:
        pieces = read_pieces(path)
    except Exception as exc:  # zip, XML, JSON, zlib, struct, decoding errors: all mean unreadable
        return pd.DataFrame([[row.file, type(exc).__name__, "unreadable", ""]], columns=COLUMNS)
    name = Pieces([row.file], ["file name"], [-1])  # a file name is text too
    pieces = concat([pieces, name])
    hits = _tokens(pieces, idx)
    parts = []
    if audience == "leader":
        parts.append(_leader_leaks(pieces, hits, idx))
    if idx is not None and row.township:
        parts.append(_foreign_leaks(hits, row.township, idx))
    leaks = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if leaks.empty:
        return pd.DataFrame(columns=COLUMNS)
    leaks = leaks.drop_duplicates(["piece", "offset", "kind"])
    excerpt = pd.Series(_excerpts(pieces, leaks, idx), index=leaks.index)
    if "note" in leaks:
        excerpt = excerpt + leaks["note"].fillna("")
    return pd.DataFrame({
        "file": row.file,
        "where": [pieces.where[p] for p in leaks["piece"]],
        "kind": leaks["kind"].to_numpy(),
        "excerpt": excerpt.to_numpy(),
    })  # fmt: skip


def scan(path, dataset=None, *, strict: bool = False) -> pd.DataFrame:
    """Scan a run folder (or any folder or file) for personal data out of place.

    Parameters
    ----------
    path : str or Path
        A run folder, a township folder of one, or a single file.
    dataset : Dataset, optional
        The run's Dataset: enables the name check (``name_near_id``), the
        township check (``foreign_household``) and recognises IDs of the
        Dataset whose check character is wrong.
    strict : bool
        Check every file as if it were to circulate, the cadre work lists and
        the analysts' Parquet tables included.

    Returns
    -------
    DataFrame
        One row per leak: ``file`` (relative path), ``where``
        (``sheet!cell``, ``line N``, a JSON path, ``cell i output j … line N``,
        ``column row N``, a PNG chunk), ``kind`` (see :data:`KINDS`) and
        ``excerpt`` (the text around it). Every column is masked itself
        (:func:`mask_text`). Empty when clean.

    Examples
    --------
    >>> leaks = scan("outputs/demo/run", load_dataset("outputs/demo/data"))  # doctest: +SKIP
    >>> leaks.groupby(["file", "kind"]).size()  # doctest: +SKIP
    """
    files = classify(path)
    root = Path(path) if Path(path).is_dir() else Path(path).parent
    idx = _index(dataset)
    found = [
        _scan_file(root / row.file, row, idx, strict)
        for row in files.itertuples()
        if strict or row.audience != "analyst"
    ]
    leaks = pd.concat([pd.DataFrame(columns=COLUMNS), *found], ignore_index=True)
    leaks["file"] = mask_text(leaks["file"])  # a file name, a sheet name, a JSON key can be an ID
    leaks["where"] = mask_text(leaks["where"])
    return leaks.astype(str)
