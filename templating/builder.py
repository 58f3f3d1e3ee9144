"""Builds the docxtpl template of each form from its definition.

The printed wording comes from the definition (templates/forms/**.yaml); this module decides how
it is laid out: the official header block, title, the fields with the prefilled values, the
criterion grid, rating choices, digit boxes and signature blocks. Every page starts with a
paragraph carrying that page's QR code (anchored in the left binding margin) and the header holds
the four corner markers, so the machine marks never disturb the official text.

While building, each box is recorded in reading order per printed page; the layout extractor
pairs these ids with the squares found in the rendered PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import docx
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from domain.forms import FormDefinition, FormKind, RatingFieldDef
from domain.model import Level, Rating
from templating import docx_kit as kit
from templating.drawing import anchored_picture
from templating.marks import CORNER_MARKERS, aruco_png
from templating.page import A4_LANDSCAPE, A4_PORTRAIT, BOX_GLYPH, MARKER_MM, PageSize

LEVEL_BOX_PT = 15.0
RATING_BOX_PT = 15.0
DIGIT_BOX_PT = 22.0
ROW_DIGIT_PT = 19.0  # digit boxes inside a table row: ~4.3 mm, big enough for a handwritten digit
SMALL_PT = 11.0

INSTRUCTIONS = "Cách ghi: đánh dấu X vào MỘT ô mỗi dòng; muốn hủy ô đã đánh dấu thì tô kín ô đó; mỗi chữ số viết vào một ô."

LEVEL_ORDER: tuple[Level, ...] = (Level.XUAT_SAC, Level.TOT, Level.TRUNG_BINH, Level.KEM)
RATING_ORDER: tuple[Rating, ...] = (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV)
RATING_SHORT = {Rating.HTXSNV: "XS", Rating.HTTNV: "T", Rating.HTNV: "HT", Rating.KHTNV: "K"}

# Who signs under the ratings each evaluator gives (seed 003, Mẫu 01 and 02).
SIGNATURES_PERSON = {
    "self": ("NGƯỜI TỰ KIỂM ĐIỂM", "(Ký, ghi rõ họ tên)"),
    "manager": ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Xác lập thời điểm, ký, ghi rõ họ tên và đóng dấu)"),
    "branch": ("T/M CHI ỦY (CHI BỘ)", "(Xác lập thời điểm, ký, ghi rõ họ tên)"),
    "committee": ("T/M ĐẢNG ỦY (CHI ỦY)", "(Xác lập thời điểm, ký, ghi rõ họ tên và đóng dấu)"),
}
SIGNATURES_COLLECTIVE = {
    "self": ("T/M TẬP THỂ LÃNH ĐẠO, QUẢN LÝ", "(Ký, ghi rõ họ tên và đóng dấu)"),
    "committee": ("T/M BAN THƯỜNG VỤ (ĐẢNG ỦY)", "(Xác lập thời điểm, ký, ghi rõ họ tên và đóng dấu)"),
}
EVALUATION_HEADINGS = {
    "manager": ("Đánh giá, xếp loại chất lượng công chức, viên chức",
                "- Nhận xét, đánh giá của người quản lý, sử dụng công chức, viên chức:"),
    "branch": ("Đánh giá, xếp loại chất lượng đảng viên", "- Nhận xét, đánh giá của chi ủy:"),
    "committee": ("", ""),  # Mẫu 02: the committee rates right under the branch's block
}
EVALUATION_HEADINGS_COLLECTIVE = {
    "committee": ("Cấp có thẩm quyền đánh giá, xếp loại chất lượng", "- Nhận xét chung:"),
}


@dataclass
class BuiltTemplate:
    """A template and what the layout extractor needs to know about it."""

    definition: FormDefinition
    document: DocumentObject
    page: PageSize
    pages: list[list[str]] = field(default_factory=list)  # box ids in reading order, per page design
    slots: tuple[int, int] | None = None  # unit forms: member rows on page 1, on each later page

    @property
    def repeating(self) -> bool:
        """Unit forms repeat their second page design for every page after it."""
        return self.slots is not None


class _Builder:
    """Lays out one form; `pages` collects box ids per printed page in reading order."""

    def __init__(self, definition: FormDefinition, page: PageSize) -> None:
        self.d = definition
        self.page = page
        self.doc: DocumentObject = docx.Document()
        kit.setup_document(self.doc, page)
        self.doc._body.clear_content()  # python-docx starts with one empty paragraph
        self.pages: list[list[str]] = []
        self._header_markers()

    @property
    def width(self) -> float:
        return self.page.body_width_mm

    # -- machine marks ---------------------------------------------------------------------------

    def _header_markers(self) -> None:
        """The four corner markers, once, in the page header: identical on every page."""
        header = self.doc.sections[0].header
        run = header.paragraphs[0].add_run()
        for n, (corner, (x, y)) in enumerate(self.page.marker_origins().items()):
            marker_id = CORNER_MARKERS[corner]
            rid, _image = header.part.get_or_add_image(io.BytesIO(aruco_png(marker_id)))
            xml = anchored_picture(rid, 9000 + n, f"kd-marker-{marker_id}", x, y, MARKER_MM, MARKER_MM)
            run._r.append(parse_xml(xml.replace("<w:drawing>", f"<w:drawing {nsdecls('w', 'wp', 'r')}>", 1)))

    def start_page(self, qr_expression: str, note: str = "", *, repeated: bool = False) -> Paragraph:
        """The first paragraph of a printed page: its QR code (a template expression) and a note.

        A repeated page (inside the page loop) always breaks before; at the top of the document
        the break is ignored by Word and LibreOffice alike.
        """
        para = kit.paragraph(self.doc, align="right", space_after=0)
        para.paragraph_format.page_break_before = repeated or bool(self.pages)
        para.add_run(_p(qr_expression))
        kit.add_text(para, note or " ", italic=True, size=SMALL_PT)
        self.pages.append([])
        return para

    def box(self, para: Paragraph, box_id: str, size: float) -> None:
        kit.add_text(para, BOX_GLYPH, size=size)
        self.pages[-1].append(box_id)

    def digits(self, para: Paragraph, name: str, count: int, size: float = DIGIT_BOX_PT) -> None:
        for i in range(count):
            self.box(para, f"digits:{name}:{i}", size)

    # -- official blocks -------------------------------------------------------------------------

    def header_block(self, left_top: str = "{{ parent_header }}", left_main: str = "{{ unit_header }}") -> None:
        """Party-document header: issuing body left, 'ĐẢNG CỘNG SẢN VIỆT NAM' and place-date right.

        One row of exact height, so a long unit name wraps inside it instead of moving the page.
        """
        tbl = kit.table(self.doc, 1, (self.width * 0.45, self.width * 0.55), borders=False)
        kit.fix_height(tbl, 0, 21)
        left, right = tbl.rows[0].cells
        kit.cell_text(left, left_top, size=12, align="center", middle=False)
        kit.add_text(kit.paragraph(left, align="center", space_after=0), left_main, bold=True, size=12)
        kit.paragraph(left, "*", align="center", space_after=0)
        para = kit.cell_text(right, "", align="center", middle=False)
        kit.add_text(para, "ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, underline=True, size=14)
        date = kit.paragraph(right, "{{ place }}, ngày {{ day }} tháng {{ month }} năm {{ year }}",
                             italic=True, align="center", space_after=0)
        date.paragraph_format.space_before = Pt(8)

    def title(self, *, year_line: bool = False) -> None:
        main, _, sub = self.d.title.partition(" (")
        first, joint, rest = main.partition(" VÀ ")
        para = kit.paragraph(self.doc, first, bold=True, size=14, align="center", space_after=0)
        if joint and len(main) > 40:  # the official two-line title breaks before "VÀ"
            para.runs[-1].add_break()
            kit.add_text(para, joint.strip() + " " + rest, bold=True, size=14)
        elif joint:
            kit.add_text(para, joint + rest, bold=True, size=14)
        para.paragraph_format.space_before = Pt(6)
        if sub:
            kit.paragraph(self.doc, "(" + sub, bold=True, size=13, align="center", space_after=0)
        if year_line:
            kit.paragraph(self.doc, "Năm {{ year }}", bold=True, align="center", space_after=0)
        kit.paragraph(self.doc, INSTRUCTIONS, italic=True, size=10, align="center", space_after=4)

    def fields(self, keys: Sequence[str], bullet: str = "- ") -> None:
        """'Label: value' lines of the form's header fields."""
        by_key = {f.key: f for f in self.d.header_fields}
        self.fixed_lines([(f"{bullet}{by_key[k].label}: ", _p(f"f.{k}"), k == "name") for k in keys if k in by_key])

    def fixed_lines(self, lines: Sequence[tuple[str, str, bool]]) -> None:
        """(printed text, prefilled expression, bold value) lines in a borderless table of exact row
        heights: a long value is clipped at the line's end, never pushes the page down."""
        if not lines:
            return
        tbl = kit.table(self.doc, len(lines), (self.width,), borders=False)
        for row, (text, value, bold) in enumerate(lines):
            kit.fix_height(tbl, row, 5.5)
            kit.add_text(kit.cell_text(tbl.rows[row].cells[0], text), value, bold=bold)
        self.spacer()

    def spacer(self) -> None:
        """Two tables in a row would merge into one: a thin paragraph keeps them apart."""
        kit.paragraph(self.doc, space_after=0).paragraph_format.line_spacing = Pt(3)

    def writing_lines(self, count: int, label: str = "") -> None:
        """Dotted lines to write on; the first may start with a printed label."""
        for n in range(count):
            para = kit.paragraph(self.doc, label if n == 0 else "", space_after=0)
            kit.tab_stop(para, self.width, dotted=True, right=True)
            para.add_run("\t")

    def signature(self, title: str, note: str) -> None:
        tbl = kit.table(self.doc, 1, (self.width * 0.4, self.width * 0.6), borders=False)
        kit.fix_height(tbl, 0, 22)
        cell = tbl.rows[0].cells[1]
        kit.cell_text(cell, title, bold=True, align="center", middle=False)
        kit.paragraph(cell, note, italic=True, size=12, align="center", space_after=0)
        self.spacer()

    # -- rated parts -----------------------------------------------------------------------------

    def rating_choices(self, rating: RatingFieldDef) -> None:
        """The rating line and its four choices as boxes, two per line."""
        kit.paragraph(self.doc, f"- {rating.label}:", bold=True, space_after=0, keep_with_next=True)
        self._rating_pairs(self.doc, rating, indent_mm=6, tab_mm=6 + self.width * 0.45, size=None)

    def _rating_pairs(
        self, container: DocumentObject | _Cell, rating: RatingFieldDef, *, indent_mm: float | None, tab_mm: float,
        size: float | None,
    ) -> None:
        """The four choices of a rating, two per line, each a box and its words."""
        for pair in (RATING_ORDER[:2], RATING_ORDER[2:]):
            para = kit.paragraph(container, space_after=0, indent_mm=indent_mm)
            kit.tab_stop(para, tab_mm)
            for n, value in enumerate(pair):
                if n:
                    para.add_run("\t")
                self.box(para, f"rating:{rating.key}:{value.value}", RATING_BOX_PT)
                kit.add_text(para, " " + value.label, size=size)

    def rating_beside_signature(self, rating: RatingFieldDef, title: str, note: str) -> None:
        """The last rating of a one-page form: its choices, and the signature block beside them."""
        tbl = kit.table(self.doc, 1, (self.width * 0.7, self.width * 0.3), borders=False)
        kit.fix_height(tbl, 0, 23)
        left, right = tbl.rows[0].cells
        kit.cell_text(left, f"- {rating.label}:", bold=True, middle=False)
        self._rating_pairs(left, rating, indent_mm=None, tab_mm=self.width * 0.35, size=11.5)
        kit.cell_text(right, title, bold=True, align="center", middle=False)
        kit.paragraph(right, note, italic=True, size=12, align="center", space_after=0)
        self.spacer()

    def level_row(self, criterion_id: str, label: str) -> None:
        """A criterion of a prose form with its four level boxes on one line."""
        kit.paragraph(self.doc, f"{criterion_id}. {label}", space_after=0, keep_with_next=True)
        para = kit.paragraph(self.doc, "Mức độ: ", italic=True, space_after=2, indent_mm=6)
        for n, level in enumerate(LEVEL_ORDER):
            if n:
                para.add_run("    ")
            self.box(para, f"crit:{criterion_id}:{level.value}", RATING_BOX_PT)
            kit.add_text(para, " " + level.label)

    def points_line(self, criterion_id: str, label: str, maximum: float) -> None:
        width = len(str(int(maximum)))
        para = kit.paragraph(self.doc, f"- {label}: ", space_after=2)
        self.digits(para, f"points:{criterion_id}", width)
        kit.add_text(para, f" / {int(maximum)} điểm")

    def grid(self) -> None:
        """TT | TIÊU CHÍ ĐÁNH GIÁ | CẤP ĐỘ THỰC HIỆN (Xuất sắc, Tốt, Trung bình, Kém), one box per cell."""
        level_w = 17.0
        widths = (11.0, self.width - 11.0 - 4 * level_w, *(level_w,) * 4)
        rows = _grid_rows(self.d)
        tbl = kit.table(self.doc, 2 + len(rows), widths, borders=True)
        head, sub = tbl.rows[0].cells, tbl.rows[1].cells
        kit.cell_text(head[0].merge(sub[0]), "TT", bold=True, align="center")
        kit.cell_text(head[1].merge(sub[1]), "TIÊU CHÍ ĐÁNH GIÁ", bold=True, align="center")
        kit.cell_text(head[2].merge(head[5]), "CẤP ĐỘ THỰC HIỆN", bold=True, align="center")
        for cell, level in zip(sub[2:], LEVEL_ORDER, strict=True):
            kit.cell_text(cell, level.label, bold=True, size=12, align="center")
        kit.repeat_header(tbl, 0)
        kit.repeat_header(tbl, 1)
        for r, (number, label, criterion_id) in enumerate(rows, start=2):
            cells = tbl.rows[r].cells
            bold = criterion_id is None or "." not in criterion_id
            kit.cell_text(cells[0], number, bold=bold, size=12, align="center")
            kit.cell_text(cells[1], label, bold=bold, size=12)
            if criterion_id is None:
                continue
            for cell, level in zip(cells[2:], LEVEL_ORDER, strict=True):
                para = kit.cell_text(cell, "", align="center")
                self.box(para, f"crit:{criterion_id}:{level.value}", LEVEL_BOX_PT)
        self.spacer()


