"""Vietnamese family names, to respell the one OCR read with other tone marks.

A name read off a scan is often right but for a tone mark: "Khống Đức Vũ" for "Khổng Đức Vũ".
Given names are an open set, but family names are a small closed one (`surnames.yaml`). A
first word that differs from exactly one of them only in its marks can be nothing else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from domain.text import fold
from domain.yaml_files import load_yaml

_DATA = Path(__file__).resolve().parent / "surnames.yaml"


@cache
def _by_fold() -> dict[str, str | None]:
    """Each family name by its folded spelling; None where two fold alike."""
    found: dict[str, str | None] = {}
    for name in load_yaml(_DATA)["surnames"]:
        key = fold(name)
        found[key] = name if key not in found else None
    return found


def respell_surname(name: str) -> str:
    """`name` with its first word spelt as the one family name it folds to, in its case."""
    first, _, rest = name.partition(" ")
    known = _by_fold().get(fold(first))
    if known is None or known.casefold() == first.casefold() or not rest:
        return name
    spelt = known.upper() if first.isupper() and len(first) > 1 else known
    return f"{spelt} {rest}"
