"""Page images out of scans, photos, multi-page TIFFs and image-only PDFs, one page at a time.

A 50-page PDF of 300 dpi scans is 1.3 GB of pixels, so pages are produced lazily and each one is
dropped once read. Images are checked for size before they are decoded (a 100 000 × 100 000 PNG is
a few KB on disk), and any decoding failure becomes a `FileRejected` with a Vietnamese reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from domain.errors import FileRejected

log = logging.getLogger(__name__)

RENDER_DPI = 300
MIN_SCAN_DPI = 200  # a scan embedded coarser than this is rendered up to it: strokes need the pixels
MAX_PIXELS = 60_000_000  # 300 dpi A3 is 17 MP; a 12 MP phone photo fits; beyond is not a form page
MAX_PAGES = 200
A4_LONG_INCHES = 297 / 25.4
_A4_RATIO = 297 / 210
_A4_SHAPE = 0.02  # share: a picture whose sides are in A4's ratio this closely is a whole sheet
_A4_SIZE = 0.1  # share: … and a size stated this close to A4's is believed
_PLAUSIBLE_DPI = (50.0, 1200.0)
# Files whose pixels OpenCV decodes exactly as Pillow's RGB conversion does.
_OPENCV_DECODES = {("JPEG", "L"), ("JPEG", "RGB"), ("PNG", "L"), ("PNG", "RGB")}


class PageImage:
    """One page as pixels: `number` is 1-based in its file; `dpi` is estimated for photos.

    Our own forms are read from the grey copy alone, so a file OpenCV decodes is decoded straight
    to grey (half the cost of a colour JPEG) and decoded again in colour only when a reader asks
    for `image` (official-layout scans set coloured stamps and ink apart)."""

    def __init__(self, number: int, image: np.ndarray | None, dpi: float, *,
                 gray: np.ndarray | None = None, colour: Callable[[], np.ndarray] | None = None) -> None:
        if image is None and (gray is None or colour is None):
            raise ValueError("a page needs its colour pixels, or its grey ones and a way to the colour")
        self.number = number
        self.dpi = dpi
        self._image = image
        self._gray = gray
        self._colour = colour

    @property
    def image(self) -> np.ndarray:
        """BGR, uint8."""
        if self._image is None:
            assert self._colour is not None
            self._image = self._colour()
        return self._image

    @property
    def gray(self) -> np.ndarray:
        if self._gray is None:
            image = self.image
            self._gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        return self._gray


def _reject(name: str, message: str, detail: str) -> FileRejected:
    return FileRejected(message, detail=f"{name}: {detail}")


def _bgr(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    return array


def _plausible(dpi: float) -> bool:
    return _PLAUSIBLE_DPI[0] <= dpi <= _PLAUSIBLE_DPI[1]


def _dpi_of(size: tuple[int, int], stated: float | None) -> float:
    """The resolution of paper the file states (`stated_inch`), else the one that makes the long
    side an A4 page."""
    if not stated or not _plausible(stated):
        return max(size) / A4_LONG_INCHES
    of_paper = stated * stated_inch(size[0] / stated, size[1] / stated)
    return of_paper if _plausible(of_paper) else float(stated)


def stated_inch(width: float, height: float) -> float:
    """How many inches of a page's stated size make one inch of paper: 1, unless the page has A4's
    proportions and a size no A4 sheet has, when it is an A4 sheet whose stated size is wrong. A
    scan resized by half keeps its "300 dpi" tag, a program's "save as" writes 96 dpi, and an
    image-to-PDF converter makes each pixel a point (72 dpi): dev `doc_0001` tagged 96 dpi, or put
    in a PDF so, was read as a 23-inch page with letters a third of their size, and no form was
    found on it. A sheet that shape and that wrong in size (an A3 or A5 page) holds no official form."""
    long, short = max(width, height), min(width, height)
    if short <= 0 or abs(long / short / _A4_RATIO - 1) > _A4_SHAPE or abs(long / A4_LONG_INCHES - 1) <= _A4_SIZE:
        return 1.0
    return long / A4_LONG_INCHES


def image_pages(path: Path, name: str) -> Iterator[PageImage]:
    """Pages of a PNG/JPEG (one) or a TIFF (one per frame)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit below gives the Vietnamese message
    try:
        with Image.open(path) as img:
            frames = getattr(img, "n_frames", 1)
            if frames > MAX_PAGES:
                raise _reject(name, f"Tệp ảnh có {frames} trang, vượt giới hạn {MAX_PAGES} trang.", "too many frames")
            for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                w, h = frame.size
                if w * h > MAX_PIXELS:
                    raise _reject(
                        name,
                        f"Ảnh quá lớn ({w}×{h} điểm ảnh); hãy quét ở 200–300 dpi.",
                        f"frame {number}: {w}x{h}",
                    )
                dpi = _dpi_of((w, h), _float(frame.info.get("dpi", (None, None))[0]))
                gray = _decoded(path, img, cv2.IMREAD_GRAYSCALE) if frames == 1 else None
                if gray is not None:
                    yield PageImage(number, None, dpi, gray=gray, colour=partial(_colour, path, (w, h), name))
                else:
                    yield PageImage(number, cv2.cvtColor(np.asarray(frame.convert("RGB")), cv2.COLOR_RGB2BGR), dpi)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise _reject(name, "Tệp ảnh bị hỏng hoặc không phải ảnh, không mở được.", repr(e)) from e


