"""Notebook parameters: what a report notebook declares, and checking what it is given.

Every report notebook has a ``parameters`` cell of literals (township_code,
data_dir, out_dir, run_id, seed, as_of). The runner rejects names a notebook
does not declare; the notebook's next cell calls :func:`check_parameters`, which
turns a wrong value into an :class:`~audit.errors.AuditError` naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from audit.errors import AuditError

__all__ = [
    "NOTEBOOK_DIR",
    "ParameterError",
    "Parameters",
    "check_parameters",
    "declared",
    "parse_as_of",
]

NOTEBOOK_DIR = Path(__file__).resolve().parents[3] / "notebooks"
FIXTURE_DIR = Path(__file__).resolve().parents[3] / "data" / "fixtures" / "small"


class ParameterError(AuditError):
    """A notebook or runner parameter is unknown or has a bad value."""


@dataclass(frozen=True)
class Parameters:
    """Checked parameters of one report notebook."""

    township_code: str  # "" for the county report
    data_dir: Path
    out_dir: Path | None
    run_id: str
    seed: int
    as_of: dt.date | None


def declared(notebook: str | Path) -> dict:
    """Return the parameters a notebook declares (name → default), via papermill."""
    import papermill

    params = papermill.inspect_notebook(str(notebook))
    return {name: p["default"] for name, p in params.items()}


def reject_unknown(notebook: str | Path, given: dict) -> None:
    """Raise ParameterError when ``given`` holds a name the notebook does not declare."""
    known = declared(notebook)
    for name in given:
        if name not in known:
            raise ParameterError(
                f"笔记本 {Path(notebook).name} 没有参数「{name}」；可用参数：{'、'.join(known)}",
                f"notebook {Path(notebook).name} has no parameter {name!r}",
                file=str(notebook), parameter=name,
            )  # fmt: skip


def _bad(parameter: str, zh: str, en: str) -> ParameterError:
    return ParameterError(zh, en, parameter=parameter)


def check_parameters(township_code="", data_dir="", out_dir="", run_id="", seed=0, as_of=""):
    """Check the values of a report notebook's parameters.

    ``data_dir`` "" means the small example Dataset shipped in ``data/fixtures``;
    ``out_dir`` "" means the county-wide results are computed in memory;
    ``as_of`` "" means the Dataset's reference date.

    Parameters
    ----------
    township_code, data_dir, out_dir, run_id, seed, as_of
        The literals of the notebook's ``parameters`` cell.

    Returns
    -------
    audit.runner.parameters.Parameters
        The checked values.

    Raises
    ------
    ParameterError
        Naming the parameter and its value.
    """
    if not isinstance(township_code, str) or (township_code and not township_code.isdigit()):
        raise _bad("township_code", f"乡镇代码「{township_code}」无效", "bad township_code")
    data = Path(data_dir) if data_dir else FIXTURE_DIR
    if not data.is_absolute():
        raise _bad("data_dir", f"数据路径必须是绝对路径：{data_dir}", "data_dir must be absolute")
    if not (data / "dataset.json").exists():
        raise _bad("data_dir", f"数据文件夹不是数据集：{data}", "data_dir is not a Dataset")
    out = Path(out_dir) if out_dir else None
    if out is not None and not out.is_absolute():
        raise _bad("out_dir", f"输出路径必须是绝对路径：{out_dir}", "out_dir must be absolute")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _bad("seed", f"随机种子必须是非负整数：{seed!r}", "seed must be a non-negative int")
    return Parameters(township_code, data, out, str(run_id), int(seed), parse_as_of(as_of))


def parse_as_of(as_of, parameter: str = "as_of") -> dt.date | None:
    """The report date ``YYYY-MM-DD`` (None when empty); a ParameterError naming ``parameter``."""
    if not as_of:
        return None
    try:
        return dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise _bad(
            parameter,
            f"报告日期「{as_of}」无效，应为 YYYY-MM-DD，如 2024-03-25",
            f"{parameter} {as_of!r} is not a date YYYY-MM-DD",
        ) from None
