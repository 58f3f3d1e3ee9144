"""The letter count of a handwritten result abbreviation, measured in the page's own hand."""

from __future__ import annotations

import numpy as np
import pytest

from domain.model import Rating
from parsers.result_length import column_lengths, letter_width, ratings_of_width, written_width
from parsers.scan_rating import CONFIRMED, GUESS, SURE, RatingMatch


def _written(text: str, font: str, seed: int) -> np.ndarray:
    """`text` handwritten in `font` as a scan shows it, cleaned as the reader cleans a cell."""
    from parsers.scan_rating import without_leader
    from parsers.train_rating_shapes import faces, render

    if font not in faces():
        pytest.skip(f"handwriting font {font} not installed (scripts/system-packages)")
    rng = np.random.default_rng(seed)
    gray, dpi = render(text, faces()[font], rng)
    return without_leader(gray, dpi)


def _in_one_hand(text: str, font: str, ink: int = 40) -> np.ndarray:
    """`text` written in `font` at one size, as one clerk writes a whole column, in grey `ink`."""
    from PIL import Image, ImageDraw, ImageFont

    from parsers.train_rating_shapes import fonts

    if font not in fonts():
        pytest.skip(f"handwriting font {font} not installed (scripts/system-packages)")
    canvas = Image.new("L", (600, 100), 255)
    ImageDraw.Draw(canvas).text((20, 20), text, fill=ink, font=ImageFont.truetype(str(fonts()[font]), 48))
    return np.asarray(canvas, dtype=np.uint8)


def _widths(font: str) -> tuple[dict[Rating, float], float]:
    """Each abbreviation's written width in `font`, and the width per letter two surely read
    HTTNV results give."""
    widths = {rating: written_width(_in_one_hand(rating.abbreviation, font)) for rating in Rating}
    known = {rating: width for rating, width in widths.items() if width is not None}
    assert len(known) == len(Rating)
    per_letter = letter_width([(Rating.HTTNV, known[Rating.HTTNV]), (Rating.HTTNV, known[Rating.HTTNV] * 1.04)])
    assert per_letter is not None
    return known, per_letter


@pytest.mark.parametrize("font", ["DancingScript-Bold", "dkgIt", "KaushanScript-Regular"])
def test_one_hand_s_widths_tell_every_rating_from_its_neighbours(font: str) -> None:
    widths, per_letter = _widths(font)
    # HTNV is told from HTTNV and KHTNV, HTXSNV from HTTNV; HTTNV and KHTNV share a length
    assert ratings_of_width(widths[Rating.HTNV], per_letter) == {Rating.HTNV}
    assert ratings_of_width(widths[Rating.HTXSNV], per_letter) == {Rating.HTXSNV}
    assert ratings_of_width(widths[Rating.KHTNV], per_letter) == {Rating.HTTNV, Rating.KHTNV}


def test_a_pale_pen_s_writing_is_as_wide_as_a_dark_one_s() -> None:
    dark = written_width(_in_one_hand("HTNV", "dkgIt"))
    pale = _in_one_hand("HTNV", "dkgIt", ink=165).copy()  # a low-contrast photo of a light ballpoint
    pale[::6] = np.minimum(pale[::6], 225)  # the faint lines of the sheet's back showing through
    assert dark is not None and written_width(pale) == pytest.approx(dark, abs=3)


def test_a_hand_with_narrow_letters_tells_nothing_rather_than_a_wrong_count() -> None:
    widths, per_letter = _widths("Purisa-Oblique")  # its X and S are narrow: HTXSNV is 5.6 letters wide
    assert ratings_of_width(widths[Rating.HTXSNV], per_letter) == frozenset()


def test_full_words_are_no_abbreviation() -> None:
    answer = _written("Hoàn thành tốt nhiệm vụ", "DancingScript-Bold", 3)
    assert written_width(answer) is None
    assert written_width(np.full((40, 200), 255, np.uint8)) is None  # nothing written


def test_the_scale_needs_two_sure_results_that_agree() -> None:
    assert letter_width([(Rating.HTTNV, 150.0)]) is None
    assert letter_width([(Rating.HTTNV, 150.0), (Rating.HTNV, 121.0)]) == pytest.approx(30.0, abs=0.3)
    # a width per letter 25 % apart: one of them is not an abbreviation in this hand
    assert letter_width([(Rating.HTTNV, 150.0), (Rating.HTTNV, 190.0)]) is None
    # … one in three that disagrees (misread) is set aside, one in two is not
    assert letter_width([(Rating.HTTNV, 150.0), (Rating.HTTNV, 190.0), (Rating.HTNV, 124.0)]) == pytest.approx(30.5)
    assert letter_width([(Rating.HTTNV, 150.0), (Rating.HTTNV, 190.0), (Rating.HTNV, 124.0), (Rating.HTNV, 90.0)]) is None


def test_a_width_between_two_counts_tells_nothing() -> None:
    assert ratings_of_width(135.0, 30.0) == frozenset()  # 4.5 letters
    assert ratings_of_width(None, 30.0) == frozenset()
    assert ratings_of_width(120.0, None) == frozenset()
    assert ratings_of_width(127.0, 30.0) == {Rating.HTNV}  # 4.23 letters


def test_column_lengths_measured_in_the_hand_of_its_sure_results() -> None:
    written = [
        (RatingMatch(Rating.HTTNV, SURE), 150.0),  # 30 px a letter
        (RatingMatch(Rating.HTXSNV, CONFIRMED), 182.0),
        (RatingMatch(Rating.HTXSNV, GUESS, shape_probability=0.5), 121.0),  # four letters, an unsure guess
        (RatingMatch(Rating.HTXSNV, GUESS, shape_probability=0.95), 121.0),  # … a clear one of six
        (RatingMatch(None, 0.0), None),  # full words
        None,  # a blank cell
    ]
    assert column_lengths(written) == [
        {Rating.HTTNV, Rating.KHTNV},
        {Rating.HTXSNV},
        {Rating.HTNV},
        frozenset(),
        frozenset(),
        frozenset(),
    ]
    # one sure result gives no scale: nothing is measured
    assert column_lengths([written[0], written[2], None]) == [frozenset()] * 3


def test_votes_outcomes_give_the_scale_where_no_result_was_read_surely() -> None:
    unread = RatingMatch(None, 0.0)
    written = [(unread, 100.0), (unread, 121.0), (unread, 81.0), (unread, 101.0), None]
    outcomes = [Rating.HTTNV, Rating.HTXSNV, Rating.HTNV, Rating.HTNV, None]
    # 20 px a letter; the last result, five letters wide where its votes give HTNV, is the clerk's slip
    assert column_lengths(written, outcomes) == [
        {Rating.HTTNV, Rating.KHTNV},
        {Rating.HTXSNV},
        {Rating.HTNV},
        {Rating.HTTNV, Rating.KHTNV},
        frozenset(),
    ]
    assert column_lengths(written) == [frozenset()] * 5
    # results read surely give the scale, whatever the votes say
    sure = [(RatingMatch(Rating.HTTNV, SURE), 150.0), (RatingMatch(Rating.HTTNV, SURE), 152.0), (unread, 121.0)]
    assert column_lengths(sure, [Rating.HTNV, Rating.HTNV, Rating.HTNV])[2] == {Rating.HTNV}
    # outcomes that do not agree on a width per letter give none
    assert column_lengths(written[:2], [Rating.HTNV, Rating.HTXSNV]) == [frozenset()] * 2
