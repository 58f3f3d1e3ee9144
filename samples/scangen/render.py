"""Blank prefilled pages of a form, rendered once through LibreOffice and kept as 300 dpi rasters.

Rendering costs about a second per document, so the rasters are cached (by default under
`samples/scangen/.cache`, ignored by git) and every synthetic page starts from a copy.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from domain.form_identity import FormIdentity
from domain.model import Person
from templating.generate import definition_of, write_forms
from templating.prefill import Occasion
from templating.store import load_layout, slug

log = logging.getLogger(__name__)

DPI = 300
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
UNIT = "Chi bộ Phòng Tổng hợp"
YEAR = 2018
# Fictitious members; long and short names, every Vietnamese diacritic family.
ROSTER = (
    "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Dũng", "Hoàng Thị Em",
    "Vũ Văn Phúc", "Đặng Quỳnh Thúy", "Bùi Quang Huy", "Đỗ Thị Lan Hương", "Hồ Văn Khải",
    "Ngô Thị Mỹ Linh", "Dương Đức Mạnh", "Lý Thị Ngọc", "Trương Văn Ổn", "Phan Thị Quế",
)
PER_PERSON_COPIES = 3
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BlankPage:
    """One rendered page and who it is for; `slots` lists the member names printed in its rows
    (unit forms), in slot order, "" for a blank slot."""

    form_id: str
    identity: FormIdentity
    path: Path
    slots: tuple[str, ...] = ()

    def image(self) -> npt.NDArray[np.uint8]:
        """BGR copy of the page."""
        image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(self.path)
        return np.asarray(image, dtype=np.uint8)


def blank_pages(form_id: str, cache: Path = DEFAULT_CACHE) -> list[BlankPage]:
    """Every page of the form's rendered documents (one document per person for individual
    forms, one for the unit otherwise), rendering them on first use."""
    folder = cache / slug(form_id)
    manifest = folder / _MANIFEST
    if not manifest.is_file():
        _render(form_id, folder)
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return [
        BlankPage(
            form_id,
            FormIdentity(**e["identity"]),
            folder / e["file"],
            tuple(e["slots"]),
        )
        for e in entries
    ]


def _render(form_id: str, folder: Path) -> None:
    import pypdfium2 as pdfium

    definition = definition_of(form_id)
    layout = load_layout(form_id)
    people = [Person(name=name, party_position="Đảng viên") for name in ROSTER]
    occasion = Occasion(unit=UNIT, year=YEAR)
    folder.mkdir(parents=True, exist_ok=True)
    unit_form = bool(layout["slots"])
    chosen = people if unit_form else people[:PER_PERSON_COPIES] if definition.per_person else []
    with tempfile.TemporaryDirectory() as tmp:
        written = write_forms(form_id, Path(tmp), occasion, chosen, pdf=True)
        entries = []
        for doc_number, pdf_path in enumerate(written.pdf):
            person = chosen[doc_number].name if definition.per_person and not unit_form else ""
            pdf = pdfium.PdfDocument(str(pdf_path))
            pages = len(pdf)
            for index in range(pages):
                bitmap = pdf[index].render(scale=DPI / 72, grayscale=True)
                name = f"{doc_number:02d}-{index + 1}.png"
                cv2.imwrite(str(folder / name), bitmap.to_numpy())
                identity = FormIdentity(definition.id, definition.version, UNIT, person, YEAR, index + 1, pages)
                entries.append({
                    "identity": identity.__dict__,
                    "file": name,
                    "slots": _slots(layout, [p.name for p in chosen], index) if unit_form else [],
                })
            pdf.close()
    (folder / _MANIFEST).write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("rendered %s: %d pages", form_id, len(entries))


def _slots(layout: dict[str, Any], names: list[str], index: int) -> list[str]:
    first, rest = (int(n) for n in layout["slots"])
    start = 0 if index == 0 else first + (index - 1) * rest
    size = first if index == 0 else rest
    return [names[start + k] if start + k < len(names) else "" for k in range(size)]
