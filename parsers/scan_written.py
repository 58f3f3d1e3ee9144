"""The writing in a table cell, followed past the cell's side rulings where the pen crossed them.

A secretary filling a narrow column starts the line at the very edge of the cell, and the first
letter runs over the left ruling (the dev corpus's Mẫu 06: four of seven branch cells of one
page). Cut at the ruling, the K of "KHTNV" is lost and "HTNV" is read for sure; a stub of an H
reads as an I. The grid reader has already painted the rulings out (`_PageReader.gray`), which
leaves the part of the letter beyond the ruling as a piece of its own: such a piece is the cell's
writing when a stroke of it meets the ruling at the height where a stroke inside the cell leaves it.
Writing of the next cell that merely comes near the ruling does not meet a stroke there.

Whatever of a letter lay on the ruling itself is painted out with it: a K standing on the ruling
(nothing beyond meets the strokes that run into it: the writing was cut), or the left stem of an H
whose crossbar crosses it ("-ITNV" was read for a HTNV). So the crop also says whether its writing
was cut at the left ruling, or merely ran into it; a rating read from it is then not taken for
sure unless something else checks it ("HTNV" may be a KHTNV whose K stood on the ruling).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from parsers.scan_grid import PxBox
from parsers.scan_rating import LIGHT_STROKE

INSET = 3  # pixels kept clear of a ruling inside a cell
_REACH_IN = 0.08  # how far past its ruling a letter is followed (2 mm)
_WIDEST = 10  # pixels from a ruling to the edge of the band painted out around it …
_PAINTED = 0.9  # … a column of which is painted down this share of the cell
_TOUCH = 3  # columns either side of that band in which a stroke counts as meeting the ruling
_ROWS = 2  # a stroke crossing at a slant meets the two sides this many rows apart


@dataclass(frozen=True)
class Written:
    """A cell's writing on white; whether its start was cut at the left ruling (strokes run into
    it that nothing beyond meets), and whether it ran into the left or the right ruling at all (a
    stroke may lie unseen, or most of the writing in the next cell)."""

    image: np.ndarray
    cut_start: bool
    runs_into_start: bool = False
    runs_into_end: bool = False


def written_crop(gray: np.ndarray, ink: np.ndarray, ruled: np.ndarray, erased: np.ndarray, box: PxBox, dpi: float,
                 pad: int, one_answer: bool = False) -> Written:
    """The inside of the cell `box` on white, widened with the pieces of writing that cross its
    left or right ruling, padded with `pad` white pixels. `gray` and `ink` are the page with its
    rulings painted out where `erased` is true, `ruled` the page as printed (whose pixels bridge a
    stroke over the painted band). `one_answer`: the cell holds one word or phrase (a rating), so
    writing at its right ruling far apart from it is the next cell's (`_without_next_cells`)."""
    x0, y0, x1, y1 = box
    top, bottom = y0 + INSET, y1 - INSET
    if bottom <= top or x1 - x0 <= 2 * INSET:
        return Written(np.zeros((0, 0), np.uint8), False)
    reach = round(_REACH_IN * dpi)
    left, right = max(0, x0 - reach), min(gray.shape[1], x1 + reach)
    out = np.full((bottom - top, right - left), 255, np.uint8)
    out[:, x0 + INSET - left : x1 - INSET - left] = gray[top:bottom, x0 + INSET : x1 - INSET]
    region = ink[top:bottom, left:right] > 0
    (cut, runs_in), (_, runs_out) = (
        _follow(out, region, ruling, outward, gray[top:bottom, left:right], ruled[top:bottom, left:right],
                erased[top:bottom, left:right])
        for ruling, outward in ((x0 - left, -1), (x1 - left, 1)))
    if one_answer and runs_out:
        _without_next_cells(out, x1 - INSET - left)
    # as wide as the inside and what was followed: OCR reads a crop differently with more margin
    written = np.nonzero((out < 255).any(axis=0))[0]
    start = min(x0 + INSET - left, int(written[0]) if written.size else out.shape[1])
    end = max(x1 - INSET - left, int(written[-1]) + 1 if written.size else 0)
    return Written(cv2.copyMakeBorder(out[:, start:end], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255), cut,
                   runs_in, runs_out)