def _grid_rows(definition: FormDefinition) -> list[tuple[str, str, str | None]]:
    """(printed number, label, criterion id or None for a group row) in printed order."""
    rows: list[tuple[str, str, str | None]] = []
    seen_groups: set[str] = set()
    for criterion in definition.criteria:
        group, dot, sub = criterion.id.partition(".")
        if dot and group not in seen_groups:
            seen_groups.add(group)
            rows.append((group, definition.groups.get(group, ""), None))
        rows.append((sub if dot else criterion.id, criterion.label, criterion.id))
    return rows


# -- layouts per kind ------------------------------------------------------------------------------

POSITION_KEYS = ("position_dang", "position_chinh_quyen", "position_doan_the")
NOT_A_LINE = {"date", "year", "party_committee", "superior_comment", "total_points", "issuer", "number"}


def _intro_fields(b: _Builder) -> None:
    """The form's header fields as 'Label: value' lines; Mẫu 05 groups the three posts under one heading."""
    by_key = {f.key: f for f in b.d.header_fields}
    keys = [k for k in by_key if k not in NOT_A_LINE]
    positions = [k for k in keys if k in POSITION_KEYS]
    grouped = bool(positions) and b.d.kind is FormKind.ANALYSIS
    lines = [(f"- {by_key[k].label}: ", _p(f"f.{k}"), k == "name") for k in keys if not grouped or k not in positions]
    if grouped:
        lines += [("- Chức vụ công tác:", "", False)]
        lines += [(f"    + {by_key[k].label}: ", _p(f"f.{k}"), False) for k in positions]
    b.fixed_lines(lines)


