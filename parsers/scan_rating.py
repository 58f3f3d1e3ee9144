"""A rating written by hand on the dotted line after its label ("Đề nghị xếp loại mức chất lượng:").

The answer can only be one of four ratings, in full words (any case, with or without diacritics,
in quotes) or abbreviated (HTXSNV, HTTNV, HTNV, KHTNV). The answer region is cut from the sheet,
its dotted leader removed, and read by OCR several ways; each reading is compared with the eight
ways of writing a rating, and a rating is taken only when the readings agree on it and none names
another one. The ratings overlap (HTNV is in HTTNV, which is in KHTNV; "Hoàn thành nhiệm vụ" is in
"Không hoàn thành nhiệm vụ"): a reading votes for a rating only when it shows the part that tells
that rating from the others it overlaps ("tốt", "xuất sắc", "không", a leading K, a double T).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
from rapidfuzz import fuzz

from domain.model import Rating
from domain.text import fold
from ocr.tesseract import Profile, Psm
from parsers import rating_shapes, scan_ocr

WORDS: dict[Rating, str] = {
    Rating.HTXSNV: "hoan thanh xuat sac nhiem vu",
    Rating.HTTNV: "hoan thanh tot nhiem vu",
    Rating.HTNV: "hoan thanh nhiem vu",
    Rating.KHTNV: "khong hoan thanh nhiem vu",
}
ABBREVIATIONS: dict[Rating, str] = {
    Rating.HTXSNV: "htxsnv",
    Rating.HTTNV: "httnv",
    Rating.HTNV: "htnv",
    Rating.KHTNV: "khtnv",
}
CANONICAL: dict[Rating, str] = {
    Rating.HTXSNV: "Hoàn thành xuất sắc nhiệm vụ",
    Rating.HTTNV: "Hoàn thành tốt nhiệm vụ",
    Rating.HTNV: "Hoàn thành nhiệm vụ",
    Rating.KHTNV: "Không hoàn thành nhiệm vụ",
}
log = logging.getLogger(__name__)

_UPPER = "HTXSNVK"
_LOOKALIKE = str.maketrans("iyl", "tvt")  # a handwritten T (its bar faint or cut off) and V
_V_ONLY = str.maketrans("y", "v")  # the lookalike that never makes a T
_SURE_SCORE = 80.0  # a reading this close to a way of writing a rating is a reading of it
_SURE_ABSENT = 90.0
_MARGIN = 8.0  # … and this much closer to it than to any other rating
SURE = 0.95
UNSURE = 0.5
CONFIRMED = 0.92  # the shape model names it clearly and one OCR reading agrees, or the readings count its words
GUESS = 0.4  # the shape model's rating when nothing checks it: a suggestion for the reviewer
_SHAPE_AGREES = 0.9  # the shape model's least probability for one OCR reading or the words counted to confirm
_SHAPE_DENIES = 0.98  # … and for doubting a sure reading of another rating than HTNV where nothing checks it
_PHRASE_WORDS = 3  # a reading of fewer words is of an abbreviation, or of nothing
_COUNTS = 3  # the least readings of a phrase that can say how many words it has
_TOT_SHARE = 0.7  # of the second word's width: a third word narrower is "tốt" (HTTNV's phrase)
# the ratings whose phrase the readings' word count and the shape model can take HTTNV's for together
_TOLD_FROM_HTTNV_BY_COUNT_OR_SHAPE = frozenset({Rating.HTNV, Rating.KHTNV})
_SHORT = 8  # letters: a reading this short is of an abbreviation (or of nothing)
# pixels from the top to the bottom of a stroke's cores (`at_letter_size`): a rating line's answer, a
# Mẫu 06 branch cell's letters (beside their votes, as tall as a printed line's capitals)
LINE_LETTERS, CELL_LETTERS = 50, 60
_STROKE_CORE = 128  # how dark a stroke's core is, a pen's pale rims left out
_WORD = re.compile(r"\w{2,}")  # a word of a reading: two letters or more, not a stray mark
_INNER_DIGITS = re.compile(r"(?<=[^\W\d_])\d+(?=[^\W\d_])")  # digits read between two letters


@dataclass(frozen=True)
class RatingMatch:
    """What the readings say: the rating (None when they do not agree on one) and how sure."""

    rating: Rating | None
    confidence: float
    votes: int = 0
    shape_probability: float = 0.0  # the shape model's probability of `rating`, when it alone names it
    disputed: bool = False  # sure only as read upright, the readings as written naming another rating too
    partial: bool = False  # sure only by readings that lost two letters or more (`_partial`)
    # named by the shape model alone, no OCR reading naming another rating, the writing whole
    shape_unopposed: bool = False

    def doubted(self) -> RatingMatch:
        """The same reading, no longer sure: its writing may have lost a letter (and its shape then
        be that of the letters left)."""
        return replace(self, confidence=min(self.confidence, UNSURE), shape_unopposed=False)

    def disputes(self, ratings: frozenset[Rating]) -> bool:
        """Whether this reading clearly names a rating other than `ratings`: OCR, or the shape
        model alone at the probability that confirms an OCR reading."""
        clear = self.confidence >= CONFIRMED or self.shape_probability >= _SHAPE_AGREES
        return clear and self.rating is not None and self.rating not in ratings


# A symbol OCR makes of a letter, glued to the letters after it: brackets, dashes and dots are the
# leader's or the writer's, these are not (a hairline K read "⁄").
_GLUED_SYMBOL = re.compile(r"[®©@#%&$§€£¥⁄/\\]+(?=[^\W\d_])")
# A quote glued to the first letter that no quote closes: a writer's quotes come in pairs, a K
# read as one does not ("“HTNV" for a hairline KHTNV).
_UNCLOSED_QUOTE = re.compile(r"^\W*?[“‘\"'„«](?=[^\W\d_])[^”’\"'»]*$")


def _normal(text: str) -> str:
    """Letters and single spaces, diacritics folded, lower case."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z ]", " ", fold(text))).strip()


