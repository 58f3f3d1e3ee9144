"""Smaller copies of page images, cheaply.

OpenCV's area resize has a fast path for exact 2× reductions that is some thirty times cheaper
than its general one (0.4 ms against 12 ms for a 300 dpi page), taken only when both sides halve
exactly. So a page is halved (its odd last row or column dropped) while that keeps it at or above
the size asked for, and only the last step, by a factor between ½ and 1, is interpolated.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]


def halved(image: Image) -> Image:
    """2×2 averages: pixel (i, j) of the result is the mean of pixels 2i, 2i+1 × 2j, 2j+1."""
    h, w = image.shape[0] // 2, image.shape[1] // 2
    return np.asarray(cv2.resize(image[: 2 * h, : 2 * w], (w, h), interpolation=cv2.INTER_AREA))


def shrunk(image: Image, scale: float) -> Image:
    """The image resized by `scale` (≤ 1), to within a pixel of `cv2.resize(image, None, fx=scale,
    fy=scale)`: halved while the rest of the reduction is at most ½, then interpolated linearly
    (at a factor above ½ every source pixel still counts, so nothing aliases)."""
    if scale > 1:
        raise ValueError(f"scale must be at most 1, not {scale}")
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    while image.shape[1] >= 2 * size[0] and image.shape[0] >= 2 * size[1]:
        image = halved(image)
    if (image.shape[1], image.shape[0]) == size:
        return image
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR))
