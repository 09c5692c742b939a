"""Normalisers of cell values, headers and place names: examples and properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.idnumber import is_valid, make_ids
from audit.ingest.headers import find_header, lookup, normalise_header
from audit.ingest.normalise import (
    cell_text,
    normalise_bools,
    normalise_codes,
    normalise_dates,
    normalise_enum,
    normalise_ids,
    normalise_multi,
    normalise_numbers,
    normalise_text,
)
from audit.ingest.places import Divisions, place_key

S = pd.Series
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def one(func, value, **kw):
    values, problems = func(S([value], dtype=object), **kw)
    v = values.iloc[0]
    return (None if pd.isna(v) else v), problems.iloc[0]


# --- ID numbers ---------------------------------------------------------------------


def test_ids_examples():
    assert one(normalise_ids, " 11010519491231002x ") == ("11010519491231002X", None)
    assert one(normalise_ids, "１１０１０５１９４９１２３１００２Ｘ") == (
        "11010519491231002X",
        None,
    )
    assert one(normalise_ids, '="11010519491231002X"') == ("11010519491231002X", None)
    assert one(normalise_ids, "") == (None, None)


def test_fifteen_digit_id_is_upgraded_with_a_new_check_character():
    value, problem = one(normalise_ids, "110105491231002")
    assert value == "11010519491231002X" and problem == "id_upgraded"
    assert is_valid(S([value])).iloc[0]


def test_twenty_digit_disability_number_keeps_the_id():
    assert one(normalise_ids, "11010519491231002X42") == ("11010519491231002X", "id_truncated")


def test_float_stored_ids_are_unrecoverable_and_never_guessed():
    v, p = one(normalise_ids, 6.205231990010110e17)
    assert (v, p) == ("6.20523199001011E+17", "id_mangled")
    v, p = one(normalise_ids, "6.20523E+17")
    assert (v, p) == ("6.20523E+17", "id_mangled")
    v, p = one(normalise_ids, "620523199001011000")  # tail zeroed, check character wrong
    assert (v, p) == ("620523199001011000", "id_mangled")
    # a 15-digit number is stored exactly by a spreadsheet: upgraded, not mangled
    assert one(normalise_ids, 110105491231002.0)[1] == "id_upgraded"


def test_malformed_ids_are_kept_for_rule_id01():
    assert one(normalise_ids, "12345") == ("12345", "id_malformed")


ID_STRATEGY = st.builds(
    lambda y, d, seq, region: make_ids(
        np.array([region]),
        np.array([np.datetime64(dt.date(y, 1, 1) + dt.timedelta(days=d))]),
        np.array([seq]),
    )[0],
    st.integers(1930, 2020),
    st.integers(0, 364),
    st.integers(0, 999),
    st.sampled_from(["620523", "110105", "44030X"[:5] + "4"]),
)
SPACE = st.text(alphabet=" \t\u3000\n\u200b", max_size=4)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(ID_STRATEGY, SPACE, SPACE, st.booleans(), st.booleans(), st.booleans())
def test_valid_ids_survive_whitespace_and_full_width(pid, left, right, wide, lower, inner):
    text = pid.translate(FULL_WIDTH) if wide else pid
    if lower:
        text = text.replace("X", "x").replace("Ｘ", "ｘ")
    if inner:
        text = text[:6] + " " + text[6:14] + " " + text[14:]
    value, problem = one(normalise_ids, left + text + right)
    assert value == pid and problem is None


ANY_CELL = st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_CELL, min_size=1, max_size=8))
def test_no_normaliser_raises_on_arbitrary_cells(cells):
    raw = S(cells, dtype=object)
    outputs = [
        normalise_ids(raw),
        normalise_codes(raw),
        normalise_text(raw, squeeze=True),
        normalise_numbers(raw, unit="元"),
        normalise_numbers(raw, integer=True),
        normalise_bools(raw),
        normalise_dates(raw),
        normalise_enum(raw, "relation"),
        normalise_multi(raw, "health"),
        (cell_text(raw), raw),
    ]
    for values, problems in outputs:
        assert len(values) == len(cells) and len(problems) == len(cells)
    normalise_header(cells[0])
    lookup(cells[0])
    place_key(cells[0])


@settings(max_examples=100)
@given(st.text(max_size=20))
def test_header_lookup_never_raises_and_is_space_insensitive(text):
    assert lookup(text) == lookup(" " + text + "\n") or not text.strip()


# --- dates, numbers, yes/no, code lists -----------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "2024/3/5",
        "2024-03-05",
        "2024.3.5",
        "2024年3月5日",
        "20240305",
        "20240305.0",
        20240305.0,
        45356,
        45356.75,
        "2024-03-05 08:30:00",
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 17, 0),
        "２０２４年３月５日",
    ],
)
def test_dates(cell):
    value, problem = one(normalise_dates, cell)
    assert value == pd.Timestamp("2024-03-05") and problem is None


@pytest.mark.parametrize("cell", ["2024-02-30", "三月五日", "2024年3月", 99999999, "abc"])
def test_bad_dates(cell):
    assert one(normalise_dates, cell) == (None, "bad_date")


def test_dates_dtype():
    values, _ = normalise_dates(S(["2024-03-05", None], dtype=object))
    assert values.dtype == "datetime64[us]"


@pytest.mark.parametrize(
    ("cell", "unit", "expected"),
    [
        ("1,234.5", "元", 1234.5),
        ("１，２３４．５", "元", 1234.5),
        ("1.2万元", "元", 12000.0),
        ("1.2万", "元", 12000.0),
        ("5000元", "万元", 0.5),
        ("3.5公里", "公里", 3.5),
        ("12 km", "公里", 12.0),
        ("-", "元", None),
        (42.0, None, 42.0),
    ],
)
def test_numbers(cell, unit, expected):
    assert one(normalise_numbers, cell, unit=unit)[0] == expected


def test_number_problems():
    assert one(normalise_numbers, "3公里", unit="元")[1] == "bad_unit"
    assert one(normalise_numbers, "三千", unit="元")[1] == "bad_number"
    assert one(normalise_numbers, 2.5, integer=True)[1] == "bad_integer"
    values, _ = normalise_numbers(S(["4人", 5.0, None], dtype=object), integer=True)
    assert values.dtype == "Int64" and values.tolist()[:2] == [4, 5]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("√", True),
        ("×", False),
        ("有", True),
        ("无", False),
        ("Y", True),
        ("n", False),
        (1.0, True),
        (0, False),
        (True, True),
        ("TRUE", True),
        ("", None),
    ],
)
def test_bools(cell, expected):
    assert one(normalise_bools, cell)[0] == expected


def test_enums_labels_synonyms_and_codes():
    assert one(normalise_enum, "新农合", enum="medical_insurance")[0] == "城乡居民基本医疗保险"
    assert (
        one(normalise_enum, "城乡居民医保", enum="medical_insurance")[0] == "城乡居民基本医疗保险"
    )
    assert one(normalise_enum, 1.0, enum="sex")[0] == "男"
    assert one(normalise_enum, "2", enum="sex")[0] == "女"
    assert one(normalise_enum, "本人或户主", enum="relation")[0] == "户主"
    assert one(normalise_enum, "c级", enum="house_grade")[0] == "C"
    assert one(normalise_enum, "危房D类", enum="house_grade")[0] == "D"
    assert one(normalise_enum, "五保贫困户", enum="poverty_attribute")[0] == "特困供养贫困户"
    assert one(normalise_enum, "外星人", enum="relation") == (None, "bad_enum")


def test_multi_valued_cells():
    assert one(normalise_multi, "残疾，长期慢性病", enum="health")[0] == "残疾,长期慢性病"
    assert one(normalise_multi, "患有大病、残疾", enum="health")[0] == "大病,残疾"
    assert one(normalise_multi, "健康,外星", enum="health")[1] == "bad_enum"


def test_codes_keep_digits_and_detect_precision_loss():
    assert one(normalise_codes, 620523101001.0) == ("620523101001", None)
    assert one(normalise_codes, 62052310100100001.0)[1] == "code_mangled"
    assert one(normalise_codes, " 6205 2310 1001 ") == ("620523101001", None)


def test_text_squeezes_names():
    assert one(normalise_text, "张  三 ", squeeze=True)[0] == "张三"
    assert one(normalise_text, "/", squeeze=False)[0] is None


# --- headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("证件号码", ("members", "person_id")),
        ("身份证号码", ("members", "person_id")),
        ("公民身份号码", ("members", "person_id")),
        ("户码", ("households", "household_id")),
        ("务工时间(月)", ("members", "months_away")),
        ("务工时间\n（月）", ("members", "months_away")),
        ("持残疾证", ("members", "disability_certificate")),  # 是否 stripped
        ("工资性收入（元）", ("households", "income_wage")),  # unit stripped
        ("AAC001", ("households", "household_id")),
        ("乡（镇）", ("_place", "township")),
        ("*户编号", ("households", "household_id")),
    ],
)
def test_header_aliases(header, target):
    assert target in lookup(header)


def test_header_row_is_found_below_title_rows():
    rows = [
        ["甘谷县建档立卡贫困户信息表", "", ""],
        ["", "", ""],
        ["户编号", "证件号码", "与户主关系"],
        ["1", "2", "户主"],
    ]
    header = find_header(rows)
    assert header.first_row == 2 and header.data_start == 3
    assert [h.text for h in header.columns] == ["户编号", "证件号码", "与户主关系"]


def test_two_row_header_with_merged_cells():
    rows = [
        ["户编号", "成员信息", "", "收入"],
        ["", "证件号码", "与户主关系", "人均纯收入（元）"],
        ["1", "2", "户主", 3.0],
    ]
    header = find_header(rows, merged=[((0, 0), (1, 0)), ((0, 1), (0, 2))])
    assert header.data_start == 2
    assert [h.text for h in header.columns] == [
        "户编号",
        "证件号码",
        "与户主关系",
        "人均纯收入（元）",
    ]


def test_no_header_in_a_sheet_of_numbers():
    assert find_header([[1, 2, 3], [4, 5, 6]]) is None


# --- places ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def divisions():
    return Divisions.from_reference("gangu", county_code="620523", county_name="甘谷县")


def resolve(divisions, village, township=None, county=None):
    idx = pd.RangeIndex(1)

    def s(x):
        return None if x is None else S([x], dtype=object)

    v, _, p = divisions.resolve(s(village), s(township), s(county), idx)
    return (None if pd.isna(v.iloc[0]) else v.iloc[0]), p.iloc[0]


def test_village_names_resolve(divisions):
    assert resolve(divisions, "姚庄社区居民委员会") == ("620523101001", None)
    assert resolve(divisions, "姚庄社区", "新兴镇") == ("620523101001", None)
    assert resolve(divisions, "620523101001") == ("620523101001", None)


def test_village_problems(divisions):
    assert resolve(divisions, "月球村")[1] == "unknown_village"
    assert resolve(divisions, "张家窑村")[1] == "ambiguous_village"  # in two townships
    assert resolve(divisions, "张家窑村", "磐安镇")[0] == "620523102286"
    assert resolve(divisions, "姚庄社区", "古坡镇")[1] == "village_not_in_township"
    assert resolve(divisions, "姚庄社区", "火星镇")[1] == "unknown_township"
    assert resolve(divisions, "姚庄社区", None, "秦安县")[1] == "other_county"
    assert resolve(divisions, "姚庄社区", None, "甘谷")[1] is None
    assert resolve(divisions, "999999999999")[1] == "unknown_village_code"
