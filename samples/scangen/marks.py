"""Hand marks drawn into a page raster: ticks, crosses, circles, dots, fills, scribbles, specks.

Coordinates are page pixels of an upright 300 dpi raster; sizes come in mm and are converted
with `PX_PER_MM`. Every stroke is jittered, so no two marks are alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from omr.handwriting import digit_strokes, draw_strokes

from .render import DPI

PX_PER_MM = DPI / 25.4
Image = npt.NDArray[np.uint8]

PENS = {
    "black": (35, 35, 40),
    "blue": (150, 60, 25),
    "pencil": (135, 135, 140),
}


@dataclass(frozen=True)
class Pen:
    colour: tuple[int, int, int]
    width_mm: float

    @classmethod
    def random(cls, rng: np.random.Generator, pencil: bool = False) -> Pen:
        if pencil:
            grey = int(rng.integers(120, 165))
            return cls((grey, grey, grey + 5), float(rng.uniform(0.2, 0.35)))
        name = "blue" if rng.random() < 0.5 else "black"
        return cls(PENS[name], float(rng.uniform(0.3, 0.6)))

    @property
    def px(self) -> int:
        return max(1, round(self.width_mm * PX_PER_MM))


def _px(points: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
    return np.round(points * 16).astype(np.int32)


def _line(img: Image, points: npt.NDArray[np.float64], pen: Pen) -> None:
    cv2.polylines(img, [_px(points)], False, pen.colour, pen.px, cv2.LINE_AA, 4)


def _box_px(box: dict[str, float]) -> tuple[float, float, float, float]:
    return box["x"] * PX_PER_MM, box["y"] * PX_PER_MM, box["w"] * PX_PER_MM, box["h"] * PX_PER_MM


def _jit(rng: np.random.Generator, n: int, size: float, amount: float = 0.08) -> npt.NDArray[np.float64]:
    return rng.normal(0, amount * size, (n, 2))


def tick(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator, scale: float = 1.0) -> None:
    x, y, w, h = _box_px(box)
    cx, cy = x + w / 2, y + h / 2
    unit = np.array([[-0.35, 0.0], [-0.05, 0.32], [0.5, -0.55]]) * scale
    pts = np.stack([cx + unit[:, 0] * w, cy + unit[:, 1] * h], axis=1) + _jit(rng, 3, w)
    _line(img, pts, pen)


def cross(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator, scale: float = 1.0) -> None:
    x, y, w, h = _box_px(box)
    cx, cy = x + w / 2, y + h / 2
    r = 0.42 * scale
    for a, b in (((-r, -r), (r, r)), ((r, -r), (-r, r))):
        pts = np.array([[cx + a[0] * w, cy + a[1] * h], [cx + b[0] * w, cy + b[1] * h]]) + _jit(rng, 2, w)
        _line(img, pts, pen)


def circle(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator, scale: float = 1.0) -> None:
    x, y, w, h = _box_px(box)
    radius = rng.uniform(0.3, 0.42) * w * scale
    start = rng.uniform(0, 360)
    angles = np.radians(np.linspace(start, start + rng.uniform(340, 400), 24))
    pts = np.stack([x + w / 2 + radius * np.cos(angles), y + h / 2 + radius * 0.95 * np.sin(angles)], axis=1)
    _line(img, pts + _jit(rng, len(pts), w, 0.03), pen)


def dot(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator, scale: float = 1.0) -> None:
    x, y, w, h = _box_px(box)
    radius = rng.uniform(0.55, 0.75) * PX_PER_MM * scale
    centre = (x + w / 2 + rng.normal(0, 0.05 * w), y + h / 2 + rng.normal(0, 0.05 * h))
    cv2.circle(img, (round(centre[0] * 16), round(centre[1] * 16)), round(radius * 16), pen.colour, -1, cv2.LINE_AA, 4)


def fill(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator) -> None:
    """The cancel sign: the box inked over, edge to edge, by back-and-forth strokes."""
    x, y, w, h = _box_px(box)
    over = 0.06 * w
    rows = np.linspace(y - over, y + h + over, 9)
    pts = []
    for k, row in enumerate(rows):
        left, right = x - over + rng.normal(0, 0.03 * w), x + w + over + rng.normal(0, 0.03 * w)
        pts += [(left, row), (right, row)] if k % 2 == 0 else [(right, row), (left, row)]
    thick = Pen(pen.colour, max(pen.width_mm, 0.55) * 1.6)
    _line(img, np.asarray(pts, dtype=np.float64), thick)
    cv2.rectangle(img, (round(x + 0.08 * w), round(y + 0.08 * h)), (round(x + 0.92 * w), round(y + 0.92 * h)),
                  pen.colour, -1)


def half_fill(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator) -> None:
    """A heavy scribble covering about half the box: neither a mark nor a fill for sure."""
    x, y, w, h = _box_px(box)
    top = y + h * rng.uniform(0.3, 0.45)
    cv2.rectangle(img, (round(x), round(top)), (round(x + w), round(y + h)), pen.colour, -1)


def tiny(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator) -> None:
    """A short stroke in the box: a started mark, or a slip of the pen?"""
    x, y, w, h = _box_px(box)
    cx, cy = x + w * rng.uniform(0.4, 0.6), y + h * rng.uniform(0.4, 0.6)
    length = w * rng.uniform(0.28, 0.36)
    angle = rng.uniform(0, math.pi)
    pts = np.array([[cx, cy], [cx + length * math.cos(angle), cy + length * math.sin(angle)]])
    _line(img, pts, pen)


def scribble_beside(img: Image, box: dict[str, float], pen: Pen, rng: np.random.Generator) -> None:
    """A struck-out mark written next to a box, in the cell but outside the square."""
    x, y, w, h = _box_px(box)
    side = 1 if rng.random() < 0.5 else -1
    left = x + w + 0.9 * PX_PER_MM if side > 0 else x - 0.9 * PX_PER_MM - 0.45 * w * 2
    zig = [(left + (k % 2) * 0.9 * w, y + h * (0.1 + 0.8 * k / 7)) for k in range(8)]
    _line(img, np.asarray(zig, dtype=np.float64) + _jit(rng, 8, w, 0.03), pen)


def specks(img: Image, rng: np.random.Generator, count: int, avoid: list[dict[str, float]]) -> None:
    """Stray ink: dust, pen dabs and short hair lines away from the box interiors."""
    h, w = img.shape[:2]
    placed = 0
    while placed < count:
        px, py = rng.uniform(0.05 * w, 0.95 * w), rng.uniform(0.05 * h, 0.95 * h)
        if any(b["x"] * PX_PER_MM - 8 < px < (b["x"] + b["w"]) * PX_PER_MM + 8
               and b["y"] * PX_PER_MM - 8 < py < (b["y"] + b["h"]) * PX_PER_MM + 8 for b in avoid):
            continue
        colour = PENS["black"] if rng.random() < 0.5 else PENS["blue"]
        if rng.random() < 0.6:
            cv2.circle(img, (round(px), round(py)), int(rng.integers(1, 4)), colour, -1, cv2.LINE_AA)
        else:
            angle = rng.uniform(0, math.pi)
            length = rng.uniform(2, 8) * PX_PER_MM
            end = (round(px + length * math.cos(angle)), round(py + length * math.sin(angle)))
            cv2.line(img, (round(px), round(py)), end, colour, 1, cv2.LINE_AA)
        placed += 1


def speck_in(img: Image, box: dict[str, float], rng: np.random.Generator) -> None:
    """A speck of dust inside a box: not a mark."""
    x, y, w, h = _box_px(box)
    cv2.circle(img, (round(x + w * rng.uniform(0.3, 0.7)), round(y + h * rng.uniform(0.3, 0.7))), 1,
               PENS["black"], -1, cv2.LINE_AA)


def digit(img: Image, box: dict[str, float], value: int, pen: Pen, rng: np.random.Generator) -> None:
    """A handwritten digit filling most of its box, sometimes touching or crossing the outline."""
    x, y, w, h = _box_px(box)
    height = h * rng.uniform(0.55, 0.82)
    width = min(w * 0.8, height * rng.uniform(0.55, 0.8))
    ox = x + (w - width) / 2 + rng.normal(0, 0.05 * w)
    oy = y + (h - height) / 2 + rng.normal(0, 0.05 * h)
    draw_strokes_bgr(img, digit_strokes(value, rng), ox, oy, width, height, pen)


def draw_strokes_bgr(img: Image, strokes: list[npt.NDArray[np.float64]], x: float, y: float, w: float, h: float,
                     pen: Pen) -> None:
    """`omr.handwriting.draw_strokes` in colour: ink is laid through a local mask so the pen's
    colour darkens the paper and the print under it the way ink does."""
    pad = 3 * PX_PER_MM
    x0, y0 = max(0, int(x - pad)), max(0, int(y - pad))
    x1, y1 = min(img.shape[1], int(x + w + pad)), min(img.shape[0], int(y + h + pad))
    mask = np.full((y1 - y0, x1 - x0), 255, np.uint8)
    draw_strokes(mask, strokes, x - x0, y - y0, w, h, pen.width_mm * PX_PER_MM * 0.8)
    alpha = (255 - mask.astype(np.float32))[..., None] / 255
    region = img[y0:y1, x0:x1].astype(np.float32)
    colour = np.array(pen.colour, np.float32)
    img[y0:y1, x0:x1] = (region * (1 - alpha) + colour * alpha).astype(np.uint8)
