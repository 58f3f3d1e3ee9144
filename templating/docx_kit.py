"""python-docx primitives for official-looking forms: fonts, borders, fixed row heights, boxes.

Everything that decides where a box lands is fixed here (exact row heights, no autofit, no
spacing that depends on content), so a prefilled name can never move a box the reader looks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from templating.page import (
    BODY_PT,
    FONT,
    HEADER_DISTANCE_MM,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    PageSize,
)

ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def _all_scripts(r_pr: Any, font: str) -> None:
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)


def set_run_font(run: Run, size_pt: float | None = None, font: str = FONT) -> None:
    """Sets the font for every script, so Vietnamese letters never fall back to another face."""
    run.font.name = font
    _all_scripts(run._element.get_or_add_rPr(), font)
    if size_pt is not None:
        run.font.size = Pt(size_pt)


def setup_document(doc: DocumentObject, page: PageSize) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if page.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(page.width_mm), Mm(page.height_mm)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.header_distance = section.footer_distance = Mm(HEADER_DISTANCE_MM)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    r_pr = style.element.get_or_add_rPr()
    _all_scripts(r_pr, FONT)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(2)
    fmt.line_spacing = 1.0
    fmt.widow_control = False
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    r_pr.append(lang)


def paragraph(
    container: DocumentObject | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
    align: str = "left",
    space_after: float | None = None,
    indent_mm: float | None = None,
    keep_with_next: bool = False,
) -> Paragraph:
    para = container.add_paragraph()
    para.alignment = ALIGN[align]
    if space_after is not None:
        para.paragraph_format.space_after = Pt(space_after)
    if indent_mm is not None:
        para.paragraph_format.first_line_indent = Mm(indent_mm)
    if keep_with_next:
        para.paragraph_format.keep_with_next = True
    if text:
        add_text(para, text, bold=bold, italic=italic, underline=underline, size=size)
    return para


def add_text(
    para: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
    font: str = FONT,
) -> Run:
    run = para.add_run(text)
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    set_run_font(run, size, font)
    return run


def page_break(para: Paragraph) -> None:
    para.add_run().add_break(WD_BREAK.PAGE)


def tab_stop(para: Paragraph, position_mm: float, *, dotted: bool = False, right: bool = False) -> None:
    para.paragraph_format.tab_stops.add_tab_stop(
        Mm(position_mm),
        WD_TAB_ALIGNMENT.RIGHT if right else WD_TAB_ALIGNMENT.LEFT,
        WD_TAB_LEADER.DOTS if dotted else WD_TAB_LEADER.SPACES,
    )


def table(container: DocumentObject | _Cell, rows: int, widths_mm: Iterable[float], *, borders: bool) -> Table:
    widths = list(widths_mm)
    tbl = container.add_table(rows=rows, cols=len(widths))
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    tbl_pr = tbl._tbl.tblPr
    _set_borders(tbl_pr, "single" if borders else "nil")
    for col, width in zip(tbl.columns, widths, strict=True):
        col.width = Mm(width)
    for row in tbl.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    _cell_margins(tbl_pr, 1.2)
    return tbl


def _set_borders(tbl_pr: Any, kind: str) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), kind)
        if kind != "nil":
            el.set(qn("w:sz"), "6")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    _insert_in_order(tbl_pr, borders)


def _cell_margins(tbl_pr: Any, side_mm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge, value in (("top", 0.0), ("left", side_mm), ("bottom", 0.0), ("right", side_mm)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(round(value * 56.7)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _insert_in_order(tbl_pr, margins)


_TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                 "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")


def _insert_in_order(tbl_pr: Any, child: Any) -> None:
    """Word's schema fixes the order of table properties; LibreOffice ignores some out of place."""
    rank = _TBL_PR_ORDER.index(child.tag.split("}")[1])
    for n, existing in enumerate(tbl_pr):
        name = existing.tag.split("}")[1]
        if name in _TBL_PR_ORDER and _TBL_PR_ORDER.index(name) > rank:
            tbl_pr.insert(n, child)
            return
    tbl_pr.append(child)


def fix_height(tbl: Table, row: int, height_mm: float) -> None:
    """Exact row height: the row never grows with its text, so everything below stays put."""
    tr = tbl.rows[row]
    tr.height = Mm(height_mm)
    tr.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    tr_pr = tr._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)


def repeat_header(tbl: Table, row: int) -> None:
    tr_pr = tbl.rows[row]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


def cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: str = "left",
    middle: bool = True,
) -> Paragraph:
    """Writes into the cell's first paragraph (a new cell has one, empty)."""
    para: Paragraph = cell.paragraphs[0]
    para.alignment = ALIGN[align]
    para.paragraph_format.space_after = Pt(0)
    if text:
        add_text(para, text, bold=bold, italic=italic, size=size)
    if middle:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return para