def scores(text: str) -> dict[Rating, float]:
    """How close a reading is to each rating, written in full or abbreviated (0–100)."""
    words = _normal(text)
    compact = words.replace(" ", "")
    out: dict[Rating, float] = {}
    for rating in Rating:
        full = fuzz.ratio(words, WORDS[rating]) if len(compact) > 7 else 0.0
        short = fuzz.ratio(compact, ABBREVIATIONS[rating]) if len(compact) <= _SHORT else 0.0
        out[rating] = max(full, short)
    return out


def _shows(rating: Rating, text: str) -> bool:
    """Whether a reading shows what tells `rating` from the ratings it overlaps."""
    words = _normal(text)
    compact = words.replace(" ", "")
    long = len(compact) > _SHORT
    if rating is Rating.HTXSNV:
        return ("xuat" in words or "sac" in words) if long else ("xs" in compact)
    if rating is Rating.HTTNV:
        return (" tot " in f" {words} ") if long else ("tt" in compact and not compact.startswith("k"))
    if rating is Rating.KHTNV:
        return ("khong" in words or words.startswith("kh")) if long else compact.startswith("k")
    # HTNV is what is left when nothing tells another rating: the reading must show none of it
    others = (Rating.HTXSNV, Rating.HTTNV, Rating.KHTNV)
    if long:
        return not any(k in words for k in ("xuat", "sac", "khong")) and " tot " not in f" {words} "
    return (
        compact.startswith("h")
        and "tt" not in compact
        and "xs" not in compact
        and not any(_shows(r, text) for r in others)
    )


def vote(text: str) -> Rating | None:
    """The rating one reading names: close to it, clearly closer than to the others, and showing
    what tells it from them; or, for a short reading that lost letters ("TTN"), the one
    abbreviation it is part of, when it shows that abbreviation's telling part. A short reading is
    taken as an abbreviation, whose letters after the first hold no I, L nor Y: those are a
    handwritten T (an L too, its bar cut off with the answer region's top: "HLINV" for HTTNV) and
    V. But an I may as well be half an H ("WÍTNV", "XÍTNV" for a hand-drawn
    HTNV; "ÍTNV" first): the double T that tells HTTNV from HTNV must be read as two Ts, not
    made of an I. A short reading names no abbreviation shorter than itself (script "HTXSNV" read
    "HITENY" is one letter from HTTNV, but its E stands for a letter that was misread)."""
    return _read(text)[0]


