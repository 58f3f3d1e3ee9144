"""Builds the shipped templates and their box layouts: `python -m templating.build`.

For every form definition it writes `templates/docx/<form>.docx` (the docxtpl template) and
`templates/layouts/<form>.json` (each box's position, measured on a PDF that LibreOffice renders
from a sample with long Vietnamese names). Run it after changing a form definition or the layout
code; a test fails while the committed files are stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import zipfile
from pathlib import Path

from domain.forms import FormDefinition, catalog
from domain.model import Person
from templating import box_layout
from templating.builder import BuiltTemplate, build_template
from templating.pdf_export import export_pdfs
from templating.prefill import Occasion, fixed_pages_context, member_rows_context
from templating.render import BatchRenderer
from templating.store import layout_path, template_path

SAMPLE_OCCASION = Occasion(
    unit="Chi bộ Phòng Kế hoạch – Tài chính và Hành chính Quản trị",
    year=2026,
    parent="Đảng bộ Sở Kế hoạch và Đầu tư tỉnh Ninh Bình",
    place="Ninh Bình",
    date=dt.date(2026, 12, 18),
)


def sample_people(count: int) -> list[Person]:
    """Long names and positions, so that the measured layout is the worst case."""
    return [
        Person(
            name=f"Nguyễn Thị Phương Hoàng Khánh Ngọc {n}",
            date_of_birth=dt.date(1975, 12, 31),
            party_position="Phó Bí thư Chi bộ, Ủy viên Ban Chấp hành Đảng bộ",
            government_position="Phó Trưởng phòng Kế hoạch – Tài chính",
            mass_org_position="Chủ tịch Công đoàn cơ sở",
            unit="Phòng Kế hoạch – Tài chính",
        )
        for n in range(1, count + 1)
    ]


def render_sample(built: BuiltTemplate) -> bytes:
    buffer = io.BytesIO()
    built.document.save(buffer)
    renderer = BatchRenderer(buffer.getvalue())
    if built.slots is not None:
        context, pictures = member_rows_context(
            built.definition, SAMPLE_OCCASION, sample_people(built.slots[0] + 1), built.slots
        )
    else:
        person = sample_people(1)[0] if built.definition.per_person else None
        context, pictures = fixed_pages_context(built.definition, SAMPLE_OCCASION, person, len(built.pages))
    return renderer.render(context, pictures)


def _same_parts(package: bytes, path: Path) -> bool:
    if not path.is_file():
        return False
    with zipfile.ZipFile(io.BytesIO(package)) as new, zipfile.ZipFile(path) as old:
        return new.namelist() == old.namelist() and all(new.read(n) == old.read(n) for n in new.namelist())


def build(definitions: list[FormDefinition], work: Path) -> list[str]:
    """Writes templates and layouts; returns the problems found (empty when all is well)."""
    built = {d.id: build_template(d) for d in definitions}
    samples = []
    for form_id, item in built.items():
        path = template_path(form_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        item.document.save(buffer)
        if not _same_parts(buffer.getvalue(), path):  # zip timestamps alone must not churn the repository
            path.write_bytes(buffer.getvalue())
        sample = work / path.name
        sample.write_bytes(render_sample(item))
        samples.append(sample)
    pdfs = export_pdfs(samples, work / "pdf")
    problems = []
    for (form_id, item), pdf in zip(built.items(), pdfs, strict=True):
        try:
            layout = box_layout.measure(item, pdf)
        except box_layout.LayoutMismatch as e:
            problems.append(str(e))
            continue
        path = layout_path(form_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        box_layout.write(layout, path)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("forms", nargs="*", help="form ids (default: all)")
    args = parser.parse_args(argv)
    definitions = [d for d in catalog() if not args.forms or d.id in args.forms]
    with tempfile.TemporaryDirectory(prefix="kiemdiem-build-") as work:
        problems = build(definitions, Path(work))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
