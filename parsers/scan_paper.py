"""The sheet of paper in a phone photo, warped to an upright rectangle of A4 proportions.

A photo shows the paper against a desk or a cloth: the paper is what differs from the picture's
border. A whole sheet has four corners on its outline. A sheet held close runs off the picture,
so its corners are where its visible sides meet, outside the picture if need be; a side that is
wholly off the picture is put where an A4 sheet's side must be. Warping only what the picture
shows as if it were the whole sheet would stretch it, and the table reader after it expects
level ruling lines and text of the size A4 gives. A whole sheet takes its sides' meeting points
too when they cover it clearly better than its outline's corners do (a folded corner, a side
bowed or in shade).
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

# A4 in inches as rounded before this module was split out (not `pages.A4_LONG_INCHES`, 297/25.4):
# the dev photos' minutes counts flip with a change of scale in the fourth decimal, so it stays.
A4_SHORT_IN, A4_LONG_IN = 8.27, 11.69
_A4_RATIO = A4_LONG_IN / A4_SHORT_IN
_WORK_PX = 600  # the paper is looked for on a copy this long
_PAPER_MIN_AREA = 0.2  # of the photo: a smaller bright quadrilateral is no page
_PAPER_MAX_AREA = 0.97  # beyond this the "paper" is the whole scan: nothing to warp
_PAPER_WHITE = 170  # Lab lightness (0-255) of a border that is paper, not a desk
_DESK_SPREAD = 40.0  # Lab distance within which a border pixel is desk, whatever its texture
_SAME_WHITE = 12.0  # Lab distance within which a light border is the colour of the picture's paper …
_WHITEST = 98  # … the median colour of its pixels at or above this percentile of lightness
_EVEN_LIGHT = 0.5  # the desk fitted as light falling across it spreads less than this share of its spread about one colour
_CUT_PX = 3  # outline points this close to the picture's edge are where the picture cut the paper
_BETTER_COVER = 0.025  # a whole sheet's corners where its sides meet when they cover its outline this much better
_GRAZE = 0.015  # of the picture: where the sides meet this close to the outline's corners, those stand
_DIRECTION_SPAN = 6  # outline points either side that give a point's direction
_IN_LINE_PX = 3.0  # a run this close to a side's line (on the small copy) is more of that side
_SIDE_MIN = 0.15  # of the paper's extent across it: a shorter straight run is no side
_SIDE_BEYOND = 0.98  # a side put off the picture lies beyond this share of what is seen of the paper
_FORESHORTENED = 1.3  # a sheet seen up to this many times longer than A4 is narrowed by a sideways tilt

Side = tuple[np.ndarray, np.ndarray]  # a point on the line and its unit direction


def flatten(image: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """A photo's paper warped to an upright rectangle of A4 proportions; a scan as it is.

    The dpi a phone states says nothing about the paper, so a warped page gets the resolution
    its A4 size implies."""
    quad = paper_quad(image)
    if quad is None:
        return image, dpi
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    long_px = max(width, height)
    if width >= height:
        w, h = long_px, long_px / _A4_RATIO
    else:
        w, h = long_px / _A4_RATIO, long_px
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    warped = cv2.warpPerspective(image, matrix, (int(w), int(h)), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))
    return warped, float(long_px) / A4_LONG_IN


def paper_quad(image: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the bright paper against a darker background, if any."""
    h, w = image.shape[:2]
    scale = _WORK_PX / max(h, w)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    paper = _paper_mask(small)
    if paper is None:
        return None
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline) / (small.shape[0] * small.shape[1])
    if not _PAPER_MIN_AREA <= area <= _PAPER_MAX_AREA:
        return None
    hull = cv2.convexHull(outline)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    points = outline.reshape(-1, 2).astype(np.float64)
    cut = _cut(points, small.shape[1], small.shape[0])
    whole = _order(approx) if len(approx) == 4 else _order(cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float64))
    met = _corners_by_sides(points, cut)
    corners: np.ndarray | None = whole
    if cut.any():
        # The outline's own corners are exact where the sheet is whole or the picture only grazes
        # it; where the picture cuts the sheet they are the cut's, far from where its sides meet.
        if met is None or len(approx) != 4 or np.abs(met - whole).max() > _GRAZE * max(small.shape[:2]):
            corners = met
    elif met is not None and _cover(met, outline) > _cover(whole, outline) + _BETTER_COVER:
        corners = met  # a side bowed or shaded led the outline's corners astray
    return None if corners is None else corners / scale


