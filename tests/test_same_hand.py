"""Unsure ratings of a table confirmed by the same hand's sure ones (parsers.same_hand): only the
rating OCR already names, only when the writing matches a sure cell of it clearly better than any
other rating's, never a cell whose writing may have lost a letter at its ruling."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from domain.model import Rating
from parsers.same_hand import Cell, confirmed, similarity
from parsers.scan_rating import CONFIRMED, SURE, UNSURE, RatingMatch


def _written(text: str, shift: int = 0, thickness: int = 2) -> np.ndarray:
    """One secretary's hand: the same script face, a cell's writing a few pixels this way or that."""
    image = np.full((70, 260), 255, np.uint8)
    cv2.putText(image, text, (20 + shift, 48), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.3, 40, thickness, cv2.LINE_AA)
    return image


def _sure(text: str, rating: Rating, shift: int = 0) -> Cell:
    return Cell(_written(text, shift), RatingMatch(rating, SURE, 2))


def _page(*unsure: Cell) -> list[RatingMatch]:
    sure = [_sure("HTTNV", Rating.HTTNV), _sure("HTNV", Rating.HTNV, 5), _sure("KHTNV", Rating.KHTNV, -3),
            _sure("HTTNV", Rating.HTTNV, 9)]
    return confirmed([*sure, *unsure])[len(sure):]


def test_an_unsure_rating_written_like_the_same_hand_s_sure_ones_is_confirmed() -> None:
    (got,) = _page(Cell(_written("HTTNV", 3), RatingMatch(Rating.HTTNV, UNSURE, 1)))
    assert got.rating is Rating.HTTNV and got.confidence == CONFIRMED


@pytest.mark.parametrize(("text", "named"), [
    ("HTTNV", Rating.HTNV),  # OCR names another rating than the writing's likeness
    ("HTXSNV", Rating.HTXSNV),  # no sure cell of its rating on the page; HTTNV is a letter shorter
])
def test_an_unsure_rating_stays_unsure_unless_its_likeness_names_it(text: str, named: Rating) -> None:
    (got,) = _page(Cell(_written(text, 3), RatingMatch(named, UNSURE, 1)))
    assert got.rating is named and got.confidence == UNSURE


def test_writing_cut_at_its_ruling_is_never_confirmed() -> None:
    (got,) = _page(Cell(_written("HTTNV", 3), RatingMatch(Rating.HTTNV, UNSURE, 1), cut=True))
    assert got.confidence == UNSURE


def test_a_sure_rating_and_a_rating_no_reading_names_are_left_as_read() -> None:
    sure, nothing = _page(_sure("HTNV", Rating.HTNV, 2), Cell(_written("HTNV", 2), RatingMatch(None, 0.0)))
    assert sure.confidence == SURE
    assert nothing.rating is None and nothing.confidence == 0.0


def test_writings_a_letter_apart_in_length_are_not_alike() -> None:
    from parsers.same_hand import _shape

    htnv, httnv = _shape(_written("HTNV")), _shape(_written("HTTNV"))
    assert htnv is not None and httnv is not None
    assert similarity(htnv, httnv) == 0.0
    again = _shape(_written("HTTNV", 7, thickness=3))
    assert again is not None and similarity(again, httnv) > 0.8
