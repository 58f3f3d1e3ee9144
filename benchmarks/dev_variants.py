"""The dev corpus's scans and photos taken again as a user's phone or scanner might give them.

    .venv/bin/python -m benchmarks.dev_variants OUT_DIR [--worn | --photo | --office] [--corpus DIR]
    python3 ../shared/tools/score_dev.py --product-cmd .venv/bin/kiemdiem --corpus OUT_DIR --no-cases

The dev corpus holds each scanned page once, upright or nearly. The same pages come in turned, smaller
and askew, and the reader must give the same values: every JPEG and PNG file with ground truth is
written several ways, each as a JPEG beside a copy of its truth (`file` and `variant` changed). By
default, at quality 80: as it is (the re-encoding alone, the control the others are compared with),
turned a quarter clockwise, turned upside down, reduced to three quarters of its size (a photo sent
through a messenger: dev `doc_0002` is then a 110 dpi page), and tilted 2.5° with the desk continued
past the old edges. `--worn`, at quality 60: in grey, blurred (σ 1 pixel), reduced to 0.6, and dimmed
(its contrast cut to 0.6, lifted to grey paper). `--photo`, at quality 80: photographed from below the
page's foot (its top 4% narrower on each side), under a shadow falling across it (55% of the light
left on one side), under a warm lamp (blue cut to 0.72, green to 0.9), in low light (grain of 12
grey levels), and at a phone's full size (twice as large). `--office`, as an office's tools pass them
on: scanned in black and white (one bit, Otsu's threshold, a Group 4 TIFF), made black and white by a
phone's scanning app (one bit, thresholded against the neighbourhood's mean, a PNG), tagged 96 dpi (a program's
"save as"; the PNG's pixels as they were), put in a PDF a point per pixel (an image-to-PDF converter's
72 dpi page), and pasted into a Word file (16 cm wide, as a clerk without a scanner sends photos). A wrong value with no `unreadable` finding on any
of them is a silent error the dev corpus does not show (session 56: a Mẫu 06 photo tilted, an HTXSNV
taken for HTTNV; a Mẫu 05 photo blurred, two criteria numbered under the wrong heading).
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.official_scans import DEFAULT_CORPUS

_IMAGE_VARIANTS = ("scan_jpg", "scan_png")
_TILT_DEG = 2.5
_REDUCED, _HALVED = 0.75, 0.6
_QUALITY, _WORN_QUALITY = 80, 60  # --photo at the default
_DIMMED = (0.6, 70.0)  # contrast kept, paper's lift
_LEAN_IN = 0.04  # share of the width the page's top is narrowed by on each side
_SHADOW = 0.55  # the light left on the shadowed side
_WARM = (0.72, 0.9, 1.0)  # the lamp's light on blue, green and red
_GRAIN = 12.0  # the low light's noise, in grey levels
_FULL_SIZE = 2.0  # a phone's full-size picture: twice the dev photos' size, about 300 dpi on A4
_APP_BLOCK, _APP_OFFSET = 1 / 40, 15  # a scanning app's threshold: its neighbourhood, and how much darker


def _tilted(image: np.ndarray) -> np.ndarray:
    """Turned by `_TILT_DEG` about its centre, the picture's edges continued by reflection: a
    photo taken askew shows desk, not white, beyond the paper (white corners are no photo's)."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), _TILT_DEG, 1.0)
    return np.asarray(cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT))


def _reduced(image: np.ndarray, factor: float) -> np.ndarray:
    return np.asarray(cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA))


def _grey(image: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR))


def _leaning(image: np.ndarray) -> np.ndarray:
    """Photographed from below the page's foot: its top `_LEAN_IN` narrower on each side than its
    foot, the desk continued past the old edges."""
    h, w = image.shape[:2]
    inset = _LEAN_IN * w
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = np.float32([[inset, 0], [w - inset, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, target)
    return np.asarray(cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT))


def _shadowed(image: np.ndarray) -> np.ndarray:
    """A shadow across the page (a phone held over it): the light falls from full on the right to
    `_SHADOW` of it on the left."""
    w = image.shape[1]
    light = np.linspace(_SHADOW, 1.0, w, dtype=np.float32)[None, :, None]
    return np.clip(image.astype(np.float32) * light, 0, 255).astype(np.uint8)


def _warm(image: np.ndarray) -> np.ndarray:
    """Under a warm lamp: blue and green cut (`_WARM`), the paper yellow all over."""
    return np.clip(image.astype(np.float32) * np.array(_WARM, np.float32), 0, 255).astype(np.uint8)


def _noisy(image: np.ndarray) -> np.ndarray:
    """In low light: the sensor's grain (`_GRAIN` levels), the same for each run."""
    grain = np.random.default_rng(5).normal(0.0, _GRAIN, image.shape)
    return np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def _dimmed(image: np.ndarray) -> np.ndarray:
    contrast, lift = _DIMMED
    return np.clip(image.astype(np.float32) * contrast + lift, 0, 255).astype(np.uint8)


Variant = Callable[[np.ndarray], np.ndarray]
VARIANTS: dict[str, Variant] = {
    "jpg": lambda image: image,
    "r90": lambda image: np.asarray(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)),
    "r180": lambda image: np.asarray(cv2.rotate(image, cv2.ROTATE_180)),
    "small": lambda image: _reduced(image, _REDUCED),
    "tilt": _tilted,
}
WORN: dict[str, Variant] = {
    "grey": _grey,
    "blur": lambda image: np.asarray(cv2.GaussianBlur(image, (0, 0), 1.0)),
    "half": lambda image: _reduced(image, _HALVED),
    "dim": _dimmed,
}
PHOTO: dict[str, Variant] = {
    "lean": _leaning,
    "shadow": _shadowed,
    "warm": _warm,
    "noisy": _noisy,
    "big": lambda image: np.asarray(cv2.resize(image, None, fx=_FULL_SIZE, fy=_FULL_SIZE, interpolation=cv2.INTER_CUBIC)),
}


