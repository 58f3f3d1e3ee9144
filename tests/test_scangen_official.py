"""The official-layout scan generator (samples.scangen.official) on a Word form built here: the
typed marks it finds are the ones written, each row is marked again by hand where its truth says,
and a form whose truth does not match its marks is left out rather than given a wrong truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from domain.forms import catalog
from domain.model import Level
from samples.scangen import marks
from samples.scangen.official import (
    LEVELS,
    Source,
    generate_official,
    level_rows,
    make_document,
    printed,
    raster,
    wipe,
)
from tests import docx_factory as f

MAU_05 = "2018/mau-05"
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


def _levels() -> dict[str, Level]:
    ids = [c.id for c in catalog()[MAU_05].criteria]
    return {cid: list(Level)[k % 4] for k, cid in enumerate(ids)}


def _corpus(tmp: Path, levels: dict[str, Level]) -> Path:
    corpus = tmp / "corpus"
    corpus.mkdir()
    marks = {cid: [(level, f.text("X"))] for cid, level in levels.items()}
    f.save(f.analysis_form(catalog()[MAU_05], marks), corpus / "mau-05.docx")
    truth: dict[str, Any] = {"file": "mau-05.docx", "variant": "docx", "kind": "docx", "pages": 1, "forms": [
        {"form": MAU_05, "page": 1, "criteria": [{"id": cid, "level": level.value} for cid, level in levels.items()],
         "rating": {"value": "httnv"}}]}
    (corpus / "mau-05.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return corpus


def test_the_typed_marks_are_found_in_their_rows_level_cells(tmp_path: Path) -> None:
    levels = _levels()
    corpus = _corpus(tmp_path, levels)
    rows = level_rows(printed(corpus / "mau-05.docx", tmp_path / "cache"))
    assert [LEVELS[row.marked] for row in rows] == [level.value for level in levels.values()]
    assert all(len(row.cells) == 4 for row in rows)
    for row in rows:  # cells left to right, side by side, on one band
        xs = [x for x, _, _, _ in row.cells]
        assert xs == sorted(xs) and len({round(y, 1) for _, y, _, _ in row.cells}) == 1


def test_each_document_is_marked_by_hand_and_its_truth_follows(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _levels())
    written = generate_official([corpus], 2, tmp_path / "out", seed=5, cache=tmp_path / "cache")
    assert len(written) == 2
    drawn = []
    for path in written:
        truth = json.loads(path.read_text(encoding="utf-8"))
        assert (path.parent / truth["file"]).is_file() and truth["variant"].startswith("scan_")
        criteria = truth["forms"][0]["criteria"]
        assert {c["level"] for c in criteria} <= set(LEVELS)
        assert set(truth["render"]["marks"]) == {c["id"] for c in criteria}
        drawn.append([c["level"] for c in criteria])
    assert drawn[0] != drawn[1]  # levels drawn anew, not copied from the Word file


def test_a_form_whose_marks_do_not_match_its_truth_is_left_out(tmp_path: Path) -> None:
    levels = _levels()
    corpus = _corpus(tmp_path, levels)
    truth = json.loads((corpus / "mau-05.truth.json").read_text(encoding="utf-8"))
    first = truth["forms"][0]["criteria"][0]
    first["level"] = next(v for v in LEVELS if v != first["level"])
    made = make_document(Source(corpus / "mau-05.docx", truth), np.random.default_rng(0), tmp_path / "cache")
    assert made is None


def test_a_typed_mark_is_wiped_inside_its_cell_and_the_ruling_lines_stay(tmp_path: Path) -> None:
    """A glyph's box runs past a tight row's rulings; the wipe must not cut them (a broken ruling
    is the generator's doing, not the clerk's)."""
    pdf = printed(_corpus(tmp_path, _levels()) / "mau-05.docx", tmp_path / "cache")
    rows = [row for row in level_rows(pdf) if row.page == 0]
    page = next(raster(pdf))
    wiped = page.copy()
    inside = np.zeros(page.shape[:2], dtype=bool)
    px = marks.PX_PER_MM
    for row in rows:
        for glyph in row.glyphs:
            wipe(wiped, glyph, row.cells[row.marked])
        x, y, w, h = row.cells[row.marked]
        inside[int((y + 0.4) * px) : int((y + h - 0.4) * px), int((x + 0.4) * px) : int((x + w - 0.4) * px)] = True
    changed = np.any(wiped != page, axis=2)
    assert rows and changed.any()
    assert not (changed & ~inside).any()
    glyphs = np.zeros(page.shape[:2], dtype=bool)
    for row in rows:
        for gx, gy, gw, gh in row.glyphs:
            glyphs[int(gy * px) : int((gy + gh) * px), int(gx * px) : int((gx + gw) * px)] = True
    assert wiped[glyphs & inside].min() > 200  # nothing of the typed marks is left in their cells


# ------------------------------------------------------------------ Mẫu 06 summaries
SUMMARY_HEADINGS = ("TT", "Họ và tên đảng viên", "Chức vụ đảng, chính quyền, đoàn thể",
                    "Đảng viên tự đánh giá, xếp loại", "Đánh giá, xếp loại công chức, viên chức (Nếu là CC, VC)",
                    "Chi ủy nơi đảng viên sinh hoạt đánh giá, xếp loại",
                    "Tập thể lãnh đạo đoàn thể mà đảng viên là thành viên lãnh đạo",
                    "Chi bộ đánh giá, xếp loại", "Ghi chú")
MEMBERS = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường")


def _summary_corpus(tmp: Path, names: tuple[str, ...] = MEMBERS) -> Path:
    """A Mẫu 06 typed in Word as units type it, and its truth in the corpus's format."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    document = docx.Document()
    section = document.sections[0]
    section.orientation, section.page_width, section.page_height = WD_ORIENT.LANDSCAPE, Mm(297), Mm(210)
    document.add_paragraph("TỔNG HỢP ĐỀ XUẤT MỨC CHẤT LƯỢNG ĐẢNG VIÊN CỦA CÁC CHỦ THỂ")
    table = document.add_table(rows=1 + len(names), cols=len(SUMMARY_HEADINGS))
    table.style = "Table Grid"
    for k, heading in enumerate(SUMMARY_HEADINGS):
        table.rows[0].cells[k].text = heading
    for r, name in enumerate(names, start=1):
        for k, value in enumerate((str(r), name, "Đảng viên", "HTTNV", "", "HTTNV", "", "HTTNV 5/6/7", "")):
            table.rows[r].cells[k].text = value
    corpus = tmp / "corpus"
    corpus.mkdir()
    document.save(str(corpus / "mau-06.docx"))
    truth = {"file": "mau-06.docx", "variant": "docx", "kind": "docx", "pages": 1, "forms": [
        {"form": "2018/mau-06", "page": 1, "criteria": [],
         "tallies": [{"name": name, "votes": {"httnv": 5}, "present": 6, "total": 7, "result": "httnv"}
                     for name in MEMBERS]}]}
    (corpus / "mau-06.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return corpus


def test_a_summary_s_rating_columns_are_found_by_their_headings(tmp_path: Path) -> None:
    from samples.scangen.official_summary import COLUMNS, summary_rows

    rows = summary_rows(printed(_summary_corpus(tmp_path) / "mau-06.docx", tmp_path / "cache"))
    _members_with_columns(rows, tuple(COLUMNS))  # self … branch, left to right


def _members_with_columns(rows: tuple[Any, ...], keys: tuple[str, ...]) -> None:
    """Every member's row found, in order, each with the cells of `keys` and no other, left to right."""
    assert [row.name for row in rows] == list(MEMBERS)
    for row in rows:
        xs = [row.cells[key][0] for key in keys]
        assert set(row.cells) == set(keys) and xs == sorted(xs) and len(set(xs)) == len(keys)


def test_each_summary_is_written_by_hand_and_its_tallies_follow(tmp_path: Path) -> None:
    from samples.scangen.official_summary import RATINGS

    for form in _two_written(_summary_corpus(tmp_path), tmp_path, "summaries", seed=3):
        for tally, row in zip(form["tallies"], form["extra"]["rows"], strict=True):
            (rating, votes), = tally["votes"].items()
            assert rating == tally["result"] == row["branch"] and rating in RATINGS
            assert 0 < votes <= tally["present"] <= tally["total"]


def _two_written(corpus: Path, tmp: Path, kind: str, seed: int) -> list[dict[str, Any]]:
    """Two documents of `kind` made from the corpus's one form: each a file with its hand named, the
    same members, votes drawn anew for each. Their forms' truth."""
    forms = []
    for path in generate_official([corpus], 2, tmp / "out", seed=seed, cache=tmp / "cache", kind=kind):
        truth = json.loads(path.read_text(encoding="utf-8"))
        assert (path.parent / truth["file"]).is_file() and truth["render"]["hand"]["font"]
        forms.append(truth["forms"][0])
        assert [t["name"] for t in forms[-1]["tallies"]] == list(MEMBERS)
    assert len(forms) == 2 and forms[0]["tallies"] != forms[1]["tallies"]
    return forms


def _read_back(truth_path: Path) -> list[dict[str, Any]]:
    """The benchmark's records of a generated document read by the scan reader."""
    from benchmarks.official_scans import _records, pages_of
    from parsers.pictures import Pictures
    from parsers.scan_reader import read_scan_pages

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    path = truth_path.parent / truth["file"]
    return _records(truth, read_scan_pages(iter(list(pages_of(path))), path.name, Pictures()))


def test_a_summary_whose_rows_do_not_match_its_truth_is_left_out(tmp_path: Path) -> None:
    from samples.scangen.official_summary import make_summary

    corpus = _summary_corpus(tmp_path, names=(*MEMBERS[:2], "Phạm Minh Đức"))
    truth = json.loads((corpus / "mau-06.truth.json").read_text(encoding="utf-8"))
    assert make_summary(Source(corpus / "mau-06.docx", truth), np.random.default_rng(0), tmp_path / "cache") is None


def test_a_generated_summary_reads_back_without_a_silent_error(tmp_path: Path) -> None:
    """The scan reader on a summary the generator wrote and scanned: every tally value and every
    evaluator's rating is right or sent to review, and the meeting's present and total, decided
    over the column, are right."""
    corpus = _summary_corpus(tmp_path)
    (truth_path,) = generate_official([corpus], 1, tmp_path / "out", seed=11, cache=tmp_path / "cache",
                                      kind="summaries")
    records = _read_back(truth_path)
    assert [r["kind"] for r in records].count("tally") == 4 * len(MEMBERS)
    assert [r["kind"] for r in records].count("summary") == 4 * len(MEMBERS)  # self, cs, committee, mass_org
    assert not [r for r in records if r["silent"]]
    meeting = [r for r in records if r["id"].endswith((":present", ":total"))]
    assert sum(r["ok"] for r in meeting) >= len(meeting) - 2


# ------------------------------------------------------------------ vote-count minutes
MINUTES_HEADINGS = ("TT", "Họ và tên", "HTXSNV", "HTTNV", "HTNV", "KHTNV", "Kết quả")
MINUTES_VOTES = ({"htxsnv": 1, "httnv": 5, "htnv": 1, "khtnv": 0}, {"htxsnv": 0, "httnv": 2, "htnv": 5, "khtnv": 0},
                 {"htxsnv": 0, "httnv": 7, "htnv": 0, "khtnv": 0})


def _minutes_corpus(tmp: Path, names: tuple[str, ...] = MEMBERS) -> Path:
    """Minutes of a vote count typed in Word as units type them, and their truth in the corpus's format."""
    import docx
    from docx.shared import Mm

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for line in ("BIÊN BẢN KIỂM PHIẾU", "Đánh giá, xếp loại chất lượng đảng viên năm 2024",
                 "- Tổng số đảng viên chính thức: 7 đồng chí", "- Số có mặt: 7 đồng chí", "- Số vắng mặt: 0 đồng chí",
                 "- Số phiếu phát ra: 7 phiếu", "- Số phiếu thu vào: 7 phiếu", "- Số phiếu hợp lệ: 7 phiếu",
                 "Kết quả kiểm phiếu đối với từng đồng chí như sau:"):
        document.add_paragraph(line)
    table = document.add_table(rows=1 + len(names), cols=len(MINUTES_HEADINGS))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, (10, 50, 22, 22, 22, 22, 28), strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    for k, heading in enumerate(MINUTES_HEADINGS):
        table.rows[0].cells[k].text = heading
    results = ("HTTNV", "HTNV", "HTTNV")
    for r, (name, votes, result) in enumerate(zip(names, MINUTES_VOTES, results, strict=True), start=1):
        for k, value in enumerate((str(r), name, *(str(v) for v in votes.values()), result)):
            table.rows[r].cells[k].text = value
    document.add_paragraph("Biên bản được lập và thông qua trước chi bộ.")
    corpus = tmp / "corpus"
    corpus.mkdir()
    document.save(str(corpus / "bien-ban.docx"))
    truth = {"file": "bien-ban.docx", "variant": "docx", "kind": "docx", "pages": 1, "forms": [
        {"form": "bien-ban-kiem-phieu", "page": 1, "criteria": [], "extra": {"ballots": [7, 7, 7]},
         "tallies": [{"name": name, "votes": votes, "present": 7, "total": 7, "result": result.lower()}
                     for name, votes, result in zip(MEMBERS, MINUTES_VOTES, results, strict=True)]}]}
    (corpus / "bien-ban.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return corpus


def test_the_minutes_vote_columns_are_found_by_their_headings(tmp_path: Path) -> None:
    """KHTNV's heading holds HTNV's: each column is the one its whole heading names."""
    from samples.scangen.official_minutes import COLUMNS, minutes_rows

    rows = minutes_rows(printed(_minutes_corpus(tmp_path) / "bien-ban.docx", tmp_path / "cache"))
    assert tuple(COLUMNS) == ("htxsnv", "httnv", "htnv", "khtnv", "result")
    _members_with_columns(rows, tuple(COLUMNS))


def test_each_minutes_row_is_written_by_hand_with_votes_that_add_up_and_their_outcome(tmp_path: Path) -> None:
    from domain.model import Rating
    from rules.aggregation import aggregate

    for form in _two_written(_minutes_corpus(tmp_path), tmp_path, "minutes", seed=5):
        for tally in form["tallies"]:
            assert sum(tally["votes"].values()) == 7 and tally["present"] == tally["total"] == 7
            assert tally["result"] == aggregate({Rating(r): n for r, n in tally["votes"].items()}).result


def test_a_committee_s_slip_is_written_one_rating_off_the_outcome_and_read_back_as_written_or_flagged(
    tmp_path: Path
) -> None:
    """Minutes whose every result the committee got wrong: the truth keeps what was written, and the
    reader never brings a result silently into line with the votes (the rules are to report it)."""
    from domain.model import Rating
    from rules.aggregation import aggregate

    corpus = _minutes_corpus(tmp_path)
    (truth_path,) = generate_official([corpus], 1, tmp_path / "out", seed=2, cache=tmp_path / "cache",
                                      kind="minutes", miswritten=1.0)
    order = list(Rating)
    for tally in json.loads(truth_path.read_text(encoding="utf-8"))["forms"][0]["tallies"]:
        outcome = aggregate({Rating(r): n for r, n in tally["votes"].items()}).result
        assert outcome is not None and abs(order.index(Rating(tally["result"])) - order.index(outcome)) == 1
    records = _read_back(truth_path)
    assert len(records) == 7 * len(MEMBERS)
    assert not [r for r in records if r["silent"]]


def test_minutes_whose_rows_do_not_match_their_truth_are_left_out(tmp_path: Path) -> None:
    from samples.scangen.official_minutes import make_minutes

    corpus = _minutes_corpus(tmp_path, names=(*MEMBERS[:2], "Phạm Minh Đức"))
    truth = json.loads((corpus / "bien-ban.truth.json").read_text(encoding="utf-8"))
    assert make_minutes(Source(corpus / "bien-ban.docx", truth), np.random.default_rng(0), tmp_path / "cache") is None


def test_generated_minutes_read_back_without_a_silent_error(tmp_path: Path) -> None:
    """The scan reader on minutes the generator wrote and scanned: every tally value is right or
    sent to review, and most rows are read."""
    corpus = _minutes_corpus(tmp_path)
    (truth_path,) = generate_official([corpus], 1, tmp_path / "out", seed=2, cache=tmp_path / "cache", kind="minutes")
    records = _read_back(truth_path)
    assert len(records) == 7 * len(MEMBERS)
    assert not [r for r in records if r["silent"]]
    assert sum(r["ok"] for r in records) >= len(records) // 2


def test_counts_written_over_their_left_ruling_are_never_read_blank_for_sure(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Every 0 written across its cell's left ruling, mostly in the cell before: the little of it
    inside the cell is no blank (the row's votes would add up without it, and no vote be read for
    sure where the clerk wrote 0)."""
    from samples.scangen import official_minutes

    write = official_minutes.write

    def over_the_ruling(image: np.ndarray, lines: list[str], cell: tuple[float, float, float, float],
                        *args: Any) -> None:
        x, y, _, h = cell
        if lines[0].strip("0") == "":  # 0.4 mm of the 0 inside its cell
            cell = (x - 1.6, y, 2.0, h)
        write(image, lines, cell, *args)

    monkeypatch.setattr(official_minutes, "write", over_the_ruling)
    corpus = _minutes_corpus(tmp_path)
    written = generate_official([corpus], 2, tmp_path / "out", seed=4, cache=tmp_path / "cache", kind="minutes")
    assert not [r for truth_path in written for r in _read_back(truth_path) if r["silent"]]


def test_a_member_row_left_blank_in_the_minutes_is_never_read_for_sure(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The second member's counts and result not written (or too faint to be seen): every member
    listed has votes that add up to the ballots, so a row of blank cells goes to a person."""
    from samples.scangen import official_minutes

    write = official_minutes.write
    calls = iter(range(100))

    def second_row_blank(*args: Any) -> None:
        if not 5 <= next(calls) < 10:  # a row is four counts and a result
            write(*args)

    monkeypatch.setattr(official_minutes, "write", second_row_blank)
    corpus = _minutes_corpus(tmp_path)
    (truth_path,) = generate_official([corpus], 1, tmp_path / "out", seed=2, cache=tmp_path / "cache", kind="minutes")
    records = _read_back(truth_path)
    second = [r for r in records if r["id"].startswith(MEMBERS[1])]
    assert len(second) == 7 and all(r["flagged"] for r in second)
    assert not [r for r in records if r["silent"]]


def test_a_rating_written_by_hand_replaces_the_typed_one_and_its_truth_follows(tmp_path: Path) -> None:
    from samples.scangen.official_rating import answer_spot

    corpus = _corpus(tmp_path, _levels())
    written = generate_official([corpus], 4, tmp_path / "out", seed=5, cache=tmp_path / "cache", hand_ratings=1.0)
    assert len(written) == 4
    drawn = set()
    for path in written:
        truth = json.loads(path.read_text(encoding="utf-8"))
        how = truth["render"]["rating"]
        assert truth["forms"][0]["rating"]["value"] in {"htxsnv", "httnv", "htnv", "khtnv"}
        assert how["style"] in {"abbreviation", "words", "capitals"} and how["text"]
        drawn.add(truth["forms"][0]["rating"]["value"])
    assert len(drawn) > 1  # drawn anew, not the typed HTTNV
    spot = answer_spot(printed(corpus / "mau-05.docx", tmp_path / "cache"))
    assert spot is not None and len(spot.glyphs) == len("HTTNV") and spot.room[0] < spot.glyphs[0][0]
    # without the option the rating stays typed and the set is made as before
    plain = generate_official([corpus], 1, tmp_path / "plain", seed=5, cache=tmp_path / "cache")
    assert "rating" not in json.loads(plain[0].read_text(encoding="utf-8"))["render"]
