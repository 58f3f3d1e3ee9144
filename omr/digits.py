"""Handwritten digits in per-digit boxes: a small classifier, with Tesseract as a second opinion.

The classifier (`omr/data/digits.npz`, a small convolutional network in numpy, `omr.network`,
trained by `python -m omr.train_digits` from generated handwriting and handwriting fonts, nothing
downloaded) sees each box's ink with the printed outline
and what is left of the print around it removed (`digit_ink`), normalised the MNIST way (fitted
into 20×20, centred by mass in 28×28, sheared upright). Each digit's probability is its least under
small jitters (a reading that flips under a jitter is unsure). A second network
(`omr/data/digits_gradients.npz`, trained alike) sees the same digits as histograms of oriented
gradients beside their pixels; it errs on other digits than the first, so when it reads them alike
and steadily, less certainty suffices. Whenever the first is not sure, the two networks' probabilities
are pooled (`pooled`): a digit they together hold very likely is read, and the pooled probabilities
give the candidates among which the page's arithmetic chooses (`omr.solve`). Tesseract reads the same digits laid
side by side as one line, as a third opinion: when it agrees, less certainty suffices; when it
confidently reads other digits, only a very clear reading stands, at a lower level; when it reads
nothing or too little (it is trained on print and often does with handwriting), the classifier
must be sure alone. A reading sure enough to stand whatever Tesseract says is not shown to it
(Tesseract is most of the digits' time). Confidences are levels (`_decide`), chosen by the error
rate on generated digits with fonts the network never saw and checked on the own-forms benchmark.
A gap between written digits makes the number unreadable rather than a guess.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.tesseract import OcrError, Profile, Psm, read
from omr.boxes import INK, LOST_OUTLINE, PPMM, Box, BoxMeasure, Floats
from omr.gradients import gradient_histogram
from omr.network import Network

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "data" / "digits.npz"
SECOND_MODEL_PATH = MODEL_PATH.with_name("digits_gradients.npz")
_GRADIENT_CELL, _GRADIENT_BINS = 4, 9  # the second network's histograms: 4-pixel cells, 9 orientations
SIDE = 28
_FIT = 20
_OUTLINE_BAND_MM = 0.25  # half-width of the band around the printed outline that is wiped
_AROUND_MM = 0.6  # ink this far outside the box still belongs to the digit (overflowing strokes)
_MIN_PIXELS = 25  # a component smaller than this is dust or an outline's remnant, not part of a digit
_EDGE_MM = 1.2  # a printed line this close to where the box's side should be is the outline
_LINE_SHARE = 0.9  # … when it is straight over this share of the box's side
_SHADE_MM = 1.5  # ink with no stroke this narrow in it is shading, not writing
_LOST_INK = 0.1  # interior ink share (over the blank level) that is a digit, not an outline's remnant
_REMNANT_MM = 0.6  # a piece of print no thicker than this along a side of the box is the outline's
_REMNANT_SHARE = 0.5  # … when the box holds a glyph at least twice its size
_RULE_SHARE = 0.8  # a thin line across this share of the box's width is a printed rule
# The classifier's least steady digit probability (`steady`) from which a number is read surely.
# Measured on held-out generated digits (10 000, stroke digits and unseen fonts; `python -m
# omr.train_digits` prints the shares): the fully connected network shipped before (held-out
# accuracy 92.6 %) read 60.8 % of the digits at 0.96 or more, 0.066 % of them wrong (0.24 % at
# 0.9, 0.48 % at 0.8); the convolutional one (95.1 %) reads 75.2 % at 0.96, 0.027 % wrong, 81.0 %
# at 0.9 (0.11 % wrong), 85.3 % at 0.8 (0.28 %).
SURE = 0.96  # … alone (Tesseract read nothing or another count of digits)
AGREED_SURE_PROBABILITY = 0.9  # … when Tesseract reads the same digits, at the highest level
AGREED_PROBABILITY = 0.8  # … when Tesseract reads the same digits
CONTRADICTED_PROBABILITY = SURE  # … when Tesseract confidently reads other digits (it often misreads handwriting)
CALIBRATED_LEVELS = (AGREED_PROBABILITY, AGREED_SURE_PROBABILITY, SURE)  # reported by omr.train_digits
# The second network (gradients beside pixels) errs on other digits than the first: when it reads
# the same digits at least SECOND_SURE_PROBABILITY steadily, the first needs SECONDED_PROBABILITY
# only (its reading need not be steady). On the held-out generated digits (`python -m
# omr.train_digits` prints it) the first alone at SURE reads 75.2 % of the digits, 0.027 % of them
# wrong; with the seconded ones, 77.7 %, 0.026 % wrong.
SECONDED_PROBABILITY, SECOND_SURE_PROBABILITY = 0.5, 0.98
# Or when both networks together (`pooled`, on the probabilities averaged over the jitters) hold
# each digit at least this likely: 79.3 % of the held-out digits are then read, 0.025 % wrong.
POOLED_SURE = 0.98
# The confidence levels given.
AGREED_SURE, AGREED, ALONE, CONTRADICTED, SECONDED = 0.99, 0.93, 0.95, 0.9, 0.93
_JITTERS = ((0.0, 1.0, 1.0), (0.0, 1.0, -1.0), (4.0, 1.0, 0.0), (-4.0, 1.0, 0.0), (0.0, 0.94, 0.0), (0.0, 1.06, 0.0))
_TESS_CONFIDENT = 0.6  # a Tesseract reading this sure that contradicts the classifier makes the number unreadable
# Tesseract's reading agrees only when it holds it at least this surely. At 0 (its words' mean
# confidence), it is no second opinion: on the own-forms benchmark a thick 5 whose bowl closed,
# read 6 by the classifier at 0.94, was "06" to Tesseract at 0 (13 right readings agreed at 0 too).
_TESS_AGREES = 0.05
_TESS_GAP = 14  # white pixels between digits in the strip given to Tesseract
_DIGIT_CANDIDATES = 3  # per digit, the classes kept as candidates
_NUMBER_CANDIDATES = 6  # per number, the readings kept as candidates
_LEAST_CANDIDATE = 1e-4  # a reading less probable than this is not a candidate
_TESS_CANDIDATE = 0.2  # least probability given to a number Tesseract confidently reads otherwise

Candidates = tuple[tuple[int | None, float], ...]
# `steady`'s reading of N digits: each one's class, its least probability under the jitters, and
# its class probabilities averaged over them.
SteadyReading = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.float32]]


@cache
def model() -> Network:
    """The network on the digit's pixels, the first reader."""
    return _load(MODEL_PATH)


