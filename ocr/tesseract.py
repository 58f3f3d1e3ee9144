"""The one way the product calls Tesseract.

In-process through tesserocr rather than a `tesseract` process per call: a call costs ~0.1 s of
model loading on the command line and ~1 ms here, and the official-layout reader makes dozens of
small calls per page (one per cell or field line). Every call has a deadline that Tesseract itself
honours (`Recognize(timeout=…)`), so a pathological image costs a bounded time and raises
`OcrTimeout` instead of hanging a worker.

An API object is not thread-safe and holds ~30 MB of model: each is used by one call at a time, and
there are as many of a language and profile as calls have wanted at once.
"""

from __future__ import annotations

import logging
import os
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from domain.errors import KiemdiemError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


class OcrError(KiemdiemError):
    """Tesseract could not run (missing language data, broken image)."""


class OcrTimeout(OcrError):
    """Tesseract did not finish within its deadline."""


class Psm(Enum):
    """Page segmentation modes we use (tesseract --help-psm)."""

    BLOCK = 6  # one uniform block of text: a cell, a field with its label
    LINE = 7  # one text line: a rating written on a line, a tally "07/08/10"
    WORD = 8  # one word: a roman numeral in the TT column
    SPARSE = 11  # scattered text: a page region with no reading order


class Profile(Enum):
    """How the model is initialised. Dictionaries help words and hurt numbers and abbreviations."""

    TEXT = "text"
    RAW = "raw"  # no dictionaries: digits, "HTTNV", roman numerals


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the image given


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float  # mean word confidence, 0..1; 0 when nothing was read
    words: tuple[Word, ...]
    symbols: tuple[Word, ...] = ()  # each character and its box, when asked for


def tessdata_dir() -> Path:
    """Where the `vie` model lives: $TESSDATA_PREFIX, else the Debian package's directory."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = [env] if env else []
    candidates += list(_TESSDATA_CANDIDATES)
    for c in candidates:
        if c and (Path(c) / "vie.traineddata").is_file():
            return Path(c)
    raise OcrError(
        "Máy chủ thiếu dữ liệu nhận dạng tiếng Việt của Tesseract (gói tesseract-ocr-vie); "
        "quản trị viên cần cài đặt lại.",
        detail=f"vie.traineddata not found in {candidates}",
    )


# An engine is not thread-safe, so a call takes an idle one of its language and profile (making
# one when none is idle) and gives it back. Engines shared this way, rather than one set per
# thread, can be made ahead on another thread (`make_engines`) while a page is still being
# cleaned: a command reading one scanned page spent 0.2 s of its 1.3 s making seven of them.
Engine = tuple[str, Profile]
_idle: dict[Engine, list[object]] = {}
_made: Counter[Engine] = Counter()
_idle_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked worker starts with the lock free: a thread of the parent that held it does not
    come along to release it. Engines that thread had taken are lost to the child, not shared."""
    global _idle_lock
    _idle_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _init(lang: str, profile: Profile) -> object:
    import tesserocr

    # No second reading of each unsure line turned white-on-black: no form prints inverted
    # text, and on handwriting (every line unsure) that reading cost a quarter of the time,
    # won only with garbage read out of the inverted strokes.
    variables = {"debug_file": "/dev/null", "tessedit_do_invert": "0"}
    if profile is Profile.RAW:
        variables |= {"load_system_dawg": "0", "load_freq_dawg": "0"}
    try:
        return tesserocr.PyTessBaseAPI(path=str(tessdata_dir()), lang=lang, init=True, variables=variables)
    except RuntimeError as e:
        raise OcrError(
            "Không khởi động được bộ nhận dạng chữ (Tesseract).", detail=f"init {lang}/{profile}: {e}"
        ) from e


def _new_engine(engine: Engine) -> object:
    """An engine made for a caller that counted it in `_made` already; uncounted if it fails."""
    try:
        return _init(*engine)
    except BaseException:
        with _idle_lock:
            _made[engine] -= 1
        raise


def _take(engine: Engine) -> object:
    with _idle_lock:
        idle = _idle.setdefault(engine, [])
        if idle:
            return idle.pop()
        _made[engine] += 1
    return _new_engine(engine)