def _analysis(b: _Builder) -> None:
    b.start_page("pages[0].qr", b.d.code)
    b.header_block()
    b.title()
    _intro_fields(b)
    b.grid()
    b.writing_lines(1, "Nhận xét chung: ")
    for rating in b.d.rating_fields[:-1]:
        b.rating_choices(rating)
    b.rating_beside_signature(b.d.rating_fields[-1], "Đại diện lãnh đạo", "(Ký, ghi rõ họ tên và đóng dấu)")


def _prose(b: _Builder) -> None:
    """Mẫu 01/02 and their 2023/2025 successors: sections to write, then the rated part."""
    collective = b.d.kind is FormKind.COLLECTIVE_REPORT
    b.start_page("pages[0].qr", b.d.code)
    b.header_block()
    b.title(year_line=True)
    _intro_fields(b)
    for section in b.d.sections:
        if section.new_page:
            _next_page(b)
        if section.heading:
            kit.paragraph(b.doc, section.heading, bold=True, space_after=0, keep_with_next=True)
        if section.text:
            kit.paragraph(b.doc, section.text, align="justify", space_after=0)
        b.writing_lines(section.lines)
    if b.d.points is not None:
        kit.paragraph(b.doc, "Tự chấm điểm (viết mỗi chữ số vào một ô):", bold=True, space_after=2)
        for criterion in b.d.criteria:
            if criterion.max_points is not None:
                b.points_line(criterion.id, criterion.label, criterion.max_points)
        b.points_line("total", "Tổng điểm", b.d.points.total_max)
    elif b.d.criteria:
        kit.paragraph(b.doc, "Tự đánh giá mức độ thực hiện từng nội dung:", bold=True, space_after=2)
        for criterion in b.d.criteria:
            b.level_row(criterion.id, criterion.label)
    signatures = SIGNATURES_COLLECTIVE if collective else SIGNATURES_PERSON
    headings = EVALUATION_HEADINGS_COLLECTIVE if collective else EVALUATION_HEADINGS
    groups: dict[str, list[RatingFieldDef]] = {}
    for rating in b.d.rating_fields:
        groups.setdefault(rating.evaluator, []).append(rating)
    for evaluator, ratings in groups.items():
        if evaluator == "self" and b.d.criteria and not b.d.sections and b.d.points is None:
            _next_page(b)  # the level rows fill the first page
        if evaluator != "self":
            if evaluator == "branch" or (collective and not b.d.sections):
                _next_page(b)
            heading, comment = headings.get(evaluator, ("", ""))
            if heading:
                kit.paragraph(b.doc, heading, bold=True, align="center", space_after=2)
            if comment:
                b.writing_lines(2, comment + " ")
        for rating in ratings:
            b.rating_choices(rating)
        title, note = signatures.get(evaluator, ("T/M CẤP ỦY", "(Ký, ghi rõ họ tên và đóng dấu)"))
        b.signature(title, note)


