"""Ink in the printed boxes: find each square where it really is, then measure what is in it.

A box's position comes from the registration, which is exact at the markers and can drift by a
millimetre in the middle of a curled photo or on a page printed from Word. Each box is therefore
looked for in a ±1.5 mm window by the shape of its own printed outline (a thin dark square ring
with light on both sides); a box whose outline cannot be seen (filled in, scribbled over) takes
the shift of the well-found boxes around it.

Measures are kept raw (`BoxMeasure`) and decided late, against the page's own empty boxes
(`classify`): light pencil on a bright scan and dark ink on a grey photo are judged by how far they
stand from the blank boxes of the same page, not by one global threshold.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from omr.register import Registration

log = logging.getLogger(__name__)

Gray = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]
_Shift = tuple[float, float, float]  # dx mm, dy mm, outline score

PPMM = 10.0  # pixels per mm of every resampled box patch
SEARCH_MM = 1.5  # how far a box is looked for around its position from four markers
WIDE_SEARCH_MM = 3.0  # … from three markers (an affine fit of a photo drifts towards the missing one)
FINE_SEARCH_MM = 0.8  # … once the boxes themselves refined the fit
_MIN_FIDUCIALS = 6
_FIT_TOLERANCE_MM = 0.6
_AGREE_MM = 0.5
_BEYOND_MM = (1.1, 1.5)  # band outside a box where a mark no longer reaches but a fold line does
_MARGIN_MM = 0.7  # light band around the outline, part of the outline template
_RING_MM = 0.35  # thickness of the printed outline in the template
_INSET_MM = 0.5  # interior = box shrunk by this on every side: the outline never counts as ink
INK = 0.28  # darkness (fraction of the background) from which a pixel is ink
FAINT = 0.12  # … from which it may be light pencil (judged against the page's blank boxes)
_MIN_OUTLINE = 0.18  # template score under which the outline is not trusted …
# … or, on a page whose print is faint, this share of the page's median score. On the own-forms
# benchmark the median is 0.31 on a usual page and from 0.15 on the faintest photos, where no
# outline reached 0.18: no box was then refined, and no fit could choose between three markers'.
_FAINT_PAGE = 0.75
# `_printed_sides`: each side's printed line is looked for this far (px) either side of where the
# refined box puts it, against the paper in a band this far (px) outside it; the ends of each
# side (this share of its length) are left out, where strokes reaching a corner cross two sides.
_SIDE_REACH_PX = 3
_SIDE_PAPER_PX = (4, 7)
_SIDE_TRIM = 0.2
_STROKE_MM = 0.9  # widest pen stroke that is still a stroke, not a fill
_FULL_BAND = 0.95  # a band beyond the box inked along this share of its side: a printed rule along it
_NEIGHBOURHOOD_MM = 25.0  # boxes whose shifts a box without a visible outline borrows
_LINE_MM = 2.6  # a straight run of ink along an axis this long is print or a fold, not a hand's stroke
_FOOTHOLD = 0.02  # interior share a piece of hand ink must cover to be part of the box's mark
_SHADE_MAX = 0.6  # a crossing line darker than this is drawn, not a fold's shading seen through
_UNDER_LINE_CERTAINTY = 0.6  # at most this sure of what a box under a fold holds


class BoxState(StrEnum):
    EMPTY = "empty"
    MARKED = "marked"
    CANCELLED = "cancelled"  # filled solid: the printed sign for "I take this mark back"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class Box:
    """A printed box of the layout, in mm on the upright page."""

    id: str
    x: float
    y: float
    w: float
    h: float

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Box:
        return cls(str(raw["id"]), float(raw["x"]), float(raw["y"]), float(raw["w"]), float(raw["h"]))

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.id, self.x + dx, self.y + dy, self.w, self.h)


@dataclass(frozen=True)
class SeenThrough:
    """A box's interior under a fold, the fold's shading divided out: ink and faint shares, the
    longest side of its largest ink component over the interior's side, the share still inked
    once pen strokes are eroded away, and that component's length over its width (as
    `BoxMeasure.ink`, `faint`, `extent`, `solid`, `elongation`)."""

    ink: float
    faint: float
    extent: float
    solid: float
    elongation: float = 1.0


@dataclass(frozen=True)
class BoxMeasure:
    """What one box holds, raw. `ink` is the share of ink pixels in the interior, `darkness` their
    mean darkness (0 white … 1 black, relative to the local paper), `extent` the largest ink
    component's longest side as a share of the interior side (a tick or a cross spans the box, a
    speck of dust does not), `solid` the share still inked once every pen stroke is eroded away
    (a filled box keeps its ink, a bold cross loses it), `outline` how clearly the printed square
    stands where the box is measured (`_printed_sides`: 0 none … about 0.8 black print)."""

    box: Box  # refined position
    ink: float
    darkness: float
    extent: float
    solid: float
    outline: float
    # A line runs straight through the box and on beyond it (a fold, a ruled line); for a box with
    # no ink, a fold's shading that only reaches the light-pencil level (`FAINT`).
    crossed: bool = False
    faint: float = 0.0  # share of the interior darker than `FAINT`: light pencil the `INK` level misses
    elongation: float = 1.0  # the largest ink component's length over its width (a short stroke vs a dot)
    offset: float = 0.0  # how far the interior's ink is centred from the middle (0 centre … 0.5 at an edge)
    beyond: float = 0.0  # ink share of a band just outside the printed outline (an overflowing stroke)
    # The hand's mark followed out of the box (`_footprint`): its bounding box's longer side in
    # box sides, how far its middle lies from the box's middle, and the sides of the search
    # window it runs into ("l", "r", "t", "b").
    span: float = 0.0
    breadth: float = 0.0  # the short side of the tightest rectangle around it (a stray line has none)
    centre: float = 0.0
    clipped: str = ""
    core: float = 0.0  # ink share of the middle third of the interior: a ring's hole, a fill's body
    rim: float = 0.0  # the least inked of the interior's four outer thirds (a ring goes all round, half a fill does not)
    blob: tuple[float, float, float] = (0.0, 0.0, 1.0)  # `_blob`: size, fill and elongation at half its own darkness
    # A crossed box's interior with the crossing line's shading divided out (`_under_line`); None
    # when nothing crosses, or the line is too dark to see through.
    under_line: SeenThrough | None = None

    @property
    def unplaced(self) -> bool:
        """No printed square where the box is measured, and no heavy ink (a fill, a thick pen's
        ring) hiding one: the box is not where it is looked for (a region the registration
        misplaces)."""
        return self.outline < LOST_OUTLINE and self.solid < _HALF_FILLED


@dataclass(frozen=True)
class Verdict:
    state: BoxState
    strength: float  # the interior's ink share (≥ 2 when filled): compares the boxes of a group
    certainty: float  # 0 on a decision boundary … 1 far from every boundary


def _window(box: Box, pad: float) -> tuple[float, float, float, float]:
    return box.x - pad, box.y - pad, box.w + 2 * pad, box.h + 2 * pad


def percentile(values: npt.NDArray[Any], q: float) -> float:
    """`np.percentile(values, q)` (linear interpolation), to the last bit, at under half its cost
    on the small arrays of a box: only the two ranks around the percentile are put in place."""
    flat = values.ravel()
    virtual = (flat.size - 1) * (q / 100)
    below = math.floor(virtual)
    if below >= flat.size - 1:
        return float(flat.max())
    ranked = np.partition(flat, (below, below + 1))
    a, b = ranked[below], ranked[below + 1]
    # numpy's `_lerp`, with the same operand types (so the same rounding): from the nearer end.
    gamma = virtual - below
    step = b - a
    return float(b - step * (1 - gamma) if gamma >= 0.5 else a + step * gamma)


def darkness_map(patch: Gray) -> Floats:
    """Darkness relative to the patch's own paper (its bright pixels): shadows, grey photos and
    low-contrast scans all give paper 0 and black ink about 1."""
    paper = percentile(patch, 92)
    scale = max(paper, 60.0)
    return np.asarray(np.clip((paper - patch.astype(np.float32)) / scale, 0.0, 1.0), dtype=np.float32)


@cache
def _outline_template(w_px: int, h_px: int) -> Floats:
    """+ on the printed ring, − on light bands just outside and inside it; sums to zero, so a
    uniform patch (blank paper or a solid fill) scores nothing."""
    ring = max(2, round(_RING_MM * PPMM))
    margin = round(_MARGIN_MM * PPMM)
    size = (h_px + 2 * margin, w_px + 2 * margin)
    outer = np.zeros(size, np.uint8)
    cv2.rectangle(outer, (0, 0), (size[1] - 1, size[0] - 1), 1, -1)
    band = np.zeros(size, np.uint8)
    half = ring // 2
    cv2.rectangle(band, (margin - half, margin - half), (margin + w_px + half, margin + h_px + half), 1, -1)
    cv2.rectangle(band, (margin + half + 1, margin + half + 1), (margin + w_px - half - 1, margin + h_px - half - 1),
                  0, -1)
    inner = np.zeros(size, np.uint8)
    cv2.rectangle(inner, (margin + ring + 1, margin + ring + 1), (margin + w_px - ring - 1, margin + h_px - ring - 1),
                  1, -1)
    inner_band = inner.copy()
    cv2.rectangle(inner_band, (margin + 2 * ring + 2, margin + 2 * ring + 2),
                  (margin + w_px - 2 * ring - 2, margin + h_px - 2 * ring - 2), 0, -1)
    outside = outer.astype(bool) & ~(band.astype(bool)) & ~(inner.astype(bool))
    template = np.zeros(size, np.float32)
    template[band.astype(bool)] = 1.0 / max(1, int(band.sum()))
    template[outside] = -0.5 / max(1, int(outside.sum()))
    template[inner_band.astype(bool)] = -0.5 / max(1, int(inner_band.sum()))
    return template


@cache
def _outline_corners(w_px: int, h_px: int, rows: int, cols: int
                     ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp], tuple[int, int]]:
    """`_outline_template` as the few corners of its rectangles, for a window of `rows` × `cols`:
    each corner's weight, where it falls in the window's flattened integral image at every shift,
    and the shape of the shifts. The template is flat between its rectangles' sides, so its
    second difference is zero but at their corners (20 of them, against 4,000 template pixels)."""
    template = np.pad(_outline_template(w_px, h_px).astype(np.float64), ((1, 0), (1, 0)))
    corners = np.diff(np.diff(template, axis=0, append=0.0), axis=1, append=0.0)
    ys, xs = np.nonzero(corners)
    shape = (rows - template.shape[0] + 2, cols - template.shape[1] + 2)
    at = ((ys[:, None, None] + np.arange(shape[0])[None, :, None]) * (cols + 1)
          + xs[:, None, None] + np.arange(shape[1])[None, None, :])
    return corners[ys, xs], at.reshape(len(ys), -1), shape


def _outline_scores(dark: Floats, box: Box) -> Floats:
    """How well the box's outline matches at every shift its window allows (`_best` reads them):
    the window's correlation with `_outline_template` (`cv2.TM_CCORR`), summed from the window's
    integral image at the template's corners (`_outline_corners`), at a third of the cost."""
    weights, at, shape = _outline_corners(round(box.w * PPMM), round(box.h * PPMM), *dark.shape)
    integral = np.asarray(cv2.integral(dark, sdepth=cv2.CV_64F), dtype=np.float64).ravel()
    return np.asarray((weights @ integral[at]).reshape(shape), dtype=np.float32)


