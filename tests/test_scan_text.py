"""When a scanned text line is the wrapped continuation of the paragraph above it."""

from __future__ import annotations

import pytest

from ocr.tesseract import Word
from parsers.scan_text import WordLine, wraps_onto

RIGHT = 1500  # the text's right edge


def _line(y: int, *spans: tuple[str, int, int], height: int = 30) -> WordLine:
    return WordLine([Word(text, 0.95, (x0, y, x1, y + height)) for text, x0, x1 in spans])


FULL = _line(500, ("-", 200, 210), ("Đối", 220, 270), ("tượng:", 280, 380), ("Bệnh", 1300, 1380),
             ("viện", 1390, 1440), ("Hà", 1450, 1490))


@pytest.mark.parametrize("line", [
    _line(540, ("Nam", 198, 260)),
    _line(536, ("xã", 198, 230), height=14),  # small letters alone: half a line's height
])
def test_a_line_whose_first_word_would_not_fit_above_continues_the_paragraph(line: WordLine) -> None:
    assert wraps_onto(FULL, line, RIGHT)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (_line(540, ("-", 198, 208), ("Chủ", 220, 270)), "a bullet starts a paragraph"),
        (_line(540, ("2.", 198, 220), ("Chủ", 230, 280)), "a number starts a paragraph"),
        (_line(540, ("Chức", 198, 260), ("vụ:", 270, 320)), "a label starts a field of its own"),
        (_line(600, ("Nam", 198, 260)), "too far below"),
        (_line(540, ("Nam", 198, 260), height=50), "another type size"),
        (_line(540, ("Nam", 900, 960)), "starts right of the paragraph's start"),
    ],
)
def test_a_line_that_starts_anew_is_no_continuation(line: WordLine, why: str) -> None:
    assert not wraps_onto(FULL, line, RIGHT), why


def test_a_word_that_would_have_fitted_on_the_line_above_starts_a_new_paragraph() -> None:
    short = _line(500, ("Đối", 220, 270), ("tượng:", 280, 380), ("Bệnh", 1000, 1080), ("viện", 1090, 1140))
    assert not wraps_onto(short, _line(540, ("Nam", 198, 260)), RIGHT)
