"""Read page images (photos, scans, scanned PDF pages): our own forms by their marks, the others
by their printed layout.

Each page is looked at once for our QR code and corner markers. A page that has them is read by
optical mark reading against the form's measured layout (`omr`); any other page goes to the
official-layout reader, which finds the printed grid and reads the text. Pages are consumed one at
a time and dropped after reading, so memory stays that of one page whatever the file's length.

A page on which the marker search's first look finds no marker is most likely printed elsewhere:
it is prepared for the official-layout reader on a thread of its own while the search goes on
ruling our marks out (`_SheetAhead`), on the core that single-threaded search leaves idle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
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
from parsers.scan_page import Sheet, prepare
from parsers.scan_paper import make_colour_tables_ahead
from parsers.scan_reader import read_scan_pages
from parsers.triage import sha256_of

log = logging.getLogger(__name__)


def read_page_images(pages: Iterable[PageImage], name: str, pictures: Pictures) -> list[ExtractedForm]:
    """Every form on the pages. Raises UnknownForm only when no page holds a known form."""
    own: list[OwnPage] = []
    printed = 0
    make_colour_tables_ahead()  # while the first page is decoded and searched for our marks
    ahead = _SheetAhead()

    def others() -> Iterator[PageImage | Sheet]:
        nonlocal printed
        for page in pages:
            marks = identity_on_crop(page.gray, read_markers(page.gray, when_none_seen=partial(ahead.start, page)))
            if marks.identity is None:  # markers hidden or the crop undecodable: search the whole page
                marks = with_identity(page.gray, marks)
            if marks.identity is not None:
                try:
                    own.append(read_own_page(page, marks, name, pictures))
                    ahead.drop()
                    continue
                except KiemdiemError as e:  # unregistrable: read it as a printed page instead
                    log.info("own page not registered", extra={"file": name, "page": page.number, "why": str(e)})
            printed += 1
            ahead.make_engines()
            yield ahead.take(page)

    try:
        forms = read_scan_pages(others(), name, pictures)
    except UnknownForm:
        if printed or not own:
            raise
        forms = []
    finally:
        ahead.close()
        forget_names()  # names read on this file's pages are reused within it, never in another
    forms += assemble(own)
    for form in forms:
        form.from_image = True
    forms.sort(key=lambda f: f.page)
    return forms


class _SheetAhead:
    """One page at a time prepared (`scan_page.prepare`) on a thread of its own, ahead of the
    official-layout reader: the marker search that must first rule our marks out runs on one
    OpenCV thread, ~0.1 s a printed page on the dev scans. Only where the process may keep a
    second core busy; a page found to be ours lets its sheet go (prepared for nothing, which a
    page of ours whose markers the first look misses costs in CPU, not in time)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheet-ahead") if scan_ocr.spare_core() \
            else None
        self._pending: tuple[PageImage, Future[Sheet]] | None = None
        self._engines = False

    def start(self, page: PageImage) -> None:
        if self._pool is not None:
            self.make_engines()
            self._pending = (page, self._pool.submit(prepare, page))

    def make_engines(self) -> None:
        """The OCR engines made ahead once a file, while its first printed page is prepared."""
        if not self._engines:
            self._engines = True
            scan_ocr.make_engines_ahead()

    def take(self, page: PageImage) -> PageImage | Sheet:
        """The sheet prepared ahead from `page` (its errors raised here, as preparing it here
        would), else the page itself, to be prepared by the reader."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] is not page:
            return page
        return pending[1].result()

    def drop(self) -> None:
        self._pending = None

    def close(self) -> None:
        self._pending = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


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
