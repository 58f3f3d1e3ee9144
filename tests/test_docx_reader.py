"""The Word reader: the development corpus read exactly, every way of marking a cell, and the
files it must refuse."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument

from domain.errors import FileRejected, UnknownForm
from domain.forms import catalog
from domain.model import Document, DocumentKind, Level, Rating
from parsers.docx_reader import parse_docx
from parsers.identify import find_forms, identify_form
from tests import docx_factory as f
from tests.corpus import CORPUS, assert_matches_truth, corpus_files, tally_tuple

CORPUS_FILES = corpus_files({"docx"})
MAU_05 = "2018/mau-05"


@pytest.mark.skipif(not CORPUS_FILES, reason="development corpus not present")
@pytest.mark.parametrize(("path", "truth"), CORPUS_FILES, ids=[str(p.relative_to(CORPUS)) for p, _ in CORPUS_FILES])
def test_corpus_file_matches_truth(path: Path, truth: dict[str, Any]) -> None:
    document = parse_docx(path)
    assert document.kind == DocumentKind.DOCX
    assert_matches_truth(document, truth)


# ---------------------------------------------------------------------------------------------
# Synthetic forms: the ways a level can be marked
# ---------------------------------------------------------------------------------------------


def _read(doc: Any, tmp_path: Path, name: str = "phieu.docx") -> Document:
    return parse_docx(f.save(doc, tmp_path / name))


def _mau05(tmp_path: Path, marks: dict[str, Any], **kwargs: Any) -> Any:
    document = _read(f.analysis_form(catalog()[MAU_05], marks, **kwargs), tmp_path)
    (form,) = document.forms
    assert form.form_id == MAU_05
    return form


def _criterion(form: Any, cid: str) -> Any:
    return next(c for c in form.criteria if c.id == cid)


@pytest.mark.parametrize(
    "writer",
    [
        f.text("X"),
        f.text("x"),
        f.text("✓"),
        f.text("✔"),
        f.text("☒"),
        f.text("•"),
        f.text("+"),
        f.text("v"),
        f.shaded(),
        f.checkbox(True),
        f.highlighted(),
        f.inserted("X"),
    ],
    ids=["X", "x", "check", "heavy-check", "ballot-x", "bullet", "plus", "v", "shaded", "checkbox", "highlight", "ins"],
)
def test_every_kind_of_mark_reads_as_the_level(tmp_path: Path, writer: Any) -> None:
    form = _mau05(tmp_path, {"I.1": [(Level.TOT, writer)], "II.2": [(Level.KEM, f.text("X"))]})
    assert _criterion(form, "I.1").level == Level.TOT
    assert _criterion(form, "I.1").confidence == 1.0
    assert _criterion(form, "II.2").level == Level.KEM
    assert _criterion(form, "I.2").level is None


def test_unchecked_checkbox_is_not_a_mark(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {"I.1": [(Level.XUAT_SAC, f.checkbox(False)), (Level.TOT, f.checkbox(True))]})
    assert _criterion(form, "I.1").level == Level.TOT
    assert _criterion(form, "I.1").marked == [Level.TOT]


def test_placeholder_dots_are_not_a_mark(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {"I.1": [(Level.XUAT_SAC, f.text("…")), (Level.KEM, f.text(" . "))]})
    assert _criterion(form, "I.1").level is None
    assert _criterion(form, "I.1").marked == []


def test_deleted_mark_is_ignored_and_inserted_one_read(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {"I.3": [(Level.XUAT_SAC, f.deleted("X")), (Level.TRUNG_BINH, f.inserted("X"))]})
    row = _criterion(form, "I.3")
    assert row.level == Level.TRUNG_BINH
    assert row.marked == [Level.TRUNG_BINH]
    assert row.cancelled == [Level.XUAT_SAC]


def test_deleted_only_mark_leaves_the_row_unmarked(tmp_path: Path) -> None:
    row = _criterion(_mau05(tmp_path, {"III": [(Level.TOT, f.deleted("✓"))]}), "III")
    assert row.level is None
    assert row.marked == []
    assert row.cancelled == [Level.TOT]


def test_struck_mark_is_cancelled_not_marked(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {"II.1": [(Level.TOT, f.struck("X")), (Level.XUAT_SAC, f.text("X"))]})
    row = _criterion(form, "II.1")
    assert row.level == Level.XUAT_SAC
    assert row.marked == [Level.XUAT_SAC]
    assert row.cancelled == [Level.TOT]


def test_two_marks_leave_the_level_open_and_list_both(tmp_path: Path) -> None:
    row = _criterion(_mau05(tmp_path, {"IV": [(Level.TOT, f.text("X")), (Level.KEM, f.text("✓"))]}), "IV")
    assert row.level is None
    assert row.marked == [Level.TOT, Level.KEM]


def test_columns_follow_their_header_words_with_merged_header_and_blank_rows(tmp_path: Path) -> None:
    order = (Level.KEM, Level.TRUNG_BINH, Level.TOT, Level.XUAT_SAC)
    marks = {"I.1": [(Level.XUAT_SAC, f.text("X"))], "VI": [(Level.TRUNG_BINH, f.text("X"))]}
    form = _mau05(tmp_path, marks, level_order=order, blank_rows=3)
    assert [c.id for c in form.criteria] == [c.id for c in catalog()[MAU_05].criteria]
    assert _criterion(form, "I.1").level == Level.XUAT_SAC
    assert _criterion(form, "VI").level == Level.TRUNG_BINH
    assert _criterion(form, "I.1").location is not None


def test_a_defined_criterion_without_a_row_is_unread(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {"I.1": [(Level.TOT, f.text("X"))]}, skip=["I.5"])
    ids = [c.id for c in form.criteria]
    assert ids == [c.id for c in catalog()[MAU_05].criteria]
    assert _criterion(form, "I.5").level is None
    assert _criterion(form, "I.5").confidence == 0.0


def test_rows_that_come_out_with_one_id_are_all_unsure(tmp_path: Path) -> None:
    """A section heading whose number is lost ("II" left blank, as a scan's bold heading went
    unread) numbers the rows under it as the section above's: II.1 and II.2 came out as a second
    I.1 and I.2. Which of each pair is I.1 is not known, so none of them is taken for sure."""
    marks = {"I.1": [(Level.TOT, f.text("X"))], "I.2": [(Level.TOT, f.text("X"))],
             "II.1": [(Level.XUAT_SAC, f.text("X"))], "II.2": [(Level.XUAT_SAC, f.text("X"))]}
    doc = f.analysis_form(catalog()[MAU_05], marks)
    grid = doc.tables[-1]
    heading = next(row for row in grid.rows if row.cells[0].text == "II")
    heading.cells[0].text = ""
    (form,) = _read(doc, tmp_path).forms
    repeated = [c for c in form.criteria if c.id in ("I.1", "I.2")]
    assert len(repeated) == 4 and all(c.confidence < 0.9 for c in repeated)
    assert all(c.confidence == 1.0 for c in form.criteria if c.id in ("I.3", "III"))


def test_row_wide_shading_is_styling_not_a_mark(tmp_path: Path) -> None:
    grey = [(level, f.shaded("D9D9D9")) for level in Level]
    form = _mau05(tmp_path, {"III": [*grey, (Level.TOT, f.text("X"))]})
    assert _criterion(form, "III").level == Level.TOT


def test_header_fields_and_subject(tmp_path: Path) -> None:
    form = _mau05(tmp_path, {}, name="Huỳnh Minh Oanh", unit="Phòng Ngân sách")
    assert form.subject.name == "Huỳnh Minh Oanh"
    assert form.subject.unit == "Chi bộ Phòng Ngân sách"
    assert form.evaluator == "Đảng viên tự đánh giá"
    assert form.date is not None and form.date.isoformat() == "2019-12-14"
    assert "position_dang" not in form.fields  # a dotted blank is no value


# ---------------------------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------------------------

RATING_LIST = (
    '("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ").'
)


@pytest.mark.parametrize(
    ("lines", "value", "candidates"),
    [
        (["Đề nghị xếp loại mức chất lượng: “HOÀN THÀNH TỐT NHIỆM VỤ”", RATING_LIST], Rating.HTTNV, []),
        (["Đề nghị xếp loại mức chất lượng: HTTNV", RATING_LIST], Rating.HTTNV, []),
        (["Đề nghị xếp loại mức chất lượng: Hoàn thành xuất sắc nhiệm vụ"], Rating.HTXSNV, []),
        (["Đề nghị xếp loại mức chất lượng: Không hoàn thành nhiệm vụ"], Rating.KHTNV, []),
        (["Đề nghị xếp loại mức chất lượng: ....................", RATING_LIST], None, []),
        (["Đề nghị xếp loại mức chất lượng:", RATING_LIST], None, []),
        (["Đề nghị xếp loại mức chất lượng:", "Hoàn thành nhiệm vụ", RATING_LIST], Rating.HTNV, []),
        (["Đề nghị xếp loại mức chất lượng: HTTNV hoặc HTNV"], None, [Rating.HTTNV, Rating.HTNV]),
        (["Đề nghị xếp loại mức chất lượng: ☐ HTXSNV ☒ HTTNV ☐ HTNV ☐ KHTNV"], Rating.HTTNV, []),
    ],
    ids=["quoted-caps", "abbreviation", "words", "not-done", "dotted", "label-alone", "next-line", "two", "boxes"],
)
def test_rating_line(tmp_path: Path, lines: list[str], value: Rating | None, candidates: list[Rating]) -> None:
    form = _mau05(tmp_path, {}, rating_lines=lines)
    assert form.rating is not None
    assert form.rating.value == value
    assert form.rating.candidates == candidates
    assert form.ratings["proposed"] == form.rating


def test_rating_with_tracked_changes_and_strike_through(tmp_path: Path) -> None:
    doc = f.analysis_form(catalog()[MAU_05], {}, rating_lines=())
    line = doc.add_paragraph("Đề nghị xếp loại mức chất lượng: ")
    for write in (f.deleted("Hoàn thành xuất sắc nhiệm vụ"), f.struck("HTNV"), f.inserted("Hoàn thành tốt nhiệm vụ")):
        write(line)
    doc.add_paragraph(RATING_LIST)
    (form,) = _read(doc, tmp_path).forms
    assert form.rating is not None
    assert form.rating.value == Rating.HTTNV
    assert form.rating.raw == "Hoàn thành tốt nhiệm vụ"


def test_self_review_ratings_by_label(tmp_path: Path) -> None:
    doc = WordDocument()
    for line in [
        "Mẫu 02-HD KĐ.ĐG 2018",
        "BẢN KIỂM ĐIỂM CÁ NHÂN",
        "Năm 2019",
        "Họ và tên: Huỳnh Minh Oanh      Ngày sinh: 19/03/1985",
        "Chức vụ Đảng: Chi ủy viên",
        "Chi bộ: Khoa Nội",
        "VII. Tự nhận mức xếp loại chất lượng",
        "1. Xếp loại cán bộ, công chức, viên chức: Hoàn thành tốt nhiệm vụ",
        "2. Xếp loại đảng viên: HTTNV (kèm theo phiếu phân tích chất lượng-Mẫu 5)",
        "- Chi bộ đề xuất xếp loại mức chất lượng: HTNV",
        "- Đảng ủy, chi ủy cơ sở xếp loại mức chất lượng: ........................................",
        "Hà Nội, ngày 10 tháng 12 năm 2019",
    ]:
        doc.add_paragraph(line)
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "2018/mau-02"
    assert form.subject.name == "Huỳnh Minh Oanh"
    assert form.subject.date_of_birth is not None and form.subject.date_of_birth.isoformat() == "1985-03-19"
    assert form.subject.unit == "Chi bộ Khoa Nội"
    assert form.subject.positions == {"dang": "Chi ủy viên"}
    assert form.rating is not None and form.rating.value == Rating.HTTNV
    values = {k: v.value for k, v in form.ratings.items()}
    assert values == {
        "civil_servant_self": Rating.HTTNV,
        "party_self": Rating.HTTNV,
        "manager": None,
        "branch": Rating.HTNV,
        "committee": None,
    }
    assert form.ratings["manager"].confidence == 0.0  # label not printed at all
    assert form.ratings["committee"].confidence == 1.0  # printed, left blank


def test_collective_report_caption_and_two_ratings(tmp_path: Path) -> None:
    doc = WordDocument()
    for line in [
        "Mẫu 01-HD KĐ.ĐG 2018",
        "ĐẢNG BỘ HUYỆN YÊN THÀNH",
        "CHI ỦY CHI BỘ CÔNG AN XÃ",
        "(Tập thể kiểm điểm)",
        "BÁO CÁO KIỂM ĐIỂM TẬP THỂ",
        "Năm 2019",
        "VII. Đề nghị xếp loại mức chất lượng: Hoàn thành tốt nhiệm vụ",
        "Nhận xét chung: Tập thể đoàn kết.",
        "Xếp loại mức chất lượng: Hoàn thành nhiệm vụ",
    ]:
        doc.add_paragraph(line)
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "2018/mau-01"
    assert form.subject.name == "CHI ỦY CHI BỘ CÔNG AN XÃ"
    assert form.fields["year"] == "2019"
    assert form.fields["party_committee"] == "HUYỆN YÊN THÀNH"
    assert form.rating is not None and form.rating.value == Rating.HTTNV
    assert form.ratings["superior"].value == Rating.HTNV


# ---------------------------------------------------------------------------------------------
# Row tables, several forms, other layouts
# ---------------------------------------------------------------------------------------------


def _summary_doc() -> Any:
    doc = WordDocument()
    doc.add_paragraph("Mẫu 06-HD KĐ.ĐG 2018")
    doc.add_paragraph("CHI BỘ: KHOA NỘI")
    doc.add_paragraph("TỔNG HỢP ĐỀ XUẤT MỨC CHẤT LƯỢNG")
    doc.add_paragraph("ĐẢNG VIÊN CỦA CÁC CHỦ THỂ")
    headers = ["TT", "Họ và tên đảng viên", "Chức vụ đảng, chính quyền, đoàn thể"]
    headers += [c.label for c in catalog()["2018/mau-06"].summary_columns] + ["Ghi chú"]
    table = doc.add_table(rows=1, cols=len(headers))
    for k, h in enumerate(headers):
        table.cell(0, k).text = h
    for row in [
        ["1", "Lê Văn Bình", "Bí thư", "HTXSNV", "HTTNV", "HTTNV", "", "HTTNV 07/08/10", ""],
        ["2", "Trần Thị Cúc", "Đảng viên", "HTTNV", "HTTNV", "HTNV", "HTNV", "HTNV (5/8/10)", ""],
    ]:
        cells = table.add_row().cells
        for k, value in enumerate(row):
            cells[k].text = value
    return doc


def test_summary_rows_and_tallies(tmp_path: Path) -> None:
    (form,) = _read(_summary_doc(), tmp_path).forms
    assert form.form_id == "2018/mau-06"
    assert form.subject.name is None
    assert [r.name for r in form.summary_rows] == ["Lê Văn Bình", "Trần Thị Cúc"]
    first = form.summary_rows[0]
    assert first.positions == "Bí thư"
    assert first.ratings["self"].value == Rating.HTXSNV
    assert first.ratings["mass_org"].value is None
    assert first.ratings["branch"].value == Rating.HTTNV
    assert [tally_tuple(t) for t in form.tallies] == [
        ("Lê Văn Bình", {"httnv": 7}, 8, 10, "httnv"),
        ("Trần Thị Cúc", {"htnv": 5}, 8, 10, "htnv"),
    ]
    assert form.tallies[0].raw == "HTTNV 07/08/10"


def test_minutes_with_two_row_header_percent_and_times(tmp_path: Path) -> None:
    doc = WordDocument()
    for line in [
        "BIÊN BẢN KIỂM PHIẾU",
        "Hôm nay, ngày 20 tháng 12 năm 2019, tại Khoa Nội, Ban kiểm phiếu gồm các đồng chí:",
        "Hội nghị bắt đầu lúc 8 giờ 00.",
        "- Tổng số đảng viên chính thức: 10 đồng chí",
        "- Số có mặt: 9 đồng chí",
        "- Số phiếu phát ra: 9 phiếu",
        "- Số phiếu thu vào: 9 phiếu",
        "- Số phiếu hợp lệ: 8 phiếu",
    ]:
        doc.add_paragraph(line)
    table = doc.add_table(rows=2, cols=8)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "TT"
    table.cell(0, 1).merge(table.cell(1, 1)).text = "Họ và tên"
    table.cell(0, 2).merge(table.cell(0, 5)).text = "Số phiếu"
    for k, h in enumerate(["Hoàn thành xuất sắc nhiệm vụ", "HTTNV", "HTNV", "Không hoàn thành nhiệm vụ"]):
        table.cell(1, 2 + k).text = h
    table.cell(0, 6).merge(table.cell(1, 6)).text = "Tỷ lệ (%)"
    table.cell(0, 7).merge(table.cell(1, 7)).text = "Kết quả"
    cells = table.add_row().cells
    for k, value in enumerate(["1", "Đồng chí Lê Văn Bình", "1", "6", "1", "0", "60", "HTTNV"]):
        cells[k].text = value
    doc.add_paragraph("Hội nghị kết thúc lúc 11 giờ 30 cùng ngày.")
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "bien-ban-kiem-phieu"
    assert form.subject.unit == "Chi bộ Khoa Nội"
    (tally,) = form.tallies
    assert tally_tuple(tally) == ("Lê Văn Bình", {"htxsnv": 1, "httnv": 6, "htnv": 1, "khtnv": 0}, 9, 10, "httnv")
    assert tally.percent == 60
    assert form.ballots is not None and (form.ballots.issued, form.ballots.returned, form.ballots.valid) == (9, 9, 8)
    assert form.meeting_start is not None and form.meeting_start.isoformat() == "2019-12-20T08:00:00"
    assert form.meeting_end is not None and form.meeting_end.isoformat() == "2019-12-20T11:30:00"


def test_ballot_rows_read_the_ticked_box(tmp_path: Path) -> None:
    doc = WordDocument()
    doc.add_paragraph("PHIẾU ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG")
    doc.add_paragraph("ĐẢNG VIÊN NĂM 2019")
    doc.add_paragraph("Chi bộ: Khoa Nội")
    table = doc.add_table(rows=1, cols=6)
    for k, h in enumerate(["STT", "Họ và tên", "HTXSNV", "HTTNV", "HTNV", "KHTNV"]):
        table.cell(0, k).text = h
    for row in [["1", "Lê Văn Bình", "", "X", "", ""], ["2", "Trần Thị Cúc", "X", "", "X", ""]]:
        cells = table.add_row().cells
        for k, value in enumerate(row):
            cells[k].text = value
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "phieu-bieu-quyet"
    assert form.subject.unit == "Chi bộ Khoa Nội"
    votes = {row.name: (row.ratings["vote"].value, row.ratings["vote"].candidates) for row in form.summary_rows}
    assert votes == {"Lê Văn Bình": (Rating.HTTNV, []), "Trần Thị Cúc": (None, [Rating.HTXSNV, Rating.HTNV])}
    assert [(t.name, t.votes) for t in form.tallies] == [("Lê Văn Bình", {Rating.HTTNV: 1})]  # spoilt row not counted


def test_summary_then_minutes_in_one_file(tmp_path: Path) -> None:
    doc = _summary_doc()
    doc.add_page_break()
    header = doc.add_table(rows=1, cols=2)
    header.cell(0, 0).text = "CHI BỘ KHOA NỘI"
    header.cell(0, 1).text = "Hà Nội, ngày 21 tháng 12 năm 2019"
    doc.add_paragraph("BIÊN BẢN KIỂM PHIẾU")
    doc.add_paragraph("- Tổng số đảng viên chính thức: 10 đồng chí")
    doc.add_paragraph("- Số có mặt: 8 đồng chí")
    table = doc.add_table(rows=2, cols=7)
    for k, h in enumerate(["TT", "Họ và tên", "HTXSNV", "HTTNV", "HTNV", "KHTNV", "Kết quả"]):
        table.cell(0, k).text = h
    for k, value in enumerate(["1", "Lê Văn Bình", "0", "7", "1", "0", "Hoàn thành tốt nhiệm vụ"]):
        table.cell(1, k).text = value
    document = _read(doc, tmp_path)
    assert [form.form_id for form in document.forms] == ["2018/mau-06", "bien-ban-kiem-phieu"]
    summary, minutes = document.forms
    assert len(summary.tallies) == 2
    assert minutes.date is not None and minutes.date.isoformat() == "2019-12-21"
    assert minutes.page == 2
    assert [tally_tuple(t) for t in minutes.tallies] == [
        ("Lê Văn Bình", {"htxsnv": 0, "httnv": 7, "htnv": 1, "khtnv": 0}, 8, 10, "httnv")
    ]


def test_two_forms_in_one_file(tmp_path: Path) -> None:
    doc = f.analysis_form(catalog()[MAU_05], {"I.1": [(Level.TOT, f.text("X"))]}, name="Lê Văn Bình")
    doc.add_page_break()
    f.analysis_form(catalog()[MAU_05], {"I.1": [(Level.KEM, f.text("X"))]}, name="Trần Thị Cúc", document=doc)
    document = _read(doc, tmp_path)
    assert [form.subject.name for form in document.forms] == ["Lê Văn Bình", "Trần Thị Cúc"]
    assert [_criterion(form, "I.1").level for form in document.forms] == [Level.TOT, Level.KEM]
    assert [form.page for form in document.forms] == [1, 2]


def test_box_rows_under_numbered_items(tmp_path: Path) -> None:
    """The 2023 self-reviews carry a row of level boxes under each rated item."""
    definition = catalog()["2023/mau-2a"]
    doc = WordDocument()
    title, _, subtitle = definition.title.partition(" (")
    for line in [definition.code, title, "(" + subtitle, "Họ và tên: Lê Văn Bình", "I. Ưu điểm, kết quả đạt được"]:
        doc.add_paragraph(line)
    for k, criterion in enumerate(c for c in definition.criteria if c.id.startswith("I.")):
        doc.add_paragraph(f"{k + 1}. {criterion.label}")
        boxes = ["☐"] * 4
        boxes[k % 4] = "☒"
        doc.add_paragraph("   ".join(f"{b} {f.LEVEL_WORDS[lvl]}" for b, lvl in zip(boxes, Level, strict=True)))
    doc.add_paragraph("III. Kết quả khắc phục những hạn chế, khuyết điểm")
    doc.add_paragraph("☐ Xuất sắc  ☐ Tốt  ☐ Trung bình  ☐ Kém")
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "2023/mau-2a"
    levels = {c.id: c.level for c in form.criteria}
    assert [c.id for c in form.criteria] == [c.id for c in definition.criteria]
    assert levels["I.1"] == Level.XUAT_SAC
    assert levels["I.2"] == Level.TOT
    assert levels["III"] is None


def test_points_of_the_2025_forms(tmp_path: Path) -> None:
    definition = catalog()["2025/mau-2c"]
    doc = WordDocument()
    title, _, subtitle = definition.title.partition(" (")
    for line in [
        definition.code,
        title,
        "(" + subtitle,
        "Họ và tên: Lê Văn Bình",
        "1. Nhóm tiêu chí chung: 27/30",
        "2. Nhóm tiêu chí về kết quả thực hiện nhiệm vụ: 65,5/70",
        "Tổng điểm: 92,5/100",
        "II. Đề xuất xếp loại mức chất lượng",
        "☒ Hoàn thành xuất sắc nhiệm vụ   ☐ Hoàn thành tốt nhiệm vụ   ☐ Hoàn thành nhiệm vụ",
    ]:
        doc.add_paragraph(line)
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "2025/mau-2c"
    assert form.points is not None
    assert (form.points.general, form.points.tasks, form.points.total) == (27, 65.5, 92.5)
    assert form.criteria == []
    assert form.rating is not None and form.rating.value == Rating.HTXSNV


def test_appendix_items_marked_co(tmp_path: Path) -> None:
    doc = WordDocument()
    doc.add_paragraph("PHỤ LỤC")
    doc.add_paragraph(catalog()["2018/phu-luc"].title)
    table = doc.add_table(rows=1, cols=5)
    for k, h in enumerate(["TT", "Biểu hiện", "Có biểu hiện", "Không có biểu hiện", "Liên hệ"]):
        table.cell(0, k).text = h
    for tt, yes, no in [("I", "", ""), ("1", "", "X"), ("2", "X", ""), ("3", "", "X"), ("II", "", ""), ("30", "✓", "")]:
        cells = table.add_row().cells
        cells[0].text, cells[2].text, cells[3].text = tt, yes, no
    (form,) = _read(doc, tmp_path).forms
    assert form.form_id == "2018/phu-luc"
    assert form.degradation_marked == ["2", "30"]


# ---------------------------------------------------------------------------------------------
# Identification on plain lines
# ---------------------------------------------------------------------------------------------


def test_identify_by_code_and_by_title_over_lines() -> None:
    forms = catalog()
    assert identify_form(["Mẫu 05-HD KĐ.ĐG 2018"], forms) == forms[MAU_05]
    assert (
        identify_form(["PHIẾU PHÂN TÍCH CHẤT LƯỢNG", "VÀ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG"], forms)
        == forms["2018/mau-03"]
    )
    assert identify_form(["(kèm theo phiếu phân tích chất lượng-Mẫu 05-HD KĐ.ĐG 2018)"], forms) is None
    assert identify_form(["Biên bản được lập và thông qua trước chi bộ."], forms) is None
    assert identify_form(["PHỤ LỤC 2"], forms) is None  # not a form code on its own
    one_line = ["BIÊN BẢN KIỂM PHIẾU ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN NĂM 2018"]
    assert identify_form(one_line, forms) == forms["bien-ban-kiem-phieu"]
    assert identify_form(["Biên bản kiểm phiếu đã được thông qua."], forms) is None


def test_a_title_misread_by_ocr_is_found_only_in_ocr_text_and_only_when_nothing_else_is() -> None:
    """A fold through a photo's title ("VÀ ĐÁNEK| GIÁ") and its code line ("Mâẫu 05-HD") left the
    page with no form; OCR text may spell a long title nearly right, never a Word file's."""
    forms = catalog()
    misread = ["Mẫu 0S-HD", "ĐẢNG CỘNG SẢN VIÊT NAM", "PHIẾU PHÂN TÍCH CHẤT LƯỢNG",
               "VÀ ĐÁNEK| GIÁ, XẾP LOẠI ĐẢNG VIÊN", "Họ và tên đảng viên: Tạ Anh Khoa"]
    assert find_forms(misread, forms) == []
    (match,) = find_forms(misread, forms, ocr=True)
    assert (match.definition, match.start, match.title_line) == (forms[MAU_05], 2, 2)
    # a title torn short is as near Mẫu 03's and 05's as its own: no form rather than a guess
    torn = ["PHIẾU PHÂN TÍCH CHẤT LƯỢNG", "VÀ ĐÁNH GIÁ, XẾP LOẠI TẬP"]
    assert find_forms(torn, forms, ocr=True) == []
    prose = ["Đề nghị xếp loại mức chất lượng: Hoàn thành tốt nhiệm vụ",
             "Kèm theo phiếu phân tích chất lượng và đánh giá xếp loại"]
    assert find_forms(prose, forms, ocr=True) == []


