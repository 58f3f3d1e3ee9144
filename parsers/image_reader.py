"""Read page images (photos, scans, scanned PDF pages): our own forms by their marks, the others
by their printed layout.

Each page is looked at once for our QR code and corner markers. A page that has them is read by
optical mark reading against the form's measured layout (`omr`); any other page goes to the
official-layout reader, which finds the printed grid and reads the text. Pages are consumed one at
a time and dropped after reading, so memory stays that of one page whatever the file's length.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from domain.errors import KiemdiemError, UnknownForm
from domain.model import Document, DocumentKind, ExtractedForm
from omr.names import forget_names
from omr.qr import identity_on_crop
from omr.reader import OwnPage, assemble, read_own_page
from parsers import scan_ocr
from parsers.page_marks import read_markers, with_identity
from parsers.pages import PageImage, image_pages
from parsers.pictures import Pictures
from parsers.scan_paper import make_colour_tables_ahead
from parsers.scan_reader import read_scan_pages
from parsers.triage import sha256_of

log = logging.getLogger(__name__)


def read_page_images(pages: Iterable[PageImage], name: str, pictures: Pictures) -> list[ExtractedForm]:
    """Every form on the pages. Raises UnknownForm only when no page holds a known form."""
    own: list[OwnPage] = []
    printed = 0
    make_colour_tables_ahead()  # while the first page is decoded and searched for our marks

    def others() -> Iterator[PageImage]:
        nonlocal printed
        for page in pages:
            marks = identity_on_crop(page.gray, read_markers(page.gray))
            if marks.identity is None:  # markers hidden or the crop undecodable: search the whole page
                marks = with_identity(page.gray, marks)
            if marks.identity is not None:
                try:
                    own.append(read_own_page(page, marks, name, pictures))
                    continue
                except KiemdiemError as e:  # unregistrable: read it as a printed page instead
                    log.info("own page not registered", extra={"file": name, "page": page.number, "why": str(e)})
            printed += 1
            if printed == 1:  # made while the file's first printed page is cleaned for reading
                scan_ocr.make_engines_ahead()
            yield page

    try:
        forms = read_scan_pages(others(), name, pictures)
    except UnknownForm:
        if printed or not own:
            raise
        forms = []
    finally:
        forget_names()  # names read on this file's pages are reused within it, never in another
    forms += assemble(own)
    for form in forms:
        form.from_image = True
    forms.sort(key=lambda f: f.page)
    return forms


def parse_image(path: Path, name: str, pictures: Pictures) -> Document:
    """A PNG/JPEG (one page) or a TIFF (one page per frame)."""
    pages = 0

    def counted() -> Iterator[PageImage]:
        nonlocal pages
        for page in image_pages(path, name):
            pages = page.number
            yield page

    forms = read_page_images(counted(), name, pictures)
    return Document(file=name, sha256=sha256_of(path), kind=DocumentKind.IMAGE, pages=max(pages, 1), forms=forms)
