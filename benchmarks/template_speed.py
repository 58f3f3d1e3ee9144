"""Prefilled forms for a 300-person roster: documents per second, `.docx` and `.pdf`.

In the same run, the plain way for comparison: a loop of docxtpl render + save per person, with
the same template, the same context and the same QR codes (as docxtpl InlineImages).

    .venv/bin/python benchmarks/template_speed.py [--people 300] [--form 2018/mau-05] [--no-pdf]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import tempfile
import time
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from domain.model import Person
from templating.generate import definition_of, write_forms
from templating.pdf_export import default_workers, export_pdfs
from templating.prefill import Occasion, fixed_pages_context
from templating.store import load_layout, template_path

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Ngọc", "Hữu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Long", "Mai", "Nam", "Oanh", "Phúc", "Quỳnh"]


def roster(count: int) -> list[Person]:
    return [
        Person(
            name=f"{FAMILY[n % len(FAMILY)]} {MIDDLE[n % len(MIDDLE)]} {GIVEN[n % len(GIVEN)]}",
            date_of_birth=dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
            party_position="Đảng viên",
            government_position="Chuyên viên",
            mass_org_position="Đoàn viên công đoàn",
            unit="Phòng Tổng hợp",
        )
        for n in range(count)
    ]


def plain_docxtpl(form_id: str, occasion: Occasion, people: list[Person], out: Path) -> None:
    """What a straightforward implementation does: open, render, save, per person."""
    definition = definition_of(form_id)
    pages = len(load_layout(form_id)["pages"])
    out.mkdir(parents=True, exist_ok=True)
    for n, person in enumerate(people):
        template = DocxTemplate(str(template_path(form_id)))
        context, pictures = fixed_pages_context(definition, occasion, person, pages)
        for page, picture in zip(context["pages"], pictures, strict=True):
            page["qr"] = InlineImage(template, io.BytesIO(picture.png), width=Mm(18))
        template.render(context, autoescape=True)
        template.save(str(out / f"{n:03d}.docx"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--form", default="2018/mau-05")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    people = roster(args.people)
    occasion = Occasion(unit="Chi bộ Phòng Tổng hợp", year=2026, parent="Đảng bộ Sở Tài chính")
    with tempfile.TemporaryDirectory(prefix="kiemdiem-bench-") as work:
        root = Path(work)
        write_forms(args.form, root / "warm", occasion, people[:2])  # compile once, outside the timing

        start = time.perf_counter()
        written = write_forms(args.form, root / "fast", occasion, people)
        fast = time.perf_counter() - start

        start = time.perf_counter()
        plain_docxtpl(args.form, occasion, people, root / "plain")
        plain = time.perf_counter() - start

        n = len(written.docx)
        print(f"form {args.form}, {n} people, {default_workers()} CPU(s)")
        print(f"{'method':<34}{'seconds':>9}{'docs/s':>9}{'s/doc':>9}")
        print(f"{'kiemdiem .docx (batch renderer)':<34}{fast:>9.2f}{n / fast:>9.1f}{fast / n:>9.4f}")
        print(f"{'plain docxtpl render + save':<34}{plain:>9.2f}{n / plain:>9.1f}{plain / n:>9.4f}")
        print(f"speed-up .docx: {plain / fast:.1f}x")
        if not args.no_pdf:
            start = time.perf_counter()
            export_pdfs(written.docx, root / "pdf")
            pdf = time.perf_counter() - start
            print(f"{'kiemdiem .pdf (LibreOffice batch)':<34}{pdf:>9.2f}{n / pdf:>9.1f}{pdf / n:>9.4f}")


if __name__ == "__main__":
    main()
