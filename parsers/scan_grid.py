"""Table grids of a prepared page, found from their ruling lines.

Long horizontal and vertical strokes are kept by morphological opening (text, ticks and
dotted leaders are shorter than the kernels); strokes that touch each other form a table. Its row
and column lines are the clusters of those strokes, and each elementary cell is merged with its
neighbour where the ruling line between them is missing, which gives the spans of the header
("CẤP ĐỘ THỰC HIỆN" over four columns, "TT" over two rows). A stroke must meet two lines of the
other direction to count, so a signature's underline or a long tick inside a cell makes no row;
and a line must separate the cells of several rows (a column) or columns (a row) of its table, so the
zigzag of a scribble inside one cell, whose strokes meet that cell's two borders, splits nothing.
Strokes given up that way are cleared from the ruling masks: they are pen ink, not lines to erase.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

log = logging.getLogger(__name__)

PxBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the sheet

_H_KERNEL_IN = 0.35  # a horizontal ruling is longer than this (inches)
_V_KERNEL_IN = 0.18  # a vertical ruling crosses at least one row of text
_GAP_IN = 0.04  # breaks in a ruling line (a faint scan) up to this are closed
_CLUSTER_IN = 0.045  # strokes this close belong to one ruling line (a double or thick line)
_MIN_TABLE_IN = (1.0, 0.4)  # width, height
_FRAME_GAP_IN = 0.15  # a ruled rectangle this clear of a table all round is a frame around it (`_frames`)
_COVER = 0.5  # share of a cell side a ruling must cover to separate two cells
_SUPPORT = 0.3  # share of the table's rows (columns) a column (row) line must separate
# A printed ruling covers at least one cell's side whole. Upright strokes of a bold script that line
# up in two rows passed for a column line, covering 0.73 and 0.75 of their cells' sides and splitting
# a rating column in two (dev doc_0011); of 8,534 lines kept in the dev scans and eight generated
# sets, that was the one line whose best side was under 0.95.
_WHOLE_SIDE = 0.95
_PAST_TABLE_IN = 0.2  # a line running on this far beyond the table at both ends crosses it: a fold
_RULED = 0.95  # share of the table's width (height) a line unbroken across it covers
_PRINT_GREY = 128  # a line's core darker than this is printed; a fold's crease is paler (about 160) …
_AS_PRINTED = 10  # … as is one no paler than the table's own rulings by this much (a pale photo's print) …
_BESIDE_IN = 0.15  # … with no other line this close (no row of text is so thin) …
# … and drawn across all of the table: a crease alone fades somewhere over it, a ruling under it does
# not. Of 109 lines running past a table at both ends in five generated official sets, 12 were as dark
# as a pale print and alone: the 4 drawn across all of it hid a ruling, the others covered 0.49–0.95
# of it (the one at 0.95 split a level column when taken for a ruling)
_UNBROKEN = 0.99
# No form prints a cell spanning two rows alone, every other column ruled between them (none of the
# 117 Word forms and dev files has one; "TT" spans the header's rows beside "TIÊU CHÍ ĐÁNH GIÁ"):
# in a table this wide, one cell open across a row line has lost its ruling (a crease, a scribble)
_ALONE_OPEN_COLS = 3
# A ruling may itself be left out over a cell (under a header cell spanning two rows), so a ruling
# under a crease is not always drawn across all of the table; but a line clearly darker than both the
# table's rulings and any crease (about 160), and alone, is print wherever the mask shows it. Of the
# 60 lines running past a table in four generated sets, none broken across the table was so dark.
_DARKER = 10
_CREASE_GREY = 145
_MOSTLY = 0.85


@dataclass(frozen=True)
class GridCell:
    """One cell of a found grid: its top-left position, how many rows and columns it covers, and
    its box between the ruling lines."""

    row: int
    col: int
    rows: int
    cols: int
    box: PxBox


@dataclass
class Grid:
    box: PxBox
    ys: list[int]  # row lines, top to bottom
    xs: list[int]  # column lines, left to right
    cells: list[GridCell] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1


@dataclass
class Rulings:
    """The ruling-line masks of a page (1 = line), for finding grids and for erasing the lines
    before OCR and ink measures."""

    horizontal: np.ndarray
    vertical: np.ndarray

    @property
    def both(self) -> np.ndarray:
        return cv2.bitwise_or(self.horizontal, self.vertical)


def rulings(ink: np.ndarray, dpi: float) -> Rulings:
    """Long straight strokes of the binary ink mask, short breaks in them closed afterwards
    (closing first would join the letters of a bold word into a line)."""
    h_len, v_len, gap = int(dpi * _H_KERNEL_IN), int(dpi * _V_KERNEL_IN), max(3, int(dpi * _GAP_IN))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((gap, 1), np.uint8))
    return Rulings(horizontal, vertical)


def find_grids(lines: Rulings, dpi: float, gray: np.ndarray) -> list[Grid]:
    """Every table of the page, top to bottom (`gray`: the page the lines were found on, which
    tells a printed ruling from a fold's grey crease)."""
    joined = cv2.dilate(lines.both, np.ones((5, 5), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    found = [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h in stats[1:count, :4]]
    tables = [b for b in found if b[2] - b[0] >= _MIN_TABLE_IN[0] * dpi and b[3] - b[1] >= _MIN_TABLE_IN[1] * dpi]
    frames = {a for a in tables if any(_frames(a, b, _FRAME_GAP_IN * dpi) for b in tables)}
    grids: list[Grid] = []
    for x0, y0, x1, y1 in _merged([b for b in found if b not in frames]):
        if x1 - x0 < _MIN_TABLE_IN[0] * dpi or y1 - y0 < _MIN_TABLE_IN[1] * dpi:
            continue
        grid = _grid_in(lines, (x0, y0, x1, y1), dpi, gray)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: g.box[1])
    return grids


def _frames(outer: PxBox, inner: PxBox, gap: float) -> bool:
    """Whether `outer` is a frame around `inner`, clear of it by `gap` on every side: a page border,
    or the paper's own edge drawn as a line where a phone app turned a photo black and white (dev
    `doc_0039` so: its table was read as columns of the whole page, and no criterion row was
    found). A table's own outer ruling meets its rows and columns, however broken they are inside."""
    return (outer[0] + gap <= inner[0] and outer[1] + gap <= inner[1]
            and inner[2] + gap <= outer[2] and inner[3] + gap <= outer[3])


def _merged(boxes: list[PxBox]) -> list[PxBox]:
    """Overlapping boxes as one: a table whose rulings fall apart in pieces is still one table."""
    out = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    out[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return out


@dataclass
class _Stroke:
    at: float  # y of a horizontal stroke, x of a vertical one
    start: int
    end: int


def _strokes(mask: np.ndarray, horizontal: bool, offset: tuple[int, int]) -> list[_Stroke]:
    """Connected strokes of a ruling mask cut out at `offset` (x, y), in sheet coordinates."""
    ox, oy = offset
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[_Stroke] = []
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        if horizontal:
            out.append(_Stroke(float(centroids[k][1]) + oy, x + ox, x + w + ox))
        else:
            out.append(_Stroke(float(centroids[k][0]) + ox, y + oy, y + h + oy))
    return out


def _cluster(strokes: list[_Stroke], tolerance: float) -> list[tuple[int, int, int]]:
    """Ruling lines (position, start, end) from strokes at about the same position."""
    lines: list[list[_Stroke]] = []
    for s in sorted(strokes, key=lambda s: s.at):
        if lines and s.at - lines[-1][-1].at <= tolerance:
            lines[-1].append(s)
        else:
            lines.append([s])
    return [
        (round(float(np.median([s.at for s in group]))), min(s.start for s in group), max(s.end for s in group))
        for group in lines
    ]


def _meets(line: tuple[int, int, int], others: list[tuple[int, int, int]], slack: int) -> int:
    """How many lines of the other direction this line crosses or touches."""
    at, start, end = line
    return sum(
        1
        for o_at, o_start, o_end in others
        if start - slack <= o_at <= end + slack and o_start - slack <= at <= o_end + slack
    )


@dataclass(frozen=True)
class _Course:
    """What lies along a line's course across the whole page, position by position."""

    ink: np.ndarray  # whether the ruling mask has a stroke on the course
    core: np.ndarray  # the darkest grey across the course


def _course(mask: np.ndarray, gray: np.ndarray, at: int, horizontal: bool, tolerance: int) -> _Course:
    band = slice(max(0, at - tolerance), at + tolerance + 1)
    ink, grey = (mask[band], gray[band]) if horizontal else (mask[:, band].T, gray[:, band].T)
    return _Course(ink.max(axis=0) > 0, grey.min(axis=0))


def _crosses(line: tuple[int, int, int], others: list[tuple[int, int, int]], past: float, course: _Course,
             print_grey: float, alone: bool) -> bool:
    """Whether the line is a fold's crease, not a ruling: it runs on beyond the lines of the other
    direction at both ends (a table's rulings stop at its border, a fold crosses the whole sheet).

    A ruling is printed black; a crease is grey, so a line as dark as print is a ruling whatever
    runs on beyond it (a crease along a ruling line). So is a line drawn across all of the table,
    no paler than the table's own rulings (`print_grey`) and `alone`, no other line of its
    direction closer than a row of text: in a pale photo the print is paler than a crease, and a
    crease along a ruling hides it (a crease beside a ruling leaves the ruling a line of its own);
    and a line alone drawn over most of the table, clearly darker than its rulings and a crease. A
    faint crease breaks where it crosses the table's text, and off short of the table on blank
    paper, so its strokes beyond the table are not part of it: a line broken across the table
    whose course the ruling mask shows again past both ends is one too. A line drawn unbroken
    across the table is a ruling."""
    first, last = min(o[0] for o in others), max(o[0] for o in others)
    grey = _core_grey(course, first, last)
    if grey < _PRINT_GREY:
        return False
    drawn = float(course.ink[first : last + 1].mean())
    if drawn >= _UNBROKEN and alone and grey <= print_grey + _AS_PRINTED:
        return False
    if drawn >= _MOSTLY and alone and grey <= min(print_grey - _DARKER, _CREASE_GREY):
        return False
    if _runs_past(line, first, last, past):
        return True
    if drawn >= _RULED:
        return False
    reach = int(past)
    return bool(course.ink[max(0, first - 2 * reach) : max(0, first - reach)].any()) and bool(
        course.ink[last + reach : last + 2 * reach].any()
    )


def _alone(line: tuple[int, int, int], lines: list[tuple[int, int, int]], beside: float) -> bool:
    return all(other is line or abs(other[0] - line[0]) >= beside for other in lines)


def _core_grey(course: _Course, first: int, last: int) -> float:
    """The median grey of the line's core where it is drawn between `first` and `last` (255 where
    it is not drawn at all)."""
    inside = slice(first, last + 1)
    drawn = course.core[inside][course.ink[inside]]
    return float(np.median(drawn)) if drawn.size else 255.0


def _print_grey(rows: list[tuple[int, int, int]], cols: list[tuple[int, int, int]],
                courses: dict[tuple[bool, int], _Course], past: float) -> float:
    """How dark the table's rulings are printed: the median core grey of its lines that stop at
    its border (a fold runs on past it)."""
    greys: list[float] = []
    for horizontal, lines, others in ((True, rows, cols), (False, cols, rows)):
        first, last = min(o[0] for o in others), max(o[0] for o in others)
        greys += [_core_grey(courses[horizontal, line[0]], first, last) for line in lines
                  if not _runs_past(line, first, last, past)]
    return float(np.median(greys)) if greys else 0.0


def _runs_past(line: tuple[int, int, int], first: int, last: int, past: float) -> bool:
    """Whether the line runs on `past` beyond the table (from `first` to `last`) at both ends."""
    return line[1] < first - past and line[2] > last + past


def _grid_in(lines: Rulings, box: PxBox, dpi: float, gray: np.ndarray) -> Grid | None:
    x0, y0, x1, y1 = box
    tolerance = max(4.0, dpi * _CLUSTER_IN)
    slack = int(tolerance) + 2
    rows = _cluster(_strokes(lines.horizontal[y0:y1, x0:x1], True, (x0, y0)), tolerance)
    cols = _cluster(_strokes(lines.vertical[y0:y1, x0:x1], False, (x0, y0)), tolerance)
    for _ in range(2):  # strokes that cross too few others are handwriting, not rulings
        rows = [r for r in rows if _meets(r, cols, slack) >= 2]
        cols = [c for c in cols if _meets(c, rows, slack) >= 2]
    if len(rows) < 2 or len(cols) < 2:
        return None
    past = dpi * _PAST_TABLE_IN
    courses = {(True, r[0]): _course(lines.horizontal, gray, r[0], True, slack) for r in rows}
    courses |= {(False, c[0]): _course(lines.vertical, gray, c[0], False, slack) for c in cols}
    print_grey = _print_grey(rows, cols, courses, past)
    beside = dpi * _BESIDE_IN
    fold_cols = [c for c in cols if _crosses(c, rows, past, courses[False, c[0]], print_grey, _alone(c, cols, beside))]
    cols = [c for c in cols if c not in fold_cols]
    fold_rows = [r for r in rows if _crosses(r, cols, past, courses[True, r[0]], print_grey, _alone(r, rows, beside))]
    rows = [r for r in rows if r not in fold_rows]
    if len(rows) < 2 or len(cols) < 2:
        return None
    ys, xs = [r[0] for r in rows], [c[0] for c in cols]
    ys, xs = _supported(lines, ys, xs, slack)
    # a fold is no ruling of the table, but it is no pen ink either: it stays in the masks, to be
    # erased like a ruling before the cells' text is read through it
    _clear_unused(lines, box, ys + [r[0] for r in fold_rows], xs + [c[0] for c in fold_cols], tolerance)
    grid = Grid((xs[0], ys[0], xs[-1], ys[-1]), ys, xs)
    grid.cells = _cells(lines, ys, xs, slack)
    log.debug("grid %s: %d rows x %d cols, %d cells", grid.box, grid.n_rows, grid.n_cols, len(grid.cells))
    return grid


def _supported(lines: Rulings, ys: list[int], xs: list[int], slack: int) -> tuple[list[int], list[int]]:
    """Row and column lines without those that separate too few cells of the table: a column
    line (between the outer two) must divide at least `_SUPPORT` of the rows, a row line at least
    `_SUPPORT` of the columns, and cover one cell's side whole somewhere (`_WHOLE_SIDE`). The
    weakest line goes first and support is counted again, since a false line also splits the cells
    the true lines are counted against."""
    for _ in range(len(ys) + len(xs)):
        weakest: tuple[float, bool, int] | None = None
        for horizontal, at, across in ((False, xs, ys), (True, ys, xs)):
            if len(across) < 4:  # too few cells across to judge a line by
                continue
            mask = lines.horizontal if horizontal else lines.vertical
            need = max(2.0, _SUPPORT * (len(across) - 1))
            for k in range(1, len(at) - 1):
                band = (at[k] - slack, at[k] + slack + 1)
                covers = [_covered(mask, band, (across[j] + slack, across[j + 1] - slack), horizontal)
                          for j in range(len(across) - 1)]
                support = sum(cover >= _COVER for cover in covers) if max(covers) >= _WHOLE_SIDE else 0
                if support < need and (weakest is None or support / need < weakest[0]):
                    weakest = (support / need, horizontal, k)
        if weakest is None:
            break
        _share, horizontal, k = weakest
        (ys if horizontal else xs).pop(k)
    return ys, xs


def _clear_unused(lines: Rulings, box: PxBox, ys: list[int], xs: list[int], tolerance: float) -> None:
    """Ruling strokes inside the table that lie on none of its lines are cleared from the masks.
    A stroke lies on a line when any of it comes within `tolerance`, not only its middle: a
    crease's edge a few pixels off the ruling it hides is what the mask shows of that ruling."""
    x0, y0, x1, y1 = box
    for mask, horizontal, kept in ((lines.horizontal, True, ys), (lines.vertical, False, xs)):
        window = mask[y0:y1, x0:x1]
        count, labels, stats, _centroids = cv2.connectedComponentsWithStats(window, connectivity=8)
        at = np.array(kept, dtype=np.float64) - (y0 if horizontal else x0)
        for k in range(1, count):
            x, y, w, h = (int(v) for v in stats[k, :4])
            lo, hi = (y, y + h - 1) if horizontal else (x, x + w - 1)
            if at.size and float(np.min(np.maximum(0, np.maximum(lo - at, at - hi)))) <= tolerance:
                continue
            sub = window[y : y + h, x : x + w]
            sub[labels[y : y + h, x : x + w] == k] = 0


def _covered(mask: np.ndarray, band: tuple[int, int], span: tuple[int, int], horizontal: bool) -> float:
    """Share of a cell side [span] that the ruling mask covers within [band] across it."""
    lo, hi = span
    if hi - lo < 2:
        return 1.0
    strip = mask[band[0] : band[1], lo:hi] if horizontal else mask[lo:hi, band[0] : band[1]]
    if strip.size == 0:
        return 0.0
    along = strip.max(axis=0 if horizontal else 1)
    return float(along.mean())


def _cells(lines: Rulings, ys: list[int], xs: list[int], slack: int) -> list[GridCell]:
    """Elementary cells merged where the ruling between two of them is missing, except one cell
    alone open across a row line, or under a heading cell, ruled everywhere else (`_lost_rulings`)."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    inset = slack
    for r in range(n_rows):
        rows_span = (ys[r] + inset, ys[r + 1] - inset)
        for c in range(n_cols - 1):
            band = (xs[c + 1] - slack, xs[c + 1] + slack + 1)
            if _covered(lines.vertical, band, rows_span, horizontal=False) < _COVER:
                union(r * n_cols + c, r * n_cols + c + 1)
        if r + 1 == n_rows:
            continue
        band = (ys[r + 1] - slack, ys[r + 1] + slack + 1)
        open_below = [c for c in range(n_cols)
                      if _covered(lines.horizontal, band, (xs[c] + inset, xs[c + 1] - inset), horizontal=True) < _COVER]
        headings: dict[int, list[int]] = {}  # the row's cells spanning columns, by their root
        for c in range(n_cols):
            headings.setdefault(find(r * n_cols + c), []).append(c)
        lost = _lost_rulings(open_below, [list(range(n_cols)), *headings.values()])
        for c in open_below:
            if c not in lost:
                union(r * n_cols + c, (r + 1) * n_cols + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            members.setdefault(find(r * n_cols + c), []).append((r, c))
    cells = []
    for group in members.values():
        r0, r1 = min(r for r, _ in group), max(r for r, _ in group)
        c0, c1 = min(c for _, c in group), max(c for _, c in group)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda cell: (cell.row, cell.col))
    return _no_overlaps(cells)


def _lost_rulings(open_below: list[int], spans: list[list[int]]) -> set[int]:
    """The columns open below a row whose ruling is lost, not left out: in a span of columns at
    least `_ALONE_OPEN_COLS` wide (the whole row, or a heading cell spanning columns) ruled below
    everywhere else, the one column open. Under "CẤP ĐỘ THỰC HIỆN", a low-resolution photo lost
    the faint ruling over one level column, and the four level headings merged into one cell."""
    lost: set[int] = set()
    for span in spans:
        opened = [c for c in span if c in open_below]
        if len(span) >= _ALONE_OPEN_COLS and len(opened) == 1:
            lost.add(opened[0])
    return lost


def _no_overlaps(cells: list[GridCell]) -> list[GridCell]:
    """Merged groups that are not rectangles (a broken line in an odd place) overlap once taken
    as their bounding boxes: the earlier cell keeps the contested positions."""
    taken: set[tuple[int, int]] = set()
    kept: list[GridCell] = []
    for cell in cells:
        spots = {(r, c) for r in range(cell.row, cell.row + cell.rows) for c in range(cell.col, cell.col + cell.cols)}
        if spots & taken:
            continue
        taken |= spots
        kept.append(cell)
    return kept
