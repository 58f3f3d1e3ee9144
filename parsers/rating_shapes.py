"""A handwritten rating told by its shape, when OCR cannot read the letters.

Tesseract reads print; a rating written in a flowing hand ("Hoàn thành tốt nhiệm vụ" in script,
"HTTNV" in brush capitals) comes back as "Hein thank tab ahem ow". But the answer is one of four
ratings written one of three ways (in words, in capitals, abbreviated), and those twelve shapes
differ in what a glance sees: how long the line is for its height, how many words and how long
each, a K or a capital at the start, the short "tốt" in third place. A small network
(`omr.network`, `parsers/data/rating_shapes.npz`, trained at build time by `python -m parsers.train_rating_shapes`
from the phrases rendered in many handwriting fonts, nothing downloaded) sees the answer's gradient
histogram, its length for its height and its word gaps, and gives each rating a probability.

This is a second reader beside OCR, not a replacement: `scan_layout` combines the two, and a
rating it gives alone stays under review.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from domain.model import Rating
from omr.gradients import gradient_histogram
from omr.network import Network

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "data" / "rating_shapes.npz"
RATINGS: tuple[Rating, ...] = (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV)
STYLES = ("words", "capitals", "abbreviation")  # each rating in each style is one class
HEIGHT, WIDTH = 32, 192  # the answer stretched to this size for its gradient histogram
_CELL, _BINS = 8, 9
_MAX_WORDS = 8
_GAP = 0.3  # a blank run wider than this share of the letters' height separates two words
_INK = 160  # grey level under which a pixel of the cleaned answer is ink
_MIN_INK = 20  # fewer ink pixels than this are no writing
_PALE_SHARE = 0.4  # of the way from a pale answer's darkest pixel to white: ink below it
_FAINTEST = 184  # an answer whose darkest pixel is lighter holds no ink, only dirt (`omr.boxes.INK`)
# Trained on other hands, the model may be sure and wrong on a script it never saw. Its rating stands
# with no OCR reading behind it only in a hand it reads (it names what another reader found on every
# one of at least HAND_CHECKS answers of the same table), and only at CLEAR or more.
CLEAR = 0.97
HAND_CHECKS = 3

Floats = npt.NDArray[np.float32]


def class_of(rating: Rating, style: str) -> int:
    return RATINGS.index(rating) * len(STYLES) + STYLES.index(style)


def _words(mask: np.ndarray) -> list[tuple[int, int]]:
    """Column runs of ink separated by gaps wider than `_GAP` of the height: the words."""
    columns = [bool(v) for v in np.any(mask, axis=0).tolist()]
    gap = max(2, round(_GAP * mask.shape[0]))
    runs: list[tuple[int, int]] = []
    start, blank = None, 0
    for x, inked in enumerate(columns):
        if inked:
            if start is None:
                start = x
            elif blank >= gap:
                runs.append((start, x - blank))
                start = x
            blank = 0
        elif start is not None:
            blank += 1
    if start is not None:
        runs.append((start, len(columns) - blank))
    return runs


def _ink_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (x0, y0, x1, y1) around the ink of a cleaned answer; None when there is too little."""
    ys, xs = np.nonzero(mask)
    if ys.size < _MIN_INK:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _ink(answer: np.ndarray) -> np.ndarray:
    """Where a cleaned answer holds ink: darker than `_INK`, or in a pale pen's writing, whose
    strokes are grey 140–160 at their cores on a levelled page, darker than a level as far from
    its darkest pixel as `_INK` is from black, relatively. Under `_INK` alone such writing was ink
    in part or not at all, and the result of every row of a minutes table so written had neither
    a shape nor a width. An answer whose darkest pixel is lighter than `_FAINTEST` holds dirt only."""
    darkest = int(answer.min()) if answer.size else 255
    level = _INK if darkest >= _FAINTEST else max(_INK, darkest + _PALE_SHARE * (255 - darkest))
    return np.asarray(answer < level)


def ink_extent(answer: np.ndarray) -> tuple[int, int] | None:
    """Width and height of the writing in a cleaned answer, as the network sees it."""
    box = _ink_box(_ink(answer))
    return None if box is None else (box[2] - box[0], box[3] - box[1])


ABBREVIATION_ASPECT = 7.0  # an abbreviation is at most this wide for its height (full words are wider)


def in_words(extent: tuple[int, int] | None) -> bool:
    """Whether writing of this extent (`ink_extent`) is wider for its height than any
    abbreviation: a rating in words."""
    return extent is not None and extent[0] > ABBREVIATION_ASPECT * extent[1]


def features(answer: np.ndarray) -> Floats | None:
    """What the network sees of a cleaned answer (grey, leader removed, ink dark on white): the
    gradient histogram of its tight crop stretched to `WIDTH`×`HEIGHT`, its length for its
    height, and how many words it has and where they end. None when there is no ink."""
    mask = _ink(answer).astype(np.uint8)
    box = _ink_box(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    crop = answer[y0:y1, x0:x1]
    h, w = crop.shape
    stretched = cv2.resize(crop, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    hog = gradient_histogram(stretched, _CELL, _BINS)
    length, words = _level_words(mask, box)
    count = np.zeros(_MAX_WORDS, np.float32)
    count[min(len(words), _MAX_WORDS) - 1] = 1.0
    ends = np.zeros(_MAX_WORDS, np.float32)  # where each word ends, as a share of the line
    for k, (_, end) in enumerate(words[:_MAX_WORDS]):
        ends[k] = end / length
    shape = np.array([np.log(w / h) / 3.0], np.float32)
    return np.concatenate([hog, count, ends, shape]).astype(np.float32)


def _level_words(mask: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, list[tuple[int, int]]]:
    """The writing's length at `HEIGHT` with its proportions kept, and its words there (`_words`)."""
    x0, y0, x1, y1 = box
    h, w = y1 - y0, x1 - x0
    level = cv2.resize(mask[y0:y1, x0:x1] * 255, (max(1, round(w * HEIGHT / h)), HEIGHT), interpolation=cv2.INTER_AREA)
    return level.shape[1], _words((level > 64).astype(np.uint8))


def word_widths(answer: np.ndarray) -> list[int]:
    """The widths of the words of a cleaned answer as the network sees them, at `HEIGHT`."""
    mask = _ink(answer).astype(np.uint8)
    box = _ink_box(mask)
    return [] if box is None else [end - start for start, end in _level_words(mask, box)[1]]


@cache
def model() -> Network | None:
    """The shipped model, or None (logged) when the package was installed without it: the
    ratings are then read by OCR alone."""
    if not MODEL_PATH.is_file():
        log.warning("rating shape model missing", extra={"path": str(MODEL_PATH)})
        return None
    return Network.load(MODEL_PATH)


@dataclass(frozen=True)
class ShapeGuess:
    rating: Rating
    probability: float


def guess(answer: np.ndarray) -> ShapeGuess | None:
    """The likeliest rating by shape and its probability (the styles of a rating summed)."""
    net = model()
    x = features(answer)
    if net is None or x is None:
        return None
    p = net.probabilities(x[None])[0].reshape(len(RATINGS), len(STYLES)).sum(axis=1)
    best = int(p.argmax())
    return ShapeGuess(RATINGS[best], float(p[best]))