@pytest.mark.parametrize("mau", ["Mâẫu", "Mâãu", "Mẫuu"])
def test_a_code_line_whose_word_mau_is_misread_by_ocr_still_names_its_form(mau: str) -> None:
    """A photo's title lost a word to a fold ("PHIẾU PHÂN TÍCH CHẤT" / "… ĐẢNG Lào VIÊN") and its
    code line read "Mâãu 05-HD KĐ.ĐG 2018": OCR spells the accents of "Mẫu" as letters. The code
    after it must still read exactly, and only OCR text is read so loosely."""
    forms = catalog()
    lines = [f"{mau} 05-HD KĐ.ĐG 2018", "ĐẢNG CỘNG SẢN VIÊT NAM", "PHIẾU PHÂN TÍCH CHẤT",
             "VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG Lào VIÊN", "Họ và tên đảng viên: Phan Hữu Chiến"]
    assert find_forms(lines, forms) == []
    (match,) = find_forms(lines, forms, ocr=True)
    assert (match.definition, match.code_line) == (forms[MAU_05], 0)
    assert find_forms([f"{mau} 0S-HD KĐ.ĐG 2018", *lines[1:]], forms, ocr=True) == []
    assert find_forms(["Mẫu chữ ký 05-HD KĐ.ĐG 2018", *lines[1:]], forms, ocr=True) == []


