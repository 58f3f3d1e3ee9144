"""Unsure ratings of a table confirmed by the same hand's sure ones (parsers.same_hand): the
rating OCR already names, when the writing matches a sure cell of it clearly better than any
other rating's, never an HTNV whose writing may have lost a letter at its ruling; the rating a
whole cell's writing matches, where no OCR reading names one and the shape model that does
misreads the hand; or when the cell is as wide as its rating in the hand's width per letter and
the shape model names it clearly (for a rating the model alone names, in a hand it reads)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from domain.model import Rating
from parsers.rating_shapes import ShapeGuess
from parsers.same_hand import Cell, confirmed, similarity
from parsers.scan_rating import CONFIRMED, GUESS, SURE, UNSURE, RatingMatch


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


def test_a_sure_cell_that_is_no_witness_vouches_for_none() -> None:
    """A minutes' result its own votes contradict, read surely, is a misreading or the clerk's
    slip: the writing like it stays as read."""
    doubted = Cell(_written("HTTNV"), RatingMatch(Rating.HTTNV, SURE, 2), witness=False)
    unsure = Cell(_written("HTTNV", 3), RatingMatch(Rating.HTTNV, UNSURE, 1))
    assert confirmed([doubted, unsure])[1].confidence == UNSURE
    assert confirmed([replace(doubted, witness=True), unsure])[1].confidence == CONFIRMED


@pytest.mark.parametrize(("text", "told", "letters", "taken"), [
    ("HTTNV", Rating.HTTNV, None, True),  # its writing is the hand's HTTNV, and its votes give HTTNV
    ("HTTNV", Rating.KHTNV, None, False),  # its votes give another rating than its writing's likeness
    ("HTTNV", None, None, False),  # nothing says what it holds
    ("HTTNV", Rating.HTTNV, 6.0, False),  # six letters wide in this hand: no HTTNV, whatever it looks like
])
def test_a_cell_like_the_sure_cells_of_the_rating_it_is_told_holds_is_confirmed_as_that_rating(
    text: str, told: Rating | None, letters: float | None, taken: bool
) -> None:
    """A minutes' result whose one OCR reading names HTXSNV, written like the page's sure HTTNVs,
    its votes giving HTTNV: two witnesses against one unsure reading."""
    read = RatingMatch(Rating.HTXSNV, UNSURE, 1)
    sure = [replace(_sure("HTTNV", Rating.HTTNV), width=100.0), replace(_sure("KHTNV", Rating.KHTNV, -3), width=100.0),
            replace(_sure("HTTNV", Rating.HTTNV, 9), width=100.0)]
    cell = Cell(_written(text, 3), read, width=None if letters is None else 20.0 * letters, told=told)
    got = confirmed([*sure, cell])[-1]
    assert (got.rating, got.confidence) == ((told, CONFIRMED) if taken else (read.rating, read.confidence))


def test_a_sure_reading_its_votes_contradict_gives_way_to_the_rating_its_writing_and_its_votes_name() -> None:
    """Dev `doc_0001` as a JPEG: a copperplate HTTNV read KHTNV for sure ("KTN", "KIENY"), its
    votes 0/10/2/0, written like the page's sure HTTNVs at 0.76 and its KHTNV at 0.42."""
    sure = [_sure("HTTNV", Rating.HTTNV), _sure("KHTNV", Rating.KHTNV, -3), _sure("HTTNV", Rating.HTTNV, 9)]
    misread = Cell(_written("HTTNV", 3), RatingMatch(Rating.KHTNV, SURE, 2), witness=False, told=Rating.HTTNV)
    got = confirmed([*sure, misread])[-1]
    assert (got.rating, got.confidence) == (Rating.HTTNV, CONFIRMED)
    # a sure reading its votes bear out stays sure
    kept = replace(misread, match=RatingMatch(Rating.HTTNV, SURE, 2), witness=True)
    assert confirmed([*sure, kept])[-1] == kept.match


@pytest.mark.parametrize(("text", "named"), [
    ("HTTNV", Rating.HTNV),  # OCR names another rating than the writing's likeness
    ("HTXSNV", Rating.HTXSNV),  # no sure cell of its rating on the page; HTTNV is a letter shorter
])
def test_an_unsure_rating_stays_unsure_unless_its_likeness_names_it(text: str, named: Rating) -> None:
    (got,) = _page(Cell(_written(text, 3), RatingMatch(named, UNSURE, 1)))
    assert got.rating is named and got.confidence == UNSURE


def test_an_htnv_cut_at_its_ruling_is_never_confirmed() -> None:
    """A KHTNV whose K lies painted out with the ruling is, to the eye, the writer's HTNV."""
    (got,) = _page(Cell(_written("HTNV", 5), RatingMatch(Rating.HTNV, UNSURE, 1), cut=True))
    assert got.confidence == UNSURE


