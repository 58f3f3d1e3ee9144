"""Corrections by a person: the file is checked entry by entry with Vietnamese messages, the values
land in the forms with full confidence before the rules run, and the report shows the effect."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import CorrectionError
from domain.model import (
    Document,
    ExtractedForm,
    Level,
    Points,
    Rating,
    RatingValue,
    SummaryRow,
    Tally,
)
from service.cli import main
from tests.builders import analysis, check, dossier
from worker.corrections import apply_corrections, load_corrections

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "dossier-2019-rating-above-criteria"
NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
AN = "Nguyễn Văn An"


def write(tmp_path: Path, *entries: Any, schema: str = "kiemdiem.corrections/1") -> Path:
    path = tmp_path / "sua.json"
    path.write_text(json.dumps({"schema": schema, "corrections": list(entries)}, ensure_ascii=False), "utf-8")
    return path


def entry(**kw: Any) -> dict[str, Any]:
    return {"document": "a.docx", "field": "criteria.I.1", "value": "Tốt", "by": "Trần Thị Bình", **kw}


# ------------------------------------------------------------------------------------------ load


def test_a_valid_file_is_loaded_with_typed_values(tmp_path: Path) -> None:
    requests = load_corrections(write(
        tmp_path,
        entry(at="2026-11-21T09:30:00+07:00", note=" đã đối chiếu  bản giấy "),
        entry(form=1, field="tallies[An].httnv", value="07"),
        entry(field="summary[An].self", value="hoàn thành tốt nhiệm vụ"),
        entry(field="criteria.II.2", value="xuat_sac"),
        entry(field="points.total", value="85,5"),
    ))
    assert [r.value for r in requests] == [Level.TOT, 7, Rating.HTTNV, Level.XUAT_SAC, 85.5]
    first = requests[0]
    assert (first.entry, first.form, first.by, first.note) == (1, 0, "Trần Thị Bình", "đã đối chiếu bản giấy")
    assert first.at == dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert requests[1].form == 1 and requests[1].at is None


@pytest.mark.parametrize(("entries", "expected"), [
    ([entry(), "không phải đối tượng"], ["mục 2", "đối tượng JSON"]),
    ([entry(by=" ")], ["mục 1", "thiếu «by»"]),
    ([entry(at="hôm qua")], ["mục 1", "«at»", "ISO 8601"]),
    ([entry(at="2026-11-21T09:30:00")], ["mục 1", "múi giờ"]),
    ([entry(value="Giỏi")], ["mục 1", "«Giỏi»", "criteria.I.1", "Xuất sắc, Tốt, Trung bình hoặc Kém"]),
    ([entry(field="rating", value="Tốt")], ["«Tốt»", "HTXSNV, HTTNV, HTNV hoặc KHTNV"]),
    ([entry(field="tallies[An].present", value=-1)], ["«-1»", "số nguyên không âm"]),
    ([entry(field="tallies[An].total", value="bảy")], ["«bảy»", "số nguyên không âm"]),
    ([entry(field="tallies[An]", value=7)], ["tallies[An]", ".present"]),
    ([entry(field="subject.name", value="An")], ["không sửa được", "subject.name", "criteria.<mã>"]),
    ([entry(form=-1)], ["«form»"]),
    ([entry(fiel="rating")], ["khóa không dùng được: fiel"]),
])
def test_each_bad_entry_is_named_with_what_is_wrong(tmp_path: Path, entries: list[Any], expected: list[str]) -> None:
    with pytest.raises(CorrectionError) as e:
        load_corrections(write(tmp_path, *entries))
    for part in expected:
        assert part in e.value.user_message, e.value.user_message
    assert e.value.exit_code == 2


def test_a_missing_file_a_file_not_json_and_a_wrong_schema_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CorrectionError) as e:
        load_corrections(tmp_path / "khong-co.json")
    assert "Không tìm thấy" in e.value.user_message
    broken = tmp_path / "hong.json"
    broken.write_text("{schema: 1", "utf-8")
    with pytest.raises(CorrectionError) as e:
        load_corrections(broken)
    assert "không phải JSON hợp lệ" in e.value.user_message
    with pytest.raises(CorrectionError) as e:
        load_corrections(write(tmp_path, entry(), schema="kiemdiem.report/1"))
    assert "kiemdiem.corrections/1" in e.value.user_message


# ------------------------------------------------------------------------------------------ apply


def minutes_form() -> ExtractedForm:
    """Mẫu 06 with one member's row and vote, the count read with low confidence."""
    tally = Tally(name=AN, votes={Rating.HTTNV: 7}, present=8, total=9, result=Rating.HTTNV, confidence=0.4)
    row = SummaryRow(name=AN, ratings={"self": RatingValue(value=Rating.HTNV, confidence=0.6)}, tally=tally)
    return ExtractedForm(form_id="2018/mau-06", summary_rows=[row], tallies=[tally],
                         points=Points(general=20, tasks=50, total=70, confidence=0.5))


