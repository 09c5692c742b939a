"""CJK font registration: one single-face OTF from mplfonts, never SimHei; glyph guard."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from audit.errors import AuditError
from audit.plotting import cjk_font_path, setup_fonts
from audit.plotting import fonts as fonts_module


def _draw(text: str) -> None:
    fig = Figure(figsize=(3, 1))
    fig.text(0.1, 0.5, text)
    fig.savefig(io.BytesIO(), format="png")


def test_the_font_is_the_single_face_noto_otf_from_mplfonts():
    path = cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert path.parent.parent.name == "mplfonts"
    family = setup_fonts()
    assert family == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(found).resolve() == path.resolve()


def test_simhei_is_never_registered_or_in_the_chain():
    matplotlib.rcParams["font.sans-serif"] = ["SimHei", *matplotlib.rcParams["font.sans-serif"]]
    setup_fonts()
    assert "SimHei" not in matplotlib.rcParams["font.sans-serif"]
    registered = [Path(f.fname).name for f in font_manager.fontManager.ttflist]
    assert "SimHei.ttf" not in registered
    ours = [f.fname for f in font_manager.fontManager.ttflist if f.name == "Noto Sans CJK SC"]
    assert [Path(f).resolve() for f in ours] == [cjk_font_path().resolve()]


def test_a_system_font_of_the_same_family_is_never_chosen(monkeypatch):
    # Debian's fonts-noto-cjk: Noto Sans CJK SC is face 2 of a .ttc collection
    fm = font_manager.fontManager
    entry = next(f for f in fm.ttflist if f.name == "Noto Sans CJK SC")
    system = font_manager.FontEntry(
        fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", name=entry.name,
        style=entry.style, variant=entry.variant, weight=entry.weight, stretch=entry.stretch,
        size=entry.size,
    )  # fmt: skip
    monkeypatch.setattr(fm, "ttflist", [system, *fm.ttflist])
    monkeypatch.setattr(fonts_module, "_ADDED", set())
    setup_fonts()
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(found).resolve() == cjk_font_path().resolve()


def test_setup_is_idempotent_and_survives_rcdefaults():
    setup_fonts()
    before = len(font_manager.fontManager.ttflist)
    setup_fonts()
    setup_fonts()
    assert len(font_manager.fontManager.ttflist) == before
    assert matplotlib.rcParams["font.sans-serif"].count("Noto Sans CJK SC") == 1
    matplotlib.rcdefaults()
    setup_fonts()
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"


def test_chinese_renders_without_missing_glyph_warning():
    setup_fonts()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _draw("甘谷县各村问题户比例（%）示意图（非实际边界）−1 ％ 达标／风险／未达标")


def test_the_missing_glyph_guard_is_real():
    """Text the font cannot draw emits the warning, and warnings-as-errors turns it fatal."""
    setup_fonts()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=r"Glyph .* missing from font"):
            _draw("线性文字 \U00010000")  # LINEAR B SYLLABLE B008 A: in no registered font


def test_missing_font_file_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts_module, "_FONT_FILE", ("fonts", "NoSuchFont.otf"))
    with pytest.raises(AuditError, match="mplfonts"):
        setup_fonts()
    monkeypatch.setattr(fonts_module, "_PACKAGE", "no_such_package_here")
    with pytest.raises(AuditError, match="mplfonts"):
        cjk_font_path()
