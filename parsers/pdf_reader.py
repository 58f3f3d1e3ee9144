"""Read a PDF: pages with a text layer through their text, the others as scanned images.

A clerk's PDF is either exported from Word (text, ruled tables, typed marks) or a scan (one image
per page, sometimes with an OCR text layer that is too poor to trust for marks). Each page is
classified on its own; image pages are rendered one at a time and go to the image reader, so a
50-page scan never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from domain.errors import FileRejected
from domain.model import Document, DocumentKind, ExtractedForm
from parsers.form_reader import read_forms
from parsers.pages import MAX_PAGES, PageImage, render_pdf_page, render_scanned_page
from parsers.pdf_text import PdfBodyBuilder
from parsers.pictures import VIEW_DPI, Pictures
from parsers.placement import place

log = logging.getLogger(__name__)

MAX_IMAGE_SHARE = 0.5  # a page mostly covered by one image is a scan, whatever text it carries


def _reject(name: str, message: str, detail: str) -> FileRejected:
    return FileRejected(message, detail=f"{name}: {detail}")


def _open(path: Path, name: str) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
        pages = len(pdf.pages)
    except Exception as e:  # pdfminer raises many unrelated types for a broken file
        causes = (e, *e.args)  # pdfplumber wraps pdfminer's error in PdfminerException
        if any(isinstance(c, PDFPasswordIncorrect | PDFEncryptionError) for c in causes):
            raise _reject(name, "Tệp PDF được đặt mật khẩu; hãy gửi bản không đặt mật khẩu.", repr(e)) from e
        raise _reject(name, "Tệp PDF bị hỏng, không mở được.", repr(e)) from e
    if pages == 0:
        pdf.close()
        raise _reject(name, "Tệp PDF không có trang nào.", "0 pages")
    if pages > MAX_PAGES:
        pdf.close()
        raise _reject(name, f"Tệp PDF có {pages} trang, vượt giới hạn {MAX_PAGES} trang.", f"{pages} pages")
    return pdf


def is_text_page(page: Any) -> bool:
    """Not a page-sized picture. Its text layer, if any, is a scanner's OCR and is not trusted; a
    page with little text and no picture (a signature page) is still a text page. A scan stored
    in strips or tiles (some scanners, a photo printed to PDF) is a page-sized picture too: what
    its pictures cover together is measured, at a tenth of an inch."""
    return _covered_by_pictures(page) < MAX_IMAGE_SHARE


def _covered_by_pictures(page: Any) -> float:
    """The share of the page its pictures cover, overlaps counted once."""
    cell = 7.2  # points: a tenth of an inch
    rows, cols = max(1, round(float(page.height) / cell)), max(1, round(float(page.width) / cell))
    covered = np.zeros((rows, cols), bool)
    for image in page.images:
        top, bottom = (round(float(image[k]) / cell) for k in ("top", "bottom"))
        left, right = (round(float(image[k]) / cell) for k in ("x0", "x1"))
        covered[max(0, top) : max(0, bottom), max(0, left) : max(0, right)] = True
    return float(covered.mean())


def _classified(page: Any) -> bool:
    """Whether the page is text, without keeping its parsed objects (a scan's are its image)."""
    try:
        return is_text_page(page)
    finally:
        page.flush_cache()


def parse_pdf(path: Path, name: str, pictures: Pictures) -> Document:
    """Every form in a PDF; text pages and scanned pages may be mixed."""
    import pypdfium2

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    pdf = _open(path, name)
    with pdf:
        kinds = [_classified(p) for p in pdf.pages]
        forms: list[ExtractedForm] = []
        if any(kinds):
            builder = PdfBodyBuilder()
            for number, (page, text) in enumerate(zip(pdf.pages, kinds, strict=True), start=1):
                if text:
                    builder.add_page(page, number)
                page.flush_cache()
            forms += place(read_forms(builder.body, name), builder.body)
    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as e:
        raise _reject(name, "Tệp PDF bị hỏng, không mở được.", repr(e)) from e
    with document:
        for index in (i for i, text in enumerate(kinds) if text):
            view = render_pdf_page(document, index, VIEW_DPI)
            pictures.add_page(name, view.number, view.image, view.dpi)
        if not all(kinds):
            from parsers.image_reader import read_page_images

            forms += read_page_images(_scanned_pages(document, kinds), name, pictures)
    forms.sort(key=lambda f: f.page)
    kind = DocumentKind.PDF_TEXT if all(kinds) else DocumentKind.PDF_SCAN
    return Document(file=name, sha256=digest, kind=kind, pages=len(kinds), forms=forms)


def _scanned_pages(document: Any, kinds: list[bool]) -> Iterator[PageImage]:
    for index, text in enumerate(kinds):
        if not text:
            yield render_scanned_page(document, index)
