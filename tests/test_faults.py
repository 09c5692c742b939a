"""Faults: a kernel killed mid-run, Ctrl-C and SIGTERM, a ledger write killed half-way.

The run tests start ``audit`` in a subprocess of its own process group (as a
terminal would), find its processes through an environment tag in ``/proc``,
inject the fault, and check what the user sees and what remains: the exit
status, a short Chinese message and no traceback, no temporary folder, no
kernel left running, an earlier run left byte for byte as it was, and a rerun
that gives the same numbers as an uninterrupted run (:func:`compare_runs`).
The ledger tests kill (SIGKILL) or interrupt (SIGINT) a process in the middle
of a write transaction and check that no partial record remains and that the
same write then succeeds, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit import load_dataset, rules
from audit.cli import main
from audit.runner.compare import compare_runs, derived_files, report_text
from audit.runner.parameters import FIXTURE_DIR
from audit.settings import load_settings
from audit.tracking import Ledger, write_return_template
from audit.tracking.ddl import TABLES

HAS_PROC = Path("/proc/self/environ").exists()
needs_proc = pytest.mark.skipif(not HAS_PROC, reason="needs Linux /proc to find the kernels")
TOWN, TOWN_NAME, OTHER = "620523110", "古坡镇", "620523101"
TAG = "AUDIT_FAULT_TAG"


# -- processes ----------------------------------------------------------------------------
def tagged(tag: str) -> dict[int, str]:
    """Live processes (pid → command line) whose environment holds ``AUDIT_FAULT_TAG=tag``."""
    needle = f"{TAG}={tag}".encode()
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle not in (d / "environ").read_bytes().split(b"\0"):
                continue
            if (d / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie is already dead
            found[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


def kernels(tag: str) -> dict[int, str]:
    """The kernels of a tagged run: pid → the report they run (from their kernel log)."""
    out = {}
    for pid, cmd in tagged(tag).items():
        if "ipykernel_launcher" in cmd:
            with contextlib.suppress(OSError):
                log = os.readlink(f"/proc/{pid}/fd/2")  # logs/<name>.kernel.log of the run
                out[pid] = Path(log).name.removesuffix(".kernel.log")
    return out


def start(tag: str, *args) -> subprocess.Popen:
    """Start ``audit ARGS`` in a new process group, tagged."""
    env = {**os.environ, TAG: tag, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, "-m", "audit", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def stop(proc: subprocess.Popen, tag: str | None = None) -> None:
    """Kill what is left of a started command: its process group, then any tagged process."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    for pid in tagged(tag) if tag and HAS_PROC else ():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def wait_for(condition, proc: subprocess.Popen, timeout: float = 240, what: str = ""):
    """Poll ``condition()`` until it returns something true; fail if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        if proc.poll() is not None:
            err = proc.communicate()[1]
            pytest.fail(f"the command ended ({proc.returncode}) before {what}: {err[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def no_process_left(tag: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while (left := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left behind: {left}"


def staging(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}.partial-*"))


def executing(out: Path, name: str | None = None) -> list[str]:
    """Reports whose notebook (in the run's temporary folder) has a cell running or done."""
    found = []
    for nb in (p for d in staging(out) for p in (d / "notebooks").glob("*-*.ipynb")):
        if name and not nb.name.startswith(name):
            continue
        try:
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue  # being written
        states = {c.get("metadata", {}).get("papermill", {}).get("status") for c in cells}
        if states & {"running", "completed"}:
            found.append(nb.stem.split("-")[0])
    return found


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def message_lines(stderr: str) -> list[str]:
    """The lines of stderr without the progress bar."""
    text = re.sub(r"报告 / reports:[^\]\n]*\]", "\n", stderr)
    return [line.strip() for line in re.split(r"[\r\n]", text) if line.strip()]


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    return out, err


# -- a kernel killed ----------------------------------------------------------------------
@pytest.mark.slow
@needs_proc
@pytest.mark.badinput(
    entry="audit run",
    case="一个乡镇的内核进程被杀死（SIGKILL）/ one township's kernel killed mid-run",
    outcome="exit 1: 该乡镇记为失败「内核进程意外退出」，其余乡镇和全县报告照常生成并列出失败乡镇；"
    "单独重跑该乡镇（--township）得到与完整运行相同的结果",
)
def test_a_killed_kernel_fails_its_township_only_and_a_rerun_recovers(fixture_run, tmp_path):
    out, tag = tmp_path / "killed", uuid.uuid4().hex
    proc = start(tag, "run", FIXTURE_DIR, "--out", out, "--workers", 2)
    try:
        wait_for(lambda: executing(out, TOWN), proc, what="the township's notebook runs")
        victim = wait_for(lambda: [p for p, n in kernels(tag).items() if n == TOWN], proc,
                          what="the township's kernel")  # fmt: skip
        os.kill(victim[0], signal.SIGKILL)
        _, stderr = finish(proc)
    finally:
        stop(proc, tag)
    assert proc.returncode == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    assert "内核进程意外退出" in stderr and TOWN in stderr
    no_process_left(tag)
    assert not staging(out)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    failed = m["reports"][TOWN]
    assert failed["status"] == "failed" and failed["error"]["type"] == "DeadKernelError"
    assert failed["error"]["reason"].startswith("内核进程意外退出")
    assert {k: v["status"] for k, v in m["reports"].items() if k != TOWN} == {
        OTHER: "ok", "county": "ok", "data_quality": "ok", "sample_design": "ok"}  # fmt: skip
    assert not (out / "townships" / f"{TOWN}-{TOWN_NAME}" / "report.html").exists()
    county = " ".join(report_text(out / "county" / "report.html"))
    assert "以下乡镇的报告本次生成失败" in county and TOWN_NAME in county
    assert not compare_runs(fixture_run.path, out, files=["*.parquet", f"townships/{OTHER}-*"])

    t0 = time.perf_counter()
    rerun = start(tag, "run", FIXTURE_DIR, "--out", tmp_path / "rerun", "--township", TOWN)
    try:
        _, err = finish(rerun)
    finally:
        stop(rerun, tag)
    print(f"township rerun after the killed kernel: {time.perf_counter() - t0:.1f} s")
    assert rerun.returncode == 0, err[-3000:]
    town_files = [f"townships/{TOWN}-*"]
    assert len(set(derived_files(tmp_path / "rerun")) & set(derived_files(fixture_run.path))) > 10
    assert len([f for f in derived_files(tmp_path / "rerun") if f.startswith("townships/")]) == 4
    diffs = compare_runs(fixture_run.path, tmp_path / "rerun", files=["*.parquet", *town_files])
    assert diffs == [], "\n".join(map(str, diffs))


# -- Ctrl-C and SIGTERM -------------------------------------------------------------------
@pytest.mark.slow
@needs_proc
@pytest.mark.badinput(
    entry="audit run",
    case="运行中按 Ctrl-C（SIGINT 发给整个进程组）/ Ctrl-C during the township reports",
    outcome="exit 130: 「已中断，未写出任何结果」，无 traceback；不留临时文件夹和内核进程，"
    "原有的运行结果逐字节不变；重跑得到与未中断运行相同的结果",
)
def test_ctrl_c_leaves_the_earlier_run_intact_and_a_rerun_gives_the_same_numbers(
    fixture_run, tmp_path
):
    out, tag = tmp_path / "run", uuid.uuid4().hex
    shutil.copytree(fixture_run.path, out)  # an earlier complete run at the same --out
    before = snapshot(out)
    proc = start(tag, "run", FIXTURE_DIR, "--out", out, "--workers", 2)
    try:
        wait_for(lambda: staging(out) and executing(out) and kernels(tag), proc,
                 what="a township's report runs")  # fmt: skip
        t0 = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        _, stderr = finish(proc, timeout=60)
        stopped = time.perf_counter() - t0
    finally:
        stop(proc, tag)
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    lines = message_lines(stderr)
    assert len(lines) == 1 and "已中断" in lines[0], lines
    assert stopped < 30
    no_process_left(tag)
    assert not staging(out)
    assert snapshot(out) == before

    t0 = time.perf_counter()
    rerun = start(tag, "run", FIXTURE_DIR, "--out", out, "--workers", 2)
    try:
        _, err = finish(rerun)
    finally:
        stop(rerun, tag)
    print(f"Ctrl-C stopped the run in {stopped:.1f} s; the rerun took "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    assert rerun.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    assert snapshot(out) != before
    diffs = compare_runs(fixture_run.path, out)
    assert diffs == [], "\n".join(map(str, diffs))


@pytest.mark.slow
@needs_proc
@pytest.mark.badinput(
    entry="audit run",
    case="运行中收到 SIGTERM（kill PID）/ SIGTERM to the main process during the reports",
    outcome="exit 130: 「已中断，未写出任何结果」；工作进程和内核一并停止，"
    "不留临时文件夹和输出文件夹",
)
def test_sigterm_stops_workers_and_kernels_and_leaves_nothing(tmp_path):
    out, tag = tmp_path / "run", uuid.uuid4().hex
    proc = start(tag, "run", FIXTURE_DIR, "--out", out, "--workers", 2)
    try:
        wait_for(lambda: executing(out) and kernels(tag), proc, what="a township's report runs")
        os.kill(proc.pid, signal.SIGTERM)  # the main process only: workers must be stopped by it
        _, stderr = finish(proc, timeout=60)
    finally:
        stop(proc, tag)
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "已中断" in stderr
    no_process_left(tag)
    assert not staging(out) and not out.exists()


# -- the ledger ---------------------------------------------------------------------------
PAUSED = textwrap.dedent("""
    import pathlib, sys, time
    from audit.tracking import rows
    target, k, flag = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
    original = getattr(rows, target)
    def paused(*args, **kwargs):  # stop in the middle of the write transaction
        for i, row in enumerate(original(*args, **kwargs)):
            if i == k:
                flag.touch()
                time.sleep(600)
            yield row
    setattr(rows, target, paused)
    if sys.argv[4] == "--api":
        sys.path.insert(0, sys.argv[5])
        from test_tracking_ledger import findings
        from audit.tracking import Ledger
        with Ledger(sys.argv[6]) as ledger:
            ledger.record_run("w2", "2024-04-01", findings(int(sys.argv[7]), start=100))
    else:
        from audit.cli import main
        main(sys.argv[4:], prog_name="audit")
""")


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return list(con.iterdump())
    finally:
        con.close()


def interrupt_write(tmp_path: Path, sig: int, target: str, k: int, *args) -> tuple[int, str]:
    """Run a write paused after ``k`` rows of ``rows.<target>``; send ``sig``; return status."""
    flag = tmp_path / f"paused-{uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, "-c", PAUSED, target, str(k), str(flag),
                             *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        wait_for(flag.exists, proc, timeout=120, what="the write transaction is half done")
        os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    return proc.returncode, err


@pytest.mark.badinput(
    entry="Ledger.record_run",
    case="大批量记录（15 万条）写到一半进程被杀死（SIGKILL）/ a large run killed mid-transaction",
    outcome="exit -9 (killed): 台账与之前逐行相同、完整性检查通过，无残缺记录；再次记录仅一次",
)
def test_a_large_run_killed_mid_transaction_leaves_no_partial_record(tmp_path):
    from test_tracking_ledger import findings

    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_run("w1", "2024-03-25", findings(1000))
    before, rows_before = counts(path), dump(path)
    n = 150_000  # more than SQLite's page cache: uncommitted pages spill into the WAL
    status, _ = interrupt_write(tmp_path, signal.SIGKILL, "observation_rows", 120_000, "--api",
                                Path(__file__).parent, path, n)  # fmt: skip
    assert status == -signal.SIGKILL
    assert counts(path) == before and dump(path) == rows_before
    with Ledger(path) as ledger:
        assert ledger.integrity() == "ok"
        got = ledger.record_run("w2", "2024-04-01", findings(n, start=100))
        assert not got.duplicate and got.rows["observations"] == n
        assert ledger.record_run("w2", "2024-04-01", findings(n, start=100)).duplicate
    assert counts(path)["observations"] == before["observations"] + n


@pytest.fixture(scope="module")
def fixture_findings():
    return rules.run(load_dataset(FIXTURE_DIR), load_settings())


@pytest.fixture
def ledger_data(tmp_path, fixture_findings):
    """A copy of the example Dataset whose ledger holds one run, and a filled return."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DIR, data)
    with Ledger(data / "ledger.sqlite") as ledger:
        ledger.record_run("w1", "2024-03-25", fixture_findings)
    book = write_return_template(tmp_path / f"{TOWN}-一户一策.xlsx", fixture_findings,
                                 load_settings(), as_of=dt.date(2024, 4, 1))  # fmt: skip
    wb = load_workbook(book)
    ws = wb["一户一策"]
    header = [c.value for c in ws[1]]
    col = header.index("是否已整改") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=col, value="是" if row % 2 else "否")
        if row % 2:
            ws.cell(row=row, column=header.index("整改完成日期") + 1, value=dt.date(2024, 3, 30))
            ws.cell(row=row, column=header.index("责任人") + 1, value="王建国")
    wb.save(book)
    return data, book, ws.max_row - 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
@pytest.mark.badinput(
    entry="audit track import",
    case="导入回执时按 Ctrl-C 或进程被杀死（写到一半）/ a return import interrupted or killed",
    outcome="Ctrl-C: exit 130「已中断，未写出任何结果」；被杀：台账不变；两种情况都无残缺记录，"
    "再次导入同一文件成功（不会误判为已导入），第三次提示已导入",
)
def test_an_interrupted_return_import_leaves_no_partial_record(ledger_data, tmp_path, sig):
    data, book, n = ledger_data
    ledger = data / "ledger.sqlite"
    before, rows_before = counts(ledger), dump(ledger)
    status, err = interrupt_write(tmp_path, sig, "claim_rows", n // 2,
                                  "track", "import", book, "--data", data)  # fmt: skip
    if sig == signal.SIGINT:
        assert status == 130 and "已中断" in err and "Traceback" not in err, err
    else:
        assert status == -signal.SIGKILL
    assert counts(ledger) == before and dump(ledger) == rows_before
    again = CliRunner().invoke(main, ["track", "import", str(book), "--data", str(data)])
    assert again.exit_code == 0 and "已导入回执" in again.output, again.output
    assert counts(ledger)["claims"] == before["claims"] + n
    third = CliRunner().invoke(main, ["track", "import", str(book), "--data", str(data)])
    assert third.exit_code == 0 and "未重复写入" in third.output, third.output
    assert counts(ledger)["claims"] == before["claims"] + n


@pytest.mark.badinput(
    entry="audit track record",
    case="记录一轮审核时按 Ctrl-C（写到一半）/ Ctrl-C while a run is being recorded",
    outcome="exit 130「已中断，未写出任何结果」；台账逐行不变；再次记录成功",
)
def test_ctrl_c_while_recording_a_run_leaves_the_ledger_as_it_was(ledger_data, tmp_path):
    data, _, _ = ledger_data
    ledger = data / "ledger.sqlite"
    before, rows_before = counts(ledger), dump(ledger)
    status, err = interrupt_write(tmp_path, signal.SIGINT, "observation_rows", 100,
                                  "track", "record", data, "--run-id", "w2",
                                  "--as-of", "2024-04-01")  # fmt: skip
    assert status == 130 and "已中断" in err and "Traceback" not in err, err
    assert counts(ledger) == before and dump(ledger) == rows_before
    args = ["track", "record", str(data), "--run-id", "w2", "--as-of", "2024-04-01"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "已记录运行 w2" in again.output, again.output
    assert counts(ledger)["runs"] == before["runs"] + 1
    assert "未重复写入" in CliRunner().invoke(main, args).output
    with Ledger(ledger) as led:
        assert led.runs()["run_id"].tolist() == ["w1", "w2"]
        assert re.fullmatch(r"[0-9a-f]{64}", led.runs()["findings_sha256"].iloc[1])
        assert pd.Timestamp("2024-04-01") in set(led.runs()["as_of"])
