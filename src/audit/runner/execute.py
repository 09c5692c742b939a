"""Execute one report notebook with papermill and export its HTML; never raises for a bad township.

A task is a plain dict (picklable, so it runs in a process pool or on a Dask
worker); the result records the status, the error of a failed cell, and the
time spent per stage: kernel start, compute (opening the data), rendering (the
sections and maps), HTML export. A failure carries a Chinese ``reason``.

The kernel's own log (its warnings, a traceback when its client goes away) goes
to ``logs/<name>.kernel.log``, not to the user's terminal. Pool workers
(:func:`init_worker`) leave Ctrl-C to the main process, which stops the pool;
a worker asked to stop (SIGTERM) kills its kernel first, so no kernel outlives
an interrupted run.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["KERNEL_NAME", "init_worker", "kill_kernels", "run_task"]

KERNEL_NAME = "gangu-audit"
CELL_TIMEOUT = 600
#: Chinese reasons for the ways a notebook can fail without a failing cell.
REASONS = {
    "DeadKernelError": "内核进程意外退出（被终止或内存不足），该报告未生成",
    "CellTimeoutError": f"有单元格运行超过 {CELL_TIMEOUT} 秒未完成，该报告未生成",
    "PapermillExecutionError": "笔记本中有单元格运行出错，该报告未生成",
}


def kill_kernels() -> None:
    """Kill the kernels this process started (its child processes and their groups)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if os.getpgid(child.pid) == child.pid:  # a kernel leads its own session
                os.killpg(child.pid, signal.SIGKILL)
            else:
                child.kill()
        except (ProcessLookupError, PermissionError, psutil.Error):
            pass


def _stop_worker(signum, frame) -> None:
    kill_kernels()
    os._exit(128 + signum)


def init_worker() -> None:
    """Set up a pool worker: leave Ctrl-C to the main process, die with the kernels.

    The main process stops the pool on Ctrl-C; on SIGTERM a worker kills its
    kernels before exiting.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)


def _kernel_manager(log: Path):
    """A kernel manager class sending the kernel's stdout and stderr to ``log``."""
    from jupyter_client import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            with open(log, "ab") as fh:
                kw.setdefault("stdout", fh)
                kw.setdefault("stderr", fh)
                return await super().start_kernel(**kw)

    return LoggedKernelManager


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
    kernel_log = log.with_name(f"{log.stem}.kernel.log")
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
            kernel_manager_class=_kernel_manager(kernel_log),
        )
    except Exception as exc:  # a failing township must not stop the others
        result["status"] = "failed"
        nb_path = Path(task["output"])
        try:
            cell = _failed_cell(nbformat.read(str(nb_path), as_version=4))
        except Exception:  # absent, or cut short by the failure
            cell = {}
        kind = type(exc).__name__
        reason = REASONS.get(kind, "报告笔记本运行失败，该报告未生成")
        message = f"{reason}（{kind}: {str(exc)[-2000:]}）"
        result["error"] = {"type": kind, "reason": reason, "message": message, **cell}
    wall = time.perf_counter() - t0
    try:
        result["seconds"] = _stages(nbformat.read(task["output"], as_version=4), wall)
    except Exception:  # no notebook written (the kernel never started)
        result["seconds"] = {"kernel_start": wall}
    if result["status"] == "ok" and task.get("html"):
        t1 = time.perf_counter()
        try:
            export_html(task["output"], task["html"], task["header"])
        except Exception as exc:
            result["status"] = "failed"
            reason = "导出 HTML 报告失败，该报告未生成"
            result["error"] = {"type": type(exc).__name__, "reason": reason,
                               "message": f"{reason}（{exc}）", "stage": "html"}  # fmt: skip
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