def test_another_rating_cut_at_its_ruling_is_confirmed_when_as_long_as_the_same_hand_s() -> None:
    (got,) = _page(Cell(_written("HTTNV", 3), RatingMatch(Rating.HTTNV, UNSURE, 1), cut=True))
    assert got.confidence == CONFIRMED
    # an HTNV whose H's stem lies on the ruling reads "TTNV", HTTNV to OCR, a letter short of it
    (short,) = _page(Cell(_written("TTNV", 3), RatingMatch(Rating.HTTNV, UNSURE, 1), cut=True))
    assert short.confidence == UNSURE


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


def test_writings_that_end_alike_are_told_apart_by_their_first_half() -> None:
    """KHTNV and HTTNV are as long and share "TNV": as wholes they correlate at 0.5 in this hand,
    half by half their first halves tell them apart."""
    from parsers.same_hand import _shape

    khtnv, httnv = _shape(_written("KHTNV")), _shape(_written("HTTNV"))
    assert khtnv is not None and httnv is not None
    assert similarity(khtnv, httnv) < 0.3


# A cell no OCR reading names, whose rating only the shape model gives (`same_hand._unnamed`).
_UNNAMED = RatingMatch(Rating.KHTNV, GUESS, shape_probability=0.9, shape_unopposed=True)


def _unnamed_page(monkeypatch: pytest.MonkeyPatch, cell: Cell, model_reads_hand: bool,
                  per_letter: float | None = None) -> RatingMatch:
    """`cell` among the page's sure cells; the shape model names each sure cell's rating when it
    reads the hand, else HTXSNV everywhere. `per_letter`: the sure cells' widths measured, each as
    many times this as its rating has letters."""
    sure = [_sure("HTTNV", Rating.HTTNV), _sure("HTNV", Rating.HTNV, 5), _sure("KHTNV", Rating.KHTNV, -3),
            _sure("HTTNV", Rating.HTTNV, 9)]
    if per_letter is not None:
        sure = [replace(c, width=per_letter * len(c.match.rating.abbreviation)) for c in sure if c.match.rating]
    named = {id(c.image): c.match.rating for c in sure}

    def guess(image: np.ndarray) -> ShapeGuess:
        rating = named.get(id(image)) if model_reads_hand else None
        return ShapeGuess(rating or Rating.HTXSNV, 0.99)

    monkeypatch.setattr("parsers.same_hand.rating_shapes.guess", guess)
    return confirmed([*sure, cell])[-1]


