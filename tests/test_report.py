"""The annotated report, checked from the files it writes: the PDF's text (pdfplumber) holds every
finding under the right document page, the frames drawn on page pictures sit on the values the
findings are about (compared with the form's own box layout and with the Word file as LibreOffice
lays it out), the HTML keeps user text as text, the workbook agrees with the JSON, and a person's
correction is applied, recorded and shown.

One dossier is read and reported once per module: three Word files of the sample dossier (one with
a rating above its criteria), a synthetic scan of our own Mẫu 05 with a doubly marked row, and a
roster with a hostile name. Word files are laid out by the real LibreOffice.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pytest
from openpyxl import load_workbook

from domain.model import Level, Severity
from parsers.roster import load_roster
from reports.annotate import COLOURS, Callout
from reports.content import ReportContent
from reports.report_dir import write_report_dir
from samples.scangen import marks
from samples.scangen.generate import fill, pages_with_boxes
from samples.scangen.plan import Odds
from service.cli import main
from templating.page import MM_PER_PT
from templating.pdf_export import export_pdfs
from templating.store import load_layout
from worker.pipeline import CheckResult, check

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dossier-2019-rating-above-criteria"
WORD_FILES = ["phieu-danh-gia-huynh-minh-oanh.docx", "bien-ban-kiem-phieu.docx", "tong-hop-xep-loai.docx"]
HOSTILE = '<script>alert("x")</script> Nguyễn'
SCAN_DPI = 200
CLEAN = Odds(double=0, ambiguous=0, blank_required=0, cancel_and_remark=0, scribble_beside=0, speck=0, pencil=0,
             bad_arithmetic=0)
HEADING = re.compile(r"Tệp (\d+)/\d+: .+? — trang (\d+)/\d+")


@dataclass
class Reported:
    result: CheckResult
    content: ReportContent
    directory: Path
    scan: Path
    scan_layout_box: tuple[float, float, float, float]  # row I.1 of the scan, in points on the printed page

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.directory / "report.json").read_text("utf-8"))
        return data


def _scan_with_double_mark(folder: Path) -> tuple[Path, tuple[float, float, float, float]]:
    blank = pages_with_boxes("2018/mau-05", folder / "blanks")[0]
    img, _ = fill(blank, np.random.default_rng(6), CLEAN)
    layout = load_layout("2018/mau-05")
    design = {b["id"]: b for b in layout["pages"][0]}
    row = [design[f"crit:I.1:{level.value}"] for level in Level]
    for b in row:  # clean the row, then mark it twice
        cv2.rectangle(img, (int((b["x"] + 0.6) * 300 / 25.4), int((b["y"] + 0.6) * 300 / 25.4)),
                      (int((b["x"] + b["w"] - 0.6) * 300 / 25.4), int((b["y"] + b["h"] - 0.6) * 300 / 25.4)),
                      (255, 255, 255), -1)
    rng, pen = np.random.default_rng(1), marks.Pen((30, 30, 30), 0.4)
    for b in (row[1], row[3]):
        marks.cross(img, {k: float(b[k]) for k in ("x", "y", "w", "h")}, pen, rng)
    small = cv2.resize(img, None, fx=SCAN_DPI / 300, fy=SCAN_DPI / 300, interpolation=cv2.INTER_AREA)
    path = folder / "mau05-scan.png"
    cv2.imwrite(str(path), small, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    x0, y0 = min(b["x"] for b in row), min(b["y"] for b in row)
    x1, y1 = max(b["x"] + b["w"] for b in row), max(b["y"] + b["h"] for b in row)
    return path, (x0 / MM_PER_PT, y0 / MM_PER_PT, x1 / MM_PER_PT, y1 / MM_PER_PT)


def _roster(folder: Path) -> Path:
    with (SAMPLE / "roster.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows.append([HOSTILE] + [""] * (len(rows[0]) - 1))
    path = folder / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Reported:
    folder = tmp_path_factory.mktemp("report")
    scan, box = _scan_with_double_mark(folder)
    files = [SAMPLE / name for name in WORD_FILES] + [scan]
    result = check(files, roster=load_roster(_roster(folder)), rule_set_id="2019")
    directory = folder / "out"
    content = result.content()  # Word files laid out once, for the files and for the assertions
    write_report_dir(directory, content, result.report())
    return Reported(result, content, directory, scan, box)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def _pdf_pages(path: Path) -> Iterator[tuple[int, Any, str, tuple[int, int] | None]]:
    """Each PDF page with its text and the document page it shows (carried over when a table flows on)."""
    current: tuple[int, int] | None = None
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""  # running text; columns of a table come interleaved, so …
            text += "\n".join(cell or "" for table in page.extract_tables() for row in table for cell in row)
            headings = HEADING.findall(text)
            if headings:
                current = (int(headings[-1][0]), int(headings[-1][1]))
            elif "Phát hiện chung của hồ sơ" in text or re.search(r"^.+ — .+\nXếp loại cuối cùng", text):
                current = None
            yield number, page, text, current


def _callouts(reported: Reported) -> list[Callout]:
    return reported.content.annotated.callouts()


def test_every_finding_is_in_the_pdf_under_its_document_page(reported: Reported) -> None:
    pages = list(_pdf_pages(reported.directory / "report.pdf"))
    assert reported.result.findings, "the dossier was built to have findings"
    placed = 0
    for callout in _callouts(reported):
        assert callout.finding is not None
        message = _flat(callout.finding.message)
        if callout.document is not None and callout.page is not None:
            where = [n for n, _, text, shown in pages
                     if shown == (callout.document + 1, callout.page) and message in _flat(text)]
            assert where, f"{callout.finding.rule} not under document {callout.document + 1} page {callout.page}"
            placed += 1
        else:
            assert any(message in _flat(text) for _, _, text, _ in pages), callout.finding.rule
    assert placed >= 2
    texts = "".join(text for _, _, text, _ in pages)
    assert "Đề nghị" in texts or "đề nghị" in texts  # diacritics come back as written


def _drawn_box(page: Any, colour: str, view_width_pt: float) -> list[tuple[float, float, float, float]]:
    """The frames of one colour on a report page, in points of the document page it shows."""
    picture = max(page.images, key=lambda i: (i["x1"] - i["x0"]) * (i["bottom"] - i["top"]))
    scale = view_width_pt / (picture["x1"] - picture["x0"])
    rgb = tuple(int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5))
    frames = []
    for rect in page.rects:
        stroke = rect.get("stroking_color")
        if not rect.get("stroke") or stroke is None or len(stroke) != 3:
            continue
        if max(abs(a - b) for a, b in zip(stroke, rgb, strict=True)) > 0.02 or rect["width"] < 20:
            continue
        frames.append(((rect["x0"] - picture["x0"]) * scale, (rect["top"] - picture["top"]) * scale,
                       (rect["x1"] - picture["x0"]) * scale, (rect["bottom"] - picture["top"]) * scale))
    return frames


def _report_page(reported: Reported, document: int, number: int) -> Any:
    for _, page, _, shown in _pdf_pages(reported.directory / "report.pdf"):
        if shown == (document + 1, number) and page.images:
            return page
    raise AssertionError(f"no report page shows document {document + 1} page {number}")


def test_the_frame_of_a_doubtful_scanned_row_sits_on_that_row(reported: Reported) -> None:
    finding = next(f for f in reported.result.findings if f.rule == "unreadable" and f.field == "criteria.I.1")
    assert finding.location is not None and finding.location.box is not None and finding.document is not None
    box = finding.location.box
    assert all(abs(a - b) < 1.0 for a, b in zip(box, reported.scan_layout_box, strict=True))  # model = printed row
    view = reported.result.pictures.pages[(reported.scan.name, 1)]
    frames = _drawn_box(_report_page(reported, finding.document, 1), COLOURS[Severity.REVIEW.value], view.width_pt)
    assert any(all(abs(a - b) < 1.5 for a, b in zip(frame, box, strict=True)) for frame in frames), frames


def test_the_frame_of_a_word_rating_covers_the_rating_line(reported: Reported, tmp_path: Path) -> None:
    callout = next(c for c in _callouts(reported) if c.finding and c.finding.rule == "rating-above-criteria")
    assert callout.box is not None and callout.document is not None and callout.page is not None
    laid = reported.content.annotated.pages
    view = next(p.view for p in laid if (p.document, p.number) == (callout.document, callout.page))
    assert view is not None
    frames = _drawn_box(_report_page(reported, callout.document, callout.page), COLOURS[Severity.ERROR.value],
                        view.width_pt)
    assert any(all(abs(a - b) < 1.5 for a, b in zip(frame, callout.box, strict=True)) for frame in frames), frames
    pdf = export_pdfs([SAMPLE / WORD_FILES[0]], tmp_path)[0]  # the file as LibreOffice prints it
    with pdfplumber.open(pdf) as printed:
        x0, y0, x1, y1 = callout.box
        words = printed.pages[callout.page - 1].within_bbox((max(0, x0 - 1), max(0, y0 - 1), x1 + 1, y1 + 1))
        inside = _flat(words.extract_text() or "")
    assert "đềnghịxếploại" in inside.lower() and "htxsnv" in inside.lower(), inside


def test_a_person_page_lists_ratings_from_every_source(reported: Reported) -> None:
    pages = [text for _, _, text, _ in _pdf_pages(reported.directory / "report.pdf")]
    oanh = next(text for text in pages if text.startswith("Huỳnh Minh Oanh"))
    assert "Xếp loại cuối cùng: HTXSNV" in oanh
    assert "phieu-danh-gia-huynh-minh-oanh.docx" in oanh and "tong-hop-xep-loai.docx" in oanh
    assert "Biểu quyết: HTXSNV 5, HTTNV 3" in oanh


def test_user_text_stays_text_in_html_and_pdf(reported: Reported) -> None:
    html = (reported.directory / "report.html").read_text("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Nguyễn" in html
    texts = [text for _, _, text, _ in _pdf_pages(reported.directory / "report.pdf")]
    assert any(_flat(HOSTILE) in _flat(text) for text in texts)


def test_html_frames_and_pictures(reported: Reported) -> None:
    html = (reported.directory / "report.html").read_text("utf-8")
    for src in re.findall(r'src="([^"]+)"', html):
        assert (reported.directory / src).is_file(), src
    finding = next(f for f in reported.result.findings if f.rule == "unreadable" and f.field == "criteria.I.1")
    assert finding.location is not None and finding.location.crop
    assert f'src="crops/{finding.location.crop}"' in html
    view = reported.result.pictures.pages[(reported.scan.name, 1)]
    assert finding.location.box is not None
    left = round(100.0 * finding.location.box[0] / view.width_pt, 3)
    assert f"left: {left}%" in html


def test_the_workbook_agrees_with_the_json(reported: Reported) -> None:
    report = reported.report
    wb = load_workbook(reported.directory / "summary.xlsx")
    rows = list(wb["Phát hiện"].iter_rows(values_only=True))[1:]
    assert [r[6] for r in rows] == [f["message"] for f in report["findings"]]
    names = [c.value for c in wb["Tổng hợp"]["B"] if c.value]
    assert all(p["name"] in names for p in report["people"])


def test_unreadable_values_come_with_their_picture_in_the_pdf(reported: Reported) -> None:
    finding = next(f for f in reported.result.findings if f.rule == "unreadable" and f.field == "criteria.I.1")
    assert finding.document is not None
    page = _report_page(reported, finding.document, 1)
    assert len(page.images) >= 2  # the page, and the crop of the row below it


def test_a_correction_is_applied_recorded_and_shown(reported: Reported, tmp_path: Path) -> None:
    corrections = tmp_path / "sua.json"
    corrections.write_text(json.dumps({"schema": "kiemdiem.corrections/1", "corrections": [
        {"document": reported.scan.name, "field": "criteria.I.1", "value": "Tốt", "by": "Trần Thị Bình",
         "at": "2026-11-21T09:30:00+07:00", "note": "đã xem bản giấy"}]}, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    code = main(["check", str(reported.scan), "--rule-set", "2019", "--corrections", str(corrections),
                 "--report-dir", str(out)])
    assert code == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert not any(f["rule"] == "unreadable" and f["field"] == "criteria.I.1" for f in report["findings"])
    assert report["corrections"][0]["by"] == "Trần Thị Bình" and report["corrections"][0]["new"] == "Tốt"
    text = "".join(text for _, _, text, _ in _pdf_pages(out / "report.pdf"))
    assert "Đã sửa" in text and "Trần Thị Bình" in text and "S1" in text
    html = (out / "report.html").read_text("utf-8")
    assert "Trần Thị Bình" in html and 'data-label="S1"' in html
    assert load_workbook(out / "summary.xlsx")["Đã sửa"]["F2"].value == "Trần Thị Bình"
