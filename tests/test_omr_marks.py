"""What a hand mark in a printed box is: synthetic darkness patches (10 px/mm, a 3.2 mm box at
3 mm in a 9.2 mm patch, as `omr.boxes.measure_boxes` cuts them) read by `measure` + `classify`,
then a group of four by `decide`."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omr.boxes import (
    Box,
    BoxMeasure,
    BoxState,
    Calibration,
    Verdict,
    _neighbour_shifts,
    _outline_scores,
    _outline_template,
    _row_medians,
    classify,
    measure,
    percentile,
)
from omr.choices import REVIEW, decide

SIDE = 92  # patch side, px
X0, X1 = 30, 62  # the printed box's edges, px
CENTRE = (X0 + X1) / 2


def _patch() -> np.ndarray:
    dark = np.zeros((SIDE, SIDE), np.float32)
    cv2.rectangle(dark, (X0, X0), (X1, X1), 0.9, 2)
    return dark


def _soft(dark: np.ndarray) -> np.ndarray:
    """The scanner's blur."""
    return np.asarray(cv2.GaussianBlur(dark, (0, 0), 0.8), dtype=np.float32)


def _read(dark: np.ndarray, outline: float = 0.3) -> tuple[BoxMeasure, Verdict]:
    m = measure(_soft(dark), (0.0, 0.0), Box("b", 3.0, 3.0, 3.2, 3.2), outline)
    return m, classify(m, Calibration(0.0, 0.0))


def _confidence(verdict: Verdict) -> float:
    blank = Verdict(BoxState.EMPTY, 0.0, 1.0)
    return decide({"a": verdict, "b": blank, "c": blank, "d": blank}, required=True).confidence


def _line(dark: np.ndarray, a: tuple[float, float], b: tuple[float, float], width: int, value: float = 1.0) -> None:
    cv2.line(dark, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), value, width, cv2.LINE_AA)


def _cross(dark: np.ndarray, scale: float, width: int = 4) -> None:
    r = 0.42 * scale * (X1 - X0)
    _line(dark, (CENTRE - r, CENTRE - r), (CENTRE + r, CENTRE + r), width)
    _line(dark, (CENTRE + r, CENTRE - r), (CENTRE - r, CENTRE + r), width)


def _tick(dark: np.ndarray, scale: float, width: int = 4) -> None:
    w = X1 - X0
    pts = [(CENTRE + x * scale * w, CENTRE + y * scale * w) for x, y in ((-0.35, 0.0), (-0.05, 0.32), (0.5, -0.55))]
    _line(dark, pts[0], pts[1], width)
    _line(dark, pts[1], pts[2], width)


@pytest.mark.parametrize("draw", [_cross, _tick], ids=["cross", "tick"])
@pytest.mark.parametrize("scale", [1.5, 1.9])
def test_a_mark_drawn_larger_than_its_box_is_that_box_s_mark(draw: object, scale: float) -> None:
    dark = _patch()
    draw(dark, scale)  # type: ignore[operator]
    m, verdict = _read(dark)
    assert m.span > 1.0 and m.centre < 0.3  # followed beyond the outline, centred on the box
    assert verdict.state is BoxState.MARKED
    assert _confidence(verdict) >= REVIEW


def test_a_neighbour_s_overflow_reaching_in_is_not_this_box_s_mark() -> None:
    dark = _patch()
    # One arm of a tick drawn on a box to the right, running on into this one's middle.
    _line(dark, (SIDE + 10, 10), (CENTRE - 2, CENTRE + 4), 4)
    m, verdict = _read(dark)
    assert m.ink > 0.05
    assert verdict.state is not BoxState.MARKED or _confidence(verdict) < REVIEW


def test_a_stray_hair_line_across_the_box_is_not_read_as_a_large_mark() -> None:
    dark = _patch()
    _line(dark, (0, 40), (SIDE, 52), 1, 0.7)
    m, verdict = _read(dark)
    calibration = Calibration(0.0, 0.0)
    assert calibration.empty_limit() < m.ink < calibration.mark_limit()  # too little for a stroke mark
    assert m.span > 1.0 and m.breadth < 0.3  # runs on beyond the box, but has no breadth
    assert verdict.state is not BoxState.MARKED


def test_a_circle_drawn_with_a_thick_pen_over_the_outline_is_a_mark() -> None:
    dark = _patch()
    cv2.circle(dark, (round(CENTRE), round(CENTRE)), 11, 1.0, 12, cv2.LINE_AA)
    m, verdict = _read(dark, outline=0.03)  # the ring hides the outline
    assert m.solid >= 0.3 and m.core < 0.3  # heavy, but hollow
    assert verdict.state is BoxState.MARKED
    assert _confidence(verdict) >= REVIEW


def test_a_thick_pen_circle_just_under_the_half_fill_bar_is_a_sure_mark() -> None:
    """Measures of a circle on the own-forms benchmark: eroded, it keeps 0.29 of the box, just
    under the half-fill bar, but its middle is bare and its ink goes all round."""
    circle = BoxMeasure(Box("b", 3.0, 3.0, 3.2, 3.2), ink=0.8, darkness=0.8, extent=1.0, solid=0.29,
                        outline=0.5, offset=0.01, span=0.8, breadth=0.8, centre=0.03, core=0.0, rim=0.85)
    verdict = classify(circle, Calibration(0.0, 0.0))
    assert verdict.state is BoxState.MARKED and _confidence(verdict) >= REVIEW


def test_half_a_box_filled_is_neither_a_mark_nor_a_cancel() -> None:
    dark = _patch()
    cv2.rectangle(dark, (X0, X0 + 12), (X1, X1), 1.0, -1)  # the bottom 60 %
    m, verdict = _read(dark)
    assert m.core > 0.5 or m.rim < 0.3
    assert verdict.state is BoxState.UNCERTAIN
    assert _confidence(verdict) < REVIEW


