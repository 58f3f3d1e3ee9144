"""A scanned page or a phone photo made into an upright, flat sheet at one working resolution.

Everything after this step (grid, ink, OCR) assumes a page whose ruling lines are horizontal and
vertical and whose text reads left to right at about `WORK_DPI`: a phone photo is warped from the
paper's four corners, a scan is rescaled, both are deskewed, and a page fed upside down or sideways
is turned by what the text itself shows (OSD has no Vietnamese model, so orientation is decided
from line direction and from where the ink of a text line sits: Vietnamese puts diacritics and
capitals above the x-height far more often than descenders below it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from ocr.tesseract import Psm, Reading
from parsers import scan_ocr
from parsers.pages import PageImage

log = logging.getLogger(__name__)

WORK_DPI = 200.0
A4_SHORT_IN, A4_LONG_IN = 8.27, 11.69
_PROBE_DPI = 60.0  # orientation and skew are judged on a small copy
_MAX_SKEW_DEG = 10.0  # a phone held a little askew (the dev photos: up to 2°, the generated ones: 8°)
_PAPER_MIN_AREA = 0.2  # of the photo: a smaller bright quadrilateral is no page
_PAPER_MAX_AREA = 0.97
_PAPER_WHITE = 170  # Lab lightness (0-255) of a border that is paper, not a desk
_CLEAR_SCORE = 30.0  # one line read this well one way up, and …
_CLEAR_RATIO = 2.0  # … this many times better than the other way, settles the page alone
_ORIENTATION_LINES = 3  # text lines read both ways up to tell whether a page is upside down  # beyond this the "paper" is the whole scan: nothing to warp


@dataclass(frozen=True)
class Sheet:
    """One prepared page: BGR pixels at `dpi`, and the ink that counts (red stamp ink removed)."""

    number: int
    image: np.ndarray
    dpi: float
    turned: int = 0  # degrees the page was turned to stand upright (0, 90, 180, 270)
    skew: float = 0.0  # degrees removed by deskewing

    @cached_property
    def red(self) -> np.ndarray:
        """Stamp ink: strongly red pixels (a grey scan has none). Signatures in blue stay ink."""
        b, g, r = (self.image[:, :, k].astype(np.int16) for k in range(3))
        return ((r - np.maximum(g, b)) > 45).astype(np.uint8)

    @cached_property
    def gray(self) -> np.ndarray:
        """Grey pixels with stamp ink turned to paper, so OCR does not read the stamp's text."""
        gray = cv2.cvtColor(self.image, cv2.COLOR_BGR2GRAY)
        gray[self.red > 0] = 255
        return _flat_light(gray)

    @cached_property
    def ink(self) -> np.ndarray:
        """Binary ink mask (1 = ink): a local threshold, so shadows and yellowed paper do not count."""
        block = int(self.dpi / 8) | 1
        binary = cv2.adaptiveThreshold(self.gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 18)
        return binary

    def points(self, px: float) -> float:
        """Pixels of this sheet as PDF points (what `Line.box` and `Location.box` are in)."""
        return px * 72.0 / self.dpi


def _flat_light(gray: np.ndarray) -> np.ndarray:
    """Grey divided by the paper's own brightness around each pixel: a shadow across a photo
    becomes white paper again, which Tesseract's global threshold needs."""
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def prepare(page: PageImage) -> Sheet:
    """The page flattened, rescaled to `WORK_DPI`, deskewed and turned upright."""
    image, dpi = _flatten(page.image, page.dpi)
    scale = WORK_DPI / dpi
    if abs(scale - 1) > 0.05:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interp)
    turned = _turn_upright(image)
    if turned:
        image = _rotate_right_angle(image, turned)
    skew = _skew(image)
    if abs(skew) > 0.05:
        image = _rotate(image, skew)
    if _upside_down(image):
        image = cv2.rotate(image, cv2.ROTATE_180)
        turned = (turned + 180) % 360
    log.debug("page %d: turned %d°, deskewed %.2f°, %dx%d", page.number, turned, skew, *image.shape[1::-1])
    return Sheet(page.number, image, WORK_DPI, turned, skew)


# ---------------------------------------------------------------------------------------------
# Paper in a photo
# ---------------------------------------------------------------------------------------------


