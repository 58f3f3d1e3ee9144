"""Build-time training of the digit classifiers: `python -m omr.train_digits` writes omr/data/digits.npz
(the network on pixels) and omr/data/digits_gradients.npz (the second opinion, on gradients and pixels).

The training set is generated, never downloaded: each sample is a printed digit box (outline of a
random width, slightly turned, found by the reader a little off where it is) among what surrounds
it on a form (neighbouring boxes and their digits, a printed "/" between two numbers), with a
digit in it written by `omr.handwriting` (pen strokes on skeletons), with one of the machine's
handwriting fonts or with a machine font (upright, italic, bold), at random size, offset, slant,
turn and pen width, then shaded, blurred, noised, washed out and JPEG-compressed like a scan or a
phone photo. Samples go through the reader's own extraction (`omr.digits.digit_ink`,
`normalise`), so the network learns exactly what it will see, leftovers of the print included.
Each epoch the images are moved, turned and resized a little, as the reader jitters them to test a
reading's steadiness. Some fonts are held out of training: the reported accuracy, and the share of
held-out digits wrong at each confidence level `omr.digits` uses (what those levels are chosen by),
are measured on them and on stroke digits the network has not seen. The seed is fixed: the same
machine fonts give the same model file.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from omr.boxes import PPMM, Box, darkness_map
from omr.digits import (
    CALIBRATED_LEVELS,
    MODEL_PATH,
    POOLED_SURE,
    SECOND_MODEL_PATH,
    SECONDED_PROBABILITY,
    SURE,
    digit_ink,
    gradient_inputs,
    normalise,
    pooled,
    seconds,
    steady,
)
from omr.handwriting import digit_strokes, draw_strokes
from omr.network import Network, fit

log = logging.getLogger(__name__)

SEED = 20180
# Machine fonts (print-like digits), by file name without extension.
MACHINE_FONTS = ("DejaVuSans", "DejaVuSans-Oblique", "DejaVuSans-Bold", "DejaVuSerif", "DejaVuSerif-Italic",
                 "DejaVuSansMono", "LiberationSans-Regular", "LiberationSans-Italic", "LiberationSerif-Italic",
                 "LiberationSansNarrow-Regular", "LiberationMono-Regular")
# Handwriting fonts (Debian packages fonts-bwht, fonts-comic-neue, fonts-dancingscript,
# fonts-kaushanscript, fonts-lobster, fonts-breip, fonts-dkg-handwriting, fonts-humor-sans,
# fonts-klee, fonts-kristi, fonts-leckerli-one, fonts-rufscript, fonts-sjfonts,
# fonts-tlwg-purisa-ttf, fonts-tomsontalks, fonts-yusei-magic). Left out: Joscelyn (decorative
# digits), Femke Klaver (hollow outlines), Ecolier court (outlined school letters).
HANDWRITING_FONTS = ("BecauseWeBuild-Regular", "BecauseWeConnect-Regular", "BecauseWeCreate-Regular",
                     "BecauseWeLearn-Regular", "BecauseWeOrganize-Regular", "ComicNeue-Bold", "ComicNeue-BoldItalic",
                     "ComicNeue-Light", "ComicNeue-Regular", "DancingScript-Bold", "DancingScript-Regular",
                     "lobster", "Breip", "dkg", "dkgBd", "dkgBI", "KleeOne-Regular", "KleeOne-SemiBold",
                     "Kristi", "LeckerliOne-Regular", "Rufscript010", "Delphine", "Purisa", "Purisa-Bold",
                     "Purisa-BoldOblique", "YuseiMagic-Regular")
# Held out of training, for validation only.
HELD_OUT_FONTS = ("BecauseWeMentor-Regular", "ComicNeue-Italic", "ComicNeue-LightItalic", "KaushanScript-Regular",
                  "breipfont", "dkgIt", "Humor-Sans", "SteveHand", "Purisa-Oblique", "TomsonTalks")
_FONT_ROOTS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))
_PAD_MM = 2.2
_GLYPH_PX = 96  # fonts are rendered once at this size, then transformed per sample
_CHUNK = 2000  # samples per worker task


@cache
def _font_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in _FONT_ROOTS:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.suffix.lower() in (".ttf", ".otf"):
                    found.setdefault(path.stem, path)
    return found


def fonts(names: tuple[str, ...]) -> tuple[Path, ...]:
    """The files of those fonts installed on this machine (missing ones are skipped)."""
    files = _font_files()
    return tuple(files[n] for n in names if n in files)


@cache
def _glyph(path: Path, digit: int) -> npt.NDArray[np.uint8] | None:
    """The digit in that font, ink 255 on 0, cropped to its ink."""
    try:
        font = ImageFont.truetype(str(path), _GLYPH_PX)
    except OSError:
        return None
    image = Image.new("L", (_GLYPH_PX * 3, _GLYPH_PX * 3), 0)
    ImageDraw.Draw(image).text((_GLYPH_PX, _GLYPH_PX // 2), str(digit), fill=255, font=font)
    array = np.asarray(image)
    ys, xs = np.nonzero(array > 127)
    if len(xs) < 20:
        return None
    return np.ascontiguousarray(array[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def _font_digit(canvas: npt.NDArray[np.uint8], digit: int, x: float, y: float, h: float, ink: int,
                paths: tuple[Path, ...], rng: np.random.Generator) -> bool:
    """A font's digit slanted, turned, thickened or thinned, `h` px high at (x, y) (its top left)."""
    found = _glyph(paths[int(rng.integers(len(paths)))], digit)
    if found is None:
        return False
    glyph: npt.NDArray[np.uint8] = found
    weight = int(rng.integers(-2, 5))
    if weight > 0:
        glyph = np.asarray(cv2.dilate(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (weight * 2 + 1,) * 2)),
                           dtype=np.uint8)
    elif weight < 0 and min(glyph.shape) > 30:
        thinner = np.asarray(cv2.erode(glyph, np.ones((3, 3), np.uint8)), dtype=np.uint8)
        if thinner.max() > 127:
            glyph = thinner
    gh, gw = glyph.shape
    slant, angle = rng.uniform(-0.35, 0.25), math.radians(rng.uniform(-8, 8))
    squeeze = rng.uniform(0.75, 1.2)
    scale = h / gh
    # Affine: glyph pixel → canvas pixel (slant, turn and squeeze about the glyph's centre).
    a = np.array([[squeeze, -slant], [0.0, 1.0]]) @ np.array([[1.0, 0.0], [0.0, 1.0]])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    m = scale * (rot @ a)
    centre = np.array([gw / 2, gh / 2])
    target = np.array([x + squeeze * gw * scale / 2, y + h / 2])
    matrix = np.hstack([m, (target - m @ centre)[:, None]])
    warped = cv2.warpAffine(glyph, matrix, (canvas.shape[1], canvas.shape[0]), flags=cv2.INTER_AREA)
    alpha = warped.astype(np.float32) / 255
    canvas[:] = np.minimum(canvas, (255 - alpha * (255 - ink))).astype(np.uint8)
    return True