def _cover(quad: np.ndarray, outline: np.ndarray) -> float:
    """How well a quadrilateral covers the paper's outline: intersection over union of the two."""
    x0, y0 = np.floor(np.minimum(quad.min(axis=0), outline.reshape(-1, 2).min(axis=0))).astype(int) - 1
    x1, y1 = np.ceil(np.maximum(quad.max(axis=0), outline.reshape(-1, 2).max(axis=0))).astype(int) + 2
    shift = np.array([x0, y0])
    a = np.zeros((y1 - y0, x1 - x0), np.uint8)
    b = np.zeros_like(a)
    cv2.fillPoly(a, [np.round(quad - shift).astype(np.int32).reshape(-1, 1, 2)], 1)
    cv2.drawContours(b, [outline - shift.astype(outline.dtype)], -1, 1, -1)
    return float((a & b).sum()) / max(1, int((a | b).sum()))


# OpenCV builds its Lab tables at the first conversion of a process: 70 ms, a twentieth of a
# command reading one photo. Built on a thread of their own while the page is decoded and searched
# for our markers, they cost that command no time. The first conversion waits for them: OpenCV
# builds them unguarded, and two threads building them at once would write the same tables twice.
_colour_tables: threading.Thread | None = None


def make_colour_tables_ahead() -> None:
    """Have OpenCV's Lab tables built on another thread, once a process, before `flatten` needs them."""
    global _colour_tables
    if _colour_tables is None:
        _colour_tables = threading.Thread(target=cv2.cvtColor, args=(np.zeros((1, 1, 3), np.uint8), cv2.COLOR_BGR2LAB),
                                          name="colour-tables", daemon=True)
        _colour_tables.start()


def _paper_mask(small: np.ndarray) -> np.ndarray | None:
    """Paper pixels (255) of a small copy of the photo, or None when its border is white paper
    itself (a flatbed scan: the page is the whole picture)."""
    if _colour_tables is not None:
        _colour_tables.join()
    # The picture's border is the background (desk, cloth); the paper is whatever differs from
    # it in colour or brightness, which holds in a shadow too, where a plain threshold fails.
    lab = cv2.cvtColor(small if small.ndim == 3 else cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2LAB)
    lab = cv2.GaussianBlur(lab, (7, 7), 0).astype(np.float32)
    edge = max(3, int(0.02 * max(lab.shape[:2])))
    # the picture's four edges, each `edge` deep (x, y of each pixel): its corners taken twice
    ys, xs = np.mgrid[0 : lab.shape[0], 0 : lab.shape[1]]
    grid = np.dstack([xs, ys])
    strips = (np.s_[:edge], np.s_[-edge:], np.s_[:, :edge], np.s_[:, -edge:])
    border = np.concatenate([lab[strip].reshape(-1, 3) for strip in strips])
    where = np.concatenate([grid[strip].reshape(-1, 2) for strip in strips])
    background = np.median(border, axis=0)
    if background[0] > _PAPER_WHITE and (abs(background[1] - 128) + abs(background[2] - 128) < 20
                                         or np.linalg.norm(background - _whitest(lab)) < _SAME_WHITE):
        return None
    distance = np.linalg.norm(lab - background, axis=2)
    # Paper is what lies beyond the background's own spread (its texture, its light falloff);
    # where the paper runs off the picture, its own pixels on the border are no part of that.
    on_border = np.linalg.norm(border - background, axis=1)
    desk = on_border < max(_DESK_SPREAD, 4 * float(np.median(on_border)))
    spread = float(np.percentile(on_border[desk], 95))
    falling = _light_falling(lab, grid, border[desk], where[desk], spread)
    if falling is not None:
        distance, spread = falling
    bright = (distance > max(20.0, 1.5 * spread)).astype(np.uint8) * 255
    return cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))


