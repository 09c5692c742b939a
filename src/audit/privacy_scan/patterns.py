"""What ID numbers, phone numbers and names look like in text, and how they are masked.

:data:`TOKENS` finds every ID-like (18- and 15-character, masked), phone-like
and household-number token of a text in one pass; :func:`names_in` finds the
member names of a Dataset; :func:`mask_text` masks both in short texts.
"""

from __future__ import annotations

import re

import pandas as pd

from audit.privacy import mask_id, mask_name

__all__ = ["CJK_RUN", "CUT_HEAD", "CUT_TAIL", "TOKENS", "mask_text", "names_in"]

# No letter or digit around a token (hex fingerprints, longer numbers), nor a decimal point
# between digits (the fraction of a float).
_B = r"(?<![0-9A-Za-z])(?<!\d\.)"
_E = r"(?![0-9A-Za-z])(?!\.\d)"
TOKENS = re.compile(
    _B + r"(?:(?P<id18>\d{17}[\dXx])" + _E
    + r"|(?P<hh>\d{17})" + _E
    + r"|(?P<id15>[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})" + _E
    + r"|(?P<masked>\d{6}\*{3,12}[\dXx]{4})" + _E
    + r"|(?P<mobile>(?:\+?86-?)?1[3-9]\d(?:-?\d{4}){2})" + _E
    + r"|(?P<landline>(?:\(0\d{2,3}\)|0\d{2,3}-)\d{7,8})(?![0-9A-Za-z-])(?!\.\d))"
)  # fmt: skip
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
CUT_HEAD = re.compile(r"^[0-9A-Za-z*+-]+")  # the rest of a token cut by an excerpt's edge
CUT_TAIL = re.compile(r"[0-9A-Za-z*+-]+$")


def names_in(text: str, names: frozenset) -> list[tuple[int, str]]:
    """Return (offset, name) of the member names in ``text``.

    A run of Chinese characters that is itself a name counts, and so does a
    name of three or four characters inside a longer run (``户主张学明``).
    """
    found = []
    for m in CJK_RUN.finditer(text):
        run = m.group()
        if run in names:
            found.append((m.start(), run))
            continue
        for size in (4, 3):
            found += [
                (m.start() + i, run[i : i + size])
                for i in range(len(run) - size + 1)
                if run[i : i + size] in names
            ]
    return found


def _masked(values, func) -> dict:
    """Return ``{value: func(value)}`` for the distinct values, with one vectorised call."""
    values = sorted(set(values))
    return dict(zip(values, func(pd.Series(values, dtype=object)), strict=True)) if values else {}


def mask_text(texts, names=None) -> list[str]:
    """Mask every ID number, phone number and (known) name in some short texts.

    Parameters
    ----------
    texts : iterable of str
        Excerpts, file names, paths.
    names : set of str, optional
        The names to mask (:func:`audit.privacy.mask_name`); none when None.

    Returns
    -------
    list of str
        IDs as :func:`audit.privacy.mask_id` shows them, phone numbers with
        their last four digits only.

    Examples
    --------
    >>> mask_text(["户主张学明 620523199001011234，电话 13912345678"], {"张学明"})
    ['户主张*明 620523********1234，电话 139****5678']
    """
    texts = list(texts)
    found = TOKENS.finditer("\n".join(texts))
    ids = _masked((m.group() for m in found if m.lastgroup in ("id18", "id15")), mask_id)

    def token(m):
        v = m.group()
        return v[:-8] + "****" + v[-4:] if m.lastgroup in ("mobile", "landline") else ids.get(v, v)

    texts = [TOKENS.sub(token, t) for t in texts]
    if not names:
        return texts
    hits = [names_in(t, names) for t in texts]
    table = _masked((n for h in hits for _, n in h), mask_name)
    out = []
    for text, h in zip(texts, hits, strict=True):
        for offset, name in h:  # a masked name has the length of the name
            text = text[:offset] + table[name] + text[offset + len(name) :]
        out.append(text)
    return out
