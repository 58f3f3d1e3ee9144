"""The layout of a form seen by the reader: which boxes a page carries, how they group into
answers, which member slot a row is, and where a row's name is printed.

Box ids (templates/README.md) name their group: everything before the last `:` is the answer
(`crit:I.1`, `rating:proposed`, `rating:row3.branch`, `digits:row0.votes.httnv`, `item:5`), the last
part the choice or the digit position. The scan generator uses the same grouping for its truth,
so reader and benchmark speak of the same values.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from domain.forms import FormDefinition
from omr.boxes import Box

_ROW = re.compile(r"^(?:rating|digits):row(\d+)(?:[.:]|$)")

# Name column of the member table of each unit form, in mm from the page's left edge: the left
# margin (30 mm) plus the number column, to the next column (templating/builder.py `_summary_table`,
# `_minutes_table`, `_ballot_table`; checked on the rendered PDFs).
NAME_COLUMNS: dict[str, tuple[float, float]] = {
    "2018/mau-06": (38.0, 77.8),
    "bien-ban-kiem-phieu": (40.0, 153.9),
    "phieu-bieu-quyet": (40.0, 115.0),
}
# The member row's top border lies this far above the top of its first box (boxes are top-aligned
# 4 pt under the cell's top; measured on the rendered PDFs).
ROW_TOP_ABOVE_BOX_MM = 3.4


@dataclass(frozen=True)
class Group:
    """One answer: its boxes in printed order."""

    key: str
    boxes: tuple[Box, ...]

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    def choice(self, box: Box) -> str:
        return box.id.rsplit(":", 1)[1]


def design(layout: dict[str, Any], page: int) -> list[dict[str, Any]]:
    """The raw boxes printed on page `page` (1-based); unit forms repeat their second design."""
    pages: list[list[dict[str, Any]]] = layout["pages"]
    if layout.get("slots"):
        return pages[0] if page == 1 else pages[1]
    return pages[page - 1] if 0 < page <= len(pages) else []


def page_boxes(layout: dict[str, Any], page: int) -> list[Box]:
    return [Box.of(raw) for raw in design(layout, page)]


def groups(boxes: list[Box]) -> list[Group]:
    """Boxes grouped by answer, in printed order; digits ordered by position."""
    found: dict[str, list[Box]] = defaultdict(list)
    for box in boxes:
        found[box.id.rsplit(":", 1)[0]].append(box)
    out = []
    for key, members in found.items():
        if key.startswith("digits:"):
            members.sort(key=lambda b: int(b.id.rsplit(":", 1)[1]))
        out.append(Group(key, tuple(members)))
    return out


def row_of(key: str) -> int | None:
    """The member slot (0-based on its page) a group belongs to, None outside member tables."""
    match = _ROW.match(key)
    return int(match.group(1)) if match else None


def member_slot(layout: dict[str, Any], page: int, row: int) -> int:
    """0-based position in the unit's member list of row `row` on page `page`."""
    first, rest = layout["slots"]
    return row if page == 1 else first + (page - 2) * rest + row


def required(key: str, definition: FormDefinition) -> bool:
    """Answers the form must carry: a criterion's level and the rating the form proposes. Left
    blank they are not a clean "nothing": a person must look (a faint mark may have been missed)."""
    if key.startswith("crit:"):
        return True
    return definition.primary_rating is not None and key == f"rating:{definition.primary_rating}"


def name_band(form_id: str, row_boxes: list[Box]) -> tuple[float, float, float, float] | None:
    """The printed name of a member row, as (x, y, w, h) mm: the name column between the row's
    borders, a little inside them so that the table lines stay out."""
    column = NAME_COLUMNS.get(form_id)
    if column is None or not row_boxes:
        return None
    top = min(b.y for b in row_boxes if b.id.startswith("rating:")) - ROW_TOP_ABOVE_BOX_MM
    return column[0] + 0.8, top + 0.9, column[1] - column[0] - 2.5, 7.0
