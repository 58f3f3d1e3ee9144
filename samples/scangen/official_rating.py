"""The proposed rating of a printed official form written in by hand, for the scan reader's benchmark.

Mẫu 03, 04 and 05 end with "Đề nghị xếp loại mức chất lượng: ……", which the person or the
collective fills in with a pen: an abbreviation ("HTTNV") or the rating in words, in capitals or
not, sometimes in quotes, over the printed leader dots, often taller than the print and rising
into the line above. The dev corpus holds some thirty such answers in a few hands; `official`
prints the corpora's Word forms with their rating typed, and this wipes the typed answer, prints
the leader a blank form has there, and writes a rating drawn anew in a handwriting font of the
machine (`handwritten.Hand`), the truth following.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
from PIL import ImageFont

from domain.model import Rating
from domain.text import fold, strip_diacritics
from parsers.rating_shapes import STYLES
from parsers.train_rating_shapes import font_writes, phrase

from . import marks
from .handwritten import Hand, write
from .official import mm

_LABEL = "de nghi xep loai muc chat luong:"  # folded, as the printed line starts
_CAPITAL_MM = (2.6, 4.4)  # a capital's height on a rating line: bigger than in a table cell
_LEADER_STEP_MM = 0.7  # the printed leader's dots (a 13 pt font's periods), this far apart
_LEADER_DOT_MM = 0.15  # … and this wide each way from their middle
_STYLE_ODDS = {"abbreviation": 0.5, "words": 0.3, "capitals": 0.2}  # `phrase` quotes some words


@dataclass(frozen=True)
class AnswerSpot:
    """Where a form's typed rating answer is printed (mm, x, y, w, h): its page, its glyphs to
    wipe, and the answer's room, from the label's colon to the right margin over the line."""

    page: int
    glyphs: tuple[tuple[float, float, float, float], ...]
    room: tuple[float, float, float, float]


@cache
def answer_spot(pdf_path: Path) -> AnswerSpot | None:
    """The typed answer after the rating label, None when the form prints no such line."""
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages):
            right = max((float(w["x1"]) for w in page.extract_words()), default=float(page.width))
            for line in page.extract_text_lines():
                chars = [ch for ch in line["chars"] if not ch["text"].isspace()]
                label = _label_length("".join(ch["text"] for ch in chars))
                if label is None or label >= len(chars):
                    continue
                glyphs = tuple(mm((ch["x0"], ch["top"], ch["x1"], ch["bottom"])) for ch in chars[label:])
                room = mm((chars[label - 1]["x1"], line["top"], right, line["bottom"]))
                return AnswerSpot(number, glyphs, room)
    return None


def _label_length(text: str) -> int | None:
    """How many of the line's characters (spaces out) the label takes, None for another line."""
    wanted = _LABEL.replace(" ", "")
    folded = ""
    for k, ch in enumerate(text):
        folded += fold(ch)
        if not wanted.startswith(folded):
            return None
        if folded == wanted:
            return k + 1
    return None


def answer_text(rating: Rating, font: Path, rng: np.random.Generator) -> tuple[str, str]:
    """How a person writes the rating on the line in the font (as the shape model's training
    phrases it), and the style's name; the words without their accents when the font has no
    Vietnamese letters."""
    style = str(rng.choice(STYLES, p=[_STYLE_ODDS[name] for name in STYLES]))
    text = phrase(rating, style, rng)
    if not font_writes(ImageFont.truetype(str(font), 48), text):
        text = strip_diacritics(text)
    return text, style


def write_rating(images: list[np.ndarray], spot: AnswerSpot, rng: np.random.Generator) -> tuple[Rating, dict[str, str]]:
    """The typed answer replaced by the leader and a rating written by hand; the rating, and how."""
    image = images[spot.page]
    px = marks.PX_PER_MM
    for x, y, w, h in spot.glyphs:
        cv2.rectangle(image, (int(x * px), int(y * px)), (int((x + w) * px) + 1, int((y + h) * px) + 1),
                      (255, 255, 255), -1)
    x, y, w, h = spot.room
    baseline = y + 0.78 * h
    left, right = x + 0.6, x + w
    for k in range(int((right - left) / _LEADER_STEP_MM)):
        centre = (round((left + k * _LEADER_STEP_MM) * px * 16), round(baseline * px * 16))
        cv2.circle(image, centre, round(_LEADER_DOT_MM * px * 16), (30, 30, 30), -1, cv2.LINE_AA, 4)
    rating = Rating(str(rng.choice([r.value for r in Rating])))
    hand = replace(Hand.random(rng), capital_mm=float(rng.uniform(*_CAPITAL_MM)))
    text, style = answer_text(rating, hand.font, rng)
    start = left + float(rng.uniform(0.0, 0.3)) * max(0.0, right - left - 60.0)
    height = 2.2 * hand.capital_mm
    write(image, [text], (start, baseline - 0.75 * height, right - start, height), hand, rng, over_ruling=0.0)
    return rating, {"style": style, "text": text, "font": hand.font.stem}
