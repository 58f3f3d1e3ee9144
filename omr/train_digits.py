"""Build-time training of the digit classifier: `python -m omr.train_digits` writes omr/data/digits.npz.

The training set is generated, never downloaded: each sample is a printed digit box (outline of a
random width, slightly off-size) with a digit in it, written either by `omr.handwriting` (pen
strokes on skeletons) or with one of the machine's fonts (DejaVu, Liberation; upright, italic,
bold), at random size, offset, slant and pen width, then blurred, noised and washed out like a scan.
Samples go through the reader's own extraction (`omr.digits.digit_ink`, `normalise`), so the
network learns exactly what it will see. The seed is fixed: the same machine fonts give the same
model file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from omr.boxes import PPMM, Box, darkness_map
from omr.digits import MODEL_PATH, DigitModel, digit_ink, normalise
from omr.handwriting import digit_strokes, draw_strokes

log = logging.getLogger(__name__)

SEED = 20180
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"),
              Path("/usr/share/fonts/truetype/liberation2"))
_FONT_NAMES = ("DejaVuSans", "DejaVuSans-Oblique", "DejaVuSans-Bold", "DejaVuSerif", "DejaVuSerif-Italic",
               "DejaVuSansMono", "LiberationSans-Regular", "LiberationSans-Italic", "LiberationSerif-Italic",
               "LiberationSansNarrow-Regular", "LiberationMono-Regular")
_PAD_MM = 2.2


@cache
def fonts() -> tuple[Path, ...]:
    found = []
    for name in _FONT_NAMES:
        path = next((d / f"{name}.ttf" for d in _FONT_DIRS if (d / f"{name}.ttf").is_file()), None)
        if path is not None:
            found.append(path)
    return tuple(found)


def _font_digit(canvas: npt.NDArray[np.uint8], digit: int, x: float, y: float, w: float, h: float,
                rng: np.random.Generator) -> None:
    path = fonts()[int(rng.integers(len(fonts())))]
    size = max(8, round(h * 1.25))
    font = ImageFont.truetype(str(path), size)
    glyph = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(glyph).text((size // 2, size // 4), str(digit), fill=0, font=font)
    array = np.asarray(glyph)
    ys, xs = np.nonzero(array < 128)
    if len(xs) == 0:
        return
    crop = array[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = min(w / crop.shape[1], h / crop.shape[0])
    resized = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                         interpolation=cv2.INTER_AREA)
    top, left = round(y), round(x)
    region = canvas[top:top + resized.shape[0], left:left + resized.shape[1]]
    np.minimum(region, resized[:region.shape[0], :region.shape[1]], out=region)


def sample(digit: int, rng: np.random.Generator) -> npt.NDArray[np.float32] | None:
    """One training image of `digit`, through the reader's extraction."""
    box_w, box_h = rng.uniform(3.9, 4.5), rng.uniform(3.9, 4.5)
    side_w, side_h = box_w + 2 * _PAD_MM, box_h + 2 * _PAD_MM
    canvas = np.full((round(side_h * PPMM), round(side_w * PPMM)), 255, np.uint8)
    bx, by = _PAD_MM + rng.normal(0, 0.12), _PAD_MM + rng.normal(0, 0.12)
    outline = max(1, round(rng.uniform(0.15, 0.35) * PPMM))
    cv2.rectangle(canvas, (round(bx * PPMM), round(by * PPMM)),
                  (round((bx + box_w) * PPMM), round((by + box_h) * PPMM)), 0, outline)
    height = box_h * rng.uniform(0.5, 0.85) * PPMM
    width = min(box_w * 0.85 * PPMM, height * rng.uniform(0.45, 0.85))
    x = (bx + box_w / 2) * PPMM - width / 2 + rng.normal(0, 0.06 * box_w * PPMM)
    y = (by + box_h / 2) * PPMM - height / 2 + rng.normal(0, 0.06 * box_h * PPMM)
    if rng.random() < 0.6:
        draw_strokes(canvas, digit_strokes(digit, rng), x, y, width, height, rng.uniform(0.2, 0.5) * PPMM,
                     ink=int(rng.integers(0, 120)))
    else:
        _font_digit(canvas, digit, x, y, width, height, rng)
    lo, hi = rng.uniform(0, 90), rng.uniform(190, 255)
    washed = np.asarray(lo + canvas.astype(np.float32) * (hi - lo) / 255, dtype=np.float32)
    blurred = np.asarray(cv2.GaussianBlur(washed, (0, 0), rng.uniform(0.3, 1.2)), dtype=np.float32)
    noisy = np.asarray(blurred + rng.normal(0, rng.uniform(1, 10), blurred.shape), dtype=np.float32)
    gray = np.clip(noisy, 0, 255).astype(np.uint8)
    # The reader refines the box to within a pixel or two; so does the sample.
    refined = Box("digit", bx + rng.normal(0, 0.08), by + rng.normal(0, 0.08), box_w, box_h)
    return normalise(digit_ink(darkness_map(gray), (0.0, 0.0), refined))


def dataset(count: int, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    images: list[npt.NDArray[np.float32]] = []
    labels: list[int] = []
    while len(images) < count:
        digit = int(rng.integers(10))
        image = sample(digit, rng)
        if image is not None:
            images.append(image)
            labels.append(digit)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def train(images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], rng: np.random.Generator,
          hidden: int = 128, epochs: int = 20, batch: int = 128, rate: float = 1e-3) -> DigitModel:
    """Adam on cross-entropy with a little weight decay, plain numpy."""
    x = images.reshape(len(images), -1).astype(np.float32)
    params = {
        "w1": rng.normal(0, np.sqrt(2 / x.shape[1]), (x.shape[1], hidden)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": rng.normal(0, np.sqrt(2 / hidden), (hidden, 10)).astype(np.float32),
        "b2": np.zeros(10, np.float32),
    }
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], labels[idx]
            h = np.maximum(0, xb @ params["w1"] + params["b1"])
            logits = h @ params["w2"] + params["b2"]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            p /= len(yb)
            grads = {"w2": h.T @ p + 1e-4 * params["w2"], "b2": p.sum(axis=0)}
            dh = (p @ params["w2"].T) * (h > 0)
            grads |= {"w1": xb.T @ dh + 1e-4 * params["w1"], "b1": dh.sum(axis=0)}
            step += 1
            for k, g in grads.items():
                m, v = moments[k]
                m[:] = 0.9 * m + 0.1 * g
                v[:] = 0.999 * v + 0.001 * g * g
                m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
                params[k] -= (rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        log.info("epoch %d done", epoch + 1)
    return DigitModel(params["w1"], params["b1"], params["w2"], params["b2"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omr.train_digits", description=__doc__)
    parser.add_argument("--samples", type=int, default=40000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(SEED)
    images, labels = dataset(args.samples, rng)
    held = len(images) // 10
    model = train(images[held:], labels[held:], rng, epochs=args.epochs)
    predicted = model.probabilities(images[:held]).argmax(axis=1)
    accuracy = float((predicted == labels[:held]).mean())
    model.save(args.out)
    print(f"held-out accuracy {accuracy:.4f} on {held} generated samples; model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