def _outline(canvas: npt.NDArray[np.uint8], x: float, y: float, w: float, h: float, thickness: int,
             angle: float) -> None:
    """A printed box outline (in px), turned a little about its centre."""
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = x + w / 2, y + h / 2
    corners = [(cx + dx * c - dy * s, cy + dx * s + dy * c)
               for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]
    shift = 4
    pts = np.round(np.asarray(corners) * (1 << shift)).astype(np.int32)
    cv2.polylines(canvas, [pts], True, 0, thickness, cv2.LINE_AA, shift)


def _write(canvas: npt.NDArray[np.uint8], digit: int, x: float, y: float, box_w: float, box_h: float,
           kind: str, font_paths: dict[str, tuple[Path, ...]], rng: np.random.Generator,
           ink: int) -> None:
    """`digit` written in the box (x, y, box_w, box_h) px by one hand or font."""
    height = box_h * rng.uniform(0.45, 0.9)
    dx, dy = rng.normal(0, 0.07 * box_w), rng.normal(0, 0.07 * box_h)
    if kind != "strokes" and font_paths[kind]:
        width = height * 0.6
        left = x + box_w / 2 - width / 2 + dx
        top = y + box_h / 2 - height / 2 + dy
        if _font_digit(canvas, digit, left, top, height, ink, font_paths[kind], rng):
            return
    width = min(box_w * 0.9, height * rng.uniform(0.45, 0.9))
    left = x + box_w / 2 - width / 2 + dx
    top = y + box_h / 2 - height / 2 + dy
    draw_strokes(canvas, digit_strokes(digit, rng), left, top, width, height, rng.uniform(0.18, 0.7) * PPMM, ink=ink)


