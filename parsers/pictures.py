"""Pictures a person needs to check a reading without the original file: the page itself, and a
crop of every doubtful value.

Readers put them here while they hold the page's pixels, each page in the frame its values' boxes
are measured in (points from the page's top-left corner), so the report can draw a callout on the
page exactly where a value was read. Word files have no pages until something lays them out; their
bytes are kept and the report lays them out (`reports.word_pages`). Everything is compressed as it
arrives (grey JPEG pages at `VIEW_DPI`, PNG crops), so a dossier of 60 scanned pages costs a few MB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")
MAX_SIDE = 900  # px: a crop large enough to judge a handwritten mark, small enough to embed
VIEW_DPI = 120.0  # pages: the report shows a whole page at about 2/3 of its size; this is sharp enough
_JPEG_QUALITY = 80


@dataclass(frozen=True)
class PageView:
    """A page as a grey JPEG; `width_pt`/`height_pt` give the frame of the boxes drawn on it."""

    jpeg: bytes
    width_pt: float
    height_pt: float


@dataclass
class Pictures:
    crops: dict[str, bytes] = field(default_factory=dict)
    pages: dict[tuple[str, int], PageView] = field(default_factory=dict)
    word_files: dict[str, bytes] = field(default_factory=dict)

    def add_crop(self, document: str, page: int, what: str, image: np.ndarray) -> str:
        """Store a crop; the key is a file name unique in the store, readable by a person."""
        stem = _UNSAFE.sub("_", f"{document}-p{page}-{what}").strip("_")[:120] or "crop"
        key, n = f"{stem}.png", 1
        while key in self.crops:
            n += 1
            key = f"{stem}-{n}.png"
        self.crops[key] = _png(image)
        return key

    def add_page(self, document: str, page: int, image: np.ndarray, dpi: float) -> None:
        """The page (grey or BGR, at `dpi`) as the report will show it."""
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        h, w = gray.shape[:2]
        scale = min(1.0, VIEW_DPI / dpi)
        if scale < 1.0:
            gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
        if not ok:
            raise ValueError("page view could not be encoded")
        self.pages[(document, page)] = PageView(bytes(buf), w * 72.0 / dpi, h * 72.0 / dpi)

    def add_word_file(self, document: str, data: bytes) -> None:
        self.word_files[document] = data


def _png(image: np.ndarray) -> bytes:
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w, 1))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("crop could not be encoded")
    return bytes(buf)
