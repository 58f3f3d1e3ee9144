"""The form reader on layouts read from pixels (every piece less than sure): what it could not
attribute or never looked at is doubtful, so the rules send it to a person instead of judging it."""

from __future__ import annotations

import pytest

from domain.forms import catalog
from domain.model import Level, Rating
from domain.rule_sets import rule_set
from parsers.form_reader import read_forms
from parsers.layout import Body, Cell, Line, Piece, Table
from rules.engine import run_rules
from tests.builders import dossier

OCR = 0.95  # an OCR'd piece: sure enough to use, but read from pixels


class _Builder:
    """A layout built by hand: lines of text and one table, every piece at `OCR` confidence."""

    def __init__(self) -> None:
        self.body = Body()

    def line(self, text: str, **where: int | tuple[float, float, float, float]) -> Line:
        line = Line(index=len(self.body.lines), pieces=[Piece(text, confidence=OCR)], **where)  # type: ignore[arg-type]
        self.body.lines.append(line)
        return line

    def typed(self) -> None:
        """Every piece as a Word file gives it: sure, not read off pixels."""
        for line in self.body.lines:
            line.pieces = [Piece(p.text) for p in line.pieces]

    def table(self, rows: list[list[str | None]]) -> None:
        table = Table(index=len(self.body.tables), first_line=len(self.body.lines))
        self.body.tables.append(table)
        for r, texts in enumerate(rows):
            cells: list[Cell | None] = []
            for c, text in enumerate(texts):
                cell = Cell(row=r, col=c, span=1)
                if text is not None:  # None: a cell the reader never put anything in
                    where = {"table": table.index, "row": r, "col": c}
                    cell.lines.append(self.line(text, **where))
                cells.append(cell)
            table.grid.append(cells)


_HEADER: list[str | None] = ["TT", "Họ và tên đảng viên", "Chức vụ", "Đảng viên tự đánh giá, xếp loại",
                             "Đánh giá, xếp loại công chức, viên chức",
                             "Chi ủy nơi đảng viên sinh hoạt đánh giá, xếp loại", "Tập thể lãnh đạo đoàn thể",
                             "Chi bộ đánh giá, xếp loại", "Ghi chú"]


def _summary(rows: list[list[str | None]], header: list[str | None] = _HEADER) -> Body:
    b = _Builder()
    b.line("Mẫu 06-HD KĐ.ĐG 2018")
    b.line("TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN")
    b.table([header, *rows])
    return b.body


