"""Marks in the level cells of a scanned grid, decided by ink, never by OCR.

A tick, a cross, a dot or a circle is only ink to OCR. What tells a marked cell from an empty one
is how much pen ink it holds compared with the other level cells of its row: ruling lines are
erased first, stamp ink is not ink (`Sheet.gray`), and each cell is measured inside its border so
that a tick overflowing from the next cell weighs little. A row is read only when one cell wins by
a clear margin; an empty row, two marks or a close call come out with a low confidence so that a
person decides. A scribble is far denser than a tick: a dense cell beside a tick-like one is taken
as a cancelled mark, and is itself flagged for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parsers.scan_grid import PxBox

MIN_MARK = 0.012  # share of a cell's inside that a pen mark covers at least
CLEAR_RATIO = 2.5  # the winner holds this many times the ink of the runner-up
SCRIBBLE = 0.16  # a cell this full of ink is scribbled over, not ticked
_INSET = 0.1  # of the cell's smaller side, kept clear of the ruling lines


@dataclass(frozen=True)
class CellInk:
    share: float  # ink pixels / inside area


@dataclass(frozen=True)
class Decision:
    """The verdict on one level cell: marked or not, cancelled (scribbled out), and how sure."""

    marked: bool
    cancelled: bool
    confidence: float


def measure(ink: np.ndarray, box: PxBox) -> CellInk:
    """Ink share inside the cell (`ink` with ruling lines already erased)."""
    x0, y0, x1, y1 = box
    inset = max(3, int(_INSET * min(x1 - x0, y1 - y0)))
    inside = ink[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    if inside.size == 0:
        return CellInk(0.0)
    return CellInk(float(np.count_nonzero(inside)) / inside.size)


def decide(cells: Sequence[CellInk]) -> list[Decision]:
    """Verdicts for the level cells of one row, judged against each other."""
    shares = [c.share for c in cells]
    order = sorted(range(len(shares)), key=lambda k: -shares[k])
    if not order:
        return []
    live = [k for k in order if shares[k] >= MIN_MARK]
    scribbled = [k for k in live if shares[k] >= SCRIBBLE]
    ticks = [k for k in live if shares[k] < SCRIBBLE]
    out = [Decision(False, False, _empty_confidence(shares[k])) for k in range(len(shares))]
    if scribbled and len(ticks) == 1:
        # One tick beside a scribble: the scribble cancels a mark, the tick is the answer.
        for k in scribbled:
            out[k] = Decision(False, True, 0.7)
        out[ticks[0]] = Decision(True, False, 0.85)
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
    if ratio >= CLEAR_RATIO and second < MIN_MARK:
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
