"""A scanned page or a phone photo made into an upright, flat sheet at one working resolution.

Everything after this step (grid, ink, OCR) assumes a page whose ruling lines are horizontal and
vertical and whose text reads left to right at about `WORK_DPI`: a phone photo is warped from the
paper's four corners (`scan_paper`), a scan is rescaled, both are deskewed and any lean left in
their columns is stood upright, and a page fed upside down or sideways
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
from parsers.scan_paper import flatten
from parsers.scan_rectify import rectify

log = logging.getLogger(__name__)

WORK_DPI = 200.0
_BLANK_EDGE_IN = 0.1  # the sheet's outermost edge, where no form prints or expects ink
_PAPER_PERCENTILE = 95  # of a line of pixels across the sheet: its paper, whatever is printed or written on it
_CREASE_MIN_IN = 0.045  # a fold's crease is wider than a ruling line …
_CREASE_MAX_IN = 1.0  # … and narrower than a shadow's slope (which `_flat_light` takes)
_CREASE_DEPTH = 0.05  # paper darker than its surroundings by this much is a crease …
_CREASE_SHADED = 0.995  # … as far as it darkens the paper at all …
_CREASE_EDGE_IN = 0.5  # … away from the sheet's edges (a scanner lid's shade, a sliver of desk)
_PROBE_DPI = 60.0  # orientation and skew are judged on a small copy
_MAX_LEAN_DEG = 3.0  # columns leaning more than this after levelling are not a perspective's leftover
_MIN_LEAN_DEG = 0.3  # … and less than this is within what the grid reader allows
_WHITE_PERCENTILE = 98  # of each colour: the paper's white
_LEAN_GAIN = 1.1  # the upright columns' profile must be this much sharper than as found
_LEAN_LINE_PX = 15  # at the probe's 60 dpi: a quarter inch of vertical ruling
_LEAN_MIN_INK = 200  # probe pixels of vertical ruling below which a page has no table to judge by
_MAX_SKEW_DEG = 10.0  # a phone held a little askew (the dev photos: up to 2°, the generated ones: 8°)
_CLEAR_GAPS = 1.1  # empty rows this many times the empty columns (or the reverse) say which way the text runs
_CLEAR_SCORE = 30.0  # one line read this well one way up, and …
_CLEAR_RATIO = 2.0  # … this many times better than the other way, settles the page alone
_ORIENTATION_LINES = 3  # text lines read both ways up to tell whether a page is upside down …
_ORIENTATION_ROUNDS = 3  # … and up to this many times as many while they say next to nothing:
_ENOUGH_SAID = 5.0  # a short word read well one way up (`_line_score`: "Chi" at 0.87 scores 2.0)


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
        """Stamp ink: strongly red pixels (a grey scan has none). Signatures in blue stay ink.
        Red against the paper's own white: under a warm lamp the whole page is yellow, a violet
        pen's ticks turn red with it and were wiped out as a stamp (dev `doc_0025` taken again so,
        five criteria lost)."""
        whites = np.percentile(self.image[::8, ::8].reshape(-1, 3), _WHITE_PERCENTILE, axis=0)
        gains = whites.max() / np.maximum(whites, 1.0)
        b, g, r = (self.image[:, :, k].astype(np.float32) * gains[k] for k in range(3))
        return np.asarray((r - np.maximum(g, b)) > 45, dtype=np.uint8)

    @cached_property
    def gray(self) -> np.ndarray:
        """Grey pixels with stamp ink turned to paper, so OCR does not read the stamp's text."""
        gray = cv2.cvtColor(self.image, cv2.COLOR_BGR2GRAY)
        gray[self.red > 0] = 255
        return _unfolded(_flat_light(gray), self.dpi)

    @cached_property
    def ink(self) -> np.ndarray:
        """Binary ink mask (1 = ink): a local threshold, so shadows and yellowed paper do not count.

        Nothing is printed or written on the sheet's outermost edge: dark there is a scanner's
        lid or a sliver of desk left by flattening a photo, whose straight run along the edges
        would otherwise frame the page as one big table."""
        block = int(self.dpi / 8) | 1
        binary = cv2.adaptiveThreshold(self.gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 18)
        edge = int(_BLANK_EDGE_IN * self.dpi)
        binary[:edge], binary[-edge:], binary[:, :edge], binary[:, -edge:] = 0, 0, 0, 0
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


