"""Synthetic filled pages: a blank render, hand marks and digits by plan, then a scanner or a phone.

Each page is written as an image and `<name>.truth.json` beside it (see README.md for the format).
A page is produced from `(seed, index)` alone, so one page of a large set can be made again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from domain.forms import catalog
from omr.layout import groups, page_boxes
from templating.store import load_layout, slug

from . import marks
from .degrade import degrade
from .plan import Draw, Odds, plan_page
from .render import DEFAULT_CACHE, BlankPage, blank_pages

log = logging.getLogger(__name__)

STYLES = ("scan", "phone")


_MARKS: dict[str, Callable[[marks.Image, dict[str, float], marks.Pen, np.random.Generator], None]] = {
    "tick": marks.tick,
    "cross": marks.cross,
    "circle": marks.circle,
    "dot": marks.dot,
    "fill": marks.fill,
    "half_fill": marks.half_fill,
    "tiny": marks.tiny,
    "scribble_beside": marks.scribble_beside,
}


def draw_one(img: marks.Image, draw: Draw, rng: np.random.Generator) -> None:
    """Draw one planned mark or digit with a random pen."""
    pen = marks.Pen.random(rng, pencil=draw.pencil)
    if draw.kind == "digit" and draw.digit is not None:
        marks.digit(img, draw.box, draw.digit, pen, rng)
    elif draw.kind == "overflow":
        (marks.cross if rng.random() < 0.5 else marks.tick)(img, draw.box, pen, rng, float(rng.uniform(1.5, 1.9)))
    elif draw.kind == "speck":
        marks.speck_in(img, draw.box, rng)
    else:
        _MARKS[draw.kind](img, draw.box, pen, rng)


def pages_with_boxes(form_id: str, cache: Path = DEFAULT_CACHE) -> list[BlankPage]:
    """The blank pages of a form that carry boxes (a page of prose only has nothing to read back)."""
    layout = load_layout(form_id)
    return [p for p in blank_pages(form_id, cache) if page_boxes(layout, p.identity.page)]


def fill(blank: BlankPage, rng: np.random.Generator, odds: Odds) -> tuple[marks.Image, dict[str, Any]]:
    """The blank page filled in by a synthetic clerk (no scanner yet), and its truth."""
    definition = catalog()[blank.form_id]
    layout = load_layout(blank.form_id)
    boxes = page_boxes(layout, blank.identity.page)
    plan = plan_page(definition, groups(boxes), blank.slots, rng, odds)
    img = blank.image()
    for draw in plan.draws:
        draw_one(img, draw, rng)
    marks.specks(img, rng, int(rng.integers(0, 12)), [_raw(b) for b in boxes])
    truth = {
        "form": blank.form_id,
        "identity": asdict(blank.identity),
        "names": {str(k): name for k, name in enumerate(blank.slots) if name},
        "values": {k: v for k, v in plan.truth.items() if not k.startswith("_")},
    }
    return img, truth


def make_page(blank: BlankPage, rng: np.random.Generator, style: str, odds: Odds) -> tuple[marks.Image, dict[str, Any]]:
    """One filled, degraded page and its truth."""
    img, truth = fill(blank, rng, odds)
    img, done = degrade(img, rng, style)
    truth["degradation"] = done
    return img, truth


def _raw(box: Any) -> dict[str, float]:
    return {"x": box.x, "y": box.y, "w": box.w, "h": box.h}


def generate(form_id: str, count: int, out: Path, seed: int, style: str = "mixed",
             cache: Path = DEFAULT_CACHE, odds: Odds | None = None) -> list[Path]:
    """`count` pages of `form_id` in `out`; returns the image paths."""
    odds = odds or Odds()
    out.mkdir(parents=True, exist_ok=True)
    blanks = pages_with_boxes(form_id, cache)
    written = []
    for index in range(count):
        rng = np.random.default_rng([seed, index, sum(map(ord, form_id))])
        chosen = style if style in STYLES else str(rng.choice(STYLES))
        blank = blanks[index % len(blanks)]
        img, truth = make_page(blank, rng, chosen, odds)
        name = f"{slug(form_id)}-{seed}-{index:04d}-{chosen}"
        jpeg = chosen == "phone" or rng.random() < 0.6
        path = out / (name + (".jpg" if jpeg else ".png"))
        params = [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 95))] if jpeg else []
        cv2.imwrite(str(path), img, params)
        truth["image"] = path.name
        (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(path)
    log.info("generated %d pages of %s in %s", count, form_id, out)
    return written
