"""Official-layout scans filled in by hand: the forms most units print themselves, with no QR code,
no markers and no boxes, for the scan reader's benchmark (`benchmarks/official_scans.py`).

The Word files of a corpus whose forms have a criteria grid (Mẫu 03, 04, 05, with typed level marks
and their truth) are printed as a unit would print them (LibreOffice → PDF → 300 dpi raster). Each
typed mark is wiped and the row is marked again by hand at a level drawn anew (the truth follows):
a tick, cross, circle, dot or overflowing mark in blue, black or pencil, of a hand's size wherever
in the cell, from `marks`, sometimes with a scribbled-out mark or a speck in another level cell of
the row. The page is then scanned or photographed (`degrade`: skew, photo perspective, shadows,
folds, blur, noise, quarter turns). The dev corpus's 34 scans hold 161 criterion cells; this gives
as many pages as asked for, each different, from the same few layouts.

Output: one file per document (a JPEG or PNG for a one-page form, an image-only PDF otherwise)
and a `<name>.truth.json` in the corpus's own format (`forms[].criteria[].level`, the printed
rating), so that the benchmark reads a generated set as it reads the dev corpus.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pypdfium2
from PIL import Image

from domain.text import fold

from . import marks
from .degrade import degrade
from .generate import draw_one
from .plan import Draw
from .render import DEFAULT_CACHE, DPI

log = logging.getLogger(__name__)

_CORPUS = Path(os.environ.get("KIEMDIEM_CORPUS", "/work/shared/corpus/dev"))
DEFAULT_CORPORA = (_CORPUS, _CORPUS.with_name("dev_docx"))
LEVELS = ("xuat_sac", "tot", "trung_binh", "kem")  # the level columns, left to right
_TYPED_MARKS = frozenset("Xx✓✔•☒")
_LEVEL_NAMES = frozenset(("xuatsac", "tot", "trungbinh", "kem"))  # level headings, folded, spaces out
_HAND_KINDS = ("tick", "cross", "circle", "dot", "overflow")
_PT_PER_MM = 72 / 25.4
_MARK_MM = (4.0, 6.5)  # side of the square a hand mark is drawn in
_PENCIL = 0.1
_SCRIBBLE = 0.04  # a mark scribbled out in another level cell of the row
_SPECK = 0.04
_RULING_CLEAR_MM = 0.5  # a wipe keeps this far inside the cell, clear of its ruling lines
_SAME_EDGE_PT = 1.5  # cells of one table row share their top and bottom to this much


@dataclass(frozen=True)
class LevelRow:
    """One criterion row as printed: its level cells (x, y, w, h in mm, left to right), the one
    holding the typed mark, and the typed mark's glyph boxes (mm) to wipe."""

    page: int
    cells: tuple[tuple[float, float, float, float], ...]
    marked: int
    glyphs: tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True)
class Source:
    """A Word form with a criteria grid and its truth entry (the corpus's format)."""

    docx: Path
    truth: dict[str, Any]


def word_sources(corpora: list[Path]) -> list[Source]:
    """The Word files of the corpora (single files and dossiers) with their truth."""
    found: list[Source] = []
    for corpus in corpora:
        entries: list[tuple[Path, dict[str, Any]]] = []
        for path in sorted(corpus.rglob("*.truth.json")):
            entries.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted(corpus.rglob("case_truth.json")):
            entries += [(path.parent, e) for e in json.loads(path.read_text(encoding="utf-8"))["files"]]
        for folder, entry in entries:
            if entry.get("variant") == "docx" and (folder / entry["file"]).is_file():
                found.append(Source(folder / entry["file"], entry))
    return found


def graded_sources(found: list[Source]) -> list[Source]:
    """The Word files whose forms grade criteria."""
    return [s for s in found
            if any(c.get("level") for form in s.truth.get("forms", []) for c in form.get("criteria", []))]


def tally_sources(found: list[Source], form: str) -> list[Source]:
    """The Word files whose form is `form` with its members' tallies (Mẫu 06, the minutes)."""
    return [s for s in found if any(f.get("form") == form and f.get("tallies") for f in s.truth.get("forms", []))]


