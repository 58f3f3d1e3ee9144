"""Build-time training of the rating shape model: `python -m parsers.train_rating_shapes`.

The training set is generated, never downloaded: each sample is one of the twelve ways of writing
a rating (`rating_shapes.STYLES`; words with or without a capital or quotes) rendered in one of the
machine's handwriting fonts (Debian's fonts-* handwriting packages, listed in
scripts/system-packages), its italic text fonts or the copperplate script alphabets of its math
fonts (`SCRIPT_FONTS`), at a random size, slant, rotation and pen
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
from dataclasses import dataclass
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
FONT_DIRS = (Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts/truetype"), Path("/usr/share/texmf/fonts/opentype"))
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
# Math fonts whose mathematical script alphabets (U+1D49C…, bold U+1D4D0…) are copperplate: the looped
# capitals of a formal hand, which no handwriting package has (fonts-stix, fonts-texgyre-math,
# fonts-oflb-asana-math). Each gives two faces, "<font>:script" and "<font>:bold script".
SCRIPT_FONTS = ("STIXGeneral-Regular", "texgyreschola-math", "texgyrepagella-math", "texgyretermes-math",
                "texgyrebonum-math", "Asana-Math")
HELD_OUT = ("DancingScript-Bold", "dkgIt", "Purisa-Oblique", "ComicNeue-BoldItalic", "BecauseWeLearn-Regular",
            "LiberationSans-Italic", "texgyrebonum-math:bold script")
_DPI = (150.0, 300.0)
_LETTER_MM = (3.0, 5.5)  # height of a capital as people write it on a form's line


_SCRIPT_LETTERS = {  # letters of the script alphabet encoded in Letterlike Symbols, not in its block
    "B": "\u212c", "E": "\u2130", "F": "\u2131", "H": "\u210b", "I": "\u2110", "L": "\u2112", "M": "\u2133",
    "R": "\u211b", "e": "\u212f", "g": "\u210a", "o": "\u2134"}
# The gap between two script letters as a hand leaves it, for the letter's size: math fonts space
# their letters apart as symbols, each to its own width, and a hand joins them.
_LETTER_GAP = (-0.06, 0.06)
_WORD_GAP = (0.3, 0.5)
_SMALL_CAPITALS, _SMALL_CAPITAL = "NV", 0.3


@dataclass(frozen=True)
class Face:
    """A way of writing: a font file, and the alphabet of it written with (None: its letters;
    "script" or "bold script": its mathematical script letters, diacritics dropped)."""

    path: Path
    alphabet: str | None = None

    def letters(self, text: str, rng: np.random.Generator) -> str:
        """`text` in this face's alphabet; in a script alphabet, an N or a V now and then written
        as its small letter, its capital's shape smaller, as formal hands write them."""
        if self.alphabet is None:
            return text
        bold = self.alphabet == "bold script"
        out = []
        for ch in strip_diacritics(text):
            if ch in _SMALL_CAPITALS and rng.random() < _SMALL_CAPITAL:
                ch = ch.lower()
            if not ("a" <= ch.lower() <= "z"):
                out.append(ch)
            elif not bold and ch in _SCRIPT_LETTERS:
                out.append(_SCRIPT_LETTERS[ch])
            else:
                first = (0x1D4D0 if ch.isupper() else 0x1D4EA) if bold else (0x1D49C if ch.isupper() else 0x1D4B6)
                out.append(chr(first + ord(ch.lower()) - ord("a")))
        return "".join(out)


@cache
def fonts() -> dict[str, Path]:
    """The handwriting fonts installed, by file stem."""
    return _installed(HANDWRITING)


@cache
def faces() -> dict[str, Face]:
    """Every way of writing the training draws from: the handwriting fonts, and the script
    alphabets of the math fonts installed."""
    out = {name: Face(path) for name, path in fonts().items()}
    for name, path in _installed(SCRIPT_FONTS).items():
        for alphabet in ("script", "bold script"):
            out[f"{name}:{alphabet}"] = Face(path, alphabet)
    return out


def _installed(stems: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        for path in folder.rglob("*"):
            if path.suffix.lower() in (".ttf", ".otf") and path.stem in stems:
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


def render(text: str, face: Face, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The phrase handwritten on a dotted line as a scan shows it, and the scan's dpi."""
    dpi = float(rng.uniform(*_DPI))
    letter = rng.uniform(*_LETTER_MM) * dpi / 25.4
    font = ImageFont.truetype(str(face.path), max(8, round(letter * 1.4)))
    text = face.letters(text, rng)
    if not font_writes(font, text):
        text = strip_diacritics(text)
    places = _places(text, font, face, rng)
    left, top, right, bottom = font.getbbox(text)
    width = max(right - left, max((x + font.getbbox(ch)[2] for x, ch in places), default=0.0))
    pad = round(letter)
    canvas = Image.new("L", (int(width) + 4 * pad, int(bottom - top) + 2 * pad), 255)
    draw, ink = ImageDraw.Draw(canvas), int(rng.integers(0, 90))
    for x, piece in places:
        draw.text((2 * pad - left + x, pad - top), piece, fill=ink, font=font)
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


def _places(text: str, font: ImageFont.FreeTypeFont, face: Face, rng: np.random.Generator
            ) -> list[tuple[float, str]]:
    """Where each piece of the phrase is drawn: the whole phrase at once in a handwriting font;
    script letters one by one, each its ink's width and a hand's gap apart."""
    if face.alphabet is None:
        return [(0.0, text)]
    size = float(font.size)
    places: list[tuple[float, str]] = []
    x = 0.0
    for ch in text:
        if ch == " ":
            x += size * rng.uniform(*_WORD_GAP)
            continue
        mask, (offset, _) = font.getmask2(ch)
        ink = mask.getbbox() or (0, 0, 0, 0)  # the letter's ink, not its advance box
        places.append((x - offset - ink[0], ch))
        x += ink[2] - ink[0] + size * rng.uniform(*_LETTER_GAP)
    return places


def _leader(gray: np.ndarray, dpi: float, rng: np.random.Generator) -> None:
    """The printed dotted line the answer is written on, under or through its lower letters."""
    h, w = gray.shape
    y = int(h * rng.uniform(0.6, 0.85))
    step = max(3, round(dpi * rng.uniform(0.035, 0.05)))
    radius = max(1, round(dpi * 0.005))
    for x in range(int(rng.integers(0, step)), w, step):
        cv2.circle(gray, (x, y), radius, 0, -1)


def sample(rating: Rating, style: str, face: Face, rng: np.random.Generator) -> npt.NDArray[np.float32] | None:
    gray, dpi = render(phrase(rating, style, rng), face, rng)
    return features(without_leader(gray, dpi))


def dataset(names: list[str], count: int, rng: np.random.Generator
            ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    chosen = [faces()[n] for n in names]
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[int] = []
    while len(xs) < count:
        rating, style = RATINGS[int(rng.integers(len(RATINGS)))], STYLES[int(rng.integers(len(STYLES)))]
        x = sample(rating, style, chosen[int(rng.integers(len(chosen)))], rng)
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
    available = sorted(faces())
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
