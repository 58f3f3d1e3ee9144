"""Addresses of values inside a form, the `field` of a finding: `criteria.II.2`, `rating`,
`ratings.branch`, `summary[Nguyễn Văn An].self`, `tallies[Nguyễn Văn An].total`, `points`,
`fields.unit`.

Rules write these addresses, the report uses them to find where a value is printed, and a
person's corrections name the value they correct with the same words, so the three never drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.model import ExtractedForm, Location

_ROWED = re.compile(r"(summary|tallies)\[(.+)\](?:\.([a-z_]+))?")


@dataclass(frozen=True)
class FieldPath:
    """`kind` is the part of the form (criteria, rating, ratings, summary, tallies, points, fields,
    or another word a rule uses for the whole form); `key` the criterion id, rating key or header
    field; `row` the person a summary row or tally is about; `part` a tally's count or a row's column."""

    kind: str
    key: str | None = None
    row: str | None = None
    part: str | None = None

    def __str__(self) -> str:
        if self.row is not None:
            return f"{self.kind}[{self.row}]" + (f".{self.part}" if self.part else "")
        return self.kind + (f".{self.key}" if self.key else "")


def parse_field(field: str) -> FieldPath:
    field = field.strip()
    if m := _ROWED.fullmatch(field):
        return FieldPath(m.group(1), row=m.group(2), part=m.group(3))
    kind, _, key = field.partition(".")
    return FieldPath(kind, key or None)


def location_of(form: ExtractedForm, field: str | None) -> Location | None:
    """Where the addressed value is printed, as the reader recorded it; the form's own place for an
    address that names no single value."""
    path = parse_field(field) if field else FieldPath("form")
    found: Location | None = None
    if path.kind == "criteria":
        found = next((c.location for c in form.criteria if c.id == path.key), None)
    elif path.kind == "rating" and form.rating is not None:
        found = form.rating.location
    elif path.kind == "ratings" and path.key in form.ratings:
        found = form.ratings[path.key].location
    elif path.kind == "points" and form.points is not None:
        found = form.points.location
    elif path.kind == "tallies":
        found = next((t.location for t in form.tallies if t.name == path.row), None)
    elif path.kind == "summary":
        row = next((r for r in form.summary_rows if r.name == path.row), None)
        if row is not None:
            cell = row.ratings.get(path.part) if path.part else None
            found = (cell.location if cell else None) or row.location
    return found or form.location
