"""OCR calls of the scan reader, each one never fatal for the page.

A cell Tesseract cannot read in time is a value to review, not a page lost: the call returns an
empty reading with no confidence, which the form reader turns into an `unreadable` finding like any
other unsure value.
"""

from __future__ import annotations

import logging

import numpy as np

from ocr import tesseract as ocr

log = logging.getLogger(__name__)

NOTHING = ocr.Reading(text="", confidence=0.0, words=())


def read(
    image: np.ndarray,
    *,
    psm: ocr.Psm = ocr.Psm.BLOCK,
    whitelist: str | None = None,
    profile: ocr.Profile = ocr.Profile.TEXT,
    dpi: int = 200,
    timeout_s: float = 3.0,
    lang: str = "vie",
) -> ocr.Reading:
    """`ocr.tesseract.read` on a grey crop; an empty reading when Tesseract fails on it."""
    if image.size == 0 or min(image.shape[:2]) < 4:
        return NOTHING
    try:
        return ocr.read(image, psm=psm, lang=lang, whitelist=whitelist, profile=profile, dpi=dpi, timeout_s=timeout_s)
    except ocr.OcrTimeout:
        log.warning("OCR deadline passed on a %dx%d crop", image.shape[1], image.shape[0])
        return NOTHING
