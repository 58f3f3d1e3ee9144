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
from parsers.layout import Piece

_SPLIT_GAP = 3.0  # a gap wider than this many line heights ends a line


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
        height = max(1, sorted(w.box[3] - w.box[1] for w in row)[len(row) // 2])
        current = [row[0]]
        for word in row[1:]:
            if word.box[0] - current[-1].box[2] > _SPLIT_GAP * height:
                lines.append(WordLine(current))
                current = []
            current.append(word)
        lines.append(WordLine(current))
    return lines
