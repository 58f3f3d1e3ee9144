"""The form's date written by hand in the blanks of its printed date line.

The official forms print "Việt Trì, ngày ..... tháng ..... năm ....." and the secretary writes
the day, the month and often the whole year on the dots. The page read glues the handwriting to
the printed words ("ngày ÑØ'háng Sam 292 Ø0" for "ngày 05 tháng 12 năm 2020"), so no date was
found on half the dev corpus's scans. Its printed words still show where the blanks lie: "ngày"
is read whole before the first blank, and the word read for "tháng" (or "năm") ends where the
printed word does, whatever handwriting was glued to its left. Each blank is then read as a
count is (`scan_tally.digit_candidates`: OCR digits-only and the digit classifier, as written
and stood upright), and the year, four digits the classifier does not read at once, by
Tesseract digits-only and by its last two digits read as a count.

A date is only given when every part is sure: a wrong date is worse than none, since the rules
count months from it (`not-rateable`, the members who vote). An unsure part leaves the line as the
page read it, and the date unread, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from domain.text import fold
from ocr.tesseract import Profile, Psm, Word
from parsers import scan_ocr
from parsers.scan_rating import LIGHT_STROKE, deslanted, without_leader
from parsers.scan_tally import Support, digit_candidates

# Printed widths of "tháng" and "năm" for the width of "ngày" in the same type (Times, Arial:
# 1.10–1.16 and 0.84–0.88): the handwriting glued to a word's left is not part of it.
_THANG_WIDTH = 1.15
_NAM_WIDTH = 0.86
_YEAR_ROOM = 3.5  # line heights right of "năm" that a written year takes at least
_AGREED = 4.0  # raw support of a sure part: several readings agreeing, not one
_SHARE = 0.7  # … and this share of all its readings
_PRINTED = 0.8  # OCR confidence of a year read as print
_CENTURY = 2000
_YEARS = (2000, 2099)
_PAD = 12  # white border around a crop: Tesseract reads a tight crop badly
_RULE = 6  # a component this many times wider than tall is a printed rule, not a digit
_OVERRUN = 2  # pixels either way of where the next printed word starts: its edge as OCR boxed it
_GLYPH = 0.5  # of the tallest ink component's height: a shorter one is a dot or a stray, no digit


@dataclass(frozen=True)
class DateLine:
    """A place-and-date line's words, and where its "ngày", "tháng" and "năm" were read (the
    last two as the words that end with them, handwriting glued on or not)."""

    words: list[Word]
    day_word: int
    month_word: int
    year_word: int | None

    def blanks(self, height: int, right: int) -> dict[str, tuple[int, int, int]]:
        """Where each written part may lie: day, month, year (the last two only when "năm" was
        found), as page columns (start, where the next printed word starts, end of that word).
        Writing that starts before the printed word may run over it ("05" over the "t" of
        "tháng"); `height` is the line's type size, `right` the page's last column."""
        ngay, thang = self.words[self.day_word].box, self.words[self.month_word].box
        width = ngay[2] - ngay[0]
        out = {"day": (ngay[2] + 1, self._starts(self.month_word, "thang", _THANG_WIDTH * width), thang[2])}
        if self.year_word is not None:
            nam = self.words[self.year_word].box
            out["month"] = (thang[2] + 1, self._starts(self.year_word, "nam", _NAM_WIDTH * width), nam[2])
            end = min(right, self._year_end(height) + 4)
            out["year"] = (nam[2] + 1, end, end)
        return {key: blank for key, blank in out.items() if blank[1] - blank[0] >= height // 2}

    def band(self, page_words: Sequence[Word], height: int, page_height: int) -> tuple[int, int]:
        """The page rows the writing may take: from the line above (not its underline) down, yet
        no lower than the tops of the words read from "ngày" on (the written digits glued to
        them), to a third of a line under "ngày"."""
        ngay = self.words[self.day_word].box
        span = (ngay[0], max(w.box[2] for w in self.words))
        above = [w.box[3] for w in page_words if w.box[3] <= ngay[1] and w.box[0] < span[1] and w.box[2] > span[0]]
        top = min(max([ngay[1] - height, *(b + 1 for b in above)]), *(w.box[1] for w in self.words[self.day_word :]))
        return max(0, top), min(page_height, ngay[3] + height // 3)

    def _starts(self, k: int, printed: str, width: float) -> int:
        """Where the printed word that word `k` ends with starts: its own left edge when the page
        read it alone, else its printed width back from the word's end."""
        box = self.words[k].box
        return box[0] if fold(self.words[k].text).strip(".,;:") == printed else box[2] - round(width)

    def _year_end(self, height: int) -> int:
        """Where the year ends: after the words that follow "năm" each within a line height of
        the last (the year, however the page read split it), and at least `_YEAR_ROOM` heights
        after "năm"."""
        assert self.year_word is not None
        start = end = self.words[self.year_word].box[2]
        for word in self.words[self.year_word + 1 :]:
            if word.box[0] - end > height:
                break
            end = max(end, word.box[2])
        return max(end, start + round(_YEAR_ROOM * height))

    def after_year(self, height: int) -> list[Word]:
        """The words after the year ("…năm 2020, tại Phòng Ngân sách"), kept as the page read them."""
        if self.year_word is None:
            return []
        end = self._year_end(height)
        return [w for w in self.words[self.year_word + 1 :] if w.box[0] >= end]

    def printed_year(self) -> int | None:
        """The year as the page read it after "năm", when printed: four digits read surely."""
        if self.year_word is None:
            return None
        for word in self.words[self.year_word + 1 :]:
            text = word.text.strip(".,;: ")
            if len(text) == 4 and text.isdigit() and word.confidence >= _PRINTED:
                year = int(text)
                return year if _YEARS[0] <= year <= _YEARS[1] else None
        return None