def _read(text: str) -> tuple[Rating | None, bool]:
    """The rating a reading names (`vote`), and whether it shows HTTNV's double T only once an I
    is taken for a T, or HTNV behind a symbol glued to it where a letter was ("®%HTNV" for a
    script KHTNV, "“HTNV" with no quote closing it): it then names neither, but HTNV is not sure
    either (`match`)."""
    read_as = _normal(text).replace(" ", "")
    short = _short(text)
    digits = sum(len(run) for run in _INNER_DIGITS.findall(text))
    found = _voted(read_as[:1] + read_as[1:].translate(_LOOKALIKE) if short else text, digits)
    torn = found is Rating.HTTNV and short and "tt" not in read_as.translate(_V_ONLY)
    misread_letter = _GLUED_SYMBOL.search(text) is not None or _UNCLOSED_QUOTE.match(text) is not None
    torn = torn or (found is Rating.HTNV and short and misread_letter)
    return (None if torn else found), torn


def _partial(text: str, rating: Rating) -> bool:
    """Whether a reading names `rating` with two letters or more of its abbreviation lost: "HTT"
    is part of HTTNV alone, but it is as well a script HTNV whose N was read as a T and whose V
    was lost, or the start of a script HTXSNV whose X was read as a T (Mẫu 06's small cells).
    Such readings, however many, are all the same misreading of the writing's first letters: a
    rating only they name is sure where something checks it (the minutes' votes), not alone."""
    return _short(text) and len(_normal(text).replace(" ", "")) <= len(ABBREVIATIONS[rating]) - 2


def _short(text: str) -> bool:
    """Whether a reading is as short as an abbreviation."""
    return len(_normal(text).replace(" ", "")) <= _SHORT