def _reaches(scores: Floats, around: tuple[float, float]) -> bool:
    """Whether the window's shifts include `around` (mm from the window's middle)."""
    x, y = _score_index(scores, around)
    return bool(0 <= x <= scores.shape[1] - 1 and 0 <= y <= scores.shape[0] - 1)


def _score_index(scores: Floats, at: tuple[float, float]) -> tuple[float, float]:
    return (scores.shape[1] - 1) / 2 + at[0] * PPMM, (scores.shape[0] - 1) / 2 + at[1] * PPMM


def _best(scores: Floats, around: tuple[float, float], reach: float) -> _Shift:
    """The best shift (mm, from `around`) within `reach` of `around` and its outline score."""
    px, py = _score_index(scores, around)
    r = reach * PPMM
    x0, x1 = max(0, math.ceil(px - r)), min(scores.shape[1] - 1, math.floor(px + r))
    y0, y1 = max(0, math.ceil(py - r)), min(scores.shape[0] - 1, math.floor(py + r))
    _, best, _, (bx, by) = cv2.minMaxLoc(scores[y0:y1 + 1, x0:x1 + 1])
    return (bx + x0 - px) / PPMM, (by + y0 - py) / PPMM, float(best)


def _printed_sides(dark: Floats, origin: tuple[float, float], box: Box) -> float:
    """How clearly the box's printed square stands where the box is measured, from its four sides
    alone: each side's darkest line (the median along the side, so a stroke crossing it or
    touching it counts for nothing) over the paper just outside it; the second weakest side
    speaks for the box, so one side hidden by a stroke or a neighbouring rule does not.

    The search's template (`_outline_scores`) also wants light paper inside the ring, so a thick digit
    filling its box made a clearly printed box look not found; the box's interior is not read here.
    A side off the patch counts as not seen."""
    x0, y0 = round((box.x - origin[0]) * PPMM), round((box.y - origin[1]) * PPMM)
    x1, y1 = round((box.x + box.w - origin[0]) * PPMM), round((box.y + box.h - origin[1]) * PPMM)
    trim_x, trim_y = round((x1 - x0) * _SIDE_TRIM), round((y1 - y0) * _SIDE_TRIM)
    # Each strip's row medians once, for both of its sides; none when the box's sides are off the patch.
    across = tuple(_row_medians(strip) if strip.shape[1] else None
                   for strip in (dark[:, x0 + trim_x:x1 - trim_x], dark[y0 + trim_y:y1 - trim_y, :].T))
    contrasts = sorted(_side_contrast(across[axis], at, outward)
                       for axis, at, outward in ((0, y0, -1), (0, y1, 1), (1, x0, -1), (1, x1, 1)))
    return contrasts[1]