def _bilevel_tiff(image: np.ndarray, stem: Path) -> tuple[str, str]:
    from PIL import Image

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    _, bits = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    path = stem.with_suffix(".tif")
    Image.fromarray(bits).convert("1").save(path, compression="group4")
    return path.name, "scan_tif"


def _app_bilevel_png(image: np.ndarray, stem: Path) -> tuple[str, str]:
    """A scanning app's "black and white": each pixel against its neighbourhood (`_APP_BLOCK` of the
    picture's long side), so a shadow stays paper and the desk's edge becomes a drawn line."""
    from PIL import Image

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    block = int(max(grey.shape) * _APP_BLOCK) | 1
    bits = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, _APP_OFFSET)
    path = stem.with_suffix(".png")
    Image.fromarray(bits).convert("1").save(path)
    return path.name, "scan_png"


def _tagged_96(image: np.ndarray, stem: Path) -> tuple[str, str]:
    from PIL import Image

    path = stem.with_suffix(".png")
    Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).save(path, dpi=(96, 96))
    return path.name, "scan_png"


def _pdf_point_per_pixel(image: np.ndarray, stem: Path) -> tuple[str, str]:
    from PIL import Image

    path = stem.with_suffix(".pdf")
    Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).save(path, resolution=72.0, quality=90)
    return path.name, "scan_pdf"


def _in_word(image: np.ndarray, stem: Path) -> tuple[str, str]:
    import docx
    from docx.shared import Cm

    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise SystemExit(f"cannot encode {stem.name}")
    document = docx.Document()
    document.add_paragraph("Ảnh chụp biểu mẫu gửi kèm.")
    document.add_picture(io.BytesIO(jpeg.tobytes()), width=Cm(16))
    path = stem.with_suffix(".docx")
    document.save(str(path))
    return path.name, "scan_docx"


# each writes a page beside `stem` in its own container and says which, for score_dev's table
Output = Callable[[np.ndarray, Path], tuple[str, str]]
OFFICE: dict[str, Output] = {
    "bw": _bilevel_tiff,
    "appbw": _app_bilevel_png,
    "tag96": _tagged_96,
    "pdf72": _pdf_point_per_pixel,
    "inword": _in_word,
}


def _jpeg(make: Variant, quality: int) -> Output:
    def write(image: np.ndarray, stem: Path) -> tuple[str, str]:
        path = stem.with_suffix(".jpg")
        cv2.imwrite(str(path), make(image), [cv2.IMWRITE_JPEG_QUALITY, quality])
        return path.name, "scan_jpg"

    return write


def _image_scans(corpus: Path) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """Each image scan of `corpus` with its truth."""
    for truth_path in sorted(corpus.rglob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("variant") not in _IMAGE_VARIANTS:
            continue
        image = cv2.imread(str(truth_path.parent / truth["file"]), cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"cannot read {truth['file']}")
        yield truth, image


def write_variants(corpus: Path, out: Path, variants: dict[str, Variant] = VARIANTS, quality: int = _QUALITY) -> int:
    """Every image scan of `corpus` written in each variant under `out/files`, as a JPEG; how many files."""
    return write_outputs(corpus, out, {name: _jpeg(make, quality) for name, make in variants.items()})


def write_outputs(corpus: Path, out: Path, outputs: dict[str, Output]) -> int:
    """Every image scan of `corpus` written by each of `outputs` under `out/files`, each beside a
    copy of its truth naming the new file and its container; how many files."""
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    written = 0
    for truth, image in _image_scans(corpus):
        stem = Path(truth["file"]).stem
        for name, write in outputs.items():
            target, variant = write(image, files / f"{stem}-{name}")
            copy = dict(truth, file=target, variant=variant)
            (files / f"{stem}-{name}.truth.json").write_text(json.dumps(copy, ensure_ascii=False), encoding="utf-8")
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    kind = ap.add_mutually_exclusive_group()
    kind.add_argument("--worn", action="store_true", help="grey, blurred, halved and dimmed, at JPEG quality 60")
    kind.add_argument("--photo", action="store_true",
                      help="photographed leaning back, under a shadow, under a warm lamp, in low light, at full size")
    kind.add_argument("--office", action="store_true",
                      help="black and white (a scanner's, a phone app's), tagged 96 dpi, in a PDF a point per pixel, "
                           "pasted into a Word file")
    ap.add_argument("--corpus", type=Path, default=Path(DEFAULT_CORPUS))
    args = ap.parse_args(argv)
    if args.worn:
        count = write_variants(args.corpus, args.out, WORN, _WORN_QUALITY)
    elif args.office:
        count = write_outputs(args.corpus, args.out, OFFICE)
    else:
        count = write_variants(args.corpus, args.out, PHOTO if args.photo else VARIANTS)
    print(f"{count} files written under {args.out / 'files'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
