"""The perspective a photo keeps after flattening, undone from the page's own ruling lines.

A sheet that runs off the picture has corners that are guessed (`scan_paper`), and a guess off by
a few percent leaves the page in perspective: the table's rows fan out (level in the middle,
sloping by two degrees at the top and the other way at the bottom) and its columns may lean or
converge. One angle of deskew cannot level all rows at once, and a row line that slopes by more
than its own thickness over a cell is lost to the grid reader.

A table's rulings are straight lines that are parallel on paper, so in the picture each family
(rows, columns) meets in one vanishing point. Mapping both points back to infinity, each in its
own direction, makes every ruling level or upright again: the homography of Hartley and
Zisserman's affine-then-metric rectification, from line families instead of a known square.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

log = logging.getLogger(__name__)

_KERNEL_IN = 0.16  # a ruling is ink running this far straight (no letter does): 4 mm
_MIN_SEGMENT_IN = 1.5  # a shorter straight run says too little about its slope
_THIN_PX = 2.5  # spread across a fitted run beyond which it is no single thin ruling
_MAX_ANGLE_DEG = 6.0  # a family's lines lie within this of level (or upright) after deskewing
_MIN_SPREAD = 0.25  # of the page across them: rulings closer together tell no fan from noise
_MIN_LINES = 4  # distinct rulings of a family needed to find its vanishing point
_DISTINCT_PX = 6  # segments whose middles lie this close across them are one ruling
_FIT_DEG = 0.12  # a family fits one vanishing point when its rulings miss it by no more than this
_MIN_SHIFT_PX = 6.0  # rectifying would move no corner of the page further: within what the grid reader allows


@dataclass(frozen=True)
class _Segment:
    """A straight run of ruling, in coordinates centred on the page and scaled by its size."""

    line: np.ndarray  # homogeneous (a, b, c) with a² + b² = 1
    middle: np.ndarray
    length: float


def rectify(image: np.ndarray, ink: np.ndarray, dpi: float) -> np.ndarray:
    """The page with its rulings made level and upright, or the page itself when they already
    are, or when they are too few or too crooked (a curled sheet) to say how to make them so."""
    h, w = ink.shape[:2]
    scale = max(h, w) / 2.0
    centre = np.array([w / 2.0, h / 2.0])
    rows = _family(_segments(ink, dpi, across=False), centre, scale, axis=1, extent=h / scale)
    if rows is None:
        return image
    columns = _family(_segments(ink, dpi, across=True), centre, scale, axis=0, extent=w / scale)
    if columns is None:
        columns = np.array([0.0, 1.0, 0.0])  # no columns to go by: upright stays upright
    matrix = _homography(rows, columns, centre, scale)
    if matrix is None:
        return image
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    moved = cv2.perspectiveTransform(corners.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    shift = float(np.linalg.norm(moved - corners, axis=1).max())
    if shift < _MIN_SHIFT_PX:
        return image
    log.debug("rectified the page's rulings: corners moved up to %.1f px", shift)
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def _segments(ink: np.ndarray, dpi: float, *, across: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Long straight runs of ruling, as end points: rows (`across` False) or columns. Each is a
    line fitted to one piece of ink left by an opening along it; a piece that is no thin straight
    line (two rulings joined by a crease, a bent edge) is left out."""
    reach = max(3, int(_KERNEL_IN * dpi))
    kernel = np.ones((reach, 1) if across else (1, reach), np.uint8)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    along = cv2.CC_STAT_HEIGHT if across else cv2.CC_STAT_WIDTH
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(1, count):
        if stats[k, along] < _MIN_SEGMENT_IN * dpi:
            continue
        x, y, w, h = (int(v) for v in stats[k, :4])
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == k)
        points = np.column_stack([xs + x, ys + y]).astype(np.float64)
        p0, direction = _fit(points)
        offsets = (points - p0) @ direction
        normal = np.array([-direction[1], direction[0]])
        if float(np.std((points - p0) @ normal)) > _THIN_PX:
            continue
        found.append((p0 + offsets.min() * direction, p0 + offsets.max() * direction))
    return found