@cache
def second_model() -> Network:
    """The network on the digit's gradients (`gradient_inputs`), the second opinion."""
    return _load(SECOND_MODEL_PATH)


def _load(path: Path) -> Network:
    if not path.is_file():
        from domain.errors import ConfigError

        raise ConfigError(
            "Thiếu mô hình nhận dạng chữ số viết tay của phần mềm; quản trị viên cần cài đặt lại.",
            detail=f"missing {path}; run python -m omr.train_digits",
        )
    return Network.load(path)


def gradient_inputs(images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """What the second network sees of N normalised digits: their gradient histograms beside their
    pixels."""
    hog = np.stack([gradient_histogram(image, _GRADIENT_CELL, _GRADIENT_BINS) for image in images])
    return np.concatenate([hog, images.reshape(len(images), -1)], axis=1)


def digit_ink(dark: Floats, origin: tuple[float, float], box: Box) -> Floats:
    """The box and a little around it with the printed outline wiped: only handwriting is left.

    Digit boxes are printed as adjacent square glyphs whose measured widths overlap a little, so
    the outline is not exactly where the layout says: besides the band around the expected ring,
    any straight line as long as the box's side near one of its edges is wiped too (a written 1
    is shorter than the box, so it stays)."""
    pad = _AROUND_MM
    x0 = round((box.x - pad - origin[0]) * PPMM)
    y0 = round((box.y - pad - origin[1]) * PPMM)
    x1 = round((box.x + box.w + pad - origin[0]) * PPMM)
    y1 = round((box.y + box.h + pad - origin[1]) * PPMM)
    region = dark[max(0, y0):max(0, y1), max(0, x0):max(0, x1)].copy()
    band = round(_OUTLINE_BAND_MM * PPMM)
    inner = round(pad * PPMM)
    w, h = round(box.w * PPMM), round(box.h * PPMM)
    ring = np.zeros(region.shape, np.uint8)
    cv2.rectangle(ring, (inner, inner), (inner + w, inner + h), 1, 2 * band + 1)
    ink = (region > INK).astype(np.uint8)
    near = round(_EDGE_MM * PPMM)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((round(h * _LINE_SHARE), 1), np.uint8))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, round(w * _LINE_SHARE)), np.uint8))
    columns = np.zeros(region.shape[1], bool)
    rows = np.zeros(region.shape[0], bool)
    for edge in (inner, inner + w):
        columns[max(0, edge - near):edge + near + 1] = True
    for edge in (inner, inner + h):
        rows[max(0, edge - near):edge + near + 1] = True
    lines = (vertical.astype(bool) & columns[None, :]) | (horizontal.astype(bool) & rows[:, None])
    lines = cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    region[ring.astype(bool) | lines] = 0
    # Shading (a phone's shadow, a fold) darkens wide areas; strokes are narrow: what an opening
    # wider than any stroke leaves is background, not ink.
    shade = round(_SHADE_MM * PPMM)
    region = np.clip(region - cv2.morphologyEx(region, cv2.MORPH_OPEN, np.ones((shade, shade), np.uint8)), 0, 1)
    _drop_leftovers(region, (inner + min(0, x0), inner + min(0, y0), w, h), band)
    return np.asarray(region, dtype=np.float32)


