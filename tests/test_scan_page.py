"""Which way up a page stands: the score of a line read one way up (`scan_page._line_score`) and the
lines read to decide (`scan_page._upside_down`); what of a sheet is stamp ink (`Sheet.red`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.tesseract import Reading, Word
from parsers.scan_page import Sheet, _line_score, _turn_upright, _upside_down

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def _reading(words: list[tuple[str, float]]) -> Reading:
    return Reading(" ".join(t for t, _ in words), 0.0, tuple(Word(t, c, (0, 0, 1, 1)) for t, c in words))


# Tesseract's readings of the fullest lines of a low-contrast phone photo of Mẫu 06 standing
# upright (generated summary seed 1, 0020): its title read both ways up, and a table row that
# read nothing upright and, upside down, its rulings as bars and its names as garbage.
TITLE_UPRIGHT = [("TỐNG", 0.79), ("HỢP", 0.96), ("ĐỀ", 0.96), ("XUẤT", 0.93), ("MỨC", 0.92), ("CHẤT", 0.93),
                 ("LƯƠNG", 0.91)]
TITLE_UPSIDE_DOWN = [("ĐNO(Y1.LVYH2Đ", 0.31), ("(NI", 0.59), (".LVñAX", 0.52), ("3đ", 0.6), ("đdÒÖH", 0.17),
                     ("ĐNOQ.L", 0.07)]
ROW_UPSIDE_DOWN = [("(6L2U/H)ANLIH", 0.0), ("|", 0.57), ("ANIHX", 0.66), ("-", 0.11), ("|", 0.97), ("|", 0.91),
                   ("ANLHX", 0.53), ("|", 0.8), ("9q4'exqaNgntÐhtw2", 0.05), ("|", 0.97), ("đột", 0.22),
                   ("8uontd", 0.13), ("jqL", 0.69), ("du", 0.79), ("|", 0.83), ("z", 0.86), ("|", 0.96)]


def test_a_title_read_upright_outweighs_rulings_and_garbage_read_upside_down() -> None:
    upright = _line_score(_reading(TITLE_UPRIGHT))  # the row read upright gave nothing
    upside_down = _line_score(_reading(TITLE_UPSIDE_DOWN)) + _line_score(_reading(ROW_UPSIDE_DOWN))
    assert upright > 2 * upside_down


def test_rulings_read_as_bars_count_for_nothing() -> None:
    assert _line_score(_reading([("|", 0.97), ("|", 0.91), ("-", 0.9)])) == 0.0


def test_a_word_read_surely_counts_more_than_its_length_read_unsurely() -> None:
    assert _line_score(_reading([("HỢP", 0.95)])) > 2 * _line_score(_reading([("ANL", 0.65)]))


def _page_under_scribbled_rows() -> np.ndarray:
    """Three rows of dense zigzag scribble, the page's fullest 'lines', over three lines of text."""
    image = Image.new("L", (1600, 1200), 255)
    draw = ImageDraw.Draw(image)
    for y in (100, 180, 260):
        draw.line([(x, y + (30 if k % 2 == 0 else 0)) for k, x in enumerate(range(100, 1500, 6))], fill=0, width=3)
    font = ImageFont.truetype(str(FONT), 34)
    for k, text in enumerate(["TỔNG HỢP ĐỀ XUẤT MỨC CHẤT LƯỢNG", "Chi bộ đánh giá, xếp loại", "Họ và tên đảng viên"]):
        draw.text((300, 450 + 90 * k), text, font=font, fill=0)
    return cv2.cvtColor(np.array(image), cv2.COLOR_GRAY2BGR)


def test_lines_that_read_as_nothing_either_way_leave_the_call_to_the_next_ones() -> None:
    """Scribbled rows read as nothing both ways up, but for a letter read at 0.27 one way: that
    alone turned the page. The next lines, read when the first say next to nothing, decide."""
    page = _page_under_scribbled_rows()
    assert not _upside_down(page)
    assert _upside_down(cv2.rotate(page, cv2.ROTATE_180))


def test_a_violet_tick_under_a_warm_light_is_ink_and_a_red_stamp_is_still_a_stamp() -> None:
    """Under a warm lamp the page is yellow all over and a violet pen looks red (dev `doc_0025`
    taken again: its ticks were wiped out as a stamp, five criteria lost)."""
    page = np.full((400, 300, 3), 250, np.uint8)
    cv2.line(page, (40, 60), (120, 140), (160, 40, 200), 5)  # a violet pen's tick (BGR)
    cv2.circle(page, (200, 300), 50, (40, 40, 220), 6)  # a red stamp
    for light in ((1.0, 1.0, 1.0), (0.72, 0.9, 1.0)):
        lit = np.clip(page * np.array(light), 0, 255).astype(np.uint8)
        red = Sheet(1, lit, 200.0).red
        assert red[100, 80] == 0, light
        assert red[300, 150] == 1, light


def _column_of_text(width: int, height: int) -> np.ndarray:
    """A white page of short lines under one another, a wide empty margin right of them: about as
    many empty columns (the margin, the lines' ends) as empty rows (between the lines)."""
    page = np.full((height, width, 3), 255, np.uint8)
    for k, y in enumerate(range(120, height - 120, 60)):
        cv2.putText(page, " ".join(["Nguyen Van"] * 4) + f" {k:02d}", (300, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (0, 0, 0), 2)
    return page


@pytest.mark.parametrize("quarter", [0, 1])
def test_a_page_with_as_many_empty_columns_as_rows_is_turned_by_its_lines(quarter: int) -> None:
    """Empty columns as many as empty rows do not make a page stand on its side: dev `doc_0002`
    made black and white by a phone app, its desk white, had 21.5% empty columns against 21.2%
    empty rows and was turned 90°."""
    page = _column_of_text(1654, 2339)
    given = np.ascontiguousarray(np.rot90(page, k=-quarter)) if quarter else page
    assert _turn_upright(given) == (90 if quarter else 0)
