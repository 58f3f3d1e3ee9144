"""Perspective left in a flattened photo, undone from the page's rulings (`scan_rectify`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from domain.model import Level
from parsers.pages import PageImage
from parsers.pictures import Pictures
from parsers.scan_page import Sheet
from parsers.scan_reader import REVIEW_BELOW, read_scan_pages
from parsers.scan_rectify import rectify
from tests.test_scan_layout import FONT
from tests.test_scan_layout import _page as _drawn_form

DPI = 200.0
W, H = 1654, 2339
ROW_YS = list(range(500, 1900, 80))
COLUMN_XS = [150, 250, 900, 1050, 1200, 1350, 1500]


def _table_page(crease_deg: float | None = None) -> np.ndarray:
    """A page with a criteria table's rulings and a few lines of 'text' blocks above it."""
    page = np.full((H, W, 3), 255, np.uint8)
    for y in ROW_YS:
        cv2.line(page, (COLUMN_XS[0], y), (COLUMN_XS[-1], y), (0, 0, 0), 3)
    for x in COLUMN_XS:
        cv2.line(page, (x, ROW_YS[0]), (x, ROW_YS[-1]), (0, 0, 0), 3)
    for k in range(6):  # words: short dark blocks, no ruling among them
        for j in range(8):
            cv2.rectangle(page, (150 + 160 * j, 200 + 40 * k), (150 + 160 * j + 110, 200 + 40 * k + 22), (0, 0, 0), -1)
    if crease_deg is not None:  # a fold's crease, slanted, across the whole sheet
        rise = int(W * np.tan(np.radians(crease_deg)))
        cv2.line(page, (0, 1200), (W, 1200 + rise), (90, 90, 90), 3)
    return page


def _fanned(page: np.ndarray, top_deg: float) -> np.ndarray:
    """The page seen in perspective about its middle: rows slope by `top_deg` at the top of the
    table and the other way at its bottom (a sheet's corner guessed a little wrong)."""
    cx, cy = W / 2, H / 2
    p = np.tan(np.radians(top_deg)) / (ROW_YS[0] - cy)  # slope of a row at height y: about p·(y - cy)
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    fan = np.array([[1, 0, 0], [0, 1, 0], [-p, 0, 1]], np.float64)
    matrix = np.linalg.inv(to_centre) @ fan @ to_centre
    return cv2.warpPerspective(page, matrix, (W, H), borderValue=(255, 255, 255))


def _rulings_at(gray: np.ndarray, x0: int) -> list[int]:
    """Heights of the rulings crossing a narrow strip of the page below its text."""
    dark = (gray[:, x0 : x0 + 40] < 128).sum(axis=1)
    dark[: ROW_YS[0] - 40] = 0
    rows = np.flatnonzero(dark >= 30)
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1)
    return [int(run.mean()) for run in runs if len(run)]


def _worst_row_slope_px(image: np.ndarray) -> int:
    """How far apart a ruling lies at the table's left and right ends, the worst over all rows."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    left, right = _rulings_at(gray, 300), _rulings_at(gray, 1400)
    assert len(left) == len(right) == len(ROW_YS)
    return max(abs(a - b) for a, b in zip(left, right, strict=True))


def _rectified(image: np.ndarray) -> np.ndarray:
    return rectify(image, Sheet(1, image, DPI).ink, DPI)


@pytest.mark.parametrize("top_deg", [-2.0, 1.5])
def test_rows_fanned_by_perspective_are_all_made_level(top_deg: float) -> None:
    fanned = _fanned(_table_page(), top_deg)
    assert _worst_row_slope_px(fanned) > 25  # the fan is there to undo
    assert _worst_row_slope_px(_rectified(fanned)) <= 2


@pytest.mark.parametrize("crease_deg", [None, 3.0], ids=["plain", "with-a-slanted-crease"])
def test_a_page_whose_rulings_are_level_already_is_left_as_it_is(crease_deg: float | None) -> None:
    """No resampling of a page that needs none, even with a long straight crease across it that
    meets no vanishing point of the rulings."""
    page = _table_page(crease_deg)
    assert _rectified(page) is page


def test_a_page_without_a_table_is_left_as_it_is() -> None:
    page = _table_page()
    page[ROW_YS[0] - 5 :, :] = 255
    assert _rectified(page) is page


@pytest.mark.skipif(not FONT.is_file(), reason="DejaVu fonts not installed")
def test_a_form_photographed_in_perspective_is_read_once_its_rows_are_level() -> None:
    """Seed 8's photo 0118: a sheet run off the picture, its corner guessed, its table's rows
    sloping by 2.4° at the top and the other way at the bottom; the heading row was lost and all
    the criteria with it."""
    page = _fanned(_drawn_form(grouped=True), -2.5)
    [form] = read_scan_pages([PageImage(1, page, DPI)], "fanned.png", Pictures())
    found = {c.id: (c.level, c.confidence) for c in form.criteria}
    for cid, level in (("I.1", Level.TOT), ("I.2", Level.XUAT_SAC), ("II.1", Level.TOT), ("II.2", Level.KEM), ("IV", Level.TOT)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW
