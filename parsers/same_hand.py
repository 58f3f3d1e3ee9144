"""Unsure handwritten ratings of a table confirmed by the same hand's sure ones.

A Mẫu 06 summary holds up to five ratings per member, forty or more on a page, all written by one
secretary: the same four abbreviations again and again. OCR reads some of them for sure and leaves
others open (a loop read as a mark, a letter dropped), yet the writing of an open one is the same
shape as a sure one of its rating, a glance tells. Matching word images of one writer is how
word-spotting reads a hand no recogniser was trained on; here it mostly confirms: a cell left
unsure whose own readings name a rating (`RatingMatch.rating`) is taken when its writing matches a
sure cell of that rating closely and clearly better than any sure cell of another rating. Writings
are compared half by half (`similarity`): KHTNV and HTTNV, as long and ending alike, correlate
well as wholes in one hand, and only their first halves tell them apart. Where no OCR reading
names a cell's rating, only the shape model, and the model does not read this hand, a whole cell
takes the rating its writing matches more closely still (`_unnamed`): a looped script that
Tesseract reads in a few cells and the model, trained on other hands, misnames everywhere.

What could make it wrong is a writer whose two abbreviations look alike, and a cell that lost a
letter: the lengths must agree (HTNV is a letter shorter than HTTNV and KHTNV), the matching
rating must lead by a margin, OCR must already name it, and an HTNV whose first letter may lie
painted out with its left ruling is never confirmed (`Cell.cut`): a KHTNV whose K lies there is,
to the eye, the writer's HTNV. What a lost first stroke leaves of another rating is a letter
short of the sure cells it would match (an HTNV without its H's stem reads "TTNV", HTTNV to OCR),
so such a cut cell is confirmed like any other.

The same hand also measures a cell no sure cell resembles closely (`_measured`): the sure cells of
its column give the hand's width per letter there (`result_length`; a secretary writes smaller in
the branch's cell, before its votes), and a cell as many letters wide as the rating
it is read as, which the shape model names too at `rating_shapes.CLEAR`, is taken. Such a cell is most
often one that ran into its left ruling: its OCR reading and its shape agree, but a first letter
might be lost. A lost letter shortens the writing, so its width tells, for every rating but one:
a KHTNV whose K lies on the ruling is as wide as the HTNV it reads as, and such an HTNV stays
doubted. A rating the shape model alone names is taken so only in a hand it reads: every sure
cell of the table, three at least, is the rating it names (as `scan_tally` asks of the minutes'
results; trained on other hands, it was sure and wrong on a looped script where OCR read nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import cv2
import numpy as np

from domain.model import Rating
from parsers import rating_shapes, result_length
from parsers.scan_rating import CONFIRMED, SURE, RatingMatch, writing

_HEIGHT = 32  # pixels: each writing is compared at this height, its length kept
_LEAST_INK = 30  # pixels: less is no writing to compare
_BLUR = 9  # pixels: the blur that lets a stroke drawn a little aside still meet its twin
_SHIFT = 4  # pixels each way a writing may be shifted against another
_LENGTH = 0.18  # greatest |log| of two writings' length ratio: HTNV and HTTNV are ~0.22 apart
_LENGTH_TOLD = 0.2  # |log| of two abbreviations' length ratio that `_LENGTH` tells apart (not 5 and 6 letters)
SIMILAR = 0.65  # normalised correlation of each half from which two writings are the same word by the same hand
_UNNAMED_SIMILAR = 0.75  # … from which a cell whose rating no OCR reading names is taken as the matching one
_LEAD = 0.1  # … and by which the matching rating's best cell leads every other rating's


@dataclass(frozen=True)
class Cell:
    """One rating cell of a table: its writing on white, as read, whether it may lack its first
    letter, the width of its writing at the page's scale (`result_length.written_width`; None where
    it is not one abbreviation), the column it stands in, whether, read surely, it may vouch for
    others (`witness`: not a minutes' result its own votes contradict, a misreading or a slip), and
    the rating something else says it holds (`told`: a minutes' result, its votes' outcome)."""

    image: np.ndarray
    match: RatingMatch
    cut: bool = False
    width: float | None = None
    column: int = 0
    witness: bool = True
    told: Rating | None = None

    def may_be_khtnv_read_as(self, rating: Rating | None) -> bool:
        """Whether the cell, run into its ruling, reads as HTNV: a KHTNV whose K lies painted out
        with the ruling is, to the eye and by its width, the writer's HTNV."""
        return self.cut and rating is Rating.HTNV


def confirmed(cells: Sequence[Cell]) -> list[RatingMatch]:
    """Each cell's rating, the unsure ones the same hand's sure cells confirm raised to `CONFIRMED`;
    those whose writing matches the sure cells of the rating they are `told` hold, whatever OCR
    or the shape model made of them, even surely, their width not ruling it out, replaced by it:
    two witnesses agree against one (dev `doc_0001` as a JPEG: a copperplate HTTNV read HTXSNV
    once, its votes 3/7/2/0, like the page's sure HTTNVs at 0.71 and its KHTNV at 0.43; another
    read KHTNV for sure, its votes 0/10/2/0, like them at 0.76). A slip, a result written other
    than its votes give, looks like the sure results of what was written, not of what the votes
    give: on the generated minutes with a third of their results slipped, none was taken for its
    votes' outcome. And those whose rating only a shape model that misreads this hand names
    replaced by the rating their writing matches (`_unnamed`)."""
    shapes = [_shape(cell.image) for cell in cells]
    sure = [(rating, shape) for cell, shape in zip(cells, shapes, strict=True)
            if cell.witness and cell.match.confidence >= SURE and (rating := cell.match.rating) is not None
            and shape is not None]
    reads_hand = cache(lambda: _model_reads(cells))  # a shape reading per sure cell: only when first needed
    lengths = _lengths(cells)
    out: list[RatingMatch] = []
    for cell, shape, allowed in zip(cells, shapes, lengths, strict=True):
        match = cell.match
        if shape is not None and not cell.may_be_khtnv_read_as(match.rating):
            likest = _likest(shape, sure, SIMILAR)
            unsure = match.confidence < CONFIRMED and match.rating is not None
            if unsure and likest is match.rating:
                match = replace(match, confidence=CONFIRMED)
            elif likest is not None and likest is cell.told is not match.rating and (not allowed or likest in allowed):
                match = _renamed(match, likest)
            elif unsure and (unnamed := _unnamed(cell, shape, sure, reads_hand, allowed)):
                match = _renamed(match, unnamed)
        out.append(match)
    return _measured(cells, out, lengths, reads_hand)


def _renamed(match: RatingMatch, rating: Rating) -> RatingMatch:
    """`match` confirmed as `rating`: the model's probability was that of the rating replaced,
    and says nothing of this one."""
    return replace(match, rating=rating, confidence=CONFIRMED, shape_probability=0.0, shape_unopposed=False)


def _unnamed(cell: Cell, shape: np.ndarray, sure: Sequence[tuple[Rating, np.ndarray]],
             reads_hand: Callable[[], bool], allowed: frozenset[Rating]) -> Rating | None:
    """The rating a cell no OCR reading names is written as, by its likeness to the same hand's
    sure cells, where the shape model that names its rating does not read this hand: a looped
    script that Tesseract reads in a few cells and the model, trained on other hands, misnames
    everywhere. Only a whole cell (one cut at its ruling may have lost the letter that tells)
    and at a likeness above confirming's, for it overrules the model. Where the table holds no
    sure cell of the rating the model names, the writing was never compared with that rating, and
    a likest rating stands against it only when as many letters long, or told from it by length
    (`similarity` finds an HTNV's writing unlike an HTTNV's): a letter in six is within what a hand
    varies, and a two-line "HTXSNV" over its votes in a tilted photo, no other HTXSNV read surely,
    resembled an HTTNV at 0.79 (a silent error). Nor a rating the cell's width rules out in the
    hand's width per letter (`allowed`, where the sure cells give a scale): cut to its ink with a
    speck beside it, a minutes' HTNV, four letters wide in a hand of five-letter HTTNVs, matched them
    (generated minutes seed 2, `0025`)."""
    if cell.match.votes or cell.cut:
        return None
    likest = _likest(shape, sure, _UNNAMED_SIMILAR)
    if likest is None or (allowed and likest not in allowed) or reads_hand():
        return None
    named = cell.match.rating
    if named is None or any(rating is named for rating, _ in sure):
        return likest
    apart = abs(np.log(len(named.abbreviation) / len(likest.abbreviation)))
    return likest if apart == 0 or apart > _LENGTH_TOLD else None


def _measured(cells: Sequence[Cell], matches: list[RatingMatch], lengths: Sequence[frozenset[Rating]],
              reads_hand: Callable[[], bool]) -> list[RatingMatch]:
    """The matches, each unsure one confirmed when its cell is as wide as its rating in this hand
    (`lengths`) and the shape model names that rating clearly (see the module's docstring)."""
    out: list[RatingMatch] = []
    for cell, match, allowed in zip(cells, matches, lengths, strict=True):
        rating = match.rating
        measured = (
            rating is not None
            and match.confidence < CONFIRMED
            and rating in allowed
            and not cell.may_be_khtnv_read_as(rating)
            and _shape_names(cell, match, reads_hand)
        )
        out.append(replace(match, confidence=CONFIRMED) if measured else match)
    return out


def _lengths(cells: Sequence[Cell]) -> list[frozenset[Rating]]:
    """The ratings each cell's width allows in the hand of its column's sure cells
    (`result_length.column_lengths`, as for the minutes' results)."""
    columns: dict[int, list[int]] = {}
    for k, cell in enumerate(cells):
        columns.setdefault(cell.column, []).append(k)
    out: list[frozenset[Rating]] = [frozenset()] * len(cells)
    for members in columns.values():
        allowed = result_length.column_lengths([(cells[k].match, cells[k].width) for k in members])
        for k, ratings in zip(members, allowed, strict=True):
            out[k] = ratings
    return out


def _shape_names(cell: Cell, match: RatingMatch, reads_hand: Callable[[], bool]) -> bool:
    """Whether the shape model clearly names the cell's rating: beside OCR's reading of it, or,
    where no reading names it, alone in a hand the model reads."""
    if match.votes > 0:
        shape = rating_shapes.guess(cell.image)
        return shape is not None and shape.rating is match.rating and shape.probability >= rating_shapes.CLEAR
    return match.shape_unopposed and match.shape_probability >= rating_shapes.CLEAR and reads_hand()


def _model_reads(cells: Sequence[Cell]) -> bool:
    """Whether the shape model names the rating of every cell OCR read surely, three at least."""
    seen = [(rating_shapes.guess(cell.image), cell.match.rating) for cell in cells
            if cell.witness and cell.match.confidence >= SURE and not cell.match.partial]
    named = [(shape.rating, rating) for shape, rating in seen if shape is not None]
    return len(named) >= rating_shapes.HAND_CHECKS and all(shape is rating for shape, rating in named)


def _likest(shape: np.ndarray, sure: Sequence[tuple[Rating, np.ndarray]], least: float) -> Rating | None:
    """The rating whose sure writing `shape` matches at `least` and clearly better than any other's."""
    best: dict[Rating, float] = {}
    for rating, other in sure:
        best[rating] = max(best.get(rating, 0.0), similarity(shape, other))
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < least:
        return None
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0] if ranked[0][1] - second >= _LEAD else None


