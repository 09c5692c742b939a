"""The bad-input corpus: every entry point, driven through the command line as a user would.

Each case asserts the documented exit status (see :data:`audit.errors.EXIT_CODES`), a
message naming what and where (file, sheet, row, column, parameter), no traceback, and
that nothing was half-written: the working folder (inputs and earlier outputs) is
byte-for-byte as before and no temporary folder is left. The cases carry a
``badinput`` mark; docs/bad-input.md is generated from the marks of all test files
(tests/badinput_table.py) and a test keeps it current.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from audit import load_dataset
from audit.cli import main
from audit.runner.parameters import FIXTURE_DIR
from ingest_corpus import base_frame, write_csv, write_xlsx

bad = pytest.mark.badinput


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under ``folder`` (hidden ones included)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def refused(root: Path, code: int, args, *fragments):
    """Run ``args``; assert exit ``code``, each fragment in the message, ``root`` unchanged."""
    before = snapshot(root)
    result = invoke(*args)
    assert result.exit_code == code, result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)
    assert snapshot(root) == before, "files were written or changed"
    return result


@pytest.fixture
def data(tmp_path):
    """A private copy of the shipped example Dataset (two townships)."""
    return Path(shutil.copytree(FIXTURE_DIR, tmp_path / "data"))


@pytest.fixture
def earlier(tmp_path, data):
    """An earlier complete ``audit check`` output, which a failing command must leave alone."""
    out = tmp_path / "check"
    assert invoke("check", data, "--out", out).exit_code == 0
    return out


# --- settings files -----------------------------------------------------------------------


def settings_file(tmp_path, text: str, encoding="utf-8") -> Path:
    path = tmp_path / "县设置.toml"
    path.write_bytes(text.encode(encoding))
    return path


@bad(
    entry="--settings",
    case="阈值写成文字 abc / a threshold of 'abc'",
    outcome="exit 2: 设置项「thresholds.missed_poor_rate_max」的值 'abc' 无效 (file, parameter)",
)
def test_settings_threshold_abc(tmp_path, data, earlier):
    f = settings_file(tmp_path, '[thresholds]\nmissed_poor_rate_max = "abc"\n')
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "thresholds.missed_poor_rate_max", "'abc'", str(f))  # fmt: skip


@bad(
    entry="--settings",
    case="未知的设置项（拼写错误）/ unknown key (a typo)",
    outcome="exit 2: 未知的设置项「income.povertyline」 (file, parameter)",
)
def test_settings_unknown_key(tmp_path, data, earlier):
    f = settings_file(tmp_path, "[income]\npovertyline = 4000\n")
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "未知的设置项", "income.povertyline")  # fmt: skip


@bad(
    entry="--settings",
    case="TOML 语法错误 / not valid TOML",
    outcome="exit 2: 设置文件格式错误 …(line 2) (file)",
)
def test_settings_syntax_error(tmp_path, data, earlier):
    f = settings_file(tmp_path, "[income]\npoverty_line = = 4000\n")
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "设置文件格式错误", "line 2", str(f))  # fmt: skip


@bad(
    entry="--settings",
    case="设置文件存成 GBK 编码 / settings saved in GBK",
    outcome="exit 2: 设置文件不是 UTF-8 编码 (file)",
)
def test_settings_in_gbk(tmp_path, data, earlier):
    f = settings_file(tmp_path, '[audit]\ncounty_name = "甘谷县"\n', encoding="gbk")
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "UTF-8", str(f))  # fmt: skip


@bad(
    entry="--settings",
    case="贫困线为负数 / a negative poverty line",
    outcome="exit 2: 设置项「income.poverty_line」必须大于 0 (parameter)",
)
def test_settings_negative_poverty_line(tmp_path, data, earlier):
    f = settings_file(tmp_path, "[income]\npoverty_line = -4000\n")
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "income.poverty_line", "必须大于 0")  # fmt: skip


@bad(
    entry="--settings",
    case="日期不存在（2月30日）/ an impossible date",
    outcome="exit 2: 设置项「deadlines.final」的值无效 (parameter)",
)
def test_settings_impossible_date(tmp_path, data, earlier):
    f = settings_file(tmp_path, '[deadlines]\nfinal = "2024-02-30"\n')
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f],
            "deadlines.final", "2024-02-30")  # fmt: skip


@bad(
    entry="--settings",
    case="置信度大于 1、模拟次数为 0 / confidence > 1, zero runs",
    outcome="exit 2: 设置项「census.confidence」必须在 0 与 1 之间 (parameter)",
)
@pytest.mark.parametrize(
    ("text", "key"),
    [("[census]\nconfidence = 95\n", "census.confidence"),
     ("[simulation]\nruns = 0\n", "simulation.runs"),
     ("[simulation]\nvisit_miss_rate = 1.5\n", "simulation.visit_miss_rate"),
     ("[census]\nnonregistered_sample = -5\n", "census.nonregistered_sample")],
)  # fmt: skip
def test_settings_out_of_range(tmp_path, data, earlier, text, key):
    f = settings_file(tmp_path, text)
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", f], key)


@bad(
    entry="--settings",
    case="设置文件不存在 / settings file missing",
    outcome="exit 2: 找不到设置文件 (file)",
)
def test_settings_missing(tmp_path, data, earlier):
    refused(tmp_path, 2, ["check", data, "--out", earlier, "--settings", tmp_path / "无.toml"],
            "找不到设置文件")  # fmt: skip


# --- command-line arguments ----------------------------------------------------------------


@bad(
    entry="audit run",
    case="不存在的乡镇名 / a township name that does not exist",
    outcome="exit 2: 没有名为或代码为「不存在镇」的乡镇；可选：… (parameter --township)",
)
def test_unknown_township(tmp_path, data):
    refused(tmp_path, 2, ["run", data, "--out", tmp_path / "run", "--township", "不存在镇"],
            "不存在镇", "可选")  # fmt: skip
    assert not (tmp_path / "run").exists()


@bad(
    entry="audit run",
    case="报告日期格式错误 / --as-of not a date",
    outcome="exit 2: 报告日期「2024-13-01」无效 (parameter --as-of)",
)
def test_as_of_not_a_date(tmp_path, data):
    refused(tmp_path, 2, ["run", data, "--out", tmp_path / "run", "--as-of", "2024-13-01"],
            "--as-of", "2024-13-01")  # fmt: skip


@bad(
    entry="audit run / check",
    case="数据文件夹不是数据集 / DATA is not a Dataset folder",
    outcome="exit 2: 数据集缺少 dataset.json (file)",
)
@pytest.mark.parametrize("command", ["run", "check", "sample", "simulate"])
def test_data_is_not_a_dataset(tmp_path, command):
    folder = tmp_path / "照片"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8\xff")
    refused(tmp_path, 2, [command, folder, "--out", tmp_path / "out"], "dataset.json", str(folder))


@bad(
    entry="audit check",
    case="--out 指向输入数据集本身 / --out is the input Dataset",
    outcome="exit 3: 输出文件夹包含输入…会把它删除 (file); the Dataset untouched",
)
@pytest.mark.parametrize("command", ["check", "run", "sample", "simulate"])
def test_out_is_the_input(tmp_path, data, command):
    refused(tmp_path, 3, [command, data, "--out", data], "输出文件夹包含输入")
    refused(tmp_path, 3, [command, data, "--out", tmp_path], "输出文件夹包含输入")


@bad(
    entry="audit check",
    case="--out 是别人的非空文件夹 / --out is a non-empty foreign folder",
    outcome="exit 3: 输出文件夹已存在且不是本工具写出的 (file); its files untouched",
)
def test_out_is_a_foreign_folder(tmp_path, data):
    docs = tmp_path / "我的文档"
    docs.mkdir()
    (docs / "工作总结.docx").write_bytes(b"PK\x03\x04 not really")
    refused(tmp_path, 3, ["check", data, "--out", docs], "不是本工具写出的", str(docs))


@bad(
    entry="audit check",
    case="--out 是一个已存在的文件 / --out is an existing file",
    outcome="exit 2 (click: 'is a file') or 3: 输出路径是一个已存在的文件",
)
def test_out_is_a_file(tmp_path, data):
    f = tmp_path / "结果.xlsx"
    f.write_bytes(b"x")
    result = refused(tmp_path, 2, ["check", data, "--out", f])
    assert "file" in result.output


@bad(
    entry="audit run",
    case="并行进程数为 0、种子为文字 / --workers 0, --seed abc",
    outcome="exit 2: Invalid value for '--workers' / '--seed' (click usage error)",
)
@pytest.mark.parametrize("option", [["--workers", "0"], ["--seed", "abc"], ["--size", "-1"]])
def test_bad_numbers_on_the_command_line(tmp_path, data, option):
    command = "sample" if option[0] == "--size" else "run"
    refused(tmp_path, 2, [command, data, "--out", tmp_path / "o", *option], option[0])


@bad(
    entry="audit check",
    case="路径含空格和中文 / paths with spaces and Chinese characters",
    outcome="exit 0: works; outputs where asked",
)
def test_paths_with_spaces_and_chinese(tmp_path):
    data = Path(shutil.copytree(FIXTURE_DIR, tmp_path / "甘谷 数据" / "2024年 3月"))
    out = tmp_path / "审核 结果" / "第 1 次"
    result = invoke("check", data, "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "findings.parquet").exists() and (out / "findings.xlsx").exists()


@bad(
    entry="audit run",
    case="路径含空格和中文，笔记本照常运行 / notebooks run from paths with spaces and Chinese",
    outcome="exit 0: the township's report and work lists where asked",
)
@pytest.mark.slow
def test_run_from_paths_with_spaces_and_chinese(tmp_path):
    data = Path(shutil.copytree(FIXTURE_DIR, tmp_path / "甘谷 数据" / "2024年 3月"))
    out = tmp_path / "审核 结果" / "第 1 次"
    result = invoke("run", data, "--out", out, "--township", "新兴镇")
    assert result.exit_code == 0, result.output
    [folder] = (out / "townships").iterdir()
    names = {p.name for p in folder.iterdir()}
    assert {"report.html", "问题清单.xlsx", "一户一策.xlsx", "入户核查名单.xlsx"} <= names


@bad(
    entry="audit run",
    case="数据集没有村界文件 / a Dataset without its village polygons",
    outcome="exit 1: the report fails naming 数据集中没有村界…请用 audit boundaries 导入",
)
@pytest.mark.slow
def test_run_without_village_polygons(tmp_path, data):
    (data / "villages.gpkg").unlink()
    result = invoke("run", data, "--out", tmp_path / "run", "--township", "古坡镇")
    assert result.exit_code == 1, result.output
    assert "数据集中没有村界" in result.output and "audit boundaries" in result.output
    assert "AttributeError" not in result.output


@bad(
    entry="audit check",
    case="输出文件夹只读 / a read-only output folder",
    outcome="exit 3: 没有写入权限，结果未写出（已有的结果保持不变）(file)",
)
def test_read_only_output_folder(tmp_path, data, earlier, monkeypatch):
    parent = earlier.parent
    if os.geteuid() == 0:  # root ignores permission bits: make the kernel's answer explicit
        import tempfile

        def denied(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", str(parent))

        monkeypatch.setattr(tempfile, "mkdtemp", denied)
    os.chmod(parent, 0o555)
    try:
        refused(tmp_path, 3, ["check", data, "--out", earlier], "没有写入权限", "保持不变")
    finally:
        os.chmod(parent, 0o755)


@bad(
    entry="audit check / sample / simulate",
    case="磁盘已满（写到一半失败）/ disk full mid-write",
    outcome="exit 3: 磁盘空间不足，结果未写出（已有的结果保持不变）(file); no temp folder left",
)
@pytest.mark.parametrize(
    ("command", "method", "extra"),
    [("check", "to_parquet", []),
     ("sample", "to_csv", ["--seed", "1"]),
     ("simulate", "to_parquet", ["--runs", "200"])],
)  # fmt: skip
def test_disk_full_mid_write(tmp_path, data, earlier, monkeypatch, command, method, extra):
    out = earlier if command == "check" else tmp_path / command
    if command != "check":  # an earlier complete output of this command
        assert invoke(command, data, "--out", out, *extra).exit_code == 0
    real = getattr(pd.DataFrame, method)
    calls = []

    def full(self, path=None, *args, **kwargs):
        calls.append(path)
        if len(calls) > (method == "to_parquet"):  # a first Parquet file goes through
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, method, full)
    refused(tmp_path, 3, [command, data, "--out", out, *extra], "磁盘空间不足", "保持不变")


@bad(
    entry="any command",
    case="程序内部错误 / an unexpected internal error",
    outcome="exit 4: 程序内部错误（ValueError），详情已写入 crash-….log; no traceback on screen",
)
def test_internal_error_goes_to_a_crash_log(tmp_path, data, earlier, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("audit.rules.report.write_check_outputs", broken)
    monkeypatch.setenv("AUDIT_CRASH_DIR", str(tmp_path.parent / f"{tmp_path.name}-crash"))
    result = refused(tmp_path, 4, ["check", data, "--out", earlier], "程序内部错误", "crash-")
    logs = list((tmp_path.parent / f"{tmp_path.name}-crash").glob("crash-*.log"))
    assert len(logs) == 1 and "ValueError: a bug" in logs[0].read_text(encoding="utf-8")
    assert oct(logs[0].stat().st_mode & 0o777) == "0o600"
    assert "a bug" not in result.output


@bad(
    entry="any command",
    case="Ctrl-C 中断 / interrupted with Ctrl-C",
    outcome="exit 130: 已中断，未写出任何结果; earlier outputs untouched",
)
def test_interrupt_writes_nothing(tmp_path, data, earlier, monkeypatch):
    from audit.rules import report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_workbook", interrupted)
    refused(tmp_path, 130, ["check", data, "--out", earlier], "已中断")


# --- Dataset folders -----------------------------------------------------------------------


@bad(
    entry="DATA folder",
    case="Parquet 表被截断 / a truncated Parquet table",
    outcome="exit 2: 无法读取表 households (file)",
)
def test_truncated_parquet(tmp_path, data, earlier):
    f = data / "households.parquet"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    refused(tmp_path, 2, ["check", data, "--out", earlier], "households")


@bad(
    entry="DATA folder",
    case="dataset.json 损坏 / dataset.json is not JSON",
    outcome="exit 2: dataset.json 无法解析 (file)",
)
def test_broken_dataset_json(tmp_path, data, earlier):
    (data / "dataset.json").write_text("{'not': json", encoding="utf-8")
    refused(tmp_path, 2, ["check", data, "--out", earlier], "dataset.json 无法解析")


@bad(
    entry="DATA folder",
    case="户编号重复 / duplicated household IDs in the table",
    outcome="exit 2: 表 households 的 household_id 有重复 (table, column, rows)",
)
def test_duplicated_household_ids_in_a_dataset(tmp_path, data, earlier):
    hh = pd.read_parquet(data / "households.parquet")
    pd.concat([hh, hh.iloc[[3]]]).to_parquet(data / "households.parquet", index=False)
    refused(tmp_path, 2, ["check", data, "--out", earlier], "households", "household_id", "重复")


@bad(
    entry="DATA folder",
    case="缺少必需的列 / a required column missing",
    outcome="exit 2: 表 members 缺少列 birth_date (table, column)",
)
def test_missing_column_in_a_dataset(tmp_path, data, earlier):
    m = pd.read_parquet(data / "members.parquet").drop(columns="birth_date")
    m.to_parquet(data / "members.parquet", index=False)
    refused(tmp_path, 2, ["check", data, "--out", earlier], "members", "birth_date")


# --- registry exports (audit ingest) -------------------------------------------------------


@pytest.fixture
def base(small):
    return base_frame(small)


def ingest_refusal(tmp_path, frame, column, value, rows=(0,)):
    """Write ``frame`` with ``value`` in ``column`` at ``rows``; ingest; return the result."""
    frame = frame.copy()
    frame[column] = frame[column].astype(object)
    for r in rows:
        frame.iloc[r, frame.columns.get_loc(column)] = value
    f = write_xlsx(tmp_path / "导出.xlsx", frame)
    return invoke("ingest", f, "--out", tmp_path / "d"), f


@bad(
    entry="audit ingest",
    case="收入为负数 / a negative income",
    outcome="exit 1: the row is rejected; rejects.xlsx names sheet, row 2 and the income column",
)
def test_negative_income(tmp_path, base):
    column = next(c for c in base.columns if "工资" in c)
    result, _ = ingest_refusal(tmp_path, base, column, -3000)
    assert result.exit_code == 1, result.output
    issues = pd.read_json(tmp_path / "d" / "ingest_report.json", typ="series")["issues"]
    hit = [i for i in issues if i["column"].startswith(column)]
    assert hit and hit[0]["row"] == 2 and "负数" in hit[0]["message_zh"]


@bad(
    entry="audit ingest",
    case="出生日期在未来 / a date of birth in the future",
    outcome="exit 1: the row is rejected naming row and column 出生日期",
)
def test_birth_date_in_the_future(tmp_path, base):
    column = next(c for c in base.columns if "出生" in c)
    result, _ = ingest_refusal(tmp_path, base, column, "2031-05-01")
    assert result.exit_code == 1, result.output
    issues = pd.read_json(tmp_path / "d" / "ingest_report.json", typ="series")["issues"]
    hit = [i for i in issues if i["column"].startswith(column)]
    assert hit and hit[0]["row"] == 2 and "未来" in hit[0]["message_zh"]


@bad(
    entry="audit ingest",
    case="同一人重复两行 / the same person twice",
    outcome="exit 1: the second row is rejected as a duplicate, naming both rows",
)
def test_duplicated_person_rows(tmp_path, base):
    frame = pd.concat([base, base.iloc[[0]]], ignore_index=True)
    f = write_xlsx(tmp_path / "导出.xlsx", frame)
    result = invoke("ingest", f, "--out", tmp_path / "d")
    assert result.exit_code == 1, result.output
    issues = pd.read_json(tmp_path / "d" / "ingest_report.json", typ="series")["issues"]
    assert any("重复" in i["message_zh"] and i["row"] == len(frame) + 1 for i in issues)
    assert len(load_dataset(tmp_path / "d").members) == len(base)


@bad(
    entry="audit ingest",
    case="传入文件夹而不是文件 / a folder given as the file",
    outcome="exit 2: 文件不存在 / not a file (file)",
)
def test_folder_instead_of_file(tmp_path):
    (tmp_path / "导出").mkdir()
    refused(tmp_path, 2, ["ingest", tmp_path / "导出", "--out", tmp_path / "d"], "导出")


@bad(entry="audit ingest", case="空文件（0 字节）/ an empty file", outcome="exit 2 (file)")
def test_zero_byte_file(tmp_path):
    f = tmp_path / "空.csv"
    f.write_bytes(b"")
    refused(tmp_path, 2, ["ingest", f, "--out", tmp_path / "d"], "空.csv")


@bad(
    entry="audit ingest",
    case="--out 就是导出文件所在的文件夹 / --out holds the input file",
    outcome="exit 3: 输出文件夹包含输入 (file); the export untouched",
)
def test_ingest_out_holds_the_input(tmp_path, base):
    f = write_csv(tmp_path / "导出.csv", base, encoding="utf-8")
    refused(tmp_path, 3, ["ingest", f, "--out", tmp_path], "输出文件夹包含输入")


# --- boundary files (audit boundaries) -----------------------------------------------------


@pytest.fixture
def polygons(data):
    geo = load_dataset(data).geometry
    return geo.rename(columns={"village_code": "村代码", "name": "村名"})[
        ["村代码", "村名", "geometry"]
    ]


@bad(
    entry="audit boundaries",
    case="边界文件不存在 / boundary file missing",
    outcome="exit 2: 边界文件不存在 (file)",
)
def test_boundaries_missing(tmp_path, data):
    refused(tmp_path, 2, ["boundaries", tmp_path / "村界.shp", "--into", data], "边界文件不存在")


@bad(
    entry="audit boundaries",
    case="Shapefile 缺少 .dbf 等附属文件 / a shapefile without its .dbf",
    outcome="exit 2: 无法读取边界文件 (file)",
)
def test_boundaries_shapefile_without_dbf(tmp_path, data, polygons):
    folder = tmp_path / "shp"
    folder.mkdir()
    polygons.to_file(folder / "村界.shp", encoding="utf-8")
    (folder / "村界.dbf").unlink()
    refused(tmp_path, 2, ["boundaries", folder / "村界.shp", "--into", data], "村界.shp")


@bad(
    entry="audit boundaries",
    case="文本文件冒充 GeoJSON / text pretending to be GeoJSON",
    outcome="exit 2: 无法读取边界文件 (file)",
)
def test_boundaries_not_geojson(tmp_path, data):
    f = tmp_path / "村界.geojson"
    f.write_text("村界见附件", encoding="utf-8")
    refused(tmp_path, 2, ["boundaries", f, "--into", data], "村界.geojson")


@bad(
    entry="audit boundaries",
    case="没有村代码列也没有村名列 / no code or name column",
    outcome="exit 2: 边界文件中找不到村代码列或村名列 (file)",
)
def test_boundaries_without_code_or_name(tmp_path, data, polygons):
    f = tmp_path / "村界.geojson"
    polygons[["geometry"]].assign(面积=1.0).to_file(f)
    refused(tmp_path, 2, ["boundaries", f, "--into", data], "找不到村代码列或村名列")


@bad(
    entry="audit boundaries",
    case="别的县的村界 / another county's boundaries",
    outcome="exit 2: 边界文件中没有一个村能与数据集的村对上 (file)",
)
def test_boundaries_of_another_county(tmp_path, data, polygons):
    f = tmp_path / "村界.geojson"
    other = polygons.assign(村代码=polygons["村代码"].str.replace("620523", "620524"),
                            村名="外县" + polygons["村名"])  # fmt: skip
    other.to_file(f)
    refused(tmp_path, 2, ["boundaries", f, "--into", data], "没有一个村能与数据集的村对上")


@bad(
    entry="audit boundaries",
    case="部分村无边界、投影坐标系 / villages missing, projected CRS",
    outcome="exit 1: matched villages get real polygons, the rest stay schematic and are listed",
)
def test_boundaries_partly_matched(tmp_path, data, polygons):
    f = tmp_path / "村界 2024.gpkg"
    polygons.iloc[:40].to_crs(4526).to_file(f, layer="villages")
    (data / "ledger.sqlite").write_bytes(b"")  # kept: the folder is rewritten, not emptied
    result = invoke("boundaries", f, "--into", data)
    assert result.exit_code == 1, result.output
    assert "无边界的村" in result.output
    geo = load_dataset(data).geometry
    assert (~geo["schematic"]).sum() == 40 and geo["schematic"].sum() == len(polygons) - 40
    assert (data / "ledger.sqlite").exists()


# --- notebook parameters -------------------------------------------------------------------


@bad(
    entry="notebook parameters",
    case="笔记本参数名拼错 / an unknown notebook parameter",
    outcome="exit 2 (ParameterError): 笔记本…没有参数「townsip_code」 (parameter)",
)
def test_unknown_notebook_parameter():
    from audit.runner.parameters import NOTEBOOK_DIR, ParameterError, reject_unknown

    with pytest.raises(ParameterError, match="townsip_code") as err:
        reject_unknown(NOTEBOOK_DIR / "township_report.ipynb", {"townsip_code": "620523101"})
    assert err.value.parameter == "townsip_code" and err.value.exit_code == 2


@bad(
    entry="notebook parameters",
    case="参数值错误：相对路径、种子为负、日期无效 / bad values",
    outcome="exit 2 (ParameterError): 数据路径必须是绝对路径… (parameter)",
)
@pytest.mark.parametrize(
    ("values", "parameter"),
    [({"data_dir": "data/small"}, "data_dir"),
     ({"out_dir": "out"}, "out_dir"),
     ({"seed": -1}, "seed"),
     ({"seed": "20240325"}, "seed"),
     ({"as_of": "2024/13/01"}, "as_of"),
     ({"township_code": "../620523101"}, "township_code")],
)  # fmt: skip
def test_bad_notebook_parameter_values(values, parameter):
    from audit.runner.parameters import ParameterError, check_parameters

    with pytest.raises(ParameterError) as err:
        check_parameters(**values)
    assert err.value.parameter == parameter


@bad(
    entry="notebook parameters",
    case="papermill 传入不存在的乡镇代码 / a township not in the data",
    outcome="exit 1 for audit run: the notebook stops at its check cell, ParameterError names it",
)
@pytest.mark.slow
def test_notebook_stops_at_the_check_cell(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from audit.runner.parameters import NOTEBOOK_DIR

    with pytest.raises(PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(NOTEBOOK_DIR / "township_report.ipynb"), str(tmp_path / "out.ipynb"),
            parameters={"township_code": "620523999"}, kernel_name="gangu-audit",
            progress_bar=False,
        )  # fmt: skip
    assert err.value.ename == "ParameterError" and "620523999" in err.value.evalue
    assert "township_code" in err.value.evalue


# --- township returns (audit track import) -------------------------------------------------


@pytest.fixture
def returns(tmp_path, data):
    """A ledger with one recorded run and the returns handed to the townships."""
    assert invoke("track", "record", data).exit_code == 0
    out = tmp_path / "回执"
    assert invoke("track", "template", data, "--out", out).exit_code == 0
    return sorted(out.glob("*.xlsx"))


def fill(path, row, **answers):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["一户一策"]
    header = [c.value for c in ws[1]]
    for column, value in answers.items():
        ws.cell(row=row, column=header.index(column) + 1, value=value)
    wb.save(path)
    return path


def ledger_counts(data):
    from audit.tracking import Ledger

    with Ledger(data / "ledger.sqlite") as ledger:
        return len(ledger.returns()), len(ledger.claims())


@bad(
    entry="回执 audit track import",
    case="“是否已整改”填了“可能” / an answer outside 是/否",
    outcome="exit 2: 是否已整改 只能填… (file, sheet 一户一策, row 3, column 是否已整改)",
)
def test_return_with_a_bad_answer(tmp_path, data, returns):
    f = fill(returns[0], 3, 是否已整改="可能")
    before = ledger_counts(data)
    result = refused(tmp_path / "回执", 2, ["track", "import", f, "--data", data],
                     "一户一策", "行/row 3", "是否已整改")  # fmt: skip
    assert "只能填" in result.output and ledger_counts(data) == before


@bad(
    entry="回执 audit track import",
    case="整改完成日期在未来 / a rectification date in the future",
    outcome="exit 2: 整改完成日期…在未来 (file, sheet, row, column 整改完成日期); ledger unchanged",
)
def test_return_with_a_future_date(tmp_path, data, returns):
    f = fill(returns[0], 2, 是否已整改="是", 整改完成日期="2031-01-01", 责任人="王建国")
    before = ledger_counts(data)
    refused(tmp_path / "回执", 2, ["track", "import", f, "--data", data],
            "在未来", "整改完成日期", "行/row 2")  # fmt: skip
    assert ledger_counts(data) == before


@bad(
    entry="回执 audit track import",
    case="同一回执导入两次 / the same return imported twice",
    outcome="exit 0: 该回执已导入过，未重复写入; the ledger holds it once",
)
def test_return_imported_twice(tmp_path, data, returns):
    f = fill(returns[0], 2, 是否已整改="是", 整改完成日期="2024-04-02", 责任人="王建国")
    assert invoke("track", "import", f, "--data", data).exit_code == 0
    once = ledger_counts(data)
    result = invoke("track", "import", f, "--data", data)
    assert result.exit_code == 0 and "未重复写入" in result.output
    assert ledger_counts(data) == once


@bad(
    entry="回执 audit track import",
    case="回执表头被改、缺少户编号列 / headers changed",
    outcome="exit 2: 回执中没有找到包含“户编号、规则编号、是否已整改”列的工作表 (file)",
)
def test_return_without_the_columns(tmp_path, data, returns):
    from openpyxl import load_workbook

    wb = load_workbook(returns[0])
    for ws in wb.worksheets:
        for cell in ws[1]:
            if cell.value == "是否已整改":
                cell.value = "整改情况"
    wb.save(returns[0])
    before = ledger_counts(data)
    refused(tmp_path / "回执", 2, ["track", "import", returns[0], "--data", data], "是否已整改")
    assert ledger_counts(data) == before


@bad(
    entry="回执 audit track import",
    case="回执是损坏的文件 / a damaged return workbook",
    outcome="exit 2: 无法读取… (file); ledger unchanged",
)
def test_return_damaged(tmp_path, data, returns):
    returns[0].write_bytes(returns[0].read_bytes()[:2000])
    before = ledger_counts(data)
    refused(tmp_path / "回执", 2, ["track", "import", returns[0], "--data", data],
            returns[0].name)  # fmt: skip
    assert ledger_counts(data) == before


# --- names from the data never become paths outside the output folder ----------------------


@bad(
    entry="DATA folder",
    case="乡镇名含 ../ 与斜杠 / a township named '../../逃逸/镇'",
    outcome="exit 0: folders are named safely inside --out; nothing written outside it",
)
def test_names_from_data_cannot_escape_the_output_folder(tmp_path, data):
    towns = pd.read_parquet(data / "townships.parquet")
    towns.loc[0, "name"] = "../../逃逸/镇"
    towns.to_parquet(data / "townships.parquet", index=False)
    out = tmp_path / "sample"
    before = {p for p in tmp_path.parent.rglob("*") if out not in p.parents}
    result = invoke("sample", data, "--out", out, "--seed", "1")
    assert result.exit_code == 0, result.output
    after = {p for p in tmp_path.parent.rglob("*") if out not in p.parents and p != out}
    assert after == before, sorted(map(str, after - before))
    folders = [p.name for p in (out / "townships").iterdir()]
    assert any("逃逸" in f for f in folders) and all("/" not in f for f in folders)


def test_unit_folder_names_are_safe():
    from audit.fsutil import safe_component, unit_folder

    assert unit_folder("620523100", "大像山镇") == "620523100-大像山镇"
    for hostile in ("..", "../..", "/etc/passwd", "a\\b", "x\x00y", " .hidden", "CON:", ""):
        name = safe_component(hostile)
        assert name not in ("", ".", "..") and "/" not in name and "\\" not in name
        assert "\x00" not in name and not name.startswith(".")


# --- a real tiny filesystem (root with mount rights; the mocked cases above run everywhere) --


@pytest.fixture
def tiny_fs(tmp_path):
    """A 120 KB tmpfs: room for one ``audit check`` output of the example (76 KB), not two."""
    import subprocess

    mnt = tmp_path / "小盘"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=120k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
    ):
        pytest.skip("needs root with the right to mount a tmpfs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@bad(
    entry="audit check",
    case="真实的小磁盘写满 / a real tiny filesystem fills up",
    outcome="exit 3: 磁盘空间不足，结果未写出（已有的结果保持不变）; no temporary folder left",
)
def test_real_disk_full(tmp_path, data, tiny_fs):
    out = tiny_fs / "check"
    assert invoke("check", data, "--out", out).exit_code == 0  # the first output fits
    refused(tiny_fs, 3, ["check", data, "--out", out], "磁盘空间不足", "保持不变")
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["check"]


@bad(
    entry="audit check",
    case="真实的只读文件系统 / a real read-only filesystem",
    outcome="exit 3: 文件系统是只读的，结果未写出（已有的结果保持不变）(file)",
)
def test_real_read_only_filesystem(tmp_path, data, tiny_fs):
    import subprocess

    out = tiny_fs / "check"
    assert invoke("check", data, "--out", out).exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    refused(tiny_fs, 3, ["check", data, "--out", out], "只读", "保持不变")
