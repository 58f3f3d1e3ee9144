"""Finding the sheet in a phone photo: whole, or running off the picture on one or two sides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from parsers.scan_paper import flatten, paper_quad

PAGE_W, PAGE_H = 827, 1169  # an A4 sheet at 100 dpi
FRAME_W, FRAME_H = 1200, 1600


def _sheet() -> np.ndarray:
    """White paper with a printed grid, so the paper is not a blank patch."""
    page = np.full((PAGE_H, PAGE_W, 3), 250, np.uint8)
    for y in range(150, 1000, 60):
        cv2.line(page, (100, y), (727, y), (20, 20, 20), 2)
    for x in (100, 300, 500, 727):
        cv2.line(page, (x, 150), (x, 990), (20, 20, 20), 2)
    return page


def _photo(corners: list[tuple[float, float]], dog_ear: int = 0,
           desk_colour: tuple[int, int, int] = (60, 80, 110)) -> np.ndarray:
    """The sheet on a textured desk (dark unless `desk_colour` says otherwise), its corners (tl,
    tr, br, bl) where given, in or out of the frame; `dog_ear`: that many pixels of the sheet's
    top-right corner folded under."""
    rng = np.random.default_rng(3)
    desk = np.clip(rng.normal(desk_colour, 10, (FRAME_H, FRAME_W, 3)), 0, 255).astype(np.uint8)
    source = np.array([[0, 0], [PAGE_W, 0], [PAGE_W, PAGE_H], [0, PAGE_H]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, np.float32))
    paper = cv2.warpPerspective(_sheet(), matrix, (FRAME_W, FRAME_H))
    sheet = np.full((PAGE_H, PAGE_W), 255, np.uint8)
    if dog_ear:
        cv2.fillPoly(sheet, [np.array([[PAGE_W - dog_ear, 0], [PAGE_W, 0], [PAGE_W, dog_ear]], np.int32)], 0)
    mask = cv2.warpPerspective(sheet, matrix, (FRAME_W, FRAME_H)) > 127
    desk[mask] = paper[mask]
    return desk


WHOLE = [(180, 150), (1010, 210), (1060, 1420), (130, 1460)]
BOTTOM_OFF = [(160, 450), (1040, 500), (1085, 1750), (120, 1725)]  # both bottom corners off the picture
CORNER_OFF = [(-80, 140), (1010, 60), (1090, 1500), (120, 1560)]  # the top-left corner off the picture
TURNED_RIGHT_OFF = [(1100, 200), (1300, 1420), (150, 1480), (40, 220)]  # lying sideways, its top beyond the right edge


@pytest.mark.parametrize("corners", [WHOLE, BOTTOM_OFF, CORNER_OFF, TURNED_RIGHT_OFF],
                         ids=["whole", "bottom-off", "corner-off", "sideways-off"])
def test_the_sheets_corners_are_found_even_outside_the_picture(corners: list[tuple[float, float]]) -> None:
    quad = paper_quad(_photo(corners))
    assert quad is not None
    truth = np.array(corners, dtype=np.float64)
    # paper_quad orders tl, tr, br, bl as the picture shows them; match each true corner
    error = max(float(np.min(np.linalg.norm(quad - corner, axis=1))) for corner in truth)
    assert error < 0.02 * FRAME_H


def test_a_sheet_under_a_shadow_across_the_photo_is_found_whole() -> None:
    """A pale desk and a shadow falling across the picture, the light on the left under half that
    on the right: the shaded paper is as dark as the lit desk (dev `doc_0015` taken again lost its
    lower left corner, and its vote table with it)."""
    photo = _photo(WHOLE, desk_colour=(120, 140, 160)).astype(np.float32)
    light = np.linspace(0.45, 1.0, FRAME_W, dtype=np.float32)[None, :, None]
    quad = paper_quad(np.clip(photo * light, 0, 255).astype(np.uint8))
    assert quad is not None
    error = max(float(np.min(np.linalg.norm(quad - corner, axis=1))) for corner in np.array(WHOLE, np.float64))
    assert error < 0.02 * FRAME_H


def test_a_sheet_narrowed_by_a_sideways_tilt_and_cut_by_the_picture_is_kept_whole() -> None:
    """Photographed from one side, the sheet looks narrower than A4 for its length: what is seen
    of it (620 wide, 1000 long, its top off the picture) is longer than any A4 length of its
    width allows. Its top is put where the picture cuts it, not the whole picture taken."""
    quad = paper_quad(_photo([(290, -120), (910, -120), (910, 1000), (290, 1000)]))
    assert quad is not None
    tl, tr, br, bl = quad
    assert max(abs(tl[1]), abs(tr[1])) < 0.02 * FRAME_H
    for found, true in ((tl[0], 290), (tr[0], 910), (br[0], 910), (bl[0], 290), (br[1], 1000), (bl[1], 1000)):
        assert abs(found - true) < 0.02 * FRAME_H


def test_a_dog_eared_sheet_in_perspective_has_its_corners_where_its_sides_meet() -> None:
    """A folded corner leaves the outline five corners; a rectangle round it would undo no
    perspective, the sides' meeting points do."""
    keystone = [(300, 150), (900, 160), (1100, 1450), (100, 1440)]
    quad = paper_quad(_photo(keystone, dog_ear=170))
    assert quad is not None
    error = max(float(np.min(np.linalg.norm(quad - corner, axis=1))) for corner in np.array(keystone, dtype=np.float64))
    assert error < 0.02 * FRAME_H


