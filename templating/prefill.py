"""What goes into a printed form: values from the roster and the identity of every page.

Each page gets a QR code naming its form, template version, unit, person, year and page, so a
scan of any single page is known without reading a word of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.form_identity import FormIdentity
from domain.forms import FormDefinition
from domain.model import Person, SubjectKind
from domain.text import clean
from templating.marks import qr_png
from templating.page import QR_MM, QR_X_MM, QR_Y_MM
from templating.render import Picture

DOTS = "……………………"
SHORT_DOTS = "……"


@dataclass(frozen=True)
class Occasion:
    """The unit and the year a batch of forms is printed for."""

    unit: str
    year: int
    parent: str = ""
    place: str = ""
    date: dt.date | None = None

    @property
    def unit_header(self) -> str:
        """'CHI BỘ PHÒNG TỔNG HỢP' as the header prints it, whether or not the name says 'Chi bộ'."""
        name = self.unit.upper()
        return name if name.startswith(("CHI BỘ", "ĐẢNG BỘ")) else f"CHI BỘ {name}"

    @property
    def parent_header(self) -> str:
        name = self.parent.upper()
        return name if name.startswith("ĐẢNG BỘ") else f"ĐẢNG BỘ {name}"

    @property
    def branch(self) -> str:
        """The branch name without its 'Chi bộ' prefix, for lines that print the prefix themselves."""
        for prefix in ("chi bộ ", "Chi bộ ", "CHI BỘ "):
            if self.unit.startswith(prefix):
                return self.unit[len(prefix):]
        return self.unit


def _text(value: str | None) -> str:
    """Roster text as one printable line; docxtpl would otherwise turn tabs and newlines into layout."""
    return clean(value or "") or DOTS


def _common(occasion: Occasion) -> dict[str, Any]:
    date = occasion.date
    return {
        "parent_header": occasion.parent_header if occasion.parent else "ĐẢNG BỘ " + DOTS,
        "unit_header": occasion.unit_header if occasion.unit else "CHI BỘ " + DOTS,
        "unit": occasion.unit or DOTS,
        "place": occasion.place or SHORT_DOTS + "……",
        "day": f"{date.day:02d}" if date else SHORT_DOTS,
        "month": f"{date.month:02d}" if date else SHORT_DOTS,
        "year": str(occasion.year),
    }


def person_fields(definition: FormDefinition, occasion: Occasion, person: Person | None) -> dict[str, str]:
    """Every header field of the form, prefilled where the roster knows it, dots elsewhere."""
    known: dict[str, str | None] = {"unit": occasion.branch or None, "year": str(occasion.year)}
    if person is not None:
        known |= {
            "name": person.name,
            "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else None,
            "position_dang": person.party_position,
            "position_chinh_quyen": person.government_position,
            "position_doan_the": person.mass_org_position,
            "workplace": person.unit,
        }
    elif definition.subject_kind is SubjectKind.TO_CHUC_DANG:
        known["name"] = occasion.unit or None
    return {f.key: _text(known.get(f.key)) for f in definition.header_fields}


def qr_picture(identity: FormIdentity) -> Picture:
    return Picture(identity.page, qr_png(identity.encode()), QR_X_MM, QR_Y_MM, QR_MM, QR_MM)


def _identity(definition: FormDefinition, occasion: Occasion, person: str, page: int, pages: int) -> FormIdentity:
    return FormIdentity(definition.id, definition.version, occasion.unit, person, occasion.year, page, pages)


def fixed_pages_context(
    definition: FormDefinition, occasion: Occasion, person: Person | None, pages: int
) -> tuple[dict[str, Any], list[Picture]]:
    """Context of a form with a fixed number of pages (one per person, or one per unit)."""
    name = person.name if person is not None else ""
    pictures = [qr_picture(_identity(definition, occasion, name, n, pages)) for n in range(1, pages + 1)]
    context = _common(occasion) | {
        "f": person_fields(definition, occasion, person),
        "pages": [{"number": p.index, "qr": p} for p in pictures],
    }
    return context, pictures


def member_rows_context(
    definition: FormDefinition, occasion: Occasion, people: Sequence[Person], slots: tuple[int, int]
) -> tuple[dict[str, Any], list[Picture]]:
    """Context of a unit form listing every member: full pages of rows, blank slots at the end."""
    first, rest = slots
    chunks: list[Sequence[Person]] = [people[:first]]
    position = first
    while position < len(people):
        chunks.append(people[position:position + rest])
        position += rest
    total = len(chunks)
    pictures, pages = [], []
    number = 0
    for n, chunk in enumerate(chunks, start=1):
        size = first if n == 1 else rest
        rows = []
        for i in range(size):
            if i < len(chunk):
                number += 1
                rows.append({"number": str(number), "name": _text(chunk[i].name), "positions": _positions(chunk[i])})
            else:
                rows.append({"number": "", "name": "", "positions": ""})
        picture = qr_picture(_identity(definition, occasion, "", n, total))
        pictures.append(picture)
        note = f"{definition.code or definition.title} – trang {n}/{total}"
        pages.append({"number": n, "last": n == total, "qr": picture, "rows": rows, "note": note})
    context = _common(occasion) | {"f": person_fields(definition, occasion, None), "pages": pages}
    return context, pictures


def _positions(person: Person) -> str:
    return "; ".join(clean(p) for p in (person.party_position, person.government_position, person.mass_org_position) if p)
