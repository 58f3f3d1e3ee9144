"""The neutral layout every reader produces and the form reader consumes.

A Word file, a text PDF and a scanned page all become the same thing: ordered lines of text pieces
and table grids of cells, each piece saying whether it is a live mark (a glyph, a ticked box, ink
found in a scanned cell) or a cancelled one. Reading a form from that layout is then one piece of
code (`parsers.form_reader`) whatever the file was, and a fix there helps every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from domain.text import clean, nfc

CHECKED_BOX = "☒"
EMPTY_BOX = "☐"
CANCELLED_BOX = "⊘"
BOX_MARKS = set("☒☑■●✓✔✗✘⊠▣◉")  # ticked boxes and check marks, as typed or as a check box shows
# What a printed paragraph may open with, so that a line opening so starts one, never goes on
# the one above (PDF and scanned lines are rejoined into paragraphs)
LIST_START = ("-", "+", "–", "•", "*", "(")

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points from the page's top-left corner


@dataclass(frozen=True)
class Piece:
    """A stretch of text with the formatting that decides whether it is a live mark."""

    text: str
    struck: bool = False
    deleted: bool = False
    highlighted: bool = False
    shaded: bool = False
    symbol: bool = False  # a Wingdings symbol, a picture or a checked box: a mark with no letters
    confidence: float = 1.0  # 1 for text in a file; OCR and ink measures are less sure


@dataclass
class Line:
    """One paragraph (or one line of a paragraph broken by w:br), in document order."""

    index: int
    pieces: list[Piece]
    table: int | None = None
    row: int | None = None
    col: int | None = None
    page: int = 1
    fill: str | None = None
    in_header: bool = False
    box: Box | None = None  # where the line is printed, when the file has pages (PDF, scan)

    @property
    def confidence(self) -> float:
        """How sure the reader is of this line's text: its least sure piece."""
        return min((p.confidence for p in self.pieces), default=1.0)

    @cached_property
    def text(self) -> str:
        """What a reader sees as standing text: no deleted or struck-out runs, except that a
        struck or deleted check mark shows as a cancelled box (⊘), so a row of boxes keeps its
        shape while a crossed-out choice no longer counts."""
        parts = []
        for p in self.pieces:
            if p.deleted or p.struck:
                parts.append("".join(CANCELLED_BOX for ch in p.text if ch in BOX_MARKS))
            else:
                parts.append(p.text)
        return nfc("".join(parts))


@dataclass(eq=False)
class Cell:
    """One w:tc placed on the table grid; merged continuations point at their origin."""

    row: int
    col: int
    span: int
    lines: list[Line] = field(default_factory=list)
    fill: str | None = None
    origin: Cell | None = None  # set on a vMerge continuation
    box: Box | None = None  # the cell's inside, when the file has pages (PDF, scan)

    @property
    def text(self) -> str:
        return clean(" ".join(line.text for line in self.lines))

    @property
    def columns(self) -> range:
        return range(self.col, self.col + self.span)

    def resolved(self) -> Cell:
        return self.origin.resolved() if self.origin is not None else self


@dataclass
class Table:
    index: int
    first_line: int
    grid: list[list[Cell | None]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def at(self, row: int, col: int) -> Cell | None:
        cells = self.grid[row]
        return cells[col] if col < len(cells) else None

    def cells(self, row: int) -> list[Cell]:
        """The distinct cells of a row, left to right (a spanned cell once)."""
        seen: list[Cell] = []
        for cell in self.grid[row]:
            if cell is not None and cell not in seen:
                seen.append(cell)
        return seen

    def text(self, row: int, col: int) -> str:
        """Text of the cell on the grid at (row, col); a vMerge continuation shows its origin's."""
        cell = self.at(row, col)
        return cell.resolved().text if cell is not None else ""

    def own_text(self, row: int, col: int) -> str:
        """Text written in this row's cell itself (empty on a vMerge continuation)."""
        cell = self.at(row, col)
        return cell.text if cell is not None and cell.origin is None else ""


@dataclass
class Body:
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    page: int = 1

    @property
    def pages(self) -> int:
        return self.page
