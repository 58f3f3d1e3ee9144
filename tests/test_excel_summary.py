"""`summary.xlsx` says what `report.json` says, in the shape of Mẫu 06, and never runs user text."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.forms import catalog
from domain.model import Rating
from parsers.roster import load_roster
from reports.excel_summary import summary_xlsx
from worker.pipeline import check

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "dossier-2019-rating-above-criteria"
MAU_06 = catalog()["2018/mau-06"]
INJECTION = '=HYPERLINK("http://x")'


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result = check(sorted(SAMPLE.glob("*.docx")), roster=load_roster(SAMPLE / "roster.csv"), rule_set_id="2019")
    return result.report()


def _write(report: dict[str, Any], tmp_path: Path) -> Any:
    path = tmp_path / "summary.xlsx"
    path.write_bytes(summary_xlsx(report))
    return load_workbook(path)


def _table(ws: Any) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """Column index by header label (the vote's sub-columns on the second header row) and the person rows."""
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "STT")
    columns: dict[str, int] = {}
    for row in (top, top + 1):
        for cell in ws[row]:
            if cell.value:
                columns[cell.value] = cell.column - 1
    rows = []
    for values in ws.iter_rows(min_row=top + 2, values_only=True):
        if values[0] is None:
            break
        rows.append(values)
    return columns, rows


def _expected_cell(person: dict[str, Any], evaluator: str) -> str:
    values = [r["rating"] for r in person["ratings"]
              if r["evaluator"] == evaluator and not (evaluator == "self" and r["civil_servant"])]
    return "; ".join(Rating(v).abbreviation for v in dict.fromkeys(values))


def test_summary_rows_match_the_json(report: dict[str, Any], tmp_path: Path) -> None:
    ws = _write(report, tmp_path)["Tổng hợp"]
    assert ws["A1"].value == MAU_06.title
    columns, rows = _table(ws)
    people = report["people"]
    assert len(people) == 8 and [r[columns["Họ và tên"]] for r in rows] == [p["name"] for p in people]
    for row, person in zip(rows, people, strict=True):
        for source in MAU_06.summary_columns:
            assert (row[columns[source.label]] or "") == _expected_cell(person, source.evaluator), (person["name"],
                                                                                                   source.key)
        vote = person["vote"]
        assert [row[columns[r.abbreviation]] for r in Rating] == [vote["votes"][r.value] for r in Rating]
        assert row[columns["Có mặt/Tổng số"]] == f"{vote['present']}/{vote['total']}"
        assert row[columns["Kết quả"]] == Rating(vote["result"]).abbreviation
        assert row[columns["Xếp loại"]] == Rating(person["effective"]).abbreviation
        assert row[columns["Số phát hiện"]] == len(person["findings"])
        expected = [report["findings"][i]["message"] for i in person["findings"]]
        assert (row[columns["Phát hiện"]] or "") == "\n".join(f"Lỗi: {m}" for m in expected)
    trang = rows[[p["name"] for p in people].index("Bùi Quỳnh Trang")]
    assert trang[columns[MAU_06.summary_columns[0].label]] == "HTTNV"  # the civil-servant self-rating is not here
    assert trang[columns[MAU_06.summary_columns[1].label]] == "HTXSNV"


def test_one_error_is_shown_on_its_person_and_highlighted(report: dict[str, Any], tmp_path: Path) -> None:
    ws = _write(report, tmp_path)["Tổng hợp"]
    columns, rows = _table(ws)
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "STT") + 2
    oanh = [r[columns["Họ và tên"]] for r in rows].index("Huỳnh Minh Oanh")
    text = rows[oanh][columns["Phát hiện"]]
    assert text.startswith("Lỗi: ") and "cao hơn mức các tiêu chí cho phép" in text
    assert ws.cell(top + oanh, columns["Họ và tên"] + 1).fill.fgColor.rgb.endswith("F8D7DA")
    assert ws.cell(top, columns["Họ và tên"] + 1).fill.fill_type is None
    trang = [r[columns["Họ và tên"]] for r in rows].index("Bùi Quỳnh Trang")
    differs = ws.cell(top + trang, columns[MAU_06.summary_columns[1].label] + 1)
    assert differs.fill.fgColor.rgb.endswith("FFF3CD")
    assert ws.freeze_panes == f"D{top}"