def apply(tmp_path: Path, forms: list[ExtractedForm], *entries: dict[str, Any]) -> list[Any]:
    documents = [Document(file="a.docx", forms=forms)]
    return apply_corrections(documents, load_corrections(write(tmp_path, *entries)), NOW)


def test_a_criterion_gets_the_level_as_its_only_mark_with_full_confidence(tmp_path: Path) -> None:
    form = analysis(AN, Rating.HTTNV, levels={"I.1": Level.TRUNG_BINH}, I_1={"confidence": 0.3})
    [record] = apply(tmp_path, [form], entry(value="tot", at="2026-11-20T08:00:00Z", note="bản giấy"))
    row = next(c for c in form.criteria if c.id == "I.1")
    assert (row.level, row.marked, row.confidence) == (Level.TOT, [Level.TOT], 1.0)
    assert (record.field, record.old, record.new, record.by) == ("criteria.I.1", "Trung bình", "Tốt", "Trần Thị Bình")
    assert record.at == dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC) and record.note == "bản giấy"


def test_the_proposed_rating_is_corrected_everywhere_it_is_kept(tmp_path: Path) -> None:
    form = analysis(AN, Rating.HTNV)
    assert form.rating is not None
    form.rating.candidates, form.rating.confidence = [Rating.HTNV, Rating.HTTNV], 0.5
    [record] = apply(tmp_path, [form], entry(field="rating", value="Hoàn thành tốt nhiệm vụ"))
    assert (form.rating.value, form.rating.confidence, form.rating.candidates) == (Rating.HTTNV, 1.0, [])
    assert form.ratings["proposed"].value is Rating.HTTNV
    assert (record.old, record.new, record.at) == ("HTNV", "HTTNV", NOW)


def test_a_summary_cell_and_a_tally_count_are_corrected(tmp_path: Path) -> None:
    form = minutes_form()
    records = apply(tmp_path, [form], entry(field=f"summary[{AN}].self", value="httnv"),
                    entry(field=f"tallies[{AN}].httnv", value="08"), entry(field=f"tallies[{AN}].total", value=8),
                    entry(field="points.total", value=75))
    cell = form.summary_rows[0].ratings["self"]
    assert (cell.value, cell.confidence) == (Rating.HTTNV, 1.0)
    tally = form.tallies[0]
    assert (tally.votes, tally.total, tally.confidence) == ({Rating.HTTNV: 8}, 8, 1.0)
    assert form.summary_rows[0].tally is tally
    assert form.points is not None and (form.points.total, form.points.confidence) == (75, 1.0)
    assert [(r.old, r.new) for r in records] == [("HTNV", "HTTNV"), ("7", "8"), ("9", "8"), ("70", "75")]


def test_a_name_matches_without_diacritics_and_is_recorded_as_read(tmp_path: Path) -> None:
    form = minutes_form()
    [record] = apply(tmp_path, [form], entry(field="tallies[nguyen van an].present", value=9))
    assert form.tallies[0].present == 9
    assert record.field == f"tallies[{AN}].present" and (record.old, record.new) == ("8", "9")


def test_a_confirmation_is_recorded_and_the_value_is_no_longer_unreadable(tmp_path: Path) -> None:
    form = analysis(AN, Rating.HTTNV, levels={"I.1": Level.TOT}, I_1={"confidence": 0.3})
    d = dossier(form)
    before = [f.field for f in check(d, "2018").findings if f.rule == "unreadable"]
    assert before == ["criteria.I.1"]
    [record] = apply_corrections(d.documents, load_corrections(
        write(tmp_path, entry(document=d.documents[0].file, value="Tốt"))), NOW)
    assert (record.old, record.new) == ("Tốt", "Tốt")
    assert not [f for f in check(d, "2018").findings if f.rule == "unreadable"]


@pytest.mark.parametrize(("correction", "expected"), [
    (entry(document="b.docx"), ["mục 1", "«b.docx»", "a.docx"]),
    (entry(form=3), ["có 1 biểu mẫu", "từ 0 đến 0"]),
    (entry(field="criteria.IX"), ["không có tiêu chí «IX»", "I.1"]),
    (entry(field="tallies[Lê Văn Tám].total", value=8), ["số phiếu của «Lê Văn Tám»", AN]),
    (entry(field=f"summary[{AN}].branch", value="HTTNV"), ["không có cột «branch»", "self"]),
    (entry(field="ratings.manager", value="HTTNV"), ["không có mục xếp loại «manager»"]),
    (entry(field="fields.hobby", value="x"), ["không có mục «hobby»"]),
])
def test_a_value_not_in_the_dossier_is_refused(tmp_path: Path, correction: dict[str, Any],
                                               expected: list[str]) -> None:
    with pytest.raises(CorrectionError) as e:
        apply(tmp_path, [analysis(AN, Rating.HTTNV) if "criteria" in correction["field"] else minutes_form()],
              correction)
    for part in expected:
        assert part in e.value.user_message, e.value.user_message


