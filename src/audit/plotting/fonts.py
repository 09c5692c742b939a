"""Chinese text in matplotlib: register one single-face CJK font explicitly.

matplotlib has no CJK glyphs of its own; without a CJK font every Chinese character is
drawn as an empty box and matplotlib emits ``UserWarning: Glyph ... missing from
font(s) ...``. Relying on whatever font the machine happens to have gives different
pictures on different machines (or boxes), and picking the first face of a ``.ttc``
collection can silently select a Japanese or Korean face with different glyph shapes.

:func:`setup_fonts` therefore registers exactly one file, Noto Sans CJK SC Regular
(``NotoSansCJKsc-Regular.otf``, Google/Adobe, SIL Open Font License 1.1), shipped by the
pip dependency ``mplfonts``, with ``matplotlib.font_manager.fontManager.addfont``, and
puts its family first in the ``sans-serif`` fallback chain. A machine may have a font of
the same family name installed (Debian's ``fonts-noto-cjk`` has Noto Sans CJK SC as face 2
of ``NotoSansCJK-Regular.ttc``); matplotlib would then pick whichever it listed first, so
the charts would follow the machine. Those entries are dropped from the font manager's
list before the file is added: the family name means this one file. ``mplfonts`` also ships
``SimHei.ttf`` (not freely licensed); it is never registered and is removed from the
fallback chain if anything put it there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from audit.errors import AuditError

__all__ = ["cjk_font_path", "setup_fonts"]

#: The font file used for all Chinese text, inside the ``mplfonts`` package.
_PACKAGE = "mplfonts"
_FONT_FILE = ("fonts", "NotoSansCJKsc-Regular.otf")
#: Families never allowed in the fallback chain (non-free or multi-face collections).
_FORBIDDEN = ("SimHei",)
#: (font manager, file) pairs already registered, to skip the scan of its list on later calls.
_ADDED: set[tuple[int, str]] = set()


def cjk_font_path() -> Path:
    """Return the path of the CJK font file (Noto Sans CJK SC Regular).

    Returns
    -------
    pathlib.Path
        The ``.otf`` file inside the installed ``mplfonts`` package.

    Raises
    ------
    AuditError
        If ``mplfonts`` is not installed or the file is missing.
    """
    try:
        path = Path(str(resources.files(_PACKAGE).joinpath(*_FONT_FILE)))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        where = "/".join((_PACKAGE, *_FONT_FILE))
        raise AuditError(
            f"找不到中文字体文件 {where}：请安装依赖包 mplfonts（pip install mplfonts）",
            f"CJK font file {where} not found: install the dependency mplfonts",
            file=where,
        )
    return path


def _family(path: Path) -> str:
    return font_manager.FontProperties(fname=path).get_name()


def setup_fonts() -> str:
    """Register the CJK font and make it the first sans-serif family.

    Safe to call any number of times: the file is added to the font manager once, and
    the rc settings are (re)applied on every call, so a later ``rcdefaults`` or style
    change is undone by calling it again. Sets ``axes.unicode_minus = False`` so that
    negative numbers use an ASCII hyphen-minus.

    Returns
    -------
    str
        The registered family name (``"Noto Sans CJK SC"``).

    Raises
    ------
    AuditError
        If the font file is missing.

    Examples
    --------
    >>> from audit.plotting import setup_fonts
    >>> setup_fonts()
    'Noto Sans CJK SC'
    """
    path = cjk_font_path()
    fm = font_manager.fontManager
    resolved = str(path.resolve())
    key = (id(fm), resolved)
    family = _family(path)
    if key not in _ADDED:
        # the family name must mean this file only (addfont also clears the lookup cache)
        fm.ttflist = [entry for entry in fm.ttflist if entry.name != family]
        fm.addfont(resolved)
    _ADDED.add(key)
    chain = [f for f in matplotlib.rcParams["font.sans-serif"] if f not in (family, *_FORBIDDEN)]
    matplotlib.rcParams["font.sans-serif"] = [family, *chain]
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family
