"""The ledger: append-only, idempotent, atomic, safe under two writers, copyable while read."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from audit.tracking import Ledger, LedgerError, rows
from audit.tracking.ddl import TABLES

COLUMNS = ["household_id", "person_id", "village_code", "township_code", "rule_id", "group",
           "severity", "outcome", "message", "value"]  # fmt: skip


def findings(n: int, start: int = 0, rule: str = "MED-01") -> pd.DataFrame:
    """``n`` small synthetic person findings in two townships."""
    ids = range(start, start + n)
    return pd.DataFrame({
        "household_id": [f"H{i:05d}" for i in ids],
        "person_id": [f"P{i:05d}" for i in ids],
        "village_code": [f"62052310{i % 2}001" for i in ids],
        "township_code": [f"62052310{i % 2}" for i in ids],
        "rule_id": rule, "group": "基本医疗", "severity": "critical", "outcome": "fail",
        "message": "未参保", "value": "",
    })[COLUMNS]  # fmt: skip


def claims(n: int, start: int = 0) -> pd.DataFrame:
    ids = range(start, start + n)
    return pd.DataFrame({
        "row": range(1, n + 1), "household_id": [f"H{i:05d}" for i in ids],
        "village_code": None, "rule_id": "MED-01", "fixed": True,
        "fixed_date": pd.Timestamp("2024-03-28"), "person": "王建国", "note": None,
    })  # fmt: skip


def meta(sha: str) -> dict:
    return {"kind": "township", "file": f"{sha}.xlsx", "sha256": sha, "township_code": "620523100",
            "responsible": "王建国", "reported_on": "2024-03-30"}  # fmt: skip


def dump(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def counts(path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def projects(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({"project_id": [f"XM{i}" for i in range(n)], "category": "产业发展类",
                         "township_code": "620523100", "status": "未开工", "budget": 10.0,
                         "planned_start": pd.Timestamp("2024-04-01"),
                         "actual_start": pd.NaT})  # fmt: skip


def problems(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"problem_id": [f"WT{i}" for i in range(n)], "category": "基本医疗",
                         "township_code": "620523100", "owner_unit": "医保局", "status": "未整改",
                         "deadline": pd.Timestamp("2024-04-05"),
                         "rectified_date": pd.NaT})  # fmt: skip


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as led:
        led.record_run("w1", "2024-03-25", findings(50), problems=problems(), projects=projects())
        led.record_return(meta("a" * 64), claims(10))
        yield led


def test_wal_mode_and_schema(ledger):
    con = sqlite3.connect(ledger.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert set(TABLES) <= names
    assert {"finding_observations", "claim_records", "latest_findings"} <= names
    assert ledger.integrity() == "ok"


@pytest.mark.parametrize("table", list(TABLES))
def test_update_and_delete_are_refused_by_the_database(ledger, table):
    con = sqlite3.connect(ledger.path)
    con.execute("PRAGMA recursive_triggers = ON")
    column = TABLES[table].split()[0]
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert before > 0
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute(f"UPDATE {table} SET {column} = {column}")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute(f"DELETE FROM {table}")
    con.rollback()
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == before
    con.close()


def test_insert_or_replace_cannot_overwrite_a_run(ledger):
    con = sqlite3.connect(ledger.path)
    con.execute("PRAGMA recursive_triggers = ON")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute(
            "INSERT OR REPLACE INTO runs (run_seq, run_id, as_of, findings_sha256, "
            "n_findings, recorded_at) VALUES (1, 'w1', '2030-01-01', 'x', 0, 'now')"
        )
    con.close()
    assert ledger.runs()["as_of"].dt.year.tolist() == [2024]


def test_the_python_api_has_no_update_or_delete_path(ledger):
    public = [n for n in dir(Ledger) if not n.startswith("_")]
    assert {"record_run", "record_return", "backup", "query"} <= set(public)
    forbidden = ("update", "delete", "remove", "drop", "clear", "replace", "truncate", "set_")
    assert not [n for n in public if any(w in n.lower() for w in forbidden)]
    with pytest.raises(pd.errors.DatabaseError, match=r"readonly|read-only|query_only"):
        ledger.query("DELETE FROM runs")
    assert len(ledger.runs()) == 1


def test_recording_the_same_run_again_does_nothing(ledger):
    before = counts(ledger.path)
    again = ledger.record_run("w1", "2024-03-25", findings(50).iloc[::-1])
    assert again.duplicate and again.rows == {} and "已记录" in again.message
    assert counts(ledger.path) == before
    with pytest.raises(LedgerError, match="w1"):
        ledger.record_run("w1", "2024-03-25", findings(49))
    assert counts(ledger.path) == before


def test_the_same_return_is_recognised_by_its_hash(ledger):
    before = counts(ledger.path)
    again = ledger.record_return(meta("a" * 64), claims(10))
    assert again.duplicate and again.id == 1
    assert counts(ledger.path) == before
    assert not ledger.record_return(meta("b" * 64), claims(10)).duplicate
    assert counts(ledger.path)["claims"] == before["claims"] + 10


def test_problem_and_project_status_are_recorded_with_the_run(ledger):
    assert ledger.project_status()[["run_id", "status"]].value_counts().to_dict() == {
        ("w1", "未开工"): 40
    }
    assert ledger.problem_status()["deadline"].dt.date.astype(str).unique().tolist() == [
        "2024-04-05"]  # fmt: skip


def test_items_are_shared_across_runs(ledger):
    got = ledger.record_run("w2", "2024-04-01", findings(60))
    assert got.rows["items"] == 10 and got.rows["observations"] == 60
    assert len(ledger.items()) == 60
    obs = ledger.query("SELECT run_id, count(*) AS n FROM finding_observations GROUP BY run_id")
    assert dict(zip(obs["run_id"], obs["n"], strict=True)) == {"w1": 50, "w2": 60}


def _fail_after(generator, k):
    def wrapped(*args, **kwargs):
        for i, row in enumerate(generator(*args, **kwargs)):
            if i == k:
                raise RuntimeError("injected failure")
            yield row

    return wrapped


@pytest.mark.parametrize("target", ["item_rows", "observation_rows", "project_rows"])
def test_a_run_failing_half_way_leaves_the_ledger_exactly_as_before(tmp_path, monkeypatch, target):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        led.record_run("w1", "2024-03-25", findings(50))
    before_bytes, before_rows = path.read_bytes(), dump(path)
    monkeypatch.setattr(rows, target, _fail_after(getattr(rows, target), 20))
    with Ledger(path) as led:
        with pytest.raises(RuntimeError, match="injected"):
            led.record_run("w2", "2024-04-01", findings(60, start=30), projects=projects())
        assert led.runs()["run_id"].tolist() == ["w1"]
    assert dump(path) == before_rows
    assert path.read_bytes() == before_bytes
    monkeypatch.undo()
    with Ledger(path) as led:  # and the same run can then be recorded in full
        assert led.record_run("w2", "2024-04-01", findings(60, start=30)).rows["items"] == 40


def test_a_return_failing_half_way_leaves_the_ledger_exactly_as_before(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        led.record_run("w1", "2024-03-25", findings(50))
    before_bytes, before_rows = path.read_bytes(), dump(path)
    monkeypatch.setattr(rows, "claim_rows", _fail_after(rows.claim_rows, 7))
    with Ledger(path) as led, pytest.raises(RuntimeError, match="injected"):
        led.record_return(meta("c" * 64), claims(30))
    assert dump(path) == before_rows
    assert path.read_bytes() == before_bytes


WRITER = textwrap.dedent("""
    import pathlib, sys, time
    sys.path.insert(0, sys.argv[1])
    from test_tracking_ledger import claims, findings, meta
    from audit.tracking import Ledger
    tag, path, timeout = sys.argv[2], sys.argv[3], float(sys.argv[4])
    folder = pathlib.Path(path).parent
    (folder / f"ready-{tag}").touch()
    while not (folder / "go").exists():  # start writing together
        time.sleep(0.01)
    with Ledger(path, timeout=timeout) as led:
        for i in range(15):
            led.record_run(f"{tag}-{i}", "2024-04-01", findings(400, start=1000 * i))
            led.record_return(meta(f"{tag}{i:02d}".ljust(64, "0")), claims(200, start=1000 * i))
