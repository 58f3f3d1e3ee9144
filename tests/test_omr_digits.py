"""The digit reader's decisions around the classifier (`omr.digits`): blank boxes, a sure reading
that needs no second opinion, slanted handwriting put upright."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from omr import digits
from omr.boxes import LOST_OUTLINE, Box, BoxMeasure, _printed_sides

_PATCH_MM = 8.0


def _boxes(outline: float, count: int = 2) -> tuple[list[BoxMeasure], list[tuple[npt.NDArray[np.float32], tuple[float, float]]]]:
    size = round(_PATCH_MM * 10)
    measures = [BoxMeasure(Box(f"digits:n:{k}", 2.0, 2.0, 4.0, 4.0), 0.0, 0.0, 0.0, 0.0, outline) for k in range(count)]
    return measures, [(np.zeros((size, size), np.float32), (0.0, 0.0)) for _ in range(count)]


def test_blank_boxes_are_a_sure_blank_only_where_their_outline_was_seen() -> None:
    measures, darks = _boxes(outline=0.5)
    assert digits.read_number(measures, darks, 0.0).candidates == ((None, 1.0),)
    # Not seen where looked for: the handwriting may be beside the patch, no candidate to add up.
    measures, darks = _boxes(outline=0.1)
    read = digits.read_number(measures, darks, 0.0)
    assert read.value is None and read.confidence < 0.9 and read.candidates == ()
    # Seen, and inked by the measure, yet nothing left once the outline is wiped: no sure blank.
    measures, darks = _boxes(outline=0.5)
    measures = [BoxMeasure(m.box, 0.3, 0.8, 0.6, 0.0, 0.5) for m in measures]
    read = digits.read_number(measures, darks, 0.0)
    assert read.value is None and read.confidence < 0.9 and read.candidates == ()


def test_a_printed_box_is_seen_whatever_is_written_inside_it() -> None:
    """A bold digit filling its box, touching the outline all round, leaves the printed square
    seen; the same digit where no square is printed (the page misregistered there) does not."""
    size = round(_PATCH_MM * 10)
    box = Box("digits:n:0", 2.0, 2.0, 4.0, 4.0)
    printed = np.zeros((size, size), np.float32)
    cv2.rectangle(printed, (20, 20), (60, 60), 0.8, 3)

    def digit(axes: tuple[int, int], pen: int) -> npt.NDArray[np.float32]:
        """A "0" with a stroke through it, crossing the top and bottom sides."""
        ink = np.zeros_like(printed)
        cv2.ellipse(ink, (40, 40), axes, 0, 0, 360, 1.0, pen)
        cv2.line(ink, (40, 18), (40, 62), 1.0, 6)
        return ink

    def blurred(dark: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return np.asarray(cv2.GaussianBlur(dark, (0, 0), 0.8), dtype=np.float32)

    assert _printed_sides(blurred(printed), (0.0, 0.0), box) >= LOST_OUTLINE
    bold = digit((16, 17), 8)  # pressed against all four sides, over them
    assert _printed_sides(blurred(np.maximum(printed, bold)), (0.0, 0.0), box) >= LOST_OUTLINE
    assert _printed_sides(blurred(digit((13, 16), 6)), (0.0, 0.0), box) < LOST_OUTLINE
    assert _printed_sides(np.zeros_like(printed), (0.0, 0.0), box) < LOST_OUTLINE


def test_a_steady_reading_is_not_sent_to_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    measures, darks = _boxes(outline=0.5, count=1)
    cv2.line(darks[0][0], (40, 25), (40, 55), 1.0, 4)
    measures = [BoxMeasure(m.box, 0.2, 0.9, 0.8, 0.0, 0.5) for m in measures]

    def sure(stack: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        probs = np.zeros((len(stack), 10), np.float32)
        probs[:, 1] = 1.0
        return np.ones(len(stack), np.int64), np.full(len(stack), 0.99, np.float32), probs

    def unexpected(_stack: npt.NDArray[np.float32]) -> tuple[str, float]:
        raise AssertionError("Tesseract asked about a sure reading")

    monkeypatch.setattr(digits, "steady", sure)
    monkeypatch.setattr(digits, "_tesseract", unexpected)
    read = digits.read_number(measures, darks, 0.0)
    assert read.value == 1 and read.confidence >= 0.9


def test_a_slanted_stroke_is_put_upright() -> None:
    image = np.zeros((digits.SIDE, digits.SIDE), np.float32)
    cv2.line(image, (18, 4), (10, 23), 1.0, 2)
    upright = digits.upright(image)
    ys, xs = np.nonzero(upright > 0.5)
    assert np.ptp(xs) < 0.5 * np.ptp(ys)
