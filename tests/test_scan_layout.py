"""The scan reader on a page drawn here (grid, printed text, pen ticks) and on corpus scans.

The drawn page needs no corpus, so CI exercises grid finding, level-column mapping, ink
decisions, flags and orientation; the corpus tests (skipped when the corpus is absent) check real
phone photos and scans against their truth.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from domain.forms import FormDefinition, catalog
from domain.model import ExtractedForm, Level, Rating
from ocr.tesseract import Word
from parsers.pages import PageImage, image_pages
from parsers.pictures import Pictures
from parsers.rating_shapes import ShapeGuess
from parsers.scan_grid import Grid, GridCell
from parsers.scan_ink import CellInk, decide
from parsers.scan_layout import (
    ScanBodyBuilder,
    _Column,
    _columns,
    _complete_vote_columns,
    _header_columns,
    _misread_column,
    _plain_text,
)
from parsers.scan_rating import RatingMatch
from parsers.scan_reader import REVIEW_BELOW, read_scan_pages
from parsers.scan_rows import SURE, Assigned, RowCue, align, expected_rows
from parsers.scan_tally import RowReading, decide_row, decide_table
from parsers.scan_text import WordLine

CORPUS = Path(os.environ.get("KIEMDIEM_CORPUS", "/work/shared/corpus/dev")) / "files"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
HAND_OBLIQUE = Path("/usr/share/fonts/truetype/fifthhorseman/dkgBI.ttf")  # fonts-dkg-handwriting
ITALIC_SERIF = Path("/usr/share/fonts/opentype/urw-base35/P052-Italic.otf")  # fonts-urw-base35
HAND = Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf")  # fonts-dkg-handwriting
DPI = 200
_TEXT_RIGHT = 1500  # the body text's right edge on a 200 dpi page

# TT, label, column of the tick (0 Xuất sắc … 3 Kém), a second tick, or None for an empty row.
ROWS: list[tuple[str, str, int | None, int | None]] = [
    ("I", "Về chính trị tư tưởng; đạo đức, lối sống", None, None),
    ("1", "Tư tưởng chính trị", 1, None),
    ("2", "Đạo đức, lối sống", 0, None),
    ("3", "Ý thức tổ chức kỷ luật", None, None),  # left empty
    ("4", "Tác phong, lề lối làm việc", 1, 2),  # two marks
    ("5", "Kết quả phòng, chống suy thoái", 2, None),
    ("II", "Về kết quả thực hiện chức trách, nhiệm vụ", None, None),
    ("1", "Việc thực hiện chức trách, quyền hạn", 1, None),
    ("2", "Kết quả thực hiện các chỉ tiêu", 3, None),
    ("III", "Kết quả thực hiện cam kết tu dưỡng", 1, None),
    ("IV", "Kết quả khắc phục những hạn chế", 1, None),
    ("V", "Kết quả đánh giá, xếp loại các tổ chức", 0, None),
    ("VI", "Kết quả kiểm điểm theo gợi ý", 1, None),
]
LEVELS = list(Level)

pytestmark = pytest.mark.skipif(not FONT.is_file(), reason="DejaVu fonts not installed")


def _tick(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    pen = (30, 40, 160)
    draw.line([(x0 + w * 0.3, y0 + h * 0.5), (x0 + w * 0.45, y0 + h * 0.8)], fill=pen, width=5)
    draw.line([(x0 + w * 0.45, y0 + h * 0.8), (x0 + w * 0.75, y0 + h * 0.15)], fill=pen, width=5)


LEVEL_HEADINGS = ("Xuất sắc", "Tốt", "Trung bình", "Kém")


def _page(headings: tuple[str, ...] = LEVEL_HEADINGS, grouped: bool = False, fold: bool = False,
          lost_rule: bool = False, crease_at: int | None = None, faint: bool = False,
          subject: tuple[str, ...] = ("- Họ và tên đảng viên: Nguyễn Văn An",)) -> np.ndarray:
    """A Mẫu 05 page at 200 dpi: header, title, the criteria grid with pen ticks, the rating.
    `grouped`: the level headings under one "CẤP ĐỘ THỰC HIỆN" cell, as printed; `fold`: a crease
    line down the whole sheet, through the criteria's text column; `lost_rule`: the ruling between
    "Trung bình" and "Kém" missing from the heading row (too faint in a photo); `crease_at`: a
    fold's crease across the whole sheet at that height, slightly slanted and wavy (as the
    generator's folds: the paper darkened by a third at the crease's core); `faint`: printed in pale
    grey (a low-contrast photo), paler than the crease's core; `subject`: the lines printed between
    the title and the table."""
    img = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(img)
    font, bold = ImageFont.truetype(str(FONT), 34), ImageFont.truetype(str(BOLD), 34)
    draw.text((1150, 110), "Mẫu 05-HD KĐ.ĐG 2018", font=font, fill="black")
    draw.text((180, 180), "CHI BỘ VĂN PHÒNG", font=bold, fill="black")
    draw.text((500, 300), "PHIẾU PHÂN TÍCH CHẤT LƯỢNG", font=bold, fill="black")
    draw.text((430, 350), "VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN", font=bold, fill="black")
    for k, text in enumerate(subject):
        draw.text((150, 440 + 38 * k), text, font=font, fill="black")
    xs = [150, 250, 900, 1050, 1200, 1350, 1500]
    group_h = 50 if grouped else 0
    top, header_h, row_h = 520, 90 + group_h, 62
    ys = [top, top + header_h] + [top + header_h + row_h * (k + 1) for k in range(len(ROWS))]
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill="black", width=3)
    for x in xs:
        top_of_line = ys[1] if lost_rule and x == xs[5] else ys[0] + (group_h if x not in (xs[0], xs[1], xs[2], xs[-1]) else 0)
        draw.line([(x, top_of_line), (x, ys[-1])], fill="black", width=3)
    small = ImageFont.truetype(str(BOLD), 26)
    if grouped:
        draw.line([(xs[2], top + group_h), (xs[-1], top + group_h)], fill="black", width=3)
        draw.text((xs[2] + 150, top + 10), "CẤP ĐỘ THỰC HIỆN", font=small, fill="black")
    draw.text((170, top + 25), "TT", font=bold, fill="black")
    draw.text((300, top + 25), "TIÊU CHÍ ĐÁNH GIÁ", font=bold, fill="black")
    for k, word in enumerate(headings):
        for n, part in enumerate(word.split()):
            draw.text((xs[2 + k] + 12, top + group_h + 12 + 34 * n), part, font=small, fill="black")
    for r, (tt, label, tick, second) in enumerate(ROWS):
        y = ys[r + 1]
        draw.text((175, y + 12), tt, font=bold if not tt.isdigit() else font, fill="black")
        draw.text((265, y + 14), label, font=ImageFont.truetype(str(FONT), 26), fill="black")
        for col in (tick, second):
            if col is not None:
                _tick(draw, (xs[2 + col], y, xs[3 + col], y + row_h))
    draw.text((150, ys[-1] + 60), "Đề nghị xếp loại mức chất lượng: Hoàn thành tốt nhiệm vụ", font=font, fill="black")
    if fold:
        draw.line([(600, 0), (606, img.height)], fill=(160, 160, 160), width=5)  # a crease's grey
    page = np.asarray(img).astype(np.float32)
    if faint:
        page = 255.0 - 0.3 * (255.0 - page)
    if crease_at is not None:  # grey at its core, fading over a few pixels, as paper folded flat again
        x = np.arange(img.width, dtype=np.float32)
        at = crease_at + 0.004 * x + 2 * np.sin(x / 60)
        y = np.arange(img.height, dtype=np.float32)[:, None]
        page *= (1.0 - 0.35 * np.exp(-((y - at[None, :]) ** 2) / 9.0 ** 2))[:, :, None]
    return cv2.cvtColor(page.astype(np.uint8), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def drawn() -> np.ndarray:
    return _page()


@pytest.fixture(scope="module")
def drawn_form(drawn: np.ndarray) -> ExtractedForm:
    forms = read_scan_pages([PageImage(1, drawn, DPI)], "drawn.png", Pictures())
    assert len(forms) == 1
    return forms[0]


def _by_id(form: ExtractedForm) -> dict[str, tuple[Level | None, float]]:
    return {c.id: (c.level, c.confidence) for c in form.criteria}


def test_a_field_value_wrapped_onto_the_next_line_is_read_whole_with_its_dash() -> None:
    """A unit's name too long for its line goes on at the left margin, as a Word file keeps it
    one paragraph; the printed dash inside it is part of the name."""
    wrapped = ("- Sinh hoạt tại chi bộ: Chi bộ Cơ quan Ủy ban Kiểm tra - Văn phòng Đảng ủy Khối", "tỉnh Hà Tĩnh")
    form = read_scan_pages([PageImage(1, _page(subject=wrapped), DPI)], "wrapped.png", Pictures())[0]
    assert form.subject.unit == "Chi bộ Cơ quan Ủy ban Kiểm tra - Văn phòng Đảng ủy Khối tỉnh Hà Tĩnh"


def test_grid_found_and_level_columns_mapped(drawn: np.ndarray) -> None:
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, drawn, DPI))
    body = builder.body
    assert len(body.tables) == 1
    table = body.tables[0]
    assert table.width == 6
    header = [table.text(1 if len(table.grid) > len(ROWS) + 1 else 0, c) for c in range(2, 6)]
    assert [h.replace(" ", "").lower() for h in header] == ["xuấtsắc", "tốt", "trungbình", "kém"]
    boxed = [line for line in body.lines if line.table is not None]
    assert boxed and all(line.box is not None for line in boxed)
    assert all(b.index == k for k, b in enumerate(body.lines))


def test_ticks_read_and_doubtful_rows_flagged(drawn_form: ExtractedForm) -> None:
    found = _by_id(drawn_form)
    assert drawn_form.form_id == "2018/mau-05"
    assert found["I.1"][0] is Level.TOT and found["I.1"][1] >= REVIEW_BELOW
    assert found["I.2"][0] is Level.XUAT_SAC and found["I.2"][1] >= REVIEW_BELOW
    assert found["II.2"][0] is Level.KEM and found["II.2"][1] >= REVIEW_BELOW
    assert found["I.3"][0] is None and found["I.3"][1] < REVIEW_BELOW  # empty row
    assert found["I.4"][0] is None and found["I.4"][1] < REVIEW_BELOW  # two marks
    assert drawn_form.rating is not None and drawn_form.rating.value is not None
    assert drawn_form.rating.value.value == "httnv"


@pytest.mark.parametrize(("headings", "fold"), [
    (("Xuất sắc", "Tốt", "Tru hìn", "Kém"), False),
    (("Xuất sắc", "Tốt", "Tru hìn", "Kém"), True),
    (("Xuất", "—Tốt", "Trung bình", "—Kém."), False),
], ids=["flat", "folded", "with-dashes"])
def test_a_misread_level_heading_is_placed_by_its_neighbours_under_the_group_heading(
    headings: tuple[str, str, str, str], fold: bool
) -> None:
    """"Trung bình" printed (or read) as "Tru hìn": under "CẤP ĐỘ THỰC HIỆN", spanning the four
    level columns, the three headings read give it its place; a crease down the sheet through
    the criteria's text is no column of the grid. A crease along the headings reads as dashes
    glued to them ("—Tốt", "—Kém.") and takes half of "Xuất sắc": the dashes are no part of a
    heading, and "Xuất" takes its place from the other three."""
    page = _page(headings, grouped=True, fold=fold)
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, page, DPI))
    assert builder.body.tables[0].width == 6
    [form] = read_scan_pages([PageImage(1, page, DPI)], "drawn.png", Pictures())
    found = _by_id(form)
    for cid, level in (("I.1", Level.TOT), ("I.5", Level.TRUNG_BINH), ("II.2", Level.KEM)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW


@pytest.mark.parametrize(("crease_at", "faint"), [(566, False), (626, False), (662, False), (664, True)],
                         ids=["along-group-line", "through-headings", "along-header-line", "beside-a-pale-ruling"])
def test_a_crease_across_the_level_headings_is_erased_before_they_are_read(crease_at: int, faint: bool) -> None:
    """A fold across the sheet through the level headings is no ruling of the grid, and no ink
    of the headings either: read through it, "Xuất sắc" and "Tốt" come out as garbage. A crease
    along a ruling line (under "CẤP ĐỘ THỰC HIỆN", under the headings) leaves that ruling, even
    when the print is paler than the crease."""
    page = _page(grouped=True, crease_at=crease_at, faint=faint)
    [form] = read_scan_pages([PageImage(1, page, DPI)], "creased.png", Pictures())
    found = _by_id(form)
    for cid, level in (("I.1", Level.TOT), ("I.2", Level.XUAT_SAC), ("I.5", Level.TRUNG_BINH), ("II.2", Level.KEM)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW


@pytest.mark.parametrize(("alone", "fold"), [(True, False), (False, True)], ids=["hiding-a-ruling", "beside-a-ruling"])
def test_a_crease_as_dark_as_a_pale_print_is_a_ruling_only_where_none_is_beside_it(alone: bool, fold: bool) -> None:
    """A line across the whole sheet, unbroken over the table and as dark as its pale rulings: a
    crease along a ruling, which it hides (no other line near it), or a crease just beside one
    (which stays a line of its own), a fold."""
    from parsers.scan_grid import _Course, _crosses

    width = 1600
    course = _Course(np.ones(width, bool), np.full(width, 160, np.uint8))
    columns = [(200, 0, 0), (1400, 0, 0)]
    assert _crosses((900, 20, 1580), columns, 40.0, course, print_grey=190.0, alone=alone) is fold
    assert _crosses((900, 20, 1580), columns, 40.0, course, print_grey=40.0, alone=True)  # paler than black print


@pytest.mark.parametrize(("core", "print_grey", "fold"), [(129, 145.0, False), (160, 175.0, True), (138, 145.0, True)],
                         ids=["darker-than-rulings-and-crease", "crease-grey", "as-dark-as-the-rulings"])
def test_a_crease_hiding_a_ruling_that_is_not_printed_over_one_cell_is_still_a_ruling(
        core: int, print_grey: float, fold: bool) -> None:
    """The ruling under the header was not printed under "TT" (a cell spanning rows), so the
    crease along it was drawn over 0.9 of the table only and taken for a fold: the section's
    row merged into the header. Clearly darker than the table's rulings and than any crease, it
    is print; as grey as a crease, or no darker than the rulings, a fold still."""
    from parsers.scan_grid import _Course, _crosses

    width = 1600
    ink = np.ones(width, bool)
    ink[210:330] = False  # not printed under the TT cell
    course = _Course(ink, np.full(width, core, np.uint8))
    columns = [(200, 0, 0), (1400, 0, 0)]
    assert _crosses((900, 20, 1580), columns, 40.0, course, print_grey=print_grey, alone=True) is fold


def test_a_stroke_whose_edge_is_on_a_ruling_is_kept_with_it() -> None:
    """A crease's upper edge, 8 pixels above the ruling it hides, is what the mask shows of that
    ruling over a cell; clearing it (its middle is farther than the tolerance) merged the cell
    with the one above."""
    from parsers.scan_grid import Rulings, _clear_unused

    horizontal = np.zeros((200, 600), np.uint8)
    horizontal[92:97, 50:550] = 1  # edge at 96, the ruling at 105
    horizontal[150:153, 50:550] = 1  # a long pen stroke far from any line
    lines = Rulings(horizontal, np.zeros_like(horizontal))
    _clear_unused(lines, (0, 0, 600, 200), [20, 105, 190], [10, 590], tolerance=9.0)
    assert horizontal[92:97].any() and not horizontal[150:153].any()


@pytest.mark.parametrize(("open_cols", "spans"), [((0,), False), ((0, 1), True)], ids=["one-cell", "two-cells"])
def test_one_cell_alone_open_across_a_ruled_row_line_is_split_there(open_cols: tuple[int, ...], spans: bool) -> None:
    """Every other column ruled between two rows: the one cell open across the line lost its
    ruling ("TT" over a crease) and is two cells. Two cells open side by side span both rows, as
    "TT" and "TIÊU CHÍ ĐÁNH GIÁ" do over the header's two rows."""
    from parsers.scan_grid import Rulings, _cells

    xs, ys = [10, 100, 300, 400, 500], [10, 60, 110, 160]
    horizontal, vertical = np.zeros((200, 520), np.uint8), np.zeros((200, 520), np.uint8)
    for y in ys:
        for c in range(len(xs) - 1):
            if not (y == ys[1] and c in open_cols):
                horizontal[y - 1 : y + 2, xs[c] : xs[c + 1]] = 1
    for x in xs:
        vertical[ys[0] : ys[-1], x - 1 : x + 2] = 1
    cells = _cells(Rulings(horizontal, vertical), ys, xs, slack=6)
    first = next(cell for cell in cells if (cell.row, cell.col) == (0, 0))
    assert first.rows == (2 if spans else 1)
    assert len(cells) == (3 * 4 - len(open_cols) if spans else 12)


def test_two_level_headings_joined_by_a_lost_ruling_get_their_own_columns_again() -> None:
    """The ruling between "Trung bình" and "Kém" lost in the heading row: one heading cell over
    two level columns, read as neither; under "CẤP ĐỘ THỰC HIỆN" they are placed, and each level
    column keeps its own heading for the form reader."""
    page = _page(grouped=True, lost_rule=True)
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, page, DPI))
    table = builder.body.tables[0]
    assert [table.text(1, c).replace(" ", "").lower() for c in (4, 5)] == ["trungbình", "kém"]
    [form] = read_scan_pages([PageImage(1, page, DPI)], "drawn.png", Pictures())
    found = _by_id(form)
    for cid, level in (("I.1", Level.TOT), ("I.5", Level.TRUNG_BINH), ("II.2", Level.KEM)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW


def test_a_dark_sliver_along_the_sheets_edges_frames_no_table(drawn: np.ndarray) -> None:
    """A scanner's lid or the desk left along the edges of a flattened photo is no table
    around the page."""
    framed = drawn.copy()
    cv2.rectangle(framed, (0, 0), (framed.shape[1] - 1, framed.shape[0] - 1), (40, 30, 30), 8)
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, framed, DPI))
    assert [t.width for t in builder.body.tables] == [6]
    [form] = read_scan_pages([PageImage(1, framed, DPI)], "framed.png", Pictures())
    assert _by_id(form)["II.2"][0] is Level.KEM


