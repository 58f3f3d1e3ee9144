"""Roster reading: encodings, delimiters, Excel quirks, bad cells and the `known` bookkeeping."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import random
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from domain.errors import RosterError
from domain.model import Rating, Roster, SubjectKind
from parsers.roster import load_roster, parse_roster_bytes

CORPUS = Path("/work/shared/corpus/dev_docx/cases")
CORPUS_ROSTERS = sorted(CORPUS.glob("*/roster.csv"))

HEADER = "Họ và tên,Ngày sinh,Chức vụ Đảng,Loại,Người đứng đầu,Ngày vào Đảng,Xếp loại CBCCVC,Kỷ luật trong năm"
ROWS = [
    "Nguyễn Thị Hồng Ngọc,12/09/1974,Bí thư Chi bộ,đảng viên,x,09/11/1995,HTTNV,",
    "Đặng Quỳnh Thúy,01/06/1971,Phó Bí thư Chi bộ,,,18/03/1992,Hoàn thành xuất sắc nhiệm vụ,",
    "Trương Việt Dũng,25/07/1967,Đảng viên,,,07/06/1994,HTNV,Khiển trách",
]
NAMES = ["Nguyễn Thị Hồng Ngọc", "Đặng Quỳnh Thúy", "Trương Việt Dũng"]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def sample_csv(delimiter: str = ",") -> str:
    return "\r\n".join(line.replace(",", delimiter) for line in [HEADER, *ROWS]) + "\r\n"


def messages(roster: Roster) -> str:
    return "\n".join(i.message for i in roster.issues)


# Python's cp1258 codec has precomposed letters for the vowel shapes (â, ê, ô, ă, ơ, ư, đ) and only a
# few tone-marked ones; the five tones are combining characters (U+0300, 0301, 0303, 0309, 0323).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Encode as Windows does: the letter with its shape precomposed, the tone as a combining mark."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES)) + tones)
    return "".join(out).encode("cp1258")


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("path", CORPUS_ROSTERS, ids=lambda p: p.parent.name)
def test_corpus_roster_loads_cleanly(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    expected_names = [r[0] for r in records[1:]]

    roster = load_roster(path)

    assert roster.issues == []
    assert [p.name for p in roster.people] == expected_names
    assert [p.row for p in roster.people] == list(range(2, len(expected_names) + 2))
    assert "name" in roster.columns and "discipline" in roster.columns


def test_corpus_is_present() -> None:
    assert len(CORPUS_ROSTERS) >= 8


def test_corpus_values_are_typed() -> None:
    roster = load_roster(CORPUS / "case_08" / "roster.csv")
    head = roster.people[0]
    assert head.name == "Đoàn Lan Nguyệt"
    assert head.is_head is True
    assert head.date_of_birth == dt.date(1972, 4, 28)
    assert head.appointed == dt.date(2016, 3, 5)
    assert head.civil_servant_rating is Rating.HTTNV
    assert head.targets_completed_pct == 100.0
    assert head.sick_leave_months is None  # empty cell in a number column
    assert head.discipline is None and head.exempted is False
    disciplined = roster.people[-1]
    assert disciplined.discipline == "Khiển trách"
    assert disciplined.discipline_self_remedied is False
    assert disciplined.civil_servant_rating is Rating.HTNV


# --------------------------------------------------------------------------- encodings and delimiters


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "ds.csv", codecs.BOM_UTF8 + sample_csv().encode("utf-8"))
    roster = load_roster(path)
    assert [p.name for p in roster.people] == NAMES
    assert roster.issues == []


def test_cp1258_with_combining_tones(tmp_path: Path) -> None:
    data = to_cp1258(sample_csv())
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"\xf2" in data  # combining dot below, as in "Ngọc": the tone really is separate

    roster = load_roster(write(tmp_path, "ds.csv", data))

    assert roster.issues == []
    assert [p.name for p in roster.people] == NAMES
    assert all(unicodedata.is_normalized("NFC", p.name) for p in roster.people)
    assert roster.people[0].party_position == "Bí thư Chi bộ"
    assert roster.people[1].civil_servant_rating is Rating.HTXSNV
    assert roster.people[2].discipline == "Khiển trách"


@pytest.mark.parametrize("path", CORPUS_ROSTERS, ids=lambda p: p.parent.name)
def test_corpus_roster_in_cp1258_reads_the_same(path: Path) -> None:
    original = load_roster(path)
    converted = parse_roster_bytes(to_cp1258(path.read_text(encoding="utf-8")), "ds.csv")
    assert converted.issues == []
    assert converted.people == original.people


def test_utf8_with_a_stray_byte_is_refused_not_garbled(tmp_path: Path) -> None:
    data = sample_csv().encode("utf-8") + "Lê Văn Tám,01/01/1980\n".encode("cp1258")
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, "ds.csv", data))
    assert "UTF-8 nhưng có ký tự lỗi ở dòng 5" in error.value.user_message


def test_utf16_from_excel_unicode_text(tmp_path: Path) -> None:
    data = sample_csv("\t").encode("utf-16")  # Excel's "Unicode Text": UTF-16 with BOM, tabs
    roster = load_roster(write(tmp_path, "ds.csv", data))
    assert [p.name for p in roster.people] == NAMES


def test_nfd_headers_case_and_spaces(tmp_path: Path) -> None:
    header = "  HỌ   VÀ TÊN ,ngày  sinh,  CHỨC VỤ đảng  ,xếp loại cbccvc, Tỉ lệ hoàn thành chỉ tiêu(%)"
    body = "Nguyễn Thị Hồng Ngọc,12/09/1974,Bí thư Chi bộ,HTTNV,95"
    text = unicodedata.normalize("NFD", header) + "\n" + body + "\n"
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    person = roster.people[0]
    assert person.name == "Nguyễn Thị Hồng Ngọc"
    assert person.date_of_birth == dt.date(1974, 9, 12)
    assert person.party_position == "Bí thư Chi bộ"
    assert person.civil_servant_rating is Rating.HTTNV
    assert person.targets_completed_pct == 95.0
    assert roster.columns == {
        "name",
        "date_of_birth",
        "party_position",
        "civil_servant_rating",
        "targets_completed_pct",
    }


def test_nfd_values_come_back_nfc(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path, "ds.csv", unicodedata.normalize("NFD", sample_csv())))
    assert [p.name for p in roster.people] == NAMES
    assert roster.people[1].civil_servant_rating is Rating.HTXSNV


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = sample_csv(delimiter).replace("Bí thư Chi bộ", "Bí thư Chi bộ, Chủ tịch")
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    assert [p.name for p in roster.people] == NAMES
    assert roster.people[0].party_position == "Bí thư Chi bộ, Chủ tịch"
    assert roster.people[0].admitted == dt.date(1995, 11, 9)


def test_csv_title_rows_above_header_and_row_numbers(tmp_path: Path) -> None:
    text = "DANH SÁCH ĐẢNG VIÊN NĂM 2025,,\n,,\n" + sample_csv()
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    assert [p.row for p in roster.people] == [4, 5, 6]


def test_parse_bytes_directly() -> None:
    roster = parse_roster_bytes(sample_csv().encode("utf-8"), "danh-sach.CSV")
    assert [p.name for p in roster.people] == NAMES


# --------------------------------------------------------------------------- xlsx


def xlsx_bytes(tmp_path: Path, rows: list[list[object]], name: str = "ds.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_title_row_real_dates_and_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ KHOA NHI"])
    sheet.append([])
    sheet.append(
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Ngày vào Đảng",
            "Nghỉ ốm (tháng)",
            "Tỷ lệ hoàn thành chỉ tiêu (%)",
            "Tỷ lệ vượt chỉ tiêu (%)",
            "Người đứng đầu",
            "Xếp loại cán bộ lãnh đạo",
        ]
    )
    sheet.append([1, "Lưu Đức Minh", dt.datetime(1984, 4, 5), "10/02/2017", 0, 100, 0.4, "x", "HTTNV"])
    sheet.append([2, "Tăng Quỳnh Lan", dt.date(1968, 12, 12), "4-3-2021", 1.5, "95,5", 0.1, None, None])
    sheet.append([3])  # STT only: a pre-numbered empty line
    sheet["G4"].number_format = "0%"
    sheet["G5"].number_format = "0%"
    path = tmp_path / "ds.xlsx"
    workbook.save(path)

    roster = load_roster(path)

    assert roster.issues == []
    first, second = roster.people
    assert (first.row, second.row) == (4, 5)
    assert first.date_of_birth == dt.date(1984, 4, 5)
    assert second.date_of_birth == dt.date(1968, 12, 12)
    assert first.admitted == dt.date(2017, 2, 10)
    assert second.admitted == dt.date(2021, 3, 4)
    assert first.sick_leave_months == 0 and second.sick_leave_months == 1.5
    assert first.targets_completed_pct == 100 and second.targets_completed_pct == 95.5
    assert first.targets_exceeded_pct == 40 and second.targets_exceeded_pct == 10  # "40%" cells
    assert first.is_head is True and second.is_head is False
    assert first.leader_rating is Rating.HTTNV and second.leader_rating is None


def test_xlsx_rows_far_apart_keep_their_sheet_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"] = "Họ và tên"
    sheet["B4"] = "Nguyễn Văn An"
    sheet["B5000"] = "Trần Thị Bình"
    path = tmp_path / "ds.xlsx"
    workbook.save(path)
    roster = load_roster(path)
    assert [(p.name, p.row) for p in roster.people] == [("Nguyễn Văn An", 4), ("Trần Thị Bình", 5000)]


def test_xlsx_header_on_second_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.append(["Hướng dẫn điền danh sách"])
    data = workbook.create_sheet("Danh sách")
    data.append(["Họ và tên", "Loại"])
    data.append(["Chi bộ Khoa Nhi", "tổ chức đảng"])
    path = tmp_path / "ds.xlsx"
    workbook.save(path)
    roster = load_roster(path)
    assert roster.people[0].kind is SubjectKind.TO_CHUC_DANG


def test_xlsx_bad_date_cell_is_an_issue(tmp_path: Path) -> None:
    path = xlsx_bytes(tmp_path, [["Họ và tên", "Ngày vào Đảng"], ["A", 36526], ["B", dt.datetime(2001, 1, 1)]])
    roster = load_roster(path)
    assert [p.name for p in roster.people] == ["A", "B"]
    assert roster.people[0].admitted is None
    assert [(i.row, i.column) for i in roster.issues] == [(2, "Ngày vào Đảng")]
    assert "«36526»" in roster.issues[0].message


def test_xlsx_named_csv_is_still_read(tmp_path: Path) -> None:
    xlsx = xlsx_bytes(tmp_path, [["Họ và tên"], ["Nguyễn Văn A"]])
    roster = parse_roster_bytes(xlsx.read_bytes(), "danh-sach.csv")
    assert [p.name for p in roster.people] == ["Nguyễn Văn A"]


# --------------------------------------------------------------------------- bad cells


def test_bad_cells_are_issues_and_rows_still_load(tmp_path: Path) -> None:
    text = (
        "Họ và tên,Ngày vào Đảng,Xếp loại CBCCVC,Tỷ lệ hoàn thành chỉ tiêu (%),Người đứng đầu,Loại\n"
        "Nguyễn Văn An,09/11/1995,HTTNV,100,x,đảng viên\n"
        "Trần Thị Bình,31/02/2019,HTTNV,95%,,\n"
        "Lê Văn Cường,01/01/2000,Tốt,100,,\n"
        "Phạm Thị Dung,01/01/2000,HTNV,chín mươi,,\n"
        "Hoàng Văn Em,01/01/2000,HTNV,150,có lẽ,chi ủy\n"
    )
    roster = load_roster(write(tmp_path, "ds.csv", text))

    assert [p.name for p in roster.people] == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Phạm Thị Dung",
        "Hoàng Văn Em",
    ]
    an, binh, cuong, dung, em = roster.people
    assert binh.admitted is None and binh.targets_completed_pct == 95.0
    assert cuong.civil_servant_rating is None
    assert dung.targets_completed_pct is None
    assert em.targets_completed_pct is None and em.is_head is None and em.kind is SubjectKind.DANG_VIEN

    where = [(i.row, i.column) for i in roster.issues]
    assert where == [
        (3, "Ngày vào Đảng"),
        (4, "Xếp loại CBCCVC"),
        (5, "Tỷ lệ hoàn thành chỉ tiêu (%)"),
        (6, "Tỷ lệ hoàn thành chỉ tiêu (%)"),
        (6, "Người đứng đầu"),
        (6, "Loại"),
    ]
    assert roster.issues[0].message == (
        "Dòng 3, cột «Ngày vào Đảng»: «31/02/2019» không phải ngày hợp lệ (cần dd/mm/yyyy)."
    )
    assert "Dòng 4, cột «Xếp loại CBCCVC»: «Tốt»" in roster.issues[1].message
    assert "«chín mươi» không phải số hợp lệ" in roster.issues[2].message
    assert "«150» nằm ngoài khoảng cho phép" in roster.issues[3].message

    # An unreadable cell makes the fact unknown for that person only.
    assert an.knows("admitted") and not binh.knows("admitted")
    assert not cuong.knows("civil_servant_rating")
    assert not em.knows("is_head") and not em.knows("kind")
    assert "admitted" in roster.columns


def test_row_without_name_empty_rows_and_duplicates(tmp_path: Path) -> None:
    text = (
        "STT,Họ và tên,Chức vụ Đảng\n"
        "1,Nguyễn Văn An,Bí thư\n"
        ",,\n"
        "2,,Phó Bí thư\n"
        "3,,\n"
        "4,nguyễn  văn an,Đảng viên\n"
        ",Tổng cộng,\n"
    )
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert [(p.name, p.row) for p in roster.people] == [("Nguyễn Văn An", 2), ("nguyễn văn an", 6)]
    assert [i.row for i in roster.issues] == [4, 6, 7]
    assert roster.issues[0].message == "Dòng 4: có dữ liệu nhưng thiếu «Họ và tên»; dòng này bị bỏ qua."
    assert "trùng tên với dòng 2" in roster.issues[1].message
    assert "dòng tổng hợp" in roster.issues[2].message


def test_dates_in_several_spellings(tmp_path: Path) -> None:
    text = "Họ và tên,Ngày sinh\nA,1/2/1980\nB,01-02-1980\nC,1980-02-01\nD,01.02.1980\n"
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    assert {p.date_of_birth for p in roster.people} == {dt.date(1980, 2, 1)}


def test_numbers_in_several_spellings(tmp_path: Path) -> None:
    text = 'Họ và tên,Tỷ lệ vượt chỉ tiêu (%)\nA,95\nB,95%\nC,"95,5"\nD,95.5\nE, 95 % \n'
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    assert [p.targets_exceeded_pct for p in roster.people] == [95, 95, 95.5, 95.5, 95]


def test_subject_kinds(tmp_path: Path) -> None:
    text = "Họ và tên,Loại\nA,đảng viên\nB,Tập thể\nC,TỔ CHỨC ĐẢNG\nD,cán bộ lãnh đạo\nE,\n"
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    assert [p.kind for p in roster.people] == [
        SubjectKind.DANG_VIEN,
        SubjectKind.TAP_THE_LANH_DAO,
        SubjectKind.TO_CHUC_DANG,
        SubjectKind.CAN_BO_LANH_DAO,
        SubjectKind.DANG_VIEN,
    ]


def test_near_miss_header_is_reported(tmp_path: Path) -> None:
    text = "Họ và tên,Ngày vô Đảng\nA,01/01/2000\n"
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.columns == {"name"}
    assert len(roster.issues) == 1
    assert roster.issues[0].message == (
        "Dòng 1: không nhận ra cột «Ngày vô Đảng» — có phải là «Ngày vào Đảng»? Cột này bị bỏ qua."
    )


# --------------------------------------------------------------------------- known columns


def test_known_reflects_present_columns(tmp_path: Path) -> None:
    text = "Họ và tên,Người đứng đầu,Kỷ luật trong năm,Ghi chú\nA,,,abc\nB,x,Khiển trách,\n"
    roster = load_roster(write(tmp_path, "ds.csv", text))
    expected = {"name", "is_head", "discipline", "discipline_self_remedied"}
    assert roster.columns == expected
    a, b = roster.people
    assert a.known == expected and b.known == expected
    assert a.is_head is False and b.is_head is True  # present column: empty means no
    assert a.exempted is None and not a.knows("exempted")  # absent column: unknown
    assert a.discipline is None and a.knows("discipline")


def test_optional_extra_columns(tmp_path: Path) -> None:
    text = (
        "Họ và tên,Mới điều động,Tỷ lệ phiếu tín nhiệm thấp (%),Đã kiểm điểm,Nhóm,Ngày chính thức,"
        "Miễn sinh hoạt,Kết luận suy thoái\n"
        "A,x,12,x,Nhóm 1,09/11/1996,,x\n"
        "B,,,,,,x,\n"
    )
    roster = load_roster(write(tmp_path, "ds.csv", text))
    assert roster.issues == []
    a, b = roster.people
    assert (a.newly_transferred, a.low_confidence_votes_pct, a.review_done, a.group) == (
        True,
        12,
        True,
        "Nhóm 1",
    )
    assert a.full_member_since == dt.date(1996, 11, 9)
    assert (b.newly_transferred, b.low_confidence_votes_pct, b.review_done, b.group) == (
        False,
        None,
        False,
        None,
    )
    assert (a.exempted, b.exempted, a.degradation_concluded, b.degradation_concluded) == (
        False,
        True,
        True,
        False,
    )


# --------------------------------------------------------------------------- discipline


@pytest.mark.parametrize(
    ("cell", "discipline", "remedied"),
    [
        ("Khiển trách", "Khiển trách", False),
        ("Khiển trách (tự phát hiện, đã khắc phục)", "Khiển trách (tự phát hiện, đã khắc phục)", True),
        ("Cảnh cáo - TỰ PHÁT HIỆN và đã khắc phục", "Cảnh cáo - TỰ PHÁT HIỆN và đã khắc phục", True),
        ("Khien trach (tu phat hien, da khac phuc)", "Khien trach (tu phat hien, da khac phuc)", True),
        ("Khiển trách (tự phát hiện, chưa khắc phục)", "Khiển trách (tự phát hiện, chưa khắc phục)", False),
        ("Khiển trách (đã khắc phục)", "Khiển trách (đã khắc phục)", False),
        ("", None, False),
        ("Không", None, False),
    ],
)
def test_discipline_exception(tmp_path: Path, cell: str, discipline: str | None, remedied: bool) -> None:
    text = f'Họ và tên,Kỷ luật trong năm\nA,"{cell}"\n'
    person = load_roster(write(tmp_path, "ds.csv", text)).people[0]
    assert person.discipline == discipline
    assert person.discipline_self_remedied is remedied


# --------------------------------------------------------------------------- unusable files


def test_missing_name_header(tmp_path: Path) -> None:
    text = "Tên,Ngày sinh,Chi bộ\nNguyễn Văn An,01/01/1980,Chi bộ 1\n"
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, "ds.csv", text))
    message = error.value.user_message
    assert "thiếu cột bắt buộc «Họ và tên»" in message
    assert "«Tên», «Ngày sinh», «Chi bộ»" in message


def test_missing_name_header_xlsx(tmp_path: Path) -> None:
    path = xlsx_bytes(tmp_path, [["Danh sách"], ["Tên", "Chi bộ"], ["A", "B"]])
    with pytest.raises(RosterError) as error:
        load_roster(path)
    assert "thiếu cột bắt buộc «Họ và tên»" in error.value.user_message


@pytest.mark.parametrize("name", ["ds.xls", "ds.txt", "ds.docx", "ds"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, name, sample_csv()))
    assert "chỉ nhận tệp .csv hoặc .xlsx" in error.value.user_message


def test_corrupt_xlsx(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4096)
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, "ds.xlsx", noise))
    assert "Không đọc được tệp Excel «ds.xlsx»" in error.value.user_message


def test_truncated_xlsx(tmp_path: Path) -> None:
    good = xlsx_bytes(tmp_path, [["Họ và tên"], ["A"]]).read_bytes()
    with pytest.raises(RosterError) as error:
        parse_roster_bytes(good[: len(good) // 2], "ds.xlsx")
    assert "tệp bị hỏng" in error.value.user_message


@pytest.mark.parametrize("data", [b"", b"  \r\n\r\n", codecs.BOM_UTF8])
def test_empty_csv(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, "ds.csv", data))
    assert "trống" in error.value.user_message


def test_empty_xlsx(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as error:
        load_roster(xlsx_bytes(tmp_path, []))
    assert "trống" in error.value.user_message


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path, "ds.csv", HEADER + "\n"))
    assert "không có người nào" in error.value.user_message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as error:
        load_roster(tmp_path / "khong-co.csv")
    assert error.value.user_message == "Không tìm thấy tệp danh sách «khong-co.csv»."