def _whitest(lab: np.ndarray) -> np.ndarray:
    """The colour of the picture's lightest pixels: its paper's white, whatever the light's tint.
    A scan under a warm lamp, or a phone's white balance, is yellow all over (B 180, G 225, R 250):
    its border is no grey white, yet the colour of the paper, and the page is the whole picture
    (dev scans taken again so: 6 of 15 were warped to a quadrilateral found in the page's own text,
    and read as nothing)."""
    lightness = lab[..., 0]
    return np.asarray(np.median(lab[lightness >= np.percentile(lightness, _WHITEST)], axis=0))


def _light_falling(lab: np.ndarray, grid: np.ndarray, desk: np.ndarray, where: np.ndarray, spread: float
                   ) -> tuple[np.ndarray, float] | None:
    """Each pixel's distance from the desk as the light falls across the picture, and the desk's
    spread about it; None when the light is even enough that one colour stands for the desk.

    A shadow across the photo (the phone held over the page) darkens desk and paper alike: the
    desk's lightness ran from 62 to 119 across dev `doc_0015` in shadow, its spread about one
    colour hid the paper in the shade (L 135–149), and the sheet's outline lost its lower left
    corner. The desk (`desk`, its border pixels' colours; `where`, their x and y) is fitted as a
    colour changing evenly across the picture, a plane in x and y per channel, and taken so
    where that halves its spread (`grid`: every pixel's x and y)."""
    design = np.column_stack([np.ones(len(where)), where])
    coefficients, *_ = np.linalg.lstsq(design, desk, rcond=None)
    fitted_spread = float(np.percentile(np.linalg.norm(desk - design @ coefficients, axis=1), 95))
    if fitted_spread > _EVEN_LIGHT * spread:
        return None
    plane = coefficients[0] + grid @ coefficients[1:]
    return np.linalg.norm(lab - plane, axis=2), fitted_spread


def _cut(points: np.ndarray, w: int, h: int) -> np.ndarray:
    """Which outline points lie on the picture's edge, where the picture cut the paper."""
    xs, ys = points[:, 0], points[:, 1]
    return (xs <= _CUT_PX) | (xs >= w - 1 - _CUT_PX) | (ys <= _CUT_PX) | (ys >= h - 1 - _CUT_PX)


def _corners_by_sides(points: np.ndarray, cut: np.ndarray) -> np.ndarray | None:
    """Corners where the sheet's visible sides meet, with a side wholly off the picture put at A4
    proportions from the side opposite it. None when fewer than three sides show (the paper fills
    the picture: a close-up, read as it is)."""
    centre = points[~cut].mean(axis=0) if (~cut).any() else points.mean(axis=0)
    found = _sides(points, cut, centre)
    missing = [k for k, side in enumerate(found) if side is None]
    if len(missing) > 1:
        return None
    sides = _put_missing_side(found, missing[0], points[~cut], centre) if missing else [s for s in found if s is not None]
    if sides is None:
        return None
    corners = [_meet(sides[k - 1], sides[k]) for k in range(4)]  # tl, tr, br, bl
    if any(c is None for c in corners):
        return None
    quad = np.array(corners, dtype=np.float64)
    return quad if cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)) else None


