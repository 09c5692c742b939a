"""Compare two run folders on their derived outputs, to tell whether they give the same numbers.

Reproducibility (DESIGN.md, "Reproducible") is checked on what a run derives,
never on the bytes of executed notebooks (they hold timestamps):

- every Parquet and CSV table (findings, samples, estimates, simulation summaries,
  household statuses, action plans…), cell by cell, row order included;
- every JSON file, key by key; in ``manifest.json`` the fields that legitimately
  differ between two runs of the same inputs are left out (:data:`MANIFEST_IGNORED`:
  creation time, timings, run id, paths, git commit, package versions);
- the text of every HTML report (tags, styles and inline images stripped), paragraph
  by paragraph, with the run id and the run folder's path normalised away;
- the cell values of every Excel workbook, sheet by sheet.

Logs, executed notebooks, images and the folder marker are not compared.

Examples
--------
>>> from audit.runner.compare import compare_runs
>>> diffs = compare_runs("outputs/2024-03-25", "outputs/rerun")  # doctest: +SKIP
>>> [str(d) for d in diffs]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import difflib
import fnmatch
import html
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from audit.ingest.headers import column_letter

__all__ = [
    "MANIFEST_IGNORED",
    "Difference",
    "compare_runs",
    "derived_files",
    "report_text",
    "select_files",
]

#: Folders of a run that hold no derived numbers (executed notebooks, logs).
SKIPPED_DIRS = ("notebooks", "logs")
#: Suffixes of the files compared.
SUFFIXES = (".parquet", ".csv", ".json", ".html", ".xlsx")
#: Keys of ``manifest.json`` (dotted, ``*`` for any one key) that differ between identical runs.
MANIFEST_IGNORED = (
    "created",
    "run_id",
    "data_dir",
    "out_dir",
    "git_commit",
    "packages",
    "environment_lock",
    "environment_lock.*",
    "timings",
    "timings.*",
    "reports.*.seconds",
    "reports.*.error.message",
)
#: Differences listed per file at most (the count of the rest is reported).
MAX_PER_FILE = 5

_BLOCK = re.compile(
    r"(?i)</?(?:p|div|br|li|ul|ol|tr|table|thead|tbody|h[1-6]|section|header|footer|figure"
    r"|figcaption|caption|title|blockquote|hr|dt|dd)\b[^>]*>"
)
_CELL_END = re.compile(r"(?i)</(?:td|th)\s*>")
_STAGING = re.compile(r"[^\s\"'<>]*/\.[^/\s\"'<>]+\.partial-[A-Za-z0-9_]+")
_RUN_ID = re.compile(r"运行编号\s*\S+")
_DURATION = re.compile(r"用时\s*[\d.]+\s*(?:秒|分钟|s\b)")


@dataclass(frozen=True)
class Difference:
    """One difference between two runs.

    ``path`` is the file relative to the run folders; ``kind`` one of ``missing``,
    ``table``, ``json``, ``report``, ``xlsx``, ``unreadable``; ``where`` the place
    in the file (column and row, key, paragraph, sheet and cell); ``a`` and ``b``
    the two values as text.
    """

    path: str
    kind: str
    where: str
    a: str
    b: str

    def __str__(self) -> str:
        where = f" ▸ {self.where}" if self.where else ""
        return f"{self.path}{where}: {self.a} ≠ {self.b}"


def _short(value, limit: int = 120) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def derived_files(run: str | Path) -> list[str]:
    """Return the derived outputs of a run folder, as sorted POSIX paths relative to it."""
    run = Path(run)
    out = []
    for p in run.rglob("*"):
        rel = p.relative_to(run)
        if (
            p.is_file()
            and p.suffix.lower() in SUFFIXES
            and rel.parts[0] not in SKIPPED_DIRS
            and not any(part.startswith(".") for part in rel.parts)
        ):
            out.append(rel.as_posix())
    return sorted(out)


def _normaliser(*runs: Path):
    """Return a function replacing run folder paths (final or staging) by ``<RUN>``."""
    roots = sorted({str(r.resolve()) for r in runs} | {str(r) for r in runs}, key=len, reverse=True)

    def normalise(text: str) -> str:
        text = _STAGING.sub("<RUN>", text)
        for root in roots:
            text = text.replace(root, "<RUN>")
        return text

    return normalise


# -- tables -------------------------------------------------------------------------------
def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _column_differs(a: pd.Series, b: pd.Series, rtol: float) -> np.ndarray:
    """A boolean mask of the rows where two columns differ (missing equals missing)."""
    na_a, na_b = a.isna().to_numpy(), b.isna().to_numpy()
    differs = na_a != na_b
    both = ~(na_a | na_b)
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        x = a.to_numpy(dtype=float, na_value=np.nan)
        y = b.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            close = x == y if rtol == 0 else np.isclose(x, y, rtol=rtol, atol=0.0)
        differs |= both & ~close
    else:
        x, y = a.astype(object).to_numpy(), b.astype(object).to_numpy()
        same = np.fromiter(
            (str(u) == str(v) for u, v in zip(x, y, strict=True)), dtype=bool, count=len(x)
        )
        differs |= both & ~same
    return differs


def compare_tables(a: pd.DataFrame, b: pd.DataFrame, rel: str, rtol: float = 0.0) -> list:
    """Differences between two tables: columns, row count, then cell values row by row."""
    out = []
    if list(a.columns) != list(b.columns):
        only_a = [c for c in a.columns if c not in b.columns]
        only_b = [c for c in b.columns if c not in a.columns]
        out.append(Difference(rel, "table", "列 / columns",
                              _short(only_a or list(a.columns)),
                              _short(only_b or list(b.columns))))  # fmt: skip
    if len(a) != len(b):
        out.append(Difference(rel, "table", "行数 / rows", str(len(a)), str(len(b))))
        return out
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    for col in [c for c in a.columns if c in b.columns]:
        rows = np.flatnonzero(_column_differs(a[col], b[col], rtol))
        if len(rows):
            i = int(rows[0])
            more = f"（共 {len(rows)} 行不同）" if len(rows) > 1 else ""
            out.append(Difference(rel, "table", f"列「{col}」第 {i + 1} 行{more}",
                                  _short(a[col].iloc[i]), _short(b[col].iloc[i])))  # fmt: skip
    return out


# -- JSON ---------------------------------------------------------------------------------
def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):  # an empty dict flattens to nothing
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _json_equal(x, y, rtol: float) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) and math.isnan(y):
            return True
        return x == y if rtol == 0 else math.isclose(x, y, rel_tol=rtol)
    return x == y


def compare_json(a: Path, b: Path, rel: str, normalise, rtol: float = 0.0) -> list:
    """Differences between two JSON files, key by key (manifest's run-specific keys ignored)."""

    def load(p: Path) -> dict:
        data = json.loads(normalise(p.read_text(encoding="utf-8")))
        return _flatten(data if isinstance(data, dict) else {"": data})

    fa, fb = load(a), load(b)
    ignored = MANIFEST_IGNORED if Path(rel).name == "manifest.json" else ()

    def kept(key: str) -> bool:
        parts = key.split(".")
        for pattern in ignored:
            pat = pattern.split(".")
            if len(parts) >= len(pat) and all(
                fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pat, strict=False)
            ):
                return False
        return True

    out = []
    for key in sorted(set(fa) | set(fb)):
        if not kept(key):
            continue
        x, y = fa.get(key, "（无）"), fb.get(key, "（无）")
        if not _json_equal(x, y, rtol):
            out.append(Difference(rel, "json", key, _short(x), _short(y)))
    return out


