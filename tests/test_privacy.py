import numpy as np
import pandas as pd
import pytest

from audit.privacy import mask_id, mask_name


def test_mask_id_scalar_keeps_first_six_and_last_four():
    assert mask_id("620523199001011234") == "620523********1234"
    assert mask_id("62052319900101123X") == "620523********123X"


def test_mask_id_vectorised_keeps_index_and_missing():
    s = pd.Series(["620523199001011234", None, "1234567"], index=[10, 11, 12])
    out = mask_id(s)
    assert list(out.index) == [10, 11, 12]
    assert out.iloc[0] == "620523********1234"
    assert pd.isna(out.iloc[1])
    # a short value is masked except its last character, never shown in clear
    assert out.iloc[2] == "******7"


def test_mask_id_never_shows_the_birth_date():
    ids = pd.Series(["620523199001011234", "620523200512310021"])
    assert not mask_id(ids).str.contains("1990|2005").any()


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小明", "张*明"),
        ("欧阳小明", "欧**明"),
        ("李四", "李*"),
        ("王", "*"),
        (" 张小明 ", "张*明"),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_vectorised():
    out = mask_name(np.array(["张小明", "李四"]))
    assert out.tolist() == ["张*明", "李*"]
    assert pd.isna(mask_name(pd.Series([None], dtype="str")).iloc[0])
    assert mask_name(None) is None
