"""The PDF reader on text PDFs: the development corpus read exactly, Word forms exported by
LibreOffice read back (marks, struck marks, wrapped fields), and the files it must refuse."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PIL import Image

from domain.errors import FileRejected
from domain.forms import catalog
from domain.model import DocumentKind, Level, Rating
from parsers import pdf_reader
from parsers.pdf_reader import parse_pdf
from parsers.pdf_text import _drawn_mark
from parsers.pictures import Pictures
from parsers.triage import read_file
from templating.pdf_export import export_pdfs, find_soffice
from tests import docx_factory as f
from tests.corpus import CORPUS, assert_matches_truth, corpus_files

CORPUS_FILES = corpus_files({"pdf_text"})
MAU_05 = catalog().get("2018/mau-05")
needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")


@pytest.mark.skipif(not CORPUS_FILES, reason="development corpus not present")
@pytest.mark.parametrize(("path", "truth"), CORPUS_FILES, ids=[str(p.relative_to(CORPUS)) for p, _ in CORPUS_FILES])
def test_corpus_text_pdf_matches_truth(path: Path, truth: dict[str, Any]) -> None:
    document = parse_pdf(path, path.name, Pictures())
    assert document.kind == DocumentKind.PDF_TEXT
    assert_matches_truth(document, truth)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Word forms exported to PDF by LibreOffice once for the module (plus an encrypted copy)."""
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    assert MAU_05 is not None
    src = tmp_path_factory.mktemp("docx")
    marks = {c.id: [(Level.TOT, f.text("x"))] for c in MAU_05.criteria}
    marks["I.2"] = [(Level.XUAT_SAC, f.struck("X")), (Level.TRUNG_BINH, f.text("✓"))]
    marks["II.1"] = []
    marks["III"] = [(Level.TOT, f.text("x")), (Level.KEM, f.text("x"))]
    long_name = "Tôn Nữ Thị Hoàng Anh Thư Nguyễn Phước Bảo Ngọc Trâm Khánh Linh Huyền Diệu"
    filled = f.save(
        f.analysis_form(MAU_05, marks, name=long_name, rating_lines=("Đề nghị xếp loại mức chất lượng: HTNV",)),
        src / "mau05.docx",
    )
    out = tmp_path_factory.mktemp("pdf")
    (pdf,) = export_pdfs([filled], out)
    locked = out / "locked.pdf"
    options = '{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"kd"}}'
    subprocess.run(
        [find_soffice() or "soffice", "--headless", "--convert-to", f"pdf:writer_pdf_Export:{options}",
         "--outdir", str(out / "enc"), str(filled)],
        check=True, capture_output=True, timeout=120,
    )
    (out / "enc" / "mau05.pdf").rename(locked)
    return {"mau05": pdf, "locked": locked, "name": Path(long_name)}


@needs_soffice
def test_word_form_exported_by_libreoffice_reads_back(exported: dict[str, Path]) -> None:
    document = parse_pdf(exported["mau05"], "mau05.pdf", Pictures())
    assert document.kind == DocumentKind.PDF_TEXT
    (form,) = document.forms
    assert form.form_id == "2018/mau-05"
    assert form.subject.name == str(exported["name"])  # a long name wraps and is joined again
    levels = {c.id: c for c in form.criteria}
    assert levels["I.1"].level is Level.TOT
    assert levels["I.2"].level is Level.TRUNG_BINH  # the struck X is cancelled
    assert levels["I.2"].cancelled == [Level.XUAT_SAC]
    assert levels["II.1"].level is None and levels["II.1"].marked == []
    assert levels["III"].marked == [Level.TOT, Level.KEM]
    assert form.rating is not None and form.rating.value is Rating.HTNV
    assert levels["I.1"].location is not None and levels["I.1"].location.page == 1


@needs_soffice
def test_encrypted_pdf_is_refused_in_vietnamese(exported: dict[str, Path]) -> None:
    with pytest.raises(FileRejected) as caught:
        parse_pdf(exported["locked"], "locked.pdf", Pictures())
    assert "mật khẩu" in caught.value.user_message


@needs_soffice
def test_a_broken_pdf_is_rejected_and_the_rest_still_read(exported: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(exported["mau05"].read_bytes()[:3000])
    documents = [d for p in (broken, exported["mau05"]) for d in read_file(p)]
    assert documents[0].rejected is not None and "PDF" in documents[0].rejected
    assert documents[1].rejected is None and documents[1].forms[0].form_id == "2018/mau-05"


def test_strokes_inside_a_cell_are_a_mark_and_its_ruling_is_not() -> None:
    cell = (100.0, 100.0, 140.0, 120.0)
    tick = {"x0": 110.0, "x1": 125.0, "top": 104.0, "bottom": 116.0}
    edge = {"x0": 100.0, "x1": 140.0, "top": 119.5, "bottom": 120.5}
    assert _drawn_mark(cell, [tick])
    assert not _drawn_mark(cell, [edge])


def _pdf_of_pictures(path: Path, pictures: list[tuple[float, float, float, float]]) -> Path:
    """An A4 PDF holding grey pictures at (left, top, width, height), in points from the top left."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for left, top, width, height in pictures:
        picture = ImageReader(Image.new("L", (max(1, round(width)), max(1, round(height))), 200))
        pdf.drawImage(picture, left, A4[1] - top - height, width=width, height=height)
    pdf.showPage()
    pdf.save()
    return path


@pytest.mark.parametrize(("pictures", "text"), [
    ([(0, k * 842 / 8, 595, 842 / 8) for k in range(8)], False),  # a scan stored in eight strips
    ([(0, 0, 595, 842)], False),  # a scan in one picture
    ([(0, 0, 595, 842 / 2 - 10), (0, 0, 595, 842 / 2 - 10)], True),  # the same half-page picture twice
    ([(40, 40, 120, 60), (400, 700, 150, 100)], True),  # a logo and a stamp on a text page
])
def test_a_page_is_a_scan_when_its_pictures_cover_it_together(
        tmp_path: Path, pictures: list[tuple[float, float, float, float]], text: bool) -> None:
    with pdfplumber.open(_pdf_of_pictures(tmp_path / "trang.pdf", pictures)) as pdf:
        assert pdf_reader.is_text_page(pdf.pages[0]) is text
