"""Prefilled templates: every form renders, is filled from the roster, reads back, and carries
machine marks that decode from the rendered PDF at any quarter turn."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pypdfium2
import pytest
from docxtpl import DocxTemplate
from lxml import etree

from domain.form_identity import FormIdentity
from domain.forms import FormDefinition, FormKind, catalog
from domain.model import Level, Person, Rating
from parsers.docx_reader import parse_docx
from parsers.page_marks import read_page_marks
from templating import box_layout
from templating.builder import build_template
from templating.generate import write_forms
from templating.pdf_export import export_pdfs
from templating.prefill import Occasion, fixed_pages_context, member_rows_context
from templating.render import BatchRenderer, jinja_environment
from templating.store import load_layout, template_path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FORMS = catalog().ids()
OCCASION = Occasion(unit="Chi bộ Phòng Tổng hợp", year=2026, parent="Đảng bộ Sở Tài chính", place="Hà Nội",
                    date=dt.date(2026, 12, 15))
HOSTILE = "Trần Thị <Bích> & “Ngọc”"
PEOPLE = [
    Person(name="Nguyễn Văn Ánh", date_of_birth=dt.date(1980, 3, 9), party_position="Bí thư Chi bộ",
           government_position="Trưởng phòng", mass_org_position="Đoàn viên công đoàn", unit="Phòng Tổng hợp"),
    Person(name=HOSTILE, date_of_birth=dt.date(1991, 11, 30), government_position="Chuyên viên"),
    *(Person(name=f"Lê Thị Hoa {n}") for n in range(3, 31)),
]


def _context(definition: FormDefinition, person: Person | None = PEOPLE[0]) -> tuple[dict[str, Any], list[Any]]:
    layout = load_layout(definition.id)
    if layout["slots"]:
        return member_rows_context(definition, OCCASION, PEOPLE, tuple(layout["slots"]))
    subject = person if definition.per_person else None
    return fixed_pages_context(definition, OCCASION, subject, len(layout["pages"]))


def _texts(docx_bytes: bytes) -> str:
    """The document's text, runs joined per paragraph; parsing also proves the XML is well formed."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p"))


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    out = {}
    for form_id in FORMS:
        definition = catalog()[form_id]
        context, pictures = _context(definition, PEOPLE[1])
        out[form_id] = BatchRenderer.from_path(template_path(form_id)).render(context, pictures)
    return out


@pytest.fixture(scope="module")
def pdfs(rendered: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("rendered")
    paths = []
    for form_id, data in rendered.items():
        path = work / f"{form_id.replace('/', '-')}.docx"
        path.write_bytes(data)
        paths.append(path)
    return dict(zip(rendered, export_pdfs(paths, work / "pdf"), strict=True))


@pytest.mark.parametrize("form_id", FORMS)
def test_every_template_variable_is_provided(form_id: str) -> None:
    context, _ = _context(catalog()[form_id])
    template = DocxTemplate(str(template_path(form_id)))
    assert template.get_undeclared_template_variables(jinja_environment(), context) == set()
    assert template.get_undeclared_template_variables(jinja_environment())  # the check does look at tags


@pytest.mark.parametrize("form_id", FORMS)
def test_prefilled_values_are_in_the_document_with_diacritics(form_id: str, rendered: dict[str, bytes]) -> None:
    definition = catalog()[form_id]
    text = _texts(rendered[form_id])
    if definition.kind is FormKind.APPENDIX:  # the official appendix has no header block, only our name line
        assert "Chi bộ: Phòng Tổng hợp" in text
    else:
        assert "CHI BỘ PHÒNG TỔNG HỢP" in text
        assert "ĐẢNG BỘ SỞ TÀI CHÍNH" in text
        assert "Hà Nội, ngày 15 tháng 12 năm 2026" in text
    assert "{{" not in text and "{%" not in text
    if definition.title.split(" (")[0].split(" VÀ ")[0] not in text:
        pytest.fail(f"title missing from {form_id}")
    if definition.per_person:
        assert HOSTILE in text  # autoescaped into XML, back as the same text
        if any(f.key == "date_of_birth" for f in definition.header_fields):
            assert "30/11/1991" in text
    elif load_layout(form_id)["slots"]:
        assert "Nguyễn Văn Ánh" in text and HOSTILE in text and "Lê Thị Hoa 30" in text


def test_committed_templates_and_layouts_are_current() -> None:
    """A form definition or layout change must be followed by `python -m templating.build`."""
    for definition in catalog():
        buffer = io.BytesIO()
        build_template(definition).document.save(buffer)
        with zipfile.ZipFile(buffer) as fresh, zipfile.ZipFile(template_path(definition.id)) as committed:
            assert fresh.read("word/document.xml") == committed.read("word/document.xml"), definition.id
        layout = load_layout(definition.id)
        assert layout["form"] == definition.id and layout["version"] == definition.version


def _page_images(pdf: Path, dpi: int = 150) -> list[np.ndarray]:
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_numpy() for i in range(len(doc))]
    finally:
        doc.close()


