"""Marks in the level cells of a scanned grid, decided by ink, never by OCR.

A tick, a cross, a dot or a circle is only ink to OCR. What tells a marked cell from an empty one
is how much pen ink it holds compared with the other level cells of its row: ruling lines are
erased first, stamp ink is not ink (`Sheet.gray`), and each cell is measured inside its border so
that a tick overflowing from the next cell weighs little. A row is read only when one cell wins by
a clear margin; an empty row, two marks or a close call come out with a low confidence so that a
person decides. A scribble is far denser than a tick, or (in a tall cell, where it is a small share)
a zigzag whose strokes stand side by side, or a knot of strokes whose pen travelled far for its
size: such a cell beside a tick-like one is taken as a cancelled mark; the tick is then the
answer, for sure only when the scribble is drawn in strokes, not filled solid. A mark is as much
ink as a tick makes of a cell, or, however large the cell, one piece of ink the size of a pen dot
that is not one straight line. A stroke that only passes through a cell (a long stray line, the
tail of a scribble in the cell above) lies mostly outside it: such a stroke is not counted,
whichever cell it crosses; the erased ruling line it crossed is bridged to see that it is one
stroke. Nor is a straight stroke that runs along the ruling above or below the cell, hugging it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from parsers.scan_grid import PxBox

MIN_MARK = 0.012  # share of a cell's inside that a pen mark covers at least …
# … or this many mm² of ink in two dimensions, whatever the cell's size: a pen dot 0.8 mm across
# is under `MIN_MARK` of a criterion cell two text lines high, a speck of dust or a hair line is not
# a mark however small the cell
MARK_AREA_MM2 = 0.45
CLEAR_RATIO = 2.5  # the winner holds this many times the ink of the runner-up
SCRIBBLE = 0.16  # a cell this full of ink is scribbled over, not ticked …
# … or ink crossing the middle of its height this many times or more, in a row: a zigzag drawn over a mark,
# however tall the cell (none of the 1,227 lone marks of the dev and generated official scans crosses
# it more than 3 times; in 34 of the generated set's 53 rows with two marks, one crosses it 4 times or more)
_ZIGZAG_CROSSINGS = 4
# … or the pen's travel (half the outline length of the largest piece of ink) this many times that
# piece's larger side: a scribble packed too tight for its strokes to be told apart. In the 153 rows
# of the generated official scans where a scribble stands beside a mark, the marks travel at most
# 1.8 (tick), 2.7 (cross) and 3.0 (circle) times their size, 144 of the 153 scribbles 3.2–5.9 times
# (most others are zigzags or dense enough); the same within 0.1 at half the resolution
_SCRIBBLE_TRAVEL = 3.2
_INSET = 0.1  # of the cell's smaller side, kept clear of the ruling lines
_PASSING = 2.0  # a stroke with this many times more ink outside the cell than in it passes through
_LINE_WIDTH = 8  # px: a straight pen stroke is at most this thick
_LINE_SHAPE = 0.2  # and at most this thick for its length
_STROKE_SHAPE = 3.0  # a piece of ink this many times longer than wide is one straight stroke, not a dot
_BRIDGE = 9  # px: ink this close is one stroke (an erased ruling line leaves such a gap)
# A straight stroke at least this share of a cell's width, all within this share of its height from
# the ruling above or below, was drawn along that ruling (a scribble's stroke over the row line of
# `doc_0017`, cut from its scribble when the line was erased), not in the cell.
_ALONG_LENGTH = 0.3
_ALONG_BAND = 0.25
_HULL_POINTS = 10  # fewer ink pixels than this have no meaningful shape
_STROKES = 0.7  # a dense cell whose ink fills at most this of its hull is strokes, not a solid fill
_CANCELLED_SURE = 0.92  # one tick beside stroke-drawn scribbles: right in all 7 such rows of the dev scans


@dataclass(frozen=True)
class CellInk:
    share: float  # ink pixels / inside area
    # ink pixels / area of their convex hull: pen strokes with paper between them (a scribble's
    # zigzag, 0.4–0.56 on the dev scans; a large tick 0.3) against a solidly filled cell (near 1)
    solidity: float = 1.0
    # A mark by its own size (`MARK_AREA_MM2`, not one straight line) though too small a share of
    # a large cell to count as one by `MIN_MARK`.
    sized: bool = False
    zigzag: bool = False  # strokes side by side across the ink's middle (`_ZIGZAG_CROSSINGS`)
    knotted: bool = False  # the pen travelled far for the ink's size (`_SCRIBBLE_TRAVEL`)

    @property
    def live(self) -> bool:
        """Whether the cell holds ink enough to be a mark."""
        return self.share >= MIN_MARK or self.sized


@dataclass(frozen=True)
class Decision:
    """The verdict on one level cell: marked or not, cancelled (scribbled out), and how sure."""

    marked: bool
    cancelled: bool
    confidence: float


def ink_share(ink: np.ndarray, box: PxBox) -> float:
    """Share of the cell's inside (`ink` with ruling lines already erased) that is pen ink, strokes
    only passing through left out: all a blank test needs."""
    return _counted(ink, box)[1]


def _counted(ink: np.ndarray, box: PxBox) -> tuple[np.ndarray, float, int]:
    """The cell's inside, its ink share and ink pixel count (strokes only passing through left out)."""
    x0, y0, x1, y1 = box
    inset = max(3, int(_INSET * min(x1 - x0, y1 - y0)))
    inside = ink[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    if inside.size == 0:
        return inside, 0.0, 0
    count = np.count_nonzero(inside)
    if count:
        count -= _passing_ink(ink, box, inset)
    return inside, float(count) / inside.size, int(count)


def measure(ink: np.ndarray, box: PxBox, dpi: float) -> CellInk:
    """What a level cell holds (`ink` with ruling lines already erased)."""
    inside, share, count = _counted(ink, box)
    if inside.size == 0:
        return CellInk(0.0)
    piece = _largest_piece(inside)
    sized = share < MIN_MARK and bool(count * (25.4 / dpi) ** 2 >= MARK_AREA_MM2) and _one_sized_shape(piece, dpi)
    zigzag = _crossings(inside) >= _ZIGZAG_CROSSINGS
    return CellInk(share, _solidity(inside), sized, zigzag, _travel(piece) >= _SCRIBBLE_TRAVEL)


@dataclass(frozen=True)
class _Piece:
    """The cell's largest piece of ink (8-connected): its pixels and its box's width and height."""

    mask: np.ndarray
    area: int
    width: int
    height: int


def _largest_piece(inside: np.ndarray) -> _Piece | None:
    count, labels, stats, _ = cv2.connectedComponentsWithStats((inside > 0).astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return _Piece(labels == largest, int(stats[largest, cv2.CC_STAT_AREA]),
                  int(stats[largest, cv2.CC_STAT_WIDTH]), int(stats[largest, cv2.CC_STAT_HEIGHT]))


def _travel(piece: _Piece | None) -> float:
    """How far the pen went for the size of the cell's largest piece of ink: half the length of
    its outlines (a thin stroke's length, both its sides counted) over the larger side of its
    extent. A straight line 1, a tick 1.5, a circle π less its gaps, a scribble's back and forth
    far more. The largest piece alone, so that a circle beside a stray line is still a circle."""
    if piece is None or piece.area < _HULL_POINTS:
        return 0.0
    outlines, _ = cv2.findContours(piece.mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    return sum(cv2.arcLength(c, True) for c in outlines) / 2 / max(piece.width, piece.height)


def _crossings(inside: np.ndarray) -> float:
    """How many separate strokes a row through the middle three fifths of the ink's height meets
    (the median over those rows): a tick or a cross 1–2, a circle 2, a zigzag one per stroke."""
    rows = np.flatnonzero(inside.any(axis=1))
    if rows.size < 3:
        return 0.0
    fifth = (int(rows[-1]) - int(rows[0])) // 5
    band = (inside[int(rows[0]) + fifth : int(rows[-1]) - fifth + 1] > 0).astype(np.int8)
    starts = (np.diff(band, axis=1) == 1).sum(axis=1) + band[:, 0]
    return float(np.median(starts))


def _one_sized_shape(piece: _Piece | None, dpi: float) -> bool:
    """Whether the cell's largest piece of ink alone is `MARK_AREA_MM2` and not one straight
    stroke: a dot or a small mark, not a sprinkle of noise, a hair line or a slip of the pen."""
    if piece is None or piece.area * (25.4 / dpi) ** 2 < MARK_AREA_MM2:
        return False
    points = np.argwhere(piece.mask)[:, ::-1].astype(np.float32)
    (_cx, _cy), (w, h), _angle = cv2.minAreaRect(points)
    return max(w, h) + 1 < _STROKE_SHAPE * (min(w, h) + 1)


def _solidity(inside: np.ndarray) -> float:
    points = cv2.findNonZero((inside > 0).astype(np.uint8))
    if points is None or len(points) < _HULL_POINTS:
        return 1.0
    hull = float(cv2.contourArea(cv2.convexHull(points)))
    return min(1.0, len(points) / hull) if hull > 0 else 1.0


def _passing_ink(ink: np.ndarray, box: PxBox, inset: int) -> int:
    """Ink inside the cell's inset area that belongs to strokes lying mostly outside the cell:
    straight ones (a long stray line), and those whose middle lies in a cell beside it in the
    row (the ends of a scribble's zigzag reaching over from the next level's cell). A mark drawn
    larger than its cell keeps its middle in it; ink centred above or below (a tick that touches
    the scribble of the row above) is not judged by where its middle is."""
    x0, y0, x1, y1 = box
    margin = min(x1 - x0, y1 - y0)
    wx0, wy0 = max(0, x0 - margin), max(0, y0 - margin)
    wx1, wy1 = min(ink.shape[1], x1 + margin), min(ink.shape[0], y1 + margin)
    window = ink[wy0:wy1, wx0:wx1]
    joined = cv2.dilate(window, np.ones((_BRIDGE, _BRIDGE), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    labels = np.where(window > 0, labels, 0)
    cell = np.zeros(window.shape, bool)
    cell[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0] = True
    core = np.zeros(window.shape, bool)
    core[y0 - wy0 + inset : y1 - wy0 - inset, x0 - wx0 + inset : x1 - wx0 - inset] = True
    in_cell = np.bincount(labels[cell], minlength=count)
    total = np.bincount(labels.ravel(), minlength=count)
    in_core = np.bincount(labels[core], minlength=count)
    outside = total - in_cell
    passing = (outside > _PASSING * in_cell) & (in_core > 0)
    lost = 0
    inked_ys, inked_xs = np.nonzero(labels)  # row by row, as `np.argwhere` gives them
    inked = labels[inked_ys, inked_xs]
    for k in np.flatnonzero(in_core[1:]) + 1:
        of_stroke = inked == k
        ys, xs = inked_ys[of_stroke], inked_xs[of_stroke]
        in_box = (y0 - wy0 <= ys) & (ys < y1 - wy0) & (x0 - wx0 <= xs) & (xs < x1 - wx0)
        inside = np.stack([ys[in_box], xs[in_box]], axis=1)
        if passing[k]:
            beside = y0 - wy0 <= ys.mean() < y1 - wy0 and not x0 - wx0 <= xs.mean() < x1 - wx0
            if beside or _line_like(inside):
                lost += int(in_core[k])
        elif _along_ruling(inside, y1 - y0, x1 - x0, y0 - wy0):
            lost += int(in_core[k])
    return lost


def _along_ruling(points: np.ndarray, height: int, width: int, top: int) -> bool:
    """Whether pixels (row, col) of a piece of ink in a cell whose top is at row `top` are a stroke
    drawn along the ruling line above or below the cell (a scribble's last stroke laid over the
    row line, what erasing the line left of it): straight, as long as `_ALONG_LENGTH` of the cell's
    width, and all within `_ALONG_BAND` of its height from that ruling. A mark is drawn in the cell,
    not along its edge: a tick or a circle reaches further in, a dot is not that long."""
    if len(points) == 0:
        return False
    rows = points[:, 0] - top
    band = _ALONG_BAND * height
    hugs = int(rows.max()) < band or int(rows.min()) >= height - band
    long = int(np.ptp(points[:, 1])) + 1 >= _ALONG_LENGTH * width
    return hugs and long and _line_like(points)


def _line_like(points: np.ndarray) -> bool:
    """Whether pixels (row, col) lie along one straight stroke: a line, not a tick or a cross."""
    if len(points) < 3:
        return True
    (_cx, _cy), (w, h), _angle = cv2.minAreaRect(points[:, ::-1].astype(np.float32))
    return min(w, h) <= max(_LINE_WIDTH, _LINE_SHAPE * max(w, h))


def decide(cells: Sequence[CellInk]) -> list[Decision]:
    """Verdicts for the level cells of one row, judged against each other."""
    shares = [c.share for c in cells]
    order = sorted(range(len(shares)), key=lambda k: -shares[k])
    if not order:
        return []
    live = [k for k in order if cells[k].live]
    scribbled = [k for k in live if shares[k] >= SCRIBBLE or cells[k].zigzag or cells[k].knotted]
    ticks = [k for k in live if k not in scribbled]
    out = [Decision(False, False, _empty_confidence(shares[k])) for k in range(len(shares))]
    if scribbled and len(ticks) == 1:
        # One tick beside a scribble: the scribble cancels a mark, the tick is the answer. Sure
        # when every dense cell is drawn in strokes (a zigzag with paper between its lines, or a
        # knot, whose long outline a solid fill never has): a cell filled solid may be the mark
        # itself, with a stray tick beside it.
        strokes = all(cells[k].solidity <= _STROKES or cells[k].knotted for k in scribbled)
        for k in scribbled:
            out[k] = Decision(False, True, _CANCELLED_SURE if strokes else 0.7)
        out[ticks[0]] = Decision(True, False, _CANCELLED_SURE if strokes else 0.85)
        return out
    if scribbled and len(ticks) > 1 and shares[ticks[0]] >= CLEAR_RATIO * shares[ticks[1]]:
        # One tick beside a scribble whose strokes spill faintly into another cell: the tick
        # still wins, less surely; the faint spill is no mark.
        for k in scribbled:
            out[k] = Decision(False, True, 0.7)
        for k in ticks[1:]:
            out[k] = Decision(False, False, 0.7)
        out[ticks[0]] = Decision(True, False, 0.8)
        return out
    if not live:
        top = shares[order[0]]
        return [Decision(False, False, min(d.confidence, 0.6 if top < MIN_MARK / 2 else 0.4)) for d in out]
    first = order[0]
    second = shares[order[1]] if len(order) > 1 else 0.0
    ratio = shares[first] / max(second, 1e-4)
    if ratio >= CLEAR_RATIO and not any(cells[k].live for k in order[1:]):
        out[first] = Decision(True, False, min(0.99, 0.9 + 0.02 * ratio))
        return out
    if ratio >= CLEAR_RATIO:
        out[first] = Decision(True, False, 0.8)  # a clear winner, but the runner-up holds ink too
        return out
    for k in live:
        out[k] = Decision(True, False, 0.5)  # two marks, or no clear winner
    return out


def _empty_confidence(share: float) -> float:
    """How sure an unmarked cell is empty: less so as it holds more stray ink."""
    return 0.99 if share < MIN_MARK / 2 else 0.85