def test_a_box_filled_edge_to_edge_is_cancelled() -> None:
    dark = _patch()
    cv2.rectangle(dark, (X0 - 2, X0 - 2), (X1 + 2, X1 + 2), 1.0, -1)
    _, verdict = _read(dark)
    assert verdict.state is BoxState.CANCELLED


@pytest.mark.parametrize("value", [1.0, 0.45], ids=["ink", "pale"])
def test_a_round_dot_is_a_sure_mark(value: float) -> None:
    dark = _patch()
    cv2.circle(dark, (round(CENTRE), round(CENTRE)), 7, value, -1, cv2.LINE_AA)  # 1.4 mm across
    _, verdict = _read(dark)
    assert verdict.state is BoxState.MARKED
    assert _confidence(verdict) >= REVIEW


def test_a_short_thick_stroke_is_not_a_dot() -> None:
    dark = _patch()
    _line(dark, (CENTRE - 5, CENTRE - 3), (CENTRE + 5, CENTRE + 3), 6)
    _, verdict = _read(dark)
    assert verdict.state is not BoxState.MARKED or _confidence(verdict) < REVIEW


def test_a_mark_smaller_than_its_box_with_breadth_is_a_mark_and_a_short_stroke_is_not() -> None:
    """Measures of a circle on the own-forms benchmark whose pen skipped (its largest piece spans
    0.64 of the box, less than a mark must; its pieces together are 0.78 across both ways), and
    of a started mark or a slip of the pen: one short straight stroke, with no breadth."""
    box = Box("b", 3.0, 3.0, 3.2, 3.2)
    circle = BoxMeasure(box, ink=0.192, darkness=0.7, extent=0.64, solid=0.0, outline=0.5, offset=0.07,
                        span=0.78, breadth=0.78, centre=0.01)
    verdict = classify(circle, Calibration(0.0, 0.0))
    assert verdict.state is BoxState.MARKED and _confidence(verdict) >= REVIEW
    stroke = BoxMeasure(box, ink=0.11, darkness=0.7, extent=0.5, solid=0.0, outline=0.5, offset=0.1,
                        span=0.5, breadth=0.15, centre=0.05, elongation=4.0)
    verdict = classify(stroke, Calibration(0.0, 0.0))
    assert verdict.state is not BoxState.MARKED or _confidence(verdict) < REVIEW


def test_a_speck_inside_is_empty() -> None:
    dark = _patch()
    cv2.circle(dark, (round(CENTRE) + 3, round(CENTRE) - 2), 1, 1.0, -1)
    _, verdict = _read(dark)
    assert verdict.state is BoxState.EMPTY


# --- measuring fast, to the last bit ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(0, 255), min_size=1, max_size=400),
    q=st.sampled_from([0.0, 1.0, 37.5, 50.0, 60.0, 92.0, 99.0, 100.0]),
    as_darkness=st.booleans(),
)
def test_percentile_is_numpy_s_to_the_last_bit(values: list[int], q: float, as_darkness: bool) -> None:
    array = np.array(values, np.uint8)
    if as_darkness:  # the float32 darkness of `_blob`, not only the grey bytes of `darkness_map`
        array = np.clip((200.0 - array.astype(np.float32)) / 200.0, 0.0, 1.0).astype(np.float32)
    assert percentile(array, q) == float(np.percentile(array, q))


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 16), columns=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_row_medians_are_numpy_s_to_the_last_bit(rows: int, columns: int, seed: int) -> None:
    side = np.random.default_rng(seed).random((rows, columns)).astype(np.float32)
    assert np.array_equal(_row_medians(side), np.median(side, axis=1))


@settings(max_examples=60, deadline=None)
@given(w=st.integers(25, 90), h=st.integers(25, 90), pad=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_outline_scores_are_the_template_s_correlation(w: int, h: int, pad: int, seed: int) -> None:
    """Summed at the template's corners, the scores are OpenCV's correlation with every pixel of it."""
    box = Box("b", 0.0, 0.0, w / 10, h / 10)
    template = _outline_template(w, h)
    dark = np.random.default_rng(seed).random((template.shape[0] + pad, template.shape[1] + 2 * pad)).astype(np.float32)
    expected = cv2.matchTemplate(dark, template, cv2.TM_CCORR)
    scores = _outline_scores(dark, box)
    assert scores.shape == expected.shape
    assert np.allclose(scores, expected, rtol=0, atol=1e-5)


def _naive_neighbour_shift(box: Box, good: list[tuple[Box, tuple[float, float, float]]]) -> tuple[float, float]:
    near = [s for b, s in good if abs(b.x - box.x) + abs(b.y - box.y) <= 25.0]
    if len(near) < 3:
        near = [s for _, s in good]
    if not near:
        return 0.0, 0.0
    return float(np.median([s[0] for s in near])), float(np.median([s[1] for s in near]))


@pytest.mark.parametrize("found", [0, 2, 5, 40])
def test_neighbour_shifts_are_the_medians_of_each_box_s_neighbours(found: int) -> None:
    rng = np.random.default_rng(found)
    boxes = [Box(f"b{k}", float(x), float(y), 3.2, 3.2) for k, (x, y) in enumerate(rng.uniform(0, 120, (60, 2)))]
    good = [(b, (float(dx), float(dy), 0.3)) for b, (dx, dy) in zip(boxes[:found], rng.normal(0, 0.4, (found, 2)),
                                                                     strict=True)]
    shifts = _neighbour_shifts(boxes, good).tolist()
    assert shifts == [list(_naive_neighbour_shift(box, good)) for box in boxes]
