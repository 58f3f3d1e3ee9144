"""Crops of doubtful values, kept so that a person can decide them without opening the scan.

A reader that is unsure of a value puts the picture of its box here and writes the returned key in
the value's `Location.crop`; the report writes the crops out beside itself. Crops are small grey
PNGs (a box with some margin), so a dossier's worth stays in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")
MAX_SIDE = 900  # px: large enough to judge a handwritten mark, small enough to embed


@dataclass
class CropStore:
    images: dict[str, bytes] = field(default_factory=dict)

    def add(self, document: str, page: int, what: str, image: np.ndarray) -> str:
        """Store a crop; the key is a file name unique in the store, readable by a person."""
        stem = _UNSAFE.sub("_", f"{document}-p{page}-{what}").strip("_")[:120] or "crop"
        key, n = f"{stem}.png", 1
        while key in self.images:
            n += 1
            key = f"{stem}-{n}.png"
        self.images[key] = _png(image)
        return key


def _png(image: np.ndarray) -> bytes:
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w, 1))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("crop could not be encoded")
    return bytes(buf)