def _next_page(b: _Builder) -> None:
    n = len(b.pages)
    b.start_page(f"pages[{n}].qr", f"{b.d.code} – trang {n + 1}")


def _re_rating(b: _Builder) -> None:
    b.start_page("pages[0].qr", b.d.code)
    b.header_block()
    kit.paragraph(b.doc, "Số: ……-QĐ/ĐU", align="left", space_after=2)
    b.title()
    b.fields(["name"])
    kit.paragraph(b.doc, "Căn cứ Quy định, Hướng dẫn về kiểm điểm, đánh giá, xếp loại chất lượng hằng năm; "
                  "xét đề nghị của cơ quan chức năng,", align="justify", space_after=2)
    kit.paragraph(b.doc, "QUYẾT ĐỊNH:", bold=True, align="center", space_after=2)
    for rating in b.d.rating_fields:
        b.rating_choices(rating)
    b.writing_lines(2)
    b.signature("T/M BAN THƯỜNG VỤ", "(Ký, ghi rõ họ tên và đóng dấu)")


def _appendix(b: _Builder) -> None:
    """Phụ lục (82 signs, Có / Không): rows of exact heights cut into pages ahead of rendering."""
    widths = (12.0, b.width - 12.0 - 25.0 - 2 * 17.0, 25.0, 17.0, 17.0)
    pages = _paginate([_item_height(item.label, widths[1]) for item in b.d.items], first=185.0, rest=222.0, tail=32.0)
    position = 0
    for n, count in enumerate(pages):
        if n == 0:
            b.start_page("pages[0].qr", b.d.code)
            kit.paragraph(b.doc, b.d.title, bold=True, size=13, align="center", space_after=2)
            kit.paragraph(b.doc, INSTRUCTIONS, italic=True, size=10, align="center", space_after=2)
            b.fields(["name", "unit"])
        else:
            _next_page(b)
        items = b.d.items[position:position + count]
        position += count
        heads = [i for i in items if i.id in b.d.groups]
        tbl = kit.table(b.doc, 1 + len(items) + len(heads), widths, borders=True)
        for cell, text in zip(tbl.rows[0].cells, ("Số TT", "BIỂU HIỆN", "LIÊN HỆ", "Có biểu hiện", "Không có biểu hiện"),
                              strict=True):
            kit.cell_text(cell, text, bold=True, size=11, align="center")
        kit.fix_height(tbl, 0, 12)
        r = 1
        for item in items:
            if item.id in b.d.groups:
                kit.fix_height(tbl, r, 7)
                kit.cell_text(tbl.rows[r].cells[0].merge(tbl.rows[r].cells[-1]), b.d.groups[item.id], bold=True, size=11)
                r += 1
            cells = tbl.rows[r].cells
            kit.fix_height(tbl, r, _item_height(item.label, widths[1]))
            kit.cell_text(cells[0], item.id, size=11, align="center")
            kit.cell_text(cells[1], item.label, size=11)
            for cell, answer in zip(cells[3:], ("co", "khong"), strict=True):
                b.box(kit.cell_text(cell, "", align="center"), f"item:{item.id}:{answer}", RATING_BOX_PT)
            r += 1
    kit.paragraph(b.doc, "")
    b.signature("NGƯỜI TỰ KIỂM ĐIỂM", "(Ký, ghi rõ họ tên)")