_APART = 0.6  # of the writing's height: wider than a word gap in a hand (0.3–0.5), so not this cell's


def _without_next_cells(out: np.ndarray, inner_end: int) -> None:
    """Wipe (in place) the writing at the right ruling that stands further from the rest than a
    word gap (`_APART`): the first letter of the next cell's answer, written from that cell's very
    edge, lies on this side of the ruling ("KHTNV" and, a word's width away, an "H"), and read with
    the answer it made "HTAV" of a KHTNV, then HTNV, sure with the shape model's consent. A
    letter of this cell's own writing that runs into the ruling stands no further than a word gap."""
    mask = cv2.dilate((out < LIGHT_STROKE).astype(np.uint8), np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    right = stats[1:, cv2.CC_STAT_LEFT] + stats[1:, cv2.CC_STAT_WIDTH]
    at_ruling = [k + 1 for k in range(count - 1) if right[k] >= inner_end - _TOUCH]
    rest = [k for k in range(1, count) if k not in at_ruling]
    if not at_ruling or not rest:
        return
    gap = min(int(stats[k, cv2.CC_STAT_LEFT]) for k in at_ruling) - max(int(right[k - 1]) for k in rest)
    if gap > _APART * max(int(stats[k, cv2.CC_STAT_HEIGHT]) for k in rest):
        out[np.isin(labels, at_ruling)] = 255


def _follow(out: np.ndarray, region: np.ndarray, ruling: int, outward: int, gray: np.ndarray,
            ruled: np.ndarray, erased: np.ndarray) -> tuple[bool, bool]:
    """Copy into `out` (in place) the pieces beyond one ruling that meet a stroke of the inside;
    whether a stroke of the inside runs into the ruling's band where nothing beyond meets it, and
    whether one runs into it at all."""
    width = region.shape[1]
    near, far = _painted_band(erased, ruling)
    if outward < 0:
        edge, inner = near, far  # the band's outer and inner columns, exclusive
        beyond = region.copy()
        beyond[:, edge:] = False
        meets_beyond = region[:, max(0, edge - _TOUCH) : edge].any(axis=1)
        meets_inside = region[:, inner : inner + _TOUCH].any(axis=1)
        band = slice(max(0, edge - _TOUCH), edge)
    else:
        edge, inner = far, near
        beyond = region.copy()
        beyond[:, :edge] = False
        meets_beyond = region[:, edge : edge + _TOUCH].any(axis=1)
        meets_inside = region[:, max(0, inner - _TOUCH) : inner].any(axis=1)
        band = slice(edge, edge + _TOUCH)
    crossing: np.ndarray = np.logical_and(meets_beyond, _near(meets_inside))
    lost = bool(np.logical_and(meets_inside, ~_near(crossing)).any())
    touching = bool(meets_inside.any())
    if not crossing.any():
        return lost, touching
    _, labels = cv2.connectedComponents(beyond.astype(np.uint8), connectivity=8)
    meeting = sorted(set(np.unique(labels[crossing][:, band]).tolist()) - {0})
    keep = np.isin(labels, meeting)
    out[keep] = gray[keep]
    rows = np.nonzero(crossing)[0]
    lo, hi = min(edge, inner), min(width, max(edge, inner))
    out[np.ix_(rows, np.arange(lo, hi))] = ruled[np.ix_(rows, np.arange(lo, hi))]
    return lost, touching


def _near(rows: np.ndarray | np.bool_) -> np.ndarray:
    """The rows within `_ROWS` of any of `rows` (a stroke crossing at a slant)."""
    kernel = np.ones(2 * _ROWS + 1, np.uint8)
    return np.convolve(np.asarray(rows, np.uint8), kernel, mode="same") > 0


def _painted_band(erased: np.ndarray, ruling: int) -> tuple[int, int]:
    """The columns [start, end) around a ruling that the grid reader painted white down most of
    the cell, at most `_WIDEST` from it either way."""
    width = erased.shape[1]
    painted = erased.mean(axis=0) >= _PAINTED
    start = end = min(max(ruling, 0), width - 1)
    while start > 0 and ruling - start < _WIDEST and painted[start - 1]:
        start -= 1
    while end < width and end - ruling < _WIDEST and painted[end]:
        end += 1
    return start, end
