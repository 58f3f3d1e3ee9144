"""Machine marks printed on every page: a QR code with the page identity and four ArUco markers,
one per page corner, with distinct ids so that the reader knows the page's rotation (180° too)
and where its corners are.

The constants here are the single definition shared by the writer (templates) and the reader
(`parsers.page_marks`); changing a marker id or the dictionary changes both at once.
"""

from __future__ import annotations

import io
from typing import Final

import cv2
import numpy as np

# 4×4 data bits: the largest modules for a given printed size, so the markers survive blur,
# low-resolution scans and phone photos; 50 ids is far more than the four corners need.
ARUCO_DICTIONARY: Final[int] = cv2.aruco.DICT_4X4_50

# Upright corner of the page → marker id. The ids run clockwise, so an upright corner index i
# appears at image corner (i + k) % 4 after k quarter turns clockwise.
CORNER_MARKERS: Final[dict[str, int]] = {"top_left": 0, "top_right": 1, "bottom_right": 2, "bottom_left": 3}

# Modules across an ArUco PNG: 1 white quiet zone + 1 black border + 4 data + 1 black border + 1 white.
ARUCO_MODULES: Final[int] = 8
# Of which the black square (border included) spans this many.
ARUCO_BLACK_MODULES: Final[int] = 6


def qr_png(text: str, *, scale: int = 4, border: int = 2) -> bytes:
    """PNG of a QR code holding `text` as UTF-8 bytes, black on white.

    Error correction is at least M (segno raises it for free when the symbol has room). The
    border is the white quiet zone in modules; 2 is below the standard 4 but enough on a white page
    margin, and the page layout must keep other ink that far away. segno loads here: the readers
    share this module's marker constants and never write a QR code (its import is a hundredth of
    a second of every reading command).
    """
    import segno

    code = segno.make(text, error="m", mode="byte", encoding="utf-8", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border, dark="black", light="white")
    return buffer.getvalue()


def aruco_png(marker_id: int, *, pixels: int = 200) -> bytes:
    """PNG of ArUco marker `marker_id`, with a white quiet zone of one module on every side.

    The image is `ARUCO_MODULES` (8) modules across, the black square the middle 6, so a PNG printed
    `s` mm wide has a black square of 0.75·s mm. `pixels` is the whole image side, rounded down to
    a multiple of 8 (at least 8) so that every module is a whole number of pixels.
    """
    module = max(1, pixels // ARUCO_MODULES)
    dictionary = cv2.aruco.getPredefinedDictionary(ARUCO_DICTIONARY)
    marker = cv2.aruco.generateImageMarker(dictionary, marker_id, module * ARUCO_BLACK_MODULES)
    quiet = module * (ARUCO_MODULES - ARUCO_BLACK_MODULES) // 2
    image = cv2.copyMakeBorder(marker, quiet, quiet, quiet, quiet, cv2.BORDER_CONSTANT, value=255)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - encoding an 8-bit gray image does not fail
        raise RuntimeError("PNG encoding failed")
    return bytes(np.asarray(encoded).tobytes())
