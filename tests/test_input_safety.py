"""Spreadsheets are data only: zip bombs, locked workbooks, formulas, macros, external links.

Inputs: a zip bomb disguised as ``.xlsx`` is refused from the archive's directory,
before anything is unpacked; a password-protected workbook is refused with a clear
message; formulas are never evaluated (their saved values are read and each formula
cell is listed in the report); macros never run; external links are never followed.
Outputs: strings from the data (``=HYPERLINK(...)``, ``=cmd|...``) are written to every
workbook we produce as text, never as formulas.
"""

from __future__ import annotations

import json
import os
import socket
import zipfile

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit import SettingsError, load_dataset, load_settings
from audit.cli import main
from audit.ingest.ooxml import _formula_cells
from audit.ingest.readers import read_file
from ingest_corpus import base_frame, rezip, write_csv, write_formula_xlsx, write_xlsx, zip_bomb

#: Strings that spreadsheet programs would run or link if written as formulas.
HOSTILE = [
    '=HYPERLINK("http://example.invalid/x","点击")',
    "=cmd|'/c calc'!A1",
    "+1+1",
    "@SUM(1)",
    "-2+3",
    "#N/A",
]


@pytest.fixture(scope="module")
def base(small):
    return base_frame(small)


@pytest.fixture
def no_network(monkeypatch):
    """Record any attempt to open a network connection (there must be none)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


def run(*args):
    result = CliRunner().invoke(main, ["ingest", *map(str, args)])
    assert "Traceback" not in result.output
    assert "意外错误" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def issues(out, problem=None):
    lines = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))["issues"]
    return [i for i in lines if problem is None or i["problem"] == problem]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def existing_output(tmp_path):
    out = tmp_path / "existing"
    out.mkdir()
    (out / "keep.txt").write_text("earlier output")
    return out, snapshot(out)


# --- zip bombs and unsafe archives ----------------------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="压缩炸弹伪装成 .xlsx / a zip bomb disguised as .xlsx (256 MB of zeros, ~1000:1)",
    outcome="exit 2: 拒绝读取：部件「xl/worksheets/sheet1.xml」压缩比 …:1 (file, part)",
)
def test_zip_bomb_is_refused_before_unpacking(tmp_path, base):
    good = write_xlsx(tmp_path / "good.xlsx", base)
    bomb = zip_bomb(tmp_path / "户籍名册.xlsx", megabytes=256)
    r = run(good, bomb, "--out", tmp_path / "d")
    assert r.exit_code == 2
    assert "户籍名册.xlsx" in r.output and "xl/worksheets/sheet1.xml" in r.output
    assert "压缩比" in r.output and "拒绝读取" in r.output
    assert not (tmp_path / "d").exists()
    out, before = existing_output(tmp_path)
    r = run(bomb, "--out", out)
    assert r.exit_code == 2 and snapshot(out) == before


@pytest.mark.badinput(
    entry="audit ingest",
    case="解压后超过总大小上限 / a workbook unpacking to more than [ingest] max_unpacked_mb",
    outcome="exit 2: 拒绝读取：解压后共 … MB，超过上限 … MB（最大的部件「…」）(file, part)",
)
def test_total_unpacked_size_limit_from_settings(tmp_path, base):
    good = write_xlsx(tmp_path / "good.xlsx", base)
    noise = np.random.default_rng(1).bytes(3 << 20)  # incompressible: passes the ratio check
    big = rezip(good, tmp_path / "big.xlsx", {"xl/media/image1.png": noise})
    settings = tmp_path / "county.toml"
    settings.write_text("[ingest]\nmax_unpacked_mb = 2\n", encoding="utf-8")
    r = run(big, "--out", tmp_path / "d", "--settings", settings)
    assert r.exit_code == 2
    assert "big.xlsx" in r.output and "xl/media/image1.png" in r.output
    assert "超过上限 2 MB" in r.output
    assert not (tmp_path / "d").exists()
    r = run(big, "--out", tmp_path / "d")  # within the default limit: read
    assert r.exit_code == 0, r.output


@pytest.mark.badinput(
    entry="audit ingest",
    case="压缩包部件过多 / a zip with more than 10 000 parts",
    outcome="exit 2: 拒绝读取：压缩包内有 10001 个部件，超过上限 10000 (file)",
)
def test_too_many_parts_are_refused(tmp_path):
    f = tmp_path / "many.xlsx"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr(f"x/{i}", b"")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2
    assert "many.xlsx" in r.output and "10001 个部件" in r.output
    assert not (tmp_path / "d").exists()


@pytest.mark.badinput(
    entry="audit ingest",
    case="压缩包部件路径含 .. 或绝对路径 / a part named with '..' or an absolute path",
    outcome="exit 2: 拒绝读取：部件「../…」的路径指向压缩包之外 (file, part)",
)
@pytest.mark.parametrize("member", ["../../evil.sh", "/etc/cron.d/evil", "xl/..\\..\\evil.bat"])
def test_part_outside_the_archive_is_refused(tmp_path, base, member):
    good = write_xlsx(tmp_path / "good.xlsx", base)
    bad = rezip(good, tmp_path / "slip.xlsx", {member: b"echo owned"})
    out, before = existing_output(tmp_path)
    r = run(bad, "--out", out)
    assert r.exit_code == 2
    assert "slip.xlsx" in r.output and member in r.output and "压缩包之外" in r.output
    assert snapshot(out) == before


# --- password-protected ---------------------------------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="有密码保护的工作簿 / a password-protected (encrypted) .xlsx",
    outcome="exit 2: 工作簿有密码保护，无法读取；请另存为无密码的文件 (file)",
)
def test_password_protected_workbook_exit_2(tmp_path, base):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", base)
    locked = tmp_path / "加密.xlsx"
    with plain.open("rb") as fin, locked.open("wb") as fout:
        OOXMLFile(fin).encrypt("secret", fout)
    assert locked.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    out, before = existing_output(tmp_path)
    r = run(plain, locked, "--out", out)
    assert r.exit_code == 2
    assert "加密.xlsx" in r.output and "工作簿有密码保护" in r.output
    assert snapshot(out) == before
    r = run(locked, "--out", tmp_path / "d")
    assert r.exit_code == 2 and not (tmp_path / "d").exists()


# --- formulas, macros, external links -------------------------------------------------


def _letter(base, column):
    from audit.ingest.headers import column_letter

    return column_letter(list(base.columns).index(column))


@pytest.mark.badinput(
    entry="audit ingest",
    case="公式而非数值（含 WEBSERVICE、外部引用）/ formulas instead of values (WEBSERVICE, links)",
    outcome="exit 0: 单元格是公式，已按其保存的值读取 (sheet, row, column), 逐格列入报告",
)
def test_formulas_are_read_as_saved_values_and_listed(tmp_path, base, no_network):
    n = len(base)
    total = base["人数"].iloc[0]
    formulas = {
        (2, "姓名"): ('=WEBSERVICE("http://example.invalid/x")', base.loc[2, "姓名"]),
        (3, "人均纯收入"): ("='[外部.xlsx]Sheet1'!A1", float(base.loc[3, "人均纯收入"])),
        (4, "成员联系电话"): ('=FILTERXML(WEBSERVICE("http://example.invalid/p"),"//p")', ""),
        (n, "序号"): ('="合"&"计"', "合计"),  # a totals row: skipped, not listed
        (n, "人数"): (f"=SUM(K2:K{n + 1})", float(total)),
    }
    f = write_formula_xlsx(tmp_path / "formulas.xlsx", base, formulas)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    assert no_network == []
    ds = load_dataset(tmp_path / "d")
    assert set(ds.members["name"]) == set(base["姓名"])
    pid = ds.members.set_index("person_id")
    assert pd.isna(pid.loc[base.loc[4, "证件号码"], "phone"])
    hh = ds.households.set_index("household_id")
    assert hh.loc[base.loc[3, "户编号"], "net_income_per_capita"] == base.loc[3, "人均纯收入"]
    saved = issues(tmp_path / "d", "formula_cell")
    assert [(i["row"], i["sheet"]) for i in saved] == [(4, "Sheet1"), (5, "Sheet1")]
    assert saved[0]["column"] == f"姓名（{_letter(base, '姓名')}列）"
    assert saved[0]["value"] == '=WEBSERVICE("http://example.invalid/x")'
    assert "选择性粘贴→数值" in saved[0]["message_zh"] and saved[0]["severity"] == "warning"
    assert saved[1]["column"].startswith("人均纯收入") and "[外部.xlsx]" in saved[1]["value"]
    [empty] = issues(tmp_path / "d", "formula_no_value")
    assert empty["row"] == 6 and empty["column"].startswith("成员联系电话")
    assert "空值" in empty["message_zh"]
    # the report shows the formulas as text: none of them is live in ingest_report.xlsx
    wb = load_workbook(tmp_path / "d" / "ingest_report.xlsx")
    cells = [c for row in wb["问题明细"].iter_rows() for c in row if c.value]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == '=WEBSERVICE("http://example.invalid/x")' for c in cells)


def _with_macros(xlsx, dest):
    types = (
        '<Override PartName="/xl/vbaProject.bin" '
        'ContentType="application/vnd.ms-office.vbaProject"/>'
    )
    payload = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "Auto_Open"' * 64
    return rezip(xlsx, dest, {"xl/vbaProject.bin": payload}, types)


@pytest.mark.badinput(
    entry="audit ingest",
    case="含宏的工作簿 (.xlsm) / a workbook with a VBA project",
    outcome="exit 0: 只读取数据，报告警告：工作簿含宏，宏未运行，只读取了数据 (file, sheet)",
)
def test_macros_are_not_run_and_noted(tmp_path, base):
    xlsm = _with_macros(write_xlsx(tmp_path / "plain.xlsx", base), tmp_path / "宏.xlsm")
    r = run(xlsm, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    [note] = issues(tmp_path / "d", "workbook_macros")
    assert note["file"] == str(xlsm) and note["sheet"] == "Sheet1"
    assert note["message_zh"] == "工作簿含宏，宏未运行，只读取了数据"
    assert set(load_dataset(tmp_path / "d").members["name"]) == set(base["姓名"])


@pytest.mark.badinput(
    entry="audit ingest",
    case="外部链接 / external links (xl/externalLinks) to a file share and a web address",
    outcome="exit 0: 链接未打开，按保存的值读取，报告警告：工作簿含外部链接（目标）(file)",
)
def test_external_links_are_not_followed(tmp_path, base, no_network):
    value = float(base.loc[0, "人均纯收入"])
    formulas = {(i, "人均纯收入"): ("=[1]Sheet1!$A$1", value) for i in range(len(base))}
    plain = write_formula_xlsx(tmp_path / "plain.xlsx", base.assign(人均纯收入=value), formulas)
    rel = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" TargetMode="External" Target="{}" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"/></Relationships>'
    )
    link = (
        '<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxml'
        'formats.org/spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"/></externalLink>'
    )
    targets = ["file:///\\\\server\\share\\收入.xlsx", "http://example.invalid/book.xlsx"]
    extra = {}
    for k, target in enumerate(targets, start=1):
        extra[f"xl/externalLinks/externalLink{k}.xml"] = link.encode()
        extra[f"xl/externalLinks/_rels/externalLink{k}.xml.rels"] = rel.format(target).encode()
    f = rezip(plain, tmp_path / "links.xlsx", extra)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    assert no_network == []
    [note] = issues(tmp_path / "d", "external_links")
    assert all(t in note["message_zh"] for t in targets) and "未打开" in note["message_zh"]
    ds = load_dataset(tmp_path / "d")
    assert (ds.households["net_income_per_capita"] == value).all()
    assert len(issues(tmp_path / "d", "formula_cell")) == len(base)


def test_formula_scan_handles_prefixes_and_missing_references(tmp_path):
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<x:worksheet xmlns:x="{main_ns}"><x:sheetData>'
        '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
        '<x:row r="5"><x:c r="C5"><x:f t="shared" si="0" ref="C5:C6">A5</x:f><x:v/></x:c></x:row>'
        '<x:row><x:c r="C6"><x:f t="shared" si="0"/><x:v>3</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    f = tmp_path / "s.zip"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("s.xml", xml)
        z.writestr("plain.xml", xml.replace("<x:f", "<x:g").replace("</x:f>", "</x:g>"))
        numbered = xml.replace("<x:row>", '<x:row r="1">', 1).replace("<x:row>", '<x:row r="6">')
        z.writestr("numbered.xml", numbered)  # rows numbered: the fast path (blocks of rows)
    expected = [(1, 1, "=1+1", True), (5, 2, "=A5", False), (6, 2, "=", True)]
    with zipfile.ZipFile(f) as z:
        assert _formula_cells(z, "s.xml") == expected
        assert _formula_cells(z, "numbered.xml") == expected
        assert _formula_cells(z, "plain.xml") == []


def test_read_file_lists_formula_cells_of_each_sheet(tmp_path, base):
    f = write_formula_xlsx(tmp_path / "f.xlsx", base, {(0, "人数"): ("=2+3", 5.0)})
    [raw] = read_file(f)
    col = list(base.columns).index("人数")
    assert raw.formulas == [(2, col, "=2+3", True)] and raw.rows[1][col] == 5.0
    assert raw.notes == []


# --- settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[ingest]\nmax_ratio = 0\n",
        '[ingest]\nmax_unpacked_mb = "2 GB"\n',
        "[ingest]\nmax_rows = 1\n",
    ],
)
def test_bad_ingest_limits_name_the_key(tmp_path, text):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(f)
    assert err.value.parameter.startswith("ingest.")
    assert load_settings().ingest.max_members == 10_000


# --- formula injection in what we write -----------------------------------------------


def _text_cells(path, expected, sheet=None):
    """Every cell of a workbook (or one sheet) whose value is one of ``expected``."""
    wb = load_workbook(path)
    sheets = [wb[sheet]] if sheet else wb.worksheets
    return [c for ws in sheets for row in ws.iter_rows() for c in row if c.value in expected]


def _assert_text(path, expected, sheet=None):
    """Each of ``expected`` is in the workbook as text (never a formula or an error value)."""
    cells = _text_cells(path, expected, sheet)
    assert {c.value for c in cells} == set(expected)
    assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells]


@pytest.mark.badinput(
    entry="audit ingest",
    case="数据中的公式式文本（=HYPERLINK、=cmd|…）/ formula-like text in the data",
    outcome="exit 1: 写入的所有 Excel 文件中均为文本，不是公式 (rejects.xlsx, exports, lists)",
)
def test_formula_like_data_is_written_as_text(tmp_path, base, small):
    frame = base.copy()
    frame.loc[: len(HOSTILE) - 1, "姓名"] = HOSTILE
    frame.loc[0, "证件号码"] = ""  # rejects the first row: it goes to rejects.xlsx
    f = write_csv(tmp_path / "hostile.csv", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1, r.output
    _assert_text(tmp_path / "d" / "rejects.xlsx", HOSTILE[:1])
    ds = load_dataset(tmp_path / "d")
    # names are cleaned on ingest (spaces squeezed, "#N/A" read as missing): still hostile
    kept = sorted(n for n in ds.members["name"].dropna() if n[:1] in "=+-@#")
    assert kept == ["+1+1", "-2+3", "=cmd|'/ccalc'!A1", "@SUM(1)"]

    from audit.excel import write_workbook
    from audit.ingest.excel_out import export_dataset, export_person_layout
    from audit.sampling.visit_list import FILE_NAME, write_visit_lists

    export_dataset(ds, tmp_path / "export")
    _assert_text(tmp_path / "export" / "数据集.xlsx", kept, "家庭成员")
    _assert_text(export_person_layout(ds, tmp_path / "person.xlsx"), kept)
    listed = write_workbook(tmp_path / "list.xlsx", {"名单": ds.members[["person_id", "name"]]})
    _assert_text(listed, kept)

    members = small.members.copy()
    is_head = members["relation"].astype(str) == "户主"
    heads = is_head[is_head].index[: len(HOSTILE)]
    members.loc[heads, "name"] = HOSTILE
    ds2 = small.subset(small.townships["township_code"])
    ds2.members = members
    hh = ds2.households
    sample = hh[hh["household_id"].isin(members.loc[heads, "household_id"])].assign(people=1)
    sample = sample[["household_id", "village_code", "township_code", "status", "people"]]
    written = write_visit_lists(sample, ds2, tmp_path / "run")
    assert all(p.name == FILE_NAME for p in written.values())
    cells = [c for p in written.values() for c in _text_cells(p, HOSTILE)]
    assert sorted(c.value for c in cells) == sorted(HOSTILE)
    assert all(c.data_type == "s" for c in cells)


def test_no_xlsx_writer_in_src_bypasses_the_text_helpers():
    """Every Excel writer in src/audit goes through audit.excel's safe options or helper."""
    root = os.path.join(os.path.dirname(__file__), "..", "src", "audit")
    offenders = []
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            writes = "xlsxwriter.Workbook(" in text or 'engine="openpyxl"' in text
            openpyxl = "Workbook(" in text and "from openpyxl import Workbook" in text
            if (writes and "XLSXWRITER_OPTIONS" not in text) or (
                openpyxl and "as_text_cells" not in text
            ):
                offenders.append(name)
    assert offenders == []