def printed(docx: Path, cache: Path) -> Path:
    """The Word file as LibreOffice prints it to PDF, cached by content (a second a document)."""
    digest = hashlib.sha256(docx.read_bytes()).hexdigest()[:12]
    pdf = cache / "official-pdf" / f"{docx.stem}-{digest}.pdf"
    if not pdf.is_file():
        pdf.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as work:
            shutil.copy(docx, Path(work) / docx.name)
            subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
                            "--convert-to", "pdf", "--outdir", work, str(Path(work) / docx.name)],
                           check=True, capture_output=True, timeout=180)
            shutil.move(Path(work) / f"{docx.stem}.pdf", pdf)
    return pdf


@cache
def level_rows(pdf_path: Path) -> tuple[LevelRow, ...]:
    """Every table row whose level cells hold one typed mark, in reading order. The level columns
    are those headed by a level's name; a page that continues a grid has the last ones seen."""
    rows: list[LevelRow] = []
    columns: list[tuple[float, float]] = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages):
            for table in page.find_tables():
                cells = [tuple(float(v) for v in c) for c in table.cells]
                texts = {cell: [ch for ch in page.chars if inside(ch, cell) and not ch["text"].isspace()]
                         for cell in cells}
                headed = sorted((c[0], c[2]) for c in cells
                                if fold("".join(ch["text"] for ch in texts[c])) in _LEVEL_NAMES)
                if len(headed) == len(LEVELS):
                    columns = headed
                for cell, glyphs in texts.items():
                    if len(glyphs) != 1 or glyphs[0]["text"] not in _TYPED_MARKS or not columns:
                        continue
                    row = [c for c in cells if abs(c[1] - cell[1]) <= _SAME_EDGE_PT
                           and abs(c[3] - cell[3]) <= _SAME_EDGE_PT]
                    levels = sorted((c for c in row if any(x0 - _SAME_EDGE_PT <= (c[0] + c[2]) / 2 <= x1
                                                           for x0, x1 in columns)), key=lambda c: c[0])
                    if cell not in levels:
                        continue
                    rows.append(LevelRow(number, tuple(mm(c) for c in levels), levels.index(cell),
                                         tuple(mm((g["x0"], g["top"], g["x1"], g["bottom"])) for g in glyphs)))
    return tuple(sorted(rows, key=lambda r: (r.page, r.cells[0][1])))


def inside(char: dict[str, Any], cell: tuple[float, ...]) -> bool:
    x = (float(char["x0"]) + float(char["x1"])) / 2
    y = (float(char["top"]) + float(char["bottom"])) / 2
    return cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]