def _give_back(engine: Engine, api: object) -> None:
    with _idle_lock:
        _idle.setdefault(engine, []).append(api)


def make_engines(engines: Sequence[Engine]) -> None:
    """Make the engines listed, in order, unless as many of each are made already (an engine
    listed twice is wanted by two threads at once). Returns once they are idle for the taking."""
    wanted: Counter[Engine] = Counter()
    for engine in engines:
        wanted[engine] += 1
        with _idle_lock:
            if _made[engine] >= wanted[engine]:
                continue
            _made[engine] += 1
        _give_back(engine, _new_engine(engine))


def read(
    image: np.ndarray,
    *,
    psm: Psm = Psm.BLOCK,
    lang: str = "vie",
    whitelist: str | None = None,
    profile: Profile = Profile.TEXT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    dpi: int = 300,
    symbols: bool = False,
    noisy_rows: bool = False,
) -> Reading:
    """Text, word boxes and confidences of a grey or binary image (uint8, H×W); with `symbols`,
    each character's box too. With `noisy_rows`, a text row made mostly of small blobs is read,
    not dropped as noise (Tesseract 5.5 drops a printed label whose dotted leader carries a
    handwritten answer: a page's rating line vanished whole from its reading)."""
    if image.ndim != 2 or image.dtype != np.uint8 or image.size == 0:
        raise OcrError("Ảnh không hợp lệ để nhận dạng chữ.", detail=f"shape={image.shape} dtype={image.dtype}")
    engine = (lang, profile)
    api = _take(engine)
    try:
        return _recognise(api, image, psm, whitelist, timeout_s, dpi, symbols, noisy_rows)
    finally:
        _give_back(engine, api)


def _recognise(api: object, image: np.ndarray, psm: Psm, whitelist: str | None, timeout_s: float, dpi: int,
               symbols: bool, noisy_rows: bool) -> Reading:
    api.SetPageSegMode(psm.value)  # type: ignore[attr-defined]
    api.SetVariable("tessedit_char_whitelist", whitelist or "")  # type: ignore[attr-defined]
    api.SetVariable("textord_noise_rejrows", "0" if noisy_rows else "1")  # type: ignore[attr-defined]
    pixels = np.ascontiguousarray(image)  # raw bytes: SetImage(PIL) would encode a BMP per call
    api.SetImageBytes(pixels.tobytes(), pixels.shape[1], pixels.shape[0], 1, pixels.shape[1])  # type: ignore[attr-defined]
    api.SetSourceResolution(dpi)  # type: ignore[attr-defined]
    if not api.Recognize(timeout=int(timeout_s * 1000)):  # type: ignore[attr-defined]
        api.Clear()  # type: ignore[attr-defined]
        raise OcrTimeout(
            "Nhận dạng chữ trên trang này quá thời gian cho phép; trang được đánh dấu để người kiểm tra.",
            detail=f"tesseract exceeded {timeout_s}s on {image.shape}",
        )
    chars: tuple[Word, ...] = ()
    try:
        words = tuple(_words(api))
        chars = tuple(_words(api, by_symbol=True)) if symbols else ()
        text = unicodedata.normalize("NFC", api.GetUTF8Text() or "").strip()  # type: ignore[attr-defined]
    except RuntimeError:  # tesserocr raises "No text returned" where Tesseract found nothing
        words, text = (), ""
    finally:
        api.Clear()  # type: ignore[attr-defined]
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Reading(text=text, confidence=confidence, words=words, symbols=chars)


def _words(api: object, by_symbol: bool = False) -> list[Word]:
    import tesserocr

    out: list[Word] = []
    it = api.GetIterator()  # type: ignore[attr-defined]
    level = tesserocr.RIL.SYMBOL if by_symbol else tesserocr.RIL.WORD
    if it is None:
        return out
    for w in tesserocr.iterate_level(it, level):
        try:
            text = w.GetUTF8Text(level)
        except RuntimeError:  # a word box with no text in it
            continue
        box = w.BoundingBox(level)
        if not text or box is None:
            continue
        out.append(Word(unicodedata.normalize("NFC", text), max(0.0, w.Confidence(level)) / 100.0, tuple(box)))
    return out
