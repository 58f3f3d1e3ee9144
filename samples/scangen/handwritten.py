"""Official-layout tables written in by hand: one secretary's hand, and the table rows to write in.

The generators of filled-in official forms (`official_summary`, `official_minutes`) print a Word
form of the corpora, find its table's rows and columns by their headings (`table_rows`), wipe the
typed values and write new ones into the cells with a `Hand`: a handwriting font of the machine
(`parsers.train_rating_shapes.fonts`: Debian's fonts-* handwriting packages), one per document as
one secretary fills the table, at a hand's size and lean, in blue, violet or black, now and then
starting over the cell's left ruling.
"""

from __future__ import annotations

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
from .official import inside, mm

_INKS = {"blue": (150, 60, 25), "violet": (140, 40, 110), "black": (35, 35, 40)}  # BGR
_CAPITAL_MM = (2.3, 3.6)  # a capital's height as a secretary writes in a table cell
_NAME_HEADING = "ho va ten"

Cell = tuple[float, float, float, float]  # x, y, w, h in mm


@dataclass(frozen=True)
class TableRow:
    """One member's row as printed: the page, the member's name, and the cells (x, y, w, h in mm)
    of the columns looked for, by their keys."""

    page: int
    name: str
    cells: dict[str, Cell]


@cache
def table_rows(pdf_path: Path, headings: tuple[tuple[str, str], ...], required: str) -> tuple[TableRow, ...]:
    """Every member row, in reading order, of the tables whose heading row names `required` and
    the member's name; a column is found by its folded heading (`headings`: key, heading), the
    longest heading a cell's text holds naming it ("KHTNV" holds "htnv" too). A table that
    continues on the next page has the last columns seen."""
    rows: list[TableRow] = []
    columns: dict[str, tuple[float, float]] = {}
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages):
            for table in page.find_tables():
                for row in table.rows:
                    texts = {cell: _text(page, cell) for cell in row.cells if cell is not None}
                    headed = _headings(texts, headings)
                    if required in headed and "name" in headed:
                        columns = headed
                        continue
                    if not columns:
                        continue
                    by_column = {key: cell for cell in texts for key, (x0, x1) in columns.items()
                                 if x0 <= (cell[0] + cell[2]) / 2 <= x1}
                    name_cell = by_column.get("name")
                    if name_cell is None or not texts[name_cell].strip():
                        continue
                    cells = {key: mm(cell) for key, cell in by_column.items() if key != "name"}
                    if required in cells:
                        rows.append(TableRow(number, texts[name_cell].strip(), cells))
    return tuple(rows)


def _text(page: Any, cell: tuple[float, float, float, float]) -> str:
    """The cell's text, its lines joined by a space (a name wrapped in a narrow column)."""
    text, top = "", None
    for ch in (ch for ch in page.chars if inside(ch, cell)):
        if top is not None and abs(float(ch["top"]) - top) > 0.5 * float(ch["size"]):
            text += " "
        text, top = text + ch["text"], float(ch["top"])
    return " ".join(text.split())


def _headings(texts: dict[tuple[float, float, float, float], str], headings: tuple[tuple[str, str], ...]
              ) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for cell, text in texts.items():
        folded = fold(text).replace(" ", "")  # a heading's lines run together, unspaced
        if _NAME_HEADING.replace(" ", "") in folded:
            out["name"] = (cell[0], cell[2])
        held = [(len(heading), key) for key, heading in headings if heading.replace(" ", "") in folded]
        if held:
            key = max(held)[1]
            out.setdefault(key, (cell[0], cell[2]))
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


def write(image: np.ndarray, lines: list[str], cell: Cell, hand: Hand, rng: np.random.Generator,
          over_ruling: float) -> None:
    """The lines written into the cell (mm) in the hand, shrunk to fit its width and height,
    slightly turned; with odds `over_ruling`, starting over the cell's left ruling."""
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
    if rng.random() < over_ruling:
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
