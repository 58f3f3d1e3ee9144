"""Member names printed in the rows of unit forms, read with Tesseract (`vie`, one line).

A stack of ballots is one document printed many times: every ballot of a unit carries the same
names in the same rows. A name read once is therefore kept for its page identity and row, while
one file is read, and reused when the next page's name band looks the same (a small binarised thumbnail is compared),
which saves a Tesseract call per row on every further ballot. A band that differs (another print
run with a member added) is read again.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import OrderedDict

import cv2
import numpy as np
import numpy.typing as npt

from domain.form_identity import FormIdentity
from ocr.tesseract import OcrError, Profile, Psm, read
from omr.boxes import INK, darkness_map

log = logging.getLogger(__name__)

_MIN_INK_SHARE = 0.004  # a blank slot's band: table lines excluded, almost no ink
_THUMB = (160, 16)
_SAME_BAND = 0.06  # mean difference of thumbnails under which two bands print the same name
_CACHE_SIZE = 2048
_EDGES = re.compile(r"^[^\w]+|[^\w]+$")

_cache: OrderedDict[tuple[str, int, int, int], tuple[npt.NDArray[np.float32], str]] = OrderedDict()


def _key(identity: FormIdentity, row: int) -> tuple[str, int, int, int]:
    """The printed page: same form, unit, year and page number print the same rows."""
    return (f"{identity.form_id}|{identity.version}|{identity.unit}|{identity.year}", identity.page,
            identity.pages, row)


def _thumbnail(ink: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.asarray(cv2.resize((ink > INK).astype(np.float32), _THUMB, interpolation=cv2.INTER_AREA),
                      dtype=np.float32)


def read_name(identity: FormIdentity, row: int, band: npt.NDArray[np.uint8]) -> str:
    """The name printed in `band` (grey, upright), "" for a blank slot or nothing legible."""
    dark = darkness_map(band)
    if float((dark > INK).mean()) < _MIN_INK_SHARE:
        return ""
    thumb = _thumbnail(dark)
    key = _key(identity, row)
    cached = _cache.get(key)
    if cached is not None and float(np.abs(cached[0] - thumb).mean()) < _SAME_BAND:
        _cache.move_to_end(key)
        return cached[1]
    try:
        reading = read(band, psm=Psm.LINE, lang="vie", profile=Profile.TEXT, timeout_s=3.0)
    except (OcrError, RuntimeError) as error:
        # RuntimeError: tesserocr's word iterator raises "No text returned" on an empty word.
        log.warning("name not read: %s", error)
        return ""
    words = [_EDGES.sub("", w) for w in unicodedata.normalize("NFC", reading.text).split()]
    # A lone letter at either end is a table line or a speck read as text: names have no such word.
    while words and len(words[-1]) < 2:
        words.pop()
    while words and len(words[0]) < 2:
        words.pop(0)
    name = " ".join(w for w in words if w)
    _cache[key] = (thumb, name)
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return name


def forget_names() -> None:
    """Drop the names kept from earlier pages: at the end of each file (a name misread once must
    not follow the worker to other dossiers), and in a benchmark timing cold reads."""
    _cache.clear()
