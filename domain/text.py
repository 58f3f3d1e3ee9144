"""Vietnamese text as people type it: NFC/NFD, case, diacritics, abbreviations, dates.

Every layer compares names, labels and ratings through these functions, so that
"Hoàn thành tốt nhiệm vụ", "HOÀN THÀNH TỐT NHIỆM VỤ" and "HTTNV" mean one thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from domain.model import Level, Rating

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC, non-breaking spaces as spaces, runs of white space collapsed, trimmed."""
    return _SPACES.sub(" ", nfc(text).replace("\u00a0", " ")).strip()


def strip_diacritics(text: str) -> str:
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Key for loose comparison: no diacritics, lower case, single spaces. Cached: a scanned page
    folds the same few hundred texts (its lines, the labels sought in them) thousands of times."""
    return clean(strip_diacritics(text)).casefold()


def folded_words(text: str) -> str:
    """The words of `fold(text)`, letters and digits only, one space apart: a key that misread
    punctuation leaves alone."""
    return " ".join(re.findall(r"[0-9a-z]+", fold(text)))


def same_name(a: str | None, b: str | None) -> bool:
    """Exact match of two names up to case, spacing and Unicode normalisation (diacritics count)."""
    if not a or not b:
        return False
    return clean(a).casefold() == clean(b).casefold()


_RATING_WORDS = [
    (r"khong hoan thanh nhiem vu", Rating.KHTNV),
    (r"hoan thanh xuat sac nhiem vu", Rating.HTXSNV),
    (r"hoan thanh tot nhiem vu", Rating.HTTNV),
    (r"hoan thanh nhiem vu", Rating.HTNV),
    (r"khtnv", Rating.KHTNV),
    (r"htxsnv", Rating.HTXSNV),
    (r"httnv", Rating.HTTNV),
    (r"htnv", Rating.HTNV),
]
_RATING_RE = re.compile(r"\b(" + "|".join(w for w, _ in _RATING_WORDS) + r")\b")
_RATING_OF = {w: r for w, r in _RATING_WORDS}


def find_ratings(text: str) -> list[Rating]:
    """Every rating written in the text, in order, in full words or abbreviations."""
    return [_RATING_OF[m.group(1)] for m in _RATING_RE.finditer(fold(text))]


def parse_rating(text: str) -> Rating | None:
    """The one rating a short cell or field holds; None if it holds none or several different ones."""
    found = set(find_ratings(text))
    return found.pop() if len(found) == 1 else None


_LEVEL_WORDS = {"xuat sac": Level.XUAT_SAC, "tot": Level.TOT, "trung binh": Level.TRUNG_BINH, "kem": Level.KEM}


def parse_level(text: str) -> Level | None:
    """A level named by a heading, whatever stray marks come with its words ("— Kém.": a crease or
    a ruling read as a dash, "Tốt 1" with a footnote)."""
    return _LEVEL_WORDS.get(" ".join(re.findall(r"[^\W\d_]+", fold(text))))


_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")


def _date(d: str, m: str, y: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def find_dates(text: str) -> list[dt.date]:
    """Dates written 'ngày 14 tháng 12 năm 2019' or 14/12/2019 (also with - or .), in order."""
    folded = fold(text)
    hits: list[tuple[int, dt.date]] = []
    for pattern in (_DATE_WORDS, _DATE_NUMERIC):
        for m in pattern.finditer(folded):
            date = _date(*m.groups())
            if date is not None:
                hits.append((m.start(), date))
    return [d for _, d in sorted(hits, key=lambda h: h[0])]


def parse_date(text: str) -> dt.date | None:
    dates = find_dates(text)
    return dates[0] if dates else None


def format_date(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")
