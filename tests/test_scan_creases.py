"""A fold's crease lifted from a prepared sheet (`scan_page._unfolded`): the band it darkens across
the whole sheet was read as a "1" or a "7" beside the figures written in the cells it crossed."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from parsers.scan_page import WORK_DPI, Sheet, _flat_light
from samples.scangen.degrade import crease

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WIDTH, HEIGHT = 1654, 2339  # A4 at the working 200 dpi
TABLE_LEFT, TABLE_RIGHT = 160, 1500
ROW_LINES = range(700, 1500, 80)
COLUMN_LINES = (TABLE_LEFT, 600, 800, 1000, 1200, TABLE_RIGHT)


def _page(table_left: int = TABLE_LEFT, table_right: int = TABLE_RIGHT) -> np.ndarray:
    """A table of written-in figures under a few lines of text, as the minutes have."""
    image = Image.new("L", (WIDTH, HEIGHT), 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 30)
    for k in range(6):
        draw.text((200, 200 + 60 * k), "Số phiếu hợp lệ: 7 phiếu, kết quả như sau", font=font, fill=20)
    for y in ROW_LINES:
        draw.line([(table_left, y), (table_right, y)], fill=0, width=3)
    for x in COLUMN_LINES:
        draw.line([(x, ROW_LINES[0]), (x, ROW_LINES[-1])], fill=0, width=3)
    for y in ROW_LINES[:-1]:
        for x in COLUMN_LINES[1:-1]:
            draw.text((x + 90, y + 20), "0", font=font, fill=40)
    return cv2.cvtColor(np.array(image), cv2.COLOR_GRAY2BGR)


def _sheet(image: np.ndarray) -> Sheet:
    return Sheet(1, image, WORK_DPI)


def _ink_across(sheet: Sheet, x: int) -> float:
    """Share of the table's height, between its rulings, that is ink in column `x`."""
    column = sheet.ink[ROW_LINES[0] + 5 : ROW_LINES[-1] - 5, x].astype(bool)
    off_rulings = np.ones_like(column)
    for y in ROW_LINES:
        off_rulings[max(0, y - ROW_LINES[0] - 10) : y - ROW_LINES[0]] = False
    return float(column[off_rulings].mean())


def test_a_crease_down_the_sheet_leaves_no_ink_in_the_cells_it_crosses() -> None:
    at = 950  # inside the third column, beside its figures
    creased = _sheet(crease(_page(), horizontal=False, at=at))
    assert max(_ink_across(creased, x) for x in range(at - 15, at + 16)) < 0.02


def test_what_is_printed_and_written_keeps_its_ink() -> None:
    clean = _sheet(_page()).ink.astype(bool)
    lifted = _sheet(crease(_page(), horizontal=True, at=1100)).ink.astype(bool)
    assert (clean & lifted).sum() / (clean | lifted).sum() > 0.97


def test_both_creases_of_a_sheet_folded_in_three_are_lifted() -> None:
    folded = _sheet(crease(crease(_page(), horizontal=True, at=HEIGHT / 3), horizontal=True, at=2 * HEIGHT / 3))
    for y in (HEIGHT // 3, 2 * HEIGHT // 3):
        band = folded.ink[y - 15 : y + 16, :TABLE_LEFT - 10]  # the margin, where nothing else is
        assert band.mean() < 0.01


def test_a_sheet_without_a_fold_is_left_as_it_is() -> None:
    page = _page()
    assert np.array_equal(_sheet(page).gray, _flat_light(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)))


def test_table_rulings_across_nearly_the_whole_sheet_are_no_crease() -> None:
    page = _page(table_left=25, table_right=WIDTH - 25)  # beyond the paper a line's percentile takes
    assert np.array_equal(_sheet(page).gray, _flat_light(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)))