def mm(box: tuple[float, ...]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (v / _PT_PER_MM for v in box)
    return x0, y0, x1 - x0, y1 - y0


def _graded(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The truth's criteria that have a level, in printed order (as the typed marks are)."""
    return [c for form in truth["forms"] for c in form.get("criteria", []) if c.get("level")]


def raster(pdf_path: Path) -> Iterator[np.ndarray]:
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            image = page.render(scale=DPI / 72).to_pil().convert("RGB")
            page.close()
            yield np.asarray(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR), dtype=np.uint8)
    finally:
        pdf.close()


def _hand_box(cell: tuple[float, float, float, float], rng: np.random.Generator) -> dict[str, float]:
    """A square the size of a hand's mark somewhere in the cell (mm)."""
    x, y, w, h = cell
    side = min(float(rng.uniform(*_MARK_MM)), w - 1.0, h - 1.0)
    cx = x + w / 2 + rng.uniform(-0.25, 0.25) * (w - side)
    cy = y + h / 2 + rng.uniform(-0.25, 0.25) * (h - side)
    return {"x": cx - side / 2, "y": cy - side / 2, "w": side, "h": side}


def _scribbled_out(image: np.ndarray, box: dict[str, float], rng: np.random.Generator) -> None:
    """A mark the clerk took back: drawn, then struck through by a tight zigzag taller than it."""
    pen = marks.Pen.random(rng)
    (marks.cross if rng.random() < 0.5 else marks.tick)(image, box, pen, rng)
    x, y, w, h = (box[k] * marks.PX_PER_MM for k in ("x", "y", "w", "h"))
    strokes = int(rng.integers(5, 9))
    xs = np.linspace(x - 0.1 * w, x + 1.1 * w, strokes)
    ys = np.where(np.arange(strokes) % 2 == 0, y - 0.15 * h, y + 1.15 * h) + rng.normal(0, 0.05 * h, strokes)
    points = np.stack([xs, ys], axis=1) + rng.normal(0, 0.03 * w, (strokes, 2))
    heavy = marks.Pen(pen.colour, max(pen.width_mm, 0.5))
    cv2.polylines(image, [np.round(points * 16).astype(np.int32)], False, heavy.colour, heavy.px, cv2.LINE_AA, 4)


def wipe(image: np.ndarray, glyph: tuple[float, float, float, float], cell: tuple[float, float, float, float]) -> None:
    """The typed mark painted over with paper, inside its cell only: a glyph's box runs from the
    font's ascent to its descent, past a tight row's ruling lines, which must stay printed."""
    px = marks.PX_PER_MM
    x, y, w, h = glyph
    cx, cy, cw, ch = cell
    left, top = max(x, cx + _RULING_CLEAR_MM), max(y, cy + _RULING_CLEAR_MM)
    right, bottom = min(x + w, cx + cw - _RULING_CLEAR_MM), min(y + h, cy + ch - _RULING_CLEAR_MM)
    cv2.rectangle(image, (int(left * px), int(top * px)), (int(right * px), int(bottom * px)), (255, 255, 255), -1)


def _fill_row(images: list[np.ndarray], row: LevelRow, rng: np.random.Generator) -> tuple[str, dict[str, str]]:
    """Wipe the typed mark and mark the row by hand at a new level; the level, and how it was
    drawn (kind, pencil, any oddity)."""
    image = images[row.page]
    for glyph in row.glyphs:
        wipe(image, glyph, row.cells[row.marked])
    level = int(rng.integers(len(row.cells)))
    kind = str(rng.choice(_HAND_KINDS))
    pencil = bool(rng.random() < _PENCIL)
    draw_one(image, Draw(kind, _hand_box(row.cells[level], rng), pencil=pencil), rng)
    others = [k for k in range(len(row.cells)) if k != level]
    odd = {"mark": kind + (" in pencil" if pencil else "")}
    roll = rng.random()
    if roll < _SCRIBBLE:
        other = int(rng.choice(others))
        _scribbled_out(image, _hand_box(row.cells[other], rng), rng)
        odd["scribbled_out"] = LEVELS[other]
    elif roll < _SCRIBBLE + _SPECK:
        draw_one(image, Draw("speck", _hand_box(row.cells[int(rng.choice(others))], rng)), rng)
        odd["speck"] = "yes"
    return LEVELS[level], odd


def make_document(source: Source, rng: np.random.Generator, cache: Path, hand_ratings: float = 0.0
                  ) -> tuple[list[np.ndarray], dict[str, Any]] | None:
    """The source form filled by hand and scanned; None when its typed marks do not line up with
    its truth (a layout this generator does not understand). With odds `hand_ratings`, the
    proposed rating is written by hand too (`official_rating`); without, the rng draws as it
    always did, so sets made before it are made again the same."""
    pdf = printed(source.docx, cache)
    rows = level_rows(pdf)
    graded = _graded(source.truth)
    if len(rows) != len(graded) or any(len(r.cells) != len(LEVELS) or LEVELS[r.marked] != c["level"]
                                       for r, c in zip(rows, graded, strict=False)):
        log.warning("typed marks do not match the truth", extra={"file": source.docx.name, "rows": len(rows),
                                                                  "graded": len(graded)})
        return None
    images = list(raster(pdf))
    truth = copy.deepcopy(source.truth)
    drawn: dict[str, dict[str, str]] = {}
    for row, criterion in zip(rows, _graded(truth), strict=True):
        criterion["level"], drawn[criterion["id"]] = _fill_row(images, row, rng)
    written = _hand_rating(images, pdf, truth, rng) if hand_ratings and rng.random() < hand_ratings else None
    done = scanned(images, rng)
    truth["render"] = {"source": source.docx.name, "degradation": done, "marks": drawn}
    if written is not None:
        truth["render"]["rating"] = written
    return images, truth


def _hand_rating(images: list[np.ndarray], pdf: Path, truth: dict[str, Any], rng: np.random.Generator
                 ) -> dict[str, str] | None:
    """The form's proposed rating written by hand over its typed one, the truth following; how it
    was written, or None for a form with no rating line (it keeps its typed rating)."""
    from . import official_rating  # it builds on this module

    spot = official_rating.answer_spot(pdf)
    rated = [form for form in truth["forms"] if form.get("rating")]
    if spot is None or len(rated) != 1:
        return None
    rating, how = official_rating.write_rating(images, spot, rng)
    rated[0]["rating"]["value"] = rating.value
    return how


def scanned(images: list[np.ndarray], rng: np.random.Generator) -> list[dict[str, Any]]:
    """The pages scanned or photographed (`degrade`), all in one style as one file is, in place;
    what was done to each."""
    style = str(rng.choice(("scan", "phone")))
    done = []
    for k, image in enumerate(images):
        images[k], degradation = degrade(image, rng, style)
        done.append(degradation)
    return done


Maker = Callable[[Source, np.random.Generator, Path], "tuple[list[np.ndarray], dict[str, Any]] | None"]


KINDS = ("graded", "summaries", "minutes")


def generate_official(corpora: list[Path], count: int, out: Path, seed: int, cache: Path = DEFAULT_CACHE,
                      kind: str = "graded", hand_ratings: float = 0.0, miswritten: float = 0.0) -> list[Path]:
    """`count` documents in `out`, drawn in turn from the corpora's Word forms of the `kind`
    (`KINDS`: the forms that grade criteria, with odds `hand_ratings` their rating written by hand
    too; Mẫu 06 summaries, `official_summary`; vote-count minutes, `official_minutes`, with odds
    `miswritten` a row's result not its votes' outcome); returns the
    truth files. A document depends only on `(seed, index)` and the corpora."""
    found = word_sources(corpora)
    make: Maker
    if kind == "summaries":
        from . import official_summary as summary  # they build on this module

        found, make, prefix = tally_sources(found, summary.FORM), summary.make_summary, "summary"
    elif kind == "minutes":
        from . import official_minutes as minutes

        found, make, prefix = tally_sources(found, minutes.FORM), partial(minutes.make_minutes, miswritten=miswritten), "minutes"
    elif kind == "graded":
        found, make, prefix = graded_sources(found), partial(make_document, hand_ratings=hand_ratings), "official"
    else:
        raise ValueError(f"unknown kind {kind!r}: one of {KINDS}")
    if not found:
        raise FileNotFoundError(f"no Word form to fill under {', '.join(map(str, corpora))}")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for index in range(count):
        rng = np.random.default_rng([seed, index])
        made = make(found[index % len(found)], rng, cache)
        if made is None:
            continue
        images, truth = made
        name = f"{prefix}-{seed}-{index:04d}"
        file = save(images, out / name, rng)
        truth |= {"file": file.name, "pages": len(images),
                  "variant": "scan_pdf" if file.suffix == ".pdf" else f"scan_{file.suffix[1:]}",
                  "kind": "pdf_scan" if file.suffix == ".pdf" else "image"}
        truth_path = out / f"{name}.truth.json"
        truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(truth_path)
    log.info("generated %d official-layout documents in %s", len(written), out)
    return written


def save(images: list[np.ndarray], stem: Path, rng: np.random.Generator) -> Path:
    """A one-page document as a JPEG (or now and then a PNG), several pages as an image-only PDF."""
    quality = int(rng.integers(70, 95))
    if len(images) == 1:
        path = stem.with_suffix(".jpg" if rng.random() < 0.7 else ".png")
        params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix == ".jpg" else []
        cv2.imwrite(str(path), images[0], params)
        return path
    pages = [Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in images]
    path = stem.with_suffix(".pdf")
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=float(DPI), quality=quality)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.scangen.official", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=120, help="documents (one to three pages each)")
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE / "official")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--corpus", type=Path, action="append",
                        help=f"where the Word forms are (repeatable; default {' and '.join(map(str, DEFAULT_CORPORA))})")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the printed PDFs are kept")
    parser.add_argument("--kind", choices=KINDS, default="graded",
                        help="criteria grids marked by hand (graded), Mẫu 06 summaries (official_summary) or "
                             "vote-count minutes (official_minutes) written by hand")
    parser.add_argument("--hand-ratings", type=float, default=0.0, metavar="ODDS",
                        help="graded forms: the share whose proposed rating is written by hand (default: none, "
                             "the rating stays typed)")
    parser.add_argument("--miswritten", type=float, default=0.0, metavar="ODDS",
                        help="minutes: the share of rows whose written result is one rating off the votes' outcome "
                             "(default: none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    written = generate_official(args.corpus or list(DEFAULT_CORPORA), args.count, args.out, args.seed, args.cache,
                                args.kind, args.hand_ratings, args.miswritten)
    print(f"{len(written)} documents in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
