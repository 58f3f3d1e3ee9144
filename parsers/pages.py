"""Page images out of scans, photos, multi-page TIFFs and image-only PDFs, one page at a time.

A 50-page PDF of 300 dpi scans is 1.3 GB of pixels, so pages are produced lazily and each one is
dropped once read. Images are checked for size before they are decoded (a 100 000 × 100 000 PNG is
a few KB on disk), and any decoding failure becomes a `FileRejected` with a Vietnamese reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from domain.errors import FileRejected

log = logging.getLogger(__name__)

RENDER_DPI = 300
MAX_PIXELS = 60_000_000  # 300 dpi A3 is 17 MP; a 12 MP phone photo fits; beyond is not a form page
MAX_PAGES = 200
A4_LONG_INCHES = 297 / 25.4
# Files whose pixels OpenCV decodes exactly as Pillow's RGB conversion does.
_OPENCV_DECODES = {("JPEG", "L"), ("JPEG", "RGB"), ("PNG", "L"), ("PNG", "RGB")}


@dataclass(frozen=True)
class PageImage:
    """One page as pixels: `number` is 1-based in its file; `dpi` is estimated for photos."""

    number: int
    image: np.ndarray  # BGR, uint8
    dpi: float

    @cached_property
    def gray(self) -> np.ndarray:
        return cv2.cvtColor(self.image, cv2.COLOR_BGR2GRAY) if self.image.ndim == 3 else self.image


def _reject(name: str, message: str, detail: str) -> FileRejected:
    return FileRejected(message, detail=f"{name}: {detail}")


def _bgr(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    return array


def _dpi_of(size: tuple[int, int], stated: float | None) -> float:
    """The resolution the file states, else the one that makes the long side an A4 page."""
    if stated and 50 <= stated <= 1200:
        return float(stated)
    return max(size) / A4_LONG_INCHES


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
                dpi = frame.info.get("dpi", (None, None))[0]
                pixels = _decoded(path, img) if frames == 1 else None
                if pixels is None:
                    pixels = cv2.cvtColor(np.asarray(frame.convert("RGB")), cv2.COLOR_RGB2BGR)
                yield PageImage(number, pixels, _dpi_of((w, h), _float(dpi)))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise _reject(name, "Tệp ảnh bị hỏng hoặc không phải ảnh, không mở được.", repr(e)) from e


def _decoded(path: Path, img: Any) -> np.ndarray | None:
    """A JPEG or 8-bit PNG decoded by OpenCV straight to BGR: the same pixels as Pillow's RGB
    turned BGR (tests/test_pages.py), without Pillow's convert and copy out to numpy, which cost
    more than decoding a JPEG. None for any other file (TIFF, palette or 16-bit PNG, CMYK) and for
    one OpenCV cannot decode (truncated): Pillow decides those, and refuses a broken file."""
    if (img.format, img.mode) not in _OPENCV_DECODES or len(img.tile) != 1 or _rawmode(img.tile[0]) != img.mode:
        return None
    data = np.fromfile(path, dtype=np.uint8)
    # Pillow leaves EXIF orientation alone, and so must this.
    pixels = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if pixels is None or pixels.shape[:2] != (img.size[1], img.size[0]):
        return None
    return np.asarray(pixels)


def _rawmode(tile: Any) -> object:
    """The pixel layout stored in the file (Pillow's tile arguments: a mode, or a mode first)."""
    args = tile[3]
    return args[0] if isinstance(args, tuple) and args else args


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def render_pdf_page(pdf: object, index: int, dpi: float = RENDER_DPI) -> PageImage:
    """One page of an open pypdfium2 document at `dpi` (0-based `index`)."""
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
    return PageImage(index + 1, array, 72 * scale)