def _sides(points: np.ndarray, cut: np.ndarray, centre: np.ndarray) -> list[Side | None]:
    """The sheet's top, right, bottom and left sides as lines fitted to the visible outline
    that runs along them (a side seen too short to trust is None).

    The outline is cut into straight runs by direction; a side is its longest run on its side of
    the centre, with the runs in line with it (a side broken by a notch of shadow). A short spur
    (a mark or a finger at the paper's edge) is neither."""
    ahead = np.roll(points, -_DIRECTION_SPAN, axis=0)
    behind = np.roll(points, _DIRECTION_SPAN, axis=0)
    step = ahead - behind
    kind = np.zeros(len(points), dtype=np.int8)
    kind[np.abs(step[:, 0]) > 2 * np.abs(step[:, 1])] = 1  # runs across
    kind[np.abs(step[:, 1]) > 2 * np.abs(step[:, 0])] = 2  # runs down
    # a point next to a cut has a direction half made of the picture's edge
    padded = np.concatenate([cut[-_DIRECTION_SPAN:], cut, cut[:_DIRECTION_SPAN]]).astype(np.float64)
    kind[np.convolve(padded, np.ones(2 * _DIRECTION_SPAN + 1), "valid") > 0] = 0
    runs = [(kind[r[0]], points[r]) for r in _runs(kind) if kind[r[0]]]
    extent = points.max(axis=0) - points.min(axis=0)
    sides: list[Side | None] = []
    for k in range(4):  # top, right, bottom, left
        axis = 0 if k % 2 == 0 else 1  # a top or bottom side runs along x
        sign = -1 if k in (0, 3) else 1  # top and left lie before the centre
        own = [run for kind_, run in runs if kind_ == axis + 1 and sign * (run[:, 1 - axis].mean() - centre[1 - axis]) > 0]
        if not own:
            sides.append(None)
            continue
        line = _fit(max(own, key=len))
        along = np.concatenate([run for run in own if _distance(run, line).mean() < _IN_LINE_PX])
        if np.ptp(along[:, axis]) < _SIDE_MIN * extent[axis]:
            sides.append(None)
            continue
        sides.append(_fit(along))
    return sides


def _runs(kind: np.ndarray) -> list[np.ndarray]:
    """Indices of the outline's runs of one kind, in order round the (closed) outline."""
    change = np.flatnonzero(kind != np.roll(kind, 1))
    if not len(change):
        return [np.arange(len(kind))]
    return [np.arange(start, end) % len(kind) for start, end in zip(change, [*change[1:], change[0] + len(kind)], strict=True)]


def _fit(points: np.ndarray) -> Side:
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def _distance(points: np.ndarray, line: Side) -> np.ndarray:
    (x0, y0), (vx, vy) = line
    return np.asarray(np.abs((points[:, 0] - x0) * vy - (points[:, 1] - y0) * vx), dtype=np.float64)


def _put_missing_side(sides: list[Side | None], missing: int, seen: np.ndarray, centre: np.ndarray) -> list[Side] | None:
    """The four sides, the one off the picture put parallel to its opposite side at the nearer
    of the two A4 lengths (the sheet upright or lying) that leaves all the seen paper inside. A
    sheet photographed from one side looks narrower, so that no A4 length holds what is seen of
    it: the side is then put at the end of the seen paper, where the picture cuts it."""
    opposite, before, after = sides[(missing + 2) % 4], sides[(missing - 1) % 4], sides[(missing + 1) % 4]
    if opposite is None or before is None or after is None:
        return None
    a, b = _meet(opposite, before), _meet(opposite, after)
    if a is None or b is None:
        return None
    toward_a = _toward(before[1], centre - a)
    toward_b = _toward(after[1], centre - b)
    width = float(np.linalg.norm(b - a))
    reach = float(((seen - a) @ toward_a).max())  # how far the seen paper goes from the opposite side
    fitting = [length for length in sorted((width * _A4_RATIO, width / _A4_RATIO)) if length >= _SIDE_BEYOND * reach]
    if fitting:
        length = fitting[0]
    elif reach <= _FORESHORTENED * width * _A4_RATIO:
        length = reach  # narrowed by a sideways tilt, the sheet looks longer than A4: cut where the picture ends
    else:
        return None
    start, end = a + length * toward_a, b + length * toward_b
    direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-9)
    out = list(sides)
    out[missing] = (start, direction)
    return [side for side in out if side is not None]


def _toward(direction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`direction` or its reverse, whichever points to `target`'s side."""
    return direction if float(direction @ target) >= 0 else -direction


def _meet(first: Side, second: Side) -> np.ndarray | None:
    """Where two lines cross (None when they are nearly parallel)."""
    (p, u), (q, v) = first, second
    det = u[0] * v[1] - u[1] * v[0]
    if abs(det) < 1e-6:
        return None
    t = ((q[0] - p[0]) * v[1] - (q[1] - p[1]) * v[0]) / det
    return np.asarray(p + t * u, dtype=np.float64)


def _order(points: np.ndarray) -> np.ndarray:
    """tl, tr, br, bl: the smallest and largest x+y, the smallest and largest y-x."""
    s = points.sum(axis=1)
    d = points[:, 1] - points[:, 0]
    return np.array([points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]])
