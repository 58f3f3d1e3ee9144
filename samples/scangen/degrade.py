"""What a scanner or a phone does to a page: turns, skew, perspective, blur, noise, JPEG, shadows,
folds, washed-out contrast, and (photos) a desk around the sheet.

Each function takes and returns a BGR uint8 image and draws its parameters from the generator it
is given, and `degrade` records what it did, so a failing sample can be reproduced and explained.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

_QUARTER = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def contrast(img: Image, rng: np.random.Generator, low: bool) -> Image:
    lo = rng.uniform(55, 90) if low else rng.uniform(0, 35)
    hi = rng.uniform(185, 215) if low else rng.uniform(225, 255)
    return np.clip(lo + img.astype(np.float32) * (hi - lo) / 255, 0, 255).astype(np.uint8)


def shadow(img: Image, rng: np.random.Generator, strength: float) -> Image:
    """A linear light falloff across the page in a random direction."""
    h, w = img.shape[:2]
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    ramp = (xs * math.cos(angle) + ys * math.sin(angle))
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    gain = np.asarray(cv2.resize(1.0 - strength * ramp, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)
    return np.asarray(np.clip(img.astype(np.float32) * gain[..., None], 0, 255), dtype=np.uint8)


def fold(img: Image, rng: np.random.Generator) -> Image:
    """A fold across the sheet, most often along its width, somewhere about its middle."""
    horizontal = rng.random() < 0.6
    h, w = img.shape[:2]
    return crease(img, horizontal, rng.uniform(0.3, 0.7) * (h if horizontal else w))


def crease(img: Image, horizontal: bool, at: float) -> Image:
    """A grey crease line from edge to edge at pixel `at`, with a light shade on one side."""
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    width = max(2, int(0.004 * max(h, w)))
    coords = np.arange(h if horizontal else w, dtype=np.float32)
    shade = 1.0 - 0.12 * np.exp(-np.abs(coords - at) / (6 * width)) * (coords > at)
    line = 1.0 - 0.35 * np.exp(-((coords - at) ** 2) / (width ** 2))
    profile = (shade * line).astype(np.float32)
    out *= profile[:, None, None] if horizontal else profile[None, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def blur(img: Image, sigma: float) -> Image:
    return np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), dtype=np.uint8) if sigma > 0.2 else img


def noise(img: Image, rng: np.random.Generator, sigma: float) -> Image:
    grain = rng.normal(0, sigma, img.shape[:2]).astype(np.float32)[..., None]
    return np.asarray(np.clip(img.astype(np.float32) + grain, 0, 255), dtype=np.uint8)


def skew(img: Image, rng: np.random.Generator, degrees: float, scale: float) -> Image:
    """A small turn and shift on the scanner glass; the uncovered glass is light grey."""
    h, w = img.shape[:2]
    matrix = np.asarray(cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale), dtype=np.float64)
    matrix[:, 2] += rng.uniform(-0.01, 0.01, 2) * np.array([w, h], dtype=np.float64)
    glass = int(rng.integers(225, 250))
    return np.asarray(cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                     borderValue=(glass, glass, glass)), dtype=np.uint8)


def photo(img: Image, rng: np.random.Generator, long_side: int) -> Image:
    """The sheet photographed on a desk: perspective, a little tilt, a background around it."""
    h, w = img.shape[:2]
    portrait = h >= w
    out_w, out_h = (round(long_side * 3 / 4), long_side) if portrait else (long_side, round(long_side * 3 / 4))
    fill = rng.uniform(0.78, 0.9)
    scale = min(out_w / w, out_h / h) * fill
    cx, cy = out_w / 2 + rng.uniform(-0.04, 0.04) * out_w, out_h / 2 + rng.uniform(-0.04, 0.04) * out_h
    tilt = math.radians(rng.uniform(-8, 8))
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) * scale
    rot = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
    corners = corners @ rot.T + (cx, cy)
    corners += rng.uniform(-0.035, 0.035, (4, 2)) * (w * scale, h * scale)
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    desk = _desk(rng, out_w, out_h)
    warped = cv2.warpPerspective(img, matrix, (out_w, out_h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h))
    alpha = (mask.astype(np.float32) / 255)[..., None]
    return (warped * alpha + desk * (1 - alpha)).astype(np.uint8)


def _desk(rng: np.random.Generator, w: int, h: int) -> Image:
    base = rng.uniform(40, 140, 3)
    small = rng.normal(0, 12, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32)
    texture = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(base + texture, 0, 255).astype(np.uint8)


def quarter_turn(img: Image, degrees: int) -> Image:
    return img if degrees == 0 else np.asarray(cv2.rotate(img, _QUARTER[degrees]), dtype=np.uint8)


def degrade(img: Image, rng: np.random.Generator, style: str) -> tuple[Image, dict[str, Any]]:
    """The page as a scanner (`scan`) or a phone (`phone`) would give it; returns what was done."""
    done: dict[str, Any] = {"style": style}
    low = rng.random() < 0.15
    img = contrast(img, rng, low)
    done["low_contrast"] = low
    if rng.random() < (0.6 if style == "phone" else 0.25):
        strength = float(rng.uniform(0.15, 0.4 if style == "phone" else 0.25))
        img = shadow(img, rng, strength)
        done["shadow"] = round(strength, 2)
    if rng.random() < 0.2:
        img = fold(img, rng)
        done["fold"] = True
    if style == "phone":
        long_side = int(rng.integers(2800, 3400))
        img = photo(img, rng, long_side)
        done["photo_long_side"] = long_side
    else:
        dpi = int(rng.choice([200, 300, 300]))
        degrees = float(rng.uniform(-2, 2))
        img = skew(img, rng, degrees, float(rng.uniform(0.985, 1.015)))
        if dpi != 300:
            img = np.asarray(cv2.resize(img, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA),
                             dtype=np.uint8)
        done |= {"dpi": dpi, "skew": round(degrees, 2)}
    sigma = float(rng.uniform(0.0, 1.4 if style == "phone" else 0.9))
    img = blur(img, sigma)
    img = noise(img, rng, float(rng.uniform(2, 9 if style == "phone" else 6)))
    turn = int(rng.choice([0, 0, 90, 180, 270]))
    img = quarter_turn(img, turn)
    done |= {"blur": round(sigma, 2), "rotation": turn}
    return img, done