""")


def write_together(path, timeout: float = 60.0) -> list[tuple[int, str]]:
    """Two processes writing 15 runs and 15 returns each, started at the same moment."""
    here = str(Path(__file__).parent)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, here, tag, str(path), str(timeout)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]  # fmt: skip
    deadline = time.monotonic() + 120
    while not all((path.parent / f"ready-{t}").exists() for t in "ab"):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.02)
    (path.parent / "go").touch()
    errors = [p.communicate(timeout=180)[1] for p in procs]
    return [(p.returncode, err[-2000:]) for p, err in zip(procs, errors, strict=True)]


def test_two_processes_writing_at_once_both_land(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    results = write_together(path)  # with timeout=0 one of them fails: "database is locked"
    assert [code for code, _ in results] == [0, 0], results
    with Ledger(path) as led:
        runs = led.runs().sort_values("run_seq")["run_id"]
        assert sorted(runs) == sorted(f"{t}-{i}" for t in "ab" for i in range(15))
        assert len(led.returns()) == 30
        assert len(led.claims()) == 30 * 200
        assert len(led.observations()) == 30 * 400
        assert led.integrity() == "ok"


def test_the_file_survives_being_copied_while_read(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        for i in range(3):
            led.record_run(f"w{i}", f"2024-04-0{i + 1}", findings(500, start=100 * i))
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        cursor = reader.execute("SELECT * FROM finding_observations")
        first = cursor.fetchmany(100)  # a read in progress, holding its snapshot
        led.record_run("w3", "2024-04-08", findings(500, start=400))  # a write meanwhile
        led.backup(tmp_path / "copy" / "backup.sqlite")
        for suffix in ("", "-wal"):  # a plain file copy of the database and its WAL
            if (tmp_path / f"ledger.sqlite{suffix}").exists():
                shutil.copy(tmp_path / f"ledger.sqlite{suffix}",
                            tmp_path / "copy" / f"plain.sqlite{suffix}")  # fmt: skip
        rest = cursor.fetchall()
        reader.rollback()
        reader.close()
        assert len(first) + len(rest) == 1500  # the reader's snapshot: before the write
    for name in ("backup.sqlite", "plain.sqlite"):
        con = sqlite3.connect(tmp_path / "copy" / name)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
        assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == 2000
        con.close()
    with Ledger(tmp_path / "copy" / "backup.sqlite") as copy:
        assert copy.runs()["run_id"].tolist() == ["w0", "w1", "w2", "w3"]


def test_a_foreign_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "ledger.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="台账"):
        Ledger(bad)