# -- reports ------------------------------------------------------------------------------
def report_text(path: str | Path, normalise=None) -> list[str]:
    """Return the visible text of an HTML report as paragraphs, run-specific details removed.

    Styles, scripts and inline images are dropped, block elements become
    paragraph breaks, table cells are separated by `` | ``; the run id
    (``运行编号 …``), durations (``用时 … 秒``) and run folder paths are normalised.
    """
    text = Path(path).read_text(encoding="utf-8")
    text = re.sub(r"(?is)<(style|script|svg)\b.*?</\1>", " ", text)
    text = re.sub(r"(?is)<!--.*?-->", " ", text)
    text = re.sub(r"\s+", " ", text)  # line breaks in the source are spaces on the page
    text = _BLOCK.sub("\n", text)
    text = _CELL_END.sub(" | ", text)
    text = re.sub(r"(?s)<[^>]+>", "", text)
    text = html.unescape(text)
    if normalise is not None:
        text = normalise(text)
    text = _RUN_ID.sub("运行编号 <RUN_ID>", text)
    text = _DURATION.sub("用时 <DURATION>", text)
    lines = (re.sub(r"\s+", " ", line).strip(" |") for line in text.split("\n"))
    return [line for line in lines if line]


def compare_reports(a: Path, b: Path, rel: str, normalise) -> list:
    """Differences between the texts of two HTML reports, paragraph by paragraph."""
    ta, tb = report_text(a, normalise), report_text(b, normalise)
    out = []
    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append(Difference(rel, "report", f"第 {i1 + 1} 段",
                                  _short(" / ".join(ta[i1:i2]) or "（无）"),
                                  _short(" / ".join(tb[j1:j2]) or "（无）")))  # fmt: skip
    return out


