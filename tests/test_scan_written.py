"""A handwritten cell's crop followed past its side rulings (parsers.scan_written): the part of a
first letter written over the left ruling is kept, writing of the next cell is not, and writing
that ran into the left ruling, where a stroke may lie painted out with it, is said to be cut."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from parsers.scan_written import written_crop

DPI = 200
RULING = 100  # x of the left ruling of the cell (100, 20)–(300, 80)
BOX = (RULING, 20, 300, 80)


def _page(strokes: list[tuple[tuple[int, int], tuple[int, int]]]) -> tuple[np.ndarray, ...]:
    """The page as the grid reader leaves it: the pen strokes drawn, the ruling drawn and then
    painted out (5 px either side, as its 5×5 dilation does) with what lay on it."""
    ruled = np.full((100, 400), 255, np.uint8)
    for a, b in strokes:
        cv2.line(ruled, a, b, 30, 3)
    ruled[:, RULING - 1 : RULING + 2] = 20
    erased = np.zeros(ruled.shape, bool)
    erased[:, RULING - 3 : RULING + 4] = True
    gray = ruled.copy()
    gray[erased] = 255
    ink = (gray < 128).astype(np.uint8)
    return gray, ink, ruled, erased


def _h(left: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """An H 24 px wide whose left stem stands at x = `left`."""
    return [((left, 35), (left, 65)), ((left + 24, 35), (left + 24, 65)), ((left, 50), (left + 24, 50))]


def test_a_letter_begun_over_the_left_ruling_is_followed_past_it() -> None:
    gray, ink, ruled, erased = _page(_h(RULING - 10))  # stem 10 px left of the ruling, crossbar over it
    written = written_crop(gray, ink, ruled, erased, BOX, DPI, pad=0)
    inside_only = gray[23:77, RULING + 3 : 297]
    assert written.image.shape[1] > inside_only.shape[1]  # widened to the left
    stem = written.image[:, :4]
    assert (stem < 128).sum() >= 20  # the H's left stem is in the crop, not the ruling
    assert (written.image[:10] == 255).all()  # above the letter the ruling stays painted out
    crossbar = written.image[50 - 23, :24]
    assert (crossbar < 128).all()  # bridged over the painted band
    assert not written.cut_start and written.runs_into_start  # what stood on the ruling is unseen


def test_writing_of_the_next_cell_near_the_ruling_is_left_out() -> None:
    gray, ink, ruled, erased = _page([((RULING - 12, 35), (RULING - 6, 65)), ((RULING + 20, 35), (RULING + 20, 65))])
    written = written_crop(gray, ink, ruled, erased, BOX, DPI, pad=0)
    assert written.image.shape[1] == 300 - 3 - (RULING + 3)
    assert not written.cut_start


def test_a_letter_written_on_the_ruling_itself_is_cut() -> None:
    # the stem lies in the painted band and is gone; only the crossbar and the right stem remain
    gray, ink, ruled, erased = _page(_h(RULING))
    written = written_crop(gray, ink, ruled, erased, BOX, DPI, pad=0)
    assert written.cut_start and written.runs_into_start


def test_writing_clear_of_the_rulings_is_cropped_as_the_cell() -> None:
    gray, ink, ruled, erased = _page(_h(RULING + 30))
    written = written_crop(gray, ink, ruled, erased, BOX, DPI, pad=5)
    assert written.image.shape == (80 - 20 - 6 + 10, 300 - 3 - (RULING + 3) + 10)
    assert not written.cut_start and not written.runs_into_start


def test_writing_that_runs_into_the_right_ruling_is_said_to() -> None:
    """Seen from the cell before the ruling: its writing reaches into the ruling at its end."""
    gray, ink, ruled, erased = _page(_h(RULING - 10))
    before = written_crop(gray, ink, ruled, erased, (0, 20, RULING, 80), DPI, pad=0)
    assert before.runs_into_end and not before.runs_into_start
    clear = written_crop(gray, ink, ruled, erased, (0, 20, RULING - 30, 80), DPI, pad=0)
    assert not clear.runs_into_end


@pytest.mark.parametrize(("word_end", "kept"), [(55, False), (80, True)])
def test_the_next_cell_s_first_letter_apart_from_a_one_word_answer_is_left_out(word_end: int, kept: bool) -> None:
    """Seen from the cell before the ruling: the H of the next cell's "HTTNV", begun on this side,
    a word's width from this cell's answer, is not part of it; a letter closer is."""
    word = [((20, 35), (word_end, 35)), ((20, 65), (word_end, 65)), ((20, 35), (20, 65)), ((word_end, 35), (word_end, 65))]
    gray, ink, ruled, erased = _page(word + _h(RULING - 10))
    box = (0, 20, RULING, 80)
    alone = written_crop(gray, ink, ruled, erased, box, DPI, pad=0, one_answer=True)
    assert alone.runs_into_end
    assert bool((alone.image[:, -12:] < 128).any()) is kept
    assert (alone.image[:, :word_end] < 128).any()  # the answer itself stays
    as_before = written_crop(gray, ink, ruled, erased, box, DPI, pad=0)
    assert (as_before.image[:, -12:] < 128).any()  # only for a cell of one answer