def test_a_member_whose_vote_was_not_read_gets_an_unreadable_tally() -> None:
    body = _summary([
        ["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""],
        ["2", "Trần Thị Cúc", "Đảng viên", "HTNV", "HTNV", "HTNV", "", "? ?", ""],
    ])
    (form,) = read_forms(body, "quet.jpg")
    tallies = {t.name: t for t in form.tallies}
    assert tallies["Lê Văn Bình"].votes and tallies["Lê Văn Bình"].confidence >= 0.9
    assert tallies["Trần Thị Cúc"].votes == {} and tallies["Trần Thị Cúc"].confidence == 0


def test_members_whose_branch_cells_did_not_read_get_unreadable_tallies_though_no_vote_was_read() -> None:
    """A Mẫu 06 photo under a warm light (dev `doc_0012` taken again): no branch cell read, so no
    row had a vote to show that the others' were missing, and 28 values were lost unflagged."""
    body = _summary([
        ["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "Jlll (s/ć", ""],
        ["2", "Trần Thị Cúc", "Đảng viên", "HTNV", "HTNV", "HTNV", "", "ĸπ ~", ""],
    ])
    (form,) = read_forms(body, "quet.jpg")
    assert [(t.name, t.votes, t.confidence) for t in form.tallies] == [("Lê Văn Bình", {}, 0.0),
                                                                      ("Trần Thị Cúc", {}, 0.0)]
    # a branch column read surely, with ratings and no votes, is what the clerk wrote
    body = _summary([["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV", ""]])
    (form,) = read_forms(body, "quet.jpg")
    assert form.tallies == []


def test_a_scanned_rows_family_name_is_spelt_as_the_one_it_folds_to() -> None:
    body = _summary([["1", "Khống Đức Vũ", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""]])
    (form,) = read_forms(body, "quet.jpg")
    assert [row.name for row in form.summary_rows] == ["Khổng Đức Vũ"]
    assert [t.name for t in form.tallies] == ["Khổng Đức Vũ"]


def test_a_row_whose_person_could_not_be_read_makes_the_form_doubtful() -> None:
    body = _summary([
        ["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""],
        ["2", "", "Đảng viên", "HTNV", "HTNV", "HTNV", "", "HTNV 05/08/10", ""],
    ])
    (form,) = read_forms(body, "quet.jpg")
    assert form.confidence < 0.9
    d = dossier(form)
    result = run_rules(d, rule_set("2018"))
    assert any(f.rule == "unreadable" and f.field is None for f in result.findings)


@pytest.mark.parametrize("kind", ["minutes", "summary"])
def test_a_scan_whose_table_of_members_gave_no_row_is_doubtful(kind: str) -> None:
    """A minutes photo in shadow, warped by a wrong page outline (dev `doc_0015` taken again), was
    named by its title and gave no vote row: 35 values lost with no finding. From a Word file the
    same empty table is what the clerk sent, and the rules judge it as such."""
    b = _Builder()
    if kind == "minutes":
        b.line("BIÊN BẢN KIỂM PHIẾU")
        b.line("Đánh giá, xếp loại chất lượng đảng viên năm 2021")
        b.line("- Tổng số đảng viên chính thức: 8")
    else:
        b.line("Mẫu 06-HD KĐ.ĐG 2018")
        b.line("TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN")
    (scanned,) = read_forms(b.body, "quet.jpg", ocr=True)
    assert not scanned.tallies and not scanned.summary_rows and scanned.confidence < 0.9
    result = run_rules(dossier(scanned), rule_set("2018"))
    assert any(f.rule == "unreadable" and f.field is None for f in result.findings)
    b.typed()
    (typed,) = read_forms(b.body, "bien-ban.docx")
    assert typed.confidence == 1.0


def test_a_scanned_criterion_row_with_a_level_cell_never_looked_at_is_doubtful() -> None:
    definition = catalog()["2018/mau-05"]
    b = _Builder()
    b.line("Mẫu 05-HD KĐ.ĐG 2018")
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN")
    b.line("- Họ và tên đảng viên: Lê Văn Bình")
    rows: list[list[str | None]] = [["TT", "TIÊU CHÍ ĐÁNH GIÁ", "Xuất sắc", "Tốt", "Trung bình", "Kém"]]
    third, opened = definition.criteria[2].id, ""
    for c in definition.criteria:
        section, _, number = c.id.partition(".")
        if number and section != opened:
            rows.append([section, "Nhóm tiêu chí", "", "", "", ""])
            opened = section
        # The third row: the reader put nothing, not even "empty", in its Tốt cell.
        rows.append([number or section, c.label, "", None if c.id == third else "x", "", ""])
    b.table(rows)
    (form,) = read_forms(b.body, "quet.jpg")
    by_id = {c.id: c for c in form.criteria}
    assert by_id[third].level is None and by_id[third].confidence < 0.9
    assert all(by_id[c.id].level is Level.TOT and by_id[c.id].confidence >= 0.9
               for c in definition.criteria if c.id != third)


@pytest.mark.parametrize(("answer", "rating", "sure"), [
    ("TTNV", None, False),  # "HTTNV", its H's stem lost on a ruling: a rating not made out
    ("HTTNV", Rating.HTTNV, True),
    ("......", None, True),  # the printed blank: no rating, for sure
])
def test_a_scanned_proposed_rating_that_names_none_is_not_a_blank(answer: str, rating: Rating | None,
                                                                  sure: bool) -> None:
    b = _Builder()
    b.line("Mẫu 05-HD KĐ.ĐG 2018")
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN")
    b.line("- Họ và tên đảng viên: Lê Văn Bình")
    b.line(f"Đề nghị xếp loại mức chất lượng: {answer}")
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.rating is not None and form.rating.value is rating
    assert (form.rating.confidence >= 0.9) is sure


def test_an_organisation_misread_as_chi_bo_with_a_hook_is_named_as_printed() -> None:
    """OCR gives "Chỉ bộ" for a bold "Chi bộ"; no word folds to it but "chi bộ", so the subject and
    its unit read "Chi bộ …" as the roster names them."""
    b = _Builder()
    b.line("Mẫu 03-HD KĐ.ĐG 2018")
    b.line("ĐẢNG BỘ XÃ NGHI KIM")
    b.line("CHỈ BỘ THANH TRA SỞ")
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG")
    b.line("VÀ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG")
    b.line("Đánh giá, xếp loại tổ chức đảng: Chỉ bộ Thanh tra Sở")
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.form_id == "2018/mau-03"
    assert form.subject.name == "Chi bộ Thanh tra Sở"
    assert form.subject.unit == "Chi bộ Thanh tra Sở"


@pytest.mark.parametrize(("read", "ocr", "named"), [
    ("Khống Đức Vũ_", True, "Khổng Đức Vũ"),  # a tone mark misread, a line's end taken for a letter
    ("Khống Đức Vũ", False, "Khống Đức Vũ"),  # typed in a file: as typed
])
def test_a_scanned_members_family_name_is_spelt_as_the_one_it_folds_to(read: str, ocr: bool, named: str) -> None:
    b = _Builder()
    b.line("Mẫu 05-HD KĐ.ĐG 2018")
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG")
    b.line("VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN")
    b.line(f"- Họ và tên đảng viên: {read}")
    if not ocr:
        b.typed()
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.subject.name == named


@pytest.mark.parametrize(("second_line_x", "unit"), [
    (225, "Chi bộ Cơ quan Đảng - Đoàn thể xã"),  # centred under the first: the name goes on
    (140, "Chi bộ Cơ quan Đảng - Đoàn"),  # at the column's left, as no centred header sets it
])
def test_a_header_chi_bo_too_long_for_its_column_goes_on_centred_below(second_line_x: float, unit: str) -> None:
    b = _Builder()
    b.line("Mẫu 03-HD KĐ.ĐG 2018")
    b.line("ĐẢNG BỘ XÃ NGHI KIM", box=(150, 100, 350, 112))
    b.line("CHI BỘ CƠ QUAN ĐẢNG - ĐOÀN", box=(140, 114, 360, 126))
    b.line("Hà Tĩnh, ngày 23 tháng 12 năm 2019", box=(420, 116, 600, 128))  # the right-hand column
    b.line("THỂ XÃ", box=(second_line_x, 130, second_line_x + 50, 142))
    b.line("*", box=(248, 146, 252, 150))
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG")
    b.line("VÀ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG")
    b.line("- Đánh giá, xếp loại tổ chức đảng: Chi bộ Cơ quan Đảng - Đoàn thể xã")  # spells the capitals
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.subject.unit == unit


@pytest.mark.parametrize(("subject", "unit"), [
    ("Chi bộ Thanh tra Sở", "Chi bộ Thanh tra Sở"),  # the chi bộ rated is the unit
    ("Đảng bộ xã Nghi Kim", None),  # a đảng bộ is no chi bộ
])
def test_a_party_organisation_whose_header_went_unread_is_its_own_unit(subject: str, unit: str | None) -> None:
    b = _Builder()
    b.line("Mẫu 03-HD KĐ.ĐG 2018")
    b.line("Tnhh")  # the header's chi bộ line, garbled
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG")
    b.line("VÀ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG")
    b.line(f"- Đánh giá, xếp loại tổ chức đảng: {subject}")
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.subject.name == subject
    assert form.subject.unit == unit


@pytest.mark.parametrize(("ocr", "unit"), [
    (True, "Chi bộ Trường Tiểu học Lê Lợi"),  # OCR took the hook above for an acute
    (False, "Chi bộ Trường Tiếu học Lê Lợi"),  # typed in a file: as typed
])
def test_a_scanned_units_known_phrases_are_spelt_as_known(ocr: bool, unit: str) -> None:
    b = _Builder()
    b.line("Mẫu 05-HD KĐ.ĐG 2018")
    b.line("PHIẾU PHÂN TÍCH CHẤT LƯỢNG")
    b.line("VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN")
    b.line("- Họ và tên đảng viên: Lê Văn Hiếu")
    b.line("- Sinh hoạt tại chi bộ: Trường Tiếu học Lê Lợi")
    if not ocr:
        b.typed()
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.subject.unit == unit


def test_a_signature_heading_is_not_read_as_the_chi_bo() -> None:
    """"T/M CHI ỦY (CHI BỘ)" heads the signature of Mẫu 06; with the header's chi bộ line unread (a
    shadow over it), the unit stays unknown instead of becoming "Chi bộ T/M chi ủy"."""
    header: list[str | None] = ["TT", "Họ và tên đảng viên", "Chức vụ", "Đảng viên tự đánh giá, xếp loại",
                                "Chi bộ đánh giá, xếp loại"]
    b = _Builder()
    b.line("Mẫu 06-HD KĐ.ĐG 2018")
    b.line("ĐẢNG BỘ SỞ NỘI VỤ THÁI BÌNH")
    b.line("CHỈ Un")
    b.line("TỔNG HỢP ĐỀ XUẤT MỨC CHẤT LƯỢNG")
    b.line("ĐẢNG VIÊN CỦA CÁC CHỦ THỂ")
    b.table([header, ["1", "Lý Hồng Vân", "Bí thư", "HTTNV", "HTTNV 04/04/04"]])
    b.line("T/M CHI ỦY (CHI BỘ)")
    (form,) = read_forms(b.body, "quet.jpg")
    assert form.form_id == "2018/mau-06"
    assert form.subject.unit is None


def test_a_rating_column_whose_heading_was_misread_is_placed_by_order_and_doubted() -> None:
    misread = [*_HEADER[:3], "iên viên tt tự loại", *_HEADER[4:]]  # "Đảng viên tự đánh giá, xếp loại"
    body = _summary([
        ["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""],
        ["2", "Trần Thị Cúc", "Đảng viên", "HTNV", "", "HTNV", "", "HTNV 05/08/10", ""],
    ], misread)
    (form,) = read_forms(body, "quet.jpg")
    rows = {row.name: row for row in form.summary_rows}
    own = rows["Lê Văn Bình"].ratings["self"]
    assert own.value is not None and own.value.abbreviation == "HTTNV" and own.confidence < 0.9
    assert rows["Lê Văn Bình"].ratings["civil_servant"].confidence >= 0.9  # found by its heading
    assert rows["Trần Thị Cúc"].ratings["self"].value is not None
    assert rows["Trần Thị Cúc"].ratings["civil_servant"].value is None


def test_a_column_between_two_found_ones_is_not_placed_when_the_count_differs() -> None:
    # two rating headings misread, and the posts column's heading too: three unknown columns for
    # two missing ratings, and no order says which two
    misread = [*_HEADER[:2], "Ghi chú", "x", "x", *_HEADER[5:]]
    body = _summary([["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""]],
                    misread)
    (form,) = read_forms(body, "quet.jpg")
    ratings = form.summary_rows[0].ratings
    assert "self" not in ratings and "civil_servant" not in ratings


def test_a_typed_heading_that_matches_no_column_is_not_placed_by_order() -> None:
    b = _Builder()
    b.line("Mẫu 06-HD KĐ.ĐG 2018")
    b.line("TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN")
    b.table([[*_HEADER[:3], "Đảng ủy cấp trên đánh giá", *_HEADER[4:]],
             ["1", "Lê Văn Bình", "Đảng viên", "HTTNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""]])
    b.typed()
    (form,) = read_forms(b.body, "tong-hop.docx")
    assert "self" not in form.summary_rows[0].ratings


def test_writing_read_from_pixels_that_names_no_rating_is_not_a_blank_cell() -> None:
    # the mass organisation's "HTTNV" written over its left ruling came back "TTTNV" (its H's stem
    # painted out with the ruling): no rating, but no blank either
    body = _summary([["1", "Lê Văn Bình", "Đảng viên", "HTTNV", None, "HTNV", "TTTNV", "HTTNV 07/08/10", ""]])
    (form,) = read_forms(body, "quet.jpg")
    ratings = form.summary_rows[0].ratings
    assert ratings["mass_org"].value is None and ratings["mass_org"].confidence == 0.0
    assert ratings["civil_servant"].value is None and ratings["civil_servant"].confidence == 1.0  # blank
    assert ratings["committee"].value is not None and ratings["committee"].confidence == OCR