def find_date_line(words: Sequence[Word]) -> DateLine | None:
    """The line's "ngày … tháng … năm …", found by its printed words: a word that is "ngày" (or
    ends with it: "Hôm nay, ngày"), then one ending in "tháng" as the page read it ("ÑØ'háng"),
    then one ending in "năm" ("Sam", "2năm")."""
    folded = [fold(w.text).strip(".,;:") for w in words]
    day = next((k for k, text in enumerate(folded) if text.endswith("ngay")), None)
    if day is None:
        return None
    month = next((k for k in range(day + 1, len(words)) if folded[k].endswith("hang")), None)
    if month is None:
        return None
    year = next((k for k in range(month + 1, len(words)) if folded[k].endswith("am")), None)
    return DateLine(list(words), day, month, year)


def sure_value(support: Support, lowest: int, highest: int) -> int | None:
    """The part's value when its readings agree on it: the best supported, within the bounds,
    with `_AGREED` support and `_SHARE` of all of it (readings out of bounds count against it)."""
    if not support:
        return None
    best = max(support, key=lambda v: support[v])
    total = sum(support.values())
    if not lowest <= best <= highest or support[best] < _AGREED or support[best] < _SHARE * total:
        return None
    return best


def sure_year(whole: Sequence[str], last_two: Support) -> int | None:
    """The written year: the four digits Tesseract reads the whole year as (`whole`, several
    readings), when most of them say one 20xx and its last two digits, read as a count, are sure
    and the same. Tesseract alone read a written "2023" as 2025 in every view."""
    years = [int(t) for t in (("".join(ch for ch in text if ch.isdigit())) for text in whole) if len(t) == 4]
    if not years:
        return None
    best = max(set(years), key=years.count)
    if years.count(best) * 2 <= len(whole) or not _YEARS[0] <= best <= _YEARS[1]:
        return None
    return best if sure_value(last_two, 0, 99) == best - _CENTURY else None


