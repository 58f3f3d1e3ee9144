"""How many letters a handwritten result abbreviation has, measured against the page's own hand.

The minutes' "Kết quả" column holds one of four abbreviations, and the ratings a vote lands next
to each other on differ in length: HTXSNV has six letters, HTTNV five, HTNV four, KHTNV five.
One clerk writes the whole column, so the width of a result the OCR read surely gives that hand's
width per letter; the width of an unread result then says how many letters it has. That tells a
rating from each of its neighbours (only HTTNV and KHTNV, two steps apart, share a length), even
in a script that neither Tesseract nor the shape model reads.

Measured on the dev minutes (31 results, scans and photos of five pages): the letter count from
the width is within 0.27 of the truth for every one. A count more than `_WITHIN` off a whole
number, or a page whose sure results disagree on the width per letter, tells nothing. Letters
are not all equally wide, though: written in the machine's 41 handwriting fonts, each
abbreviation measured against HTTNV is within 0.3 of its count in most, but a few narrow hands
put HTXSNV at 5.3 letters, a HTTNV's. The reader therefore lets a length speak only for the
rating the votes give, and not when the shape model, which knows those hands, clearly reads
another (`scan_tally.decide_row`, `scan_rating.RatingMatch.disputes`). Where no two results are
read surely, the ratings the rows' votes give once their sum is sure stand in for the readings
(`column_lengths`): a clerk's slip a letter off its votes' outcome stands apart from the others.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from domain.model import Rating
from parsers.rating_shapes import in_words, ink_extent
from parsers.scan_rating import CONFIRMED, RatingMatch

_WITHIN = 0.3  # letters: how far from a whole count a width may fall and still tell it
_AGREE = 0.1  # the page's sure results must agree on the width per letter within this share
_MIN_KNOWN = 2  # … and this many of them at least, two thirds of them


def written_width(answer: np.ndarray) -> float | None:
    """The width of the writing when it is shaped like one abbreviation, else None."""
    extent = ink_extent(answer)
    if extent is None or in_words(extent):
        return None
    return float(extent[0])


def letter_width(known: Sequence[tuple[Rating, float]]) -> float | None:
    """The hand's width per letter from results read surely (rating, written width): the median
    of those that agree with the median of all, when they are at least two and two thirds of
    all; else None. One that disagrees was misread or written in words (on the dev minutes, two
    OCR readings agreed on HTTNV for a HTXSNV)."""
    per_letter = [width / len(rating.abbreviation) for rating, width in known]
    if not per_letter:
        return None
    middle = statistics.median(per_letter)
    agreeing = [w for w in per_letter if abs(w - middle) <= _AGREE * middle]
    if len(agreeing) < _MIN_KNOWN or 3 * len(agreeing) < 2 * len(per_letter):
        return None
    return statistics.median(agreeing)


def ratings_of_width(width: float | None, per_letter: float | None) -> frozenset[Rating]:
    """The ratings whose abbreviation has as many letters as `width` holds; empty when the page
    gives no scale or the count falls between two."""
    if width is None or per_letter is None:
        return frozenset()
    letters = width / per_letter
    count = round(letters)
    if abs(letters - count) > _WITHIN:
        return frozenset()
    return frozenset(r for r in Rating if len(r.abbreviation) == count)


def column_lengths(
    written: Sequence[tuple[RatingMatch, float | None] | None], outcomes: Sequence[Rating | None] | None = None
) -> list[frozenset[Rating]]:
    """For each result of a column (its reading and written width, None for a blank cell), the
    ratings its length allows in the hand of the column's surely read results; empty where the
    reading clearly names another rating, and everywhere when the column gives no scale.

    `outcomes`, where given, are the ratings each row's votes give as the digits and the sum decide
    them (None where they do not): when no two results are read surely, as in a script no OCR reads,
    the hand's width per letter is taken from the results as wide as their votes' outcomes say.
    Those must agree as sure readings must (`letter_width`), so a clerk's slip, a result a letter
    longer or shorter than its votes give, stands apart from the others and is not measured as the
    outcome: on the generated minutes with slipped results (149 of 1,324 rows), not one was."""
    known = [
        (matched.rating, width)
        for matched, width in filter(None, written)
        if matched.rating is not None and matched.confidence >= CONFIRMED and width is not None
    ]
    per_letter = letter_width(known)
    if per_letter is None and outcomes is not None:
        per_letter = letter_width([(outcome, seen[1]) for seen, outcome in zip(written, outcomes, strict=True)
                                   if seen is not None and outcome is not None and seen[1] is not None])
    out: list[frozenset[Rating]] = []
    for seen in written:
        allowed = frozenset() if seen is None else ratings_of_width(seen[1], per_letter)
        out.append(frozenset() if seen is None or seen[0].disputes(allowed) else allowed)
    return out
