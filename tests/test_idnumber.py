import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from audit.idnumber import check_character, is_valid, make_ids, parse_birth_date, parse_sex

# Published example numbers of GB 11643-1999 (Appendix) and common references.
KNOWN_VALID = ["11010519491231002X", "440524188001010014"]


def test_known_numbers_are_valid():
    assert is_valid(pd.Series(KNOWN_VALID)).all()


def test_wrong_check_character_bad_date_and_length_are_invalid():
    bad = [
        "110105194912310021",
        "110105194913310028",
        "11010519491231002",
        "6.20523199001011E+17",
        "",
        None,
        "11010519491231002x",
    ]
    assert not is_valid(pd.Series(bad, dtype="str")).any()


def test_check_character_of_known_bodies():
    assert check_character(pd.Series(["11010519491231002", "44052418800101001"])).tolist() == [
        "X",
        "4",
    ]


@given(
    st.dates(
        min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()
    ),
    st.integers(min_value=0, max_value=999),
)
def test_made_ids_are_valid_and_carry_birth_date_and_sex(date, seq):
    ids = pd.Series(
        make_ids(np.array(["620523"]), np.array([date], dtype="datetime64[D]"), np.array([seq]))
    )
    assert is_valid(ids).all()
    assert parse_birth_date(ids).iloc[0] == pd.Timestamp(date)
    assert parse_sex(ids).iloc[0] == ("男" if seq % 2 else "女")


@given(st.text(max_size=25))
def test_is_valid_never_raises_on_arbitrary_text(text):
    assert is_valid(pd.Series([text], dtype="str")).dtype == bool
