"""Handwriting-like digits drawn from pen-stroke skeletons.

Used at build time to train the digit classifier (`omr.train_digits`) and by the synthetic scan
generator (`samples.scangen`) to write counts into the boxes. Each digit has a few skeletons (the
ways people commonly write it: a 1 with or without its flag, an open or closed 4, a 7 with or
without a bar); every control point is jittered, the whole digit slanted, rotated and squeezed,
and drawn with a round pen of random width, so no two samples are alike.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 10) -> Stroke:
    """Points on an ellipse, angles in degrees (0 = right, 90 = down, as on screen)."""
    return [
        (cx + rx * math.cos(math.radians(start + (end - start) * k / steps)),
         cy + ry * math.sin(math.radians(start + (end - start) * k / steps)))
        for k in range(steps + 1)
    ]


# Skeletons in a unit box (x right, y down), several per digit.
SKELETONS: dict[int, list[list[Stroke]]] = {
    0: [[_arc(0.5, 0.5, 0.38, 0.5, -90, 270, 16)], [_arc(0.5, 0.5, 0.32, 0.48, -100, 265, 16)]],
    1: [[[(0.5, 0.0), (0.5, 1.0)]], [[(0.25, 0.25), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.3, 1.0), (0.8, 1.0)]]],
    2: [[[*_arc(0.5, 0.3, 0.35, 0.3, 200, 370, 8), (0.1, 1.0), (0.92, 1.0)]],
        [[*_arc(0.48, 0.28, 0.33, 0.28, 190, 380, 8), (0.15, 0.95), (0.3, 0.9), (0.9, 1.0)]]],
    3: [[_arc(0.5, 0.26, 0.33, 0.26, 200, 450, 8) + _arc(0.48, 0.74, 0.38, 0.26, -90, 160, 8)],
        [[(0.15, 0.0), (0.85, 0.0), (0.4, 0.42), *_arc(0.5, 0.72, 0.36, 0.28, -80, 160, 8)]]],
    4: [[[(0.7, 1.0), (0.7, 0.0), (0.1, 0.68), (0.95, 0.68)]],
        [[(0.3, 0.0), (0.12, 0.62), (0.9, 0.62)], [(0.72, 0.25), (0.72, 1.0)]]],
    5: [[[(0.85, 0.0), (0.25, 0.0), (0.2, 0.45), *_arc(0.5, 0.7, 0.35, 0.3, -150, 150, 9)]],
        [[(0.25, 0.02), (0.2, 0.45), *_arc(0.5, 0.7, 0.35, 0.3, -150, 150, 9)], [(0.25, 0.02), (0.85, 0.0)]]],
    6: [[[(0.78, 0.02), (0.45, 0.2), (0.22, 0.5), *_arc(0.5, 0.72, 0.3, 0.28, 180, 530, 12)]],
        [_arc(0.9, 0.6, 0.7, 0.6, 240, 180, 5) + _arc(0.5, 0.74, 0.3, 0.26, 180, 540, 12)]],
    7: [[[(0.08, 0.02), (0.92, 0.02), (0.4, 1.0)]],
        [[(0.08, 0.1), (0.12, 0.0), (0.92, 0.02), (0.45, 1.0)], [(0.35, 0.5), (0.8, 0.5)]]],
    8: [[_arc(0.5, 0.26, 0.3, 0.26, 90, 450, 12) + _arc(0.5, 0.74, 0.36, 0.26, -90, 270, 12)],
        [_arc(0.5, 0.25, 0.28, 0.25, 45, 405, 12), _arc(0.5, 0.73, 0.35, 0.27, -90, 270, 12)]],
    9: [[[*_arc(0.5, 0.3, 0.32, 0.3, 0, 360, 12), (0.82, 0.3), (0.75, 1.0)]],
        [[*_arc(0.5, 0.3, 0.32, 0.3, 10, 370, 12), (0.8, 0.35), (0.55, 0.7), (0.3, 1.0)]]],
}


def _smooth(points: npt.NDArray[np.float64], per_segment: int = 4) -> npt.NDArray[np.float64]:
    """Catmull-Rom through the points: a jittered polyline becomes a pen-like curve."""
    if len(points) < 3:
        return points
    padded = np.vstack([points[0], points, points[-1]])
    out = []
    for k in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[k - 1], padded[k], padded[k + 1], padded[k + 2]
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t3))
    out.append(padded[-2])
    return np.asarray(out)


def digit_strokes(digit: int, rng: np.random.Generator, jitter: float = 0.05) -> list[npt.NDArray[np.float64]]:
    """One random writing of `digit`: strokes in a unit box, slanted, rotated and squeezed."""
    variants = SKELETONS[digit]
    skeleton = variants[int(rng.integers(len(variants)))]
    slant = rng.uniform(-0.35, 0.2)
    angle = math.radians(rng.uniform(-8, 8))
    squeeze = rng.uniform(0.6, 1.05)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    strokes = []
    for stroke in skeleton:
        pts = np.asarray(stroke, dtype=np.float64) + rng.normal(0, jitter, (len(stroke), 2))
        pts -= 0.5
        pts[:, 0] = pts[:, 0] * squeeze - slant * pts[:, 1]
        pts = pts @ rot.T + 0.5
        strokes.append(_smooth(pts))
    return strokes


def draw_strokes(canvas: npt.NDArray[np.uint8], strokes: list[npt.NDArray[np.float64]], x: float, y: float,
                 w: float, h: float, thickness: float, ink: int = 0) -> None:
    """Draw unit-box strokes into the rectangle (x, y, w, h) px of a grey canvas, anti-aliased."""
    shift = 4
    scale = float(1 << shift)
    width = max(1, round(thickness))
    for stroke in strokes:
        pts = np.stack([x + stroke[:, 0] * w, y + stroke[:, 1] * h], axis=1)
        cv2.polylines(canvas, [np.round(pts * scale).astype(np.int32)], False, ink, width, cv2.LINE_AA, shift)
