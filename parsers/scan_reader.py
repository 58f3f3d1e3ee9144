"""Forms read from scanned pages and photos of the official layout (no QR code, no markers).

The pages become one layout (`ScanBodyBuilder`), page by page, each page's pixels dropped once it
is read; `parsers.form_reader` then finds and reads the forms exactly as for a Word file. Every
value the reader is unsure of (confidence below `REVIEW_BELOW`) gets a picture of where it is on
the page in the crop store, so that a person decides it from the report without the scan.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import cv2
import numpy as np

from domain.errors import UnknownForm
from domain.model import ExtractedForm, Location
from parsers.form_reader import read_forms
from parsers.layout import Box
from parsers.pages import PageImage
from parsers.pictures import Pictures
from parsers.placement import place
from parsers.scan_layout import ScanBodyBuilder
from parsers.scan_page import Sheet

log = logging.getLogger(__name__)

REVIEW_BELOW = 0.9
_CROP_DPI = 150.0  # pages are kept this small (grey, PNG) until their forms are read, for crops
_MARGIN_PT = 6.0


def read_scan_pages(pages: Iterable[PageImage | Sheet], file_name: str, pictures: Pictures) -> list[ExtractedForm]:
    """Every form on the pages (as scanned, or prepared already), with crops of the doubtful values.

    Raises UnknownForm (Vietnamese message) when no known form is printed on the pages."""
    builder = ScanBodyBuilder()
    thumbs: dict[int, tuple[bytes, float]] = {}
    for page in pages:
        sheet = builder.add_page(page)
        pictures.add_page(file_name, sheet.number, sheet.gray, sheet.dpi)
        scale = _CROP_DPI / sheet.dpi
        small = cv2.resize(sheet.gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        ok, png = cv2.imencode(".png", small)
        if ok:
            thumbs[sheet.number] = (bytes(png), _CROP_DPI)
        del sheet, page
    body = builder.body
    if not body.lines:
        raise _unknown(file_name, "no text read")
    try:
        forms = read_forms(body, file_name, ocr=True)
    except UnknownForm as e:
        raise _unknown(file_name, str(e)) from e
    for form in place(forms, body):
        _attach_crops(form, thumbs, file_name, pictures)
    return forms


def _unknown(file_name: str, detail: str) -> UnknownForm:
    return UnknownForm(
        f"Không nhận ra mẫu biểu nào trên các trang quét của tệp “{file_name}”. Hãy quét hoặc chụp rõ, "
        "đủ trang, đúng chiều, và dùng đúng mẫu (có dòng “Mẫu …” và tên mẫu ở đầu trang).",
        detail=f"{file_name}: {detail}",
    )


def _attach_crops(form: ExtractedForm, thumbs: dict[int, tuple[bytes, float]], file_name: str, pictures: Pictures
                  ) -> None:
    """A crop of every value below the review threshold."""
    doubtful: list[tuple[str, float, Location | None]] = []
    doubtful += [(f"tieu-chi-{c.id}", c.confidence, c.location) for c in form.criteria]
    if form.rating is not None:
        doubtful.append(("xep-loai", form.rating.confidence, form.rating.location))
    doubtful += [(f"phieu-{k + 1}", t.confidence, t.location) for k, t in enumerate(form.tallies)]
    doubtful += [(f"dong-{k + 1}-{key}", v.confidence, v.location or row.location)
                 for k, row in enumerate(form.summary_rows) for key, v in row.ratings.items()]
    pages: dict[int, tuple[np.ndarray, float]] = {}  # each page decoded once, not once per value on it
    for what, confidence, location in doubtful:
        if confidence >= REVIEW_BELOW or location is None or location.box is None:
            continue
        if location.page not in pages:
            thumb = thumbs.get(location.page)
            if thumb is None:
                continue
            pages[location.page] = _decoded(thumb)
        location.crop = pictures.add_crop(file_name, location.page, what, _cut(pages[location.page], location.box))


def _decoded(thumb: tuple[bytes, float]) -> tuple[np.ndarray, float]:
    data, dpi = thumb
    image: np.ndarray | None = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError("page thumbnail could not be decoded")
    return image, dpi


def _cut(page: tuple[np.ndarray, float], box: Box) -> np.ndarray:
    image, dpi = page
    scale = dpi / 72.0
    h, w = image.shape[:2]
    x0 = max(0, int((box[0] - _MARGIN_PT) * scale))
    y0 = max(0, int((box[1] - _MARGIN_PT) * scale))
    x1 = min(w, int((box[2] + _MARGIN_PT) * scale))
    y1 = min(h, int((box[3] + _MARGIN_PT) * scale))
    crop: np.ndarray = image[y0:y1, x0:x1]
    return crop if crop.size else np.asarray(image)