def test_a_sheet_cut_by_the_picture_is_warped_to_a4_not_stretched() -> None:
    flat, dpi = flatten(_photo(BOTTOM_OFF), 300.0)
    h, w = flat.shape[:2]
    assert abs(h / w - 297 / 210) < 0.01
    # the printed grid's first and last rows keep their place on the sheet (150 and 990 of 1169)
    ink = cv2.dilate((cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY) < 100).astype(np.uint8), np.ones((7, 1), np.uint8))
    band = ink[:, int(0.3 * w) : int(0.7 * w)].mean(axis=1)  # the middle of the grid's rows
    edge = int(0.05 * h)  # a sliver of desk may stay along the sheet's edges
    rows = edge + np.flatnonzero(band[edge:-edge] > 0.9)
    assert abs(rows[0] / h - 150 / PAGE_H) < 0.01
    assert abs(rows[-1] / h - 990 / PAGE_H) < 0.015
    assert dpi == pytest.approx(h / (297 / 25.4), rel=0.01)


def test_a_sheet_filling_the_picture_or_a_white_scan_is_left_as_it_is() -> None:
    close_up = _photo([(-60, -50), (1260, -40), (1270, 1650), (-70, 1660)])
    assert paper_quad(close_up) is None
    scan = cv2.resize(_sheet(), (FRAME_W, FRAME_H))
    assert paper_quad(scan) is None
    image, dpi = flatten(scan, 200.0)
    assert image is scan and dpi == 200.0
    # scanned or photographed under a warm light: yellow all over, the border as the paper is
    warm = np.clip(scan * np.array([0.72, 0.9, 1.0]), 0, 255).astype(np.uint8)
    assert paper_quad(warm) is None
    # a light wooden desk, as light as the yellowed scan's border, is still a desk: the paper is whiter
    assert paper_quad(_photo(WHOLE, desk_colour=(110, 165, 200))) is not None


@pytest.mark.parametrize("ahead", [False, True], ids=["on-first-use", "built-ahead"])
def test_colour_tables_built_ahead_change_nothing_found(tmp_path: Path, ahead: bool) -> None:
    """OpenCV builds its Lab tables at a process's first conversion, unguarded; built on a thread
    while the page is searched for markers, they must be whole before the sheet is looked for.
    Each run is a fresh process, so the tables are built there and then."""
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), _photo(WHOLE))
    probe = ("import sys, cv2; from parsers.scan_paper import make_colour_tables_ahead, paper_quad; "
             f"{'make_colour_tables_ahead(); ' if ahead else ''}"
             "print(paper_quad(cv2.imread(sys.argv[1])).round(3).tolist())")
    found = subprocess.run([sys.executable, "-c", probe, str(photo)], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent).stdout
    assert found.strip() == str(paper_quad(_photo(WHOLE)).round(3).tolist())