def _voted(text: str, digits: int = 0) -> Rating | None:
    """`vote` of a reading whose short form has its lookalikes replaced; `digits`: how many
    digits the reading held between its letters (gone from `text`)."""
    s = scores(text)
    ranked = sorted(s.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    compact = _normal(text).replace(" ", "")
    # HTNV is told from the others by what is missing: a short reading must be all but exact
    bar = _SURE_ABSENT if best is Rating.HTNV and len(compact) <= _SHORT else _SURE_SCORE
    # a short reading is an abbreviation with letters lost, never gained: a letter more than the
    # abbreviation has stands for one that was misread (script "HTXSNV" read "HITENY"), and so does
    # a digit among its letters ("HT7TNY" for a print "HTNV" on a dotted leader)
    longer = len(compact) <= _SHORT and len(compact) + digits > len(ABBREVIATIONS[best])
    if top >= bar and top - second >= _MARGIN and _shows(best, text) and not longer:
        return best
    if 3 <= len(compact) <= 6:
        holders = [r for r, a in ABBREVIATIONS.items() if compact in a and len(compact) + digits <= len(a)]
        if len(holders) == 1 and _shows(holders[0], text) and holders[0] is not Rating.HTNV:
            return holders[0]
        # An S or an X is in HTXSNV alone: a script "HTXSNV" whose X is read as a T ("HTSNV",
        # "HTTSNV") still names it, when close enough to it and not led by a K.
        if any(ch in compact for ch in "sx") and not compact.startswith("k") and s[Rating.HTXSNV] >= _SURE_SCORE:
            return Rating.HTXSNV
    return None


def match(readings: Sequence[str], in_words: bool = False) -> RatingMatch:
    """The rating the readings agree on. Sure only when at least two readings name it and none
    names another (nor, for HTNV, says HTTNV as much: `_read`); otherwise the most named rating
    (if any), unsure. `in_words`: the writing is too wide for an abbreviation, and a short
    reading of it ("TTN" for a brush-script "HOAN THANH XUAT SAC NHIEM VU", twice) names nothing."""
    kept = [t for t in readings if not (in_words and _short(t))]
    read = [_read(t) for t in kept]
    votes = [v for v, _ in read if v is not None]
    if not votes:
        return RatingMatch(None, 0.0)
    named = {v: votes.count(v) for v in votes}
    best = max(named, key=lambda r: named[r])
    torn = best is Rating.HTNV and any(t for _, t in read)
    if len(named) == 1 and named[best] >= 2 and not torn:
        whole = any(v is best and not _partial(t, best) for t, (v, _) in zip(kept, read, strict=True))
        return RatingMatch(best, SURE, named[best], partial=not whole)
    return RatingMatch(best if len(named) == 1 else None, UNSURE, named[best])


def read_answer(clean: np.ndarray, dpi: float, also: Sequence[str] = (), words: bool = False,
                checked: bool = False) -> RatingMatch:
    """The rating written in a cleaned answer region, by OCR (`readings`, `match`) and by shape
    (`rating_shapes`). Two readings naming it make it sure as before; italic writing that does not
    read so is read again stood upright (`deslanted`), and taken when that reading is sure and the
    first named no other rating; one reading is sure only when the shape model clearly agrees;
    when no reading names a rating, the shape model's clear rating is taken when the readings count
    the words of its phrase (`words_counted`), and otherwise kept as a suggestion under review,
    never as a value taken for sure (it is told apart by shape only, and a hurried HTTNV looks like
    HTNV). `also`: readings of the same writing made elsewhere, counted with the first ones.
    `words`: the writing is known to be in words (`rating_shapes.in_words`, for an answer alone on
    its line: a table cell's crop may hold votes beside an abbreviation). `checked`: something else
    checks the rating (the minutes' votes give their result; `_unless_shape_denies`)."""
    first = readings(clean, dpi)
    matched = match([*first, *also], words)
    if matched.confidence >= SURE:
        return _unless_shape_denies(matched, clean, checked)
    second = match(readings(deslanted(clean), dpi), words)
    if second.confidence >= SURE and matched.rating in (None, second.rating):
        # over first readings that named another rating, it stands only where something checks it
        return _unless_shape_denies(replace(second, disputed=matched.rating is None and matched.votes > 0), clean,
                                    checked)
    shape = rating_shapes.guess(clean)
    log.debug("rating by shape %s, by OCR %s", shape, matched)
    if shape is None:
        return matched
    if matched.rating is not None:
        agrees = shape.rating is matched.rating and shape.probability >= _SHAPE_AGREES
        return RatingMatch(matched.rating, CONFIRMED, matched.votes) if agrees else matched
    counted = (
        shape.probability >= _SHAPE_AGREES
        and words_counted(first) == len(WORDS[shape.rating].split())
        and not (shape.rating in _TOLD_FROM_HTTNV_BY_COUNT_OR_SHAPE and tot_in_third_place(clean))
    )
    return RatingMatch(shape.rating, CONFIRMED if counted else GUESS, shape_probability=shape.probability,
                       shape_unopposed=matched.votes == 0 and (second.votes == 0 or second.rating is shape.rating))


def read_line_answer(clean: np.ndarray, dpi: float) -> RatingMatch:
    """The rating written alone on its line (a rating line's answer), in abbreviation or in words
    as wide as it is: strays apart from the writing dropped first (`without_strays`). Small writing
    not read for sure is read again enlarged (`at_letter_size`), and that reading is taken when it
    is surer and the first named no other rating (by OCR, or by the shape model clearly): enlarged,
    a copperplate "HTTNV" read for sure as it is was read "HSN", an S naming HTXSNV, so a
    disagreement is a doubt, never a correction. The shape model's faint guess is none: dev's 2 mm
    bold script "HTTNV" (`doc_0024`) it took for KHTNV at 0.35, and enlarged OCR read HTTNV."""
    clean = without_strays(clean)
    words = rating_shapes.in_words(rating_shapes.ink_extent(clean))
    first = read_answer(clean, dpi, words=words)
    if first.confidence >= CONFIRMED:
        return first
    big, big_dpi = at_letter_size(clean, dpi)
    if big is clean:
        return first
    second = read_answer(big, big_dpi, words=words)
    # the shape model alone, under the probability that would confirm an OCR reading, names nothing
    named = first.rating if first.votes > 0 or first.shape_probability >= _SHAPE_AGREES else None
    surer = second.confidence > first.confidence and named in (None, second.rating)
    return second if surer else first


def at_letter_size(image: np.ndarray, dpi: float, height: int = LINE_LETTERS) -> tuple[np.ndarray, float]:
    """Small writing enlarged to `height` pixels from its strokes' top to bottom (at most three
    times, never shrunk; the image itself when it is not), and the dpi it then has: OCR reads
    handwriting at a printed line's size far better. A 2 mm "HTXSNV" scanned at 200 dpi, 16 pixels
    high, was read as nothing by every reading, and for sure at three times its size."""
    ys = np.nonzero(image < _STROKE_CORE)[0]
    if ys.size == 0:
        return image, dpi
    scale = min(3.0, max(1.0, height / (int(ys.max() - ys.min()) + 1)))
    if scale == 1.0:
        return image, dpi
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), dpi * scale


def _unless_shape_denies(matched: RatingMatch, clean: np.ndarray, checked: bool) -> RatingMatch:
    """A sure rating, doubted when the shape model clearly sees another one. HTNV is what every
    other abbreviation becomes with a letter lost, and a script K is lost often: read as a quote or
    a mark ("“H!TNWV", "®‹“H!TNV") or not at all ("HTNV" with capitals only), a bold italic
    KHTNV in a Mẫu 06 cell was HTNV for sure, while its shape, a letter longer, said KHTNV. Any
    other rating is doubted where nothing checks it (`checked`: the minutes' votes check their
    result), at the model's near certainty: a dimmed photo's copperplate "HTTNV", its H's looped
    stem taken for a K, was KHTNV for three readings and no other, while the model saw another
    rating at 0.99 (dev `doc_0012` dimmed, a silent error)."""
    if matched.rating is not Rating.HTNV and checked:
        return matched
    shape = rating_shapes.guess(clean)
    least = _SHAPE_AGREES if matched.rating is Rating.HTNV else _SHAPE_DENIES
    denies = shape is not None and shape.rating is not matched.rating and shape.probability >= least
    return matched.doubted() if denies else matched


def likelier(one: RatingMatch, other: RatingMatch) -> RatingMatch:
    """Of two readings of one answer (cut two ways), the surer; doubted when the other clearly
    names another rating."""
    first, second = sorted((one, other), key=lambda m: m.confidence, reverse=True)
    clash = second.rating not in (None, first.rating) and second.confidence >= CONFIRMED
    return first.doubted() if clash else first


def words_counted(texts: Sequence[str]) -> int | None:
    """How many words the readings of a phrase agree it has, or None. A phrase in a looped script
    is read as words that are no words ("Metin thank Gat nhiem ou" for "Hoàn thành tốt nhiệm
    vụ"), but their number is still the phrase's: 4 for HTNV, 5 for HTTNV and KHTNV, 6 for HTXSNV,
    the difference a hurried abbreviation hides (HTTNV and KHTNV, of one count, are told apart by
    the shape alone). The count most phrase-like readings give, when they are a majority."""
    counts = [n for n in (len(_WORD.findall(text)) for text in texts) if n >= _PHRASE_WORDS]
    if len(counts) < _COUNTS:
        return None
    count, times = Counter(counts).most_common(1)[0]
    return count if 2 * times > len(counts) else None


def tot_in_third_place(clean: np.ndarray) -> bool:
    """Whether the writing's third word is as short as "tốt" beside its second: the phrase is
    HTTNV's, whatever the readings' count and the shape say, for the two can fail together. HTNV's
    phrase is what HTTNV's becomes with a word lost to the count: a script "Hoàn thành tốt nhiệm
    vụ" whose "vụ" ran into "nhiệm" was read "Hoan thank let nluen", four words, and the shape
    model, seeing four runs of ink, said HTNV at 0.99. KHTNV's has HTTNV's five words and is told
    from it by shape alone: a copperplate HTTNV was KHTNV to the model at 0.99. The third word
    tells, "tốt" under 0.4–0.5 of "thành" before it where "nhiệm" (HTNV) and "thành" (KHTNV) are
    as wide. It is measured on the ink, not on the readings: script garbles "nhiệm" to "bic" or
    "nbc" as often as "tốt" to "let"."""
    widths = rating_shapes.word_widths(clean)
    return len(widths) >= _PHRASE_WORDS + 1 and widths[2] < _TOT_SHARE * widths[1]