def _flatten(image: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """A photo's paper warped to an upright rectangle of A4 proportions; a scan as it is.

    The dpi a phone states says nothing about the paper, so a warped page gets the resolution
    its A4 size implies."""
    quad = _paper_quad(image)
    if quad is None:
        return image, dpi
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    long_px = max(width, height)
    if width >= height:
        w, h = long_px, long_px * A4_SHORT_IN / A4_LONG_IN
    else:
        w, h = long_px * A4_SHORT_IN / A4_LONG_IN, long_px
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    warped = cv2.warpPerspective(image, matrix, (int(w), int(h)), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))
    return warped, float(long_px) / A4_LONG_IN


def _paper_quad(image: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the bright paper against a darker background, if any."""
    h, w = image.shape[:2]
    scale = 600 / max(h, w)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # The picture's border is the background (desk, cloth); the paper is whatever differs from
    # it in colour or brightness, which holds in a shadow too, where a plain threshold fails.
    lab = cv2.cvtColor(small if small.ndim == 3 else cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2LAB)
    lab = cv2.GaussianBlur(lab, (7, 7), 0).astype(np.float32)
    edge = max(3, int(0.02 * max(lab.shape[:2])))
    border = np.concatenate(
        [
            lab[:edge].reshape(-1, 3),
            lab[-edge:].reshape(-1, 3),
            lab[:, :edge].reshape(-1, 3),
            lab[:, -edge:].reshape(-1, 3),
        ]
    )
    background = np.median(border, axis=0)
    if background[0] > _PAPER_WHITE and abs(background[1] - 128) + abs(background[2] - 128) < 20:
        return None  # a white border: a flatbed scan, the page is the whole picture
    distance = np.linalg.norm(lab - background, axis=2)
    # Paper is what lies beyond the background's own spread (its texture, its light falloff).
    spread = float(np.percentile(np.linalg.norm(border - background, axis=1), 95))
    bright = (distance > max(20.0, 1.5 * spread)).astype(np.uint8) * 255
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    paper = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(paper) / (small.shape[0] * small.shape[1])
    if not _PAPER_MIN_AREA <= area <= _PAPER_MAX_AREA:
        return None
    hull = cv2.convexHull(paper)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(approx) != 4:
        rect = cv2.minAreaRect(hull)
        approx = cv2.boxPoints(rect).reshape(-1, 1, 2)
    corners = _order(approx.reshape(4, 2).astype(np.float64) / scale)
    if _touches_border(corners, w, h):
        return None  # the paper runs off the picture: warping would stretch a part of it
    return corners


def _touches_border(corners: np.ndarray, w: int, h: int) -> bool:
    margin = 0.004 * max(w, h)
    xs, ys = corners[:, 0], corners[:, 1]
    near = (xs < margin) | (xs > w - 1 - margin) | (ys < margin) | (ys > h - 1 - margin)
    return int(near.sum()) >= 3


def _order(points: np.ndarray) -> np.ndarray:
    """tl, tr, br, bl: the smallest and largest x+y, the smallest and largest y-x."""
    s = points.sum(axis=1)
    d = points[:, 1] - points[:, 0]
    return np.array([points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]])


# ---------------------------------------------------------------------------------------------
# Orientation and skew
# ---------------------------------------------------------------------------------------------


def _probe(image: np.ndarray) -> np.ndarray:
    """A small binary copy (1 = ink) without long ruling lines, for judging text direction."""
    scale = _PROBE_DPI / WORK_DPI
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    binary = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    for kernel in ((25, 1), (1, 25)):
        lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(kernel[::-1], np.uint8))
        binary[lines > 0] = 0
    return binary


def _sharpness(binary: np.ndarray) -> float:
    """How much the row profile alternates between text lines and gaps: high when lines are level."""
    profile = binary.sum(axis=1).astype(np.float64)
    return float(np.square(np.diff(profile)).sum())


def _turn_upright(image: np.ndarray) -> int:
    """Degrees (clockwise) to turn the page by so that its text lines run across: 0 or 90.
    Upright text leaves empty rows between its lines; text standing on its side leaves hardly
    any, at whatever small skew. Whether the page is then upside down is `_upside_down`'s call."""
    probe = _probe(image)
    if probe.sum() < 200:
        return 0
    sweep = np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 0.01, 0.5)
    across = max(_gaps(probe, a) for a in sweep)
    turned = np.ascontiguousarray(np.rot90(probe, k=-1))
    down = max(_gaps(turned, a) for a in sweep)
    return 90 if down > across else 0


