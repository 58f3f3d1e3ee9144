"""Official-layout Mẫu 06 summaries filled in by hand, for the scan reader's benchmark.

Mẫu 06 (the branch's summary of every member's proposed ratings) is, where units print it
themselves, a table the secretary fills in with a pen after the meeting: an abbreviated rating in
each column of each member's row ("HTTNV"), and in the branch's column the rating with its vote
("HTTNV (5/6/7)", "HTNV 05/06/07", or the numbers on a second line under the letters). The dev
corpus holds two such scans (14 members); this makes as many as asked for.

The corpora's Mẫu 06 Word files are printed as `official` prints its forms; each typed rating is
wiped and the cell written again by hand with a rating (and for the branch a vote, the members
present and the branch's total) drawn anew, the truth following. The hand is a handwriting font of
the machine (`parsers.train_rating_shapes.fonts`: Debian's fonts-* handwriting packages), one per
document as one secretary fills the table, at a hand's size and lean, in blue, violet or black,
now and then starting over the cell's left ruling. The page is then scanned or photographed
(`degrade`). The truth keeps the corpus's format (`forms[].tallies`, `extra.rows`), so that
`benchmarks/official_scans.py` scores a generated set as it scores dev.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
from PIL import Image, ImageDraw, ImageFont

from domain.text import fold
from parsers.train_rating_shapes import fonts

from . import marks
from .degrade import degrade
from .official import Source, inside, mm, printed, raster, wipe

log = logging.getLogger(__name__)

FORM = "2018/mau-06"
# the columns a rating is written in, by their folded headings, in the truth's names
COLUMNS = {"self": "tu danh gia", "cs": "cong chuc", "committee": "chi uy", "mass_org": "tap the lanh dao",
           "branch": "chi bo danh gia"}
_NAME_HEADING = "ho va ten"
RATINGS = ("htxsnv", "httnv", "htnv", "khtnv")
_RESULT_ODDS = (0.15, 0.45, 0.3, 0.1)  # how often the branch gives each rating
_INKS = {"blue": (150, 60, 25), "violet": (140, 40, 110), "black": (35, 35, 40)}  # BGR
_CAPITAL_MM = (2.3, 3.6)  # a capital's height as a secretary writes in a table cell
_OVER_RULING = 0.2  # a cell written from just left of its left ruling
_TWO_LINES = 0.35  # the branch's numbers on a line of their own under the rating
_BLANK = 0.3  # an optional column (civil servant, mass organisation) left blank


@dataclass(frozen=True)
class SummaryRow:
    """One member's row as printed: the page, and the rating cells (x, y, w, h in mm) by column."""

    page: int
    name: str
    cells: dict[str, tuple[float, float, float, float]]


def summary_sources(found: list[Source]) -> list[Source]:
    """The Word files whose form is a Mẫu 06 with its members' tallies."""
    return [s for s in found if any(f.get("form") == FORM and f.get("tallies") for f in s.truth.get("forms", []))]


@cache
def summary_rows(pdf_path: Path) -> tuple[SummaryRow, ...]:
    """Every member row of the summary tables, in reading order; the columns are found by their
    headings, and a table that continues on the next page has the last ones seen."""
    rows: list[SummaryRow] = []
    columns: dict[str, tuple[float, float]] = {}
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages):
            for table in page.find_tables():
                for row in table.rows:
                    texts = {cell: _text(page, cell) for cell in row.cells if cell is not None}
                    headed = _headings(texts)
                    if "branch" in headed and "name" in headed:
                        columns = headed
                        continue
                    if not columns:
                        continue
                    by_column = {key: cell for cell in texts for key, (x0, x1) in columns.items()
                                 if x0 <= (cell[0] + cell[2]) / 2 <= x1}
                    name_cell = by_column.get("name")
                    if name_cell is None or not texts[name_cell].strip():
                        continue
                    cells = {key: mm(cell) for key, cell in by_column.items() if key in COLUMNS}
                    if "branch" in cells:
                        rows.append(SummaryRow(number, texts[name_cell].strip(), cells))
    return tuple(rows)


def _text(page: Any, cell: tuple[float, float, float, float]) -> str:
    return " ".join("".join(ch["text"] for ch in page.chars if inside(ch, cell)).split())


def _headings(texts: dict[tuple[float, float, float, float], str]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for cell, text in texts.items():
        folded = fold(text).replace(" ", "")  # a heading's lines run together, unspaced
        if _NAME_HEADING.replace(" ", "") in folded:
            out["name"] = (cell[0], cell[2])
        for key, heading in COLUMNS.items():
            if heading.replace(" ", "") in folded and key not in out:
                out[key] = (cell[0], cell[2])
    return out


@dataclass(frozen=True)
class Hand:
    """One secretary's writing: the font, the ink and the size of a capital."""

    font: Path
    ink: tuple[int, int, int]
    capital_mm: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Hand:
        names = sorted(fonts())
        ink = str(rng.choice(list(_INKS)))
        return cls(fonts()[names[int(rng.integers(len(names)))]], _INKS[ink], float(rng.uniform(*_CAPITAL_MM)))


def write(image: np.ndarray, lines: list[str], cell: tuple[float, float, float, float], hand: Hand,
          rng: np.random.Generator) -> None:
    """The lines written into the cell (mm) in the hand, shrunk to fit its width and height,
    slightly turned; sometimes starting over the cell's left ruling."""
    px = marks.PX_PER_MM
    x, y, w, h = cell
    size = hand.capital_mm
    for _ in range(8):
        ink = _rendered(lines, hand.font, size * px)
        if ink.shape[1] <= 0.92 * w * px and ink.shape[0] <= 0.9 * h * px:
            break
        size *= 0.88
    angle = float(rng.normal(0, 1.2))
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    ink = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (ink.shape[1], ink.shape[0]))
    spare_x = max(0.0, w * px - ink.shape[1])
    if rng.random() < _OVER_RULING:
        left = x * px - rng.uniform(0.3, 1.0) * px
    else:
        left = x * px + rng.uniform(0.15, 0.85) * spare_x
    top = y * px + (h * px - ink.shape[0]) / 2 + rng.uniform(-0.15, 0.15) * max(0.0, h * px - ink.shape[0])
    _blend(image, ink, round(left), round(top), hand.ink, float(rng.uniform(0.85, 1.0)))


