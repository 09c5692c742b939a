"""Aligning Chinese text in a terminal: CJK characters take two columns."""

from __future__ import annotations

import unicodedata

__all__ = ["display_width", "ljust", "rjust"]


def display_width(text: str) -> int:
    """Return the number of terminal columns ``text`` takes (wide characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def ljust(text: str, width: int) -> str:
    """Pad ``text`` on the right to ``width`` terminal columns."""
    return str(text) + " " * max(width - display_width(text), 1)


def rjust(text: str, width: int) -> str:
    """Pad ``text`` on the left to ``width`` terminal columns."""
    return " " * max(width - display_width(text), 0) + str(text)
