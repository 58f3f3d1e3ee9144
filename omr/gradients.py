"""Histograms of oriented gradients, the features both small shape classifiers see beside (or
instead of) pixels: the rating shapes (`parsers.rating_shapes`) and the digits' second network
(`omr.digits`). A stroke's direction survives the thickening, thinning and blur that move its
pixels, which is why a network on gradients errs on other digits than one on pixels."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from omr.network import Floats


def gradient_histogram(image: npt.NDArray[np.generic], cell: int, bins: int) -> Floats:
    """Dalal–Triggs: unsigned orientations in `bins` bins per `cell`-pixel cell, blocks of 2×2
    cells L2-normalised and clipped (OpenCV 5 dropped its own)."""
    gray = image.astype(np.float32)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=1)
    magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
    binned = (np.mod(angle, 180.0) * bins / 180.0).astype(np.int32) % bins
    rows, cols = image.shape[0] // cell, image.shape[1] // cell
    cells = np.stack([np.where(binned == b, magnitude, 0.0)[: rows * cell, : cols * cell]
                      .reshape(rows, cell, cols, cell).sum(axis=(1, 3)) for b in range(bins)], axis=-1)
    blocks = np.concatenate([cells[:-1, :-1], cells[1:, :-1], cells[:-1, 1:], cells[1:, 1:]], axis=-1)
    blocks /= np.sqrt((blocks**2).sum(axis=-1, keepdims=True)) + 1e-3
    blocks = np.minimum(blocks, 0.2)
    blocks /= np.sqrt((blocks**2).sum(axis=-1, keepdims=True)) + 1e-3
    return np.asarray(blocks.ravel(), dtype=np.float32)