def _decoded(path: Path, img: Any, flags: int) -> np.ndarray | None:
    """A JPEG or 8-bit PNG decoded by OpenCV (`flags`: grey or BGR): in colour, the same pixels as
    Pillow's RGB turned BGR (tests/test_pages.py), without Pillow's convert and copy out to numpy,
    which cost more than decoding a JPEG. None for any other file (TIFF, palette or 16-bit PNG,
    CMYK) and for one OpenCV cannot decode (truncated): Pillow decides those, and refuses a broken
    file."""
    if (img.format, img.mode) not in _OPENCV_DECODES or len(img.tile) != 1 or _rawmode(img.tile[0]) != img.mode:
        return None
    return _imdecode(path, flags, img.size)


def _imdecode(path: Path, flags: int, size: tuple[int, int]) -> np.ndarray | None:
    data = np.fromfile(path, dtype=np.uint8)
    # Pillow leaves EXIF orientation alone, and so must this.
    pixels = cv2.imdecode(data, flags | cv2.IMREAD_IGNORE_ORIENTATION)
    if pixels is None or pixels.shape[:2] != (size[1], size[0]):
        return None
    return np.asarray(pixels)


def _colour(path: Path, size: tuple[int, int], name: str) -> np.ndarray:
    """The colour pixels of a file whose grey ones OpenCV already decoded (so it decodes them too,
    unless the file changed in between)."""
    pixels = _imdecode(path, cv2.IMREAD_COLOR, size)
    if pixels is None:
        raise _reject(name, "Tệp ảnh bị hỏng hoặc không phải ảnh, không mở được.", "colour decoding failed")
    return pixels


def _rawmode(tile: Any) -> object:
    """The pixel layout stored in the file (Pillow's tile arguments: a mode, or a mode first)."""
    args = tile[3]
    return args[0] if isinstance(args, tuple) and args else args


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def render_scanned_page(pdf: object, index: int) -> PageImage:
    """One scanned page of an open pypdfium2 document (0-based `index`), at its scan's own
    resolution (`scan_dpi`) and with the resolution of its paper: a page whose stated size is
    wrong (`stated_inch`) is rendered by its pixels, not by its points."""
    page = pdf[index]  # type: ignore[index]
    try:
        inch = stated_inch(*(side / 72 for side in page.get_size()))
    finally:
        page.close()
    return render_pdf_page(pdf, index, scan_dpi(pdf, index, inch), inch)


def scan_dpi(pdf: object, index: int, inch: float = 1.0) -> float:
    """The resolution to render a scanned page at: its largest image's own, so that the scan's
    pixels are read as they are (not interpolated up, nor read more slowly than they deserve),
    kept between `MIN_SCAN_DPI` and `RENDER_DPI` of paper; `RENDER_DPI` for a page with no image.
    `inch`: how many of the page's stated inches make one of paper (`stated_inch`)."""
    import pypdfium2.raw as pdfium

    page = pdf[index]  # type: ignore[index]
    try:
        found = 0.0
        for item in page.get_objects():
            if item.type != pdfium.FPDF_PAGEOBJ_IMAGE:
                continue
            left, bottom, right, top = item.get_bounds()
            shown = max(right - left, top - bottom) / 72  # inches, whichever way it is turned
            if shown > 0:
                found = max(found, max(item.get_px_size()) / shown)
    finally:
        page.close()
    return (min(RENDER_DPI, max(MIN_SCAN_DPI, found * inch)) if found else RENDER_DPI) / inch


def render_pdf_page(pdf: object, index: int, dpi: float = RENDER_DPI, inch: float = 1.0) -> PageImage:
    """One page of an open pypdfium2 document at `dpi` of its stated size (0-based `index`); the
    image's resolution is of paper, `inch` stated inches to one of paper (`stated_inch`)."""
    page = pdf[index]  # type: ignore[index]
    try:
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (w * h)) ** 0.5
        bitmap = page.render(scale=scale)
        array = _bgr(bitmap.to_numpy().copy())
    finally:
        page.close()
    return PageImage(index + 1, array, 72 * scale * inch)
