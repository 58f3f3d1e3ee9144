"""OCR words grouped into the text lines a reader sees, as layout pieces with their confidences.

Tesseract is asked for one block per page or cell; its words come back with boxes, and the lines
are rebuilt here from those boxes: words that share a baseline band form a line, and a wide gap
splits it (the two header columns of a form stand side by side, but are two texts).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ocr.tesseract import Word
from parsers.layout import LIST_START, Piece

_SPLIT_GAP = 3.0  # a gap wider than this many line heights ends a line
_WRAP_GAP = 0.8  # the most white between two wrapped lines of one paragraph, in line heights
_WRAP_INDENT = 3.0  # how far right of its next line a paragraph's first line may start (a bullet, an indent)
_WRAP_SMALLEST, _WRAP_LARGEST = 0.4, 1.6  # a wrapped line's height against its paragraph's line above


@dataclass
class WordLine:
    """Words of one line, left to right, in sheet pixels."""

    words: list[Word]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (
            min(w.box[0] for w in self.words),
            min(w.box[1] for w in self.words),
            max(w.box[2] for w in self.words),
            max(w.box[3] for w in self.words),
        )

    @property
    def height(self) -> int:
        """The median word height: a line's type size, whatever its accents and descenders."""
        return max(1, sorted(w.box[3] - w.box[1] for w in self.words)[len(self.words) // 2])

    def pieces(self) -> list[Piece]:
        """One piece per word, each with its own confidence, joined by spaces."""
        out: list[Piece] = []
        for k, word in enumerate(self.words):
            if k:
                out.append(Piece(" "))
            out.append(Piece(word.text, confidence=round(word.confidence, 3)))
        return out


def group_lines(words: Sequence[Word]) -> list[WordLine]:
    """Words into lines, top to bottom; each line's words left to right. A word joins a line when
    its centre lies within the line's typical band (the median top and bottom of its words): a
    handwritten number standing tall over its dotted line must not pull the next printed line
    into its own."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2):
        centre = (word.box[1] + word.box[3]) / 2
        if rows:
            last = rows[-1]
            top = statistics.median(w.box[1] for w in last)
            bottom = statistics.median(w.box[3] for w in last)
            if top <= centre <= bottom:
                last.append(word)
                continue
        rows.append([word])
    lines: list[WordLine] = []
    for row in rows:
        row.sort(key=lambda w: w.box[0])
        height = WordLine(row).height
        current = [row[0]]
        for word in row[1:]:
            if word.box[0] - current[-1].box[2] > _SPLIT_GAP * height:
                lines.append(WordLine(current))
                current = []
            current.append(word)
        lines.append(WordLine(current))
    return lines


def wraps_onto(prev: WordLine, line: WordLine, right: int) -> bool:
    """Whether `line` is the wrapped continuation of the paragraph whose last line is `prev` (a
    name too long for its line: "… Bệnh viện Đa khoa tỉnh Hà" / "Nam"), as a Word file keeps it
    one paragraph: close below in a like type size, starting where the paragraph does with no
    bullet, number or label of its own, and its first word would not have fitted at the end of
    `prev` before the text's right edge `right`, which is why the line broke. The type size is
    measured on `prev`: a short line of small letters ("xã") is about half as tall as one with
    capitals, accents and descenders."""
    h = prev.height
    if not _WRAP_SMALLEST * h <= line.height <= _WRAP_LARGEST * h:
        return False
    (px0, py0, px1, py1), (x0, y0, _, _) = prev.box, line.box
    if y0 <= py0 or y0 - py1 > _WRAP_GAP * h:
        return False
    first = line.words[0]
    if first.text.startswith(LIST_START) or first.text[:1].isdigit() or any(":" in w.text for w in line.words):
        return False
    if x0 > px0 + h or px0 - x0 > _WRAP_INDENT * h:
        return False
    return px1 + 0.3 * h + (first.box[2] - first.box[0]) > right