def test_caps_are_written_under_the_table(report: dict[str, Any], tmp_path: Path) -> None:
    ws = _write(report, tmp_path)["Tổng hợp"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    cap = report["caps"][0]
    assert f"Nhóm {cap['group']}" in texts
    assert "Tối đa HTXSNV: 1 (20% của 6 người xếp loại HTTNV, làm tròn xuống)" in texts
    assert "Vượt tỷ lệ: Không." in texts
    label_row = next(c.row for row in ws.iter_rows() for c in row if c.value == f"Nhóm {cap['group']}")
    counts = {ws.cell(label_row + 1 + i, 2).value: ws.cell(label_row + 1 + i, 3).value for i in range(len(Rating))}
    assert counts == {Rating(k).abbreviation: n for k, n in cap["counts"].items()}


def test_findings_sheet_has_one_row_per_finding(report: dict[str, Any], tmp_path: Path) -> None:
    wb = _write(report, tmp_path)
    assert "Đã sửa" not in wb.sheetnames
    rows = list(wb["Phát hiện"].iter_rows(values_only=True))
    assert rows[0] == ("STT", "Mức độ", "Quy tắc", "Người/đơn vị", "Tệp", "Trang", "Nội dung", "Cách sửa", "Căn cứ")
    assert len(rows) - 1 == len(report["findings"]) >= 1
    for row, f in zip(rows[1:], report["findings"], strict=True):
        assert row[1] == "Lỗi" and row[2] == f["rule"] and row[3] == f["subject"]
        assert row[4] == report["documents"][f["document"]]["file"] and row[5] == f["page"]
        assert row[6:] == (f["message"], f["fix"], f["source"])


def test_user_text_never_becomes_a_formula(report: dict[str, Any], tmp_path: Path) -> None:
    tampered = copy.deepcopy(report)
    tampered["people"][0]["name"] = INJECTION
    tampered["unit"] = INJECTION
    tampered["findings"][0]["subject"] = INJECTION
    wb = _write(tampered, tmp_path)
    columns, rows = _table(wb["Tổng hợp"])
    assert rows[0][columns["Họ và tên"]] == INJECTION
    assert wb["Phát hiện"]["D2"].value == INJECTION and wb["Phát hiện"]["D2"].data_type == "s"
    with zipfile.ZipFile(tmp_path / "summary.xlsx") as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s for s in sheets)


def _minimal_report(**extra: Any) -> dict[str, Any]:
    rating = {"label": "", "civil_servant": False, "document": 0, "form": 0, "page": 1, "field": ""}
    return {
        "schema": "kiemdiem.report/1", "rule_set": "khong-co", "unit": "Chi bộ Thử", "evaluation_date": None,
        "documents": [{"file": "a.docx", "forms": [{"form": "2018/mau-02"}]}],
        "findings": [],
        "people": [{"name": "Nguyễn Văn Ân", "position": "", "effective": "httnv", "vote": None, "findings": [],
                    "ratings": [{**rating, "evaluator": "self", "rating": "httnv"},
                                {**rating, "evaluator": "self", "rating": "htxsnv"},
                                {**rating, "evaluator": "self", "rating": "httnv"},
                                {**rating, "evaluator": "branch", "rating": "httnv"},
                                {**rating, "evaluator": "branch", "rating": "httnv"}]}],
        "caps": [], "corrections": [], **extra,
    }


def test_several_ratings_from_one_source_are_all_shown_once(tmp_path: Path) -> None:
    columns, rows = _table(_write(_minimal_report(), tmp_path)["Tổng hợp"])  # unknown rule set: 2018 shape
    assert rows[0][columns["Đảng viên tự đánh giá, xếp loại"]] == "HTTNV; HTXSNV"
    assert rows[0][columns["Chi bộ đánh giá, xếp loại"]] == "HTTNV"
    assert rows[0][columns["HTXSNV"]] is None


def test_corrections_sheet_lists_each_correction(tmp_path: Path) -> None:
    correction = {"document": "a.docx", "form": 0, "field": "ratings.party_self", "old": "Hoàn thành nhiệm vụ",
                  "new": "Hoàn thành tốt nhiệm vụ", "by": "Trần Thị Bích", "at": "2024-12-20T14:05:09",
                  "note": "Đối chiếu bản gốc"}
    wb = _write(_minimal_report(corrections=[correction]), tmp_path)
    rows = list(wb["Đã sửa"].iter_rows(values_only=True))
    assert rows[0] == ("Tệp", "Biểu mẫu", "Giá trị", "Cũ", "Mới", "Người sửa", "Thời điểm", "Ghi chú")
    assert rows[1] == ("a.docx", "2018/mau-02", "ratings.party_self", "Hoàn thành nhiệm vụ",
                       "Hoàn thành tốt nhiệm vụ", "Trần Thị Bích", "20/12/2024 14:05", "Đối chiếu bản gốc")