def test_two_names_equal_without_diacritics_must_be_written_exactly(tmp_path: Path) -> None:
    form = ExtractedForm(form_id="2018/mau-06", tallies=[Tally(name="Lê Văn Tâm"), Tally(name="Lê Văn Tám")])
    with pytest.raises(CorrectionError) as e:
        apply(tmp_path, [form], entry(field="tallies[le van tam].total", value=8))
    assert "có nhiều số phiếu" in e.value.user_message
    apply(tmp_path, [form], entry(field="tallies[Lê Văn Tám].total", value=8))
    assert [t.total for t in form.tallies] == [None, 8]


def test_a_header_field_is_kept_where_the_rules_read_it(tmp_path: Path) -> None:
    form = analysis(AN, Rating.HTTNV)
    records = apply(tmp_path, [form], entry(field="fields.unit", value="Chi bộ Phòng Kế hoạch"),
                    entry(field="fields.date", value="21/12/2023"))
    assert form.subject.unit == form.fields["unit"] == "Chi bộ Phòng Kế hoạch"
    assert form.date == dt.date(2023, 12, 21)
    assert [(r.old, r.new) for r in records] == [("Chi bộ Phòng Tổ chức", "Chi bộ Phòng Kế hoạch"),
                                                 ("20/12/2023", "21/12/2023")]


def test_a_correction_leaves_the_other_values_as_read(tmp_path: Path) -> None:
    """A correction changes its value only: the neighbours keep what was read."""
    form = analysis(AN, Rating.HTTNV, I_2={"confidence": 0.4})
    apply(tmp_path, [form], entry())
    assert next(c for c in form.criteria if c.id == "I.2").confidence == 0.4
    assert form.rating is not None and form.rating.value is Rating.HTTNV


# ------------------------------------------------------------------------------------------ end to end


def run_check(tmp_path: Path, capsys: pytest.CaptureFixture[str], *entries: dict[str, Any]) -> dict[str, Any]:
    out = tmp_path / "report"
    code = main(["check", *map(str, sorted(SAMPLE.glob("*.docx"))), "--roster", str(SAMPLE / "roster.csv"),
                 "--rule-set", "2019", "--report-dir", str(out), "--corrections", str(write(tmp_path, *entries))])
    capsys.readouterr()
    assert code == 0
    report: dict[str, Any] = json.loads((out / "report.json").read_text("utf-8"))
    return report


def above_criteria(report: dict[str, Any]) -> set[str]:
    return {f["subject"] for f in report["findings"] if f["rule"] == "rating-above-criteria"}


def form_of(report: dict[str, Any], file: str) -> dict[str, Any]:
    form: dict[str, Any] = next(d for d in report["documents"] if d["file"] == file)["forms"][0]
    return form


def test_correcting_a_rating_makes_its_finding_disappear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert above_criteria(run_check(tmp_path, capsys)) == {"Huỳnh Minh Oanh"}
    report = run_check(tmp_path, capsys, entry(document="phieu-danh-gia-huynh-minh-oanh.docx", field="rating",
                                               value="HTTNV"))
    assert above_criteria(report) == set()
    assert form_of(report, "phieu-danh-gia-huynh-minh-oanh.docx")["rating"] == {"value": "httnv", "confidence": 1.0}


def test_correcting_a_criterion_makes_a_finding_appear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_check(tmp_path, capsys, entry(document="phieu-danh-gia-doan-tien-thuan.docx", value="Kém"))
    assert above_criteria(report) == {"Huỳnh Minh Oanh", "Đoàn Tiến Thuận"}
    finding = next(f for f in report["findings"] if f["subject"] == "Đoàn Tiến Thuận")
    assert "I.1 (Kém)" in finding["message"]
    row = form_of(report, "phieu-danh-gia-doan-tien-thuan.docx")["criteria"][0]
    assert (row["id"], row["level"], row["confidence"]) == ("I.1", "kem", 1.0)


def test_a_bad_corrections_file_stops_the_check_in_vietnamese(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(SAMPLE / "phieu-danh-gia-doan-tien-thuan.docx"),
                 "--corrections", str(write(tmp_path, entry(document="khong-co.docx")))])
    assert code == 2
    err = capsys.readouterr().err
    assert "mục 1" in err and "«khong-co.docx»" in err and "phieu-danh-gia-doan-tien-thuan.docx" in err
