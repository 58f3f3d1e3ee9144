"""The page's QR code decoded where the corner markers say it is.

`parsers.page_marks` looks for the QR over the whole image, which on a noisy phone photo can fail
(or take seconds) while the four markers are found at once. Every layout prints the QR at the
same place (templates/README.md: 22 mm, 5 mm from the left edge, 22 mm from the top) and the
markers at fixed places for the page size, so with three markers the code's square is known: it is
cut out upright, enlarged and decoded alone, which is both faster and more reliable. The crops are
decoded by zxing-cpp (a fraction of a millisecond each) and, only when every one fails, by OpenCV
(about 13 ms a try), which may read a blurred code zxing-cpp does not.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from domain.form_identity import FormIdentity, IdentityError
from omr.register import RegistrationError, register
from parsers.page_marks import PageMarks, binary, detect_and_decode, zxing_payload
from templating.page import A4_LANDSCAPE, A4_PORTRAIT, MARKER_MM, QR_MM, QR_X_MM, QR_Y_MM, PageSize

log = logging.getLogger(__name__)

# Resolutions the crop is tried at, in pixels per mm: OpenCV's decoder is particular about module
# size (a 33-module code of 22 mm has modules of 0.67 mm), and each try costs a few milliseconds.
_PPMM = (6.0, 8.0, 12.0, 16.0)
_QUIET_MM = 3.0


def _layout(size: PageSize) -> dict[str, Any]:
    return {"markers": {name: [x, y, MARKER_MM] for name, (x, y) in size.marker_origins().items()}}


def identity_on_crop(image: npt.NDArray[np.uint8], marks: PageMarks) -> PageMarks:
    """`marks` with the identity decoded from the QR's known place when it was not read before;
    unchanged when the markers do not allow it or the code still does not decode."""
    if marks.identity is not None or len(marks.markers) < 3 or marks.rotation is None:
        return marks
    gray = image if image.ndim == 2 else np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    fits = []
    for size in (A4_PORTRAIT, A4_LANDSCAPE):
        try:
            fits.append(register(marks, _layout(size), (gray.shape[1], gray.shape[0])))
        except RegistrationError:
            continue
    if not fits:
        return marks
    registration = min(fits, key=lambda r: r.error_mm)
    side = QR_MM + 2 * _QUIET_MM
    crops = (registration.patch(gray, QR_X_MM - _QUIET_MM, QR_Y_MM - _QUIET_MM, side, side, ppmm) for ppmm in _PPMM)
    tried: list[npt.NDArray[np.uint8]] = []
    payload = b""
    for variant in (v for crop in crops for v in (crop, binary(crop))):
        tried.append(variant)
        payload = zxing_payload(variant)
        if payload:
            break
    else:
        detector = cv2.QRCodeDetector()
        payload = next((p for p in (detect_and_decode(detector, v)[0] for v in tried) if p), b"")
    if not payload:
        return marks
    try:
        identity = FormIdentity.decode(payload.decode("utf-8"))
    except (UnicodeDecodeError, IdentityError) as error:
        log.info("QR on crop not ours: %s", error)
        return marks
    return replace(marks, identity=identity, qr_error=None)