# -- workbooks ----------------------------------------------------------------------------
def _sheets(path: Path, normalise) -> dict[str, dict[tuple[int, int], object]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        r0, c0 = sheet.start or (0, 0)
        cells = {}
        for i, row in enumerate(sheet.to_python(skip_empty_area=True)):
            for j, value in enumerate(row):
                if value == "" or value is None:
                    continue
                cells[(r0 + i, c0 + j)] = normalise(value) if isinstance(value, str) else value
        out[name] = cells
    return out


def compare_workbooks(a: Path, b: Path, rel: str, normalise, rtol: float = 0.0) -> list:
    """Differences between the cell values of two Excel workbooks, sheet by sheet."""
    sa, sb = _sheets(a, normalise), _sheets(b, normalise)
    out = []
    if list(sa) != list(sb):
        out.append(Difference(rel, "xlsx", "工作表 / sheets", _short(list(sa)), _short(list(sb))))
    for name in [s for s in sa if s in sb]:
        ca, cb = sa[name], sb[name]
        for key in sorted(set(ca) | set(cb)):
            x, y = ca.get(key, "（空）"), cb.get(key, "（空）")
            if not _json_equal(x, y, rtol):
                cell = f"{column_letter(key[1])}{key[0] + 1}"
                out.append(Difference(rel, "xlsx", f"{name}!{cell}", _short(x), _short(y)))
    return out


# -- runs ---------------------------------------------------------------------------------
def select_files(names: Iterable[str], patterns: Iterable[str] | None = None) -> list[str]:
    """Return the sorted ``names`` matching any of the glob ``patterns`` (all when None)."""
    names = sorted(names)
    if patterns is None:
        return names
    patterns = list(patterns)
    return [n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)]


def _compare_file(pa: Path, pb: Path, rel: str, normalise, rtol: float) -> list:
    suffix = pa.suffix.lower()
    if suffix in (".parquet", ".csv"):
        return compare_tables(_read_table(pa), _read_table(pb), rel, rtol)
    if suffix == ".json":
        return compare_json(pa, pb, rel, normalise, rtol)
    if suffix == ".html":
        return compare_reports(pa, pb, rel, normalise)
    return compare_workbooks(pa, pb, rel, normalise, rtol)


def compare_runs(
    a: str | Path,
    b: str | Path,
    *,
    files: Iterable[str] | None = None,
    rtol: float = 0.0,
    limit: int | None = MAX_PER_FILE,
) -> list[Difference]:
    """Compare two run folders on their derived outputs.

    Parameters
    ----------
    a, b : str or Path
        The two run folders.
    files : iterable of str, optional
        Glob patterns of the files to compare, relative to the run folders
        (``fnmatch`` on POSIX paths, so ``*`` also crosses ``/``), e.g.
        ``["*.parquet", "townships/620523110-*"]`` for a one-township rerun;
        every derived output when None.
    rtol : float
        Relative tolerance for numbers; 0 (the default) asks for equal values.
    limit : int, optional
        Differences kept per file (a last one counts the others); all when None.

    Returns
    -------
    list of Difference
        Empty when the runs give the same results.

    Examples
    --------
    >>> compare_runs("outputs/full", "outputs/rerun",
    ...              files=["*.parquet", "townships/620523110-*"])  # doctest: +SKIP
    []
    """
    a, b = Path(a), Path(b)
    for run in (a, b):
        if not run.is_dir():
            from audit.errors import InputError

            raise InputError("运行文件夹不存在", "the run folder does not exist", file=str(run))
    names_a, names_b = set(derived_files(a)), set(derived_files(b))
    names = select_files(names_a | names_b, files)
    normalise = _normaliser(a, b)
    out: list[Difference] = []
    for rel in names:
        if rel not in names_a or rel not in names_b:
            out.append(Difference(rel, "missing", "", "有" if rel in names_a else "缺少",
                                  "有" if rel in names_b else "缺少"))  # fmt: skip
            continue
        try:
            diffs = _compare_file(a / rel, b / rel, rel, normalise, rtol)
        except Exception as exc:  # an unreadable file is a difference, not a crash
            diffs = [Difference(rel, "unreadable", "", type(exc).__name__, _short(exc))]
        if limit is not None and len(diffs) > limit:
            rest = len(diffs) - limit
            diffs = [
                *diffs[:limit],
                Difference(rel, diffs[0].kind, f"另有 {rest} 处不同", "…", "…"),
            ]
        out.extend(diffs)
    return out
