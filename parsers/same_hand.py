"""Unsure handwritten ratings of a table confirmed by the same hand's sure ones.

A Mẫu 06 summary holds up to five ratings per member, forty or more on a page, all written by one
secretary: the same four abbreviations again and again. OCR reads some of them for sure and leaves
others open (a loop read as a mark, a letter dropped), yet the writing of an open one is the same
shape as a sure one of its rating, a glance tells. Matching word images of one writer is how
word-spotting reads a hand no recogniser was trained on; here it only confirms: a cell left unsure
whose own readings name a rating (`RatingMatch.rating`) is taken when its writing matches a sure
cell of that rating closely and clearly better than any sure cell of another rating.

What could make it wrong is a writer whose two abbreviations look alike, and a cell that lost a
letter: the lengths must agree (HTNV is a letter shorter than HTTNV and KHTNV), the matching
rating must lead by a margin, OCR must already name it, and a cell whose first letter may lie
painted out with its left ruling is never confirmed (`Cell.cut`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from domain.model import Rating
from parsers.scan_rating import CONFIRMED, SURE, RatingMatch, writing

_HEIGHT = 32  # pixels: each writing is compared at this height, its length kept
_LEAST_INK = 30  # pixels: less is no writing to compare
_SHIFT = 4  # pixels each way a writing may be shifted against another
_LENGTH = 0.18  # greatest |log| of two writings' length ratio: HTNV and HTTNV are ~0.22 apart
SIMILAR = 0.8  # normalised correlation from which two writings are the same word by the same hand
_LEAD = 0.1  # … and by which the matching rating's best cell leads every other rating's


@dataclass(frozen=True)
class Cell:
    """One rating cell of a table: its writing on white, as read, and whether it may lack its first letter."""

    image: np.ndarray
    match: RatingMatch
    cut: bool = False


def confirmed(cells: Sequence[Cell]) -> list[RatingMatch]:
    """Each cell's rating, the unsure ones the same hand's sure cells confirm raised to `CONFIRMED`."""
    shapes = [_shape(cell.image) for cell in cells]
    sure = [(rating, shape) for cell, shape in zip(cells, shapes, strict=True)
            if cell.match.confidence >= SURE and (rating := cell.match.rating) is not None and shape is not None]
    out: list[RatingMatch] = []
    for cell, shape in zip(cells, shapes, strict=True):
        match = cell.match
        unsure = match.confidence < CONFIRMED and match.rating is not None and not cell.cut
        if unsure and shape is not None and _likest(shape, sure) is match.rating:
            match = replace(match, confidence=CONFIRMED)
        out.append(match)
    return out


def _likest(shape: np.ndarray, sure: Sequence[tuple[Rating, np.ndarray]]) -> Rating | None:
    """The rating whose sure writing `shape` matches closely and clearly better than any other's."""
    best: dict[Rating, float] = {}
    for rating, other in sure:
        best[rating] = max(best.get(rating, 0.0), similarity(shape, other))
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < SIMILAR:
        return None
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0] if ranked[0][1] - second >= _LEAD else None


def _shape(image: np.ndarray) -> np.ndarray | None:
    """The writing cut to its ink, at `_HEIGHT`, inverted (ink high) and blurred so that a stroke
    drawn a pixel aside still meets its twin."""
    ys, xs = writing(image, _LEAST_INK)
    if ys.size < _LEAST_INK:
        return None
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scaled = cv2.resize(crop, (max(8, round(w * _HEIGHT / h)), _HEIGHT), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.GaussianBlur(255.0 - scaled.astype(np.float32), (5, 5), 0))


def similarity(one: np.ndarray, other: np.ndarray) -> float:
    """How alike two writings are (`_shape`s): 0 when their lengths differ by more than a letter
    could make, else their best normalised correlation within a few pixels' shift."""
    if abs(np.log(one.shape[1] / other.shape[1])) > _LENGTH:
        return 0.0
    stretched = cv2.resize(other, (one.shape[1], _HEIGHT))
    framed = cv2.copyMakeBorder(one, _SHIFT, _SHIFT, _SHIFT, _SHIFT, cv2.BORDER_CONSTANT, value=0)
    return float(cv2.matchTemplate(framed, stretched, cv2.TM_CCOEFF_NORMED).max())
