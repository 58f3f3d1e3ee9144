"""Words whose spelling is known, to respell what OCR read with other tone marks.

A name read off a scan is often right but for a tone mark: "Khống Đức Vũ" for "Khổng Đức Vũ",
"Trường Tiếu học" for "Trường Tiểu học" (Tesseract's Vietnamese model takes a hook above for an
acute). Given names and the proper names of places are an open set, but family names are a small
closed one, and the names of units are made of a few common phrases ("Tiểu học", "Tổ chức",
"Đoàn thể"): `known_spellings.yaml`. Words that differ from exactly one of these only in their
marks can be nothing else. Spellings that fold alike ("La" and "Lã") are listed all, and then
none is imposed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from domain.text import fold, nfc
from domain.yaml_files import load_yaml

_DATA = Path(__file__).resolve().parent / "known_spellings.yaml"
_PUNCTUATION = ",.;:()"


@cache
def _by_fold(kind: str) -> dict[str, str | None]:
    """Each spelling of `kind` ("surnames", "unit_phrases") by its folded form; None where two
    fold alike."""
    found: dict[str, str | None] = {}
    for spelt in map(nfc, load_yaml(_DATA)[kind]):
        key = fold(spelt)
        found[key] = spelt if key not in found else None
    return found


def respell_surname(name: str) -> str:
    """`name` with its first word spelt as the one family name it folds to, in its case."""
    first, _, rest = name.partition(" ")
    known = _by_fold("surnames").get(fold(first))
    if known is None or not rest:
        return name
    return f"{_cased(first, known)} {rest}"


def respell_unit_phrases(name: str) -> str:
    """A unit's name with each run of words that folds to one known phrase spelt as that phrase,
    each word in its own case and with its own punctuation."""
    words = name.split()
    phrases = _by_fold("unit_phrases")
    longest = max((len(key.split()) for key in phrases), default=0)
    k = 0
    while k < len(words):
        for n in range(min(longest, len(words) - k), 1, -1):
            known = phrases.get(" ".join(fold(w.strip(_PUNCTUATION)) for w in words[k : k + n]))
            if known is not None:
                words[k : k + n] = [_cased(w, spelt) for w, spelt in zip(words[k : k + n], known.split(), strict=True)]
                k += n - 1
                break
        k += 1
    return " ".join(words)


def _cased(word: str, spelling: str) -> str:
    """`spelling`'s letters in `word`'s case, with `word`'s punctuation around them; `word` as it
    is where the two differ in length (a mark read as a letter)."""
    core = word.strip(_PUNCTUATION)
    if len(core) != len(spelling):
        return word
    cased = "".join(new.upper() if old.isupper() else new.lower() for old, new in zip(core, spelling, strict=True))
    start = word.index(core)
    return word[:start] + cased + word[start + len(core) :]