def _turned(probe: np.ndarray, angle: float) -> np.ndarray:
    h, w = probe.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(probe, matrix, (w, h), flags=cv2.INTER_NEAREST)


def _gaps(probe: np.ndarray, angle: float) -> float:
    """Share of (nearly) empty rows in the middle of the probe turned by `angle` degrees; the
    margins are left out, where a scanner's dark edge or a photo's border would fill every row."""
    turned = _turned(probe, angle)
    h, w = turned.shape
    middle = turned[int(h * 0.06) : int(h * 0.94), int(w * 0.06) : int(w * 0.94)]
    profile = middle.sum(axis=1)
    return float((profile <= 0.02 * w).mean())


def _levelled(probe: np.ndarray, angle: float) -> float:
    """Row-profile sharpness of the probe turned by `angle` degrees."""
    return _sharpness(_turned(probe, angle))


def _text_bands(binary: np.ndarray) -> list[tuple[int, int]]:
    """Rows of the probe that hold a text line: runs of rows with ink, of a text line's height."""
    profile = binary.sum(axis=1)
    on = profile > max(3, 0.01 * binary.shape[1])
    bands: list[tuple[int, int]] = []
    start: int | None = None
    for y, flag in enumerate([*on.tolist(), False]):
        if flag and start is None:
            start = y
        elif not flag and start is not None:
            if 3 <= y - start <= 12:
                bands.append((start, y))
            start = None
    return bands


def _upside_down(image: np.ndarray) -> bool:
    """Whether a levelled page is upside down: a few of its fullest text lines are read both ways
    up and the way with the better OCR confidence wins (the fullest line alone when it is clear)."""
    probe = _probe(image)
    scale = WORK_DPI / _PROBE_DPI
    bands = sorted(_text_bands(probe), key=lambda b: -int(probe[b[0] : b[1]].sum()))[:_ORIENTATION_LINES]
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    jobs: list[scan_ocr.Job] = []
    for y0, y1 in bands:
        cols = np.flatnonzero(probe[y0:y1].sum(axis=0))
        top, bottom = max(0, int((y0 - 2) * scale)), min(gray.shape[0], int((y1 + 2) * scale))
        left, right = max(0, int((cols[0] - 2) * scale)), min(gray.shape[1], int((cols[-1] + 3) * scale))
        crop = gray[top:bottom, left:right]
        if crop.size == 0:
            continue
        jobs += [_line_job(crop), _line_job(cv2.rotate(crop, cv2.ROTATE_180))]
    # the fullest line first: when it alone is clear, the others are not read
    scores = [_line_score(r) for r in scan_ocr.read_many(jobs[:2])]
    if len(scores) == 2 and max(scores) >= _CLEAR_SCORE and max(scores) >= _CLEAR_RATIO * min(scores):
        return scores[1] > scores[0]
    scores += [_line_score(r) for r in scan_ocr.read_many(jobs[2:])]
    upright, flipped = sum(scores[0::2]), sum(scores[1::2])
    return flipped > upright


def _line_job(crop: np.ndarray) -> scan_ocr.Job:
    return scan_ocr.Job(np.ascontiguousarray(crop), psm=Psm.LINE, dpi=int(WORK_DPI))


def _line_score(reading: Reading) -> float:
    return sum(w.confidence * len(w.text) for w in reading.words)


def _rotate_right_angle(image: np.ndarray, degrees: int) -> np.ndarray:
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, turns[degrees])


def _skew(image: np.ndarray) -> float:
    """The small angle (degrees, counter-clockwise positive) that levels the text lines: the
    sharpest row profile over a coarse then a fine sweep of the probe."""
    probe = _probe(image)
    coarse = np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 0.01, 0.25)
    best = max(coarse, key=lambda a: _levelled(probe, a))
    fine = np.arange(best - 0.25, best + 0.26, 0.05)
    return float(max(fine, key=lambda a: _levelled(probe, a)))


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