def _fit(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def _family(ends: list[tuple[np.ndarray, np.ndarray]], centre: np.ndarray, scale: float, axis: int,
            extent: float) -> np.ndarray | None:
    """The vanishing point (homogeneous, unit length) of one family of rulings: rows lie along
    x (`axis` 1 is the coordinate across them), columns along y. None when the rulings are too
    few, too close together, or do not meet in one point."""
    segments: list[_Segment] = []
    for p, q in ends:
        step = q - p
        angle = np.degrees(np.arctan2(step[axis], step[1 - axis]))
        angle = (angle + 90.0) % 180.0 - 90.0
        if abs(angle) > _MAX_ANGLE_DEG:
            continue
        a, b = (p - centre) / scale, (q - centre) / scale
        line = np.cross([*a, 1.0], [*b, 1.0])
        line /= np.hypot(line[0], line[1])
        segments.append(_Segment(line, (a + b) / 2.0, float(np.linalg.norm(b - a))))
    across = sorted(s.middle[axis] for s in segments)
    distinct = 1 + sum(1 for x, y in pairwise(across) if (y - x) * scale > _DISTINCT_PX) if across else 0
    if distinct < _MIN_LINES or across[-1] - across[0] < _MIN_SPREAD * extent:
        return None
    for _round in range(2):  # fit, drop what misses the point (a crease, a stroke of pen), fit again
        point = _meet_all(segments)
        misses = [_miss_deg(s, point) for s in segments]
        kept = [s for s, miss in zip(segments, misses, strict=True) if miss <= 2 * _FIT_DEG]
        if len(kept) < len(segments) // 2 or len(kept) < _MIN_LINES:
            return None
        segments = kept
    point = _meet_all(segments)
    if max(_miss_deg(s, point) for s in segments) > 2 * _FIT_DEG or _weighted_miss(segments, point) > _FIT_DEG:
        return None
    return point


def _meet_all(segments: list[_Segment]) -> np.ndarray:
    """The point nearest all the lines, each weighted by its length (least squares, by SVD)."""
    stacked = np.array([s.line * np.sqrt(s.length) for s in segments])
    _, _, vt = np.linalg.svd(stacked)
    point = vt[-1]
    return np.asarray(point / np.linalg.norm(point), dtype=np.float64)


def _miss_deg(segment: _Segment, point: np.ndarray) -> float:
    """Degrees between a segment and the line from its middle to the vanishing point."""
    mx, my = segment.middle
    toward = point[:2] - point[2] * np.array([mx, my])  # direction to the point, finite or not
    direction = np.array([segment.line[1], -segment.line[0]])
    cos = abs(float(direction @ toward)) / max(float(np.linalg.norm(toward)), 1e-12)
    return float(np.degrees(np.arccos(min(1.0, cos))))


def _weighted_miss(segments: list[_Segment], point: np.ndarray) -> float:
    weights = np.array([s.length for s in segments])
    misses = np.array([_miss_deg(s, point) for s in segments])
    return float(np.sqrt((weights * misses**2).sum() / weights.sum()))


def _homography(rows: np.ndarray, columns: np.ndarray, centre: np.ndarray, scale: float) -> np.ndarray | None:
    """Pixels to pixels: rows' point sent to infinity along x, columns' along y, the page's
    middle kept in place at its scale."""
    horizon = np.cross(rows, columns)  # the line through both vanishing points
    if abs(horizon[2]) < 1e-9:
        return None  # a horizon through the page's middle: no photo of a flat sheet looks so
    projective = np.eye(3)
    projective[2] = horizon / horizon[2]
    along, down = rows[:2] * np.sign(rows[0] or 1.0), columns[:2] * np.sign(columns[1] or 1.0)
    basis = np.column_stack([along / np.linalg.norm(along), down / np.linalg.norm(down)])
    if abs(np.linalg.det(basis)) < 0.5:
        return None  # rows and columns nearly alike: not a table's rulings
    affine = np.eye(3)
    affine[:2, :2] = np.linalg.inv(basis)
    rectified = affine @ projective
    to_unit = np.array([[1 / scale, 0, -centre[0] / scale], [0, 1 / scale, -centre[1] / scale], [0, 0, 1]])
    return np.asarray(np.linalg.inv(to_unit) @ _keep_origin(rectified) @ to_unit)


def _keep_origin(matrix: np.ndarray) -> np.ndarray:
    """`matrix` followed by the similarity that brings the origin back onto itself with the same
    area around it (the rectification decides shapes, not where or how big the page is)."""
    m = matrix / matrix[2, 2]
    jacobian = m[:2, :2] - np.outer(m[:2, 2], m[2, :2])
    size = np.sqrt(abs(np.linalg.det(jacobian)))
    back = np.eye(3)
    back[:2, :2] /= size
    back[:2, 2] = -m[:2, 2] / size
    return np.asarray(back @ m, dtype=np.float64)