def test_a_page_photographed_askew_by_eight_degrees_is_levelled_and_read(drawn: np.ndarray) -> None:
    h, w = drawn.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 8.0, 1.0)
    askew = cv2.warpAffine(drawn, matrix, (w, h), borderValue=(255, 255, 255))
    [form] = read_scan_pages([PageImage(1, askew, DPI)], "askew.png", Pictures())
    found = _by_id(form)
    for cid, level in (("I.1", Level.TOT), ("I.2", Level.XUAT_SAC), ("II.2", Level.KEM)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW


def test_columns_leaning_under_level_rows_are_stood_upright_and_read(drawn: np.ndarray) -> None:
    """A photo flattened from slightly wrong corners: rows level, columns leaning by 2°, so a
    column line strays from its heading cells' sides by more than the grid reader allows."""
    h, w = drawn.shape[:2]
    t = float(np.tan(np.radians(2.0)))
    leaning = cv2.warpAffine(drawn, np.array([[1.0, t, -t * h / 2], [0.0, 1.0, 0.0]]), (w, h),
                             borderValue=(255, 255, 255))
    [form] = read_scan_pages([PageImage(1, leaning, DPI)], "leaning.png", Pictures())
    found = _by_id(form)
    for cid, level in (("I.1", Level.TOT), ("I.2", Level.XUAT_SAC), ("II.2", Level.KEM)):
        assert found[cid][0] is level and found[cid][1] >= REVIEW_BELOW


def test_doubtful_rows_get_a_crop(drawn: np.ndarray) -> None:
    crops = Pictures()
    form = read_scan_pages([PageImage(1, drawn, DPI)], "drawn.png", crops)[0]
    doubtful = [c for c in form.criteria if c.confidence < REVIEW_BELOW and c.location is not None]
    assert doubtful and all(c.location and c.location.crop in crops.crops for c in doubtful)
    assert all(c.location and c.location.box for c in doubtful)


def test_upside_down_page_reads_the_same(drawn: np.ndarray, drawn_form: ExtractedForm) -> None:
    turned = cv2.rotate(drawn, cv2.ROTATE_180)
    form = read_scan_pages([PageImage(1, turned, DPI)], "turned.png", Pictures())[0]
    assert [(c.id, c.level) for c in form.criteria] == [(c.id, c.level) for c in drawn_form.criteria]


def test_first_section_number_unreadable_still_maps_the_levels(drawn: np.ndarray, drawn_form: ExtractedForm) -> None:
    page = drawn.copy()
    page[615:667, 156:245] = 255  # the "I" of the first data row lost (under a scribble, a fold)
    forms = read_scan_pages([PageImage(1, page, DPI)], "no-I.png", Pictures())
    assert len(forms) == 1
    found, before = _by_id(forms[0]), _by_id(drawn_form)
    assert before["I.1"][0] is found["I.1"][0] is Level.TOT and found["I.1"][1] >= REVIEW_BELOW
    assert found["II.2"][0] is Level.KEM and found["II.2"][1] >= REVIEW_BELOW


def test_ink_decision_is_relative() -> None:
    clear = decide([CellInk(0.0), CellInk(0.08), CellInk(0.002), CellInk(0.0)])
    assert [d.marked for d in clear] == [False, True, False, False]
    assert min(d.confidence for d in clear) >= REVIEW_BELOW
    close = decide([CellInk(0.0), CellInk(0.08), CellInk(0.06), CellInk(0.0)])
    assert min(d.confidence for d in close) < REVIEW_BELOW
    scribble = decide([CellInk(0.35), CellInk(0.07), CellInk(0.0), CellInk(0.0)])
    assert scribble[0].cancelled and scribble[1].marked
    assert min(d.confidence for d in scribble) < REVIEW_BELOW


def _corpus_file(stem: str) -> tuple[Path, dict[str, object]]:
    truth_path = CORPUS / f"{stem}.truth.json"
    if not truth_path.is_file():
        pytest.skip("corpus not available")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return CORPUS / str(truth["file"]), truth


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["doc_0024", "doc_0002"])
def test_corpus_scan_has_no_confident_wrong_level(stem: str) -> None:
    path, truth = _corpus_file(stem)
    forms = read_scan_pages(image_pages(path, path.name), path.name, Pictures())
    truth_form = truth["forms"][0]  # type: ignore[index]
    assert forms[0].form_id == truth_form["form"]
    found = _by_id(forms[0])
    right = 0
    for c in truth_form["criteria"]:
        level, confidence = found[c["id"]]
        if confidence >= REVIEW_BELOW:
            assert (level.value if level else None) == c["level"], c["id"]
            right += 1
    assert right >= len(truth_form["criteria"]) - 2


@pytest.mark.parametrize(("words", "misread"), [
    ([Word("CHI", 0.93, (362, 164, 423, 187)), Word("BỘ:", 0.96, (434, 163, 490, 193)),
      Word("PHÒNG", 0.97, (503, 163, 624, 190))], False),
    ([Word("Tnhh", 0.09, (267, 188, 647, 242))], True),  # a line read as one word of no confidence
    ([Word("CHI", 0.92, (437, 185, 490, 215)), Word("BỘ:", 0.97, (500, 185, 565, 215)),
      Word('_"', 0.1, (600, 190, 640, 200)), Word("DƯỢC", 0.97, (689, 184, 788, 215))], True),  # "KHOA" lost
])
def test_a_header_column_is_read_again_where_the_page_read_shows_a_misreading(
    words: list[Word], misread: bool
) -> None:
    assert _misread_column(words) is misread


@pytest.mark.slow
def test_a_header_column_the_page_read_garbled_is_read_again_on_its_own() -> None:
    """Read in one block with the place and date set a little lower beside it, the header's
    "CHI BỘ: PHÒNG TỔNG HỢP" came back as "CHI BỘ: Ti TÔNG HỢP"; read alone, the column is whole."""
    from domain.text import fold

    path, _truth = _corpus_file("doc_0011")
    (form,) = read_scan_pages(image_pages(path, path.name), path.name, Pictures())
    assert fold(form.subject.unit or "") == "chi bo phong tong hop"


# ------------------------------------------------------------- handwritten rating (closed vocabulary)
def test_rating_vocabulary_reads_full_words_and_abbreviations() -> None:
    from domain.model import Rating
    from parsers.scan_rating import SURE, match

    assert match(["Hoàn thành tốt nhiệm vụ", "hoan thanh tot nhiem vu”"]) == match(
        ["HTTNV", "“Hoàn thành tốt nhiệm vụ"]
    )
    found = match(["“Hoàn thành tốt nhiệm vụ", "Hoan thanh tot nhiem vu"])
    assert found.rating is Rating.HTTNV and found.confidence >= SURE
    assert match(["KHTNV", "khtnv"]).rating is Rating.KHTNV
    assert match(["Không hoàn thành nhiệm vụ", "khong hoan thanh nhiem vu"]).rating is Rating.KHTNV
    assert match(["HtXsnY", "Htxsny"]).rating is Rating.HTXSNV
    assert match(["TTN", "HTTN"]).rating is Rating.HTTNV  # letters lost, the double T seen


def test_rating_vocabulary_never_infers_the_telling_part_from_absence() -> None:
    from domain.model import Rating
    from parsers.scan_rating import SURE, match, vote

    assert vote("TN") is None  # in HTNV, HTTNV and KHTNV alike
    assert vote("HNV") is None  # HTNV only by a missing T: not enough on a short reading
    assert vote("HTNV") is Rating.HTNV
    assert vote("HTTNV") is Rating.HTTNV
    assert vote("HTTNY") is Rating.HTTNV  # a handwritten V read Y
    assert vote("HITNY") is None  # the I may be a T, or half of an H: the double T is not read
    assert vote("HITENY") is None  # script HTXSNV: a letter more than HTTNV stands for a misread one
    # an S or an X is in HTXSNV alone: its X read as a T, or lost, still names it …
    assert vote("HTSNV") is vote("HTTSNV") is vote("HTSN") is Rating.HTXSNV
    assert vote("KHTSNV") is None  # … but not after a K (KHTNV's)
    assert vote("SNV") is None  # … nor a reading too far from it
    assert vote("hoan thanh nhiem vu") is Rating.HTNV
    assert vote("khong hoan thanh nhiem vu") is Rating.KHTNV
    one = match(["HTTNV"])  # a single reading is never enough
    assert one.confidence < SURE
    split = match(["HTTNV", "HTNV", "HTTNV"])  # readings that disagree are sent to review
    assert split.rating is None and split.confidence < SURE
    assert match(["", "...", "xyz"]).rating is None


def test_rating_leader_dots_are_removed_and_strokes_kept() -> None:
    from parsers.scan_rating import has_answer, without_leader

    gray = np.full((60, 400), 255, np.uint8)
    for x in range(0, 400, 10):  # the dotted leader
        cv2.rectangle(gray, (x, 45), (x + 3, 48), 0, -1)
    assert not has_answer(without_leader(gray, DPI), DPI)
    cv2.putText(gray, "HTTNV", (20, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 60, 3)
    clean = without_leader(gray, DPI)
    assert has_answer(clean, DPI)
    assert clean[45:49, 300:400].min() == 255  # the dots right of the writing are gone


# ----------------------------------------------------------------------------- tally solver
_FOUR = (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV)


def test_tally_row_with_one_consistent_combination_is_accepted() -> None:
    row = RowReading(_FOUR, ({0: 8.0}, {7: 5.0, 1: 1.0}, {4: 6.0}, {1: 4.0, 7: 2.0}), Rating.HTTNV, True)
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1)
    assert decision.result is Rating.HTTNV
    assert decision.confidence >= REVIEW_BELOW


