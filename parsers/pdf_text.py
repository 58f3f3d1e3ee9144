"""The layout of a PDF page that has a text layer: words with positions, ruled tables, marks.

A PDF has no paragraphs or cells, only glyphs and strokes at positions, so the layout is rebuilt:
ruled tables from their drawn lines (pdfplumber), visual lines from words at the same height,
paragraphs from lines that wrap (same font, the first line full or both centred), and marks from
what sits inside a cell: a glyph (x, ✓, ☒) or strokes drawn inside it (a vector tick). A word with
a line drawn through its middle is struck out, so a crossed-out mark counts as cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.text import nfc
from parsers.layout import LIST_START, Body, Box, Cell, Line, Piece, Table

# pdfplumber objects are plain dicts with untyped values.
_Obj = dict[str, Any]

_SAME_LINE = 0.45  # share of the font size two words' tops may differ by and still be one line
_TAB_GAP = 1.2  # a gap wider than this many font sizes reads as a tab ("Họ và tên: …  Chi bộ: …")
_COLUMN_GAP = 4.0  # wider than this: two columns side by side (the party header block)
_PARAGRAPH_GAP = 0.6  # the most white between two wrapped lines of one paragraph, in font sizes


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str
    struck: bool = False


@dataclass
class _Run:
    """Words on one visual line of one column."""

    words: list[_Word] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def font(self) -> str:
        return self.words[0].font

    def pieces(self) -> list[Piece]:
        out: list[Piece] = []
        for k, w in enumerate(self.words):
            if k:
                gap = w.x0 - self.words[k - 1].x1
                out.append(Piece("\t" if gap > _TAB_GAP * w.size else " "))
            out.append(Piece(w.text, struck=w.struck))
        return out


def _words(page: Any, strokes: Sequence[_Obj]) -> tuple[list[_Word], list[_Obj]]:
    """The page's words, and the strokes that strike words through (they are not marks)."""
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, extra_attrs=["size", "fontname"])
    out, strikes = [], []
    for w in words:
        word = _Word(nfc(w["text"]), w["x0"], w["x1"], w["top"], w["bottom"], float(w["size"]), w["fontname"])
        strike = _strike(word, strokes)
        word.struck = strike is not None
        out.append(word)
        if strike is not None:
            strikes.append(strike)
    return out, strikes


def _strike(word: _Word, strokes: Sequence[_Obj]) -> _Obj | None:
    """A thin horizontal stroke across the body of the word and most of its width; an underline
    sits lower, at the very bottom of the word's box (which runs from ascent to descent)."""
    height = word.bottom - word.top
    lo, hi = word.top + 0.25 * height, word.bottom - 0.1 * height
    for s in strokes:
        if s["bottom"] - s["top"] > 2 or not (lo <= (s["top"] + s["bottom"]) / 2 <= hi):
            continue
        overlap = min(s["x1"], word.x1) - max(s["x0"], word.x0)
        if overlap >= 0.6 * (word.x1 - word.x0):
            return s
    return None


def _runs(words: Iterable[_Word]) -> list[_Run]:
    """Visual lines, split where a gap is so wide that the words belong to two columns."""
    rows: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if rows and abs(rows[-1][0].top - w.top) <= _SAME_LINE * w.size:
            rows[-1].append(w)
        else:
            rows.append([w])
    runs: list[_Run] = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        run = _Run([row[0]])
        for w in row[1:]:
            if w.x0 - run.x1 > _COLUMN_GAP * w.size:
                runs.append(run)
                run = _Run([w])
            else:
                run.words.append(w)
        runs.append(run)
    return runs


