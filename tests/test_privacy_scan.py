"""The privacy scan: it finds every planted leak, spares look-alikes, and the real run is clean."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from audit import load_dataset
from audit.cli import main
from audit.privacy import mask_id, mask_name
from audit.privacy_scan import classify, mask_text, scan
from audit.runner.parameters import FIXTURE_DIR

TOWN_A, TOWN_B = "620523101-新兴镇", "620523110-古坡镇"
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
VALID_ID = "11010519491231002X"  # GB 11643 example: right check character


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(FIXTURE_DIR, geometry=False)


@pytest.fixture(scope="module")
def people(dataset):
    """A household head of township A and one of township B: person_id, name, household_id."""
    m = dataset.members.merge(dataset.households[["household_id", "township_code"]])
    heads = m[m["relation"].eq("户主") & m["name"].str.len().eq(3)]
    pick = heads.drop_duplicates("township_code").set_index("township_code")
    return {
        t: pick.loc[t, ["person_id", "name", "household_id"]].to_dict()
        for t in ("620523101", "620523110")
    }


def kinds(leaks, file):
    return sorted(set(leaks.loc[leaks["file"].eq(file), "kind"]))


# ------------------------------------------------------------------ patterns, no run needed


def test_ids_and_phones_in_a_text_file_are_found_with_their_line(tmp_path):
    (tmp_path / "notes.txt").write_text(
        f"第一行\n户主 {VALID_ID} 签字\n电话：13912345678；办公室 0938-6821234\n"
        "旧身份证 620523850101123\n",
        encoding="utf-8",
    )
    leaks = scan(tmp_path)
    got = set(zip(leaks["where"], leaks["kind"], strict=True))
    assert got == {("line 2", "id_number"), ("line 3", "phone"), ("line 4", "id_number")}
    assert len(leaks) == 4  # two phones on line 3
    assert not leaks["excerpt"].str.contains(VALID_ID).any()
    assert not leaks["excerpt"].str.contains("13912345678|6821234|620523850101123").any()


def test_look_alikes_are_not_flagged(tmp_path):
    sha = hashlib.sha256(b"x").hexdigest()
    bad_check = VALID_ID[:-1] + "1"  # an 18-digit number with a wrong check character
    text = "\n".join([
        f"sha256 {sha}",
        f"fingerprint ab{VALID_ID[:-1]}7cd{'9' * 20}ef",  # digits inside a hex string
        f"{bad_check} 123456789012345678 999999999999999999",
        "62052310100100001 620523101001 2024-03-25 20240325",  # household, village, dates
        f"{mask_id(VALID_ID)} 139****5678 2.131092671001203 1.3912345678",
        "12345678901 金额 35900000000 元",
    ])  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps({"a": text.split("\n")}), encoding="utf-8")
    (tmp_path / "log.txt").write_text(text, encoding="utf-8")
    assert scan(tmp_path).empty


def test_mask_text_hides_ids_phones_and_names():
    out = mask_text([f"户主张学明（{VALID_ID}，13912345678）"], {"张学明"})
    assert out == [f"户主张*明（{mask_id(VALID_ID)}，139****5678）"]


def test_png_text_chunks_are_read(tmp_path):
    info = PngInfo()
    info.add_text("Author", "tel. 13912345678")  # Latin-1: a tEXt chunk
    info.add_itxt("Comment", f"户主 {VALID_ID}", zip=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "map.png", pnginfo=info)
    leaks = scan(tmp_path)
    assert set(zip(leaks["where"], leaks["kind"], strict=True)) == {
        ("PNG tEXt Author", "phone"),
        ("PNG iTXt Comment", "id_number"),
    }


def test_an_unreadable_file_is_reported(tmp_path):
    (tmp_path / "report.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    leaks = scan(tmp_path)
    assert leaks["kind"].tolist() == ["unreadable"]


def test_a_missing_folder_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["privacy-check", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "找不到" in result.output


# ------------------------------------------------------------------ the real run


@pytest.mark.slow
def test_the_run_is_sorted_by_audience(fixture_run):
    files = classify(fixture_run.path).set_index("file")
    aud = files["audience"]
    assert set(aud[aud.eq("restricted")].index) == {
        f"townships/{t}/{x}.xlsx"
        for t in (TOWN_A, TOWN_B)
        for x in ("问题清单", "一户一策", "入户核查名单")
    }
    assert set(aud[aud.eq("analyst")].index) == {p.name for p in fixture_run.path.glob("*.parquet")}
    leader = set(aud[aud.eq("leader")].index)
    assert {"county/report.html", "manifest.json", f"townships/{TOWN_A}/report.html"} <= leader
    assert any(f.startswith("logs/") for f in leader)
    assert any(f.startswith("notebooks/") for f in leader)
    assert files.loc[f"townships/{TOWN_B}/一户一策.xlsx", "township"] == TOWN_B


@pytest.mark.slow
def test_the_real_run_is_clean_and_each_township_holds_its_own(fixture_run, dataset):
    leaks = scan(fixture_run.path, dataset)
    assert leaks.empty, leaks.to_string()
    # the work lists were read: strictly, they hold full identities of their own township only
    strict = scan(fixture_run.path, dataset, strict=True)
    work = strict[strict["file"].str.startswith("townships/")]
    assert {"id_number", "name_near_id", "phone"} <= set(work["kind"])
    assert "foreign_household" not in set(strict["kind"])
    assert not strict["excerpt"].str.contains(FULL_ID).any()


@pytest.fixture(scope="module")
def planted(fixture_run, dataset, people, tmp_path_factory):
    """A copy of the run with one leak of each kind planted; returns (run, expected)."""
    run = tmp_path_factory.mktemp("planted") / "run"
    shutil.copytree(fixture_run.path, run)
    a, b = people["620523101"], people["620523110"]
    expected = {}
    # an unmasked ID in the county report, in text and in an attribute
    page = run / "county" / "report.html"
    text = page.read_text(encoding="utf-8")
    pos = text.index("</body>")
    line = text[:pos].count("\n") + 2
    plant = f'\n<p>户主身份证号 {a["person_id"]}</p>\n<img alt="户主 {a["person_id"]}"/>\n'
    page.write_text(text[:pos] + plant + text[pos:], encoding="utf-8")
    expected["county/report.html"] = {
        (f"line {line}", "id_number"),
        (f"line {line + 1}", "id_number"),
    }
    # a phone number in a log
    log = run / "logs" / "620523101.log"
    n = len(log.read_text(encoding="utf-8").split("\n"))
    log.write_text(log.read_text(encoding="utf-8") + "联系电话 13912345678\n", encoding="utf-8")
    expected["logs/620523101.log"] = {(f"line {n}", "phone")}
    # a full name next to a masked ID in a county-wide workbook
    pd.DataFrame({"姓名": [a["name"]], "证件号码": [mask_id(a["person_id"])]}).to_excel(
        run / "county" / "名单.xlsx", sheet_name="名单", index=False
    )
    expected["county/名单.xlsx"] = {("名单!A2", "name_near_id")}
    # a household of township B in a work list of township A
    book = openpyxl.load_workbook(run / "townships" / TOWN_A / "一户一策.xlsx")
    sheet = book["一户一策"]
    sheet.append(["", b["household_id"], b["name"], b["person_id"]])
    row = sheet.max_row
    book.save(run / "townships" / TOWN_A / "一户一策.xlsx")
    expected[f"townships/{TOWN_A}/一户一策.xlsx"] = {
        (f"一户一策!B{row}", "foreign_household"),
        (f"一户一策!D{row}", "foreign_household"),
    }
    # an ID in a notebook's output
    nb_path = run / "notebooks" / "county_report.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    i = next(k for k, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    j = len(nb["cells"][i]["outputs"])
    nb["cells"][i]["outputs"].append(
        {"output_type": "stream", "name": "stdout", "text": [f"查到 {a['person_id']}\n"]}
    )
    tb = [
        "\x1b[0;31m----\x1b[0m",
        "KeyError  Traceback",
        f"\x1b[0;31mKeyError\x1b[0m: '{b['person_id']}'",
    ]
    nb["cells"][i]["outputs"].append(
        {"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": tb}
    )
    nb_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    expected["notebooks/county_report.ipynb"] = {
        (f"cell {i} output {j} (stdout) line 1", "id_number"),
        (f"cell {i} output {j + 1} (error) line 4", "id_number"),
    }
    # an ID in the error message of a failed report, in the manifest
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["reports"]["620523110"]["error"] = {"evalue": f"KeyError: '{b['person_id']}'"}
    (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    expected["manifest.json"] = {("$.reports.620523110.error.evalue", "id_number")}
    return run, expected


@pytest.mark.slow
def test_every_planted_leak_is_found_where_it_is(planted, dataset, people):
    run, expected = planted
    leaks = scan(run, dataset)
    for file, want in expected.items():
        got = set(
            zip(*leaks.loc[leaks["file"].eq(file), ["where", "kind"]].T.to_numpy(), strict=True)
        )
        assert got == want, (file, leaks[leaks["file"].eq(file)].to_string())
    assert set(leaks["file"]) == set(expected)
    assert not leaks["excerpt"].str.contains(FULL_ID).any()
    a = people["620523101"]
    assert not leaks["excerpt"].str.contains(a["name"]).any()
    assert leaks["excerpt"].str.contains(re.escape(mask_name(a["name"]))).any()
    assert (
        leaks["excerpt"].str.contains("620523110").any()
    )  # a foreign household names its township


@pytest.mark.slow
def test_without_a_dataset_ids_and_phones_are_still_found(planted):
    leaks = scan(planted[0])
    assert set(leaks["kind"]) == {"id_number", "phone"}
    assert set(leaks["file"]) == {
        "county/report.html",
        "logs/620523101.log",
        "notebooks/county_report.ipynb",
        "manifest.json",
    }


@pytest.mark.slow
def test_the_command_exits_0_when_clean_and_1_with_leaks(fixture_run, planted, people):
    runner = CliRunner()
    clean = runner.invoke(
        main, ["privacy-check", str(fixture_run.path), "--data", str(FIXTURE_DIR)]
    )
    assert clean.exit_code == 0, clean.output
    assert "未发现泄露" in clean.output
    assert "findings.parquet" in clean.output  # the analysts' files are listed
    run, _ = planted
    dirty = runner.invoke(main, ["privacy-check", str(run), "--data", str(FIXTURE_DIR), "--all"])
    assert dirty.exit_code == 1, dirty.output
    assert "其他乡镇的农户" in dirty.output and "电话号码" in dirty.output
    assert not FULL_ID.search(dirty.output)
    assert people["620523101"]["name"] not in dirty.output
    bad = runner.invoke(main, ["privacy-check", str(run), "--data", str(run / "county")])
    assert bad.exit_code == 2
