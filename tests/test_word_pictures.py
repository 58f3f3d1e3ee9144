"""Forms photographed and pasted into a Word file are read as the page images they are."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import docx
import numpy as np
import pytest
from docx.shared import Cm
from PIL import Image

from domain.model import DocumentKind
from parsers.triage import read_file
from parsers.word_pictures import page_pictures
from samples.scangen import marks
from samples.scangen.generate import pages_with_boxes
from templating.pdf_export import find_soffice
from templating.store import load_layout


def _png(image: np.ndarray) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture(scope="module")
def ballots(tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """Two ballots, a cross in the first member's row: HTTNV, then HTXSNV."""
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    blank = pages_with_boxes("phieu-bieu-quyet", tmp_path_factory.mktemp("cache"))[0]
    layout = load_layout("phieu-bieu-quyet")
    boxes = {b["id"]: {k: float(b[k]) for k in ("x", "y", "w", "h")} for b in layout["pages"][0]}
    pen, rng = marks.Pen((150, 60, 25), 0.4), np.random.default_rng(3)
    out = []
    for choice in ("httnv", "htxsnv"):
        page = blank.image()
        marks.cross(page, boxes[f"rating:row0:{choice}"], pen, rng)
        out.append(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
    return out


def _word_file(path: Path, images: list[np.ndarray], logo: bool = True) -> Path:
    document = docx.Document()
    if logo:
        document.add_picture(_png(np.full((120, 200), 90, np.uint8)), width=Cm(2))  # no page: left out
    document.add_paragraph("Ảnh chụp phiếu biểu quyết gửi kèm.")
    for image in images:
        document.add_picture(_png(image), width=Cm(16))
    document.save(str(path))
    return path


def test_photos_pasted_into_a_word_file_are_read_in_the_documents_order(ballots: list[np.ndarray],
                                                                        tmp_path: Path) -> None:
    path = _word_file(tmp_path / "anh-phieu.docx", ballots)
    assert len(page_pictures(path)) == 2
    (document,) = read_file(path)
    assert document.rejected is None and document.kind is DocumentKind.IMAGE and document.pages == 2
    assert [f.form_id for f in document.forms] == ["phieu-bieu-quyet"] * 2
    assert [f.page for f in document.forms] == [1, 2]


def test_a_word_file_with_neither_a_form_nor_a_page_picture_keeps_its_message(tmp_path: Path) -> None:
    path = _word_file(tmp_path / "thu.docx", [])
    assert page_pictures(path) == []
    (document,) = read_file(path)
    assert document.rejected is not None and "Không nhận ra mẫu biểu nào trong tệp" in document.rejected
