"""Boxes for values a layout reader located by anchor (`table 2 row 5`, `paragraph 12`).

The form reader works on the neutral layout and knows values only by their table row or line;
where the layout came from a page (text PDF, scan) those rows and lines have boxes, and the report
needs them to draw its callouts where the value is printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.model import ExtractedForm, Location
from parsers.layout import Body, Box

_TABLE_ROW = re.compile(r"table (\d+) row (\d+)")
_PARAGRAPH = re.compile(r"paragraph (\d+)")
_LINE_MIN_RIGHT = 500.0  # pt: a line's box reaches across the text column, so the callout covers its writing


def place(forms: list[ExtractedForm], body: Body) -> list[ExtractedForm]:
    """Give every anchored location of the forms the box of its anchor (in place); returns the forms."""
    for form in forms:
        for location in _locations(form):
            if location.box is None:
                location.box = box_of(location.anchor, body)
    return forms


def _locations(form: ExtractedForm) -> Iterator[Location]:
    locations = [form.location, form.rating.location if form.rating else None,
                 form.points.location if form.points else None]
    locations += [c.location for c in form.criteria]
    locations += [r.location for r in form.ratings.values()]
    locations += [t.location for t in form.tallies]
    for row in form.summary_rows:
        locations += [row.location, *(v.location for v in row.ratings.values())]
    yield from (loc for loc in locations if loc is not None)


def box_of(anchor: str | None, body: Body) -> Box | None:
    """Where an anchored value is printed: its table row's cells, or its line."""
    if anchor is None:
        return None
    if m := _TABLE_ROW.fullmatch(anchor):
        t, r = int(m.group(1)) - 1, int(m.group(2)) - 1
        if t < len(body.tables) and r < len(body.tables[t].grid):
            return union([c.box for c in body.tables[t].grid[r] if c is not None and c.box is not None])
    if m := _PARAGRAPH.fullmatch(anchor):
        k = int(m.group(1)) - 1
        if k < len(body.lines):
            line = body.lines[k]
            if line.box is not None:
                return (line.box[0], line.box[1], max(line.box[2], _LINE_MIN_RIGHT), line.box[3])
    return None


def union(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