def sample(digit: int, rng: np.random.Generator, font_paths: dict[str, tuple[Path, ...]],
           kinds: tuple[tuple[str, float], ...]) -> npt.NDArray[np.float32] | None:
    """One training image of `digit` written in a box on a form, through the reader's extraction."""
    box_w, box_h = rng.uniform(3.8, 4.6), rng.uniform(3.8, 4.6)
    side_w, side_h = box_w + 2 * _PAD_MM, box_h + 2 * _PAD_MM
    canvas = np.full((round(side_h * PPMM), round(side_w * PPMM)), 255, np.uint8)
    bx, by = _PAD_MM + rng.normal(0, 0.12), _PAD_MM + rng.normal(0, 0.12)
    outline = max(1, round(rng.uniform(0.15, 0.4) * PPMM))
    angle = math.radians(rng.normal(0, 0.6))
    px = (bx * PPMM, by * PPMM, box_w * PPMM, box_h * PPMM)
    _outline(canvas, *px, outline, angle)
    names = [k for k, _ in kinds]
    weights = np.asarray([p for _, p in kinds])
    ink = int(rng.integers(0, 130))
    # The neighbouring boxes of the same number, or a printed "/" between two numbers.
    for side in (-1, 1):
        roll = rng.random()
        if roll < 0.45:
            gap = 0.0 if rng.random() < 0.7 else rng.uniform(0.2, 0.8)
            nx = px[0] + side * (px[2] + gap * PPMM)
            _outline(canvas, nx, px[1], px[2], px[3], outline, angle)
            if rng.random() < 0.5:
                other = str(rng.choice(names, p=weights / weights.sum()))
                _write(canvas, int(rng.integers(10)), nx, px[1], px[2], px[3], other, font_paths, rng, ink)
        elif roll < 0.65:
            sx = px[0] + (px[2] + rng.uniform(0.3, 1.0) * PPMM if side > 0 else -rng.uniform(0.6, 1.3) * PPMM)
            top, bottom = px[1] + rng.uniform(0, 0.3) * px[3], px[1] + rng.uniform(0.7, 1.0) * px[3]
            cv2.line(canvas, (round(sx + 0.25 * PPMM), round(top)), (round(sx - 0.25 * PPMM), round(bottom)), 0,
                     max(1, round(rng.uniform(0.1, 0.25) * PPMM)), cv2.LINE_AA)
    kind = str(rng.choice(names, p=weights / weights.sum()))
    _write(canvas, digit, *px, kind, font_paths, rng, ink)
    lo, hi = rng.uniform(0, 90), rng.uniform(170, 255)
    washed = np.asarray(lo + canvas.astype(np.float32) * (hi - lo) / 255, dtype=np.float32)
    if rng.random() < 0.25:  # a shadow or a fold across the patch
        yy, xx = np.mgrid[0:canvas.shape[0], 0:canvas.shape[1]].astype(np.float32)
        theta = rng.uniform(0, 2 * math.pi)
        ramp = (xx * math.cos(theta) + yy * math.sin(theta)) / max(canvas.shape)
        washed *= np.asarray(1 - rng.uniform(0.1, 0.5) * np.clip(ramp + rng.uniform(-0.5, 0.5), 0, 1), np.float32)
    blurred = np.asarray(cv2.GaussianBlur(washed, (0, 0), rng.uniform(0.3, 1.3)), dtype=np.float32)
    noisy = np.asarray(blurred + rng.normal(0, rng.uniform(1, 12), blurred.shape), dtype=np.float32)
    gray = np.clip(noisy, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, data = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        if ok:
            gray = np.asarray(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)
    # The reader refines the box to within a pixel or two, now and then less well.
    off = 0.08 if rng.random() < 0.8 else 0.25
    refined = Box("digit", bx + rng.normal(0, off), by + rng.normal(0, off), box_w, box_h)
    return normalise(digit_ink(darkness_map(gray), (0.0, 0.0), refined))


_TRAIN_KINDS = (("strokes", 0.5), ("hand", 0.35), ("machine", 0.15))
_HELD_KINDS = (("strokes", 0.5), ("held", 0.5))


def _chunk(args: tuple[int, int, bool]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    seed, count, held = args
    rng = np.random.default_rng(seed)
    paths = {"hand": fonts(HANDWRITING_FONTS), "machine": fonts(MACHINE_FONTS), "held": fonts(HELD_OUT_FONTS)}
    kinds = _HELD_KINDS if held else _TRAIN_KINDS
    images: list[npt.NDArray[np.float32]] = []
    labels: list[int] = []
    while len(images) < count:
        digit = int(rng.integers(10))
        image = sample(digit, rng, paths, kinds)
        if image is not None:
            images.append(image)
            labels.append(digit)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def dataset(count: int, seed: int, held: bool = False, jobs: int = 2
            ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """`count` samples (fixed by `seed` whatever `jobs`); `held`: stroke digits and held-out fonts."""
    tasks = [(seed * 1000 + k, min(_CHUNK, count - start), held) for k, start in enumerate(range(0, count, _CHUNK))]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            parts = list(pool.map(_chunk, tasks))
    else:
        parts = [_chunk(t) for t in tasks]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def train(images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], rng: np.random.Generator,
          epochs: int = 16) -> Network:
    """The digit network (`omr.network.fit`): two convolutions (16 and 32 channels) and a hidden
    layer of 128. Each epoch every image is moved, turned and resized a little (`_jittered`), as the
    reader does to test a reading's steadiness (`omr.digits.steady`)."""
    return fit(images, labels, 10, rng, hidden=(128,), epochs=epochs, batch=128, augment=_jittered,
               convolutions=(16, 32))


def train_second(images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], rng: np.random.Generator,
                 epochs: int = 16) -> Network:
    """The second opinion: the same samples and jitters, seen as gradients beside pixels
    (`omr.digits.gradient_inputs`), standardised (histogram bins and pixels differ in scale)."""
    return fit(images, labels, 10, rng, hidden=(256, 128), epochs=epochs, batch=128, augment=_jittered,
               features=gradient_inputs, standardise=True)


# The reader trusts a digit only at its least probability over small moves, turns and resizes
# (`omr.digits._JITTERS`: ±1 px, ±4°, ±6 %): training on moves as large teaches the network to
# read the same digit alike under them, instead of learning it at one pose only.
_TURN_DEGREES = 4.0
_RESIZE = 0.06
_MOVE_PX = 1.0


def _jittered(images: npt.NDArray[np.float32], rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """The images each moved, turned and resized at random within what `steady` tries."""
    side = images.shape[1]
    centre = (side / 2, side / 2)
    out = np.empty_like(images)
    angles = rng.uniform(-_TURN_DEGREES, _TURN_DEGREES, len(images))
    scales = rng.uniform(1 - _RESIZE, 1 + _RESIZE, len(images))
    moves = rng.uniform(-_MOVE_PX, _MOVE_PX, (len(images), 2))
    for k, image in enumerate(images):
        matrix = cv2.getRotationMatrix2D(centre, float(angles[k]), float(scales[k]))
        matrix[:, 2] += moves[k]
        out[k] = cv2.warpAffine(image, matrix, (side, side))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omr.train_digits", description=__doc__)
    # 240 000 rather than 120 000: the convolutional network reads held-out digits better with
    # twice the samples (94.5 % → 95.1 %; at 0.96, 72.4 % of them with 0.055 % wrong → 75.2 %
    # with 0.027 %); training takes about 25 minutes on two cores.
    parser.add_argument("--samples", type=int, default=240000)
    parser.add_argument("--held", type=int, default=10000, help="held-out samples for the reported figures")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--second-out", type=Path, default=SECOND_MODEL_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.monotonic()
    used = fonts(HANDWRITING_FONTS) + fonts(MACHINE_FONTS)
    log.info("training fonts (%d): %s", len(used), ", ".join(str(p) for p in used))
    log.info("held-out fonts: %s", ", ".join(str(p) for p in fonts(HELD_OUT_FONTS)))
    images, labels = dataset(args.samples, SEED, jobs=args.jobs)
    held_images, held_labels = dataset(args.held, SEED + 1, held=True, jobs=args.jobs)
    log.info("%d samples generated in %.0f s", len(images), time.monotonic() - started)
    model = train(images, labels, np.random.default_rng(SEED), epochs=args.epochs)
    model.save(args.out)
    second = train_second(images, labels, np.random.default_rng(SEED + 2), epochs=args.epochs)
    second.save(args.second_out)
    for name, network, features in (("pixels", model, None), ("gradients", second, gradient_inputs)):
        seen = features(held_images) if features else held_images
        accuracy = float((network.probabilities(seen).argmax(axis=1) == held_labels).mean())
        print(f"{name}: held-out accuracy {accuracy:.4f} on {len(held_images)} samples (stroke digits and "
              "held-out fonts)")
    print(f"models written to {args.out} and {args.second_out} in {time.monotonic() - started:.0f} s")
    print(calibration(model, second, held_images, held_labels))
    return 0


def calibration(model: Network, second: Network, images: npt.NDArray[np.float32],
                labels: npt.NDArray[np.int64]) -> str:
    """How often held-out digits read at least as steadily as each level `omr.digits` uses are
    wrong, alone and seconded: the measure those levels are chosen by."""
    read, least, mean = steady(images, model)
    others = steady(images, second, gradient_inputs)
    seconded = seconds(read, others)
    together = pooled(mean, others[2])[np.arange(len(read)), read] >= POOLED_SURE
    lines = ["held-out digits by least steady probability (omr.digits.steady):"]
    rules = [(f"≥ {level}", least >= level) for level in CALIBRATED_LEVELS]
    rules.append((f"≥ {SURE}, or ≥ {SECONDED_PROBABILITY} seconded",
                  (least >= SURE) | ((least >= SECONDED_PROBABILITY) & seconded)))
    rules.append((f"… or pooled ≥ {POOLED_SURE}",
                  (least >= SURE) | ((least >= SECONDED_PROBABILITY) & seconded) | together))
    for rule, kept in rules:
        wrong = int((read[kept] != labels[kept]).sum())
        lines.append(f"  {rule:<28}: {kept.mean():6.1%} of digits, {wrong} wrong ({wrong / max(1, kept.sum()):.3%})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
