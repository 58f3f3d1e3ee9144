"""Prefilled forms for a unit: one `.docx` per person (or one for the unit), optionally PDFs.

Used by `kiemdiem template` and by the web service. The template of a form is compiled once and
rendered for every person; PDFs go to LibreOffice in one batch.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.errors import KiemdiemError, RosterError
from domain.forms import FormDefinition, catalog
from domain.model import Person, Roster, SubjectKind
from domain.text import fold, strip_diacritics
from templating.pdf_export import export_pdfs
from templating.prefill import Occasion, fixed_pages_context, member_rows_context
from templating.render import BatchRenderer
from templating.store import load_layout, slug, template_path

log = logging.getLogger(__name__)


class FormNotFound(KiemdiemError):
    """The form id asked for is not one the product prints."""


@dataclass(frozen=True)
class Written:
    docx: list[Path]
    pdf: list[Path]

    def paths(self) -> list[Path]:
        return [*self.docx, *self.pdf]


def definition_of(form_id: str) -> FormDefinition:
    definition = catalog().get(form_id)
    if definition is None:
        raise FormNotFound(
            f"Không có mẫu biểu “{form_id}”. Các mẫu hiện có: {', '.join(catalog().ids())}.",
            detail=f"unknown form {form_id!r}",
        )
    return definition


@cache
def renderer(form_id: str) -> BatchRenderer:
    return BatchRenderer.from_path(template_path(form_id))


def _branch_key(name: str) -> str:
    """'Chi bộ Phòng Tổng hợp' and 'phòng tổng hợp' name the same branch."""
    return re.sub(r"^chi bo\s+", "", fold(name))


def unit_of(roster: Roster | None, unit: str | None) -> tuple[str, list[Person]]:
    """The unit printed on the forms and its members.

    With a unit named, members of other branches are left out (when the roster says branches);
    without, the roster must name one branch only.
    """
    people = list(roster.people) if roster else []
    branches = sorted({p.branch for p in people if p.branch})
    if unit:
        wanted = _branch_key(unit)
        people = [p for p in people if not p.branch or _branch_key(p.branch) == wanted]
        if branches and not people:
            raise RosterError(f"Danh sách không có ai thuộc “{unit}”. Các chi bộ trong danh sách: {', '.join(branches)}.")
        return unit, people
    if len({_branch_key(b) for b in branches}) > 1:
        raise RosterError(f"Danh sách có nhiều chi bộ ({', '.join(branches)}); hãy chọn một bằng --unit.")
    return (branches[0] if branches else ""), people


def _file_stem(number: int, person: Person) -> str:
    ascii_name = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(person.name).lower()).strip("-")
    return f"{number:03d}-{ascii_name or 'dang-vien'}"


def _subjects(definition: FormDefinition, people: Sequence[Person]) -> list[Person]:
    """People a per-person form is printed for: party members, not the collectives the roster may list."""
    return [p for p in people if p.kind is SubjectKind.DANG_VIEN or p.kind is definition.subject_kind]


def write_forms(
    form_id: str, out_dir: Path, occasion: Occasion, people: Sequence[Person], *, pdf: bool = False
) -> Written:
    definition = definition_of(form_id)
    layout = load_layout(form_id)
    render = renderer(form_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = slug(form_id)
    written: list[Path] = []
    if layout["slots"]:
        context, pictures = member_rows_context(definition, occasion, people, tuple(layout["slots"]))
        path = out_dir / f"{base}.docx"
        path.write_bytes(render.render(context, pictures))
        written.append(path)
    elif definition.per_person and people:
        for number, person in enumerate(_subjects(definition, people), start=1):
            context, pictures = fixed_pages_context(definition, occasion, person, len(layout["pages"]))
            path = out_dir / f"{base}-{_file_stem(number, person)}.docx"
            path.write_bytes(render.render(context, pictures))
            written.append(path)
    else:
        context, pictures = fixed_pages_context(definition, occasion, None, len(layout["pages"]))
        path = out_dir / f"{base}.docx"
        path.write_bytes(render.render(context, pictures))
        written.append(path)
    log.info("forms written", extra={"form": form_id, "count": len(written), "unit": occasion.unit})
    pdfs = export_pdfs(written, out_dir) if pdf else []
    return Written(written, pdfs)
