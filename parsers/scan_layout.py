"""Scanned pages and phone photos of the official layout as the neutral layout (`parsers.layout`).

Per page: the sheet is flattened, levelled and turned upright (`scan_page`), its grids found from
the ruling lines (`scan_grid`), the page read by OCR once with the ruling lines erased, and each
word placed in the cell whose box holds it, or in a text line outside the tables. Some cells are
then read again on their own, with the settings their column calls for: the TT column (roman and
arabic numbers, which a page read garbles), vote counts (digits only, no dictionary) and
written ratings. Level cells are never read by OCR: their marks come from ink (`scan_ink`).

The result is the same `Body` a Word file gives, with boxes in points and a confidence on every
piece, so `parsers.form_reader` reads scans with the code it reads Word files with.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import cv2
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from domain.forms import FormKind, catalog
from domain.model import Level, Rating
from domain.text import clean, find_dates, find_ratings, fold, folded_words, parse_level
from ocr.tesseract import Profile, Psm, Reading, Word
from parsers import (
    rating_shapes,
    result_length,
    same_hand,
    scan_counts,
    scan_date,
    scan_ocr,
    scan_rating,
    scan_rows,
    scan_tally,
)
from parsers.layout import Body, Box, Cell, Line, Piece, Table
from parsers.pages import PageImage
from parsers.scan_grid import Grid, GridCell, PxBox, find_grids, rulings
from parsers.scan_ink import decide, ink_share, measure
from parsers.scan_page import Sheet, prepare
from parsers.scan_text import WordLine, group_lines, wraps_onto
from parsers.scan_written import Written, written_crop

log = logging.getLogger(__name__)

_NUMBER_CHARS = "IVX0123456789"
_TT_CHARS = _NUMBER_CHARS + "TS."
_DIGITS = "0123456789"
_RATING_CHARS = "HTXSNVK0123456789/()"
_ROW_NUMBER = re.compile(r"(?:[IVX]+|\d+)\.?")
_PAD = 12  # white border around a cell crop: Tesseract reads a tight crop badly
_NOISE_CONFIDENCE = 0.3
_FRACTION_SAMPLE = 2  # unsplit cells of a rating column read whole to tell whether it holds votes
_SURE_NUMBER = 0.8
_PRINTED = 0.8  # OCR confidence from which a word is taken for print, not handwriting
_LEADER = "." * 40  # a blank answer's dotted leader
_TALL_ANSWER = 1.6  # label heights above the label that a rating written large may rise to
_NOISE_CHARS = " .,:;'\"`|_-~!/\\“”‘’„"
_DASHES = ("-", "–", "—")
# `_painted_through`: a line painted out down (or across) this share of a cell's inside, kept this
# far (px, or this share of its smaller side) from its own rulings, whose painted bands reach ~5 px in
_PAINTED_ACROSS = 0.9
_PAINT_CLEAR = 8
_INSET_SHARE = 0.15
# Ratings a stroke lost at the start of the writing never makes: nothing comes before a K, and an
# X or an S is HTXSNV's alone. A K lost leaves HTNV, an H's stem lost leaves "TTNV" (HTTNV).
_WHOLE_AT_START = frozenset({Rating.HTXSNV, Rating.KHTNV})
_ANSWER_KINDS = frozenset({"level", "rating"})  # the columns whose cells hold what a form is read for


@dataclass(frozen=True)
class _Number:
    """A TT cell as read: OCR text and confidence, and the roman numeral its strokes spell."""

    text: str
    confidence: float
    strokes: str | None


@dataclass
class _Column:
    kind: str  # tt, level, count, rating, text
    level: Level | None = None
    placed: bool = False  # a level column whose own heading did not read, placed by its neighbours


@dataclass(frozen=True)
class _Rated:
    """A written rating cell as read: its crop, the letters read (the whole crop, or the part of
    a branch cell left of its numbers, perhaps enlarged), the rating they name, and their width at
    the page's scale (`result_length.written_width`)."""

    written: Written
    letters: np.ndarray
    match: scan_rating.RatingMatch
    width: float | None


@dataclass(frozen=True)
class _Branch:
    """A branch cell of Mẫu 06: its rating as read, and the votes decided over the column."""

    rated: _Rated
    decision: scan_tally.FractionDecision
    numbers_below: bool  # the numbers stand on a line of their own, under the letters


@dataclass
class ScanBodyBuilder:
    """Builds one `Body` from the pages of a document, one page at a time."""

    _body: Body = field(default_factory=lambda: Body(page=0))

    @property
    def body(self) -> Body:
        return self._body

    def add_page(self, page: PageImage | Sheet) -> Sheet:
        """Append the page's lines and tables; returns the prepared sheet (for crops), which the
        caller drops when done with it. A page may come prepared already (`scan_page.prepare`)."""
        sheet = page if isinstance(page, Sheet) else prepare(page)
        _PageReader(sheet, self._body).read()
        self._body.page = max(self._body.page, sheet.number)
        return sheet