def _continues(prev: _Run, run: _Run, right: float) -> bool:
    """Whether `run` is the wrapped continuation of the paragraph whose last line is `prev`: same
    type, close below, and either both centred on one axis or the first word of `run` would not
    have fitted at the end of `prev` (which is why the line broke)."""
    if prev.words[-1].font != run.words[0].font or abs(prev.size - run.size) > 0.5:
        return False
    if run.top - prev.bottom > _PARAGRAPH_GAP * run.size or run.top <= prev.top:
        return False
    if run.words[0].text.startswith(LIST_START) or run.words[0].text[:1].isdigit():
        return False
    centred = abs((prev.x0 + prev.x1) / 2 - (run.x0 + run.x1) / 2) < run.size and prev.x0 > run.size * 3
    first = run.words[0]
    full = prev.x1 + 0.3 * run.size + (first.x1 - first.x0) > right and run.x0 <= prev.x0 + run.size
    return centred or full


def _paragraphs(runs: list[_Run], right: float) -> list[list[_Run]]:
    """Runs grouped into paragraphs, each continuing the nearest open one in its column."""
    paragraphs: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.top, r.x0)):
        host = next(
            (
                p
                for p in reversed(paragraphs)
                if p[-1].bottom <= run.top + 1 and _continues(p[-1], run, right) and _same_column(p[-1], run)
            ),
            None,
        )
        if host is not None:
            host.append(run)
        else:
            paragraphs.append([run])
    return paragraphs


def _same_column(a: _Run, b: _Run) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def _extent(paragraph: list[_Run]) -> Box:
    return (min(r.x0 for r in paragraph), paragraph[0].top, max(r.x1 for r in paragraph), paragraph[-1].bottom)


def _joined(paragraph: list[_Run]) -> list[Piece]:
    pieces: list[Piece] = []
    for k, run in enumerate(paragraph):
        if k:
            pieces.append(Piece(" "))
        pieces.extend(run.pieces())
    return pieces


@dataclass
class _Grid:
    """A ruled table of one page: its cells placed on the grid of column and row edges."""

    bbox: Box
    cells: list[list[Cell | None]]
    edges: list[float]  # left edges of the columns

    def continues(self, edges: list[float]) -> bool:
        """Same columns as a table that ended the previous page: the same table, broken."""
        return len(edges) == len(self.edges) and all(abs(a - b) < 2 for a, b in zip(edges, self.edges, strict=True))


def _grid(table: Any) -> _Grid:
    rows = table.rows
    xs = sorted({round(c[0], 1) for row in rows for c in row.cells if c is not None})
    def column(x: float) -> int:
        return min(range(len(xs)), key=lambda k: abs(xs[k] - x))

    width = len(xs)
    cells: list[list[Cell | None]] = [[None] * width for _ in rows]
    for r, row in enumerate(rows):
        for bbox in row.cells:
            if bbox is None:
                continue
            c0 = column(bbox[0])
            span = max(1, sum(1 for x in xs[c0:] if x < bbox[2] - 1))
            cell = Cell(row=r, col=c0, span=span, box=tuple(bbox))
            for c in range(c0, min(width, c0 + span)):
                cells[r][c] = cell
    for r in range(1, len(rows)):  # a cell merged down: pdfplumber leaves the rows below empty
        for c in range(width):
            above = cells[r - 1][c]
            if cells[r][c] is None and above is not None:
                origin = above.resolved()
                y_mid = (rows[r].bbox[1] + rows[r].bbox[3]) / 2
                if origin.box is not None and origin.box[3] > y_mid:
                    cells[r][c] = Cell(row=r, col=origin.col, span=origin.span, origin=origin)
    return _Grid(tuple(table.bbox), cells, xs)


def _inside(word: _Word, box: Box) -> bool:
    x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _drawn_mark(box: Box, strokes: Sequence[_Obj]) -> bool:
    """Strokes drawn well inside a cell (not its ruling): a vector tick or cross."""
    x0, y0, x1, y1 = box[0] + 2, box[1] + 2, box[2] - 2, box[3] - 2
    return any(s["x0"] >= x0 and s["x1"] <= x1 and s["top"] >= y0 and s["bottom"] <= y1 for s in strokes)