def test_a_cell_no_reading_names_takes_the_rating_its_writing_matches_where_the_model_misreads_the_hand(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    got = _unnamed_page(monkeypatch, Cell(_written("HTTNV", 3), _UNNAMED), model_reads_hand=False)
    assert got.rating is Rating.HTTNV and got.confidence == CONFIRMED


@pytest.mark.parametrize(("letters", "taken"), [(5.0, True), (4.0, False)])
def test_a_cell_no_reading_names_takes_no_rating_its_width_rules_out(
    monkeypatch: pytest.MonkeyPatch, letters: float, taken: bool
) -> None:
    """Cut to its ink with a speck beside it, a minutes' HTNV four letters wide, so named by the
    shape model, matched the hand's five-letter HTTNVs (generated minutes seed 2, `0025`)."""
    cell = Cell(_written("HTTNV", 3), replace(_UNNAMED, rating=Rating.HTNV), width=20.0 * letters)
    got = _unnamed_page(monkeypatch, cell, model_reads_hand=False, per_letter=20.0)
    assert (got.rating, got.confidence) == ((Rating.HTTNV, CONFIRMED) if taken else (Rating.HTNV, _UNNAMED.confidence))


@pytest.mark.parametrize(("cell", "model_reads_hand"), [
    (Cell(_written("HTTNV", 3), _UNNAMED), True),  # the model reads this hand: its rating stands
    (Cell(_written("HTTNV", 3), _UNNAMED, cut=True), False),  # cut at its ruling: a letter may be lost
    (Cell(_written("HTTNV", 3), replace(_UNNAMED, confidence=UNSURE, votes=1)), False),  # OCR names KHTNV
    (Cell(_written("HTXSNV", 3), _UNNAMED), False),  # no sure cell of its rating on the page
    # the model names a rating no sure cell of the page shows: nothing to compare its writing with (dev
    # doc_0012 tilted: a two-line "HTXSNV" taken for the HTTNV it resembled, a silent error)
    (Cell(_written("HTTNV", 3), replace(_UNNAMED, rating=Rating.HTXSNV)), False),
])
def test_a_cell_whose_rating_a_reading_or_a_model_reading_the_hand_names_keeps_it(
    monkeypatch: pytest.MonkeyPatch, cell: Cell, model_reads_hand: bool
) -> None:
    got = _unnamed_page(monkeypatch, cell, model_reads_hand)
    assert got.rating is cell.match.rating and got.confidence == cell.match.confidence


# A cell no sure cell resembles, measured by the hand's width per letter and named by the shape model
# (`same_hand._measured`). The shape model is replaced by what it is said to see in each cell.
_PER_LETTER = 20.0  # pixels a letter of this hand is wide


class _Shapes:
    """The shape model's readings, cell by cell (by the identity of the cell's image)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: dict[int, ShapeGuess] = {}
        monkeypatch.setattr("parsers.same_hand.rating_shapes.guess", lambda image: self.seen.get(id(image)))

    def cell(self, match: RatingMatch, letters: float, seen: Rating | None = None, probability: float = 0.99,
             cut: bool = False) -> Cell:
        image = np.full((40, 200), 255, np.uint8)
        if seen is not None:
            self.seen[id(image)] = ShapeGuess(seen, probability)
        return Cell(image, match, cut=cut, width=letters * _PER_LETTER)


def _sure_measured(shapes: _Shapes, misread: bool = False) -> list[Cell]:
    """Four sure cells of the hand, each as wide as its rating; `misread`: the model names another
    rating than OCR's on one of them."""
    return [
        shapes.cell(RatingMatch(Rating.HTTNV, SURE, 3), 5, Rating.HTTNV),
        shapes.cell(RatingMatch(Rating.HTNV, SURE, 3), 4, Rating.HTNV),
        shapes.cell(RatingMatch(Rating.HTXSNV, SURE, 3), 6, Rating.KHTNV if misread else Rating.HTXSNV),
        shapes.cell(RatingMatch(Rating.HTTNV, SURE, 2), 5.1, Rating.HTTNV),
    ]


def _measured(shapes: _Shapes, cell: Cell, misread: bool = False) -> RatingMatch:
    sure = _sure_measured(shapes, misread)
    return confirmed([*sure, cell])[-1]


def test_a_cell_as_wide_as_the_rating_ocr_and_the_shape_model_name_is_confirmed(monkeypatch: pytest.MonkeyPatch
                                                                               ) -> None:
    shapes = _Shapes(monkeypatch)
    got = _measured(shapes, shapes.cell(RatingMatch(Rating.HTTNV, UNSURE, 2), 5.2, Rating.HTTNV, cut=True))
    assert got.rating is Rating.HTTNV and got.confidence == CONFIRMED


@pytest.mark.parametrize(("named", "letters", "seen", "probability", "cut"), [
    (Rating.HTTNV, 3.1, Rating.HTTNV, 0.99, True),  # an HTNV whose H lies on the ruling: "TNV", three letters
    (Rating.HTNV, 4.0, Rating.HTNV, 0.99, True),  # a KHTNV whose K lies on the ruling is as wide as an HTNV
    (Rating.HTTNV, 5.0, Rating.KHTNV, 0.99, False),  # the shape model names another rating
    (Rating.HTTNV, 5.0, Rating.HTTNV, 0.95, False),  # … or this one, but not clearly enough
    (Rating.HTTNV, 5.5, Rating.HTTNV, 0.99, False),  # between five letters and six: the width tells nothing
])
def test_a_cell_its_width_or_its_shape_does_not_bear_out_stays_unsure(
    monkeypatch: pytest.MonkeyPatch, named: Rating, letters: float, seen: Rating, probability: float, cut: bool
) -> None:
    shapes = _Shapes(monkeypatch)
    got = _measured(shapes, shapes.cell(RatingMatch(named, UNSURE, 1), letters, seen, probability, cut))
    assert got.rating is named and got.confidence == UNSURE


def test_a_rating_the_shape_model_alone_names_is_confirmed_only_in_a_hand_it_reads(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    shapes = _Shapes(monkeypatch)
    alone = RatingMatch(Rating.KHTNV, GUESS, shape_probability=0.99, shape_unopposed=True)
    assert _measured(shapes, shapes.cell(alone, 5.0)).confidence == CONFIRMED
    # the model names another rating than OCR's on one sure cell: it does not read this hand
    assert _measured(shapes, shapes.cell(alone, 5.0), misread=True).confidence == GUESS
    # OCR read a rating the model opposes (`RatingMatch.shape_unopposed`)
    opposed = replace(alone, shape_unopposed=False)
    assert _measured(shapes, shapes.cell(opposed, 5.0)).confidence == GUESS
    # two sure cells are too few to say the model reads the hand
    few = confirmed([*_sure_measured(shapes)[:2], shapes.cell(alone, 5.0)])[-1]
    assert few.confidence == GUESS


def test_no_cell_is_measured_where_the_sure_cells_disagree_on_the_width_per_letter(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    shapes = _Shapes(monkeypatch)
    sure = [shapes.cell(RatingMatch(Rating.HTTNV, SURE, 3), letters, Rating.HTTNV) for letters in (5, 7, 3.5)]
    got = confirmed([*sure, shapes.cell(RatingMatch(Rating.HTTNV, UNSURE, 1), 5, Rating.HTTNV)])[-1]
    assert got.confidence == UNSURE


def test_a_cell_is_measured_against_the_sure_cells_of_its_own_column(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = _Shapes(monkeypatch)
    unsure = replace(shapes.cell(RatingMatch(Rating.HTTNV, UNSURE, 1), 5, Rating.HTTNV), column=1)
    assert confirmed([*_sure_measured(shapes), unsure])[-1].confidence == UNSURE