LEAN = 0.3  # the shear that stands up a usual italic hand (about 17°)


def deslanted(clean: np.ndarray) -> np.ndarray:
    """The writing sheared back by a usual italic lean. Tesseract's models are trained on upright
    print and read italic script capitals badly; estimating each word's lean from its strokes was
    tried (the column-profile measures of handwriting recognition) and is unstable on script
    capitals, whose long diagonals and loops pull it anywhere between 0 and 0.6."""
    h, w = clean.shape[:2]
    # x' = x + k·y: the top stays and each row lower moves right, undoing a lean to the right
    matrix = np.array([[1.0, LEAN, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    return np.asarray(cv2.warpAffine(clean, matrix, (w + int(np.ceil(LEAN * h)), h), borderValue=255))


def without_leader(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The crop with the dotted leader and specks gone: the leader's dots run together into a row
    (`_ruled_row`), then blobs no taller than a printed dot, judged on the ink slightly thickened
    so that a light pen stroke stays in one piece; then the leader's dots that the writing touches
    (`_touched_dots`)."""
    if gray.size == 0:
        return gray
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = (gray < max(otsu, 210.0)).astype(np.uint8) * 255  # a light pen stroke is ink too
    joined = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    low = max(4, round(dpi * 0.035)) + 2  # a printed dot is under ~0.9 mm high
    joined[_ruled_row(joined, dpi, low)] = 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    for k in range(1, count):
        keep[k] = int(stats[k, cv2.CC_STAT_HEIGHT]) > low
    mask = keep[labels]
    out = np.full_like(gray, 255)
    out[mask] = gray[mask]
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    dots = [k for k in range(1, count) if max(stats[k, cv2.CC_STAT_WIDTH], stats[k, cv2.CC_STAT_HEIGHT]) <= low]
    _touched_dots(out, centroids[dots], float(np.median(stats[dots, cv2.CC_STAT_HEIGHT])) if dots else 0.0)
    return out


def without_strays(clean: np.ndarray) -> np.ndarray:
    """A cleaned answer without the small blobs that stand apart from the writing: a descender
    of the line above left on the leader ("g" of "thống", a line height away from a "HTTNV" written
    to the right) would make the writing look as wide as a phrase and the readings of it start
    with junk. A blob is apart when it is under half the tallest blob's height and further than
    that height from every blob at least half as tall (a diacritic or an "i"'s dot is close)."""
    ink = (clean < LIGHT_STROKE).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, np.ones((3, 3), np.uint8)), connectivity=8)
    if count <= 2:
        return clean
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    tall = int(heights.max())
    big = [k for k in range(1, count) if stats[k, cv2.CC_STAT_HEIGHT] * 2 >= tall]
    out = clean.copy()
    for k in sorted(set(range(1, count)) - set(big)):
        x0, w = int(stats[k, cv2.CC_STAT_LEFT]), int(stats[k, cv2.CC_STAT_WIDTH])
        gaps = [max(int(stats[b, cv2.CC_STAT_LEFT]) - (x0 + w), x0 - int(stats[b, cv2.CC_STAT_LEFT] + stats[b, cv2.CC_STAT_WIDTH]))
                for b in big]
        if min(gaps) > tall:
            out[labels == k] = 255
    return out


_ROW = 1.0  # inches: a run of ink this long in one pixel row is the leader, never writing


def _ruled_row(joined: np.ndarray, dpi: float, low: int) -> np.ndarray:
    """Where the leader's dots, run together by blur or a heavy print, make a line: the ink that
    holds a long level run but no stroke higher than a dot. A skewed page leaves such a row
    higher than a dot from end to end, and writing that touches it made it all one word: a light
    "KHTNV" over it was read as a blank line, the leader kept as ink. Strokes crossing the row
    keep their pixels in it."""
    level = cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((1, max(3, round(_ROW * dpi))), np.uint8))
    upright = cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((low + 1, 1), np.uint8))
    return np.asarray((level > 0) & (upright == 0))


_LEADER_DOTS = 4  # free dots in one row from which the row is a leader whose spacing can be trusted


def _touched_dots(out: np.ndarray, centres: np.ndarray, size: float) -> None:
    """Wipe (in place) the leader's dots under the writing: a handwritten number sits on the
    dotted line and its strokes touch some dots, which then stay joined to the glyphs and change
    their shape for the readers. The free dots give the leader's row and spacing; a dot is
    wiped wherever the spacing puts one."""
    if len(centres) < _LEADER_DOTS:
        return
    row = float(np.median(centres[:, 1]))
    on_row = np.sort(centres[np.abs(centres[:, 1] - row) <= size, 0])
    if len(on_row) < _LEADER_DOTS:
        return
    steps = np.diff(on_row)
    steps = steps[steps > size]  # dots closer than their size are one dot's pieces
    if steps.size == 0:
        return
    step = float(np.median(steps[steps <= 1.5 * float(steps.min())]))
    radius = round(size / 2 + 1.5)
    start = on_row[0] - step * math.floor(on_row[0] / step)
    for x in np.arange(start, out.shape[1], step):
        cv2.circle(out, (round(float(x)), round(row)), radius, 255, -1)


# A thin or light pen, scanned at 150–200 dpi or with low contrast, leaves strokes no darker
# than 190–230; the leader and specks are gone from the crop, so what is left this dark is writing.
LIGHT_STROKE = 230
_DARK_STROKE = 200  # what a usual pen's writing is cropped to, leaving the paper's shading out


def has_answer(clean: np.ndarray, dpi: float) -> bool:
    """Whether any stroke is left once the leader is gone, however light: a thin grey "KHTNV"
    taken for a blank line was a rating lost without a word (generated rating lines); ink left
    that reads as nothing goes to a person instead."""
    return int(np.count_nonzero(clean < LIGHT_STROKE)) > _least_ink(dpi)


def _least_ink(dpi: float) -> float:
    """Pixels of ink from which a crop holds writing: four squares of a thin stroke's width."""
    return (dpi * 0.03) ** 2 * 4


def cut_at_top(clean: np.ndarray) -> bool:
    """Whether the writing runs out of the answer's crop at its top edge."""
    return clean.size > 0 and bool(np.any(clean[0] < LIGHT_STROKE))


def writing(clean: np.ndarray, least: float) -> tuple[np.ndarray, np.ndarray]:
    """The rows and columns of a cleaned answer's writing: its pixels darker than a usual pen's
    stroke, or, when fewer than `least` are, a light pen's paler ones too."""
    ys, xs = np.nonzero(clean < _DARK_STROKE)
    if ys.size < least:
        ys, xs = np.nonzero(clean < LIGHT_STROKE)
    return ys, xs


def readings(clean: np.ndarray, dpi: float) -> list[str]:
    """The answer read several ways, on a tight crop at two scales and with thinned strokes: as a
    line and as one word, with the Vietnamese model, and with the English one (plain and upper
    case only), which reads handwritten abbreviations better."""
    ys, xs = writing(clean, _least_ink(dpi))
    if ys.size == 0:
        return []
    tight = clean[max(0, ys.min() - 2) : ys.max() + 3, max(0, xs.min() - 2) : xs.max() + 3]
    tight = cv2.copyMakeBorder(tight, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    big = cv2.resize(tight, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    # a heavy pen fills the letters in: thinner strokes read better
    thin = [cv2.dilate(tight, np.ones((k, k), np.uint8)) for k in (2, 3)]
    jobs: list[scan_ocr.Job] = []
    for image, scale in ((tight, 1.0), (big, 1.5), (thin[0], 1.0), (thin[1], 1.0)):
        at = int(dpi * scale)
        jobs += [
            scan_ocr.Job(image, psm=Psm.LINE, profile=Profile.TEXT, dpi=at),
            scan_ocr.Job(image, psm=Psm.WORD, profile=Profile.TEXT, dpi=at),
            scan_ocr.Job(image, psm=Psm.WORD, profile=Profile.TEXT, dpi=at, lang="eng"),
            scan_ocr.Job(image, psm=Psm.WORD, whitelist=_UPPER, profile=Profile.RAW, dpi=at, lang="eng"),
        ]
    return [r.text for r in scan_ocr.read_many(jobs) if r.text.strip()]
