"""Build small Word files for the reader's tests: a Mẫu 05-like analysis form from a form
definition, with every way a mark can be made in a level cell (typed signs, shading, highlight,
check-box content controls, tracked insertions and deletions, strike-through)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from domain.forms import FormDefinition
from domain.model import Level

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
LEVEL_WORDS = {Level.XUAT_SAC: "Xuất sắc", Level.TOT: "Tốt", Level.TRUNG_BINH: "Trung bình", Level.KEM: "Kém"}

# A mark writer fills one level cell (or appends to a paragraph).
MarkWriter = Callable[[Any], None]


def _run(text: str, **props: str | None) -> Any:
    """A w:r with the given text and run properties (name → w:val, None for a bare toggle)."""
    r = OxmlElement("w:r")
    if props:
        rpr = OxmlElement("w:rPr")
        for name, val in props.items():
            el = OxmlElement(f"w:{name}")
            if val is not None:
                el.set(qn("w:val") if name != "shd" else qn("w:fill"), val)
            rpr.append(el)
        r.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(t)
    return r


def _paragraph(target: Any) -> Any:
    """The w:p a writer appends to: a table cell's first paragraph, or a body paragraph."""
    return target.paragraphs[0]._p if hasattr(target, "paragraphs") else target._p


def text(mark: str) -> MarkWriter:
    return lambda target: _paragraph(target).append(_run(mark))


def shaded(fill: str = "BFBFBF") -> MarkWriter:
    def write(cell: Any) -> None:
        tcpr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        tcpr.append(shd)

    return write


def highlighted(mark: str = " ") -> MarkWriter:
    return lambda cell: _paragraph(cell).append(_run(mark, highlight="yellow"))


def struck(mark: str = "X") -> MarkWriter:
    return lambda cell: _paragraph(cell).append(_run(mark, strike=None))


def checkbox(checked: bool) -> MarkWriter:
    """A Word 2010 check-box content control showing ☒ or ☐."""

    def write(cell: Any) -> None:
        sdt = OxmlElement("w:sdt")
        pr = OxmlElement("w:sdtPr")
        box = pr.makeelement(f"{{{W14}}}checkbox", nsmap={"w14": W14})
        state = box.makeelement(f"{{{W14}}}checked", nsmap={"w14": W14})
        state.set(f"{{{W14}}}val", "1" if checked else "0")
        box.append(state)
        pr.append(box)
        sdt.append(pr)
        content = OxmlElement("w:sdtContent")
        content.append(_run("☒" if checked else "☐"))
        sdt.append(content)
        _paragraph(cell).append(sdt)

    return write


def _revision(tag: str, mark: str) -> Any:
    rev = OxmlElement(f"w:{tag}")
    rev.set(qn("w:id"), "1")
    rev.set(qn("w:author"), "Reviewer")
    rev.set(qn("w:date"), "2019-12-14T00:00:00Z")
    r = OxmlElement("w:r")
    t = OxmlElement("w:delText" if tag == "del" else "w:t")
    t.text = mark
    r.append(t)
    rev.append(r)
    return rev


def deleted(mark: str = "X") -> MarkWriter:
    return lambda cell: _paragraph(cell).append(_revision("del", mark))


def inserted(mark: str = "X") -> MarkWriter:
    return lambda cell: _paragraph(cell).append(_revision("ins", mark))


def _sections(definition: FormDefinition) -> list[tuple[str, list[tuple[str, str]]]]:
    """Criteria grouped as printed: ('I', [('1', label), …]), ('III', [('', label)])."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for c in definition.criteria:
        section, _, number = c.id.partition(".")
        if not out or out[-1][0] != section:
            out.append((section, []))
        out[-1][1].append((number, c.label))
    return out


def analysis_form(
    definition: FormDefinition,
    marks: dict[str, Sequence[tuple[Level, MarkWriter]]],
    *,
    name: str = "Nguyễn Văn An",
    unit: str = "Phòng Tổ chức",
    rating_lines: Sequence[str] = ("Đề nghị xếp loại mức chất lượng: HTTNV",),
    level_order: Sequence[Level] = tuple(Level),
    blank_rows: int = 0,
    skip: Sequence[str] = (),
    document: Any = None,
) -> Any:
    """A filled analysis form built from its definition: header, a two-row merged grid header,
    one row per criterion (marks written by the given writers), the rating line(s)."""
    doc = document if document is not None else docx.Document()
    if definition.code:
        doc.add_paragraph(definition.code)
    head = doc.add_table(rows=1, cols=2)
    head.cell(0, 0).text = "ĐẢNG BỘ SỞ TÀI CHÍNH"
    head.cell(0, 0).add_paragraph(f"CHI BỘ {unit.upper()}")
    head.cell(0, 1).text = "ĐẢNG CỘNG SẢN VIỆT NAM"
    head.cell(0, 1).add_paragraph("Hà Nội, ngày 14 tháng 12 năm 2019")
    first, joint, rest = definition.title.partition(" VÀ ")
    doc.add_paragraph(first)  # the title is printed over two lines
    if joint:
        doc.add_paragraph("VÀ " + rest)
    doc.add_paragraph("- Chủ thể tham gia đánh giá, xếp loại: Đảng viên tự đánh giá")
    doc.add_paragraph(f"- Họ và tên đảng viên: {name}   Sinh hoạt tại chi bộ: {unit}")
    doc.add_paragraph("+ Đảng: ........")
    _grid(doc, definition, marks, level_order, blank_rows, skip)
    for line in rating_lines:
        doc.add_paragraph(line)
    return doc


def _grid(
    doc: Any,
    definition: FormDefinition,
    marks: dict[str, Sequence[tuple[Level, MarkWriter]]],
    level_order: Sequence[Level],
    blank_rows: int,
    skip: Sequence[str],
) -> None:
    table = doc.add_table(rows=2, cols=2 + len(level_order))
    table.style = "Table Grid"  # ruled, as printed: a PDF reader finds the grid by its lines
    table.cell(0, 0).merge(table.cell(1, 0)).text = "TT"
    table.cell(0, 1).merge(table.cell(1, 1)).text = "TIÊU CHÍ ĐÁNH GIÁ"
    table.cell(0, 2).merge(table.cell(0, 1 + len(level_order))).text = "CẤP ĐỘ THỰC HIỆN"
    for k, level in enumerate(level_order):
        table.cell(1, 2 + k).text = LEVEL_WORDS[level]
    for section, items in _sections(definition):
        if items[0][0]:
            row = table.add_row().cells
            row[0].text, row[1].text = section, f"Nhóm tiêu chí {section}"
        for number, label in items:
            cid = f"{section}.{number}" if number else section
            if cid in skip:
                continue
            row = table.add_row().cells
            row[0].text, row[1].text = number or section, label
            for level, write in marks.get(cid, ()):
                write(row[2 + list(level_order).index(level)])
    for _ in range(blank_rows):
        table.add_row()


def save(doc: Any, path: Path) -> Path:
    doc.save(str(path))
    return path