def _drop_leftovers(region: Floats, box: tuple[int, int, int, int], band: int) -> None:
    """Wipe (in place) ink that is not handwriting in the box: whatever lies wholly beside the box
    (a printed "/" between two numbers, the neighbour's digit), a printed rule across it, and
    short pieces of the outline left where the print is not straight (thin, along a side, next to
    a much larger glyph)."""
    x, y, w, h = box
    near = round(_EDGE_MM * PPMM)
    thin = round(_REMNANT_MM * PPMM)
    mask = (region > INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return
    largest = int(stats[1:, cv2.CC_STAT_AREA].max())
    pieces: list[int] = []  # short pieces along a side, of print rather than of a glyph
    others = 0
    for k in range(1, count):
        left, top, cw, ch, area = (int(v) for v in stats[k])
        right, bottom = left + cw - 1, top + ch - 1
        beside = right < x + band or left > x + w - band
        rule = cw >= _RULE_SHARE * w and ch <= thin
        along_side = (ch <= thin and (bottom <= y + near or top >= y + h - near)) or \
                     (cw <= thin and (right <= x + near or left >= x + w - near))
        if beside or rule or (along_side and area < _REMNANT_SHARE * largest):
            region[labels == k] = 0
        elif along_side and max(cw, ch) < 0.5 * min(w, h):
            pieces.append(k)
        else:
            others += 1
    if pieces and not others:  # nothing but such pieces: no glyph at all
        region[np.isin(labels, pieces)] = 0

def normalise(ink: Floats) -> npt.NDArray[np.float32] | None:
    """MNIST-like 28×28 image of the handwriting in `ink`, or None when there is none."""
    mask = (ink > INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = [k for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= _MIN_PIXELS]
    if not keep:
        return None
    kept = np.isin(labels, keep)
    ys, xs = np.nonzero(kept)
    crop = np.where(kept, ink, 0)[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    h, w = crop.shape
    scale = _FIT / max(h, w)
    resized = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    out = np.zeros((SIDE, SIDE), np.float32)
    rh, rw = resized.shape
    total = float(resized.sum()) or 1.0
    cy = float((resized.sum(axis=1) * np.arange(rh)).sum() / total)
    cx = float((resized.sum(axis=0) * np.arange(rw)).sum() / total)
    top = int(np.clip(round(SIDE / 2 - cy), 0, SIDE - rh))
    left = int(np.clip(round(SIDE / 2 - cx), 0, SIDE - rw))
    out[top:top + rh, left:left + rw] = resized
    return upright(np.asarray(np.clip(out / max(float(out.max()), 1e-6), 0, 1), dtype=np.float32))


def upright(image: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The digit sheared upright by its second moments: a hand's slant is one less thing the
    network has to learn (measured on held-out generated digits: more of them read steadily)."""
    moments = cv2.moments(image)
    if moments["mu02"] < 1e-2:
        return image
    skew = moments["mu11"] / moments["mu02"]
    matrix = np.array([[1, skew, -SIDE / 2 * skew], [0, 1, 0]], dtype=np.float32)
    return np.asarray(cv2.warpAffine(image, matrix, (SIDE, SIDE), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR),
                      dtype=np.float32)


@dataclass(frozen=True)
class NumberRead:
    value: int | None
    confidence: float
    digits: str  # what the classifier read, "_" for an empty box, "?" for an unreadable one
    # The likeliest numbers with their probabilities, best first (None: all boxes empty); empty
    # when the boxes cannot be read as one number (a gap between digits).
    candidates: Candidates = ()


def read_number(measures: list[BoxMeasure], darks: list[tuple[Floats, tuple[float, float]]],
                blank_ink: float) -> NumberRead:
    """The number written in a row of digit boxes (leftmost first). All empty: no number, a clean
    read. Digits must be contiguous; leading zeros are allowed ("07")."""
    images: list[npt.NDArray[np.float32] | None] = []
    # Handwriting-sized ink in a box whose measure says blank, or much interior ink gone once the
    # outline is wiped (a faint digit hugging the print: 0.46 of the interior on the benchmark's
    # one such box, where a blank box's outline remnant measures up to 0.03) …
    unseen = False
    for m, (dark, origin) in zip(measures, darks, strict=True):
        image = normalise(digit_ink(dark, origin, m.box))
        written = m.ink > blank_ink + 0.03 or m.extent >= 0.45
        images.append(image if written else None)
        # … or a box whose printed square was not found where it was looked for (the page is
        # registered badly there: the handwriting may be beside the patch).
        unseen |= (image is not None and not written) or (image is None and m.ink > blank_ink + _LOST_INK) or m.outline < LOST_OUTLINE
    present = [k for k, img in enumerate(images) if img is not None]
    if not present:
        # Boxes that may hold what was not seen are no sure blank: without candidates, the page's
        # arithmetic cannot make them add up as empty (`omr.solve`).
        return NumberRead(None, 0.6, "_" * len(images)) if unseen else \
            NumberRead(None, 0.97, "_" * len(images), ((None, 1.0),))
    if present != list(range(present[0], present[-1] + 1)):
        return NumberRead(None, 0.3, "".join("?" if img is not None else "_" for img in images))
    stack = np.stack([images[k] for k in present])  # type: ignore[misc]
    labels, best, mean = steady(stack)
    text = "".join(str(int(d)) for d in labels)
    shown = "_" * present[0] + text + "_" * (len(images) - present[-1] - 1)
    confidence = float(best.min())
    seen = all(measures[k].outline >= LOST_OUTLINE for k in present)
    # The second network is asked whenever the first is not sure: to second it, and for the
    # candidates, where the arithmetic may choose a reading other than the first's likeliest.
    gradients = steady(stack, second_model(), gradient_inputs) if confidence < SURE else None
    both = mean if gradients is None else pooled(mean, gradients[2])
    seconded = gradients is not None and (
        (confidence >= SECONDED_PROBABILITY and bool(seconds(labels, gradients).all()))
        or bool((both[np.arange(len(labels)), labels] >= POOLED_SURE).all()))
    # Whatever Tesseract reads, a reading this steady, or this steady and seconded, stands
    # (`_decide`): it is not asked. (A box not seen is asked: Tesseract's reading becomes a
    # candidate of the unreadable number.)
    asked = not seen or (confidence < min(SURE, CONTRADICTED_PROBABILITY) and not seconded)
    second, second_confidence = _tesseract(stack) if asked else ("", 0.0)
    candidates = number_candidates(both)
    value, level = _decide(text, confidence, second, second_confidence, seconded)
    if not seen:
        value, level = None, min(level, 0.85)  # a box not seen where it was looked for: maybe print
    if value is None and len(second) == len(text) and second_confidence >= _TESS_CONFIDENT:
        log.debug("digit disagreement", extra={"classifier": text, "tesseract": second})
        candidates = _with_candidate(candidates, int(second))
    return NumberRead(value, level, shown, candidates)


def second_agrees(stack: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]) -> bool:
    """Whether the second network reads every digit as the first did, steadily."""
    return bool(seconds(labels, steady(stack, second_model(), gradient_inputs)).all())


def seconds(labels: npt.NDArray[np.int64], second: SteadyReading) -> npt.NDArray[np.bool_]:
    """Per digit, whether the second network's `steady` reading is `labels`, at least
    `SECOND_SURE_PROBABILITY` steadily."""
    others, least, _ = second
    return np.asarray((others == labels) & (least >= SECOND_SURE_PROBABILITY))


def pooled(first: npt.NDArray[np.float32], second: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each digit's class probabilities (N×10) as the two networks hold them together: their
    normalised geometric mean. A reading one network holds likely and the other all but rules
    out stays unlikely: the first network alone gave a plain 5 a 0.27 chance of being a 3, the
    second 0.09, together 0.16; it is only as likely as both allow that arithmetic may choose it
    (`omr.solve`)."""
    both = np.sqrt(np.maximum(first, 0.0) * np.maximum(second, 0.0))
    return np.asarray(both / np.maximum(both.sum(axis=1, keepdims=True), 1e-12), dtype=np.float32)


def _decide(text: str, confidence: float, second: str, second_confidence: float,
            seconded: bool = False) -> tuple[int | None, float]:
    """The number and its confidence level from the classifier's digits `text` (the least steady
    probability `confidence` of its digits), whether the second network reads them alike and
    surely (`seconded`, only asked from `SECONDED_PROBABILITY`), and Tesseract's reading `second`
    (not asked when seconded). Levels, not fitted probabilities: validated on generated digits and
    on the own-forms benchmark."""
    if seconded:
        return int(text), SECONDED
    if second == text and second_confidence >= _TESS_AGREES:
        if confidence >= AGREED_SURE_PROBABILITY:
            return int(text), AGREED_SURE
        if confidence >= AGREED_PROBABILITY:
            return int(text), AGREED
        return None, min(confidence, 0.85)
    if len(second) == len(text) and second_confidence >= _TESS_CONFIDENT:
        # Tesseract, trained on print, often misreads handwriting: it lowers a clear reading,
        # it makes a less than very clear one unreadable.
        if confidence >= CONTRADICTED_PROBABILITY:
            return int(text), CONTRADICTED
        return None, min(0.5, confidence)
    # Tesseract read nothing or too little (it often does with handwriting): the classifier alone.
    if confidence >= SURE:
        return int(text), ALONE
    return None, min(confidence, 0.85)


def number_candidates(probs: npt.NDArray[np.float32]) -> Candidates:
    """The likeliest numbers given each digit's class probabilities (N×10, leftmost first): the
    products of the digits' likeliest classes, readings of the same number ("07", "7") merged."""
    readings: list[tuple[str, float]] = [("", 1.0)]
    for row in probs:
        top = np.argsort(row)[::-1][:_DIGIT_CANDIDATES]
        readings = [(text + str(int(d)), p * float(row[d])) for text, p in readings for d in top]
        readings = sorted(readings, key=lambda r: -r[1])[:_NUMBER_CANDIDATES * 2]
    merged: dict[int, float] = {}
    for text, p in readings:
        merged[int(text)] = merged.get(int(text), 0.0) + p
    ranked = sorted(merged.items(), key=lambda r: -r[1])[:_NUMBER_CANDIDATES]
    return tuple((v, p) for v, p in ranked if p >= _LEAST_CANDIDATE)


def _with_candidate(candidates: Candidates, value: int) -> Candidates:
    """`candidates` with `value` at least `_TESS_CANDIDATE` probable (Tesseract read it)."""
    others = [(v, p) for v, p in candidates if v != value]
    own = max([p for v, p in candidates if v == value] + [_TESS_CANDIDATE])
    return tuple(sorted([*others, (value, own)], key=lambda r: -r[1]))


def _variants(image: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
    """The digit a little moved, turned and resized: what a steady reading must survive."""
    centre = (SIDE / 2, SIDE / 2)
    out = [image]
    for angle, scale, dx in _JITTERS:
        matrix = cv2.getRotationMatrix2D(centre, angle, scale)
        matrix[0, 2] += dx
        out.append(np.asarray(cv2.warpAffine(image, matrix, (SIDE, SIDE)), dtype=np.float32))
    return out


def steady(stack: npt.NDArray[np.float32], network: Network | None = None,
           features: Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]] | None = None
           ) -> SteadyReading:
    """Each digit's class and its probability under small jitters: the least probability of that
    class over the variants, or at most 0.5 when a variant reads another digit (a network is
    often sure and wrong on a shape between two classes; it is rarely so under every jitter); and
    each digit's class probabilities averaged over the variants (the candidates). `network`: the
    shipped pixel model unless given (training measures a new one), seeing `features` of the
    variants when given (`gradient_inputs` for the second network)."""
    variants = np.stack([v for image in stack for v in _variants(image)])
    seen = features(variants) if features else variants
    probs = (network or model()).probabilities(seen).reshape(len(stack), len(_JITTERS) + 1, -1)
    labels = probs[:, 0].argmax(axis=1)
    least = probs[np.arange(len(stack)), :, labels].min(axis=1)
    unmoved = (probs.argmax(axis=2) == labels[:, None]).all(axis=1)
    mean = probs.mean(axis=1).astype(np.float32)
    return labels, np.where(unmoved, least, np.minimum(least, 0.5)).astype(np.float32), mean


def _tesseract(stack: npt.NDArray[np.float32]) -> tuple[str, float]:
    """The digits as Tesseract reads them, side by side on white as one line, and its confidence."""
    tiles = [np.pad(255 - (img * 255).astype(np.uint8), ((8, 8), (0, _TESS_GAP)), constant_values=255)
             for img in stack]
    strip = np.pad(np.hstack(tiles), ((0, 0), (_TESS_GAP, 0)), constant_values=255)
    try:
        reading = read(np.ascontiguousarray(strip), psm=Psm.LINE, whitelist="0123456789", profile=Profile.RAW,
                       timeout_s=2.0)
    except (OcrError, RuntimeError) as error:
        # RuntimeError: tesserocr's word iterator raises "No text returned" on an empty word.
        log.debug("tesseract read no digits: %s", error)
        return "", 0.0
    return "".join(ch for ch in reading.text if ch.isdigit()), reading.confidence