def _unfolded(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Grey with the creases of folds lifted: bands across the whole sheet, darker than paper.

    A sheet folded to fit an envelope comes back with a crease from edge to edge, parallel to a
    side: a grey band a few millimetres wide, darker than the local threshold lets pass, so
    where it crossed a cell it was read as a "1" or a "7" beside the figure written there."""
    for axis in (0, 1):
        shade = _creases(gray, axis, dpi)
        if shade is not None:
            across = shade[None, :] if axis == 0 else shade[:, None]
            gray = cv2.divide(gray, np.broadcast_to(across, gray.shape).astype(np.float32), dtype=cv2.CV_8U)
    return gray


def _creases(gray: np.ndarray, axis: int, dpi: float) -> np.ndarray | None:
    """The paper's brightness in each line of pixels along `axis`, relative to the paper around
    it, where a crease darkens it (1 elsewhere); None where no crease runs that way.

    A line's paper is a high percentile of its pixels: text, writing and rulings leave a twentieth
    of any line to bare paper, while a crease darkens all of it. A crease is told by a dip wider
    than a ruling (a table's edge can run nearly the whole way) and deeper than `_CREASE_DEPTH`,
    but lifted by the line's own paper: its shaded side makes a notch at its middle that a
    smoothed profile would leave as a thin dark line."""
    lines = gray[::4] if axis == 0 else gray[:, ::4]
    paper = np.asarray(np.percentile(lines, _PAPER_PERCENTILE, axis=axis), dtype=np.float32)
    broad = _closed(paper, int(_CREASE_MIN_IN * dpi) | 1)
    level = _closed(broad, int(_CREASE_MAX_IN * dpi) | 1)
    dip = broad / np.maximum(level, 1.0)
    edge = int(_CREASE_EDGE_IN * dpi)
    dip[:edge], dip[-edge:] = 1.0, 1.0
    shaded = np.flatnonzero(np.diff(np.concatenate(([0], (dip < _CREASE_SHADED).astype(np.int8), [0]))))
    runs = [(start, stop) for start, stop in zip(shaded[::2], shaded[1::2], strict=True)
            if dip[start:stop].min() <= 1.0 - _CREASE_DEPTH]
    if not runs:
        return None
    shade = np.ones_like(paper)
    reach = int(_CREASE_MIN_IN * dpi)
    for start, stop in runs:
        lo, hi = max(0, start - reach), stop + reach
        shade[lo:hi] = np.minimum(paper[lo:hi] / np.maximum(level[lo:hi], 1.0), 1.0)
        log.debug("crease lifted across the %s at %d (paper at %.2f)", "columns" if axis == 0 else "rows",
                  start + int(dip[start:stop].argmin()), float(dip[start:stop].min()))
    return shade


def _closed(profile: np.ndarray, width: int) -> np.ndarray:
    """A profile with its dips narrower than `width` filled."""
    return cv2.morphologyEx(profile[None, :], cv2.MORPH_CLOSE, np.ones((1, width), np.uint8)).reshape(-1)


def prepare(page: PageImage) -> Sheet:
    """The page flattened, rescaled to `WORK_DPI`, deskewed, its columns stood upright, what
    perspective is left in its rulings undone, and the page turned upright."""
    image, dpi = flatten(page.image, page.dpi)
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
    lean = _lean(image)
    if lean:
        image = _sheared(image, lean)
    # the sheet as it stands is kept when nothing changes it further: its grey and ink, made for
    # rectifying, are the reader's too
    sheet = Sheet(page.number, image, WORK_DPI, turned, skew)
    image = rectify(image, sheet.ink, WORK_DPI)
    if _upside_down(image):
        image = cv2.rotate(image, cv2.ROTATE_180)
        turned = (turned + 180) % 360
    log.debug("page %d: turned %d°, deskewed %.2f°, upright by %.2f°, %dx%d", page.number, turned, skew, lean,
              *image.shape[1::-1])
    return sheet if image is sheet.image else Sheet(page.number, image, WORK_DPI, turned, skew)


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
    any, at whatever small skew. Where the empty rows and columns are about as many (a page's
    wide empty margins, a table's aligned columns, a page nearly empty), the ink lying in bands a
    text line high tells instead (`_in_lines`). Whether the page is then upside down is
    `_upside_down`'s call."""
    probe = _probe(image)
    if probe.sum() < 200:
        return 0
    sweep = np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 0.01, 0.5)
    turned = np.ascontiguousarray(np.rot90(probe, k=-1))
    across = max(_gaps(probe, a) for a in sweep)
    down = max(_gaps(turned, a) for a in sweep)
    if max(across, down) < _CLEAR_GAPS * min(across, down):
        across = max(_in_lines(probe, a) for a in sweep)
        down = max(_in_lines(turned, a) for a in sweep)
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


def _in_lines(probe: np.ndarray, angle: float) -> float:
    """Share of the probe's ink, turned by `angle` degrees, that lies in text lines (`_text_bands`):
    a phone app's black and white photo of dev `doc_0002`, its desk made white, had as many empty
    columns as rows (21.2% and 21.5%) and was turned on its side; its ink lies 25% in lines
    upright, 2% on its side. Not the first measure: a large hand's letters, turned, are bands of
    a line's height too, and a hand tall enough to join two lines leaves none upright."""
    turned = _turned(probe, angle)
    ink = int(turned.sum())
    return sum(int(turned[top:bottom].sum()) for top, bottom in _text_bands(turned)) / max(ink, 1)


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
    up and the way with the better OCR confidence wins (the fullest line alone when it is clear).
    When those lines read as nothing either way (rows of scribble or of ruled cells), the next
    ones are read too, so that a stray letter read at 0.3 does not turn the page."""
    probe = _probe(image)
    scale = WORK_DPI / _PROBE_DPI
    bands = sorted(_text_bands(probe), key=lambda b: -int(probe[b[0] : b[1]].sum()))
    bands = bands[: _ORIENTATION_LINES * _ORIENTATION_ROUNDS]
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
    per_round = 2 * _ORIENTATION_LINES  # two jobs a line
    for end in range(per_round, len(jobs) + per_round, per_round):
        scores += [_line_score(r) for r in scan_ocr.read_many(jobs[len(scores) : end])]
        if max(sum(scores[0::2]), sum(scores[1::2])) >= _ENOUGH_SAID:
            break
    return sum(scores[1::2]) > sum(scores[0::2])


def _line_job(crop: np.ndarray) -> scan_ocr.Job:
    return scan_ocr.Job(np.ascontiguousarray(crop), psm=Psm.LINE, dpi=int(WORK_DPI))


def _line_score(reading: Reading) -> float:
    """How well a line read: its letters and digits, each weighed by its word's confidence cubed.
    Text read the wrong way up still comes out as many characters at middling confidence, and a
    table row's rulings as "|" at high confidence; counted plainly, a row of rulings and garbage
    outweighed a title read right (a low-contrast photo turned upside down). Cubed, a word read at
    0.9 counts three times one read at 0.6: on 466 generated and dev pages, the way up now wins by a
    factor of 2.3 at least where it won by 1.4, and lost once (`benchmarks/orientation.py`)."""
    return sum(w.confidence**3 * sum(ch.isalnum() for ch in w.text) for w in reading.words)


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


def _lean(image: np.ndarray) -> float:
    """Degrees the page's vertical rulings lean once its text is level (0 when they do not, or
    when it has none): a photo's perspective undone from slightly wrong paper corners leaves the
    columns of a table leaning while its rows lie level, and a column line then strays from its
    own cells' sides by more than the grid reader allows."""
    scale = _PROBE_DPI / WORK_DPI
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    binary = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    columns = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((_LEAN_LINE_PX, 1), np.uint8))
    if int(columns.sum()) < _LEAN_MIN_INK:
        return 0.0
    # a coarse then a fine sweep, as for the skew: the profile's sharpness changes smoothly
    coarse = max(np.arange(-_MAX_LEAN_DEG, _MAX_LEAN_DEG + 0.01, 0.5), key=lambda a: _upright_columns(columns, a))
    fine = np.arange(coarse - 0.4, coarse + 0.41, 0.1)
    best = float(max(fine, key=lambda a: _upright_columns(columns, a)))
    if abs(best) < _MIN_LEAN_DEG or _upright_columns(columns, best) < _LEAN_GAIN * _upright_columns(columns, 0.0):
        return 0.0
    return best


def _upright_columns(columns: np.ndarray, angle: float) -> float:
    """How sharply the column lines stand out in the column profile once sheared by `angle`."""
    sheared = _sheared(columns, angle, cv2.INTER_NEAREST)
    return float(np.square(sheared.sum(axis=0).astype(np.float64)).sum())


def _sheared(image: np.ndarray, angle: float, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """The image with its vertical lines leaning by `angle` degrees stood upright, rows kept."""
    h, w = image.shape[:2]
    t = float(np.tan(np.radians(angle)))
    matrix = np.array([[1.0, t, -t * h / 2], [0.0, 1.0, 0.0]])
    border = (255, 255, 255) if image.ndim == 3 else 0
    return cv2.warpAffine(image, matrix, (w, h), flags=interpolation, borderValue=border)


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
