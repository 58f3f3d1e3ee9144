"""Build-time training of the rating shape model: `python -m parsers.train_rating_shapes`.

The training set is generated, never downloaded: each sample is one of the twelve ways of writing
a rating (`rating_shapes.STYLES`; words with or without a capital or quotes) rendered in one of the
machine's handwriting fonts (Debian's fonts-* handwriting packages, listed in
scripts/system-packages) or its italic text fonts, at a random size, slant, rotation and pen
weight, on a dotted leader, then blurred, noised and JPEG-compressed like a scan, and cleaned by
the reader's own `scan_rating.without_leader`, so the network learns what it will see. A font
that lacks a Vietnamese letter writes the phrase without diacritics, as hurried hands do.

Fonts are split by name: the held-out fonts are never trained on, so the printed accuracy is the
accuracy on handwriting the model has not seen. The seed is fixed.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from domain.model import Rating
from domain.text import strip_diacritics
from omr.network import Network, fit
from parsers.rating_shapes import MODEL_PATH, RATINGS, STYLES, class_of, features
from parsers.scan_rating import ABBREVIATIONS, CANONICAL, without_leader

log = logging.getLogger(__name__)

SEED = 2018
FONT_DIRS = (Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts/truetype"))
# Handwriting and script fonts of Debian's fonts-* packages (file stems), and italic text faces.
HANDWRITING = ("DancingScript-Regular", "DancingScript-Bold", "KaushanScript-Regular", "lobster",
               "LeckerliOne-Regular", "Breip", "breipfont", "Ecolier-court", "femkeklaver", "dkg", "dkgBI",
               "dkgBd", "dkgIt", "Humor-Sans", "KleeOne-Regular", "KleeOne-SemiBold", "Kristi", "Rufscript010",
               "Delphine", "SteveHand", "Purisa", "Purisa-Bold", "Purisa-Oblique", "Purisa-BoldOblique",
               "TomsonTalks", "YuseiMagic-Regular", "ComicNeue-Regular", "ComicNeue-Italic", "ComicNeue-Bold",
               "ComicNeue-BoldItalic", "BecauseWeBuild-Regular", "BecauseWeConnect-Regular",
               "BecauseWeCreate-Regular", "BecauseWeLearn-Regular", "BecauseWeMentor-Regular",
               "BecauseWeOrganize-Regular", "LiberationSerif-Italic", "LiberationSerif-BoldItalic",
               "LiberationSans-Italic", "DejaVuSerif-Italic", "DejaVuSans-Oblique",
               # calligraphic capitals and italic book faces (fonts-urw-base35, fonts-havana)
               "Z003-MediumItalic", "Havana-Regular", "P052-Italic", "C059-Italic", "URWBookman-LightItalic")
HELD_OUT = ("DancingScript-Bold", "dkgIt", "Purisa-Oblique", "ComicNeue-BoldItalic", "BecauseWeLearn-Regular",
            "LiberationSans-Italic")
_DPI = (150.0, 300.0)
_LETTER_MM = (3.0, 5.5)  # height of a capital as people write it on a form's line


@cache
def fonts() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        for path in folder.rglob("*"):
            if path.suffix.lower() in (".ttf", ".otf") and path.stem in HANDWRITING:
                found.setdefault(path.stem, path)
    return found


def phrase(rating: Rating, style: str, rng: np.random.Generator) -> str:
    if style == "abbreviation":
        return ABBREVIATIONS[rating].upper()
    words = CANONICAL[rating]
    if style == "capitals":
        words = words.upper()
    elif rng.random() < 0.3:
        words = words.lower()
    return f'"{words}"' if rng.random() < 0.25 else words


def font_writes(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """Whether the font has a glyph of its own for every letter (not the missing-glyph box)."""
    missing = font.getmask("\uffff").getbbox()
    return all(ch == " " or font.getmask(ch).getbbox() != missing for ch in set(text))


def render(text: str, font_path: Path, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The phrase handwritten on a dotted line as a scan shows it, and the scan's dpi."""
    dpi = float(rng.uniform(*_DPI))
    letter = rng.uniform(*_LETTER_MM) * dpi / 25.4
    font = ImageFont.truetype(str(font_path), max(8, round(letter * 1.4)))
    if not font_writes(font, text):
        text = strip_diacritics(text)
    left, top, right, bottom = font.getbbox(text)
    pad = round(letter)
    canvas = Image.new("L", (int(right - left) + 4 * pad, int(bottom - top) + 2 * pad), 255)
    ImageDraw.Draw(canvas).text((2 * pad - left, pad - top), text, fill=int(rng.integers(0, 90)), font=font)
    gray: np.ndarray = np.asarray(canvas, dtype=np.uint8).copy()
    h, w = gray.shape
    shear, angle = rng.normal(0, 0.12), rng.normal(0, 1.5)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[0, 1] += shear
    matrix[0, 2] -= shear * h / 2
    gray = cv2.warpAffine(gray, matrix, (w, h), borderValue=255)
    weight = int(rng.integers(-1, 3))
    kernel = np.ones((2, 2), np.uint8)
    if weight > 0:
        gray = cv2.erode(gray, kernel, iterations=weight)
    elif weight < 0 and letter > 30:
        gray = cv2.dilate(gray, kernel)
    _leader(gray, dpi, rng)
    blurred = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), rng.uniform(0.3, 1.0))
    lo, hi = rng.uniform(0, 80), rng.uniform(200, 255)
    washed = lo + blurred * (hi - lo) / 255
    noisy = np.clip(washed + rng.normal(0, rng.uniform(1, 8), washed.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, "JPEG", quality=int(rng.integers(55, 95)))
    return np.asarray(Image.open(buffer).convert("L"), dtype=np.uint8), dpi


def _leader(gray: np.ndarray, dpi: float, rng: np.random.Generator) -> None:
    """The printed dotted line the answer is written on, under or through its lower letters."""
    h, w = gray.shape
    y = int(h * rng.uniform(0.6, 0.85))
    step = max(3, round(dpi * rng.uniform(0.035, 0.05)))
    radius = max(1, round(dpi * 0.005))
    for x in range(int(rng.integers(0, step)), w, step):
        cv2.circle(gray, (x, y), radius, 0, -1)


def sample(rating: Rating, style: str, font: Path, rng: np.random.Generator) -> npt.NDArray[np.float32] | None:
    gray, dpi = render(phrase(rating, style, rng), font, rng)
    return features(without_leader(gray, dpi))


def dataset(names: list[str], count: int, rng: np.random.Generator
            ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    paths = [fonts()[n] for n in names]
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[int] = []
    while len(xs) < count:
        rating, style = RATINGS[int(rng.integers(len(RATINGS)))], STYLES[int(rng.integers(len(STYLES)))]
        x = sample(rating, style, paths[int(rng.integers(len(paths)))], rng)
        if x is not None:
            xs.append(x)
            ys.append(class_of(rating, style))
    return np.stack(xs), np.asarray(ys, dtype=np.int64)


def train(x: npt.NDArray[np.float32], y: npt.NDArray[np.int64], rng: np.random.Generator, epochs: int) -> Network:
    """The shape network (`omr.network.fit`), its features standardised."""
    return fit(x, y, len(RATINGS) * len(STYLES), rng, hidden=(96,), epochs=epochs, batch=64, decay=1e-3,
               standardise=True)


def report(net: Network, x: npt.NDArray[np.float32], y: npt.NDArray[np.int64]) -> str:
    """Accuracy by rating on `x`, and the errors among guesses at each probability."""
    p = net.probabilities(x).reshape(len(x), len(RATINGS), len(STYLES)).sum(axis=2)
    guess, truth = p.argmax(axis=1), y // len(STYLES)
    top = p.max(axis=1)
    lines = [f"rating accuracy {float((guess == truth).mean()):.4f} on {len(x)} samples"]
    for bar in (0.9, 0.95, 0.98, 0.99):
        sure = top >= bar
        wrong = int((sure & (guess != truth)).sum())
        lines.append(f"  p >= {bar}: {float(sure.mean()):.3f} of samples, {wrong} wrong")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parsers.train_rating_shapes", description=__doc__)
    parser.add_argument("--samples", type=int, default=24000)
    parser.add_argument("--held-out", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    available = sorted(fonts())
    trained = [n for n in available if n not in HELD_OUT]
    held = [n for n in available if n in HELD_OUT]
    if not trained or not held:
        print("thiếu phông chữ viết tay để huấn luyện (cài scripts/system-packages)", file=sys.stderr)
        return 2
    rng = np.random.default_rng(SEED)
    x, y = dataset(trained, args.samples, rng)
    net = train(x, y, rng, epochs=args.epochs)
    hx, hy = dataset(held, args.held_out, rng)
    net.save(args.out)
    print(f"fonts: {len(trained)} trained, {len(held)} held out ({', '.join(held)})")
    print("held-out fonts: " + report(net, hx, hy))
    print(f"model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