def test_a_code_misread_by_one_character_over_another_form_s_title_names_the_title_s_form() -> None:
    """A scan of Mẫu 03 turned upside down read its code "Mẫu 05-HD KĐ.ĐG 2018" (a 3 and a 5
    differ by a stroke) over the title "… XẾP LOẠI TỔ CHỨC ĐẢNG": named Mẫu 05, four of its criteria
    were not found. In OCR text a whole title outweighs one character of the code; in a Word
    file's text, and where the code differs more (another year), the code still names its form."""
    forms = catalog()
    title = ["PHIẾU PHÂN TÍCH CHẤT LƯỢNG", "VÀ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG"]
    lines = ["Mẫu 05-HD KĐ.ĐG 2018", "ĐẢNG BỘ XÃ NGHI KIM", "ĐẢNG CỘNG SẢN VIỆT NAM", *title]
    (match,) = find_forms(lines, forms, ocr=True)
    assert (match.definition, match.code_line, match.title_line) == (forms["2018/mau-03"], 0, 3)
    assert identify_form(lines, forms) == forms[MAU_05]
    (other,) = find_forms(["Mẫu 03-HD KĐ.ĐG 2023", *lines[1:]], forms, ocr=True)
    assert other.definition == forms["2023/mau-3"]


def test_a_code_line_pairs_with_its_title_across_lines_of_scan_noise() -> None:
    """OCR read specks of a scan's noise in the header as lines of their own ("3", "Đi", "co"):
    sixteen lines between the code line and the title left them unpaired, and the one form was
    found twice, once by its code and once by its title. Only lines holding a word count."""
    forms = catalog()
    header = ["ĐẢNG BỘ SỞ GIÁO DỤC VÀ ĐÀO", "ĐẢNG CỘNG SẢN VIỆT NAM", "TẠO THÁI BÌNH",
              "Thái Bình, ngày 08 tháng 12 năm 2018", "CHI BỘ TRƯỜNG TIỂU HỌC LÊ", "QUÝ ĐÔN", "*"]
    noise = ["3", "Đi", "co", "PT", "Mi", "Nk:", "ý", "šŠ", "E"]
    lines = ["Mẫu 05-HD KĐ.ĐG 2018", *noise, *header, "PHIẾU PHÂN TÍCH CHẤT LƯỢNG",
             "VÀ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN", "Họ và tên đảng viên: Khổng Đức Vũ"]
    (match,) = find_forms(lines, forms, ocr=True)
    assert (match.definition, match.code_line, match.title_line) == (forms[MAU_05], 0, len(noise) + len(header) + 1)
    prose = [f"Dòng thứ {k} của một văn bản khác" for k in range(14)]
    far = find_forms(["Mẫu 05-HD KĐ.ĐG 2018", *prose, *lines[-3:]], forms)
    assert [m.code_line for m in far] == [0, None]  # fourteen lines of words apart: not one form's