def _shape(image: np.ndarray) -> np.ndarray | None:
    """The writing cut to its ink, at `_HEIGHT`, inverted (ink high) and blurred so that a stroke
    drawn a little aside still meets its twin."""
    ys, xs = writing(image, _LEAST_INK)
    if ys.size < _LEAST_INK:
        return None
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scaled = cv2.resize(crop, (max(8, round(w * _HEIGHT / h)), _HEIGHT), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.GaussianBlur(255.0 - scaled.astype(np.float32), (_BLUR, _BLUR), 0))


def similarity(one: np.ndarray, other: np.ndarray) -> float:
    """How alike two writings are (`_shape`s): 0 when their lengths differ by more than a letter
    could make, else the lesser of their halves' best normalised correlations within a few
    pixels' shift. Half by half, because abbreviations that end alike (KHTNV and HTTNV share
    "TNV") correlate well as wholes in one hand; their first halves tell them apart."""
    if abs(np.log(one.shape[1] / other.shape[1])) > _LENGTH:
        return 0.0
    width = one.shape[1]
    stretched = cv2.resize(other, (width, _HEIGHT))
    framed = cv2.copyMakeBorder(one, _SHIFT, _SHIFT, _SHIFT, _SHIFT, cv2.BORDER_CONSTANT, value=0)
    halves = ((0, width // 2), (width // 2, width))
    return min(_correlation(framed[:, a : b + 2 * _SHIFT], stretched[:, a:b]) for a, b in halves)


def _correlation(window: np.ndarray, piece: np.ndarray) -> float:
    """The best normalised correlation of `piece` anywhere in `window`; 0 where either is blank."""
    if piece.std() < 1e-3 or window.std() < 1e-3:
        return 0.0
    return float(cv2.matchTemplate(window, piece, cv2.TM_CCOEFF_NORMED).max())
