"""Execute one report notebook with papermill and export its HTML; never raises for a bad township.

A task is a plain dict (picklable, so it runs in a process pool or on a Dask
worker); the result records the status, the error of a failed cell, and the
time spent per stage: kernel start, compute (opening the data), rendering (the
sections and maps), HTML export.
"""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["KERNEL_NAME", "run_task"]

KERNEL_NAME = "gangu-audit"
CELL_TIMEOUT = 600


def _stages(nb, wall: float) -> dict:
    compute = rendering = 0.0
    for cell in nb.cells:
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
        if "setup" in cell.get("metadata", {}).get("tags", []):
            compute += duration
        elif cell.cell_type == "code":
            rendering += duration
    return {
        "kernel_start": max(wall - compute - rendering, 0.0),
        "compute": compute,
        "rendering": rendering,
    }


def _failed_cell(nb) -> dict:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {
                    "cell": i,
                    "ename": out.get("ename"),
                    "evalue": out.get("evalue"),
                    "source": cell.get("source", "")[:200],
                }
    return {}


def run_task(task: dict) -> dict:
    """Run one notebook task; return its status and timings.

    Parameters
    ----------
    task : dict
        ``name`` (township code or ``county``), ``notebook`` (input path),
        ``output`` (executed notebook path), ``html`` (report path or None),
        ``header`` (dict for the HTML template), ``parameters`` (dict), ``log``.

    Returns
    -------
    dict
        ``name, status`` ("ok" or "failed"), ``error`` (dict), ``seconds`` (per stage).
    """
    import nbformat
    import papermill

    from audit.report.html import export_html

    result = {"name": task["name"], "status": "ok", "error": {}, "seconds": {}}
    log = Path(task["log"])
    log.parent.mkdir(parents=True, exist_ok=True)
    Path(task["output"]).parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            task["notebook"],
            task["output"],
            parameters=task["parameters"],
            kernel_name=KERNEL_NAME,
            execution_timeout=CELL_TIMEOUT,
            progress_bar=False,
            log_output=False,
            cwd=str(Path(task["output"]).parent),
        )
    except Exception as exc:  # a failing township must not stop the others
        result["status"] = "failed"
        nb_path = Path(task["output"])
        cell = _failed_cell(nbformat.read(str(nb_path), as_version=4)) if nb_path.exists() else {}
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[-2000:], **cell}
    wall = time.perf_counter() - t0
    if Path(task["output"]).exists():
        result["seconds"] = _stages(nbformat.read(task["output"], as_version=4), wall)
    if result["status"] == "ok" and task.get("html"):
        t1 = time.perf_counter()
        try:
            export_html(task["output"], task["html"], task["header"])
        except Exception as exc:
            result["status"] = "failed"
            result["error"] = {"type": type(exc).__name__, "message": str(exc), "stage": "html"}
        result["seconds"]["html_export"] = time.perf_counter() - t1
    with open(log, "w", encoding="utf-8") as fh:
        fh.write(f"{task['name']}: {result['status']}\n")
        for stage, sec in result["seconds"].items():
            fh.write(f"  {stage}: {sec:.2f} s\n")
        if result["error"]:
            fh.write(
                f"  error: {result['error'].get('ename') or result['error']['type']}: "
                f"{result['error'].get('evalue') or ''}\n"
            )
            fh.write(result["error"].get("message", "") + "\n")
    return result