def _item_height(label: str, width_mm: float) -> float:
    chars_per_line = max(1, int(width_mm / 1.75))  # Times New Roman 11 pt, with room for wide Vietnamese letters
    lines = -(-len(label) // chars_per_line)
    return 1.6 + 4.6 * max(1, lines)


def _paginate(heights: Sequence[float], first: float, rest: float, tail: float) -> list[int]:
    """How many rows fit on each page, given the room (mm) on the first page and on the others;
    the last page keeps `tail` mm for what follows the table."""
    pages: list[int] = []
    room, count = first, 0
    for h in heights:
        if h > room and count:
            pages.append(count)
            room, count = rest, 0
        room -= h
        count += 1
    if room < tail and count > 1:
        pages.append(count - 1)
        count = 1
    pages.append(count)
    return pages


# -- unit forms: one row per member, repeated pages ------------------------------------------------


@dataclass(frozen=True)
class MemberTable:
    """How a unit form lays out its member rows."""

    widths: Callable[[float], tuple[float, ...]]
    head: Callable[[_Builder, Table], None]  # writes the header rows
    row: Callable[[_Builder, Table, int, int], None]  # (builder, table, table row, member slot)
    header_rows: int
    row_height_mm: float
    header_height_mm: float


def _p(expression: str) -> str:
    return "{{ " + expression + " }}"


def _member_cells(b: _Builder, cells: Sequence[_Cell], slot: int, with_positions: bool) -> None:
    kit.cell_text(cells[0], _p(f"page.rows[{slot}].number"), size=12, align="center")
    kit.cell_text(cells[1], _p(f"page.rows[{slot}].name"), size=11)
    if with_positions:
        kit.cell_text(cells[2], _p(f"page.rows[{slot}].positions"), size=10)


def _slot_cell(cell: _Cell) -> Paragraph:
    """A box cell of a member row, top-aligned: a long name wrapping in its own cell cannot shift it."""
    para = kit.cell_text(cell, "", align="center", middle=False)
    para.paragraph_format.space_before = Pt(4)
    return para


def _rating_boxes(b: _Builder, cells: Sequence[_Cell], field_name: str) -> None:
    for cell, value in zip(cells, RATING_ORDER, strict=True):
        b.box(_slot_cell(cell), f"rating:{field_name}:{value.value}", RATING_BOX_PT)


def _rating_subheads(cells: Sequence[_Cell]) -> None:
    for cell, value in zip(cells, RATING_ORDER, strict=True):
        kit.cell_text(cell, RATING_SHORT[value], bold=True, size=8, align="center")


def _summary_table(d: FormDefinition) -> MemberTable:
    """Mẫu 06: each evaluator's rating as four boxes (XS, T, HT, K), the branch vote as digits."""
    columns = d.summary_columns
    sub = 6.8

    def widths(total: float) -> tuple[float, ...]:
        fixed = 8.0 + 26.0 + 4 * sub * len(columns) + 30.0 + 12.0
        return (8.0, total - fixed, 26.0, *(sub,) * (4 * len(columns)), 30.0, 12.0)

    def head(b: _Builder, tbl: Table) -> None:
        top, low = tbl.rows[0].cells, tbl.rows[1].cells
        for c, text in ((0, "TT"), (1, "Họ và tên đảng viên"), (2, "Chức vụ đảng, chính quyền, đoàn thể")):
            kit.cell_text(top[c].merge(low[c]), text, bold=True, size=10, align="center")
        for n, column in enumerate(columns):
            start = 3 + 4 * n
            kit.cell_text(top[start].merge(top[start + 3]), column.label, bold=True, size=9, align="center")
            _rating_subheads(low[start:start + 4])
        votes = 3 + 4 * len(columns)
        kit.cell_text(top[votes].merge(low[votes]), "Số phiếu chi bộ (tán thành/có mặt/tổng số)", bold=True, size=9,
                      align="center")
        kit.cell_text(top[votes + 1].merge(low[votes + 1]), "Ghi chú", bold=True, size=10, align="center")

    def row(b: _Builder, tbl: Table, r: int, slot: int) -> None:
        cells = tbl.rows[r].cells
        _member_cells(b, cells, slot, with_positions=True)
        for n, column in enumerate(columns):
            _rating_boxes(b, cells[3 + 4 * n:7 + 4 * n], f"row{slot}.{column.key}")
        _vote_digits(b, _slot_cell(cells[3 + 4 * len(columns)]), f"row{slot}.branch")

    return MemberTable(widths, head, row, header_rows=2, row_height_mm=10.0, header_height_mm=24.0)


def _vote_digits(b: _Builder, para: Paragraph, name: str) -> None:
    """votes / present / total, two digits each, with printed separators: □□/□□/□□."""
    for n, part in enumerate(("votes", "present", "total")):
        if n:
            kit.add_text(para, "/", size=12)
        b.digits(para, f"{name}.{part}", 2, size=ROW_DIGIT_PT)


def _minutes_table(d: FormDefinition) -> MemberTable:
    digits = 3

    def widths(total: float) -> tuple[float, ...]:
        fixed = 10.0 + 4 * 24.0 + 4 * 8.0
        return (10.0, total - fixed, *(24.0,) * 4, *(8.0,) * 4)

    def head(b: _Builder, tbl: Table) -> None:
        top, low = tbl.rows[0].cells, tbl.rows[1].cells
        kit.cell_text(top[0].merge(low[0]), "STT", bold=True, size=11, align="center")
        kit.cell_text(top[1].merge(low[1]), "Họ và tên", bold=True, size=11, align="center")
        kit.cell_text(top[2].merge(top[5]), "Số phiếu đánh giá, xếp loại", bold=True, size=11, align="center")
        for cell, value in zip(low[2:6], RATING_ORDER, strict=True):
            kit.cell_text(cell, value.label, bold=True, size=9, align="center")
        kit.cell_text(top[6].merge(top[9]), "Kết quả", bold=True, size=11, align="center")
        _rating_subheads(low[6:10])

    def row(b: _Builder, tbl: Table, r: int, slot: int) -> None:
        cells = tbl.rows[r].cells
        _member_cells(b, cells, slot, with_positions=False)
        for cell, value in zip(cells[2:6], RATING_ORDER, strict=True):
            b.digits(_slot_cell(cell), f"row{slot}.votes.{value.value}", digits, ROW_DIGIT_PT)
        _rating_boxes(b, cells[6:10], f"row{slot}.result")

    return MemberTable(widths, head, row, header_rows=2, row_height_mm=10.0, header_height_mm=16.0)


def _ballot_table(d: FormDefinition) -> MemberTable:
    def widths(total: float) -> tuple[float, ...]:
        fixed = 10.0 + 4 * 20.0
        return (10.0, total - fixed, *(20.0,) * 4)

    def head(b: _Builder, tbl: Table) -> None:
        cells = tbl.rows[0].cells
        kit.cell_text(cells[0], "STT", bold=True, size=11, align="center")
        kit.cell_text(cells[1], "Họ và tên", bold=True, size=11, align="center")
        for cell, column in zip(cells[2:], d.summary_columns, strict=True):
            kit.cell_text(cell, column.label, bold=True, size=10, align="center")

    def row(b: _Builder, tbl: Table, r: int, slot: int) -> None:
        cells = tbl.rows[r].cells
        _member_cells(b, cells, slot, with_positions=False)
        for cell, column in zip(cells[2:], d.summary_columns, strict=True):
            b.box(_slot_cell(cell), f"rating:row{slot}:{column.key}", LEVEL_BOX_PT)

    return MemberTable(widths, head, row, header_rows=1, row_height_mm=9.0, header_height_mm=16.0)


def _minutes_header(b: _Builder) -> None:
    """Meeting times and the counts of the minutes, as digit boxes."""
    b.fixed_lines([("Hội nghị: ", "{{ unit }}", True)])
    para = kit.paragraph(b.doc, "Thời gian: bắt đầu lúc ", space_after=2)
    b.digits(para, "start.hour", 2, ROW_DIGIT_PT)
    kit.add_text(para, " giờ ")
    b.digits(para, "start.minute", 2, ROW_DIGIT_PT)
    kit.add_text(para, ", kết thúc lúc ")
    b.digits(para, "end.hour", 2, ROW_DIGIT_PT)
    kit.add_text(para, " giờ ")
    b.digits(para, "end.minute", 2, ROW_DIGIT_PT)
    kit.add_text(para, ".")
    by_key = {f.key: f for f in b.d.header_fields}
    counts = [k for k in ("total", "present", "absent", "issued", "returned", "valid") if k in by_key]
    for line in (counts[:3], counts[3:]):
        para = kit.paragraph(b.doc, space_after=2)
        for n, key in enumerate(line):
            kit.add_text(para, ("; " if n else "- ") + by_key[key].label + ": ")
            b.digits(para, key, 3, ROW_DIGIT_PT)


SIGNERS = {
    FormKind.SUMMARY: ("T/M CHI ỦY (CHI BỘ)", "(Ký, ghi rõ họ tên)"),
    FormKind.MINUTES: ("TỔ KIỂM PHIẾU", "(Ký, ghi rõ họ tên từng thành viên)"),
    FormKind.BALLOT: ("", "Phiếu không ghi tên người bỏ phiếu."),
}


def _unit_form(b: _Builder, spec: MemberTable, first_extra_mm: float) -> tuple[int, int]:
    """A page loop: page 1 has the header, title and extras; every page has a full member table.

    Returns the member slots per page. Every slot is printed (blank ones too, for a member added by
    hand), and every page leaves room for the signature, so the page count depends on the roster only.
    """
    body_h = b.page.height_mm - 40.0
    room_first = body_h - 58.0 - first_extra_mm - spec.header_height_mm - 30.0
    room_next = body_h - 8.0 - spec.header_height_mm - 30.0
    slots_first = int(room_first // spec.row_height_mm)
    slots_next = int(room_next // spec.row_height_mm)
    widths = spec.widths(b.width)

    kit.paragraph(b.doc, "{%p for page in pages %}")
    b.start_page("page.qr", "{{ page.note }}", repeated=True)
    b.pages[-1] = []
    kit.paragraph(b.doc, "{%p if page.number == 1 %}")
    b.header_block()
    b.title(year_line=b.d.kind is not FormKind.BALLOT)
    if b.d.kind is FormKind.MINUTES:
        _minutes_header(b)
    first_only = b.pages.pop()
    designs: list[list[str]] = []
    for slots in (slots_first, slots_next):
        if designs:
            kit.paragraph(b.doc, "{%p else %}")
        b.pages.append([])
        tbl = kit.table(b.doc, spec.header_rows, widths, borders=True)
        spec.head(b, tbl)
        for slot in range(slots):
            r = len(tbl.rows)
            tbl.add_row()  # type: ignore[no-untyped-call]
            kit.fix_height(tbl, r, spec.row_height_mm)
            spec.row(b, tbl, r, slot)
        b.spacer()
        designs.append(b.pages.pop())
    kit.paragraph(b.doc, "{%p endif %}")
    kit.paragraph(b.doc, "{%p if page.last %}")
    title, note = SIGNERS[b.d.kind]
    if title:
        b.signature(title, note)
    else:
        kit.paragraph(b.doc, note, italic=True, align="center")
    kit.paragraph(b.doc, "{%p endif %}")
    kit.paragraph(b.doc, "{%p endfor %}")
    b.pages = [first_only + designs[0], designs[1]]
    return slots_first, slots_next


UNIT_TABLES: dict[FormKind, tuple[Callable[[FormDefinition], MemberTable], float]] = {
    FormKind.SUMMARY: (_summary_table, 0.0),
    FormKind.MINUTES: (_minutes_table, 14.0),
    FormKind.BALLOT: (_ballot_table, -12.0),
}
LAYOUTS: dict[FormKind, Callable[[_Builder], None]] = {
    FormKind.ANALYSIS: _analysis,
    FormKind.SELF_REVIEW: _prose,
    FormKind.COLLECTIVE_REPORT: _prose,
    FormKind.RE_RATING: _re_rating,
    FormKind.APPENDIX: _appendix,
}


def build_template(definition: FormDefinition) -> BuiltTemplate:
    """The docxtpl template of a form, with its box ids per page design."""
    if definition.kind in UNIT_TABLES:
        make_table, first_extra = UNIT_TABLES[definition.kind]
        page = A4_PORTRAIT if definition.kind is FormKind.BALLOT else A4_LANDSCAPE
        b = _Builder(definition, page)
        slots = _unit_form(b, make_table(definition), first_extra)
        return BuiltTemplate(definition, b.doc, page, b.pages, slots)
    if definition.kind not in LAYOUTS:
        raise ValueError(f"{definition.id}: no layout for forms of kind {definition.kind}")
    b = _Builder(definition, A4_PORTRAIT)
    LAYOUTS[definition.kind](b)
    return BuiltTemplate(definition, b.doc, A4_PORTRAIT, b.pages, None)