def test_tally_row_with_two_consistent_combinations_is_flagged() -> None:
    # 7+4+1 and 1+4+7 both add up to 12 and both give HTNV… HTTNV: equal support, no winner
    row = RowReading(_FOUR, ({0: 8.0}, {6: 1.0, 2: 1.0}, {4: 6.0}, {2: 1.0, 6: 1.0}), None, False)
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.confidence < REVIEW_BELOW
    sure_result = RowReading(_FOUR, row.counts, Rating.HTTNV, True)
    assert decide_row(sure_result, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW


def test_a_sure_result_no_reading_of_the_digits_gives_leaves_them_as_read() -> None:
    """HTXSNV written for 0/6/1/0 of 7 (a slip): only 6/0/1/0, the 6 moved into the other
    column, would give it; the reviewer is shown the digits as read."""
    row = RowReading(_FOUR, ({0: 8.0, 6: 1.0}, {6: 8.0}, {1: 8.0}, {0: 8.0}), Rating.HTXSNV, True)
    decision = decide_row(row, cast=7, limit=7, cast_sure=True)
    assert decision.votes == (0, 6, 1, 0) and decision.result is Rating.HTXSNV
    assert decision.confidence < REVIEW_BELOW


def test_the_value_the_sum_leaves_to_a_cell_that_lost_its_writing_is_sure() -> None:
    """0/7/4/1 of 12, HTTNV read surely: the 0 went with its ruling, the cell read as nothing or
    as a 9 (its tail); the other cells' first readings add up to 12."""
    for lost in ({}, {9: 5.0, 2: 2.0}):
        row = RowReading(_FOUR, (lost, {7: 8.0, 1: 1.0}, {4: 8.0}, {1: 8.0}), Rating.HTTNV, True)
        decision = decide_row(row, cast=12, limit=12, cast_sure=True)
        assert decision.votes == (0, 7, 4, 1) and decision.confidence >= REVIEW_BELOW
        # … not with the result unsure, nor the sum
        assert decide_row(replace(row, result_sure=False), cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
        assert decide_row(row, cast=12, limit=12, cast_sure=False).confidence < REVIEW_BELOW
    # a cell read as nothing takes any number the sum leaves: 0/7/4/1 with the 1 lost
    unread = RowReading(_FOUR, ({0: 8.0}, {7: 8.0}, {4: 8.0}, {}), Rating.HTTNV, True)
    decision = decide_row(unread, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1) and decision.confidence >= REVIEW_BELOW
    # … but not beside a cell taken for blank (a 1 too thin to see), nor in a cell read as
    # another number: a person looks
    beside_blank = RowReading(_FOUR, (None, {7: 8.0}, {4: 8.0}, {}), Rating.HTTNV, True)
    assert decide_row(beside_blank, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    misread = RowReading(_FOUR, ({0: 8.0}, {7: 8.0}, {4: 8.0}, {7: 8.0}), Rating.HTTNV, True)
    assert decide_row(misread, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # the 0 fits only with another cell taken at its second reading (7 read 1 first): a person looks
    second = RowReading(_FOUR, ({}, {1: 8.0, 7: 4.0}, {4: 8.0}, {1: 8.0}), Rating.HTTNV, True)
    assert decide_row(second, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # … or at a first reading barely ahead of the next (a thin "0" read 2 and 9 nearly as often):
    # 2/4/0/0 and the 0/6/0/0 written both give HTTNV, so the result checks nothing
    near_tie = RowReading(_FOUR, ({2: 4.0, 9: 3.0}, {}, {0: 8.0}, {0: 8.0}), Rating.HTTNV, True)
    assert decide_row(near_tie, cast=6, limit=6, cast_sure=True).confidence < REVIEW_BELOW
    clear = replace(near_tie, counts=({2: 4.0, 9: 1.0}, {}, {0: 8.0}, {0: 8.0}))
    assert decide_row(clear, cast=6, limit=6, cast_sure=True).votes == (2, 4, 0, 0)
    assert decide_row(clear, cast=6, limit=6, cast_sure=True).confidence >= REVIEW_BELOW
    # a result read less than surely confirms such votes as it does votes read whole
    confirmed = RowReading(_FOUR, ({}, {7: 8.0}, {4: 8.0}, {1: 8.0}), Rating.HTTNV, result_confirms=True)
    decision = decide_row(confirmed, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1) and decision.confidence >= REVIEW_BELOW
    other = replace(confirmed, result=Rating.HTNV)
    assert decide_row(other, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW


def test_tally_row_result_read_less_than_surely_only_confirms_votes_read_alone() -> None:
    counts = ({0: 8.0}, {7: 8.0, 1: 1.0}, {4: 8.0}, {1: 8.0, 7: 1.0})
    # 0/7/4/1 of 12 gives HTTNV: a result read by OCR and shape together confirms it
    confirmed = RowReading(_FOUR, counts, Rating.HTTNV, result_sure=False, result_confirms=True)
    decision = decide_row(confirmed, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1) and decision.confidence >= REVIEW_BELOW
    # … a result that is not what the votes give goes to a person (a misread, or the clerk's slip)
    other = RowReading(_FOUR, counts, Rating.HTNV, result_sure=False, result_confirms=True)
    assert decide_row(other, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # … and it never settles votes the digits leave open (7+4+1 or 1+4+7)
    open_votes = ({0: 8.0}, {6: 1.0, 2: 1.0}, {4: 6.0}, {2: 1.0, 6: 1.0})
    leaning = RowReading(_FOUR, open_votes, Rating.HTTNV, result_sure=False, result_confirms=True)
    assert decide_row(leaning, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # … nor without the ballots cast known for sure
    assert decide_row(confirmed, cast=12, limit=12, cast_sure=False).confidence < REVIEW_BELOW


def test_tally_row_result_named_by_ocr_and_by_shape_each_unsure_confirms_votes_read_alone() -> None:
    counts = ({0: 8.0}, {7: 8.0, 1: 1.0}, {4: 8.0}, {1: 8.0, 7: 1.0})  # 0/7/4/1 of 12: HTTNV
    one_reading = RatingMatch(Rating.HTTNV, 0.5, votes=1)
    row = RowReading(_FOUR, counts, Rating.HTTNV, result_shape=ShapeGuess(Rating.HTTNV, 0.6),
                     result_written=(one_reading, 80.0))
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1) and decision.result is Rating.HTTNV
    assert decision.confidence >= REVIEW_BELOW
    # the shape model naming another rating, or the result the shape model's alone (no OCR
    # reading: it would agree with itself), or a writing cut at the cell's left ruling: a person looks
    shape_other = replace(row, result_shape=ShapeGuess(Rating.HTNV, 0.6))
    by_shape_alone = replace(row, result_written=(RatingMatch(Rating.HTTNV, 0.4, shape_probability=0.6), 80.0))
    cut = replace(row, result_cut=True)
    for unsure in (shape_other, by_shape_alone, cut):
        assert decide_row(unsure, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # the reading, however confirmed, is still to be the votes' outcome, on votes the digits decide
    slip = replace(row, result=Rating.HTNV, result_shape=ShapeGuess(Rating.HTNV, 0.6),
                   result_written=(RatingMatch(Rating.HTNV, 0.5, votes=1), 80.0))
    assert decide_row(slip, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    open_votes = replace(row, counts=({0: 8.0}, {6: 1.0, 2: 1.0}, {4: 6.0}, {2: 1.0, 6: 1.0}))
    assert decide_row(open_votes, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    assert decide_row(row, cast=12, limit=12, cast_sure=False).confidence < REVIEW_BELOW


def test_tally_row_result_as_long_as_the_votes_outcome_confirms_it() -> None:
    counts = ({0: 8.0}, {7: 8.0, 1: 1.0}, {4: 8.0}, {1: 8.0, 7: 1.0})  # 0/7/4/1 of 12: HTTNV
    five = frozenset({Rating.HTTNV, Rating.KHTNV})
    # a script neither OCR nor the shape model reads (their guess: HTXSNV), five letters wide
    row = RowReading(_FOUR, counts, Rating.HTXSNV, result_lengths=five)
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 7, 4, 1) and decision.result is Rating.HTTNV
    assert decision.confidence >= REVIEW_BELOW
    # the clerk wrote HTNV, four letters: not what the votes give, a person looks
    slip = RowReading(_FOUR, counts, None, result_lengths=frozenset({Rating.HTNV}))
    assert decide_row(slip, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # five letters, but the reading says KHTNV, the other rating of that length
    twin = RowReading(_FOUR, counts, Rating.KHTNV, result_lengths=five)
    assert decide_row(twin, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # OCR and the shape model agree on another rating: the length does not overrule them
    read_other = RowReading(_FOUR, counts, Rating.HTXSNV, result_confirms=True, result_lengths=five)
    assert decide_row(read_other, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    # the length never settles votes the digits leave open, nor a sum not known for sure
    open_votes = RowReading(_FOUR, ({0: 8.0}, {6: 1.0, 2: 1.0}, {4: 6.0}, {2: 1.0, 6: 1.0}), result_lengths=five)
    assert decide_row(open_votes, cast=12, limit=12, cast_sure=True).confidence < REVIEW_BELOW
    assert decide_row(row, cast=12, limit=12, cast_sure=False).confidence < REVIEW_BELOW


def test_a_number_the_sum_puts_in_a_cell_read_as_another_is_no_rival() -> None:
    """Dev `doc_0001`: 3/7/2/0 of 12, its 7 read mostly as 2. 8/2/2/0 adds up too, but only with
    the clear 3 made an 8 by the sum: it can never be taken, and no longer keeps the digits'
    reading from leading, which the five-letter result then confirms."""
    five = frozenset({Rating.HTTNV, Rating.KHTNV})
    row = RowReading(_FOUR, ({3: 12.0, 5: 3.0}, {2: 11.0, 7: 1.0}, {2: 16.0}, {0: 16.0}), Rating.HTTNV,
                     result_lengths=five)
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (3, 7, 2, 0) and decision.result is Rating.HTTNV
    assert decision.confidence >= REVIEW_BELOW
    # a 0 the sum leaves stays a rival, however weakly its cell read it (a 0 goes with its ruling):
    # generated minutes, 0/2/5/0 of 7 written, 0/2/3/2 read a little better
    row = RowReading(_FOUR, ({0: 16.0}, {2: 21.0, 3: 3.0}, {5: 1.94, 3: 1.88}, {1: 3.0, 2: 2.66, 3: 3.0, 9: 0.8, 0: 0.36}),
                     Rating.HTNV, result_lengths=frozenset({Rating.HTNV}))
    assert decide_row(row, cast=7, limit=7, cast_sure=True).confidence < REVIEW_BELOW
    # … and so does any number in a cell read two ways nearly as often: 1/1/2/3 of 7 written, its
    # thin first 1 read 0 and 7, and 0/0/2/5 fits with a 5 read twice in thirty
    thin_one = ({0: 2.64, 7: 1.8}, {1: 1.0, 8: 2.0, 14: 1.0, 4: 1.0, 84: 1.0, 0: 1.49, 7: 1.65, 9: 1.0},
                {32: 2.0, 2: 2.0, 52: 1.99, 22: 1.29}, {3: 20.0, 88: 2.0, 5: 2.0, 53: 1.0, 9: 4.0, 93: 1.0})
    row = RowReading(_FOUR, thin_one, Rating.KHTNV, True, True, result_lengths=five)
    assert decide_row(row, cast=7, limit=7, cast_sure=True).confidence < REVIEW_BELOW


def test_results_named_by_shape_alone_confirm_the_votes_only_where_the_model_reads_the_hand() -> None:
    # rows whose digits decide their votes of 12 alone: 0/7/4/1 gives HTTNV, 8/2/1/1 HTXSNV, 0/1/2/9 KHTNV
    counts = [({0: 8.0}, {7: 8.0}, {4: 8.0}, {1: 8.0}), ({8: 8.0}, {2: 8.0}, {1: 8.0}, {1: 8.0}),
              ({0: 8.0}, {1: 8.0}, {2: 8.0}, {9: 8.0})]
    outcomes = [Rating.HTTNV, Rating.HTXSNV, Rating.KHTNV]

    def sure_rows(results: list[Rating], probability: float, rows: int = 3, read: Rating | None = None) -> list[bool]:
        """Each row's result named by the shape model alone, or the last one's read as `read` by OCR and
        the shape model together."""
        table = [RowReading(_FOUR, c, r, result_shape=ShapeGuess(r, probability), result_by_shape=True)
                 for c, r in zip(counts, results, strict=True)][:rows]
        if read is not None:
            table[-1] = replace(table[-1], result=read, result_confirms=True, result_by_shape=False)
        return [d.confidence >= REVIEW_BELOW for d in decide_table(table, {12: 1.0}, 12, True)[1]]

    # a script no OCR reads, whose shape names every row's outcome clearly: the model reads this hand
    assert sure_rows(outcomes, 0.99) == [True, True, True]
    # … not at a probability short of clear
    assert sure_rows(outcomes, 0.9) == [False, False, False]
    # one row's written result is not its votes' outcome (the writer's slip, or the model misreading
    # the hand): no row's shape confirms its votes, the slip is not brought into line with them
    assert sure_rows([Rating.HTTNV, Rating.HTXSNV, Rating.HTNV], 0.99) == [False, False, False]
    # … nor when the model misreads a row OCR read: it does not read this hand
    assert sure_rows([Rating.HTTNV, Rating.HTXSNV, Rating.HTNV], 0.99, read=Rating.KHTNV) == [False, False, True]
    # two rows say too little of the hand
    assert sure_rows(outcomes, 0.99, rows=2) == [False, False]


def test_results_no_reading_names_are_measured_in_the_hand_their_votes_outcomes_show() -> None:

    # rows whose digits decide their votes of 12 alone: HTTNV, HTXSNV, KHTNV, HTNV; a script no
    # OCR reads and the shape model does not know, 20 px a letter
    counts = [({0: 8.0}, {7: 8.0}, {4: 8.0}, {1: 8.0}), ({8: 8.0}, {2: 8.0}, {1: 8.0}, {1: 8.0}),
              ({0: 8.0}, {1: 8.0}, {2: 8.0}, {9: 8.0}), ({0: 8.0}, {2: 8.0}, {9: 8.0}, {1: 8.0})]

    def decided(widths: list[float]) -> list[tuple[Rating | None, bool]]:
        table = [RowReading(_FOUR, c, None, result_written=(RatingMatch(None, 0.0), w))
                 for c, w in zip(counts, widths, strict=True)]
        return [(d.result, d.confidence >= REVIEW_BELOW) for d in decide_table(table, {12: 1.0}, 12, True)[1]]

    assert decided([100.0, 121.0, 98.0, 82.0]) == [(Rating.HTTNV, True), (Rating.HTXSNV, True),
                                                 (Rating.KHTNV, True), (Rating.HTNV, True)]
    # the clerk wrote HTTNV for the last row, whose votes give HTNV: a letter too long, a person looks
    assert decided([100.0, 121.0, 98.0, 101.0])[3][1] is False
    # … and with the sum not known for sure, nothing is measured
    table = [RowReading(_FOUR, c, None, result_written=(RatingMatch(None, 0.0), 100.0)) for c in counts[:1]]
    assert decide_table(table, {}, None, False)[1][0].confidence < REVIEW_BELOW


@pytest.mark.slow
def test_a_minutes_result_ocr_leaves_open_is_confirmed_by_the_same_hand_s_sure_results(tmp_path: Path) -> None:
    """Dev `doc_0005`, a scanner's grey PNG, sent on as a JPEG of quality 80: the copperplate
    "HTTNV" of its second row read as nothing to OCR and as KHTNV to the shape model at 0.98, and
    the row, its votes 0/5/0/0 sure, went to a person. It is written as the surely read HTTNV
    of the fourth row is, and that is what the votes give."""
    path, truth = _corpus_file("doc_0005")
    jpeg = tmp_path / "doc_0005.jpg"
    cv2.imwrite(str(jpeg), cv2.imread(str(path), cv2.IMREAD_COLOR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    (form,) = read_scan_pages(image_pages(jpeg, jpeg.name), jpeg.name, Pictures())
    want = truth["forms"][0]["tallies"]  # type: ignore[index]
    assert [(t.name, {k.value: v for k, v in t.votes.items()}, t.result and t.result.value) for t in form.tallies] == [
        (t["name"], t["votes"], t["result"]) for t in want]
    assert all(t.confidence >= REVIEW_BELOW for t in form.tallies)


def test_an_unsure_result_guess_its_length_rules_out_gives_way() -> None:
    open_votes = ({0: 8.0}, {6: 1.0, 2: 1.0}, {4: 6.0}, {2: 1.0, 6: 1.0})  # left to a person either way
    # the shape model's unsure HTXSNV is four letters wide: the reviewer is shown HTNV
    four = RowReading(_FOUR, open_votes, Rating.HTXSNV, result_lengths=frozenset({Rating.HTNV}))
    decision = decide_row(four, cast=12, limit=12, cast_sure=True)
    assert decision.result is Rating.HTNV and decision.confidence < REVIEW_BELOW
    # five letters wide: of HTTNV and KHTNV, the outcome of the votes chosen (0/7/4/1 or 0/1/4/7 of 12)
    either = ({0: 8.0}, {7: 1.0, 1: 1.0}, {4: 6.0}, {1: 1.0, 7: 1.0})
    five = RowReading(_FOUR, either, Rating.HTXSNV, result_lengths=frozenset({Rating.HTTNV, Rating.KHTNV}))
    decision = decide_row(five, cast=12, limit=12, cast_sure=True)
    assert decision.confidence < REVIEW_BELOW
    assert decision.result is (Rating.HTTNV if decision.votes[1] == 7 else Rating.KHTNV)
    # … nor does it lean the votes: a "10" read mostly as 0 stays where the five letters put it (a
    # dev minutes row, 0/10/2/0 of 12, came out 10/0/2/0 under the guess)
    lost_one = ({0: 28.0, 8: 4.0}, {0: 15.0, 10: 4.5, 20: 0.8}, {2: 16.0}, {0: 10.0, 2: 1.0})
    row = RowReading(_FOUR, lost_one, Rating.HTXSNV, result_lengths=frozenset({Rating.HTTNV, Rating.KHTNV}))
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 10, 2, 0) and decision.result is Rating.HTTNV
    # … which the digits decide alone (no other cell was read as 10), and the length confirms
    assert decision.confidence >= REVIEW_BELOW
    # where another cell was read as 10 too, the digits leave the row open: leaned on by the
    # length alone, a person confirms
    both = ({0: 28.0, 10: 4.0}, {0: 15.0, 10: 4.5, 20: 0.8}, {2: 16.0}, {0: 10.0, 2: 1.0})
    decision = decide_row(replace(row, counts=both), cast=12, limit=12, cast_sure=True)
    assert decision.votes == (0, 10, 2, 0) and decision.result is Rating.HTTNV
    assert decision.confidence < REVIEW_BELOW
    # a guess the length allows stays, and so does any guess when the page gives no scale
    kept = RowReading(_FOUR, open_votes, Rating.HTNV, result_lengths=frozenset({Rating.HTNV}))
    assert decide_row(kept, cast=12, limit=12, cast_sure=True).result is Rating.HTNV
    unscaled = RowReading(_FOUR, open_votes, Rating.HTXSNV)
    assert decide_row(unscaled, cast=12, limit=12, cast_sure=True).result is Rating.HTXSNV


def test_a_clear_shape_reading_of_another_length_disputes_the_width() -> None:
    from parsers.scan_rating import GUESS

    five = frozenset({Rating.HTTNV, Rating.KHTNV})
    assert RatingMatch(Rating.HTXSNV, GUESS, shape_probability=0.97).disputes(five)
    assert not RatingMatch(Rating.HTXSNV, GUESS, shape_probability=0.5).disputes(five)
    assert not RatingMatch(Rating.HTTNV, GUESS, shape_probability=0.97).disputes(five)
    assert not RatingMatch(None, 0.0).disputes(five)


def test_tally_row_with_inconsistent_readings_is_flagged() -> None:
    # the readings add up to 13, not 12: the value forced by the sum was never read
    row = RowReading(_FOUR, ({0: 8.0}, {8: 6.0}, {4: 6.0}, {1: 4.0}), Rating.HTTNV, True)
    decision = decide_row(row, cast=12, limit=12, cast_sure=True)
    assert decision.confidence < REVIEW_BELOW
    # a result that contradicts the votes is never overwritten, and the row is flagged
    wrong = RowReading(_FOUR, ({0: 8.0}, {7: 6.0}, {4: 6.0}, {1: 4.0}), Rating.KHTNV, True)
    decided = decide_row(wrong, cast=12, limit=12, cast_sure=True)
    assert decided.confidence < REVIEW_BELOW
    assert decided.result is Rating.KHTNV


def test_tally_table_sum_agreed_by_rows_when_count_lines_unread() -> None:
    rows = [
        RowReading(_FOUR, ({0: 8.0}, {7: 6.0}, {4: 6.0}, {1: 4.0}), Rating.HTTNV, True),
        RowReading(_FOUR, ({2: 8.0}, {5: 6.0}, {3: 6.0}, {2: 4.0}), Rating.HTTNV, True),
        RowReading(_FOUR, ({0: 8.0}, {0: 6.0}, {4: 6.0}, {8: 4.0}), Rating.KHTNV, True),
    ]
    cast, decisions = decide_table(rows, {}, None, False)
    assert cast == 12
    assert [d.confidence >= REVIEW_BELOW for d in decisions] == [True, True, True]
    unsure_result = [RowReading(_FOUR, r.counts, r.result, False) for r in rows]
    _, flagged = decide_table(unsure_result, {12: 1.0}, 12, True)
    assert all(d.confidence < REVIEW_BELOW for d in flagged)


def _fraction_cell(text: str, second_line: str | None = None) -> np.ndarray:
    """A cell with 'HTTNV 4/6/7' (or the numbers on a line of their own) drawn in a plain font."""
    image = Image.new("L", (420, 130 if second_line else 80), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 30)
    draw.text((14, 16), text, font=font, fill=0)
    if second_line:
        draw.text((40, 66), second_line, font=font, fill=0)
    return np.array(image)


def test_mau06_numbers_on_a_line_of_their_own_are_told_from_numbers_after_the_rating() -> None:
    from parsers.scan_tally import numbers_below

    assert numbers_below(_fraction_cell("HTXSNV", "12/21/22"))
    assert not numbers_below(_fraction_cell("HTXSNV 12/21/22"))
    assert not numbers_below(np.zeros((0, 0), np.uint8))


def test_two_lines_run_together_are_cut_apart_by_the_columns_line_height() -> None:
    """A hand whose letters reach down into the numbers written under them ("HTTNV" over "4/6/7"
    in dev doc_0012): the glyphs span both lines, their middles tell no two lines apart, and the
    cell read no numbers. Twice as tall as the column's other cells, it is cut at its ink's
    emptiest middle row; a cell of one line is not cut."""
    from parsers.scan_tally import glyph_candidates, line_height, numbers_below, split_fraction

    font = ImageFont.truetype(str(HAND), 30)

    def cell(text: str, numbers: str | None = None) -> np.ndarray:
        image = Image.new("L", (300, 100), 255)
        draw = ImageDraw.Draw(image)
        draw.text((14, 8), text, font=font, fill=0)
        if numbers:
            draw.text((30, 32), numbers, font=font, fill=0)
        return np.array(image)

    joined = cell("HTTNV", "4/6/7")
    one_line = [cell(text) for text in ("HTTNV (4/6/7)", "HTNV 5/6/7", "KHTNV (1/6/7)")]
    line = line_height([*one_line, joined])
    assert split_fraction(joined) is None  # alone, nothing tells its two lines apart
    assert numbers_below(joined, line)
    assert not any(numbers_below(c, line) for c in one_line)
    parts = split_fraction(joined, line)
    assert parts is not None and parts.letters is not None
    numbers = [glyph_candidates(n, 200) if n is not None else {} for n in parts.numbers]
    assert [max(c, key=lambda v: c[v]) for c in numbers] == [4, 6, 7]


@pytest.mark.parametrize(("votes", "read"), [("5", 5), ("15", 15)])
def test_an_opening_parenthesis_drawn_straight_is_told_by_the_closing_one(votes: str, read: int) -> None:
    """A slanted hand's '(' may bow by a pixel (dev doc_0012's "(5/6/7)", its votes read 75). With
    a ')' after the total, a thin straight glyph before the votes' digit is the '(' unless another
    such glyph stands right beyond it: "(15/" keeps its 1."""
    from parsers.scan_tally import glyph_candidates, split_fraction

    image = Image.new("L", (420, 80), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 30)
    draw.text((14, 16), "HTNV", font=font, fill=0)
    x = draw.textbbox((14, 16), "HTNV", font=font)[2] + 16
    draw.line([(x, 52), (x + 8, 20)], fill=0, width=3)  # '(' as a straight slanted stroke
    draw.text((x + 10, 16), f"{votes}/6/7)", font=font, fill=0)
    parts = split_fraction(np.array(image))
    assert parts is not None and parts.numbers[0] is not None
    found = glyph_candidates(parts.numbers[0], 200)
    assert max(found, key=lambda v: found[v]) == read


@pytest.mark.parametrize(("one", "two"), [("HTTNV (4/6/7)", None), ("HTTNV", "04/06/07")])
def test_mau06_cell_splits_into_letters_and_three_numbers(one: str, two: str | None) -> None:
    from parsers.scan_tally import split_fraction

    parts = split_fraction(_fraction_cell(one, two))
    assert parts is not None
    assert parts.letters is not None and all(n is not None for n in parts.numbers)
    letters_w = parts.letters.shape[1]
    widths = [n.shape[1] for n in parts.numbers if n is not None]
    assert letters_w > max(widths)  # the letters are not taken for a number, nor a number for letters
    assert split_fraction(_fraction_cell("HTTNV")) is None  # no slashes: not a vote cell


@pytest.mark.parametrize(("text", "numbers"), [("HTNV 4/1/10", [4, 1, 10]), ("HTNV 9/9/10", [9, 9, 10]),
                                               ("HTNV 4//10", None)])
def test_a_leaning_hands_slashes_are_told_apart_by_their_middles(text: str, numbers: list[int] | None) -> None:
    """A slanted hand's slashes lean over the narrow digit between them, their boxes a few pixels
    apart: they are a pair when their middles are a digit apart with a glyph between them; two
    slashes with nothing between them are not."""
    from parsers.scan_tally import glyph_candidates, split_fraction

    cell = _fraction_cell(text)
    h, w = cell.shape
    leaning = cv2.warpAffine(cell, np.float32([[1, -0.35, 0.35 * h], [0, 1, 0]]), (w + h, h), borderValue=255)
    parts = split_fraction(leaning)
    if numbers is None:
        assert parts is None
        return
    assert parts is not None
    read = [glyph_candidates(n, 200) if n is not None else {} for n in parts.numbers]
    assert [max(r, key=lambda v: r[v]) for r in read] == numbers


@pytest.mark.parametrize("text", ["HTTNV 5/8/8", "HTNV 14/23/24"])
def test_mau06_votes_after_a_space_are_cut_from_the_ratings_last_letter(text: str) -> None:
    """The votes follow the rating a space apart: its last letter (close to the others) is no
    digit of theirs ("V 5" was read 85), while a second digit close to the first is."""
    from parsers.scan_tally import split_fraction

    parts = split_fraction(_fraction_cell(text))
    assert parts is not None
    votes, present, _ = parts.numbers
    assert votes is not None and present is not None
    assert abs(votes.shape[1] - present.shape[1]) <= 0.3 * present.shape[1]  # as many glyphs as the present's


@pytest.mark.parametrize(("one", "two"), [("HTTNV (4/6/7)", None), ("HTTNV", "04/06/07"), ("HTNV 12/16/19", None)])
def test_mau06_cell_is_read_whole_as_a_second_reader(one: str, two: str | None) -> None:
    from parsers.scan_tally import read_whole

    cell = _fraction_cell(one, two)
    expected = tuple(int(n) for n in (two or one.split()[-1]).strip("()").split("/"))
    (reading,) = read_whole([cell], 200)
    assert reading.numbers == expected
    assert reading.letters == one.split()[0]
    (bare,) = read_whole([_fraction_cell("HTTNV")], 200)
    assert bare.numbers is None  # a rating alone holds no vote


def test_mau06_cell_in_a_small_leaning_hand_is_read_again_stood_upright() -> None:
    """Tesseract loses a small oblique hand's slanted slashes and digits (generated summary seed 1,
    0029: 3 of its 8 branch cells showed 'a/b/c'); stood upright, the cell reads, its numbers are
    cut where that reading placed them on the upright cell, and its letters from the cell as written."""
    from parsers.scan_tally import _read_whole_as, parts_at, read_whole

    image = Image.new("L", (300, 90), 255)
    ImageDraw.Draw(image).text((20, 25), "HTTNV 23/26/27", font=ImageFont.truetype(str(HAND_OBLIQUE), 22), fill=60)
    lean = 0.2  # leaning further than the face: the top moved right
    cell = cv2.warpAffine(np.array(image), np.array([[1.0, -lean, lean * 90], [0.0, 1.0, 0.0]], np.float32),
                          (318, 90), borderValue=255)
    (as_written,) = _read_whole_as([cell], 200)
    assert as_written.numbers is None
    (reading,) = read_whole([cell], 200)
    assert reading.numbers == (23, 26, 27) and reading.upright
    parts = parts_at(cell, reading)
    assert parts is not None and parts.letters is not None and all(n is not None for n in parts.numbers)
    _, ink = cv2.threshold(cell, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink_right = int(np.flatnonzero(ink.any(axis=0))[-1])
    assert parts.letters.shape[1] - 24 < 0.55 * ink_right  # the letters alone (on a 12-pixel margin), no digit


def test_mau06_cell_cut_where_the_whole_reading_saw_its_numbers() -> None:
    """Where the split finds no two slashes apart, the numbers are cut where the whole reading
    placed them, parentheses wiped out, for the split's readers to read on their own."""

    from parsers.scan_tally import glyph_candidates, parts_at, read_whole

    cell = _fraction_cell("HTTNV (12/16/19)")
    (reading,) = read_whole([cell], 200)
    assert reading.numbers == (12, 16, 19) and reading.places is not None
    parts = parts_at(cell, reading)
    assert parts is not None
    numbers = [glyph_candidates(n, 200) if n is not None else {} for n in parts.numbers]
    assert [max(c, key=lambda v: c[v]) for c in numbers] == [12, 16, 19]
    assert parts_at(cell, replace(reading, places=None)) is None


@pytest.mark.parametrize("size", [20, 28])
def test_only_the_numbers_opening_and_closing_glyphs_can_be_parentheses(size: int) -> None:
    """A narrow italic 2 or 3 bows like ')': wiped out as one, the present "24" read 4 and the
    total "24)" 42 (generated summary seed 2, 0030, written in P052 Italic). Only the votes'
    first glyph can be '(' and the total's last ')', which at a small size is a hairline."""
    from parsers.scan_tally import glyph_candidates, parts_at, read_whole

    image = Image.new("L", (320, 80), 255)
    ImageDraw.Draw(image).text((20, 25), "HTTNV (13/24/23)", font=ImageFont.truetype(str(ITALIC_SERIF), size), fill=40)
    cell = np.array(image)
    (reading,) = read_whole([cell], 200)
    assert reading.numbers == (13, 24, 23)
    parts = parts_at(cell, reading)
    assert parts is not None
    numbers = [glyph_candidates(n, 200) if n is not None else {} for n in parts.numbers]
    assert [max(c, key=lambda v: c[v]) for c in numbers] == [13, 24, 23]


@pytest.mark.parametrize("letters", [1, 2])
def test_a_votes_span_reaching_over_the_last_letters_keeps_the_two_glyphs_nearest_the_slash(letters: int) -> None:
    """Tesseract may box the rating's last letter as a sliver ('V' at its left edge), so the votes'
    span, drawn from that box, takes the V's ink in: the classifier then saw three glyphs and read
    nothing. A count has at most two digits, so only the two glyphs nearest the slash are read (a
    one-digit count keeps the letter beside it, which may be a digit the reading dropped: the two
    readers then disagree)."""

    from parsers.scan_tally import glyph_candidates, parts_at, read_whole

    cell = _fraction_cell("HTNV 25/26/28")
    (reading,) = read_whole([cell], 200)
    assert reading.places is not None
    (x0, y0, x1, y1), present, total = reading.places
    _, ink = cv2.threshold(cell, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    lefts = sorted((int(s[0]) for s in stats[1:] if s[0] + s[2] <= x0 + 2), reverse=True)  # the letters' ink
    parts = parts_at(cell, replace(reading, places=((lefts[letters - 1] - 2, y0, x1, y1), present, total)))
    assert parts is not None and parts.numbers[0] is not None
    read = glyph_candidates(parts.numbers[0], 200, by_ocr=False)
    assert max(read, key=lambda v: read[v]) == 25


def test_no_numbers_are_placed_beside_a_slash_whose_box_took_in_a_digit() -> None:
    """"17/26/27" read "7/26/27" with the 1 inside the '(' box, or "1/…" with the 7 inside the
    slash's: the number cut beside it would lose the digit, and two readers would agree on it."""
    from ocr.tesseract import Word
    from parsers.scan_tally import _places

    def chars(text: str, wide: int) -> list[Word]:
        out, x = [], 0
        for k, ch in enumerate(text):
            w = 40 if k == wide else 18
            out.append(Word(ch, 0.9, (x, 0, x + w, 40)))
            x += w + 4
        return out

    assert _places(chars("(12/16/19)", wide=-1), 0) is not None
    assert _places(chars("(1/16/19)", wide=2), 0) is None  # the slash's box holds the 2 as well
    assert _places(chars("(7/16/19)", wide=0), 0) is None  # the parenthesis's box holds the 1
    sloppy = chars("(12/16/19)", wide=-1)
    last, nine = sloppy[-1], sloppy[-2]
    sloppy[-1] = Word(")", 0.9, (nine.box[0] + 8, 0, last.box[2] + 4, 40))  # over the 9, as at a line's end
    assert _places(sloppy, 0) is not None


@pytest.mark.parametrize("grey", [0, 150, 180])
def test_a_pale_pens_number_is_read_like_a_dark_ones(grey: int) -> None:
    """A pale pen's strokes (grey 150–180 on a white cell, softened by the scan) are ink: a
    number cut where the whole reading placed it is kept, and the classifier sees its glyphs
    whole ("25" in grey 180 fell apart into a 2 and a fragment, read 23)."""
    from parsers.scan_tally import _classified, _padded

    number = np.full((60, 90), 255, np.uint8)
    cv2.putText(number, "25", (12, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.3, grey, 3)
    number = cv2.GaussianBlur(number, (5, 5), 0)
    assert _padded(number) is not None
    read = _classified(number)
    assert max(read, key=lambda v: read[v]) == 25


def test_faint_dirt_is_not_stretched_into_writing() -> None:
    from parsers.scan_tally import _glyphs, _padded

    smudge = np.full((60, 90), 255, np.uint8)
    cv2.putText(smudge, "25", (12, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 205, 3)  # lighter than any pen
    assert _glyphs(smudge)[2] is None
    assert _padded(smudge) is None


def test_a_two_glyph_number_is_no_one_digit_reading_unless_it_begins_with_a_zero() -> None:
    from parsers.scan_tally import _two_glyphs_without_zero

    bar_and_seven = np.full((60, 70), 255, np.uint8)
    cv2.line(bar_and_seven, (18, 14), (18, 46), 0, 3)  # a 1 written as a bare bar
    cv2.putText(bar_and_seven, "7", (28, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    assert _two_glyphs_without_zero(bar_and_seven)
    for start, end in ((0, 360), (240, 560), (-60, 260)):  # closed, open at the top right, open at the bottom right
        zero_and_seven = np.full((60, 80), 255, np.uint8)
        cv2.ellipse(zero_and_seven, (22, 30), (9, 16), 0, start, end, 0, 3)
        cv2.putText(zero_and_seven, "7", (38, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
        assert not _two_glyphs_without_zero(zero_and_seven), (start, end)
    vee_and_seven = np.full((60, 80), 255, np.uint8)  # a V is open at its top: no zero
    cv2.polylines(vee_and_seven, [np.array([(12, 14), (22, 46), (32, 14)])], False, 0, 3)
    cv2.putText(vee_and_seven, "7", (40, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    assert _two_glyphs_without_zero(vee_and_seven)


def test_mau06_cell_numbers_found_when_a_letter_runs_into_a_slash() -> None:
    """A hurried hand drags the rating's first letter down into the first slash: the two lines
    are cut apart where the numbers begin, so the slash is found again."""
    from parsers.scan_tally import split_fraction

    joined = _fraction_cell("HTTNV", "04/06/07")  # H at x 16–39, y 22–44; first slash x 78–88, y 72–97
    cv2.line(joined, (30, 44), (87, 72), 0, 2)  # the H's tail, down over "04" onto the slash's top
    parts = split_fraction(joined)
    assert parts is not None
    assert all(n is not None for n in parts.numbers)


def test_mau06_column_accepts_the_one_consistent_reading() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    # present read 8 on one row, but total is 7 on every row: present must be 6
    rows = [
        FractionRow(({4: 3.0}, {6: 3.0}, {7: 3.0}), (4, 6, 7)),
        FractionRow(({5: 3.0, 8: 0.5}, {8: 2.0, 6: 1.5}, {7: 3.0}), (5, 8, 7)),
        FractionRow(({6: 3.0}, {6: 3.0}, {7: 2.0, 1: 0.3}), (6, 6, 7)),
    ]
    decisions = decide_fractions(rows)
    assert [d.values for d in decisions] == [(4, 6, 7), (5, 6, 7), (6, 6, 7)]
    assert decisions[0].confidence >= SURE and decisions[2].confidence >= SURE


def test_mau06_column_flags_ambiguity_and_unread_values() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    split = [
        FractionRow(({4: 2.0}, {6: 1.0, 5: 1.0}, {7: 1.0, 6: 1.0}), None),
        FractionRow(({4: 2.0}, {5: 1.0, 6: 1.0}, {6: 1.0, 7: 1.0}), None),
    ]
    assert all(d.confidence < SURE for d in decide_fractions(split))
    unread = [
        FractionRow(({4: 3.0}, {6: 3.0}, {7: 3.0}), (4, 6, 7)),
        FractionRow((None, {6: 3.0}, {7: 3.0}), None),
        FractionRow(({4: 1.0, 3: 1.0}, {6: 3.0}, {7: 3.0}), None),
    ]
    decisions = decide_fractions(unread)
    assert decisions[0].confidence >= SURE
    assert decisions[1].confidence < SURE  # votes not read
    assert decisions[2].confidence < SURE  # votes read two ways


def test_mau06_votes_are_sure_only_when_both_readers_read_them() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    # the split lost the 1 of "21" (run into its slash); the whole cell's reading still shows it
    rows = [
        FractionRow(({2: 8.0}, {27: 8.0}, {29: 8.0}), (21, 27, 29)),
        FractionRow(({17: 8.0}, {27: 8.0}, {29: 8.0}), (17, 27, 29)),
        FractionRow(({20: 8.0}, {27: 8.0}, {29: 8.0}), (20, 27, 29)),
        FractionRow((None, None, None), (15, 27, 29)),
    ]
    decisions = decide_fractions(rows)
    assert [d.values[1:] for d in decisions] == [(27, 29)] * 4
    assert decisions[0].confidence < SURE
    assert decisions[1].confidence >= SURE and decisions[2].confidence >= SURE
    assert decisions[3].values[0] == 15 and decisions[3].confidence < SURE  # one reader only


def test_mau06_votes_the_split_names_among_others_do_not_second_the_whole_reading() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    # "14" whose 1 ran into its 4: one glyph, read 4 by both readers, but by the split's
    # readers hardly more than 1 or 8
    rows = [
        FractionRow(({4: 2.4, 1: 2.0, 8: 1.5}, {23: 8.0}, {26: 8.0}), (4, 23, 26)),
        FractionRow(({16: 8.0}, {23: 8.0}, {26: 8.0}), (16, 23, 26)),
        FractionRow(({20: 8.0}, {23: 8.0}, {26: 8.0}), (20, 23, 26)),
    ]
    decisions = decide_fractions(rows)
    assert decisions[0].values == (4, 23, 26) and decisions[0].confidence < SURE
    assert decisions[1].confidence >= SURE and decisions[2].confidence >= SURE



def test_mau06_present_most_votes_exceed_is_not_sure() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    # "20" present read 1 on every row (its 0 lost): every row agrees on 1/23, but their votes
    # (13, 17, 14 …) cannot have come from one member present
    rows = [FractionRow(({votes: 8.0}, {1: 8.0, 6: 1.0}, {23: 8.0}), (votes, 1, 23)) for votes in (13, 17, 14, 1)]
    assert all(d.confidence < SURE for d in decide_fractions(rows))
    # one row's votes over the present (misread 71 for 7) leaves the others sure
    rows = [FractionRow(({votes: 8.0}, {20: 8.0}, {23: 8.0}), (votes, 20, 23)) for votes in (13, 17, 71, 19)]
    assert [d.confidence >= SURE for d in decide_fractions(rows)] == [True, True, False, True]

def test_mau06_pair_half_the_rows_read_is_the_meeting_s() -> None:
    """Generated summaries seed 1, `0011`: "12/14" read on 4 of 8 rows, the others each losing a
    digit their own way; the pair leads by two rows' worth, which floating point made 1.999…"""
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    clear = [FractionRow(({votes: 1.0}, {12: 1.0}, {14: 1.0}), (votes, 12, 14)) for votes in (7, 12, 9, 11)]
    lost = [FractionRow(({7: 1.0}, {2: 0.6, 12: 0.4}, {14: 1.0}), None),
            FractionRow(({8: 1.0}, {12: 1.0}, {4: 0.7, 44: 0.3}), None),
            FractionRow(({4: 1.0}, {1: 1.0}, {14: 1.0}), (4, 1, 14)),
            FractionRow(({10: 1.0}, {12: 1.0}, {44: 1.0}), (10, 12, 44))]
    decisions = decide_fractions(clear + lost)
    assert [d.values[1:] for d in decisions] == [(12, 14)] * 8
    assert [d.confidence >= SURE for d in decisions] == [True] * 4 + [False] * 4
    # three of eight are not enough
    decisions = decide_fractions(clear[:3] + lost + [FractionRow(({9: 1.0}, {1: 1.0}, {4: 1.0}), (9, 1, 4))])
    assert all(d.confidence < SURE for d in decisions)


# ------------------------------------------------------------------ row identity by alignment
def _mau05_cues(overrides: dict[int, tuple[str, float, str]]) -> list[RowCue]:
    """The 13 data rows of Mẫu 05 as OCR would read them cleanly, with some rows overridden
    (index → TT text, TT confidence, label)."""
    definition = catalog()["2018/mau-05"]
    cues = [RowCue(e.number, 0.95, None, e.label) for e in expected_rows(definition)]
    for k, (text, confidence, label) in overrides.items():
        cues[k] = RowCue(text, confidence, None, label)
    return cues


def _criteria_definitions() -> list[FormDefinition]:
    return [d for d in catalog() if any(c.max_points is None for c in d.criteria)]


def test_unreadable_tt_cell_maps_by_label_and_order() -> None:
    # Row 3 of section I ('3', Ý thức tổ chức kỷ luật) and section III: TT unreadable or misread.
    section_iii = "Kết quả thực hiện cam kết tu đưỡng, rèn luyện, phấn đấu hằng năm."
    cues = _mau05_cues({3: ("", 0.0, "Ý thức tố chức kỷ luật"), 9: ("I", 0.0, section_iii)})
    found = align(cues, _criteria_definitions())
    assert found[3] == Assigned("3", SURE, True)
    assert found[9] is not None and found[9].number == "III" and found[9].sure
    assert all(f is not None and f.sure for f in found)


def test_alignment_by_position_only_stays_flagged() -> None:
    # Neither number nor label readable: the row's place says '3', but nothing confirms it.
    cues = _mau05_cues({3: ("", 0.0, "")})
    found = align(cues, _criteria_definitions())
    assert found[3] is not None and found[3].number == "3"
    assert not found[3].sure and found[3].confidence < REVIEW_BELOW


def test_alignment_contradicted_by_a_sure_number_stays_flagged() -> None:
    # The label says 'Ý thức tổ chức kỷ luật' (row 3), the TT cell reads '7' for sure: ambiguous.
    cues = _mau05_cues({3: ("7", 0.95, "Ý thức tổ chức kỷ luật")})
    found = align(cues, _criteria_definitions())
    assert found[3] is None or not found[3].sure


def test_alignment_without_labels_matching_a_form_changes_nothing() -> None:
    cues = [RowCue(n, 0.95, None, "lorem ipsum dolor") for n in ("I", "1", "2", "II", "1")]
    assert align(cues, _criteria_definitions()) == [None] * len(cues)


def test_a_heading_whose_label_is_read_as_junk_is_placed_by_its_neighbours() -> None:
    """A blurred photo's bold "II" heading: its TT cell read nothing and its label '"nong' at no
    confidence. As a label, the junk argued against the heading it is; the alignment skipped the
    row, and II.1 and II.2 were numbered under section I. A word of no confidence is no witness:
    the row is the heading by its place (unsure), and the rows under it are II's."""
    from parsers.layout import Piece
    from parsers.scan_layout import _align_numbers, _Column, _Number
    from parsers.scan_text import WordLine

    expected = expected_rows(catalog()["2018/mau-05"])
    tt = [GridCell(r + 1, 0, 1, 1, (0, 40 * r, 40, 40 * r + 40)) for r in range(len(expected))]
    labels = [GridCell(r + 1, 1, 1, 1, (40, 40 * r, 400, 40 * r + 40)) for r in range(len(expected))]
    heading = next(k for k, e in enumerate(expected) if e.id == "II")
    readings = {cell: _Number("" if k == heading else e.number, 0.0 if k == heading else 0.95, None)
                for k, (cell, e) in enumerate(zip(tt, expected, strict=True))}
    texts = {cell: [WordLine([Word('"nong', 0.0, (40, 0, 90, 30))] if k == heading else
                             [Word(w, 0.95, (40, 0, 90, 30)) for w in e.label.split()])]
             for k, (cell, e) in enumerate(zip(labels, expected, strict=True))}
    numbers = {cell: Piece(readings[cell].text, confidence=readings[cell].confidence) for cell in tt}
    grid = Grid((0, 0, 400, 40 * len(expected)), [], [], [*tt, *labels])
    _align_numbers(grid, [_Column("tt"), _Column("text")], 1, readings, texts, numbers)
    assert numbers[tt[heading]].text == "II" and numbers[tt[heading]].confidence < REVIEW_BELOW
    assert [numbers[tt[k]].text for k in (heading + 1, heading + 2)] == ["1", "2"]


def test_scribble_beside_a_tick_is_cancelled_and_the_tick_kept() -> None:
    scribble = decide([CellInk(0.30, 0.5), CellInk(0.06, 0.4), CellInk(0.0), CellInk(0.0)])
    assert scribble[0].cancelled and not scribble[0].marked
    assert scribble[1].marked
    assert min(d.confidence for d in scribble) >= REVIEW_BELOW  # a zigzag of strokes: sure
    # A cell filled solid may be the mark itself, with a stray tick beside it: for a person.
    filled = decide([CellInk(0.30, 0.95), CellInk(0.06, 0.4), CellInk(0.0), CellInk(0.0)])
    assert filled[1].marked and min(d.confidence for d in filled) < REVIEW_BELOW
    # A lone dense mark (a filled circle, an overflowing cross) is a mark, not a cancellation.
    lone = decide([CellInk(0.0), CellInk(0.22), CellInk(0.0), CellInk(0.0)])
    assert lone[1].marked and not lone[1].cancelled


def test_scribble_spilling_into_a_third_cell_keeps_the_tick_flagged() -> None:
    spill = decide([CellInk(0.0), CellInk(0.045), CellInk(0.325), CellInk(0.013)])
    assert spill[1].marked and spill[1].confidence < REVIEW_BELOW
    assert spill[2].cancelled and not spill[3].marked
    # Two tick-like marks of like weight beside a scribble: no answer is taken for sure.
    two = decide([CellInk(0.0), CellInk(0.045), CellInk(0.325), CellInk(0.04)])
    assert not any(d.marked and d.confidence >= REVIEW_BELOW for d in two)


# A count line whose label OCR read loosely ("măt"), its handwritten number garbled.
LOOSE_LABEL = [
    ("-", 0.9, (0, 0, 5, 20)),
    ("Số", 0.97, (10, 0, 30, 20)),
    ("có", 0.97, (35, 0, 55, 20)),
    ("măt:", 0.9, (60, 0, 100, 20)),
    (".ØZ.#", 0.0, (110, 0, 160, 20)),
    ("đồng", 0.96, (170, 0, 210, 20)),
    ("chí", 0.96, (215, 0, 240, 20)),
]
# A tall handwritten "09" pulled the line above's "đảng" into the line, beginning over the label:
# taken for the unit, it would leave no room for the number.
LINE_ABOVE = [
    ("Số", 0.97, (265, 762, 300, 789)),
    ("có", 0.97, (310, 763, 342, 789)),
    ("mặt:", 0.9, (354, 764, 413, 794)),
    ("đăng", 0.5, (389, 716, 458, 781)),
    ("U49.", 0.75, (428, 748, 512, 789)),
    ("đồng", 0.96, (600, 762, 650, 789)),
    ("chí", 0.96, (655, 762, 680, 789)),
]


@pytest.mark.parametrize("words, number", [(LOOSE_LABEL, ".ØZ.#"), (LINE_ABOVE, "U49.")],
                         ids=["loose-label", "word-of-the-line-above"])
def test_count_line_label_number_and_unit_are_told_apart(
        words: list[tuple[str, float, tuple[int, int, int, int]]], number: str) -> None:
    from ocr.tesseract import Word
    from parsers.scan_counts import find_count_line

    found = find_count_line([Word(*w) for w in words])
    assert found is not None and found.key == "present"
    assert [w.text for w in found.value] == [number] and [w.text for w in found.unit] == ["đồng", "chí"]


def test_a_garbled_count_number_is_left_to_the_crops_reading() -> None:
    from ocr.tesseract import Word
    from parsers.scan_counts import find_count_line, page_digits

    found = find_count_line([Word(*w) for w in LOOSE_LABEL])
    assert found is not None and page_digits(found.value) == {}


def test_counts_unique_consistent_set_accepted() -> None:
    from parsers.scan_counts import SURE, decide_counts

    readings = {"total": {8: 6.0}, "present": {7: 6.0, 1: 0.5}, "returned": {7: 6.0}, "valid": {7: 5.5, 1: 1.0}}
    decided = decide_counts(readings, {7: 3.0})
    assert {k: d.value for k, d in decided.items()} == {"total": 8, "present": 7, "returned": 7, "valid": 7}
    assert all(d.confidence >= SURE for d in decided.values())


def test_counts_inconsistent_or_weak_readings_flagged() -> None:
    from parsers.scan_counts import SURE, decide_counts

    # present read over total: one of them is wrong, neither is sure
    decided = decide_counts({"total": {8: 6.0}, "present": {9: 6.0}})
    assert not any(d.confidence >= SURE for d in decided.values())
    # one weak reading alone is never sure
    assert decide_counts({"returned": {3: 2.9}})["returned"].confidence < SURE


def test_count_pinned_by_sure_counts_is_sure_only_when_read_so() -> None:
    from parsers.scan_counts import SURE, decide_counts

    # total 5 and absent 0 read surely leave present one value: 5, which one reading also says
    sure = {"total": {5: 9.0}, "absent": {0: 9.0}}
    decided = decide_counts({**sure, "present": {5: 1.5, 3: 1.0}})
    assert decided["present"].value == 5 and decided["present"].confidence >= SURE
    # … but a present no reading saw as 5 stays for a person, whatever the arithmetic says
    decided = decide_counts({**sure, "present": {3: 2.0, 8: 1.0}})
    assert decided["present"].confidence < SURE
    # valid 5 ≤ returned ≤ present 5: returned is pinned too
    decided = decide_counts({"present": {5: 9.0}, "valid": {5: 9.0}, "returned": {3: 2.0, 5: 1.8}})
    assert decided["returned"].value == 5 and decided["returned"].confidence >= SURE


def test_counts_pinned_together_when_one_set_of_best_readings_fits() -> None:
    from parsers.scan_counts import SURE, decide_counts

    # absent 2 and returned 9 sure: present ≥ 9 and total = present + 2 leave (9, 11) alone
    sure = {"absent": {2: 12.0}, "returned": {9: 28.0}}
    decided = decide_counts({**sure, "total": {11: 5.0, 7: 4.0, 1: 4.0}, "present": {9: 9.7, 8: 5.0, 99: 2.5}})
    assert (decided["total"].value, decided["present"].value) == (11, 9)
    assert decided["total"].confidence >= SURE and decided["present"].confidence >= SURE
    # the one fitting set is not every line's best reading: both stay for a person
    decided = decide_counts({**sure, "total": {7: 5.0, 11: 4.0}, "present": {9: 9.7, 8: 5.0}})
    assert decided["total"].confidence < SURE and decided["present"].confidence < SURE
    # two sets fit (present 9 or 10, total 11 or 12): nothing is pinned
    decided = decide_counts({**sure, "total": {11: 5.0, 12: 4.0}, "present": {9: 5.0, 10: 4.0}})
    assert decided["total"].confidence < SURE and decided["present"].confidence < SURE


def test_counts_the_arithmetic_settles_are_pinned_whatever_another_line_turns_out_to_be() -> None:
    """Dev `doc_0013` dimmed: "11" read "1" twice as often as "11", the valid ballots 9 or 8."""
    from parsers.scan_counts import SURE, decide_counts

    sure = {"absent": {2: 16.0}, "issued": {9: 14.0, 2: 2.0}, "returned": {9: 26.0, 8: 4.0, 99: 2.0}}
    read = {"total": {1: 8.0, 11: 4.0, 7: 2.0, 77: 2.55}, "present": {9: 21.0, 8: 7.0, 99: 3.0},
            "valid": {9: 18.0, 8: 8.0}}
    decided = decide_counts({**sure, **read})
    assert [(decided[k].value, decided[k].confidence >= SURE) for k in ("total", "present", "valid")] == [
        (11, True), (9, True), (9, False)]
    # total's best reading the sure lines allow is 77: it stays for a person, and present, which the
    # sets leave at 9, with it (the total it is pinned by is not sure)
    decided = decide_counts({**sure, **read, "total": {1: 8.0, 11: 4.0, 77: 5.0}})
    assert decided["total"].confidence < SURE and decided["present"].confidence < SURE


def _digit_strip(glyphs: list[tuple[str, int]], height: int = 40) -> np.ndarray:
    """Handwriting-like digits (DejaVu Sans Oblique) at the given x positions on white, as a
    count cell's crop."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf", height)
    image = Image.new("L", (40 + max(x for _, x in glyphs) + height, height + 40), 255)
    draw = ImageDraw.Draw(image)
    for text, x in glyphs:
        draw.text((20 + x, 12), text, font=font, fill=30)
    return np.asarray(image)


def test_classifier_reads_a_number_and_refuses_spaced_digits() -> None:
    from parsers.scan_tally import _classified

    near = _classified(_digit_strip([("0", 0), ("7", 26)]))
    assert max(near, key=lambda v: near[v]) == 7
    # digits written a glyph's height apart: "1 1" or two numbers? not one clear number
    assert _classified(_digit_strip([("1", 0), ("1", 48)])) == {}
    # the printed unit far after the number is not part of it
    unit = _classified(_digit_strip([("4", 0), ("8", 120)]))
    assert max(unit, key=lambda v: unit[v]) == 4


@pytest.mark.parametrize(("pair", "value"), [("07", 7), ("13", 13), ("10", 10)])
def test_two_digits_run_together_are_read_as_two(pair: str, value: int) -> None:
    """A blurred hand's two digits run together into one glyph at the ink level, which the
    classifier read as one digit ("07" as 9, seed 1's `0021`); cut at its thinnest column, each
    half reads as its digit. A single wide digit stays one."""
    from parsers.scan_tally import _glyphs, glyph_candidates

    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 24)
    image = Image.new("L", (120, 70), 255)
    draw = ImageDraw.Draw(image)
    draw.text((20, 15), pair[0], font=font, fill=40)
    draw.text((20 + font.getbbox(pair[0])[2] - 2, 15), pair[1], font=font, fill=40)
    run_together = cv2.GaussianBlur(np.asarray(image), (3, 3), 0.8)
    _, _, glyphs = _glyphs(run_together)
    assert glyphs is not None and len(glyphs) == 1
    read = glyph_candidates(run_together, DPI, by_ocr=False)
    assert max(read, key=lambda v: read[v]) == value
    wide = Image.new("L", (120, 70), 255)
    ImageDraw.Draw(wide).text((20, 10), "0", font=ImageFont.truetype(str(HAND_OBLIQUE), 30), fill=40)
    alone = glyph_candidates(cv2.GaussianBlur(np.asarray(wide), (3, 3), 0.8), DPI, by_ocr=False)
    assert max(alone, key=lambda v: alone[v]) == 0


def test_leader_dots_touching_the_writing_are_wiped() -> None:
    from parsers.scan_rating import without_leader

    gray = np.full((70, 400), 255, np.uint8)
    for x in range(0, 400, 12):
        cv2.circle(gray, (x + 3, 55), 3, 0, -1)
    cv2.line(gray, (63, 10), (63, 53), 40, 3)  # a "1" standing on the dot at x = 63
    clean = without_leader(gray, DPI)
    assert clean[20:45, 60:67].min() < 128  # the stroke stays
    assert clean[56:59, 57:70].min() > 128  # its dot is gone
    assert clean[50:60, 100:400].min() == 255


def test_garbled_count_line_is_reread_from_its_crop() -> None:
    """A page whose count line the page read garbles: the number is read again in its region."""
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not os.path.exists(font_path):
        pytest.skip("no font")
    from ocr.tesseract import Word
    from parsers.scan_counts import CountLine
    from parsers.scan_layout import _PageReader

    image = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, 36)
    draw.text((20, 40), "Số có mặt:", font=font, fill=0)
    draw.text((260, 36), "09", font=font, fill=0)
    draw.text((360, 40), "đồng chí", font=font, fill=0)
    reader = object.__new__(_PageReader)
    reader.gray = np.asarray(image)
    reader.dpi = 200
    label = [
        Word("Số", 0.97, (20, 48, 62, 80)),
        Word("có", 0.97, (70, 48, 110, 80)),
        Word("mặt:", 0.9, (118, 48, 220, 80)),
    ]
    line = CountLine("present", label, [Word("#Ø", 0.0, (260, 44, 320, 80))], [Word("đồng", 0.9, (360, 48, 440, 80))])
    support = reader._count_support(line)
    assert max(support, key=lambda v: support[v]) == 9


def _ruled_table(rows: int, cols: int, cell: tuple[int, int] = (120, 60)) -> tuple[np.ndarray, list[int], list[int]]:
    """A binary ink mask (1 = ink) holding a plain ruled table, and its column and row lines."""
    w, h = cell
    xs = [100 + c * w for c in range(cols + 1)]
    ys = [100 + r * h for r in range(rows + 1)]
    ink = np.zeros((ys[-1] + 100, xs[-1] + 100), np.uint8)
    for x in xs:
        cv2.line(ink, (x, ys[0]), (x, ys[-1]), 1, 3)
    for y in ys:
        cv2.line(ink, (xs[0], y), (xs[-1], y), 1, 3)
    return ink, xs, ys


def test_scribble_strokes_in_one_cell_make_no_column_or_row() -> None:
    from parsers.scan_grid import find_grids, rulings

    ink, xs, ys = _ruled_table(8, 4)
    # A zigzag scribble in one cell: its long strokes meet that cell's top and bottom borders.
    x0, y0, y1 = xs[1], ys[3], ys[4]
    for k in range(5):
        cv2.line(ink, (x0 + 15 + 20 * k, y0), (x0 + 25 + 20 * k, y1), 1, 3)
    # A horizontal scribble stroke in another cell, meeting that cell's left and right borders.
    cv2.line(ink, (xs[2], ys[6] + 30), (xs[3], ys[6] + 32), 1, 3)
    lines = rulings(ink, DPI)
    [grid] = find_grids(lines, DPI, _printed(ink))
    assert grid.n_cols == 4 and grid.n_rows == 8
    assert all(abs(a - b) <= 3 for a, b in zip(grid.xs, xs, strict=True))
    # The scribble is pen ink again, not a ruling line to erase.
    assert lines.vertical[y0 + 10 : y1 - 10, x0 + 10 : xs[2] - 10].sum() == 0


def test_upright_letter_strokes_lined_up_in_two_rows_make_no_column() -> None:
    from parsers.scan_grid import find_grids, rulings

    ink, xs, ys = _ruled_table(5, 4, cell=(240, 72))
    # A bold script's "N" in two rows' writing stands at the same place in a cell: upright strokes
    # three quarters of the row high, never reaching both rulings (dev doc_0011, phone photo).
    x = (xs[2] + xs[3]) // 2
    for r in (1, 4):
        cv2.line(ink, (x, ys[r] + 16), (x, ys[r + 1] - 12), 1, 4)
    [grid] = find_grids(rulings(ink, DPI), DPI, _printed(ink))
    assert grid.n_cols == 4 and grid.n_rows == 5
    assert all(abs(a - b) <= 3 for a, b in zip(grid.xs, xs, strict=True))


def _printed(ink: np.ndarray) -> np.ndarray:
    """The grey page an ink mask was found on: black print on white paper."""
    return np.where(ink > 0, 0, 255).astype(np.uint8)


def test_a_frame_round_the_table_is_no_column_of_it() -> None:
    """A phone app's black and white photo draws the paper's edge as a line round the page (dev
    `doc_0039`): the table is read within its own rulings, not as columns of the whole page; a
    table whose outer ruling is broken off its rows still ends at that ruling."""
    from parsers.scan_grid import find_grids, rulings

    ink, xs, ys = _ruled_table(6, 4)
    framed = np.zeros((ink.shape[0] + 200, ink.shape[1] + 200), np.uint8)
    framed[100:-100, 100:-100] = ink
    cv2.rectangle(framed, (40, 40), (framed.shape[1] - 40, framed.shape[0] - 40), 1, 3)
    [grid] = find_grids(rulings(framed, DPI), DPI, _printed(framed))
    assert grid.n_cols == 4 and grid.n_rows == 6
    assert all(abs(a - (b + 100)) <= 3 for a, b in zip(grid.xs, xs, strict=True))

    broken = np.zeros_like(ink)  # the inner rulings stop short of the outer one all round
    cv2.rectangle(broken, (xs[0], ys[0]), (xs[-1], ys[-1]), 1, 3)
    broken[ys[0] + 9 : ys[-1] - 8, xs[0] + 9 : xs[-1] - 8] = ink[ys[0] + 9 : ys[-1] - 8, xs[0] + 9 : xs[-1] - 8]
    [grid] = find_grids(rulings(broken, DPI), DPI, _printed(broken))
    assert abs(grid.xs[0] - xs[0]) <= 3 and abs(grid.xs[-1] - xs[-1]) <= 3 and grid.n_rows == 6


def test_column_drawn_in_all_body_rows_is_kept_though_header_spans_it() -> None:
    from parsers.scan_grid import find_grids, rulings

    ink, xs, ys = _ruled_table(8, 4)
    ink[ys[0] + 3 : ys[1] - 2, xs[2] - 3 : xs[2] + 4] = 0  # the header spans columns 1 and 2
    [grid] = find_grids(rulings(ink, DPI), DPI, _printed(ink))
    assert grid.n_cols == 4
    assert any(c.row == 0 and c.col == 1 and c.cols == 2 for c in grid.cells)


def test_a_ruling_lost_under_a_heading_spanning_columns_keeps_the_headings_apart() -> None:
    """Mẫu 05's header: "TT" and "TIÊU CHÍ ĐÁNH GIÁ" span its two rows, "CẤP ĐỘ THỰC HIỆN" spans
    the four level columns over their headings. A low-resolution photo lost the faint ruling under
    it over one level column (dev `doc_0002` at 110 dpi): the four headings merged into one cell,
    and no criterion was read. The one column open under a heading ruled everywhere else has lost
    its ruling; a heading whose columns are all open below spans the rows."""
    from parsers.scan_grid import find_grids, rulings

    ink, xs, ys = _ruled_table(6, 6)
    for c in (1, 2):  # "TT" and "TIÊU CHÍ" span the header's two rows
        ink[ys[1] - 2 : ys[1] + 3, xs[c - 1] + 3 : xs[c] - 2] = 0
    for c in (3, 4, 5):  # "CẤP ĐỘ THỰC HIỆN" spans the four level columns
        ink[ys[0] + 3 : ys[1] - 2, xs[c] - 3 : xs[c] + 4] = 0
    ink[ys[1] - 2 : ys[1] + 3, xs[4] + 3 : xs[5] - 2] = 0  # its ruling lost over one level column
    [grid] = find_grids(rulings(ink, DPI), DPI, _printed(ink))
    header = {(c.row, c.col): (c.rows, c.cols) for c in grid.cells if c.row < 2}
    assert header == {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 4), (1, 2): (1, 1), (1, 3): (1, 1),
                      (1, 4): (1, 1), (1, 5): (1, 1)}


def test_stray_line_crossing_into_a_cell_is_not_a_mark() -> None:
    from parsers.scan_ink import measure

    ink, xs, ys = _ruled_table(3, 4)
    ink[:] = 0  # the ruling lines already erased
    # A scribble's long tail from the row above dips into row 1, column 3, and runs on beyond it.
    cv2.line(ink, (xs[3] - 200, ys[1] - 20), (xs[4] - 5, ys[1] + 14), 1, 4)
    cv2.line(ink, (xs[3] - 150, ys[1] - 15), (xs[4] - 5, ys[1] - 25), 1, 4)
    # A real tick in row 1, column 0.
    cv2.line(ink, (xs[0] + 40, ys[1] + 30), (xs[0] + 55, ys[1] + 45), 1, 3)
    cv2.line(ink, (xs[0] + 55, ys[1] + 45), (xs[0] + 85, ys[1] + 12), 1, 3)
    shares = [measure(ink, (xs[c], ys[1], xs[c + 1], ys[2]), DPI) for c in range(4)]
    verdicts = decide(shares)
    assert verdicts[0].marked and verdicts[0].confidence >= REVIEW_BELOW
    assert not verdicts[3].marked


def test_tick_touching_a_neighbour_scribble_still_counts() -> None:
    from parsers.scan_ink import measure

    ink, xs, ys = _ruled_table(3, 4)
    ink[:] = 0
    box = (xs[2], ys[1], xs[3], ys[2])
    # A dense scribble in the cell above whose strokes reach down to the border...
    for k in range(8):
        cv2.line(ink, (xs[2] + 10, ys[0] + 8 + 6 * k), (xs[3] - 10, ys[0] + 12 + 6 * k), 1, 4)
    cv2.line(ink, (xs[2] + 60, ys[0] + 10), (xs[2] + 60, ys[1] + 2), 1, 4)
    # ... and a cross in this cell that starts right under it.
    cv2.line(ink, (xs[2] + 40, ys[1] + 4), (xs[2] + 80, ys[2] - 8), 1, 3)
    cv2.line(ink, (xs[2] + 80, ys[1] + 4), (xs[2] + 40, ys[2] - 8), 1, 3)
    assert measure(ink, box, DPI).share >= 0.02


def test_scribble_ends_reaching_into_the_next_level_cell_are_not_its_ink() -> None:
    from parsers.scan_ink import measure

    ink, xs, ys = _ruled_table(3, 4)
    ink[:] = 0
    # A dense zigzag scribble in row 1, column 2, whose strokes run on into column 3.
    zigzag = [(xs[2] + 10 if k % 2 else xs[3] + 22, ys[1] + 8 + 10 * k) for k in range(5)]
    cv2.polylines(ink, [np.array(zigzag, np.int32)], False, 1, 3)
    # The tick of the row, in column 1.
    cv2.line(ink, (xs[1] + 40, ys[1] + 30), (xs[1] + 55, ys[1] + 45), 1, 3)
    cv2.line(ink, (xs[1] + 55, ys[1] + 45), (xs[1] + 85, ys[1] + 12), 1, 3)
    cells = [measure(ink, (xs[c], ys[1], xs[c + 1], ys[2]), DPI) for c in range(4)]
    assert cells[3].share < 0.012  # the scribble's ends are the scribble's, not a second mark
    verdicts = decide(cells)
    assert verdicts[2].cancelled and verdicts[1].marked
    assert min(d.confidence for d in verdicts) >= REVIEW_BELOW
    # A tick drawn larger than its cell keeps its middle there and is its mark.
    ink[:] = 0
    cv2.line(ink, (xs[3] - 30, ys[1] + 25), (xs[3] - 10, ys[1] + 50), 1, 3)
    cv2.line(ink, (xs[3] - 10, ys[1] + 50), (xs[3] + 20, ys[1] + 5), 1, 3)
    assert measure(ink, (xs[2], ys[1], xs[3], ys[2]), DPI).share >= 0.02


def test_a_stroke_left_along_the_ruling_by_a_scribble_of_the_row_above_is_not_a_mark() -> None:
    from parsers.scan_ink import measure

    ink, xs, ys = _ruled_table(3, 4)
    ink[:] = 0  # the ruling lines already erased, and with them the middle of the scribble's last stroke
    # The scribble of row 0, column 0; its last stroke lay on the row line, and what is left of
    # it hugs the top of row 1's cell, apart from the rest.
    for k in range(4):
        cv2.line(ink, (xs[0] + 10, ys[0] + 10 + 8 * k), (xs[1] - 10, ys[0] + 14 + 8 * k), 1, 4)
    cv2.line(ink, (xs[0] + 8, ys[1] + 6), (xs[1] - 8, ys[1] + 8), 1, 4)
    # The tick of row 1, in column 1.
    cv2.line(ink, (xs[1] + 40, ys[1] + 30), (xs[1] + 55, ys[1] + 45), 1, 3)
    cv2.line(ink, (xs[1] + 55, ys[1] + 45), (xs[1] + 85, ys[1] + 12), 1, 3)
    cells = [measure(ink, (xs[c], ys[1], xs[c + 1], ys[2]), DPI) for c in range(4)]
    assert cells[0].share == 0.0
    verdicts = decide(cells)
    assert verdicts[1].marked and not verdicts[0].marked
    assert min(d.confidence for d in verdicts) >= REVIEW_BELOW
    # A dot near the top of a cell is drawn in it: it stays a mark.
    ink[:] = 0
    cv2.circle(ink, (xs[2] + 60, ys[1] + 9), 5, 1, -1)
    assert measure(ink, (xs[2], ys[1], xs[3], ys[2]), DPI).live


def test_level_cells_merged_in_the_body_are_cut_back_to_one_per_row_and_level() -> None:
    from ocr.tesseract import Word
    from parsers.scan_grid import Grid, GridCell
    from parsers.scan_layout import _Column, _level_cells_split
    from parsers.scan_text import WordLine

    xs, ys = [0, 100, 200, 300], [0, 40, 80, 120, 160, 200]
    columns = [_Column("text"), _Column("level"), _Column("level")]
    head = [GridCell(0, 0, 1, 1, (0, 0, 100, 40)), GridCell(0, 1, 1, 2, (100, 0, 300, 40))]
    text = [GridCell(r, 0, 1, 1, (0, ys[r], 100, ys[r + 1])) for r in (1, 2, 3)]
    # Rows 1 and 2 of the first level column merged: a scribble drawn along the line between them.
    first = [GridCell(1, 1, 2, 1, (100, 40, 200, 120)), GridCell(3, 1, 1, 1, (100, 120, 200, 160))]
    second = [GridCell(r, 2, 1, 1, (200, ys[r], 300, ys[r + 1])) for r in (1, 2, 3, 4)]
    # Row 4: its text merged with its first level (a scribble over the line between them) …
    crossed = GridCell(4, 0, 1, 2, (0, 160, 200, 200))
    cells = [*head, *text, *first, *second, crossed]
    label = [WordLine([Word("Tư tưởng chính trị", 0.95, (5, 165, 90, 190))])]
    texts = {crossed: label}
    split = _level_cells_split(Grid((0, 0, 300, 200), ys, xs, cells), columns, 1, texts)
    level = sorted((c.row, c.box) for c in split.cells if c.col == 1)
    assert level == [(0, (100, 0, 300, 40)), (1, (100, 40, 200, 80)), (2, (100, 80, 200, 120)),
                     (3, (100, 120, 200, 160)), (4, (100, 160, 200, 200))]
    assert all(c.rows == 1 and c.cols == 1 for c in split.cells if c.row > 0)
    # … the text keeps the merged cell's reading.
    assert texts[GridCell(4, 0, 1, 1, (0, 160, 100, 200))] == label
    # A heading whose level cells are all merged with its text stays whole, and so does a long
    # criterion's text spanning two rows.
    heading = GridCell(4, 0, 1, 3, (0, 160, 300, 200))
    long_text = GridCell(1, 0, 2, 1, (0, 40, 100, 120))
    kept = _level_cells_split(Grid((0, 0, 300, 200), ys, xs, [*head, long_text, text[2], *first, *second[:3], heading]),
                              columns, 1, {})
    assert heading in kept.cells and long_text in kept.cells


def test_count_line_cut_in_two_by_a_tall_number_is_joined() -> None:
    from ocr.tesseract import Word
    from parsers.scan_counts import find_count_line, find_split_count_line

    head = [Word("-", 0.9, (0, 0, 5, 20)), Word("Tổng", 0.96, (10, 0, 50, 20)), Word("số", 0.96, (55, 0, 75, 20))]
    tail = [Word("chính", 0.9, (200, 2, 250, 22)), Word("thức:", 0.9, (255, 2, 300, 22)), Word("F2", 0.1, (310, 0, 340, 24))]
    assert find_count_line(head) is None and find_count_line(tail) is None
    found = find_split_count_line(head, tail)
    assert found is not None and found.key == "total"
    assert found.label[-1].text == "thức:" and [w.text for w in found.value] == ["F2"]
    # an opening shared by several labels, or a tail that is not the label's end, is no count line
    assert find_split_count_line([Word("Số", 0.9, (0, 0, 20, 20)), Word("phiếu", 0.9, (25, 0, 60, 20))], tail) is None
    assert find_split_count_line(head, [Word("đồng", 0.9, (200, 0, 240, 20)), Word("chí", 0.9, (245, 0, 270, 20))]) is None
    # a misread word of the label's middle before its end (dev doc_0013 re-encoded: "vn chính thức:")
    misread = find_split_count_line(head, [Word("vn", 0.0, (150, 2, 190, 22)), *tail])
    assert misread is not None and misread.key == "total" and [w.text for w in misread.value] == ["F2"]
    # … or both ("đảng viên"), but no more: further on, "chính thức" is no longer this label's end
    words = [Word("đảng", 0.9, (100, 2, 140, 22)), Word("viên", 0.9, (145, 2, 190, 22))]
    assert find_split_count_line(head, [*words, *tail]) is not None
    assert find_split_count_line(head, [Word("Hà", 0.9, (60, 2, 90, 22)), *words, *tail]) is None


def test_tall_handwriting_does_not_pull_the_next_printed_line_in() -> None:
    from ocr.tesseract import Word
    from parsers.scan_text import group_lines

    first = [Word("Tổng", 0.9, (0, 100, 40, 120)), Word("số", 0.9, (45, 100, 65, 120))]
    tall = Word("05", 0.3, (300, 90, 340, 140))  # written over the dots, reaching the next line
    second = [Word("Số", 0.9, (0, 130, 20, 150)), Word("có", 0.9, (25, 130, 45, 150))]
    lines = group_lines([*first, tall, *second])
    assert [[w.text for w in line.words] for line in lines if line.words[0].text == "Số"] == [["Số", "có"]]


# ------------------------------------------------------------- a handwritten rating told by its shape
def _written(text: str, font: str, seed: int) -> tuple[np.ndarray, float]:
    from parsers.train_rating_shapes import faces, render

    if font not in faces():
        pytest.skip(f"handwriting font {font} not installed (scripts/system-packages)")
    return render(text, faces()[font], np.random.default_rng(seed))


@pytest.mark.parametrize(("text", "rating"), [("Hoàn thành tốt nhiệm vụ", Rating.HTTNV),
                                               ("Không hoàn thành nhiệm vụ", Rating.KHTNV),
                                               ("Hoàn thành xuất sắc nhiệm vụ", Rating.HTXSNV),
                                               ("HTNV", Rating.HTNV)])
def test_rating_shape_model_tells_ratings_in_a_hand_it_never_saw(text: str, rating: Rating) -> None:
    from parsers.rating_shapes import guess
    from parsers.scan_rating import without_leader
    from parsers.train_rating_shapes import HELD_OUT

    font = "DancingScript-Bold"
    assert font in HELD_OUT  # never trained on
    gray, dpi = _written(text, font, 3)
    found = guess(without_leader(gray, dpi))
    assert found is not None and found.rating is rating


def test_rating_by_shape_alone_is_a_suggestion_under_review(monkeypatch: pytest.MonkeyPatch) -> None:
    from parsers import rating_shapes, scan_rating

    gray, dpi = _written("Hoàn thành tốt nhiệm vụ", "DancingScript-Bold", 3)
    clean = scan_rating.without_leader(gray, dpi)
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: ["Hein thank tab ahem ow", "H"])
    alone = scan_rating.read_answer(clean, dpi)
    assert alone.rating is Rating.HTTNV and alone.confidence < REVIEW_BELOW
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: ["Hoàn thành tốt nhiệm vụ", "H"])
    assert scan_rating.read_answer(clean, dpi).confidence >= REVIEW_BELOW  # one reading, confirmed by shape
    monkeypatch.setattr(rating_shapes, "guess", lambda _c: rating_shapes.ShapeGuess(Rating.HTNV, 0.99))
    disputed = scan_rating.read_answer(clean, dpi)  # the shape says otherwise: stays under review
    assert disputed.rating is Rating.HTTNV and disputed.confidence < REVIEW_BELOW


def test_shape_alone_is_taken_when_the_readings_count_its_phrase_s_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A phrase in script read as no words (dev doc_0021) is taken by its shape when most readings
    have as many words as the phrase the shape names: 5 for HTTNV, never 4, which is HTNV's."""
    from parsers import rating_shapes, scan_rating

    gray, dpi = _written("Hoàn thành tốt nhiệm vụ", "DancingScript-Bold", 3)
    clean = scan_rating.without_leader(gray, dpi)
    five = ["Metin thank Gat nhiem ou", "Hedin thank lot whit ou", "Hein thank tab ahem ow", "H"]
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: five)
    counted = scan_rating.read_answer(clean, dpi)
    assert counted.rating is Rating.HTTNV and counted.confidence >= REVIEW_BELOW
    four = ["Metin thank nhiem ou", "Hedin thank whit ou", "Hein thank tab ahem ow", "H"]
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: four)
    assert scan_rating.read_answer(clean, dpi).confidence < REVIEW_BELOW
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: five)
    monkeypatch.setattr(rating_shapes, "guess", lambda _c: rating_shapes.ShapeGuess(Rating.HTTNV, 0.8))
    unclear = scan_rating.read_answer(clean, dpi)  # the shape not clear enough
    assert unclear.rating is Rating.HTTNV and unclear.confidence < REVIEW_BELOW


def test_rating_shape_needs_ink() -> None:
    from parsers.rating_shapes import guess

    assert guess(np.full((40, 200), 255, np.uint8)) is None


def test_deslanted_stands_a_right_leaning_stroke_upright() -> None:
    from parsers.scan_rating import deslanted

    leaning = np.full((60, 80), 255, np.uint8)
    cv2.line(leaning, (10 + 18, 0), (10, 59), 0, 2)  # leans right by 0.3 of its height
    upright = deslanted(leaning)
    columns = np.nonzero((upright < 128).any(axis=0))[0]
    assert columns.max() - columns.min() <= 4  # one column wide, give or take the pen


def test_rating_read_upright_only_when_italic_reading_names_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Italic script read badly as written is read again sheared upright; that reading is taken
    when sure, unless the reading as written named another rating."""
    from parsers import scan_rating

    clean = np.full((40, 120), 255, np.uint8)
    cv2.putText(clean, "HTTNV", (4, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    as_written = {"nothing": ["xz7?7t0", "TTT"], "other": ["HTNV", "xz"]}
    for first, expected in (("nothing", Rating.HTTNV), ("other", None)):
        monkeypatch.setattr(
            scan_rating,
            "readings",
            lambda c, _d, first=first: ["HTTNV", "HTTNV."] if c.shape[1] > 120 else as_written[first],
        )
        read = scan_rating.read_answer(clean, DPI)
        if expected is None:
            assert read.confidence < REVIEW_BELOW
        else:
            assert read.rating is expected and read.confidence >= scan_rating.SURE


def test_count_cell_read_upright_too_unless_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell the first view does not settle is read again stood upright and the supports add up;
    a settled one (a steady classifier reading with most of the support) is not read twice."""
    from parsers import scan_tally

    cell = np.full((40, 60), 255, np.uint8)
    views: list[int] = []

    def support(crop: np.ndarray, _dpi: int) -> dict[int, float]:
        views.append(crop.shape[1])
        return answers[len(views) - 1]

    monkeypatch.setattr(scan_tally, "_support", support)
    answers = [{1: 2.0, 7: 1.0}, {7: 8.0}]
    assert scan_tally.digit_candidates(cell, 300) == {1: 2.0, 7: 9.0}
    assert views[1] > views[0]  # the second view is the sheared (wider) cell
    views.clear()
    answers = [{5: 8.0, 6: 1.0}]
    assert scan_tally.digit_candidates(cell, 300) == {5: 8.0, 6: 1.0}
    assert len(views) == 1


@pytest.mark.parametrize("dpi", [300, 200])
def test_a_pen_dot_in_a_tall_cell_is_a_mark_and_a_hair_line_or_a_speck_is_not(dpi: int) -> None:
    """A criterion cell two or three text lines high (15 × 15 mm here): a dot 0.9 mm across (8 px
    at 200 dpi, as thin as a pen stroke) is under `MIN_MARK` of it, but a mark by its own size; a
    hair line 8 mm long, or a short stroke of the pen, has as much ink and is one straight stroke;
    a speck of dust is too small, and so is each of a noisy photo's specks, however many."""
    from parsers.scan_ink import MIN_MARK, measure

    side = round(15 / 25.4 * dpi)
    box = (0, 0, side, side)
    mm = dpi / 25.4

    def row(draw: object) -> list[CellInk]:
        cells = []
        for k in range(4):
            ink = np.zeros((side, side), np.uint8)
            if k == 1:
                draw(ink)  # type: ignore[operator]
            cells.append(measure(ink, box, dpi))
        return cells

    dot = row(lambda ink: cv2.circle(ink, (side // 2, side // 2), round(0.45 * mm), 1, -1))
    assert dot[1].share < MIN_MARK and dot[1].live
    verdicts = decide(dot)
    assert verdicts[1].marked and verdicts[1].confidence >= REVIEW_BELOW
    hair = row(lambda ink: cv2.line(ink, (40, 60), (40 + round(8 * mm), 70), 1, 1))
    slip = row(lambda ink: cv2.line(ink, (40, 60), (40 + round(3 * mm), 60 + round(mm)), 1, max(1, round(0.3 * mm))))
    speck = row(lambda ink: cv2.circle(ink, (side // 2, side // 2), 1, 1, -1))

    def sprinkle(ink: np.ndarray) -> None:  # a noisy photo's grain: as much ink as the dot, in specks
        ink[20:side - 20:12, 20:side - 20:12] = 1

    grain = row(sprinkle)
    assert dot[1].share <= grain[1].share < MIN_MARK
    for cells in (hair, slip, speck, grain):
        assert not cells[1].live
        assert not decide(cells)[1].marked


def test_a_zigzag_over_a_mark_in_a_tall_cell_is_a_scribble_and_the_tick_beside_it_the_answer() -> None:
    """In a cell three text lines high the zigzag holds less than `SCRIBBLE` of it, but its strokes
    stand side by side across its middle, which no tick, cross or circle does."""
    from parsers.scan_ink import SCRIBBLE, measure

    side = round(15 / 25.4 * DPI)
    box = (0, 0, side, side)
    zigzag = np.zeros((side, side), np.uint8)
    points = [(30 + 9 * k, 30 if k % 2 == 0 else side - 30) for k in range(7)]
    cv2.polylines(zigzag, [np.array(points, np.int32)], False, 1, 2)
    tick = np.zeros((side, side), np.uint8)
    cv2.line(tick, (40, 60), (55, 78), 1, 4)
    cv2.line(tick, (55, 78), (85, 35), 1, 4)
    blank = np.zeros((side, side), np.uint8)
    cells = [measure(ink, box, DPI) for ink in (blank, zigzag, tick, blank)]
    assert cells[1].share < SCRIBBLE and cells[1].zigzag and not cells[2].zigzag
    verdicts = decide(cells)
    assert verdicts[1].cancelled and verdicts[2].marked
    assert min(d.confidence for d in verdicts) >= REVIEW_BELOW


def _ink_tick(ink: np.ndarray, x: int, y: int, side: int) -> None:
    cv2.polylines(ink, [np.array([(x, y + 0.6 * side), (x + 0.35 * side, y + side), (x + side, y)], np.int32)],
                  False, 1, 3)


def test_a_scribble_too_tight_to_show_its_strokes_is_known_by_how_far_the_pen_went() -> None:
    """A tick struck out by a tight zigzag of a heavy pen, in a level cell 18 × 10 mm: its strokes
    run together, so it neither fills `SCRIBBLE` of the cell nor crosses its middle as a zigzag,
    but the pen went four times the knot's size; the tick beside it is the answer."""
    from parsers.scan_ink import SCRIBBLE, measure

    width, height = round(18 / 25.4 * DPI), round(10 / 25.4 * DPI)
    box = (0, 0, width, height)
    knot = np.zeros((height, width), np.uint8)
    x, y, side = width // 2 - 15, height // 2 - 15, 30
    _ink_tick(knot, x, y, side)
    xs = np.linspace(x - 3, x + side + 3, 7)
    ys = np.where(np.arange(7) % 2 == 0, y - 4, y + side + 4)
    cv2.polylines(knot, [np.stack([xs, ys], axis=1).astype(np.int32)], False, 1, 4)
    tick = np.zeros((height, width), np.uint8)
    _ink_tick(tick, width // 2 - 20, height // 2 - 20, 40)
    blank = np.zeros((height, width), np.uint8)
    cells = [measure(ink, box, DPI) for ink in (knot, blank, tick, blank)]
    assert cells[0].share < SCRIBBLE and not cells[0].zigzag and cells[0].knotted
    assert not cells[2].knotted
    verdicts = decide(cells)
    assert verdicts[0].cancelled and verdicts[2].marked
    assert min(d.confidence for d in verdicts) >= REVIEW_BELOW


def test_a_circle_among_grain_is_no_knot() -> None:
    """The pen's travel is that of the largest piece of ink: a circle in a grainy photo's cell,
    whose specks add outline but no extent to it, is not taken for a scribble."""
    from parsers.scan_ink import measure

    width, height = round(18 / 25.4 * DPI), round(10 / 25.4 * DPI)
    circle = np.zeros((height, width), np.uint8)
    cv2.circle(circle, (width // 2, height // 2), 16, 1, 3)
    assert not measure(circle, (0, 0, width, height), DPI).knotted
    rng = np.random.default_rng(1)
    for _ in range(80):
        x, y = int(rng.integers(12, width - 15)), int(rng.integers(12, height - 15))
        circle[y : y + 3, x : x + 3] = 1
    assert not measure(circle, (0, 0, width, height), DPI).knotted


def test_cell_solidity_tells_a_zigzag_from_a_solid_fill() -> None:
    from parsers.scan_ink import measure

    filled = np.zeros((100, 100), np.uint8)
    filled[20:80, 20:80] = 1
    zigzag = np.zeros((100, 100), np.uint8)
    for x in range(20, 80, 12):
        cv2.line(zigzag, (x, 20), (x + 6, 80), 1, 3)
    assert measure(filled, (10, 10, 90, 90), DPI).solidity > 0.9
    assert measure(zigzag, (10, 10, 90, 90), DPI).solidity < 0.6


def _signature_block(answer: str | None) -> np.ndarray:
    """Mẫu 02's last block at 200 dpi: three rating labels with dotted leaders, each under a
    signature line whose printed "(Xác lập thời điểm, ký …)" sits right over the next label's
    answer; `answer` written on the branch's line."""
    img = Image.new("RGB", (1654, 1100), "white")
    draw = ImageDraw.Draw(img)
    font, bold = ImageFont.truetype(str(FONT), 34), ImageFont.truetype(str(BOLD), 34)
    italic = ImageFont.truetype(str(FONT), 28)
    y = 120
    for label, signer in (("- Mức xếp loại chất lượng công chức, viên chức:", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"),
                          ("- Chi bộ đề xuất xếp loại mức chất lượng:", "T/M CHI ỦY (CHI BỘ)"),
                          ("- Đảng ủy, chi ủy cơ sở xếp loại mức chất lượng:", "T/M ĐẢNG ỦY (CHI ỦY)")):
        draw.text((110, y), label, font=font, fill="black")
        end = 110 + draw.textlength(label, font=font) + 10
        draw.text((end, y), "." * 60, font=font, fill="black")
        if answer and "Chi bộ" in label:
            draw.text((end + 40, y - 6), answer, font=ImageFont.truetype(str(FONT), 38), fill=(30, 40, 160))
        draw.text((950, y + 48), signer, font=bold, fill="black")
        draw.text((760, y + 92), "(Xác lập thời điểm, ký, ghi rõ họ tên và đóng dấu)", font=italic, fill="black")
        y += 170
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def _text_page(lines: list[str]) -> np.ndarray:
    """A 200 dpi page holding these lines of print."""
    img = Image.new("RGB", (1654, 160 + 90 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 34)
    for k, line in enumerate(lines):
        draw.text((110, 100 + 90 * k), line, font=font, fill="black")
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize(("misread", "lost"), [("Đề nghị xếp loại mức chất lượng: HTTNV", "xếp"),  # in a fold
                                               ("Đề nghị xếp loại mức chất lượ: HTTNV", ""),  # a word cut short
                                               ("Đề nghị xếp loại mức chất lượng HTTNV", ""),  # the colon lost
                                               ("Đề nghị xếp loại mức chất", "")])  # the line's end lost, answer apart
def test_a_misread_rating_label_is_still_the_label(misread: str, lost: str) -> None:
    """A fold or a speck through the label changes a word of it, or wipes it out where it stands;
    the line still opens with the label, given in its printed words so that the form finds its
    field, and the answer is read."""
    lines = ["Nhận xét chung: Chủ động, sáng tạo trong công việc.", misread]
    page = _text_page(lines)
    if lost:
        font = ImageFont.truetype(str(FONT), 34)
        start = 110 + round(font.getlength(misread[: misread.index(lost)]))
        page[100 + 90 - 5 : 100 + 90 + 50, start : start + round(font.getlength(lost))] = 255
    if not misread.endswith("HTTNV"):
        cv2.putText(page, "HTTNV", (900, 100 + 90 + 30), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, page, DPI))
    rating = next(line for line in builder.body.lines if "Đề nghị" in line.text)
    assert rating.text.startswith("Đề nghị xếp loại mức chất lượng: Hoàn thành tốt nhiệm vụ")


def test_the_leader_and_answer_read_glued_to_the_label_s_last_word_are_cut_from_it() -> None:
    """The page's OCR read the label's last word, the leader and the answer as one word: the
    answer's region started at the line's end, and the answer was lost."""
    from parsers.scan_layout import _rating_label

    words = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đề", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400))]
    words.append(Word("lượng:-----5-ss<sseee.olRT.TNT........", 0.2, (470, 60, 1500, 140)))
    found = _rating_label(words, _TEXT_RIGHT)
    assert found is not None and found.words[-1].text == "lượng:"
    assert 540 <= found.words[-1].box[2] <= 600  # six characters at the label's width per character
    # as high as the label's other words, not the writing read with it (the answer's region is placed by them)
    assert found.words[-1].box[1] == 100 and found.words[-1].box[3] == 130


def test_a_stray_dash_read_glued_to_the_label_is_cut_from_it() -> None:
    """"lượng-": the leader's first dash read with the label's last word left "lượng-:" on the
    line, and the form did not find its field by it: the answer was read, and lost."""
    from parsers.scan_layout import _rating_label

    words = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130)) for text, x in
             (("Đề", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400), ("lƯợng-", 470))]
    found = _rating_label([*words, Word("-.———", 0.0, (570, 100, 700, 130))], _TEXT_RIGHT)
    assert found is not None and found.words[-1].text == "lƯợng" and found.words[-1].box == words[-1].box


def test_a_misread_last_label_word_spanning_the_answer_is_cut_to_the_label_s_width() -> None:
    """OCR read "lượng: …… HTNV" as one misspelt word ("MỤC..."): the label was recognised by
    likeness, but its last word's box ended past the writing, and the answer read as a blank."""
    from parsers.scan_layout import _rating_label

    words = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đề", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400))]
    words.append(Word("MỤC...", 0.3, (470, 100, 920, 140)))
    found = _rating_label(words, _TEXT_RIGHT)
    assert found is not None and found.printed == "Đề nghị xếp loại mức chất lượng"
    assert 540 <= found.words[-1].box[2] <= 600  # "lượng:" at the label's width per character


@pytest.mark.parametrize("after", [[("Mỹ", 0.0, 470, 700)],
                                   [("HỢhgG", 0.0, 470, 560), ("Sẽ", 0.0, 590, 800), ("7n", 0.1, 820, 860)]],
                         ids=["last-word-lost", "writing-after-a-misread-word"])
def test_a_misread_label_followed_by_writing_only_ends_where_its_print_does(after: list[tuple[str, float, int, int]]
                                                                            ) -> None:
    """"lượng:" misread into the writing after it: the label was refused (no colon, the line
    going on), or ended at "chất", and the answer's region took in "lượng:" in print. Followed
    by nothing OCR takes for print, the line opens with the label, which ends where its printed
    text does; a heading going on in print is still no label."""
    from parsers.scan_layout import _rating_label

    label = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đề", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400))]
    rest = [Word(text, confidence, (x0, 90, x1, 140)) for text, confidence, x0, x1 in after]
    found = _rating_label([*label, *rest], _TEXT_RIGHT)
    assert found is not None and found.printed == "Đề nghị xếp loại mức chất lượng"
    assert 540 <= found.words[-1].box[2] <= 600  # "lượng:" at the label's width per character
    printed_after = [*label, Word("Mỹ", 0.0, (470, 90, 560, 140)), Word("năm", 0.95, (580, 100, 640, 130))]
    assert _rating_label(printed_after, _TEXT_RIGHT) is None


@pytest.mark.parametrize("rest", [[("ME.", 0.23, 470, 520), ("S222...", 0.09, 540, 640), ("TUAN", 0.37, 660, 740)],
                                  [("lượng:-.........tloan..†hanh..nhiem.vụ......", 0.28, 470, 1500)]],
                         ids=["last-word-lost", "last-word-glued-to-the-answer"])
def test_a_label_misread_at_its_start_and_end_is_still_the_label(rest: list[tuple[str, float, int, int]]) -> None:
    """"Đề" read "Đầ" and "lượng" lost under a fold's shadow, or read glued to the leader and the
    answer: together too far from the label, but close to it without its last word. The label
    ends where its printed text does; a heading going on in print is still none."""
    from parsers.scan_layout import _rating_label

    label = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đầ", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400))]
    found = _rating_label([*label, *(Word(t, c, (x0, 90, x1, 140)) for t, c, x0, x1 in rest)], _TEXT_RIGHT)
    assert found is not None and found.printed == "Đề nghị xếp loại mức chất lượng"
    assert 540 <= found.words[-1].box[2] <= 600  # "lượng:" at the label's width per character
    assert _rating_label([*label, Word("năm", 0.95, (470, 100, 530, 130)), Word("2019", 0.95, (550, 100, 610, 130))], _TEXT_RIGHT) is None


def test_a_misread_label_whose_colon_is_read_glued_to_what_follows_is_the_label() -> None:
    """"mứt /chất lượng:-....##⁄2M@3." then the answer in capitals read as print: two misread words
    and the glued leader kept the label's likeness under the bar; up to its colon it is the label."""
    from parsers.scan_layout import _rating_label

    words = [Word(text, 0.93, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đề", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mứt", 340), ("/chất", 400))]
    words.append(Word("lượng:-........##⁄2M@3.", 0.0, (484, 100, 900, 130)))
    capitals = [Word(text, confidence, (x, 95, x + 20 * len(text), 135)) for text, confidence, x in
                (("HOAN", 0.77, 920), ("THANH.", 0.92, 1020), ("NHIÊM", 0.72, 1160), ("VŨ", 0.43, 1290))]
    found = _rating_label([*words, *capitals], _TEXT_RIGHT)
    assert found is not None and found.printed == "Đề nghị xếp loại mức chất lượng"
    assert found.words[-1].box[2] < 700  # "lượng:" at the label's width per character, not the glued leader's


def test_a_misread_label_followed_by_an_answer_in_neat_capitals_is_the_label() -> None:
    """"THANH. TƠT." written in capitals is read as surely as print; after a misread label it is
    the answer, not a heading going on."""
    from parsers.scan_layout import _rating_label

    label = [Word(text, 0.95, (x, 100, x + 14 * len(text), 130))
             for text, x in (("Đà", 100), ("nghị", 140), ("xếp", 210), ("loại", 270), ("mức", 340), ("chất", 400))]
    label.append(Word("lượng/.-..", 0.0, (470, 100, 620, 130)))
    capitals = [Word(text, confidence, (x, 95, x + 20 * len(text), 135)) for text, confidence, x in
                (("THOA.", 0.0, 640), ("THANH.", 0.81, 760), ("TƠT.", 0.11, 900), ("NHIÊU", 0.64, 1000), ("VỤ.", 0.62, 1120))]
    found = _rating_label([*label, *capitals], _TEXT_RIGHT)
    assert found is not None and found.printed == "Đề nghị xếp loại mức chất lượng"
    assert [w.text for w in found.rest] == [w.text for w in capitals]


@pytest.mark.parametrize(("above", "at", "scale"), [
    (["Nhận xét chung: Chủ động, sáng tạo trong công việc.", ""], (900, 100 + 180 + 32), 3.4),
    (["Nhận xét chung: Chủ động, sáng tạo trong công việc của chi bộ."], (760, 100 + 90 + 32), 4.0),
], ids=["above-the-region", "up-into-the-line-above"])
def test_an_answer_written_taller_than_its_label_is_read_whole(above: list[str], at: tuple[int, int],
                                                               scale: float) -> None:
    """Writing that rises well above the label's top lost its tops to the answer's region
    (HTTNV's bars: read HTNV); the region grows to take it in. Writing so tall that it reaches
    the descenders of the line above was stopped at that line (read HTNV, or nothing): the taller
    region goes past the print, the line above's words whitened."""
    page = _text_page([*above, "Đề nghị xếp loại mức chất lượng:"])
    cv2.putText(page, "HTTNV", at, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 5)
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, page, DPI))
    rating = next(line for line in builder.body.lines if "Đề nghị" in line.text)
    answer = rating.pieces[-1]
    assert answer.text == "Hoàn thành tốt nhiệm vụ" and answer.confidence >= REVIEW_BELOW


def test_a_printed_note_read_as_a_line_of_its_own_still_ends_the_answer() -> None:
    """The writing split the page's line: "(kèm theo phiếu …)" came as a line of its own, was
    taken into the answer's region, and made the writing too wide to be an abbreviation."""
    from parsers.layout import Body
    from parsers.scan_layout import _PageReader
    from parsers.scan_page import Sheet

    img = Image.new("RGB", (1654, 200), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 34)
    words, x = [], 110
    for text in ("2.", "Xếp", "loại", "đảng", "viên:"):
        draw.text((x, 80), text, font=font, fill="black")
        left, top, right, bottom = draw.textbbox((x, 80), text, font=font)
        words.append(Word(text, 0.96, (left, top, right, bottom)))
        x = right + 12
    draw.text((x, 80), "." * 20, font=font, fill="black")
    note = "(kèm theo phiếu phân tích chất"
    draw.text((1000, 90), note, font=font, fill="black")
    aside = [Word(note.split()[0], 0.97, draw.textbbox((1000, 90), note.split()[0], font=font))]
    page = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    cv2.putText(page, "HTTNV", (x + 40, 112), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 0), 3)
    reader = _PageReader(Sheet(1, page, 200.0), Body())
    line = WordLine(words)
    reader.text_lines = [line, WordLine(aside)]
    pieces = reader._rating_line(line, _TEXT_RIGHT)
    assert pieces is not None and pieces[-1].text == "Hoàn thành tốt nhiệm vụ" and pieces[-1].confidence >= REVIEW_BELOW


@pytest.mark.parametrize("after", [[("công¿phóc„yiÄ1/£", 0.0, 482, 749), ("tức:", 0.4, 762, 850)], []],
                         ids=["end-read-as-unsure-words", "end-read-into-other-lines"])
def test_a_label_whose_end_writing_spoils_is_named_by_its_sure_opening(after: list[tuple[str, float, int, int]]
                                                                       ) -> None:
    """The answer of the line below, written high, runs over "công chức, viên chức:" (dev
    `doc_0033`, `doc_0034`): OCR reads the label's end as junk, or into other lines. Its sure
    opening names the one label it opens, which ends where its print does; a label that would end
    past the body text's edge is wrapped (its answer is on the next line), and an opening that
    opens no long label names none."""
    from parsers.scan_layout import _rating_label

    opening = [Word(text, 0.97, (x0, 152, x1, 186)) for text, x0, x1 in
               (("1.", 154, 180), ("Xếp", 193, 258), ("loại", 272, 333), ("cán", 346, 405), ("bộ,", 417, 467))]
    rest = [Word(text, confidence, (x0, 150, x1, 187)) for text, confidence, x0, x1 in after]
    found = _rating_label([*opening, *rest], _TEXT_RIGHT)
    assert found is not None and found.printed == "Xếp loại cán bộ, công chức, viên chức"
    assert 800 <= found.words[-1].box[2] <= 880 and found.rest == []  # "tức:" starts inside the printed label
    assert _rating_label([*opening, *rest], 700) is None
    short = [Word(text, 0.97, (x0, 152, x1, 186)) for text, x0, x1 in
             (("Xếp", 193, 258), ("loại", 272, 333), ("mức", 346, 405))]
    assert _rating_label([*short, Word("chấtlượn", 0.0, (417, 150, 560, 187))], _TEXT_RIGHT) is None


def test_a_blank_answer_line_under_the_next_line_s_tall_answer_is_blank() -> None:
    """Mẫu 02's two self-ratings, the party member's answered in a large script that rises over
    the end of the civil servant's label: OCR reads that label's end as junk. The civil servant's
    answer is the blank it is, not a field sent to a person, and the party member's is read."""
    img = Image.new("RGB", (1654, 400), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 34)
    for k, (label, dots) in enumerate((("1. Xếp loại cán bộ, công chức, viên chức: ", 12),
                                       ("2. Xếp loại đảng viên: ", 45))):
        draw.text((150, 148 + 48 * k), label + "." * dots, font=font, fill="black")
    draw.text((1180, 196), "(kèm theo phiếu)", font=font, fill="black")
    start = 170 + draw.textlength("2. Xếp loại đảng viên: ", font=font)
    hand = ImageFont.truetype("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf", 90)
    draw.text((start, 146), "HTTNV", font=hand, fill=(30, 40, 160))
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), DPI))
    texts = [line.text for line in builder.body.lines]
    assert "Xếp loại cán bộ, công chức, viên chức: " + "." * 40 in texts
    party = next(line for line in builder.body.lines if line.text.startswith("2. Xếp loại đảng viên"))
    assert party.pieces[-1].text == "Hoàn thành tốt nhiệm vụ" and party.pieces[-1].confidence >= REVIEW_BELOW


def test_a_heading_that_names_a_rating_is_no_rating_label() -> None:
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, _text_page(["Xếp loại chất lượng đảng viên năm 2020",
                                              "Xếp loại cán bộ công chức viên chức trong năm"]), DPI))
    texts = [line.text for line in builder.body.lines]
    assert texts[0].startswith("Xếp loại chất lượng đảng viên") and texts[1].startswith("Xếp loại cán bộ công chức viên")


@pytest.mark.parametrize("answer", [None, "HTTNV"])
def test_blank_rating_answers_under_a_signature_line_are_printed_blanks(answer: str | None) -> None:
    """A blank answer is read as the printed blank it is, not as the signature line's print just
    over it; a written one beside it is still read."""
    builder = ScanBodyBuilder()
    builder.add_page(PageImage(1, _signature_block(answer), DPI))
    texts = [line.text for line in builder.body.lines]
    labelled = {key: next(t for t in texts if key in t) for key in ("công chức, viên chức:", "Chi bộ đề xuất",
                                                                   "Đảng ủy, chi ủy")}
    assert labelled["công chức, viên chức:"].rstrip().endswith("....")
    assert labelled["Đảng ủy, chi ủy"].rstrip().endswith("....")
    if answer:
        assert "Hoàn thành tốt nhiệm vụ" in labelled["Chi bộ đề xuất"]
    else:
        assert labelled["Chi bộ đề xuất"].rstrip().endswith("....")


def _vote_header(heads: tuple[str, ...]) -> tuple[Grid, list[_Column], dict[GridCell, list[WordLine]]]:
    """A minutes table's one header row (TT, name, four columns, result) as the grid reader
    leaves it: its cells, the columns as their headers make them, the headers' words."""
    xs = [0, 40, 200, 280, 360, 440, 520, 640]
    grid = Grid((0, 0, 640, 120), [0, 40, 80, 120], xs)
    texts: dict[GridCell, list[WordLine]] = {}
    for c, head in enumerate(("TT", "Họ và tên", *heads, "Kết quả")):
        cell = GridCell(0, c, 1, 1, (xs[c], 0, xs[c + 1], 40))
        grid.cells.append(cell)
        texts[cell] = [WordLine([Word(head, 0.9, (xs[c] + 5, 10, xs[c + 1] - 5, 30))])]
    return grid, _columns(grid, texts, 1), texts


@pytest.mark.parametrize("heads, garbled", [(("IIXXNV", "HTTNV", "HTNV", "KHTNV"), 2),
                                            (("HTXSNV", "HTTNV", "HTNV", "KI1IIV"), 5),
                                            (("HTXSNV", "MHITINV", "HTNV", "KHTNV"), 3)])
def test_a_vote_column_whose_header_was_garbled_is_placed_by_the_three_others(heads: tuple[str, ...],
                                                                            garbled: int) -> None:
    """Before, after or between the three read (a crease's edge read as letters)."""
    grid, columns, texts = _vote_header(heads)
    assert columns[garbled].kind == "text"
    _complete_vote_columns(grid, columns, texts, 1)
    assert [c.kind for c in columns] == ["tt", "text", "count", "count", "count", "count", "rating"]
    head = next(cell for cell in texts if cell.col == garbled)
    assert texts[head][0].words[0].text == list(Rating)[garbled - 2].abbreviation


def test_a_garbled_header_out_of_the_ratings_order_is_left_alone() -> None:
    grid, columns, texts = _vote_header(("HTTNV", "MI1X5IIV", "HTNV", "KHTNV"))
    _complete_vote_columns(grid, columns, texts, 1)
    assert columns[3].kind == "text"


@pytest.mark.parametrize("header, rating", [("KHTNV", Rating.KHTNV), ("KHẨTNV", Rating.KHTNV),
                                            ("HTIXSNV", Rating.HTXSNV), ("MHTTNV", Rating.HTTNV),
                                            ("HTINV", None), ("Kết quả", None), ("TT", None)])
def test_a_vote_column_header_names_the_rating_a_letter_away_when_no_other_is(header: str,
                                                                            rating: Rating | None) -> None:
    """An accent read on a letter, a stroke read as a letter more; "HTINV" is as near HTNV as HTTNV."""
    from parsers.scan_layout import _header_rating

    assert _header_rating(header) is rating


def test_a_first_row_number_read_as_i_is_1_outside_a_criteria_grid() -> None:
    """The minutes' rows are numbered 1, 2 …: an "I" followed by 2 is their 1 (read "I", the
    table's first member was taken for a header row and the vote columns were not found)."""
    from parsers.scan_layout import _Number, _row_numbers

    cells = [GridCell(r, 0, 1, 1, (0, 40 * r, 40, 40 * r + 40)) for r in range(1, 4)]
    readings = {cell: _Number(text, 0.9, None) for cell, text in zip(cells, ("I", "2", "3"), strict=True)}
    numbers = _row_numbers(readings, 1, criteria=False)
    assert [numbers[cell].text for cell in cells] == ["1", "2", "3"]
    assert numbers[cells[0]].confidence >= 0.9
    assert _row_numbers(readings, 1, criteria=True)[cells[0]].text == "I"
    section = {cell: _Number(text, 0.9, None) for cell, text in zip(cells, ("I", "1", "2"), strict=True)}
    assert _row_numbers(section, 1, criteria=False)[cells[0]].text == "I"  # a group's heading row, 1 after it


def test_first_row_numbers_misread_are_vouched_for_by_a_later_row_read_as_its_place() -> None:
    """A minutes photo under a warm lamp (dev `doc_0001` taken again): "1" and "2" read "I" and "V";
    the "3" read surely in the third row numbers the two before it. A later row read as another
    place vouches for nothing, and a criteria grid is numbered by its sections as before."""
    from parsers.scan_layout import _Number, _row_numbers

    cells = [GridCell(r, 0, 1, 1, (0, 40 * r, 40, 40 * r + 40)) for r in range(1, 5)]

    def numbered(texts: tuple[str, ...], criteria: bool = False) -> list[str]:
        readings = {cell: _Number(text, 0.3 if text in "IV" else 0.95, None)
                    for cell, text in zip(cells, texts, strict=True)}
        return [piece.text for piece in _row_numbers(readings, 1, criteria=criteria).values()]

    assert numbered(("I", "V", "3", "4")) == ["1", "2", "3", "4"]
    assert numbered(("I", "V", "5", "6"))[:2] == ["I", "V"]
    assert numbered(("I", "V", "3", "4"), criteria=True)[0] == "I"


def test_a_vote_header_a_letter_off_is_given_as_its_rating_for_the_form_reader() -> None:
    from parsers.scan_layout import _name_vote_headers

    grid, columns, texts = _vote_header(("HTIXSNV", "HTTNV", "HTNV", "KHẨTNV"))
    assert [c.kind for c in columns][2:6] == ["count"] * 4
    _name_vote_headers(grid, columns, texts, 1)
    heads = [texts[cell][0].words[0] for cell in sorted(texts, key=lambda cell: cell.col)]
    assert [w.text for w in heads] == ["TT", "Họ và tên", "HTXSNV", "HTTNV", "HTNV", "KHTNV", "Kết quả"]
    assert heads[5].confidence == 0.9


def _count_row(digits: dict[int, tuple[str, int]]) -> tuple[list[GridCell], object]:
    """The middle row of a table of four vote columns (200 dpi, cells 20 × 5 mm) with digits
    written at x offsets from their cell's left ruling (negative: begun over it), and the page
    reader of it."""
    from parsers.layout import Body
    from parsers.scan_layout import _PageReader
    from parsers.scan_page import Sheet

    ink, xs, ys = _ruled_table(3, 4, cell=(160, 40))
    page = Image.fromarray(np.where(ink > 0, 0, 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 26)
    for col, (digit, offset) in digits.items():
        draw.text((xs[col] + offset, ys[1] + 6), digit, fill=(20, 20, 20), font=font)
    reader = _PageReader(Sheet(1, cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), 200.0), Body())
    [grid] = reader.grids
    return sorted((c for c in grid.cells if c.row == 1), key=lambda c: c.col), reader


@pytest.mark.parametrize("digit, offset", [("7", -9), ("0", -12)])
def test_a_count_written_over_a_ruling_leaves_no_blank_cell_beside_it(digit: str, offset: int) -> None:
    """A digit begun over its cell's left ruling, painted out with it where it lay on it: the
    little of it on either side is no blank, in neither cell (it is read as unread, no
    candidates); a cell clear of it is blank, and a digit clear of the rulings is read."""
    cells, reader = _count_row({0: ("3", 60), 2: (digit, offset)})
    counts = reader._counts(cells)  # type: ignore[attr-defined]
    assert counts[0] and max(counts[0], key=counts[0].get) == 3
    assert counts[2] == {} and counts[3] is None
    assert counts[1] == {} or (counts[1] and max(counts[1], key=counts[1].get) == int(digit))


def test_a_summary_s_rating_columns_are_told_by_their_headings() -> None:
    """Mẫu 06's "Tập thể lãnh đạo đoàn thể …" says nothing of "xếp loại": its writing was read as
    plain text, and a rating that read as nothing was lost without a word."""
    heads = ("TT", "Họ và tên đảng viên", "Chức vụ đảng, chính quyền, đoàn thế", "Đảng viên tự đánh giá, xếp loại",
             "Đánh giá, xếp viên chức (Nếu là CC, VC)",  # "loại công chức" lost
             "'Tập thế lãnh đạo đoàn thế mà đảng viên là thành viên lãnh đao", "Ghi chú")
    xs = [0, 40, 200, 300, 400, 500, 560, 620]
    grid = Grid((0, 0, 620, 120), [0, 40, 80, 120], xs)
    texts: dict[GridCell, list[WordLine]] = {}
    for c, head in enumerate(heads):
        cell = GridCell(0, c, 1, 1, (xs[c], 0, xs[c + 1], 40))
        grid.cells.append(cell)
        texts[cell] = [WordLine([Word(head, 0.9, (xs[c] + 5, 10, xs[c + 1] - 5, 30))])]
    assert [c.kind for c in _columns(grid, texts, 1)] == ["tt", "text", "text", "rating", "rating", "rating", "text"]


def test_a_summary_whose_first_row_number_went_unread_keeps_its_rating_columns() -> None:
    """Row 1's "1" under a fold: the header seemed to end a row late, and the first member's
    handwritten "HTXSNV", "KHTNV" were taken for headings naming ratings (vote columns); the
    table's ratings were then read as plain text, one of them lost without a word."""
    rows = (("TT", "Họ và tên đảng viên", "Đảng viên tự đánh giá, xếp loại", "Chi bộ đánh giá, xếp loại"),
            ("", "Đỗ Thế Hậu", "HTXSNV", "KHTNV"))
    xs = [0, 40, 200, 300, 400]
    grid = Grid((0, 0, 400, 120), [0, 40, 80, 120], xs)
    texts: dict[GridCell, list[WordLine]] = {}
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = GridCell(r, c, 1, 1, (xs[c], 40 * r, xs[c + 1], 40 * r + 40))
            grid.cells.append(cell)
            texts[cell] = [WordLine([Word(text, 0.9, (xs[c] + 5, 40 * r + 10, xs[c + 1] - 5, 40 * r + 30))])] if text else []
    assert [c.kind for c in _columns(grid, texts, 2)] == ["tt", "text", "count", "count"]
    header_end, columns = _header_columns(grid, texts, 2)
    assert header_end == 1 and [c.kind for c in columns] == ["tt", "text", "rating", "rating"]
    # … and so when one rating column's heading reaches into that row (the ruling under it lost
    # beside a blank cell): that column keeps its heading, and the others' were lost to vote columns
    grid.cells = [cell for cell in grid.cells if (cell.row, cell.col) not in ((0, 3), (1, 3))]
    grid.cells.append(GridCell(0, 3, 2, 1, (300, 0, 400, 80)))
    texts[grid.cells[-1]] = [WordLine([Word(rows[0][3], 0.9, (305, 10, 395, 30))])]
    assert [c.kind for c in _columns(grid, texts, 2)] == ["tt", "text", "count", "rating"]
    header_end, columns = _header_columns(grid, texts, 2)
    assert header_end == 1 and [c.kind for c in columns] == ["tt", "text", "rating", "rating"]


def test_a_rating_read_as_plain_text_in_a_data_row_is_not_sure() -> None:
    line = WordLine([Word("HTTNV", 0.92, (5, 10, 80, 30))])
    assert [p.confidence for p in _plain_text(line, data_row=True)] == [0.5]
    assert [p.confidence for p in _plain_text(line, data_row=False)] == [0.92]  # a heading naming a rating
    name = WordLine([Word("Đỗ", 0.92, (5, 10, 30, 30)), Word("Hậu", 0.9, (35, 10, 80, 30))])
    assert [p.confidence for p in _plain_text(name, data_row=True)] == [0.92, 1.0, 0.9]


def _cell_rating(monkeypatch: pytest.MonkeyPatch, texts: list[str], checked: bool = False,
                 runs_into_start: bool = False, cut_start: bool = False) -> tuple[Rating | None, bool]:
    """The rating `_written_rating` makes of a blank cell OCR reads as `texts`, and whether sure."""
    from types import SimpleNamespace

    from parsers import scan_rating
    from parsers.scan_layout import _PageReader
    from parsers.scan_written import Written

    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: texts)
    cell = Written(np.full((40, 200), 255, np.uint8), cut_start=cut_start, runs_into_start=runs_into_start or cut_start)
    matched = _PageReader._written_rating(SimpleNamespace(dpi=200), cell, checked=checked)  # type: ignore[arg-type]
    return matched.rating, matched.confidence >= REVIEW_BELOW


@pytest.mark.parametrize(("checked", "sure"), [(False, False), (True, True)])
def test_a_cell_s_rating_named_only_by_readings_that_lost_letters_is_sure_only_where_checked(
    monkeypatch: pytest.MonkeyPatch, checked: bool, sure: bool
) -> None:
    """A script HTXSNV in a Mẫu 06 cell read "HTT" three times was HTTNV for sure; in the
    minutes the votes check the result."""
    texts = ["422.417", "RILEY", "HTT", "HTT", "TT"]
    assert _cell_rating(monkeypatch, texts, checked) == (Rating.HTTNV, sure)


@pytest.mark.parametrize(("read", "sure"), [("HTXSNV", True), ("KHTNV", True), ("HTNV", False), ("TTNV", False)])
def test_writing_run_into_the_left_ruling_is_doubted_only_as_a_rating_a_lost_stroke_makes(
    monkeypatch: pytest.MonkeyPatch, read: str, sure: bool
) -> None:
    """A stroke on the ruling is painted out with it: a K's stem (KHTNV left as HTNV), an H's
    ("TTNV", HTTNV, of an HTNV). Nothing lost before a K or an HTXSNV changes the rating."""
    rating, taken = _cell_rating(monkeypatch, [read, read, read], runs_into_start=True)
    assert rating is not None and taken is sure
    assert _cell_rating(monkeypatch, [read, read, read]) == (rating, True)


@pytest.mark.parametrize(("read", "sure"), [("HTXSNV", True), ("KHTNV", True), ("HTNV", False), ("HTTNV", False)])
@pytest.mark.parametrize("checked", [False, True])
def test_writing_cut_at_the_left_ruling_is_doubted_only_as_a_rating_its_lost_start_makes(
    monkeypatch: pytest.MonkeyPatch, read: str, sure: bool, checked: bool
) -> None:
    """A KHTNV whose K lies beyond the cut reads HTNV, an HTNV whose H lost its stem "TTNV": even
    the minutes' votes must not take those for sure (a sure result leans the votes), but what is
    left of an HTXSNV or a KHTNV is still that rating."""
    assert _cell_rating(monkeypatch, [read, read, read], checked, cut_start=True) == (Rating(read.lower()), sure)


@pytest.mark.parametrize(("rating", "runs_in", "lost"), [
    (Rating.HTNV, True, True), (Rating.HTTNV, True, True), (None, True, True),
    (Rating.KHTNV, True, False), (Rating.HTXSNV, True, False), (Rating.HTNV, False, False),
])
def test_a_cell_that_may_have_lost_its_first_stroke_is_not_confirmed_by_the_same_hand(
    rating: Rating | None, runs_in: bool, lost: bool
) -> None:
    """A KHTNV whose K lies painted out with the ruling is, to the eye, the writer's HTNV: the
    same hand's sure cells must not vouch for it."""
    from parsers.scan_layout import _start_may_be_lost
    from parsers.scan_rating import UNSURE
    from parsers.scan_written import Written

    cell = Written(np.full((40, 200), 255, np.uint8), cut_start=False, runs_into_start=runs_in)
    assert _start_may_be_lost(cell, RatingMatch(rating, UNSURE)) is lost


@pytest.mark.parametrize(("rating", "below", "sure"),
                         [(Rating.HTTNV, False, True), (None, False, False), (Rating.HTXSNV, True, False)])
def test_branch_numbers_run_into_the_left_ruling_are_sure_only_after_a_rating_on_their_line(
    rating: Rating | None, below: bool, sure: bool
) -> None:
    """Numbers that start at the cell's edge may have lost the votes' first digit there; after
    the rating's letters on the same line they did not start at the edge, but a line of their
    own under the letters did ("2/21/22" for 12, under a whole HTXSNV)."""
    from parsers.scan_layout import _PageReader
    from parsers.scan_rating import SURE as RATING_SURE
    from parsers.scan_tally import SURE as NUMBERS_SURE
    from parsers.scan_tally import FractionDecision
    from parsers.scan_written import Written

    cell = Written(np.full((40, 200), 255, np.uint8), cut_start=False, runs_into_start=True)
    pieces = _PageReader._fraction_pieces(cell, RatingMatch(rating, RATING_SURE if rating else 0.0),
                                          FractionDecision((5, 6, 7), NUMBERS_SURE), below)
    assert pieces[-1].text == "05/06/07" and (pieces[-1].confidence >= REVIEW_BELOW) is sure


def test_mau06_row_whose_whole_reading_is_the_meetings_numbers_read_them_however_the_split_read_them() -> None:
    from parsers.scan_tally import SURE, FractionRow, decide_fractions

    # the split read the total "24" as 2, as sure as the whole reading's 24 (generated seed 1, 0022)
    rows = [
        FractionRow(({16: 8.0}, {23: 8.0}, {24: 8.0}), (16, 23, 24)),
        FractionRow(({13: 8.0}, {23: 8.0}, {2: 8.0}), (13, 23, 24)),
        FractionRow(({12: 8.0}, {23: 8.0}, {2: 8.0}), (12, 28, 24)),  # the whole reading misread the present
        FractionRow(({15: 8.0}, {23: 8.0}, {24: 8.0}), (15, 23, 24)),
    ]
    decisions = decide_fractions(rows)
    assert [d.values for d in decisions] == [(16, 23, 24), (13, 23, 24), (12, 23, 24), (15, 23, 24)]
    assert [d.confidence >= SURE for d in decisions] == [True, True, False, True]


def _level_header(heads: tuple[str, ...], group: tuple[int, int] | None = None
                  ) -> tuple[Grid, dict[GridCell, list[WordLine]]]:
    """A criteria table's header (TT, the criterion, four level columns) as the grid reader leaves
    it: one row of cells, or, with `group` (first column, columns spanned), the heading over the
    levels in a row of its own above them."""
    xs = [0, 40, 400, 480, 560, 640, 720]
    top = 40 if group is not None else 0
    grid = Grid((0, 0, 720, top + 80), [0, top, top + 40, top + 80] if top else [0, 40, 80], xs)
    texts: dict[GridCell, list[WordLine]] = {}
    if group is not None:
        first, span = group
        heading = GridCell(0, first, 1, span, (xs[first], 0, xs[first + span], top))
        grid.cells.append(heading)
        texts[heading] = [WordLine([Word("CẤP ĐỘ THỰC HIỆN", 0.9, (xs[first] + 5, 10, xs[first + span] - 5, 30))])]
    for c, head in enumerate(("TT", "Tiêu chí đánh giá", *heads)):
        row = 1 if group is not None and c >= 2 else 0
        cell = GridCell(row, c, 1 if c >= 2 or group is None else 2, 1, (xs[c], top * row, xs[c + 1], top + 40))
        grid.cells.append(cell)
        texts[cell] = [WordLine([Word(word, 0.9, (xs[c] + 5 + 20 * k, 10, xs[c] + 20 + 20 * k, 30))
                                 for k, word in enumerate(head.split())])]
    return grid, texts


def test_level_headings_that_took_in_the_heading_over_them_name_their_levels() -> None:
    """The ruling between "CẤP ĐỘ THỰC HIỆN" and the level headings lost (dev `doc_0002` reduced
    to 0.6, about 90 dpi): each level cell also holds a piece of the heading over it, and its
    level's name comes last. Every criterion had been left to a person as "row not found"."""
    grid, texts = _level_header(("C¿ Xuất sắc", "¡P ĐỘ T Tốt", "J1ỰC HII Trung bình", "ìN Kém"))
    columns = _columns(grid, texts, 1)
    assert [(c.kind, c.level) for c in columns[2:]] == [("level", level) for level in Level]
    assert all(c.placed for c in columns[2:])  # written out as their levels' names for the form reader


@pytest.mark.parametrize("heads", [("C¿ Xuất sắc", "¡P ĐỘ T Tốt", "J1ỰC HII Trung bình", "ìN"),
                                   ("C¿ Kém", "¡P ĐỘ T Tốt", "J1ỰC HII Trung bình", "ìN Xuất sắc"),
                                   ("Ghi chú", "Đánh giá Tốt", "Số lượng", "Thời hạn")])
def test_headings_that_merely_end_with_a_level_name_name_no_level(heads: tuple[str, ...]) -> None:
    """One level not named, the levels out of their printed order, or a lone heading ending in "Tốt"."""
    grid, texts = _level_header(heads)
    assert all(c.kind != "level" for c in _columns(grid, texts, 1))


def test_one_misread_level_heading_is_placed_by_the_three_read_without_their_group_heading() -> None:
    """Dev `doc_0003` reduced to 0.6: "Tốt" read "Tất", and a vertical ruling's trace through
    "CẤP ĐỘ THỰC HIỆN" cut it after three columns, so no heading spanned the four levels."""
    grid, texts = _level_header(("Xuất sắc", "Tất", "Trung bình", "Kém"), group=(2, 3))
    columns = _columns(grid, texts, 2)
    assert [(c.kind, c.level) for c in columns[2:]] == [("level", level) for level in Level]
    assert [c.placed for c in columns[2:]] == [False, True, False, False]
    # two read are not enough without the heading spanning the four
    grid, texts = _level_header(("Xuất sắc", "Tất", "Trung bình", "Kén"), group=(2, 3))
    assert [c.kind for c in _columns(grid, texts, 2)[2:]] == ["level", "text", "level", "text"]


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["doc_0002", "doc_0003"])
def test_a_criteria_photo_reduced_to_90_dpi_is_read_whole(stem: str, tmp_path: Path) -> None:
    """Dev's Mẫu 05 photos reduced to 0.6 and sent at JPEG quality 60 (`benchmarks.dev_variants
    --worn`): their level headings' rulings faded, and all eleven criteria went to a person."""
    path, truth = _corpus_file(stem)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    jpeg = tmp_path / f"{stem}.jpg"
    cv2.imwrite(str(jpeg), cv2.resize(image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA),
                [cv2.IMWRITE_JPEG_QUALITY, 60])
    (form,) = read_scan_pages(image_pages(jpeg, jpeg.name), jpeg.name, Pictures())
    want = {c["id"]: c["level"] for c in truth["forms"][0]["criteria"]}  # type: ignore[index]
    assert {c.id: c.level and c.level.value for c in form.criteria} == want
    assert all(c.confidence >= REVIEW_BELOW for c in form.criteria)