def _printed_title(title: str) -> list[str]:
    """A title as forms print it: the main title over two lines, the bracketed subtitle below."""
    main, bracket, subtitle = title.partition(" (")
    words = main.split()
    half = max(1, len(words) // 2)
    lines = [" ".join(words[:half]), " ".join(words[half:])]
    return [line for line in lines if line] + ([bracket.strip() + subtitle] if bracket else [])


@pytest.mark.parametrize("form_id", catalog().ids())
def test_every_catalog_form_is_identified(form_id: str) -> None:
    forms = catalog()
    definition = forms[form_id]
    header = ["ĐẢNG BỘ XÃ A", "CHI BỘ B", "ĐẢNG CỘNG SẢN VIỆT NAM", "A, ngày 14 tháng 12 năm 2019"]
    title = _printed_title(definition.title)
    assert identify_form([*header, *title, "Họ và tên: X"], forms, definition.rule_set) == definition
    if definition.code:
        assert identify_form([definition.code, *header, *title], forms) == definition


def test_identify_prefers_code_then_rule_set_then_earliest() -> None:
    forms = catalog()
    title = ["BÁO CÁO KIỂM ĐIỂM TẬP THỂ"]
    assert identify_form(title, forms) == forms["2018/mau-01"]
    assert identify_form(title, forms, prefer_rule_set="2023") == forms["2023/mau-1"]
    assert identify_form(title, forms, prefer_rule_set="2019") == forms["2018/mau-01"]
    with_code = ["Mẫu 01-HD KĐ.ĐG 2023", "ĐẢNG BỘ XÃ A", "CHI ỦY CHI BỘ B", *title]
    assert identify_form(with_code, forms, prefer_rule_set="2018") == forms["2023/mau-1"]
    matches = find_forms(with_code, forms)
    assert [(m.start, m.title_line, m.code_line) for m in matches] == [(0, 3, 0)]


# ---------------------------------------------------------------------------------------------
# Files that must be refused
# ---------------------------------------------------------------------------------------------


def _vietnamese(message: str, name: str) -> None:
    assert name in message
    assert any(ch in message for ch in "ệảốưđ")


def test_broken_zip_is_rejected(tmp_path: Path) -> None:
    good = f.save(f.analysis_form(catalog()[MAU_05], {}), tmp_path / "good.docx")
    broken = tmp_path / "hong.docx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(FileRejected) as err:
        parse_docx(broken)
    _vietnamese(err.value.user_message, "hong.docx")
    assert not isinstance(err.value, UnknownForm)


def test_random_bytes_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "ngau-nhien.docx"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(FileRejected) as err:
        parse_docx(path, display_name="Ngẫu nhiên.docx")
    _vietnamese(err.value.user_message, "Ngẫu nhiên.docx")


def test_encrypted_ole_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "mat-khau.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    with pytest.raises(FileRejected) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "mat-khau.docx")
    assert "mật khẩu" in err.value.user_message


def _zip_with(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_zip_bomb_is_rejected_before_parsing(tmp_path: Path) -> None:
    huge = b"<w:document>" + b" " * (60 * 1024 * 1024)
    path = _zip_with(tmp_path / "bom.docx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": huge})
    with pytest.raises(FileRejected) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "bom.docx")