def _side_contrast(medians: Floats | None, at: int, outward: int) -> float:
    """A printed line's darkness at row `at` of a strip across the side (`medians`: each row's
    median) over the paper beyond it, on the `outward` side; 0 when the patch ends before the
    paper band."""
    near, far = sorted((at + outward * _SIDE_PAPER_PX[0], at + outward * _SIDE_PAPER_PX[1]))
    lo, hi = min(near, at - _SIDE_REACH_PX), max(far, at + _SIDE_REACH_PX) + 1
    if medians is None or lo < 0 or hi > medians.shape[0]:
        return 0.0
    profile = medians[lo:hi]
    line = profile[at - _SIDE_REACH_PX - lo:at + _SIDE_REACH_PX + 1 - lo].max()
    paper = profile[near - lo:far + 1 - lo].mean()
    return float(line - paper)


def _row_medians(rows: Floats) -> Floats:
    """`np.median(rows, axis=1)`, a fifth of its cost on a side's few short rows (sorting them is
    cheaper than numpy's general median machinery)."""
    n = rows.shape[1]
    ranked = np.sort(rows, axis=1)
    return np.asarray((ranked[:, (n - 1) // 2] + ranked[:, n // 2]) * 0.5, dtype=rows.dtype)


def _px(mm: float) -> int:
    """A length in mm as whole pixels of a box patch, never negative (a band cut by the patch's edge)."""
    return max(0, round(mm * PPMM))


def _interior(dark: Floats, origin: tuple[float, float], box: Box) -> Floats:
    x0, y0 = _px(box.x + _INSET_MM - origin[0]), _px(box.y + _INSET_MM - origin[1])
    x1, y1 = _px(box.x + box.w - _INSET_MM - origin[0]), _px(box.y + box.h - _INSET_MM - origin[1])
    return dark[y0:y1, x0:x1]


def _share(mask: npt.NDArray[Any]) -> float:
    """The share of non-zero pixels: `mask.mean()` of a 0/1 mask to the last bit, without the
    float pass over it."""
    return int(np.count_nonzero(mask)) / mask.size if mask.size else math.nan


def _extent_and_elongation(ink: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """The longest side of any ink component, as a share of the interior's longest side; and the
    length over width of the largest component (its minimal rotated rectangle)."""
    if not ink.any():
        return 0.0, 1.0
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    longest = int(stats[1:, cv2.CC_STAT_WIDTH:cv2.CC_STAT_HEIGHT + 1].max())
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    ys, xs = np.nonzero(labels == largest)
    (_, _), (w, h), _ = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
    return float(longest / max(ink.shape)), float((max(w, h) + 1) / (min(w, h) + 1))


def measure(dark: Floats, origin: tuple[float, float], box: Box, outline: float) -> BoxMeasure:
    inside = _interior(dark, origin, box)
    if inside.size == 0:
        return BoxMeasure(box, 0.0, 0.0, 0.0, 0.0, outline)
    inked = inside > INK
    ink = inked.view(np.uint8)
    share = _share(inked)
    darkness = float(inside[inked].mean()) if share else 0.0
    solid = _share(cv2.erode(ink, _stroke_eraser())) if share > 0.2 else 0.0
    faint = _share(inside > FAINT)
    if share > 0:
        crossed = _crossed(dark, origin, box, INK)
    else:
        crossed = faint > _EMPTY_FAINT and _crossed(dark, origin, box, FAINT)
    span, breadth, centre, clipped = _footprint(dark, origin, box) if share else (0.0, 0.0, 0.0, "")
    extent, elongation = _extent_and_elongation(ink)
    return BoxMeasure(box, share, darkness, extent, solid, outline, crossed, faint, elongation,
                      _offset(inside), _beyond(dark, origin, box) if share else 0.0, span, breadth, centre, clipped,
                      *_core_and_rim(ink), _blob(inside) if share else (0.0, 0.0, 1.0),
                      _under_line(dark, origin, box, inside) if crossed else None)


def _blob(inside: Floats) -> tuple[float, float, float]:
    """The largest ink shape seen at half its own darkness: its longest side (share of the interior
    side), how much of the disc of that diameter it fills, and its elongation. A pale or blurred
    dot looks smaller at the fixed ink level than it was drawn; at half its darkness it has its
    drawn size whatever the pen, the scanner's blur or the photo's contrast."""
    level = max(FAINT, 0.5 * percentile(inside, 99))
    ink = (inside > level).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return 0.0, 0.0, 1.0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    side = max(int(stats[largest, cv2.CC_STAT_WIDTH]), int(stats[largest, cv2.CC_STAT_HEIGHT]))
    area = int(stats[largest, cv2.CC_STAT_AREA])
    ys, xs = np.nonzero(labels == largest)
    (_, _), (w, h), _ = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
    return side / max(ink.shape), area / (np.pi / 4 * side * side), float((max(w, h) + 1) / (min(w, h) + 1))


def _core_and_rim(ink: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """Ink share of the interior's middle third, and of its least inked outer third (top, bottom,
    left or right band)."""
    h, w = ink.shape
    a, b = h // 3, w // 3
    middle = ink[a:h - a, b:w - b]
    if middle.size == 0:
        return 0.0, 0.0
    bands = (ink[:a], ink[h - a:], ink[:, :b], ink[:, w - b:])
    return _share(middle), min(_share(band) for band in bands)


@cache
def _line_kernels() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    length = round(_LINE_MM * PPMM)
    return np.ones((1, length), np.uint8), np.ones((length, 1), np.uint8)


def _footprint(dark: Floats, origin: tuple[float, float], box: Box) -> tuple[float, float, float, str]:
    """The hand's ink that reaches into the interior, followed beyond the printed outline.

    Straight ink along the page's axes longer than any hand stroke is print or a fold (the box's
    own outline, a table rule, a crease) and is set aside; what is left is drawn by hand. Pieces
    the outline cut apart are joined again, and the pieces that reach into the interior are the
    mark as the clerk drew it, overflow included: its bounding box says whether it is centred on
    this box (a tick or cross drawn too big) or comes in from one side (a neighbour's overflow)."""
    ink = (dark > INK).astype(np.uint8)
    across, down = _line_kernels()
    lines = np.asarray(cv2.morphologyEx(ink, cv2.MORPH_OPEN, across), dtype=np.uint8) | np.asarray(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, down), dtype=np.uint8)
    # (the print's blurred fringe goes with it; the gap this leaves where a stroke crosses the
    # outline is bridged again below)
    hand = ink & (1 - np.asarray(cv2.dilate(lines, np.ones((3, 3), np.uint8)), dtype=np.uint8))
    joined = cv2.dilate(hand, np.ones((7, 7), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    if count <= 1:
        return 0.0, 0.0, 0.0, ""
    x0 = (box.x - origin[0]) * PPMM
    y0 = (box.y - origin[1]) * PPMM
    w, h = box.w * PPMM, box.h * PPMM
    inset = _INSET_MM * PPMM
    iy0, iy1 = max(0, round(y0 + inset)), max(0, round(y0 + h - inset))
    ix0, ix1 = max(0, round(x0 + inset)), max(0, round(x0 + w - inset))
    inside = labels[iy0:iy1, ix0:ix1][hand[iy0:iy1, ix0:ix1].astype(bool)]
    found, counts = np.unique(inside[inside > 0], return_counts=True)
    keep = found[counts >= _FOOTHOLD * max(1, (iy1 - iy0) * (ix1 - ix0))]
    if keep.size == 0:
        return 0.0, 0.0, 0.0, ""
    ys, xs = np.nonzero(np.isin(labels, keep) & hand.astype(bool))
    u0, u1 = (float(xs.min()) - x0) / w, (float(xs.max()) + 1 - x0) / w
    v0, v1 = (float(ys.min()) - y0) / h, (float(ys.max()) + 1 - y0) / h
    rows, cols = dark.shape
    clipped = "".join(side for side, at in (("l", xs.min() <= 0), ("r", xs.max() >= cols - 1),
                                              ("t", ys.min() <= 0), ("b", ys.max() >= rows - 1)) if at)
    centre = max(abs((u0 + u1) / 2 - 0.5), abs((v0 + v1) / 2 - 0.5))
    (_, _), (rw, rh), _ = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
    breadth = (min(rw, rh) + 1) / min(w, h)
    return max(u1 - u0, v1 - v0), float(breadth), centre, clipped


def _beyond(dark: Floats, origin: tuple[float, float], box: Box) -> float:
    """Ink share of the band from 0.3 to 1.0 mm outside the box's outline."""
    x0, y0 = _px(box.x - origin[0]), _px(box.y - origin[1])
    x1, y1 = _px(box.x + box.w - origin[0]), _px(box.y + box.h - origin[1])
    near, far = _px(0.3), _px(1.0)
    outer = dark[max(0, y0 - far):y1 + far, max(0, x0 - far):x1 + far] > INK
    inner = dark[max(0, y0 - near):y1 + near, max(0, x0 - near):x1 + near] > INK
    band = outer.size - inner.size
    return float(max(0, int(outer.sum()) - int(inner.sum())) / band) if band > 0 else 0.0


def _offset(inside: Floats) -> float:
    """Distance of the ink's centre of mass from the interior's middle, as a share of its side."""
    weights = np.where(inside > INK, inside, 0.0)
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    h, w = inside.shape
    cy = float((weights.sum(axis=1) * np.arange(h)).sum() / total) / max(1, h - 1) - 0.5
    cx = float((weights.sum(axis=0) * np.arange(w)).sum() / total) / max(1, w - 1) - 0.5
    return float(max(abs(cx), abs(cy)))


def _crossed(dark: Floats, origin: tuple[float, float], box: Box, level: float) -> bool:
    """Darkness over `level` on both opposite sides of the box, well beyond where a mark
    overflows, in line: a fold or a line drawn across the row, which would otherwise look like a
    mark in every box it crosses."""
    x0, y0 = _px(box.x - origin[0]), _px(box.y - origin[1])
    x1, y1 = _px(box.x + box.w - origin[0]), _px(box.y + box.h - origin[1])
    near, far = _px(_BEYOND_MM[0]), _px(_BEYOND_MM[1])
    ink = dark > level
    above = np.asarray(ink[max(0, y0 - far):max(0, y0 - near), x0:x1].any(axis=0), dtype=bool)
    below = np.asarray(ink[y1 + near:y1 + far, x0:x1].any(axis=0), dtype=bool)
    left = np.asarray(ink[y0:y1, max(0, x0 - far):max(0, x0 - near)].any(axis=1), dtype=bool)
    right = np.asarray(ink[y0:y1, x1 + near:x1 + far].any(axis=1), dtype=bool)
    # Ink in line on both opposite sides: a thin line, or a fold's shading half a box wide. Table
    # borders running all along both bands box the box in; they cross nothing.
    vertical = above.size == below.size and bool((above & below).any()) and not (_full(above) and _full(below))
    horizontal = left.size == right.size and bool((left & right).any()) and not (_full(left) and _full(right))
    return vertical or horizontal


def _under_line(dark: Floats, origin: tuple[float, float], box: Box, inside: Floats) -> SeenThrough | None:
    """The interior's measures once the shading of a line crossing it is divided out.

    A fold darkens the paper and whatever is written on it by the same factor, so dividing that
    factor out leaves a mark under the fold as dark as it was drawn, and the paper blank. The
    line's darkness across the box, column by column (and row by row for a line across), is the
    least of three estimates: the median down the interior (a line runs all along it, a mark
    covers less than half of it) and the medians of the bands beyond the box on either side
    (which a mark does not reach; the least of them, so ink beyond one side only is no line).
    A line darker than `_SHADE_MAX` is drawn, not a fold's shading: nothing is seen through it."""
    x0, y0 = _px(box.x + _INSET_MM - origin[0]), _px(box.y + _INSET_MM - origin[1])
    x1, y1 = x0 + inside.shape[1], y0 + inside.shape[0]
    bx0, by0 = _px(box.x - origin[0]), _px(box.y - origin[1])
    bx1, by1 = _px(box.x + box.w - origin[0]), _px(box.y + box.h - origin[1])
    near, far = _px(_BEYOND_MM[0]), _px(_BEYOND_MM[1])
    bands = (
        (dark[max(0, by0 - far):max(0, by0 - near), x0:x1], dark[by1 + near:by1 + far, x0:x1], 0),
        (dark[y0:y1, max(0, bx0 - far):max(0, bx0 - near)].T, dark[y0:y1, bx1 + near:bx1 + far].T, 1),
    )
    shade = np.zeros_like(inside)
    for before, after, axis in bands:
        length = inside.shape[1 - axis]
        if not (before.size and after.size) or before.shape[1] != length or after.shape[1] != length:
            continue  # the box too near the patch's edge to see the line on both sides
        along = np.median(inside, axis=axis)
        line = np.minimum(along, np.minimum(np.median(before, axis=0), np.median(after, axis=0)))
        shade = np.maximum(shade, line[None, :] if axis == 0 else line[:, None])
    if float(shade.max(initial=0.0)) > _SHADE_MAX:
        return None
    seen = 1.0 - (1.0 - inside) / (1.0 - shade)
    inked = (seen > INK).view(np.uint8)
    extent, elongation = _extent_and_elongation(inked)
    return SeenThrough(_share(inked), _share(seen > FAINT), extent, _share(cv2.erode(inked, _stroke_eraser())),
                       elongation)


def _full(profile: npt.NDArray[np.bool_]) -> bool:
    return profile.size > 0 and float(profile.mean()) >= _FULL_BAND


@cache
def _stroke_eraser() -> npt.NDArray[np.uint8]:
    """Erosion that removes any pen stroke up to about 0.8 mm wide (a felt tip)."""
    side = round(_STROKE_MM * PPMM) | 1
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)), dtype=np.uint8)


@dataclass(frozen=True)
class PageMeasures:
    """Every box of a page: raw measures, the darkness patch each was measured on (kept for the
    digit reader, which looks at the same pixels again), and the registration refined by the
    boxes themselves (for crops and name bands)."""

    measures: dict[str, BoxMeasure]
    patches: dict[str, tuple[Floats, tuple[float, float]]]
    registration: Registration

    def unplaced(self) -> list[str]:
        """The boxes not found where the registration puts them (`BoxMeasure.unplaced`)."""
        return [key for key, m in self.measures.items() if m.unplaced]


@dataclass(frozen=True)
class _Scan:
    """Each box's darkness patch (with its origin in page mm) and outline scores over its window,
    and where in that window its outline was found best (`first`: dx, dy mm, score)."""

    patches: dict[str, tuple[Floats, tuple[float, float]]]
    scores: dict[str, Floats]
    first: dict[str, _Shift]

    @classmethod
    def of(cls, gray: Gray, registration: Registration, boxes: list[Box], search: float) -> _Scan:
        pad = search + _MARGIN_MM
        patches: dict[str, tuple[Floats, tuple[float, float]]] = {}
        scores: dict[str, Floats] = {}
        first: dict[str, _Shift] = {}
        for box in boxes:
            x, y, w, h = _window(box, pad)
            dark = darkness_map(registration.patch(gray, x, y, w, h, PPMM))
            patches[box.id] = dark, (x, y)
            scores[box.id] = _outline_scores(dark, box)
            first[box.id] = _best(scores[box.id], (0.0, 0.0), search)
        return cls(patches, scores, first)

    def merged(self, other: _Scan) -> _Scan:
        return _Scan({**self.patches, **other.patches}, {**self.scores, **other.scores}, {**self.first, **other.first})

    def found(self, bar: float = _MIN_OUTLINE) -> list[str]:
        """The boxes whose outline was found with a score of at least `bar`."""
        return [key for key, shift in self.first.items() if shift[2] >= bar]

    def bar(self) -> float:
        """The score from which an outline is found well on this page (`_FAINT_PAGE`)."""
        return min(_MIN_OUTLINE, _FAINT_PAGE * float(np.median([shift[2] for shift in self.first.values()])))

    def evidence(self) -> tuple[int, float]:
        """How well the fit the scan was taken under places the boxes: how many outlines were
        found well right where it puts them (within `_FIT_TOLERANCE_MM`), then how well all of
        them match. Found anywhere in the window would not do: a fit millimetres off finds a
        neighbouring box of a row of digit boxes for nearly every box."""
        bar = self.bar()
        placed = sum(1 for dx, dy, score in self.first.values() if score >= bar and math.hypot(dx, dy) <= _FIT_TOLERANCE_MM)
        return placed, sum(shift[2] for shift in self.first.values())


def measure_boxes(gray: Gray, registration: Registration, boxes: list[Box], gain: float = 1.0) -> PageMeasures:
    """Refined position and raw ink measures of every box, its darkness stretched by `1 / gain`
    (`omr.contrast.print_gain`: a washed-out page's black and pencil brought back to a usual
    page's) once the box is found.

    Each box is looked for in a wide window; the well-found ones become fiducials of a second fit
    of the page (`Registration.refit`). Then each box is looked for again, narrowly, where the
    refined fit puts it, and its own shift is kept only where it agrees with its neighbours' (a
    mark or a scribble beside a box can pull the outline match astray; a real distortion moves
    neighbours alike). The second look reuses the first one's patch and outline scores: the
    refined fit moves a box within its wide window (most often by a fraction of a millimetre), so
    resampling every box again would cost as much as the first look and see the same pixels. A box
    the refined fit moves out of its first window (a fit from three markers far off) is resampled
    under the refined fit.

    A photo's perspective can put a fit from three markers further off, near the missing corner,
    than the wide window reaches: the boxes found there are wrong and the fit they give is
    refused. The boxes found near the markers still place the page nearly right, so the wide look
    is made once more under that provisional fit, and its fit is kept if the markers accept it.
    Before that, where the markers allow more than one fit (`Registration.alternatives`), the one
    under which the outlines are found best (`_Scan.evidence`) is taken."""
    wide = SEARCH_MM if registration.markers == 4 else WIDE_SEARCH_MM
    scan = _Scan.of(gray, registration, boxes, wide)
    for alternative in registration.alternatives():
        other = _Scan.of(gray, alternative, boxes, wide)
        if other.evidence() > scan.evidence():
            registration, scan = alternative, other
    refined = _refit(registration, boxes, scan)
    if not registration.accepts(refined):
        prior, refined = refined, registration
        again = _Scan.of(gray, prior, boxes, wide)
        second = _refit(prior, boxes, again)
        if second is not prior and registration.accepts(second):
            registration, scan, refined = prior, again, second
    bar = scan.bar()
    centres = np.array([[b.x + b.w / 2, b.y + b.h / 2] for b in boxes])
    # Where the refined fit puts each box, in millimetres of the first look's patches.
    offsets = registration.to_page(refined.to_image(centres)) - centres
    lost = [k for k, b in enumerate(boxes) if not _reaches(scan.scores[b.id], (offsets[k, 0], offsets[k, 1]))]
    if lost:
        again = _Scan.of(gray, refined, [boxes[k] for k in lost], FINE_SEARCH_MM)
        scan = scan.merged(again)
        offsets[lost] = 0.0
    shifts = {b.id: _best(scan.scores[b.id], (offsets[k, 0], offsets[k, 1]), FINE_SEARCH_MM)
              for k, b in enumerate(boxes)}
    good = [(b, shifts[b.id]) for b in boxes if shifts[b.id][2] >= bar]
    out: dict[str, BoxMeasure] = {}
    patches: dict[str, tuple[Floats, tuple[float, float]]] = {}
    for box, (mx, my), (ox, oy) in zip(boxes, _neighbour_shifts(boxes, good).tolist(), offsets.tolist(), strict=True):
        dx, dy, score = shifts[box.id]
        if score < bar or abs(dx - mx) + abs(dy - my) > _AGREE_MM:
            dx, dy = mx, my
        dark, origin = _window_patch(*scan.patches[box.id], box.shifted(ox, oy), FINE_SEARCH_MM + _MARGIN_MM)
        shifted = box.shifted(ox + dx, oy + dy)
        outline = _printed_sides(dark, origin, shifted)
        if gain < 1.0:
            dark = np.minimum(dark * np.float32(1.0 / gain), np.float32(1.0))
        patches[box.id] = dark, origin
        out[box.id] = measure(dark, origin, shifted, outline)
    return PageMeasures(out, patches, refined)


def _refit(registration: Registration, boxes: list[Box], scan: _Scan) -> Registration:
    """`registration` refitted through the boxes well found in `scan` (taken under it), or itself
    when too few were found; the caller asks the markers whether they accept the fit."""
    well = set(scan.found(scan.bar()))
    found = [b for b in boxes if b.id in well]
    if len(found) < _MIN_FIDUCIALS:
        return registration
    at = np.array([[b.x + b.w / 2, b.y + b.h / 2] for b in found])
    moved = at + np.array([scan.first[b.id][:2] for b in found])
    return registration.refit(at, registration.to_image(moved), _FIT_TOLERANCE_MM)


def _window_patch(dark: Floats, origin: tuple[float, float], box: Box, pad: float
                  ) -> tuple[Floats, tuple[float, float]]:
    """The part of a patch that a window `pad` around `box` would have sampled (to the pixel), and
    its origin: a box is measured in the narrow window alone, as if sampled there, so that how far
    a mark runs (`_footprint`) is judged within the same reach whichever window found the box."""
    x, y, w, h = _window(box, pad)
    i, j = round((x - origin[0]) * PPMM), round((y - origin[1]) * PPMM)
    i0, j0 = max(0, i), max(0, j)
    cut = dark[j0:j + round(h * PPMM), i0:i + round(w * PPMM)]
    return cut, (origin[0] + i0 / PPMM, origin[1] + j0 / PPMM)


def _neighbour_shifts(boxes: list[Box], good: list[tuple[Box, _Shift]]) -> npt.NDArray[np.float64]:
    """For each box (rows: dx, dy in mm), the median shift of the well-found boxes near it (itself
    included; fewer than three: the page's median; none found: the registered position). All
    boxes at once: a page of 400 boxes would otherwise spend more on this than on measuring."""
    if not good:
        return np.zeros((len(boxes), 2))
    at = np.array([(b.x, b.y) for b, _ in good])
    moved = np.array([s[:2] for _, s in good])
    here = np.array([(b.x, b.y) for b in boxes])
    near = (np.abs(here[:, None, 0] - at[None, :, 0]) + np.abs(here[:, None, 1] - at[None, :, 1])
            <= _NEIGHBOURHOOD_MM)
    near[near.sum(axis=1) < 3] = True
    count = near.sum(axis=1)
    rows = np.arange(len(boxes))
    out = np.empty((len(boxes), 2))
    for axis in (0, 1):
        # The boxes not near sort last; the middle one or two of the rest give the median, as
        # `np.median` computes it (the mean of the two middle values).
        ranked = np.sort(np.where(near, moved[None, :, axis], np.inf), axis=1)
        out[:, axis] = (ranked[rows, (count - 1) // 2] + ranked[rows, count // 2]) / 2
    return out


# --- deciding --------------------------------------------------------------------------------

# Interior ink share: below `_EMPTY_INK` + the page's own blank level a box is empty, above
# `_MARK_INK` (+ the same) it holds a mark. `solid` (ink left after erasing strokes) from
# `_FILLED` is a filled box, the cancel sign; between `_HALF_FILLED` and it, a heavy mark and a
# fill cannot be told apart.
_EMPTY_INK = 0.025
_MARK_INK = 0.07
_FILLED = 0.72
_HALF_FILLED = 0.3  # a circle drawn with a thick pen keeps up to about this much after erosion
_OFF_FILL = (0.18, 0.12)  # … less, but lying to one side of the box: half of it filled
_MARK_EXTENT = 0.8  # a mark's stroke spans at least this share of the box (a short stroke does not) …
_SHORT_EXTENT = 0.6  # … or this much when it runs on beyond the outline (`_OVERFLOW_BAND`)
_OVERFLOW_BAND = 0.03
_ANCHORED_BEYOND = 0.015  # one stroke crossing the band beside a near-blank box: an overflow anchored in it
_DOT_EXTENT = 0.45  # … or, when it is a dot, this much
_DOT_INK = 0.2  # (a dot covers at least this share of the interior)
_DOT_FILL = 0.6  # (a filled disc covers about all its circle; a short stroke or a ring does not)
_DOT_ROUND = 1.4  # (and is round: a short thick stroke is longer than this times its width)
_BLOB_ROUND = 1.2  # (a disc drawn at its own size is round to a pixel; a stroke of 1.5 pen widths is not)
_SPECK_EXTENT = 0.25  # ink no larger than this is dust or a stray dot
_SPILL_OFFSET = 0.42  # ink centred this far towards an edge came from outside (a neighbour's overflow)
# `BoxMeasure.outline` under this: no printed square where the box is measured. On the own-forms
# benchmark (500 pages, 9262 digit boxes) the score is bimodal: 130 boxes under 0.05 (the page
# misregistered there), all others from 0.34 (a faint phone photo) up, most above 0.5. Among all
# the boxes of its 499 read pages (2026-11-22), the only ones under it are 245 filled boxes.
LOST_OUTLINE = 0.2
_HOLLOW = 0.35  # a ring's middle third is at most this much inked (a fill's is inked through)
_RIM = 0.3  # … and each outer third of the box at least this much (half a fill leaves one bare)
_DRAWN_SPAN = 1.0  # a mark followed beyond the outline is at least as large as the box …
_DRAWN_BREADTH = 0.5  # … has breadth (two strokes at an angle, a loop), not one straight line …
_CENTRED = 0.35  # … and its middle this close to the box's middle (in box sides): it is this box's mark
_EMPTY_FAINT = 0.06  # light-pencil share above the page's blank level from which a box is not surely empty


@dataclass(frozen=True)
class Calibration:
    """The blank level of this page's boxes: what an untouched box measures here."""

    blank_ink: float
    spread: float
    blank_faint: float = 0.0
    faint_spread: float = 0.0

    @classmethod
    def of(cls, measures: list[BoxMeasure]) -> Calibration:
        """Robust statistics over all boxes of the page; at most one box in four is marked on any
        of our forms, so the median and the lower half describe blank boxes."""
        if not measures:
            return cls(0.0, 0.0)
        inks = np.array([m.ink for m in measures], dtype=np.float64)
        faints = np.array([m.faint for m in measures], dtype=np.float64)
        median, spread = _blank_level(inks)
        faint, faint_spread = _blank_level(faints)
        return cls(median, spread, faint, faint_spread)

    def empty_limit(self) -> float:
        return self.blank_ink + _EMPTY_INK + 3 * self.spread

    def mark_limit(self) -> float:
        return max(self.empty_limit() + 0.03, self.blank_ink + _MARK_INK + 4 * self.spread)

    def faint_limit(self) -> float:
        return self.blank_faint + _EMPTY_FAINT + 3 * self.faint_spread


def _blank_level(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    median = float(np.median(values))
    lower = values[values <= np.percentile(values, 60)]
    spread = float(np.median(np.abs(lower - np.median(lower)))) if lower.size else 0.0
    return median, spread


def _ring(m: BoxMeasure) -> float:
    """How surely heavy ink is a circle drawn with a thick pen, not a fill: ink all round the box
    with a light middle, its ring eroding less than a thin one. A fill or half a fill has no
    hole; half a fill also leaves one side of the box bare."""
    return min((_HOLLOW - m.core) / 0.2, (m.rim - _RIM) / 0.2, (_FILLED - m.solid) / 0.15)


def _unfilled(m: BoxMeasure) -> float:
    """How surely the box is not even half filled: little ink left once strokes are eroded, or
    what is left is a thick-pen ring (`_ring`), however near the half-fill bar its erosion comes."""
    return max((_HALF_FILLED - m.solid) / 0.05, _ring(m))


def _dot(m: BoxMeasure) -> float:
    """How surely the box holds a filled round dot, by its drawn size (`BoxMeasure.blob`): big
    enough not to be a speck, a filled disc rather than a ring or a short stroke, round."""
    size, fill, elongation = m.blob
    return min((size - _DOT_EXTENT) / 0.1, (fill - _DOT_FILL) / 0.15, (_BLOB_ROUND - elongation) / 0.1)


def classify(m: BoxMeasure, calibration: Calibration) -> Verdict:
    """Empty, marked, filled (cancelled) or uncertain, with how far the box is from a boundary.

    Every decision needs a margin on its own side: a box is empty only when neither the ink nor
    the light-pencil level stands out from the page's blank boxes, marked only when the ink is a
    stroke across the box, a round dot or a smaller mark with breadth (a circle, a cramped tick),
    centred in it, and not a partial fill; anything between
    (a short stroke, half a box filled, a neighbour's overflow reaching in) is uncertain.

    Three readings look past the interior alone: a mark drawn larger than its box is followed out
    of it (`BoxMeasure.span`, `breadth`, `centre`: the whole mark, centred here, is this box's);
    heavy ink with a hollow middle all round is a thick-pen circle, not a fill (`core`, `rim`);
    a dot is sized at half its own darkness, so a pale or blurred one is as sure as a black one
    (`blob`)."""
    if m.unplaced:
        # Whatever lies where no printed square is (blank paper, print, a neighbour's mark) says
        # nothing about this box.
        return Verdict(BoxState.UNCERTAIN, m.ink, 0.0)
    lo, hi = calibration.empty_limit(), calibration.mark_limit()
    faint_lo = calibration.faint_limit()
    spill = bool(m.clipped) and m.centre >= _CENTRED  # runs in from beyond the window, its middle out there
    if m.crossed and (m.ink > lo or m.faint > faint_lo):
        # A fold's shading or a line through the row fills or strikes the box as a mark would (or,
        # lighter, as pencil would); seen through, a fold's shading leaves a clean blank, or the
        # pen's own strokes.
        seen = m.under_line
        if seen is not None:
            margin = min((lo - seen.ink) / lo, (faint_lo - seen.faint) / max(faint_lo, 1e-3))
            if margin > 0:
                return Verdict(BoxState.EMPTY, seen.ink, min(_UNDER_LINE_CERTAINTY, 0.5 + margin))
            # A pen stroke across the box or a round dot, clearly inked once the shading is
            # divided out, and no fill: a tick, a cross or a dot under the fold. A short stroke,
            # pencil or a fill there are left to a person.
            stroke = min((seen.ink - hi) / hi, (seen.extent - _MARK_EXTENT) / 0.1)
            dot = min((seen.ink - _DOT_INK) / 0.1, (seen.extent - _DOT_EXTENT) / 0.1,
                      (_DOT_ROUND - seen.elongation) / 0.2)
            drawn = min(max(stroke, dot), (_HALF_FILLED - seen.solid) / 0.05)
            if drawn > 0 and not spill:
                return Verdict(BoxState.MARKED, seen.ink, min(_UNDER_LINE_CERTAINTY, drawn))
        return Verdict(BoxState.UNCERTAIN, m.ink, 0.0)
    if m.solid >= _FILLED:
        return Verdict(BoxState.CANCELLED, 2.0 + m.solid, min(1.0, (m.solid - _FILLED) / 0.15))
    if m.solid >= _HALF_FILLED or (m.solid >= _OFF_FILL[0] and m.offset >= _OFF_FILL[1]):
        ring = _ring(m)
        if ring >= 0:
            return Verdict(BoxState.MARKED, m.ink, min(1.0, ring))
        return Verdict(BoxState.UNCERTAIN, 1.5, 0.0)
    if m.ink <= lo and m.extent < _DOT_EXTENT:
        if m.faint > faint_lo and m.extent >= _SPECK_EXTENT / 2:
            return Verdict(BoxState.UNCERTAIN, m.ink, 0.0)  # light pencil under the ink level
        if m.beyond >= _ANCHORED_BEYOND and m.extent >= _SPECK_EXTENT / 2:
            # A stroke that starts in the box and runs on out of it: most of an overflowing tick
            # can lie outside, so a little ink inside is not a clean blank.
            return Verdict(BoxState.EMPTY, m.ink, 0.0)
        faint_margin = (faint_lo - m.faint) / max(faint_lo, 1e-3)
        return Verdict(BoxState.EMPTY, m.ink, max(0.0, min(1.0, 0.5 + (lo - m.ink) / lo, 0.5 + faint_margin)))
    # A short stroke inside the box is a slip or a started mark; one that runs on out of the box is
    # an overflowing tick.
    reach = _MARK_EXTENT if m.beyond < _OVERFLOW_BAND else _SHORT_EXTENT
    stroke = (m.extent - reach) / 0.1
    dot = max(min((m.extent - _DOT_EXTENT) / 0.1, (m.ink - _DOT_INK) / 0.1, (_DOT_ROUND - m.elongation) / 0.2),
              _dot(m))
    # The mark followed out of the box: a tick or a cross drawn larger than the box, centred on
    # it, leaves only pieces inside (short, pushed to one side) yet is this box's mark as a whole.
    # A neighbour's overflow reaches in from one side and has its middle out there; a stray
    # hair line has no breadth.
    drawn = min((m.span - _DRAWN_SPAN) / 0.2, (m.breadth - _DRAWN_BREADTH) / 0.2, (_CENTRED - m.centre) / 0.1)
    if m.crossed or spill or (m.offset >= _SPILL_OFFSET and drawn < 0):
        return Verdict(BoxState.UNCERTAIN, m.ink, 0.0)
    if m.ink >= hi and max(stroke, dot) >= 0:
        certainty = min((m.ink - hi) / hi, max(stroke, dot), _unfilled(m),
                        max((_SPILL_OFFSET - m.offset) / 0.1, drawn))
        if certainty < drawn:
            certainty = min(drawn, (m.ink - lo) / lo, _unfilled(m))
        return Verdict(BoxState.MARKED, m.ink, max(0.0, min(1.0, certainty)))
    if m.ink > lo and drawn >= 0:
        # Most of a large mark lies outside the box; what is inside need only stand clear of blank.
        certainty = min(drawn, (m.ink - lo) / lo, _unfilled(m))
        return Verdict(BoxState.MARKED, m.ink, max(0.0, min(1.0, certainty)))
    # A mark drawn smaller than the box but in two dimensions (a small circle, a cramped tick or
    # cross), clearly inked, centred and no fill: a started mark or a slip of the pen is one
    # short straight stroke, which has no breadth.
    compact = min((m.ink - hi) / hi, (m.breadth - _DRAWN_BREADTH) / 0.2, (_CENTRED - m.centre) / 0.1,
                  (m.extent - _DOT_EXTENT) / 0.1, _unfilled(m))
    if compact > 0:
        return Verdict(BoxState.MARKED, m.ink, min(1.0, compact))
    if m.extent < _SPECK_EXTENT and m.ink < hi:
        return Verdict(BoxState.EMPTY, m.ink, 0.5)
    return Verdict(BoxState.UNCERTAIN, m.ink, 0.0)
