"""Where every box of a form lands on paper, measured on the PDF LibreOffice renders.

The builder knows each box's id and reading order; the PDF knows where the box glyphs are. The
glyphs are paired with the ids in reading order (a count mismatch is an error: the layout would
be wrong), then each square is measured on a 300 dpi rendering of the page, so the recorded
rectangle is the drawn square itself, not the font's em box. The reader maps these millimetre
positions onto a scan through the corner markers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pypdfium2

from templating.builder import BuiltTemplate
from templating.page import BOX_GLYPH, MARKER_MM, MM_PER_PT, QR_MM, QR_X_MM, QR_Y_MM

DPI = 300
PX_PER_MM = DPI / 25.4
LINE_TOLERANCE_PT = 3.0
SCHEMA = "kiemdiem.layout/1"


class LayoutMismatch(Exception):
    """The rendered PDF does not match the template's design (a page overflowed, a box went missing)."""


@dataclass(frozen=True)
class Box:
    id: str
    x: float  # mm from the page's left edge to the square's outer left side
    y: float  # mm from the page's top edge
    w: float
    h: float


def _reading_order(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines top to bottom (glyphs whose tops differ by less than a tolerance share a line), then left to right."""
    lines: list[list[dict[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(lines[-1][0]["top"] - ch["top"]) < LINE_TOLERANCE_PT:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [ch for line in lines for ch in sorted(line, key=lambda c: c["x0"])]


def _square(gray: np.ndarray, ch: dict[str, Any]) -> tuple[float, float, float, float]:
    """The drawn square inside a glyph's box, in mm: the largest square-ish dark outline there."""
    pad = 2
    x0, x1 = int(ch["x0"] * MM_PER_PT * PX_PER_MM) - pad, int(ch["x1"] * MM_PER_PT * PX_PER_MM) + pad
    y0, y1 = int(ch["top"] * MM_PER_PT * PX_PER_MM) - pad, int(ch["bottom"] * MM_PER_PT * PX_PER_MM) + pad
    crop = gray[max(y0, 0):y1, max(x0, 0):x1]
    _, ink = cv2.threshold(crop, 128, 255, cv2.THRESH_BINARY_INV)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rects = [cv2.boundingRect(c) for c in contours]
    rects = [r for r in rects if r[2] > 4 and r[3] > 4 and 0.75 < r[2] / r[3] < 1.33]
    if not rects:
        raise LayoutMismatch(f"no square drawn for the box glyph at {ch['x0']:.1f},{ch['top']:.1f} pt")
    x, y, w, h = max(rects, key=lambda r: r[2] * r[3])
    to_mm = 1 / PX_PER_MM
    return (max(x0, 0) + x) * to_mm, (max(y0, 0) + y) * to_mm, w * to_mm, h * to_mm


def measure(built: BuiltTemplate, pdf: Path) -> dict[str, Any]:
    """The layout record of a template from a PDF rendered with a sample context.

    Fixed forms must print exactly their designed pages; unit forms must print page 1 and at least
    one later page (the sample context has enough people).
    """
    with pdfplumber.open(pdf) as doc:
        pages = [[c for c in page.chars if c["text"] == BOX_GLYPH] for page in doc.pages]
    if built.repeating:
        if len(pages) < 2:
            raise LayoutMismatch(f"{built.definition.id}: the sample printed {len(pages)} page(s), need 2")
        designs = [built.pages[0], built.pages[1]]
        pages = pages[:2]
    else:
        designs = built.pages
        if len(pages) != len(designs):
            raise LayoutMismatch(
                f"{built.definition.id}: {len(pages)} pages printed, {len(designs)} designed (a page overflowed)"
            )
    rendered = pypdfium2.PdfDocument(str(pdf))
    try:
        out_pages = []
        for n, (chars, design) in enumerate(zip(pages, designs, strict=True)):
            if len(chars) != len(design):
                raise LayoutMismatch(
                    f"{built.definition.id} page {n + 1}: {len(chars)} boxes printed, {len(design)} designed"
                )
            image = rendered[n].render(scale=DPI / 72, grayscale=True).to_numpy()
            gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            boxes = []
            for box_id, ch in zip(design, _reading_order(chars), strict=True):
                try:
                    boxes.append(asdict(Box(box_id, *(round(v, 2) for v in _square(gray, ch)))))
                except LayoutMismatch as e:
                    raise LayoutMismatch(f"{built.definition.id} page {n + 1}, box {box_id}: {e}") from e
            out_pages.append(boxes)
    finally:
        rendered.close()
    page = built.page
    return {
        "schema": SCHEMA,
        "form": built.definition.id,
        "version": built.definition.version,
        "page_mm": [page.width_mm, page.height_mm],
        "markers": {corner: [x, y, MARKER_MM] for corner, (x, y) in page.marker_origins().items()},
        "qr": [QR_X_MM, QR_Y_MM, QR_MM],
        "slots": list(built.slots) if built.slots else None,
        "pages": out_pages,
    }


def write(layout: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(layout, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