def _rendered(lines: list[str], font_path: Path, capital_px: float) -> np.ndarray:
    """The lines' ink (0–255), left-aligned one under the other, tightly cropped."""
    probe = ImageFont.truetype(str(font_path), 100)
    box = probe.getbbox("H")
    font = ImageFont.truetype(str(font_path), max(6, round(100 * capital_px / max(1, box[3] - box[1]))))
    step = round(capital_px * 1.5)
    width = max(int(font.getbbox(line)[2]) for line in lines) + 20
    canvas = Image.new("L", (width, step * len(lines) + round(capital_px) + 20), 0)
    draw = ImageDraw.Draw(canvas)
    for k, line in enumerate(lines):
        draw.text((10, 10 + k * step), line, fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.uint8)
    ys, xs = np.nonzero(ink > 40)
    return ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].copy()


def _blend(image: np.ndarray, ink: np.ndarray, left: int, top: int, colour: tuple[int, int, int],
           strength: float) -> None:
    h, w = ink.shape
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(image.shape[1], left + w), min(image.shape[0], top + h)
    if x1 <= x0 or y1 <= y0:
        return
    alpha = (ink[y0 - top : y1 - top, x0 - left : x1 - left].astype(np.float32) / 255 * strength)[..., None]
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = (region * (1 - alpha) + np.asarray(colour, np.float32) * alpha).astype(np.uint8)


def branch_lines(rating: str, votes: int, present: int, total: int, rng: np.random.Generator) -> list[str]:
    """How a secretary writes the branch's cell: the rating and its vote, on one line or two."""
    padded = rng.random() < 0.35
    numbers = "/".join(f"{n:02d}" if padded else str(n) for n in (votes, present, total))
    if rng.random() < 0.5:
        numbers = f"({numbers})"
    word = rating.upper()
    return [word, numbers] if rng.random() < _TWO_LINES else [f"{word} {numbers}"]


def make_summary(source: Source, rng: np.random.Generator, cache_dir: Path
                 ) -> tuple[list[np.ndarray], dict[str, Any]] | None:
    """The source's Mẫu 06 filled by hand and scanned; None when its printed rows do not line up
    with its truth's members."""
    pdf = printed(source.docx, cache_dir)
    rows = summary_rows(pdf)
    truth = copy.deepcopy(source.truth)
    form = next(f for f in truth["forms"] if f.get("form") == FORM)
    tallies = form["tallies"]
    if len(rows) != len(tallies) or any(fold(r.name) != fold(t["name"]) for r, t in zip(rows, tallies, strict=False)):
        log.warning("printed rows do not match the truth", extra={"file": source.docx.name, "rows": len(rows)})
        return None
    images = list(raster(pdf))
    hand = Hand.random(rng)
    total = int(rng.integers(len(rows), max(len(rows), 30) + 1))
    present = total - int(rng.integers(0, min(3, total - 1) + 1))
    extra_rows = []
    for row, tally in zip(rows, tallies, strict=True):
        image = images[row.page]
        written: dict[str, str | None] = {}
        for key, cell in row.cells.items():
            wipe(image, cell, cell)
            if key == "branch":
                continue
            optional = key in ("cs", "mass_org")
            rating = None if optional and rng.random() < _BLANK else str(rng.choice(RATINGS))
            if rating is not None:
                write(image, [rating.upper()], cell, hand, rng)
            written[key] = rating
        result = str(rng.choice(RATINGS, p=_RESULT_ODDS))
        votes = int(rng.integers(present // 2 + 1, present + 1))
        write(image, branch_lines(result, votes, present, total, rng), row.cells["branch"], hand, rng)
        written["branch"] = result
        tally.update({"votes": {result: votes}, "present": present, "total": total, "result": result})
        extra_rows.append({"name": tally["name"], **{k: written.get(k) for k in COLUMNS}})
    form.setdefault("extra", {})["rows"] = extra_rows
    form["criteria"] = []
    style = str(rng.choice(("scan", "phone")))
    done = []
    for k, image in enumerate(images):
        images[k], degradation = degrade(image, rng, style)
        done.append(degradation)
    truth["render"] = {"source": source.docx.name, "degradation": done,
                       "hand": {"font": hand.font.stem, "capital_mm": round(hand.capital_mm, 2)}}
    return images, truth