ROTATIONS = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@pytest.mark.parametrize("form_id", FORMS)
def test_qr_and_markers_decode_from_the_pdf_at_every_quarter_turn(form_id: str, pdfs: dict[str, Path]) -> None:
    definition = catalog()[form_id]
    images = _page_images(pdfs[form_id])
    person = PEOPLE[1].name if definition.per_person else ""
    for number, image in enumerate(images, start=1):
        expected = FormIdentity(form_id, definition.version, OCCASION.unit, person, 2026, number, len(images))
        for rotation, code in ROTATIONS.items():
            turned = image if code is None else cv2.rotate(image, code)
            marks = read_page_marks(turned)
            assert marks.identity == expected, (form_id, number, rotation, marks.qr_error)
            assert marks.rotation == rotation, (form_id, number, rotation)
            assert len(marks.markers) == 4


@pytest.mark.parametrize("form_id", FORMS)
def test_boxes_stay_where_the_layout_says_whatever_the_names(form_id: str, pdfs: dict[str, Path]) -> None:
    """The committed layout was measured with long sample names; short real ones must not move a box."""
    measured = box_layout.measure(build_template(catalog()[form_id]), pdfs[form_id])
    committed = load_layout(form_id)
    assert [[b["id"] for b in page] for page in measured["pages"]] == [[b["id"] for b in page] for page in committed["pages"]]
    for page_m, page_c in zip(measured["pages"], committed["pages"], strict=True):
        for m, c in zip(page_m, page_c, strict=True):
            assert abs(m["x"] - c["x"]) < 0.4 and abs(m["y"] - c["y"]) < 0.4, (form_id, m, c)
            assert 2.5 < m["w"] < 9 and abs(m["w"] - m["h"]) < 0.5  # a clear square


def test_layout_box_ids_name_every_criterion_level_and_rating() -> None:
    layout = load_layout("2018/mau-05")
    ids = {b["id"] for b in layout["pages"][0]}
    for criterion in catalog()["2018/mau-05"].criteria:
        assert {f"crit:{criterion.id}:{level.value}" for level in Level} <= ids
    assert {f"rating:proposed:{r.value}" for r in Rating} <= ids


def _mark(docx: bytes, marks: set[int]) -> bytes:
    """Ticks the n-th boxes (document order) as a clerk would in Word: □ becomes ☒."""
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    count = iter(range(10**6))
    xml = re.sub("□", lambda m: "☒" if next(count) in marks else "□", parts["word/document.xml"].decode())
    parts["word/document.xml"] = xml.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_a_template_filled_in_word_reads_back(tmp_path: Path, rendered: dict[str, bytes]) -> None:
    ids = [b["id"] for b in load_layout("2018/mau-05")["pages"][0]]
    wanted = {"crit:I.1:tot", "crit:II.2:trung_binh", "crit:VI:xuat_sac", "rating:proposed:htnv"}
    path = tmp_path / "mau-05.docx"
    path.write_bytes(_mark(rendered["2018/mau-05"], {ids.index(i) for i in wanted}))
    form = parse_docx(path, path.name).forms[0]
    levels = {c.id: c.level for c in form.criteria}
    assert form.form_id == "2018/mau-05" and form.subject.name == HOSTILE
    assert levels["I.1"] is Level.TOT and levels["II.2"] is Level.TRUNG_BINH and levels["VI"] is Level.XUAT_SAC
    assert levels["I.2"] is None
    assert form.rating is not None and form.rating.value is Rating.HTNV


def test_batch_renderer_matches_docxtpl(rendered: dict[str, bytes]) -> None:
    """The fast path renders what docxtpl itself renders, text for text."""
    for form_id in ("2018/mau-02", "2018/mau-06"):
        context, _ = _context(catalog()[form_id], PEOPLE[1])
        plain = {**context, "pages": [{**p, "qr": ""} for p in context["pages"]]}
        template = DocxTemplate(str(template_path(form_id)))
        template.render(plain, jinja_environment())
        buffer = io.BytesIO()
        template.save(buffer)
        assert _texts(buffer.getvalue()) == _texts(rendered[form_id])


def test_write_forms_one_file_per_person_and_one_per_unit(tmp_path: Path) -> None:
    written = write_forms("2018/mau-05", tmp_path / "a", OCCASION, PEOPLE[:3])
    assert [p.name for p in written.docx] == [
        "2018-mau-05-001-nguyen-van-anh.docx", "2018-mau-05-002-tran-thi-bich-ngoc.docx",
        "2018-mau-05-003-le-thi-hoa-3.docx"]
    assert HOSTILE in _texts(written.docx[1].read_bytes())
    unit = write_forms("bien-ban-kiem-phieu", tmp_path / "b", OCCASION, PEOPLE[:3])
    assert [p.name for p in unit.docx] == ["bien-ban-kiem-phieu.docx"]
    blank = write_forms("2018/mau-02", tmp_path / "c", OCCASION, [])
    assert [p.name for p in blank.docx] == ["2018-mau-02.docx"]