def read_date(found: DateLine, gray: np.ndarray, rows: tuple[int, int], height: int, dpi: int
              ) -> tuple[int, int, int] | None:
    """(day, month, year) written on the line, when every part is sure and they make a date.
    `gray` is the page as printed (not with its rulings painted out: a written 1 is a ruling to
    that), `rows` the band the writing may take, `height` the line's type size."""
    blanks = found.blanks(height, gray.shape[1])
    if "month" not in blanks or "day" not in blanks:
        return None
    day = sure_value(_number(_written(gray, rows, blanks["day"], dpi), dpi), 1, 31)
    month = sure_value(_number(_written(gray, rows, blanks["month"], dpi), dpi), 1, 12) if day is not None else None
    if day is None or month is None:
        return None
    year = found.printed_year()
    if year is None and "year" in blanks:
        year = _written_year(_written(gray, rows, blanks["year"], dpi), dpi)
    if year is None:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return day, month, year


def _written(gray: np.ndarray, rows: tuple[int, int], blank: tuple[int, int, int], dpi: int) -> np.ndarray | None:
    """A blank's writing on white, padded: its leader gone, the next printed word's letters (the
    ink that starts where that word does) and any printed rule (an underline above) wiped. None
    when the writing runs on into the printed word: a digit joined to its letters is misread
    for sure (a "0" joined to the "t" of "tháng" was read 9 by every reader)."""
    x0, printed, x1 = blank
    crop = without_leader(gray[rows[0] : rows[1], x0:x1], dpi)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((crop < LIGHT_STROKE).astype(np.uint8), connectivity=8)
    left, width, height = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    later = [k for k in range(1, count) if left[k] >= printed - x0 - _OVERRUN or width[k] > _RULE * height[k]]
    if any(left[k] + width[k] > printed - x0 + _OVERRUN for k in range(1, count) if k not in later):
        return None
    wiped = cv2.dilate(np.isin(labels, later).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    crop[wiped] = 255
    return cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255)


def _inked(clean: np.ndarray) -> bool:
    return bool((clean < LIGHT_STROKE).any())


def _number(clean: np.ndarray | None, dpi: int) -> Support:
    return digit_candidates(clean, dpi) if clean is not None and _inked(clean) else {}


def _written_year(clean: np.ndarray | None, dpi: int) -> int | None:
    """The year written in `clean` (`_written`): read whole by Tesseract digits-only (as written, stood upright
    and enlarged; two models each), and its last two digits cut off and read as a count."""
    if clean is None or not _inked(clean):
        return None
    views = (clean, deslanted(clean), cv2.resize(clean, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC))
    jobs = [scan_ocr.Job(view, psm=Psm.LINE, whitelist="0123456789", profile=profile, dpi=dpi, lang="eng")
            for view in views for profile in (Profile.TEXT, Profile.RAW)]
    whole = [reading.text for reading in scan_ocr.read_many(jobs)]
    last = _last_two(clean)
    return sure_year(whole, digit_candidates(last, dpi) if last is not None else {})


def _last_two(clean: np.ndarray) -> np.ndarray | None:
    """The year's last two digits, cut where its four glyphs show a gap after the second; None
    when the ink does not show four glyphs side by side."""
    ink = (clean < LIGHT_STROKE).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return None
    top, height = (stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT])
    tallest = max(range(1, count), key=lambda k: int(height[k]))
    # digits as tall as half the tallest, their middles within its height (not a dot left below)
    glyphs = sorted((int(stats[k, cv2.CC_STAT_LEFT]), int(stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH]))
                    for k in range(1, count) if height[k] >= _GLYPH * height[tallest]
                    and top[tallest] <= top[k] + height[k] / 2 <= top[tallest] + height[tallest])
    if len(glyphs) != 4 or glyphs[1][1] > glyphs[2][0]:
        return None
    cut = (glyphs[1][1] + glyphs[2][0]) // 2
    return cv2.copyMakeBorder(clean[:, cut:], 0, 0, _PAD, 0, cv2.BORDER_CONSTANT, value=255)