class PdfBodyBuilder:
    """Appends pages to one layout, so a form that runs over two pages reads as one."""

    def __init__(self) -> None:
        self.body = Body()
        self._open: tuple[Table, _Grid] | None = None  # the last table, while nothing follows it

    def _line(self, pieces: list[Piece], page: int, box: Box, **where: int) -> Line:
        line = Line(index=len(self.body.lines), pieces=pieces, page=page, box=box, **where)  # type: ignore[arg-type]
        self.body.lines.append(line)
        return line

    def add_page(self, page: Any, number: int) -> None:
        self.body.page = number
        strokes: list[_Obj] = [*page.lines, *page.curves, *page.rects]
        words, strikes = _words(page, [s for s in strokes if s["bottom"] - s["top"] <= 2])
        strokes = [s for s in strokes if not any(s is t for t in strikes)]
        tables = [(_grid(t), t) for t in page.find_tables()]
        tables = [(g, t) for g, t in tables if len(g.cells[0]) > 1]
        free = [w for w in words if not any(_inside(w, g.bbox) for g, _ in tables)]
        runs = _runs(free)
        right = max((r.x1 for r in runs), default=float(page.width))  # the text's right margin
        blocks: list[tuple[float, object]] = [(p[0].top, p) for p in _paragraphs(runs, right)]
        blocks += [(g.bbox[1], g) for g, _ in tables]
        for _, block in sorted(blocks, key=lambda b: b[0]):
            if isinstance(block, _Grid):
                self._table(block, words, strokes, number)
            else:
                paragraph: list[_Run] = block  # type: ignore[assignment]
                self._line(_joined(paragraph), number, _extent(paragraph))
                self._open = None

    def _table(self, grid: _Grid, words: Sequence[_Word], strokes: Sequence[_Obj], page: int) -> None:
        if self._open is not None and self._open[1].continues(grid.edges):
            table, offset = self._open[0], len(self._open[0].grid)
            for row in grid.cells:
                for cell in {id(c): c for c in row if c is not None}.values():
                    cell.row += offset
            table.grid.extend(grid.cells)
        else:
            table, offset = Table(index=len(self.body.tables), first_line=len(self.body.lines), grid=grid.cells), 0
            self.body.tables.append(table)
        self._open = (table, grid)
        inner = [s for s in strokes if not _is_ruling(s, grid)]
        for r in range(offset, len(table.grid)):
            for cell in table.cells(r):
                if cell.origin is not None or cell.box is None:
                    continue
                box = cell.box
                runs = _runs(w for w in words if _inside(w, box))
                # A cell's padding is alike on both sides: its text ends where the padding begins.
                right = box[2] - (min((run.x0 for run in runs), default=box[0]) - box[0])
                for paragraph in _paragraphs(runs, right):
                    where = {"table": table.index, "row": r, "col": cell.col}
                    cell.lines.append(self._line(_joined(paragraph), page, _extent(paragraph), **where))
                if _drawn_mark(box, inner):
                    where = {"table": table.index, "row": r, "col": cell.col}
                    cell.lines.append(self._line([Piece("", symbol=True)], page, box, **where))
        if len(self.body.lines) == table.first_line:  # an empty ruled table still needs its anchor line
            self._line([Piece("")], page, grid.bbox, table=table.index, row=0, col=0)


def _is_ruling(stroke: _Obj, grid: _Grid) -> bool:
    """A stroke that is part of the table's own ruling: long, thin, on a cell edge."""
    thin = min(stroke["x1"] - stroke["x0"], stroke["bottom"] - stroke["top"]) <= 2
    long = max(stroke["x1"] - stroke["x0"], stroke["bottom"] - stroke["top"]) >= 8
    x0, y0, x1, y1 = grid.bbox
    within = x0 - 2 <= stroke["x0"] and stroke["x1"] <= x1 + 2 and y0 - 2 <= stroke["top"] and stroke["bottom"] <= y1 + 2
    return (thin and long) or not within
