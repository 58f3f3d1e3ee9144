"""How dark black came out on this page: the print's contrast, read from the corner markers.

A box's ink is judged at a fixed share of the paper's brightness (`omr.boxes.INK`). On a
low-contrast scan or a washed-out photo, black prints as mid grey and a pencil tick as a
shade above paper: the fixed level then misses marks a usual page shows plainly. The
markers are the one print on every page that is solid black and wide (1.25 mm borders), so
their darkness is the page's contrast, untouched by blur, which greys thin lines (the boxes'
outlines, a pencil stroke) but not a wide black area.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from omr.boxes import percentile
from parsers.page_marks import Points

# A marker's black over its paper on a usual scan or photo. On the own-forms benchmark (125
# pages) usual pages measure 0.87–1.0 and the generator's low-contrast ones 0.61–0.77.
USUAL_CONTRAST = 0.9
_FLOOR = 0.4  # a bound on the stretch (×2.5), well under the faintest page measured (0.61)
_QUIET = 1 / 6  # the white band around an ArUco square, as a share of its side
_BLACK, _PAPER = 10, 95  # percentiles of a marker's window that are its black border and its paper


def print_gain(gray: npt.NDArray[np.uint8], markers: dict[str, Points]) -> float:
    """How dark the page prints black, as a share of a usual page's (at most 1): the page's
    darkness is stretched back by it before boxes are measured (`omr.boxes.measure_boxes`)."""
    contrasts = [c for c in (_marker_contrast(gray, points.reshape(-1, 2)[:4])
                             for points in markers.values()) if c is not None]
    if not contrasts:
        return 1.0
    return min(1.0, max(_FLOOR, float(np.median(contrasts)) / USUAL_CONTRAST))


def _marker_contrast(gray: npt.NDArray[np.uint8], corners: npt.NDArray[np.float32]) -> float | None:
    """Black over paper in the window of one marker and its quiet zone: at least two fifths of
    the window is the marker's black (its border and data), half of it the paper around."""
    side = float(np.linalg.norm(corners[1] - corners[0]))
    (x0, y0), (x1, y1) = corners.min(axis=0) - side * _QUIET, corners.max(axis=0) + side * _QUIET
    h, w = gray.shape[:2]
    window = gray[max(0, int(y0)):min(h, int(y1) + 1), max(0, int(x0)):min(w, int(x1) + 1)]
    if window.size < 16:
        return None
    black, paper = percentile(window, _BLACK), percentile(window, _PAPER)
    return (paper - black) / max(paper, 60.0)
