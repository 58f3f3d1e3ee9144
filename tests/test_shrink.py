"""Cheap smaller copies of page images (`parsers.shrink`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from parsers.shrink import halved, shrunk


def _page(h: int, w: int) -> np.ndarray:
    """Print all over: thin strokes are what a bad reduction loses or aliases."""
    page = np.full((h, w), 235, np.uint8)
    for y in range(15, h, 18):
        for x in range(0, w, 110):
            cv2.putText(page, "HTTNV 07/08", (x, y), 0, 0.5, 20, 1)
    return page


@pytest.mark.parametrize("shape", [(101, 77), (100, 78), (3, 3)])
def test_halving_averages_each_two_by_two_block(shape: tuple[int, int]) -> None:
    page = _page(*shape) if min(shape) > 40 else np.arange(9, dtype=np.uint8).reshape(3, 3) * 20
    half = halved(page)
    h, w = shape[0] // 2, shape[1] // 2
    blocks = page[: 2 * h, : 2 * w].reshape(h, 2, w, 2).astype(float).mean(axis=(1, 3))
    assert half.shape == (h, w)
    assert np.abs(half - blocks).max() <= 0.5 + 1e-9  # rounded to the nearest level


@pytest.mark.parametrize(("shape", "scale"), [((3508, 2481), 1600 / 3508), ((2339, 1654), 0.4), ((1754, 1240), 0.9),
                                              ((1200, 1600), 1.0)])
def test_a_shrunk_page_looks_like_the_area_resize(shape: tuple[int, int], scale: float) -> None:
    page = _page(*shape)
    small = shrunk(page, scale)
    reference = cv2.resize(page, (round(shape[1] * scale), round(shape[0] * scale)), interpolation=cv2.INTER_AREA)
    assert small.shape == reference.shape
    # Thin print resampled on another grid differs by some levels (mean 1-14 here); a sampling
    # that skips pixels (nearest) differs by 23-40 and loses strokes outright (p99 160-195).
    difference = np.abs(small.astype(int) - reference.astype(int))
    assert difference.mean() < 16 and np.percentile(difference, 99) < 100


def test_shrinking_never_enlarges() -> None:
    with pytest.raises(ValueError):
        shrunk(_page(50, 50), 1.5)