class _PageReader:
    """One page into the body: OCR, grids, cells, ink."""

    def __init__(self, sheet: Sheet, body: Body) -> None:
        self.sheet = sheet
        self.body = body
        self.dpi = int(sheet.dpi)
        lines = rulings(sheet.ink, sheet.dpi)
        self.grids = find_grids(lines, sheet.dpi, sheet.gray)
        erase = cv2.dilate(lines.both, np.ones((5, 5), np.uint8))
        self.erased = erase > 0
        self.gray = sheet.gray.copy()
        self.gray[erase > 0] = 255
        self.ink = sheet.ink.copy()
        self.ink[erase > 0] = 0
        self.ink[sheet.red > 0] = 0

    def read(self) -> None:
        outside = self.gray.copy()
        for grid in self.grids:  # the tables are read cell by cell, with settings per column
            x0, y0, x1, y1 = grid.box
            outside[max(0, y0 - 4) : y1 + 5, max(0, x0 - 4) : x1 + 5] = 255
        # a rating line's leader with the answer written on it is a row of small blobs: text here
        page = scan_ocr.submit(scan_ocr.Job(outside, psm=Psm.BLOCK, dpi=self.dpi, timeout_s=20.0, noisy_rows=True))
        # the tables' cells are read while the page is: they do not depend on its text
        self.cell_texts = {id(grid): self._grid_texts(grid) for grid in self.grids}
        words = self._header_apart(outside, list(page.result().words))
        text_lines = _lines(words)
        self.text_lines: list[WordLine] = text_lines
        self._find_counts(text_lines)
        self.dates = self._written_dates(text_lines, words)
        blocks: list[tuple[float, WordLine | Grid]] = [(float(line.box[1]), line) for line in text_lines]
        blocks += [(float(g.box[1]), g) for g in self.grids]
        blocks.sort(key=lambda b: b[0])
        # the body text's right edge: where lines that start on the left end (not the form's code
        # set further right in the corner, nor the header's right-hand column)
        right = max((ln.box[2] for ln in text_lines if ln.box[0] < self.gray.shape[1] // 2), default=0)
        paragraph: list[WordLine] = []  # plain lines, emitted as one once the paragraph ends
        for _y, block in blocks:
            if isinstance(block, Grid):
                self._emit_paragraph(paragraph)
                self._table(block)
                continue
            if id(block) in self.count_halves:
                continue
            key = self.count_of.get(id(block))
            special = self._count_pieces(key) if key else self.dates.get(id(block)) or self._rating_line(block, right)
            if special is None:  # plain text, which may go on the paragraph above
                if paragraph and not wraps_onto(paragraph[-1], block, right):
                    self._emit_paragraph(paragraph)
                paragraph.append(block)
                continue
            self._emit_paragraph(paragraph)
            line = self._emit(special, block.box)
            if key:
                self.count_at[key] = line.index
        self._emit_paragraph(paragraph)

    def _emit_paragraph(self, lines: list[WordLine]) -> None:
        """Plain text lines of one paragraph as one line, as a Word file holds it, taken out of
        `lines` (which then holds the next paragraph's)."""
        if not lines:
            return
        pieces = [piece for k, line in enumerate(lines) for piece in ([Piece(" ")] if k else []) + line.pieces()]
        self._emit(pieces, WordLine([w for line in lines for w in line.words]).box)
        lines.clear()

    def _header_apart(self, outside: np.ndarray, words: list[Word]) -> list[Word]:
        """The page's words, with the header's left column read again on its own where the page
        read garbled it. Read as one block, a line of that column ("CHI BỘ THANH TRA SỞ") and the
        place and date beside it, set a little lower, are taken for one line of text whose
        baseline fits neither, and the column's line comes back as one wide word of no confidence
        ("Tnhh"), or loses words, splitting the line ("CHI BỘ:" … "DƯỢC"). The column above the
        title (the first line across the page's middle) is read alone, and its words replace the
        page read's when they are read more surely."""
        middle = self.gray.shape[1] // 2
        title = min((ln.box[1] for ln in group_lines(words) if ln.box[0] < middle < ln.box[2]), default=0)
        column = [w for w in words if (w.box[0] + w.box[2]) / 2 < middle and (w.box[1] + w.box[3]) / 2 < title]
        if not _misread_column(column):
            return words
        again = scan_ocr.read(outside[:title, :middle], psm=Psm.BLOCK, dpi=self.dpi, noisy_rows=True).words
        if _mean_confidence(again) <= _mean_confidence(column):
            return words
        log.debug("header column read apart: %s", " ".join(w.text for w in again))
        return [w for w in words if w not in column] + list(again)

    # ------------------------------------------------------------------ dates
    def _written_dates(self, lines: list[WordLine], words: list[Word]) -> dict[int, list[Piece]]:
        """The date lines whose day, month and year are written by hand (`scan_date`), as the form
        prints them with the date read, by the line's id; a line whose date the page read
        already gives, or one not sure in every part, is left as read."""
        out: dict[int, list[Piece]] = {}
        for line in lines:
            if find_dates(" ".join(w.text for w in line.words)):
                continue
            found = scan_date.find_date_line(line.words)
            if found is None:
                continue
            h = line.height
            rows = found.band(words, h, self.gray.shape[0])
            date = scan_date.read_date(found, self.sheet.gray, rows, h, self.dpi)
            log.debug("written date %s -> %s", " ".join(w.text for w in line.words), date)
            if date is not None:
                day, month, year = date
                before = WordLine(line.words[: found.day_word]).pieces() if found.day_word else []
                rest = found.after_year(h)
                after = WordLine(rest).pieces() if rest else []
                out[id(line)] = [*before, *([Piece(" ")] if before else []),
                                 Piece(f"ngày {day:02d} tháng {month:02d} năm {year}"),
                                 *([Piece(" ")] if after else []), *after]
        return out

    # ------------------------------------------------------------------ count lines
    def _find_counts(self, lines: list[WordLine]) -> None:
        """The minutes' count lines of the page, each number read again where it is written, and
        the counts decided together (again with the vote rows' sums once the table is read)."""
        self.count_of: dict[int, str] = {}
        self.count_at: dict[str, int] = {}
        self.count_readings: dict[str, scan_tally.Support] = {}
        self.count_halves: set[int] = set()  # second halves of count lines cut in two, not emitted again
        for k, line in enumerate(lines):
            found = scan_counts.find_count_line(line.words)
            if found is None and k + 1 < len(lines) and _same_band(line, lines[k + 1]):
                found = scan_counts.find_split_count_line(line.words, lines[k + 1].words)
                if found is not None:
                    self.count_halves.add(id(lines[k + 1]))
            if found is None or found.key in self.count_readings:
                continue
            self.count_of[id(line)] = found.key
            self.count_readings[found.key] = self._count_support(found)
            log.debug("count line %s -> %s", found.key, self.count_readings[found.key])
        self.count_decisions = scan_counts.decide_counts(self.count_readings)

    def _count_support(self, found: scan_counts.CountLine) -> scan_tally.Support:
        """The number after a count label, read several ways in the region between the label and
        the printed unit after it, and the page read's own digits there."""
        support = dict(scan_counts.page_digits(found.value))
        heights = sorted(w.box[3] - w.box[1] for w in found.label)
        h = max(1, heights[len(heights) // 2])
        top, bottom = min(w.box[1] for w in found.label), max(w.box[3] for w in found.label)
        x0 = found.label[-1].box[2] + max(2, h // 4)
        x1 = self.gray.shape[1] - int(0.35 * self.dpi)
        x1 = min(x1, found.unit[0].box[0] - 2 if found.unit else x0 + 6 * h)
        y0, y1 = max(0, top - h // 2), min(self.gray.shape[0], bottom + int(0.15 * h))
        if x1 - x0 >= h // 2:  # room for one digit
            crop = scan_rating.without_leader(self.gray[y0:y1, x0:x1], self.dpi)
            padded = cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255)
            for value, weight in scan_tally.digit_candidates(padded, self.dpi).items():
                support[value] = support.get(value, 0.0) + weight
        return support

    def _count_pieces(self, key: str) -> list[Piece]:
        """A count line as the form prints it, with the number decided for it."""
        label, unit = scan_counts.LABELS[key]
        decision = self.count_decisions.get(key)
        if decision is None or decision.value is None:
            number = Piece("?", confidence=0.0)
        else:
            number = Piece(str(decision.value), confidence=decision.confidence)
        return [Piece(label), Piece(" "), number, Piece(" "), Piece(unit)]

    def _rewrite_counts(self) -> None:
        for key, at in self.count_at.items():
            old = self.body.lines[at]
            self.body.lines[at] = Line(old.index, self._count_pieces(key), page=old.page, box=old.box)

    def _rating_line(self, line: WordLine, text_right: int) -> list[Piece] | None:
        """A rating label's line with its handwritten answer read against the four ratings
        (`scan_rating`): the label's words, then one piece for the answer. None for any other line,
        and for a label whose answer region holds no stroke (a blank, as the page read it).
        `text_right` is the body text's right edge (`_label_cut_short`)."""
        found = _rating_label(line.words, text_right)
        if found is None:
            return None
        label, rest = found.words, found.rest
        heights = sorted(w.box[3] - w.box[1] for w in label)
        h = heights[len(heights) // 2]
        top, bottom = min(w.box[1] for w in label), max(w.box[3] for w in label)
        x0 = label[-1].box[2] + max(2, h // 4)
        page_w = self.gray.shape[1]
        x1 = page_w - int(0.35 * self.dpi)
        printed = [w for w in rest if _printed_aside(w)]
        # … or read in a line of its own, the writing having split the page's line in two
        aside = [w.box[0] for other in self.text_lines if other is not line for w in other.words
                 if _printed_aside(w) and w.box[0] > x0 and w.box[1] < bottom and w.box[3] > top]
        x1 = min([x1, *(w.box[0] - 2 for w in printed[:1]), *(x - 2 for x in aside)])
        y1 = min(self.gray.shape[0], bottom + int(0.15 * h))
        if x1 - x0 < 2 * h:
            return None
        # Not into the printed line above (a signature block's "(Xác lập thời điểm, ký …)" right over
        # a blank answer would be read as one).
        over = [w.box[3] for other in self.text_lines for w in other.words
                if w.box[3] <= top and w.confidence >= _PRINTED and w.box[2] > x0 and w.box[0] < x1]
        printed_above = max((b + 1 for b in over), default=0)
        y0 = max(printed_above, top - int(0.8 * h))
        clean = scan_rating.without_leader(self.sheet.gray[y0:y1, x0:x1], self.dpi)
        written = " ".join(w.text for w in rest if w not in printed)
        if not scan_rating.has_answer(clean, self.dpi):
            if any(ch.isalnum() for ch in written):
                return None  # OCR saw writing where no stroke was found: the page's text decides
            answer = Piece(_LEADER)  # no stroke and no word: the printed blank, as the form prints it
        else:
            found_rating = scan_rating.read_line_answer(clean, self.dpi)
            reach = max(0, top - int(_TALL_ANSWER * h))
            if y0 > reach and scan_rating.cut_at_top(clean):
                # writing that rises above the usual region lost its tops (HTTNV's bars: read HTNV),
                # or ran into the line above: a taller region, the line above's words whitened
                print_above = [w.box for other in self.text_lines if other is not line and _printed_line(other)
                               for w in other.words if w.box[1] < top and w.box[2] > x0 and w.box[0] < x1]
                taller = _without_boxes(self.sheet.gray[reach:y1, x0:x1], print_above, (x0, reach))
                taller = scan_rating.without_leader(taller, self.dpi)
                found_rating = scan_rating.likelier(found_rating, scan_rating.read_line_answer(taller, self.dpi))
            log.debug("rating answer -> %s", found_rating)
            if found_rating.rating is not None:
                answer = Piece(scan_rating.CANONICAL[found_rating.rating], confidence=found_rating.confidence)
            else:
                answer = Piece(written or "?", confidence=0.0)
        printed_label = [Piece(f"{found.printed}:")] if found.printed else WordLine(label).pieces()
        if not found.printed and not label[-1].text.endswith(":"):
            printed_label.append(Piece(":"))  # the colon lost to a speck: the form finds its field by it
        pieces = [*printed_label, Piece(" "), answer]
        if printed:
            pieces += [Piece(" "), *WordLine(rest[rest.index(printed[0]) :]).pieces()]
        return pieces

    def _points(self, box: PxBox) -> Box:
        p = self.sheet.points
        return (round(p(box[0]), 1), round(p(box[1]), 1), round(p(box[2]), 1), round(p(box[3]), 1))

    def _emit(self, pieces: list[Piece], box: PxBox, where: tuple[int, int, int] | None = None) -> Line:
        table, row, col = where if where is not None else (None, None, None)
        line = Line(len(self.body.lines), pieces, table, row, col, self.sheet.number, box=self._points(box))
        self.body.lines.append(line)
        return line

    # ------------------------------------------------------------------ tables
    def _table(self, grid: Grid) -> None:
        readings, header_end, texts = self.cell_texts[id(grid)]
        header_end, columns = _header_columns(grid, texts, header_end)
        _complete_vote_columns(grid, columns, texts, header_end)
        _name_vote_headers(grid, columns, texts, header_end)
        criteria = any(c.kind == "level" for c in columns)
        if criteria:
            grid = _level_cells_split(grid, columns, header_end, texts)
        numbers = _row_numbers(readings, header_end, criteria)
        if criteria:
            _align_numbers(grid, columns, header_end, readings, texts, numbers)
        level_marks = self._level_marks(grid, columns, header_end)
        decided = self._vote_rows(grid, columns, header_end, texts)  # the pieces of cells read together
        branch = self._fraction_cells(grid, columns, header_end)
        rated = self._rating_cells(grid, columns, header_end, [*decided, *branch, *level_marks])
        decided |= self._by_the_same_hand(branch, rated)
        table = Table(len(self.body.tables), len(self.body.lines))
        self.body.tables.append(table)
        table.grid = [[None] * grid.n_cols for _ in range(grid.n_rows)]
        for cell in grid.cells:  # in reading order: row by row, left to right
            r = cell.row
            layout_cell = Cell(r, cell.col, cell.cols, box=self._points(cell.box))
            kind = columns[cell.col].kind if cell.cols == 1 else "text"
            if (r, cell.col) in level_marks:
                pieces_lines = [[level_marks[(r, cell.col)]]]
            elif r >= header_end and cell.col == 0:
                number = numbers.get(cell)
                pieces_lines = [[number]] if number is not None and (number.text or number.confidence < 1) else []
            elif (r, cell.col) in decided:
                pieces_lines = decided[(r, cell.col)]
            elif r >= header_end and kind == "count":
                pieces_lines = self._read_count(cell)
            elif r < header_end and cell.cols == 1 and columns[cell.col].placed and (
                level := columns[cell.col].level
            ) is not None:
                # the misread heading written out as its level's name, for the form reader
                pieces_lines = [[Piece(level.label)]]
            else:
                pieces_lines = [_plain_text(wl, r >= header_end) for wl in texts.get(cell, [])]
            for pieces in pieces_lines:
                layout_cell.lines.append(self._emit(pieces, cell.box, (table.index, r, cell.col)))
            for k in range(cell.cols):
                table.grid[r][cell.col + k] = layout_cell
            for below in range(r + 1, r + cell.rows):
                cont = Cell(below, cell.col, cell.cols, origin=layout_cell, box=layout_cell.box)
                for k in range(cell.cols):
                    table.grid[below][cell.col + k] = cont

    def _grid_texts(self, grid: Grid) -> tuple[dict[GridCell, _Number], int, dict[GridCell, list[WordLine]]]:
        """A table's row numbers, where its header ends, and the text lines of its header and
        non-TT cells."""
        readings = self._row_numbers([c for c in grid.cells if c.col == 0])
        header_end = _header_end(readings)
        texts = self._cells_lines([cell for cell in grid.cells if cell.row < header_end or cell.col > 0])
        return readings, header_end, texts

    def _cells_lines(self, cells: list[GridCell]) -> dict[GridCell, list[WordLine]]:
        """The text lines of each cell (none in a blank one), the cells read two at a time."""
        texts: dict[GridCell, list[WordLine]] = {}
        written: list[tuple[GridCell, np.ndarray, tuple[int, int]]] = []
        for cell in cells:
            crop, origin = self._crop(cell.box)
            texts[cell] = []
            if not self._blank(cell):
                written.append((cell, crop, origin))
        jobs = [scan_ocr.Job(crop, psm=Psm.BLOCK, dpi=self.dpi) for _, crop, _ in written]
        for (cell, _, (ox, oy)), reading in zip(written, scan_ocr.read_many(jobs), strict=True):
            texts[cell] = _lines([_moved(w, ox, oy) for w in reading.words])
        return texts

    def _row_numbers(self, cells: list[GridCell]) -> dict[GridCell, _Number]:
        """What each TT cell shows: the OCR reading, and the roman numeral its strokes spell."""
        out = {cell: _Number("", 1.0, None) for cell in cells}
        written = [(cell, self._crop(cell.box)[0]) for cell in cells if not self._blank(cell)]
        jobs = [
            scan_ocr.Job(
                cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC),
                psm=Psm.LINE,
                whitelist=_TT_CHARS,
                profile=Profile.RAW,
                dpi=2 * self.dpi,
            )
            for _, crop in written
        ]
        for (cell, crop), reading in zip(written, scan_ocr.read_many(jobs), strict=True):
            out[cell] = _Number(reading.text.replace(" ", "").rstrip("."), reading.confidence, roman_by_strokes(crop))
        return out

    def _crop(self, box: PxBox) -> tuple[np.ndarray, tuple[int, int]]:
        """The inside of a cell on white, and where the crop's (0, 0) lies on the sheet."""
        x0, y0, x1, y1 = box
        inset = 3
        crop = self.gray[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
        if crop.size == 0:
            return crop, (x0, y0)
        padded = cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255)
        return padded, (x0 + inset - _PAD, y0 + inset - _PAD)

    def _written(self, box: PxBox, one_answer: bool = False) -> Written:
        """A handwritten cell's crop like `_crop`'s, with the letters that cross its side rulings;
        `one_answer`: a cell of one rating, without the next cell's writing come over its ruling."""
        return written_crop(self.gray, self.ink, self.sheet.gray, self.erased, box, self.dpi, _PAD, one_answer)

    def _written_rating(self, written: Written, image: np.ndarray | None = None, also: tuple[str, ...] = (),
                        checked: bool = False) -> scan_rating.RatingMatch:
        """The rating written in a cell (in `image`, a part of it, when given): never sure when the
        writing was cut at the cell's left ruling and is a rating its first letters lost would
        make (`_WHOLE_AT_START`: KHTNV less its K reads HTNV, while what is left of an HTXSNV or a
        KHTNV names no other rating), nor, unless something else checks it (`checked`: the
        minutes' votes give their result), when the readings disputed it, only readings that lost
        letters named it, or it ran into that ruling at all and is such a rating."""
        matched = scan_rating.read_answer(written.image if image is None else image, self.dpi, also, checked=checked)
        alone = matched.disputed or matched.partial
        cut = written.cut_start and matched.rating not in _WHOLE_AT_START
        doubtful = cut or (not checked and (_start_may_be_lost(written, matched) or alone))
        return matched.doubted() if doubtful else matched

    def _rating_cells(self, grid: Grid, columns: list[_Column], header_end: int,
                      taken: Iterable[tuple[int, int]]) -> dict[tuple[int, int], _Rated | None]:
        """The written ratings of the table's rating columns (the cells not `taken` by the votes
        or the level marks), each cell read on its own (`_written_rating`); None for a blank cell."""
        done = set(taken)
        cells = [cell for cell in grid.cells if cell.row >= header_end and cell.cols == 1 and cell.col > 0
                 and columns[cell.col].kind == "rating" and (cell.row, cell.col) not in done]
        out: dict[tuple[int, int], _Rated | None] = {}
        for cell in cells:
            written = None if self._blank(cell) else self._written(cell.box, one_answer=True)
            out[(cell.row, cell.col)] = None if written is None else _Rated(
                written, written.image, self._written_rating(written), result_length.written_width(written.image))
        return out

    def _by_the_same_hand(self, branch: dict[tuple[int, int], _Branch], rated: dict[tuple[int, int], _Rated | None]
                          ) -> dict[tuple[int, int], list[list[Piece]]]:
        """The pieces of the branch's cells and of the rating cells, the unsure ratings confirmed by
        the same hand's sure ones anywhere in the table (`same_hand`): one secretary writes them
        all, the branch's letters beside its votes as the evaluators' ratings."""
        read = {key: cell.rated for key, cell in branch.items()} | {k: r for k, r in rated.items() if r is not None}
        matches = same_hand.confirmed([
            same_hand.Cell(r.letters, r.match, r.written.cut_start or _start_may_be_lost(r.written, r.match), r.width,
                           column)
            for (_, column), r in read.items()
        ])
        confirmed = dict(zip(read, matches, strict=True))
        out = {key: [self._fraction_pieces(cell.rated.written, confirmed[key], cell.decision, cell.numbers_below)]
               for key, cell in branch.items()}
        out |= {key: [] if r is None else self._rating_pieces(r.written, confirmed[key]) for key, r in rated.items()}
        return out

    def _rating_pieces(self, written: Written, matched: scan_rating.RatingMatch) -> list[list[Piece]]:
        """A rating cell's piece: the rating read, else the cell read as the ratings' letters."""
        if matched.rating is not None:
            return [[Piece(matched.rating.abbreviation, confidence=matched.confidence)]]
        reading = scan_ocr.read(written.image, psm=Psm.BLOCK, whitelist=_RATING_CHARS, profile=Profile.RAW,
                                dpi=self.dpi)
        return self._value_pieces(reading)

    def _read_count(self, cell: GridCell) -> list[list[Piece]]:
        """A vote count read on its own with settings for it; nothing at all is a blank cell."""
        if self._blank(cell):
            return []
        crop, _ = self._crop(cell.box)
        return self._value_pieces(scan_ocr.read(crop, psm=Psm.LINE, whitelist=_DIGITS, profile=Profile.RAW,
                                                dpi=self.dpi))

    @staticmethod
    def _value_pieces(reading: Reading) -> list[list[Piece]]:
        """A value cell's OCR reading as its one piece, carrying the least word confidence."""
        text = clean(reading.text)
        if not text:
            return [[Piece("?", confidence=0.0)]]
        return [[Piece(text, confidence=round(min(w.confidence for w in reading.words), 3) if reading.words else 0.0)]]

    def _vote_rows(
        self, grid: Grid, columns: list[_Column], header_end: int, texts: dict[GridCell, list[WordLine]]
    ) -> dict[tuple[int, int], list[list[Piece]]]:
        """The minutes' vote counts and results, decided row by row under their arithmetic
        (`scan_tally`): each count cell read several ways, the result against the four ratings,
        the sum against the ballot count lines above the table."""
        count_cols = [c for c, col in enumerate(columns) if col.kind == "count"]
        if len(count_cols) < 3:
            return {}
        ratings: list[Rating] = []
        for c in count_cols:
            over = [cell for cell in grid.cells if cell.row < header_end and cell.col == c and cell.cols == 1]
            header = " ".join(_cell_text(texts, cell) for cell in over)
            ratings.append(_header_rating(header) or Rating.HTNV)
        if len(set(ratings)) != len(ratings):
            return {}
        result_col = next((c for c, col in enumerate(columns) if col.kind == "rating"), None)
        by_spot = {(c.row, c.col): c for c in grid.cells if c.cols == 1}
        rows: list[tuple[int, scan_tally.RowReading, GridCell | None]] = []
        results: list[Written | None] = []
        unread: list[int] = []
        for r in range(header_end, grid.n_rows):
            cells = [by_spot.get((r, c)) for c in count_cols]
            if any(c is None for c in cells):
                continue
            counts = self._counts([c for c in cells if c is not None])
            if all(s is None for s in counts):
                if any(_cell_text(texts, by_spot.get((r, c))) for c, col in enumerate(columns) if col.kind == "text"):
                    unread.append(r)  # a member's row, its writing all too faint to be seen
                continue
            result_cell = by_spot.get((r, result_col)) if result_col is not None else None
            row = scan_tally.RowReading(tuple(ratings), counts)
            written_cell = None
            if result_cell is not None and not self._blank(result_cell):
                written_cell = self._written(result_cell.box, one_answer=True)
                seen = (self._written_rating(written_cell, checked=True), result_length.written_width(written_cell.image))
                row = replace(_with_result(row, seen[0]), result_shape=rating_shapes.guess(written_cell.image),
                              result_written=seen, result_cut=written_cell.cut_start)
            rows.append((r, row, result_cell))
            results.append(written_cell)
        out: dict[tuple[int, int], list[list[Piece]]] = {
            (r, c): [[Piece("?", confidence=0.0)]] for r in unread for c in (*count_cols, result_col) if c is not None}
        if not rows:
            return out
        lengths = result_length.column_lengths([row.result_written for _, row, _ in rows])
        rows = [(r, replace(row, result_lengths=allowed), cell) for (r, row, cell), allowed in zip(rows, lengths, strict=True)]
        if self.count_readings:  # the count lines of this page, decided again with the rows' sums
            sums = scan_tally.row_sums([row for _, row, _ in rows], None)
            self.count_decisions = scan_counts.decide_counts(self.count_readings, sums)
            self._rewrite_counts()
            valid, present = self.count_decisions.get("valid"), self.count_decisions.get("present")
            cast_sure = valid is not None and valid.confidence >= scan_counts.SURE
            cast_read = (
                {valid.value: 1.0 if cast_sure else 0.3} if valid is not None and valid.value is not None else {}
            )
            sure_present = present is not None and present.confidence >= scan_counts.SURE
            limit = present.value if present is not None and sure_present else None
        else:
            cast_read, cast_sure, limit = _ballot_lines(self.body.lines, self.sheet.number)
        told = scan_tally.outcomes([row for _, row, _ in rows], cast_read, limit, cast_sure)
        confirmed = _by_the_same_hand([row for _, row, _ in rows], results, told)
        rows = [(r, row, cell) for (r, _, cell), row in zip(rows, confirmed, strict=True)]
        _cast, decisions = scan_tally.decide_table([row for _, row, _ in rows], cast_read, limit, cast_sure)
        # a rating's column not found (its header lost to a crease or a stain): its votes are unread
        whole = set(ratings) == set(Rating)
        for (r, row, result_cell), decision in zip(rows, decisions, strict=True):
            confidence = decision.confidence if whole else min(decision.confidence, scan_tally.UNSURE)
            for c, value, read in zip(count_cols, decision.votes, row.counts, strict=True):
                if value is not None:
                    out[(r, c)] = [[Piece(str(value), confidence=confidence)]]
                else:  # a blank cell, or one whose writing no reading made out
                    out[(r, c)] = [] if read is None else [[Piece("?", confidence=0.0)]]
            if result_cell is not None:
                text = decision.result.abbreviation if decision.result is not None else "?"
                out[(r, result_cell.col)] = [[Piece(text, confidence=confidence if decision.result else 0.0)]]
        return out

    def _counts(self, cells: list[GridCell]) -> tuple[scan_tally.Support | None, ...]:
        """A row's vote counts' candidates; None for a blank cell, and none at all (unread) for a
        blank cell into whose side ruling writing runs, its own or its neighbour's, or through
        which a crease was painted out: a digit written over the ruling, painted out with it or
        lying mostly in the next cell, or one beside a crease, is no blank ("0" read as no vote,
        the neighbour's number read without it). (Reading such a cell's writing followed past the
        ruling, `scan_written`, was tried: the ruling bridged back over the painted band reads as
        a stroke of its own, "2" as 7, "7" as 8.)"""
        blank = [self._blank(cell) for cell in cells]
        written: dict[int, Written] = {}

        def runs_into(k: int, start: bool) -> bool:
            if k not in written:
                written[k] = self._written(cells[k].box)
            return written[k].runs_into_start if start else written[k].runs_into_end

        def beside(k: int, j: int) -> bool:
            return 0 <= j < len(cells) and not blank[j] and abs(cells[j].col - cells[k].col) == 1

        out: list[scan_tally.Support | None] = []
        for k, cell in enumerate(cells):
            if not blank[k]:
                out.append(scan_tally.digit_candidates(self._crop(cell.box)[0], self.dpi))
                continue
            doubtful = (self._painted_through(cell) or runs_into(k, True) or runs_into(k, False)
                        or (beside(k, k - 1) and runs_into(k - 1, False)) or (beside(k, k + 1) and runs_into(k + 1, True)))
            out.append({} if doubtful else None)
        return tuple(out)

    def _painted_through(self, cell: GridCell) -> bool:
        """Whether a line was painted out across the cell's inside, clear of its own rulings (a
        crease erased like a ruling), along which writing may be gone with it."""
        x0, y0, x1, y1 = cell.box
        inset = max(_PAINT_CLEAR, round(_INSET_SHARE * min(x1 - x0, y1 - y0)))
        inside = self.erased[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
        if inside.size == 0:
            return False
        return bool((inside.mean(axis=0) >= _PAINTED_ACROSS).any() or (inside.mean(axis=1) >= _PAINTED_ACROSS).any())

    def _fraction_cells(
        self, grid: Grid, columns: list[_Column], header_end: int
    ) -> dict[tuple[int, int], _Branch]:
        """Mẫu 06's branch column: 'HTTNV 04/04/04' in each row, the rating by the four-rating
        matcher (`scan_rating`) and the numbers (votes/present/total) read by two readers (the cell
        split at its slashes, or else cut where the whole reading placed its numbers, each number
        read several ways; and the whole cell read by OCR) and decided over the whole column (`scan_tally.decide_fractions`: one meeting, so present and
        total are the same on every row). A rating column is taken as such when most of its
        written cells show two slashes or read as 'a/b/c'."""
        out: dict[tuple[int, int], _Branch] = {}
        for c, column in enumerate(columns):
            if column.kind != "rating":
                continue
            cells = [
                cell
                for cell in grid.cells
                if cell.col == c and cell.cols == 1 and cell.row >= header_end and not self._blank(cell)
            ]
            cuts = [self._written(cell.box) for cell in cells]
            crops = [cut.image for cut in cuts]
            line = scan_tally.line_height(crops)
            parts = [scan_tally.split_fraction(crop, line) for crop in crops]
            unsplit = [k for k, found in enumerate(parts) if found is None]
            wholes = self._read_whole(crops, unsplit, line) if cells else None
            if wholes is None:
                continue
            fractions = sum(p is not None or w.numbers is not None for p, w in zip(parts, wholes, strict=True))
            if fractions * 2 < len(cells):
                continue
            guided = [found is None for found in parts]  # cut where the whole reading placed the numbers
            parts = [
                found if found is not None else scan_tally.parts_at(crop, whole)
                for found, whole, crop in zip(parts, wholes, crops, strict=True)
            ]
            rows = [
                scan_tally.FractionRow(self._number_candidates(found, not cut_by_ocr), whole.numbers)
                for found, whole, cut_by_ocr in zip(parts, wholes, guided, strict=True)
            ]
            decisions = scan_tally.decide_fractions(rows)
            for cell, cut, found, whole, decision in zip(cells, cuts, parts, wholes, decisions, strict=True):
                below = scan_tally.numbers_below(cut.image, line)
                out[(cell.row, c)] = _Branch(self._branch_rating(cut, found, whole, below), decision, below)
        return out

    def _read_whole(self, crops: list[np.ndarray], unsplit: list[int], line: float | None
                    ) -> list[scan_tally.WholeReading] | None:
        """The column's cells read whole (`scan_tally.read_whole`); None for a column whose cells
        mostly show no two slashes when neither of its first two unsplit cells reads as 'a/b/c'
        either: a column of bare ratings is told by two OCR readings, not one per cell."""
        sample = unsplit[:_FRACTION_SAMPLE] if len(unsplit) * 2 > len(crops) else []
        first = dict(zip(sample, scan_tally.read_whole([crops[k] for k in sample], self.dpi, line), strict=True))
        if sample and all(whole.numbers is None for whole in first.values()):
            return None
        rest = [k for k in range(len(crops)) if k not in first]
        first.update(zip(rest, scan_tally.read_whole([crops[k] for k in rest], self.dpi, line), strict=True))
        return [first[k] for k in range(len(crops))]

    def _number_candidates(self, found: scan_tally.FractionParts | None, by_ocr: bool
                           ) -> tuple[scan_tally.Support | None, ...]:
        if found is None:
            return (None, None, None)
        return tuple(None if n is None else scan_tally.glyph_candidates(n, self.dpi, by_ocr) for n in found.numbers)

    def _branch_rating(self, written: Written, parts: scan_tally.FractionParts | None,
                       whole: scan_tally.WholeReading, numbers_below: bool) -> _Rated:
        """The rating of a branch cell, read on its letters (the cell left of its numbers). Their
        width is measured only when they stand alone left of the numbers on one line: unsplit, or
        over a line of numbers, the part read holds digits too."""
        split = parts.letters if parts is not None else None
        letters = split if split is not None else written.image
        width = result_length.written_width(split) if split is not None and not numbers_below else None
        letters, _ = scan_rating.at_letter_size(letters, self.dpi, scan_rating.CELL_LETTERS)
        return _Rated(written, letters, self._written_rating(written, letters, (whole.letters,) if whole.letters else ()),
                      width)

    @staticmethod
    def _fraction_pieces(written: Written, matched: scan_rating.RatingMatch, decision: scan_tally.FractionDecision,
                         numbers_below: bool) -> list[Piece]:
        rating = Piece(
            matched.rating.abbreviation if matched.rating is not None else "?",
            confidence=matched.confidence if matched.rating is not None else 0.0,
        )
        votes, present, total = decision.values
        if votes is None or present is None or total is None:
            return [rating, Piece(" "), Piece("?", confidence=0.0)]
        # a numbers line written from the cell's edge may have lost the votes' first digit there too
        # ("2/21/22" for 12, its 1 painted out with the ruling); after a rating read on the same line,
        # the numbers did not start at the edge, but a line of their own under it starts there too
        from_edge = written.runs_into_start and (matched.rating is None or numbers_below)
        confidence = min(decision.confidence, scan_tally.UNSURE) if from_edge else decision.confidence
        return [rating, Piece(" "), Piece(f"{votes:02d}/{present:02d}/{total:02d}", confidence=confidence)]

    def _blank(self, cell: GridCell) -> bool:
        return ink_share(self.ink, cell.box) < 0.004

    def _level_marks(self, grid: Grid, columns: list[_Column], header_end: int) -> dict[tuple[int, int], Piece]:
        """The piece each level cell of each data row holds, decided row by row from ink."""
        level_cols = [c for c, col in enumerate(columns) if col.kind == "level"]
        if not level_cols:
            return {}
        marks: dict[tuple[int, int], Piece] = {}
        by_spot = {(c.row, c.col): c for c in grid.cells if c.cols == 1}
        for r in range(header_end, grid.n_rows):
            cells = [by_spot.get((r, c)) for c in level_cols]
            present = [c for c in cells if c is not None]
            if len(present) != len(cells):
                continue  # a row whose level cells are merged is a heading, not a criterion
            decisions = decide([measure(self.ink, c.box, self.dpi) for c in present])
            for cell, verdict in zip(present, decisions, strict=True):
                if verdict.marked:
                    piece = Piece("x", symbol=True, confidence=verdict.confidence)
                elif verdict.cancelled:
                    piece = Piece("x", symbol=True, struck=True, confidence=verdict.confidence)
                else:
                    piece = Piece("", confidence=verdict.confidence)
                marks[(r, cell.col)] = piece
        return marks


def _start_may_be_lost(written: Written, matched: scan_rating.RatingMatch) -> bool:
    """Whether the writing ran into its left ruling, where a stroke may lie painted out with it,
    and was read as a rating such a loss makes (`_WHOLE_AT_START`). The same hand's sure cells
    cannot tell either: a KHTNV whose K is lost looks like the writer's HTNV."""
    return written.runs_into_start and matched.rating not in _WHOLE_AT_START


def _with_result(row: scan_tally.RowReading, matched: scan_rating.RatingMatch) -> scan_tally.RowReading:
    """The row with its written result as `matched` says it."""
    return replace(row, result=matched.rating, result_sure=matched.confidence >= scan_rating.SURE,
                   result_confirms=matched.confidence >= scan_rating.CONFIRMED, result_by_shape=matched.shape_unopposed)


def _by_the_same_hand(rows: Sequence[scan_tally.RowReading], results: Sequence[Written | None],
                      told: Sequence[Rating | None]) -> list[scan_tally.RowReading]:
    """The minutes' rows, their written results read again against the same hand's sure ones
    (`same_hand.confirmed`), as the ratings of a Mẫu 06 summary are: one clerk writes the whole
    column, and a result OCR left open, or read against its votes, looks like the surely read
    results of its rating. Only a sure result its own votes bear out vouches for others (`told`:
    each row's votes' outcome as the digits and the sum decide them, `scan_tally.outcomes`): a sure
    reading they contradict is a misreading or the clerk's slip (generated minutes seed 3, `0039`:
    an HTNV read HTTNV for sure made two more HTNVs HTTNV), and is told what its votes give. A
    result so confirmed still makes its row sure only where it is what its votes give
    (`scan_tally.decide_row`). The hand's width per letter stays measured on the readings
    (`RowReading.result_written`): the confirmed ones taken in moved dev `doc_0008`'s scale enough
    that its one HTXSNV, a narrow six letters, no longer measured as six."""
    read = [(k, written, row.result_written) for k, (row, written) in enumerate(zip(rows, results, strict=True))
            if written is not None and row.result_written is not None]
    matches = same_hand.confirmed([
        same_hand.Cell(written.image, seen[0], written.cut_start or _start_may_be_lost(written, seen[0]), seen[1],
                       witness=told[k] is not None and seen[0].rating is told[k], told=told[k])
        for k, written, seen in read])
    out = list(rows)
    for (k, _, _), matched in zip(read, matches, strict=True):
        out[k] = _with_result(rows[k], matched)
    return out


def _level_cells_split(grid: Grid, columns: list[_Column], header_end: int,
                       texts: dict[GridCell, list[WordLine]]) -> Grid:
    """The grid with the level cells of the body cut back to one per row and level column.

    Each criterion has its own row of level cells, so a ruling line missing there is hidden, not
    absent: a scribble drawn along a row line, or over the line between the criterion's text and
    its first level, merges with it into pen ink, and the marks of two criteria (or a criterion
    and its mark) would otherwise be read as one cell. A row whose level cells are all merged
    into one is a heading and stays whole; the text part of a cut cell keeps the cell's text.

    The same holds for the lowest heading row: a ruling lost between two level headings (faint in
    a photo) joins them into one cell, whose columns were then placed by their neighbours, and
    each is given its own heading cell again."""
    level = {c for c, column in enumerate(columns) if column.kind == "level"}
    own = {cell.row + k for cell in grid.cells if cell.cols == 1 and cell.col in level for k in range(cell.rows)}
    cells: list[GridCell] = []
    for cell in grid.cells:
        spanned = range(cell.col, cell.col + cell.cols)
        rows = range(cell.row, cell.row + cell.rows)
        if cell.cols > 1 and cell.row + cell.rows == header_end and all(columns[c].placed for c in spanned):
            bottom = grid.ys[header_end]
            cells += [GridCell(cell.row, c, cell.rows, 1, (grid.xs[c], grid.ys[cell.row], grid.xs[c + 1], bottom))
                      for c in spanned]
            continue
        merged = cell.rows > 1 if cell.cols == 1 else all(r in own for r in rows)
        if cell.row < header_end or not level.intersection(spanned) or not merged:
            cells.append(cell)
            continue
        runs: list[list[int]] = []  # each level column alone, the other columns between them together
        for c in spanned:
            if c in level or not runs or runs[-1][-1] in level:
                runs.append([c])
            else:
                runs[-1].append(c)
        for r in rows:
            for run in runs:
                piece = GridCell(r, run[0], 1, len(run), (grid.xs[run[0]], grid.ys[r], grid.xs[run[-1] + 1], grid.ys[r + 1]))
                if run[0] not in level and r == cell.row and cell in texts:
                    texts[piece] = texts[cell]
                cells.append(piece)
    cells.sort(key=lambda c: (c.row, c.col))
    return replace(grid, cells=cells)


def _plain_text(line: WordLine, data_row: bool) -> list[Piece]:
    """A cell's line as OCR read it. A rating read so in a data row stands in a column not known
    for ratings (its heading lost, or the first member's handwriting taken for headings): OCR's
    word confidence says little of handwriting, which no rating reader looked at, so it is not
    sure."""
    pieces = line.pieces()
    if not data_row or not find_ratings(" ".join(w.text for w in line.words)):
        return pieces
    return [replace(p, confidence=min(p.confidence, scan_tally.UNSURE)) for p in pieces]


def _same_band(left: WordLine, right: WordLine) -> bool:
    """Whether `right` continues `left` on the same printed line: it starts to its right and
    overlaps it vertically by half the lower of the two."""
    _, ly0, lx1, ly1 = left.box
    rx0, ry0, _, ry1 = right.box
    overlap = min(ly1, ry1) - max(ly0, ry0)
    return rx0 > lx1 and overlap >= 0.5 * min(ly1 - ly0, ry1 - ry0)


def _lines(words: Iterable[Word]) -> list[WordLine]:
    """Lines of the words worth keeping: OCR turns ruling-line remnants and specks into
    one-character words of no confidence. A dash read as surely as print is kept: names are
    spelt with it ("Ban Lãnh đạo Khoa Ngoại - Bệnh viện Đa khoa tỉnh")."""
    kept = [w for w in words if w.confidence >= _NOISE_CONFIDENCE or len(w.text.strip(_NOISE_CHARS)) > 1]
    return group_lines([w for w in kept if w.text.strip(_NOISE_CHARS) or _printed_dash(w)])


def _printed_dash(word: Word) -> bool:
    return word.text in _DASHES and word.confidence >= _PRINTED


def _complete_vote_columns(
    grid: Grid, columns: list[_Column], texts: dict[GridCell, list[WordLine]], header_end: int
) -> None:
    """A vote table whose header OCR garbled one of the four rating abbreviations ("HIXSNV", or
    "MHTTNV" beside a crease): three count columns in the ratings' order and, where the missing
    rating's column must be (before or after them, or between two of them), a short header that
    reads like an abbreviation. That column is a count column too, and its header is given as the
    rating it must be, with the confidence it was read with."""
    counts = [c for c, col in enumerate(columns) if col.kind == "count"]
    if len(counts) != 3 or counts[-1] - counts[0] > 3:
        return
    order = list(Rating)
    heads: dict[int, GridCell] = {}
    for cell in grid.cells:
        if cell.row < header_end and cell.cols == 1 and (cell.row + cell.rows) == header_end:
            heads[cell.col] = cell
    seen = [_header_rating(_cell_text(texts, heads.get(c))) for c in counts]
    missing = [r for r in order if r not in seen]
    if len(missing) != 1 or seen != [r for r in order if r is not missing[0]]:
        return
    k = order.index(missing[0])
    if counts[-1] - counts[0] == 2:
        c = counts[0] - 1 if k == 0 else counts[-1] + 1 if k == len(order) - 1 else None
    else:
        gap = next(col for col in range(counts[0], counts[-1]) if col not in counts)
        c = gap if gap - counts[0] == k else None
    head = heads.get(c) if c is not None else None
    if c is None or head is None or columns[c].kind != "text":
        return
    text = clean(_cell_text(texts, head)).replace(" ", "")
    if not 3 <= len(text) <= 8 or sum(ch.isupper() for ch in text) < len(text) - 1:
        return
    confidence = min((w.confidence for line in texts.get(head, []) for w in line.words), default=0.0)
    columns[c] = _Column("count")
    box = texts[head][0].words[0].box
    texts[head] = [WordLine([Word(missing[0].abbreviation, confidence, box)])]


def _name_vote_headers(
    grid: Grid, columns: list[_Column], texts: dict[GridCell, list[WordLine]], header_end: int
) -> None:
    """Each count column's header given as the abbreviation it was taken for (`_header_rating`:
    "KHẨTNV" is KHTNV), with the confidence it was read with, so that the form reader finds the
    column it reads from the header as the grid reader did."""
    for cell in grid.cells:
        if cell.row >= header_end or cell.cols != 1 or columns[cell.col].kind != "count" or not texts.get(cell):
            continue
        header = _cell_text(texts, cell)
        rating = _header_rating(header)
        if rating is None or find_ratings(header) == [rating]:
            continue
        words = [w for line in texts[cell] for w in line.words]
        box = (min(w.box[0] for w in words), min(w.box[1] for w in words), max(w.box[2] for w in words),
               max(w.box[3] for w in words))
        texts[cell] = [WordLine([Word(rating.abbreviation, min(w.confidence for w in words), box)])]


def _header_rating(header: str) -> Rating | None:
    """The one rating a vote column's header names: as printed, or, garbled by one letter (an
    accent read on a letter, "KHẨTNV"; a stroke read as a letter more, "HTIXSNV"), the one
    abbreviation a letter away from it when no other is ("HTINV" is as near HTNV as HTTNV)."""
    found = set(find_ratings(header))
    if found:
        return found.pop() if len(found) == 1 else None
    letters = "".join(ch for ch in fold(header) if ch.isalpha())
    near = [r for r in Rating if Levenshtein.distance(letters, r.abbreviation.casefold()) <= 1]
    return near[0] if len(near) == 1 else None


def _cell_text(texts: dict[GridCell, list[WordLine]], cell: GridCell | None) -> str:
    return " ".join(w.text for line in texts.get(cell, []) for w in line.words) if cell is not None else ""


_BALLOT_LINE = re.compile(r"^[\s\-–+•]*so (phieu hop le|co mat)\s*:?\s*(\d{1,3})\b")


def _ballot_lines(lines: list[Line], page: int) -> tuple[dict[int, float], bool, int | None]:
    """The valid ballots as the count lines of the page say them (value → support), whether one
    was read for sure, and the members present as an upper bound when read for sure."""
    cast: dict[int, float] = {}
    sure, limit = False, None
    for line in lines:
        if line.table is not None or line.page != page:
            continue
        m = _BALLOT_LINE.match(fold(line.text))
        if m is None:
            continue
        value = int(m.group(2))
        number = [p for p in line.pieces if any(ch.isdigit() for ch in p.text)]
        confident = bool(number) and min(p.confidence for p in number) >= 0.9
        if m.group(1) == "co mat":
            limit = value if confident else limit
            continue
        cast[value] = cast.get(value, 0.0) + (1.0 if confident else 0.3)
        sure = sure or confident
    return cast, sure, limit


@cache
def _rating_labels() -> dict[str, str]:
    """The rating fields' labels of every form of the catalog, folded, with their printed text.
    Mẫu 06's ratings are table columns, whose headers are no answer lines."""
    return {fold(f.label): f.label for definition in catalog() if definition.kind is not FormKind.SUMMARY
            for f in definition.rating_fields}


@cache
def _rating_label_pattern() -> re.Pattern[str]:
    """A line's start that is a rating field's label (folded), after its item number or dash:
    the longest first, so that a label is not cut at a shorter one."""
    alternatives = "|".join(re.escape(label) for label in sorted(_rating_labels(), key=len, reverse=True))
    return re.compile(rf"^[\divx.\-\s]*(?:{alternatives})\s*:?")


_ITEM = re.compile(r"^(?:[ivx]+\.|\d+\.|[-+•])?\s*")
_LABEL_SIMILAR = 88.0  # a line's opening this close to a rating label (folded) is that label, misread …
_LABEL_MARGIN = 5.0  # … and this much closer to it than to any other label
_LABEL_LONG = 25  # characters: a shorter label ("Xếp loại đảng viên") is too easily found in a heading
_LABEL_WORDS = 12  # a label's words, and a few more a misreading may split them into
_LABEL_OPENING = 12  # characters of a label read surely that can name it when its end is not read


@dataclass(frozen=True)
class _RatingLabel:
    words: list[Word]  # the label's words as read
    rest: list[Word]  # the line's words after it
    printed: str | None = None  # the label's printed text, when its words were misread


def _rating_label(words: list[Word], text_right: int) -> _RatingLabel | None:
    """A line that opens with a rating label, split into the label's words and the rest.

    A fold or a speck through the label misreads a word of it ("chat. uong", "loai" lost, the
    line's end cut off). Such a line still opens with the label when its first words are close
    to one label, clearly closer to it than to any other ("Đề nghị …" and "Đề xuất …" differ by
    one word), and end at a colon, make the whole line, or are followed by nothing OCR takes for
    print (a heading naming a rating goes on in print) but a rating (an answer in neat capitals,
    read as surely as print); its printed text is then given, so that
    the form's field is found by its label. Its last word, read whole, ends where it is seen
    ("xếp" wiped out by a fold before it leaves a gap the printed label's width per character
    would take for letters, and the answer's first letters with it); otherwise where the printed
    label ends (`_printed_width`)."""
    folded = [fold(w.text) for w in words]
    m = _rating_label_pattern().match(" ".join(folded))
    if m is not None:
        end, at = m.end(), 0
        for k, f in enumerate(folded):
            at += len(f) + (1 if k else 0)
            if at >= end - 1:
                kept = len(f) - max(0, at - end)  # the last word's characters that are the label's
                said = words[: k + 1]
                if kept < len(f):  # what follows read glued to the label's last word ("lượng-"): cut off,
                    if kept < len(f) - 1:  # … and when it is the leader and the answer, the word's box too
                        said = _printed_width(said, end)
                    said[-1] = Word(said[-1].text[:kept], said[-1].confidence, said[-1].box)
                return _RatingLabel(said, words[k + 1 :])
        return None
    # a word holding the label's colon and what follows it, read glued ("lượng:-....##⁄2M@3."), is
    # likened up to its colon
    likened = [f[: f.index(":") + 1] if ":" in f[:-1] else f for f in folded]
    ranked = _likest_labels(likened, shortened=False)
    if not ranked or ranked[0][1][0] < _LABEL_SIMILAR:
        ranked = _likest_labels(likened, shortened=True)
    if not ranked or ranked[0][1][0] < _LABEL_SIMILAR:
        return _label_cut_short(words, folded, text_right)
    if len(ranked) > 1 and ranked[1][1][0] > ranked[0][1][0] - _LABEL_MARGIN:
        return None
    label, (_score, k) = ranked[0]
    rest = words[k:]
    if (k < len(words) and not likened[k - 1].endswith(":") and any(w.confidence >= _PRINTED for w in rest)
            and scan_rating.vote(" ".join(w.text for w in rest)) is None):
        # a misread label is taken up to its colon, or with only writing after it (no heading), or
        # with a rating after it (an answer in neat capitals, which OCR reads as surely as print)
        return None
    printed = _rating_labels()[label]
    said = words[:k]
    if folded[k - 1].rstrip(":") != label.rsplit(" ", 1)[-1]:  # its last word not read whole as the label's
        said = _printed_width(said, len(printed) + 1)
    return _RatingLabel(said, words[k:], printed)


def _label_cut_short(words: list[Word], folded: list[str], text_right: int) -> _RatingLabel | None:
    """A label whose first words are read as surely as print and the rest of its line not at all:
    the answer of the line below, written high, runs over the label's end, and OCR reads what is
    left as one unsure word or none ("1. Xếp loại cán bộ, chó" for "… công chức, viên chức: ……"
    over an HTTNV rising from "2. Xếp loại đảng viên:"), or reads it into other lines. Left
    unfound, the field was sent to a person though its own leader is blank. The sure opening names
    a label when it opens that one label and no other; the label then ends where it would in print
    (`_printed_width`), and only what starts past that end is the line's rest (a word across it is
    what is left of the label's last letters; the writing's ink is read anyway). Not when that end
    lies past the body text's right edge (`text_right`): the label is then wrapped onto the next
    line, where its answer is."""
    sure = next((k for k, w in enumerate(words) if w.confidence < _PRINTED), len(words))
    read = " ".join(folded[:sure])
    opening = _ITEM.sub("", read).rstrip(" :.")
    if len(opening) < _LABEL_OPENING:
        return None
    fits = [label for label in _rating_labels() if len(label) >= _LABEL_LONG > len(opening)
            and fuzz.ratio(opening, label[: len(opening)]) >= _LABEL_SIMILAR]
    if len(fits) != 1:
        return None
    printed = _rating_labels()[fits[0]]
    item = len(read) - len(_ITEM.sub("", read))
    said = _printed_width(words[: sure + 1], item + len(printed) + 1)  # the opening and the word after it
    end = said[-1].box[2]
    if end > text_right:
        return None
    return _RatingLabel(said, [w for w in words[sure + 1 :] if w.box[0] >= end], printed)


def _likest_labels(likened: list[str], shortened: bool) -> list[tuple[str, tuple[float, int]]]:
    """The labels with how close the line's likest opening (its first k words, folded) comes to
    each, and that k, closest first; only long labels count (`_LABEL_LONG`). `shortened`: once no
    opening comes near a whole label, an opening may also be the label without its last word
    ("lượng" lost under a fold's shadow, or read glued to the leader and the answer, while another
    word is misread)."""
    best: dict[str, tuple[float, int]] = {}
    for k in range(1, min(len(likened), _LABEL_WORDS) + 1):
        opening = _ITEM.sub("", " ".join(likened[:k])).rstrip(" :.")
        for label in _rating_labels():
            known = [text for text in ((label, label.rsplit(" ", 1)[0]) if shortened else (label,))
                     if len(text) >= _LABEL_LONG]
            score = max((fuzz.ratio(opening, text) for text in known), default=0.0)
            if score > best.get(label, (0.0, 0))[0]:
                best[label] = (score, k)
    return sorted(best.items(), key=lambda kv: -kv[1][0])


def _printed_width(words: list[Word], chars: int) -> list[Word]:
    """A label's words as read, the last one ending where the printed label (its first `chars`
    characters) ends at the width per character of the words before it. The last word may hold
    the leader and the answer too, read glued to it ("lượng:-----5-ss<…olRT.TNT……") or misread
    with them ("MỤC..." over "lượng: … HTNV"), or be missing, read into the line's rest ("chất"
    then "Mỹ"): the answer's region would otherwise start past the writing, or take in print. The
    last word stands as high as the words before it: read with the writing, its box rose to the
    writing's top, and the answer's region, placed by the label's height, went up into the line above."""
    before = words[:-1] or words
    per_char = (before[-1].box[2] - before[0].box[0]) / max(1, len(" ".join(w.text for w in before)))
    x0 = words[-1].box[0]
    y0, y1 = min(w.box[1] for w in before), max(w.box[3] for w in before)
    end = max(x0 + 1, words[0].box[0] + round(per_char * chars))
    return [*words[:-1], Word(words[-1].text, words[-1].confidence, (x0, y0, end, y1))]


def _printed_line(line: WordLine) -> bool:
    """Whether a line is print, all of it, though writing close under it spoils a word or two
    ("bộ," read at 0.61 over a rating written high)."""
    sure = sorted(w.confidence for w in line.words)
    return bool(sure) and sure[len(sure) // 2] >= _PRINTED


def _printed_aside(word: Word) -> bool:
    """Whether a word is the form's printed note after an answer ("(kèm theo phiếu …)")."""
    return word.text.startswith("(") and word.confidence >= _PRINTED


def _misread_column(words: list[Word]) -> bool:
    """Whether a header column's words show a misreading: a word of no confidence at least two
    letters wide (a printed line read as one word), or a line split in two where words were lost."""
    garbled = any(w.confidence < _NOISE_CONFIDENCE and w.box[2] - w.box[0] >= 2 * (w.box[3] - w.box[1])
                  and len(w.text) >= 2 for w in words)
    return garbled or any(_same_band(a, b) for a, b in itertools.pairwise(_lines(words)))


def _mean_confidence(words: Sequence[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _moved(word: Word, dx: int, dy: int) -> Word:
    x0, y0, x1, y1 = word.box
    return Word(word.text, word.confidence, (x0 + dx, y0 + dy, x1 + dx, y1 + dy))


def _header_end(readings: dict[GridCell, _Number]) -> int:
    """The first data row: the first whose TT cell holds a row number (I, 1, 2 …)."""
    for cell in sorted(readings, key=lambda c: c.row):
        number = readings[cell]
        if cell.row > 0 and (_ROW_NUMBER.fullmatch(number.text) or number.strokes):
            return cell.row
    return 1


_ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _row_numbers(readings: dict[GridCell, _Number], header_end: int, criteria: bool) -> dict[GridCell, Piece]:
    """The TT column's row numbers, read against the sequence they must follow: sections I, II …
    in a criteria grid, each with items 1, 2 …; rows 1, 2 … in any other table. A number that
    fits the sequence is taken; one OCR is unsure of is taken when its strokes or its reading fit
    the sequence; anything else is kept as read, with a confidence that sends the row to review.
    ("I" and "1" look alike: in a criteria grid "I" while no section has begun, "1" after one;
    in any other table, "1" when "2" follows.)"""
    out: dict[GridCell, Piece] = {}
    last_roman, last_arabic = 0, 0
    cells = sorted((c for c in readings if c.row >= header_end), key=lambda c: c.row)
    vouched = 0 if criteria else _vouched_for(readings, cells)
    for k, cell in enumerate(cells):
        n = readings[cell]
        if k < vouched:  # none of these read surely as a number: each is its place, as sure as a sequence makes it
            out[cell] = Piece(str(k + 1), confidence=0.9)
            last_arabic = k + 1
            continue
        if not n.text and n.strokes is None:
            out[cell] = Piece("", confidence=n.confidence)  # blank (1.0) or unreadable (0)
            continue
        next_roman = _ROMANS[last_roman] if criteria and last_roman < len(_ROMANS) else None
        next_arabic = str(last_arabic + 1)
        sure = n.confidence >= _SURE_NUMBER
        looks_one = {n.text, n.strokes} & {"I", "1"}
        if looks_one and next_arabic == "1" and (last_roman > 0 or (not criteria and _two_next(readings, cells[k + 1:]))):
            value, confidence = "1", 0.9 if not (sure and n.text == "1") else n.confidence
        elif looks_one and next_roman == "I":
            value, confidence = "I", 0.9 if not (sure and n.text == "I") else n.confidence
        elif n.text in (next_roman, next_arabic):
            value, confidence = n.text, max(n.confidence, 0.9)
        elif n.strokes is not None and n.strokes == next_roman:
            value, confidence = n.strokes, 0.9
        elif sure and _later(n.text, last_roman, last_arabic, criteria):
            value, confidence = n.text, n.confidence  # a row between was not read: it is missed, not this one
        else:  # unreadable or out of sequence: kept as read, sent to review, counted as an item
            value, confidence = n.text or (n.strokes or ""), min(n.confidence, 0.5)
            out[cell] = Piece(value, confidence=round(confidence, 3))
            last_arabic += 1
            continue
        out[cell] = Piece(value, confidence=round(confidence, 3))
        if value in _ROMANS:
            last_roman, last_arabic = _ROMANS.index(value) + 1, 0
        elif value.isdigit():
            last_arabic = int(value)
    return out


def _vouched_for(readings: dict[GridCell, _Number], cells: list[GridCell]) -> int:
    """How many of a table's first rows, numbered 1, 2 … (not a criteria grid), the first row read
    surely as a number vouches for: all those before it, when it reads its own place. A minutes
    photo under a warm lamp (dev `doc_0001` taken again) read its printed "1" and "2" as "I" and
    "V", and with its first rows unnumbered the table's header seemed to run on to the "3"."""
    for k, cell in enumerate(cells):
        n = readings[cell]
        if n.confidence >= _SURE_NUMBER and n.text.isdigit():
            return k if n.text == str(k + 1) else 0
    return 0


def _align_numbers(
    grid: Grid,
    columns: list[_Column],
    header_end: int,
    readings: dict[GridCell, _Number],
    texts: dict[GridCell, list[WordLine]],
    numbers: dict[GridCell, Piece],
) -> None:
    """The TT pieces of a criteria grid checked against the rows the form prints (`scan_rows`):
    a row the alignment identifies for sure gets its number with a sure confidence; one it places
    by position only gets its number with a confidence that sends it to review."""
    label_col = next((c for c, col in enumerate(columns) if c > 0 and col.kind == "text"), None)
    if label_col is None:
        return
    labels = {c.row: c for c in grid.cells if c.col == label_col}
    tts = sorted((c for c in readings if c.row >= header_end), key=lambda c: c.row)
    cues = []
    for cell in tts:
        n = readings[cell]
        label_cell = labels.get(cell.row)
        # a word read with no confidence is no witness of the label: a bold heading read as '"nong'
        # only argued against the heading it is, and the alignment skipped the row
        label = " ".join(w.text for line in texts.get(label_cell, []) for w in line.words
                         if w.confidence >= _NOISE_CONFIDENCE) if label_cell else ""
        cues.append(scan_rows.RowCue(n.text, n.confidence, n.strokes, clean(label)))
    definitions = [d for d in catalog() if any(c.max_points is None for c in d.criteria)]
    for cell, found in zip(tts, scan_rows.align(cues, definitions), strict=True):
        if found is None:
            continue
        current = numbers.get(cell)
        same = current is not None and current.text == found.number
        if found.sure:
            confidence = max(found.confidence, current.confidence if current is not None and same else 0.0)
            numbers[cell] = Piece(found.number, confidence=round(confidence, 3))
        elif not same:
            was = current.confidence if current is not None else 0.0
            numbers[cell] = Piece(found.number, confidence=round(min(was, found.confidence), 3))


def _two_next(readings: dict[GridCell, _Number], after: list[GridCell]) -> bool:
    """Whether the next row's number reads 2, or no row follows."""
    return not after or "2" in (readings[after[0]].text, readings[after[0]].strokes)


def _later(text: str, last_roman: int, last_arabic: int, criteria: bool) -> bool:
    """Whether a row number read for sure comes after the ones before it in the sequence."""
    if criteria and text in _ROMANS:
        return _ROMANS.index(text) + 1 > last_roman
    return text.isdigit() and int(text) > last_arabic


def roman_by_strokes(crop: np.ndarray) -> str | None:
    """I, II, III, V or VI from the glyph shapes of a printed TT cell: a stem is a run of columns
    inked over most of the glyph height (serifs joining 'II' into one blob do not matter), a V a
    wide glyph with no stem. None for anything else (an arabic number, a smudge)."""
    _, binary = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    blobs = [(k, *(int(v) for v in stats[k, :4])) for k in range(1, count)]
    if not blobs:
        return None
    tallest = max(b[4] for b in blobs)
    glyphs = sorted((b for b in blobs if b[4] >= 0.6 * tallest and tallest >= 8), key=lambda b: b[1])
    if not glyphs or len(glyphs) > 3:
        return None
    letters = ""
    for k, x, y, w, h in glyphs:
        mask = labels[y : y + h, x : x + w] == k
        profile = mask.sum(axis=0)
        stem = profile >= 0.75 * h
        runs = int(np.count_nonzero(np.diff(np.concatenate([[0], stem.astype(np.int8), [0]])) == 1))
        if runs and profile[~stem].max(initial=0) <= 0.4 * h:
            letters += "I" * runs
        elif runs == 0 and 0.6 <= w / h <= 1.4:
            letters += "V"
        else:
            return None
    return letters if letters in {"I", "II", "III", "IV", "V", "VI"} else None


def _without_boxes(crop: np.ndarray, boxes: Sequence[PxBox], origin: tuple[int, int]) -> np.ndarray:
    """A copy of a crop of the page (its top left at `origin`) with the boxes in it whitened."""
    out = crop.copy()
    ox, oy = origin
    for x0, y0, x1, y1 in boxes:
        out[max(0, y0 - oy) : max(0, y1 - oy + 1), max(0, x0 - ox) : max(0, x1 - ox + 1)] = 255
    return out


def _header_columns(grid: Grid, texts: dict[GridCell, list[WordLine]], header_end: int
                    ) -> tuple[int, list[_Column]]:
    """Where the header ends and what each column holds. The first data row's TT cell unread ("I"
    under a scribble, "1" under a fold) puts the header's end a row late: its cells are then no
    headings of levels or ratings (its handwritten "HTXSNV" made a vote column), and the row
    before, read as the header's last, has more of them. (A Mẫu 06 photo whose first member's
    mass organisation cell was blank kept that one column's heading, and its self, civil servant
    and committee columns were read as vote counts, 21 ratings lost.)"""
    columns = _columns(grid, texts, header_end)
    if header_end > 1:
        earlier = _columns(grid, texts, header_end - 1)
        if _answers(earlier) > _answers(columns):
            return header_end - 1, earlier
    return header_end, columns


def _answers(columns: list[_Column]) -> int:
    return sum(c.kind in _ANSWER_KINDS for c in columns)


def _columns(grid: Grid, texts: dict[GridCell, list[WordLine]], header_end: int) -> list[_Column]:
    """What each grid column holds, from the lowest header cell over it."""
    columns = [_Column("text") for _ in range(grid.n_cols)]
    columns[0] = _Column("tt")
    ending: dict[int, Level] = {}  # columns whose heading ends with a level's name
    for c in range(1, grid.n_cols):
        over = [cell for cell in grid.cells if cell.row < header_end and cell.col <= c < cell.col + cell.cols]
        if not over:
            continue
        lowest = max(over, key=lambda cell: cell.row + cell.rows)
        header = clean(" ".join(w.text for line in texts.get(lowest, []) for w in line.words))
        key = fold(header)
        level = parse_level(header) if lowest.cols == 1 else None
        if level is not None:
            columns[c] = _Column("level", level)
        elif lowest.cols == 1 and len(header) <= 12 and _header_rating(header) is not None:
            columns[c] = _Column("count")
        elif "ket qua" in key or "xep loai" in key or _summary_heading(key):
            columns[c] = _Column("rating")
        elif lowest.cols == 1 and (last := _level_at_end(header)) is not None:
            ending[c] = last
    _levels_under_their_group(columns, ending)
    _levels_by_place(grid, columns, header_end)
    return columns


def _level_at_end(header: str) -> Level | None:
    """The level a heading's last words name (a level's name is one or two words)."""
    words = header.split()
    return next((level for k in (2, 1) if len(words) > k and (level := parse_level(" ".join(words[-k:])))), None)


def _levels_under_their_group(columns: list[_Column], ending: dict[int, Level]) -> None:
    """Level columns whose heading cell also holds the words of the heading printed over the
    levels: the ruling between the two lost (faint in a photo reduced to 90 dpi, dev `doc_0002` at
    0.6), "CẤP ĐỘ THỰC HIỆN" fell into the cells under it, a piece in each ("¡P ĐỘ T Tốt"), and
    each level's name is its cell's last words. They are taken only when every level is then named,
    in printed order, in adjacent columns: a heading that merely ends with "Tốt" names no level.
    Each is written out as its level's name for the form reader (`placed`)."""
    named = {c: column.level for c, column in enumerate(columns) if column.level is not None} | ending
    if not ending or len(named) != len(Level) or not _in_printed_order(named):
        return
    for c, level in ending.items():
        columns[c] = _Column("level", level, placed=True)


def _in_printed_order(named: dict[int, Level]) -> bool:
    """Whether the levels stand in adjacent columns, best first or worst first."""
    order = [named[c] for c in sorted(named)]
    return max(named) - min(named) == len(named) - 1 and order in (list(Level), list(Level)[::-1])


@cache
def _summary_headings() -> tuple[str, ...]:
    """The headings of the summary forms' rating columns (folded words), those that do not name a
    rating themselves (a ballot's boxes): Mẫu 06's "Tập thể lãnh đạo đoàn thể mà đảng viên là
    thành viên lãnh đạo" says nothing of "xếp loại", and its handwritten ratings read as plain text
    came back empty, a rating lost without a word."""
    return tuple(folded_words(c.label) for d in catalog() if d.kind is FormKind.SUMMARY
                 for c in d.summary_columns if find_ratings(c.label) == [])


_HEADING_LIKENESS = 80  # a misread heading's letters still mostly in place ("Đánh giá, xếp viên chức (Nếu là CC,
# VC)", two words lost, is 82 like its heading; "Đảng viên tự nhận xét", no rating column, 75)


def _summary_heading(key: str) -> bool:
    """Whether a column's folded heading is one of the summary forms' rating columns."""
    words = folded_words(key)
    return any(fuzz.ratio(words, heading) >= _HEADING_LIKENESS for heading in _summary_headings())


def _levels_by_place(grid: Grid, columns: list[_Column], header_end: int) -> None:
    """Level columns whose own heading was misread ("Trung bình" read "Tru hìn"), or lost with a
    ruling between two headings: under a heading cell spanning as many columns as there are
    levels ("CẤP ĐỘ THỰC HIỆN"), the levels stand in printed order, so two or more headings read
    in that order, best first or worst first, place the others. One heading alone misread beside
    the other three ("Tốt" read "Tất") is placed by them without that heading cell: a photo
    reduced to 90 dpi (dev `doc_0003` at 0.6) showed a vertical ruling's trace through it, which
    cut it at the wrong column."""
    levels = list(Level)
    known = {c: col.level for c, col in enumerate(columns) if col.kind == "level"}
    if not 2 <= len(known) < len(levels):
        return
    starts = {cell.col for cell in grid.cells if cell.row < header_end and cell.cols == len(levels)}
    if len(known) == len(levels) - 1:
        starts |= {min(known), max(known) - len(levels) + 1}
    for start in sorted(starts):
        run = range(start, start + len(levels))
        if run.start < 1 or run.stop > grid.n_cols or not all(c in run for c in known) \
                or any(columns[c].kind not in ("text", "level") for c in run):
            continue
        for order in (levels, levels[::-1]):
            placed = dict(zip(run, order, strict=True))
            if all(placed[c] is level for c, level in known.items()):
                for c, level in placed.items():
                    if c not in known:
                        columns[c] = _Column("level", level, placed=True)
                return
