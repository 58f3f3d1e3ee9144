"""Scanned files as a whole: pages stream through one at a time, and a bad file is refused alone."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from domain.model import Document, DocumentKind, ExtractedForm, Rating
from parsers import image_reader, pdf_reader, scan_ocr
from parsers.pages import PageImage
from parsers.pictures import Pictures
from parsers.scan_page import Sheet, prepare
from parsers.triage import read_file
from samples.scangen import marks
from samples.scangen.generate import pages_with_boxes
from templating.pdf_export import find_soffice
from templating.store import load_layout
from tests.builders import check, dossier, minutes, votes


def _blank_scan_pdf(path: Path, pages: int) -> Path:
    sheets = [Image.new("L", (827, 1169), 255) for _ in range(pages)]  # A4 at 100 dpi
    sheets[0].save(path, save_all=True, append_images=sheets[1:], resolution=100)
    return path


def test_a_scanned_pdf_is_rendered_and_read_one_page_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    render, look = pdf_reader.render_scanned_page, image_reader.with_identity

    def rendering(document: Any, index: int, *args: Any, **kwargs: Any) -> Any:
        events.append(f"render {index + 1}")
        return render(document, index, *args, **kwargs)

    def looking(image: Any, marks: Any) -> Any:
        events.append("read")
        return look(image, marks)

    monkeypatch.setattr(pdf_reader, "render_scanned_page", rendering)
    monkeypatch.setattr(image_reader, "with_identity", looking)
    (document,) = read_file(_blank_scan_pdf(tmp_path / "scan.pdf", 5))
    assert events == [e for k in range(1, 6) for e in (f"render {k}", "read")]
    assert document.rejected is not None and "Không nhận ra mẫu biểu" in document.rejected  # blank pages


def test_bad_images_are_refused_one_by_one_and_the_batch_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    blank = tmp_path / "trang.png"
    Image.new("L", (827, 1169), 255).save(blank)
    documents = [d for p in (broken, blank) for d in read_file(p)]
    assert [d.file for d in documents] == ["hong.jpg", "trang.png"]
    assert documents[0].rejected is not None and "bị hỏng" in documents[0].rejected
    assert documents[1].rejected is not None and "Không nhận ra mẫu biểu" in documents[1].rejected


def test_a_scanned_ballot_stack_is_counted_and_compared_with_the_minutes(tmp_path: Path) -> None:
    """Three ballots scanned into one TIFF: read through triage like any upload, then checked
    against minutes that record one vote too many (`ballots-vs-minutes`)."""
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    blank = pages_with_boxes("phieu-bieu-quyet", tmp_path / "cache")[0]
    pen, rng = marks.Pen((150, 60, 25), 0.4), np.random.default_rng(11)
    layout = load_layout("phieu-bieu-quyet")
    boxes = {b["id"]: {k: float(b[k]) for k in ("x", "y", "w", "h")} for b in layout["pages"][0]}
    sheets = []
    for choice in ("httnv", "httnv", "htxsnv"):  # the first member's row on each ballot
        page = blank.image()
        marks.cross(page, boxes[f"rating:row0:{choice}"], pen, rng)
        sheets.append(Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB)).convert("L"))
    stack = tmp_path / "phieu.tif"
    sheets[0].save(stack, save_all=True, append_images=sheets[1:], dpi=(300, 300), compression="tiff_lzw")

    (document,) = read_file(stack)
    assert document.rejected is None and document.kind == DocumentKind.IMAGE and document.pages == 3
    assert [f.form_id for f in document.forms] == ["phieu-bieu-quyet"] * 3
    member = blank.slots[0]
    recorded = minutes([(member, votes(httnv=3), Rating.HTTNV)], present=3, total=3)
    d = dossier(documents=[document, Document(file="bien-ban.docx", kind=DocumentKind.DOCX, forms=[recorded])])
    findings = [f for f in check(d, "2018").findings if f.rule == "ballots-vs-minutes"]
    assert len(findings) == 1 and "HTXSNV: phiếu đếm được 1, biên bản ghi 0" in findings[0].message


def test_the_image_reader_starts_without_the_word_and_pdf_toolchain() -> None:
    """Every `kiemdiem check` of a photo pays for what its imports load: the box-layout extractor's
    pdfplumber, pypdfium2 and python-docx cost ~0.07 s a command and are needed only to make forms;
    numpy's random generators (0.02 s) only to train the classifiers; segno (0.01 s) only to print QR codes."""
    probe = ("import sys, parsers.image_reader; "
             "print(*sorted({'pdfplumber', 'pypdfium2', 'docx', 'numpy.random', 'segno'} & set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout.split()
    assert loaded == []


def _printed_page() -> PageImage:
    """A page of print with none of our marks, at 200 dpi."""
    img = Image.new("RGB", (1654, 1100), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 34)
    for k, line in enumerate(["ĐẢNG CỘNG SẢN VIỆT NAM", "BẢN KIỂM ĐIỂM CÁ NHÂN", "Năm 2024",
                              "Họ và tên: Nguyễn Văn An", "Chức vụ: Đảng viên"]):
        draw.text((110, 100 + 90 * k), line, font=font, fill="black")
    return PageImage(1, cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), 200.0)


def _handed_over(monkeypatch: pytest.MonkeyPatch, page: PageImage) -> tuple[list[object], list[str]]:
    """What the official-layout reader is given for `page`, and the threads `prepare` ran on."""
    given: list[object] = []
    threads: list[str] = []

    def preparing(p: PageImage) -> Sheet:
        threads.append(threading.current_thread().name)
        return prepare(p)

    def reading(pages: Iterable[object], file_name: str, pictures: Pictures) -> list[ExtractedForm]:
        given.extend(pages)
        return []

    monkeypatch.setattr(image_reader, "prepare", preparing)
    monkeypatch.setattr(image_reader, "read_scan_pages", reading)
    image_reader.read_page_images([page], "trang.png", Pictures())
    return given, threads


def test_a_printed_page_is_prepared_on_its_own_thread_while_our_marks_are_ruled_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_ocr, "_THREADS", 2)
    page = _printed_page()
    given, threads = _handed_over(monkeypatch, page)
    assert len(threads) == 1 and threads[0].startswith("sheet-ahead")
    assert len(given) == 1 and isinstance(given[0], Sheet)
    assert np.array_equal(given[0].image, prepare(page).image)


def test_without_a_spare_core_the_reader_prepares_the_page_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_ocr, "_THREADS", 1)
    page = _printed_page()
    given, threads = _handed_over(monkeypatch, page)
    assert threads == [] and given == [page]


def test_a_page_of_ours_is_not_prepared_as_a_printed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    monkeypatch.setattr(scan_ocr, "_THREADS", 2)
    ours = pages_with_boxes("phieu-bieu-quyet", tmp_path / "cache")[0].image()
    given, threads = _handed_over(monkeypatch, PageImage(1, ours, 300.0))
    assert threads == [] and given == []