def test_absurd_compression_ratio_is_rejected(tmp_path: Path) -> None:
    dense = b"<w:document>" + b"a" * (20 * 1024 * 1024)
    path = _zip_with(tmp_path / "nen.docx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": dense})
    with pytest.raises(FileRejected) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "nen.docx")


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    good = f.save(f.analysis_form(catalog()[MAU_05], {}), tmp_path / "good.docx")
    path = tmp_path / "xxe.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
            dst.writestr(info, data)
    with pytest.raises(FileRejected) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "xxe.docx")


def test_zip_that_is_not_a_word_file_is_rejected(tmp_path: Path) -> None:
    path = _zip_with(tmp_path / "khac.docx", {"readme.txt": b"hello"})
    with pytest.raises(FileRejected) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "khac.docx")


def test_word_file_without_a_known_form(tmp_path: Path) -> None:
    doc = WordDocument()
    doc.add_paragraph("Kính gửi: Ban Tổ chức Huyện ủy")
    doc.add_paragraph("Báo cáo tình hình hoạt động quý IV.")
    path = f.save(doc, tmp_path / "cong-van.docx")
    with pytest.raises(UnknownForm) as err:
        parse_docx(path)
    _vietnamese(err.value.user_message, "cong-van.docx")
    assert "Không nhận ra mẫu biểu" in err.value.user_message


def test_empty_word_file_is_unknown_form(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    WordDocument().save(buffer)
    path = tmp_path / "trong.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnknownForm):
        parse_docx(path)
