"""Read filled forms out of a Word (.docx) file.

The reader works on the document's XML, not on python-docx's convenience text: tracked changes
(w:ins counts, w:del does not), content controls (w:sdt, check boxes), merged cells (gridSpan,
vMerge), strike-through, shading and highlight all decide what a person actually marked, and
python-docx's `.text` and `row.cells` either hide or repeat them.

The body is flattened into the neutral layout of `parsers.layout` (ordered lines, including those
inside table cells and text boxes, plus a grid per table); `parsers.form_reader` reads the forms.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from domain.errors import FileRejected
from domain.forms import FormCatalog
from domain.model import (
    Document,
    DocumentKind,
)
from parsers.form_reader import read_forms
from parsers.layout import CHECKED_BOX, EMPTY_BOX, Body, Cell, Line, Piece, Table
from parsers.legacy_word import OLE_MAGIC

# lxml elements from python-docx; lxml ships no type information.
_El = Any

# ---------------------------------------------------------------------------------------------
# Opening the package safely
# ---------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_PART_BYTES = 50 * 1024 * 1024  # uncompressed size of any one part (word/document.xml …)
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed size of the whole package
MAX_RATIO = 100  # uncompressed / compressed, for parts big enough to matter
_RATIO_FLOOR = 1024 * 1024
MAX_ENTRIES = 5000
_XML_HEAD_BYTES = 1024 * 1024
_DOCTYPE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"), "<!ENTITY".encode("utf-16-le"))


def _reject(name: str, message: str, detail: str) -> FileRejected:
    return FileRejected(message.format(name=name), detail=f"{name}: {detail}")


def _check_package(path: Path, name: str) -> bytes:
    """The file's bytes, once they are known to be a plain, sane Word package.

    Checked before python-docx sees the file, because python-docx would inflate every part into
    memory: a zip bomb or a hostile XML part must be refused from the zip directory alone.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _reject(name, "Tệp “{name}” quá lớn (trên 100 MB) nên không được đọc.", f"{size} bytes")
        data = path.read_bytes()
    except OSError as e:
        raise _reject(name, "Không đọc được tệp “{name}”.", str(e)) from e
    if data.startswith(OLE_MAGIC):  # triage sends a Word 97–2003 file to `legacy_word` instead
        raise _reject(
            name,
            "Tệp “{name}” được đặt mật khẩu (mã hóa) hoặc không phải là tệp Word nên không đọc được. "
            "Hãy gỡ mật khẩu và lưu lại thành tệp .docx rồi gửi lại.",
            "OLE compound file, not Word 97 (an encrypted package?)",
        )
    if not data.startswith(b"PK"):
        raise _reject(name, "Tệp “{name}” không phải là tệp Word (.docx) hợp lệ.", "not a zip archive")
    _check_zip(data, name)
    return data


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_sizes(infos, name)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
                raise _reject(name, "Tệp “{name}” không phải là văn bản Word (.docx).", "no word/ part")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    _check_xml_head(zf, info, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OSError) as e:
        raise _reject(name, "Tệp “{name}” bị hỏng, không mở được. Hãy lưu lại bằng Word rồi gửi lại.", str(e)) from e


def _check_sizes(infos: Sequence[zipfile.ZipInfo], name: str) -> None:
    bomb = "Tệp “{name}” có nội dung giải nén quá lớn hoặc bất thường (nghi là tệp độc hại) nên không được đọc."
    if len(infos) > MAX_ENTRIES:
        raise _reject(name, bomb, f"{len(infos)} zip entries")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _reject(
                name,
                "Tệp “{name}” được đặt mật khẩu (mã hóa) nên không đọc được. Hãy gỡ mật khẩu rồi gửi lại.",
                f"encrypted zip entry {info.filename}",
            )
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise _reject(name, bomb, f"{info.filename}: {info.file_size} bytes uncompressed")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
            raise _reject(name, bomb, f"{info.filename}: compression ratio {ratio:.0f}")
    if total > MAX_TOTAL_BYTES:
        raise _reject(name, bomb, f"{total} bytes uncompressed in all")


def _check_xml_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Word never writes a DTD; one in a part can only be an entity attack (billion laughs, XXE).
    The DTD must precede the root element, so the head of the part is enough (a generous head:
    comments may pad the prolog)."""
    with zf.open(info) as fh:
        head = fh.read(_XML_HEAD_BYTES)
    if any(marker in head for marker in _DOCTYPE_MARKERS):
        raise _reject(
            name,
            "Tệp “{name}” chứa cấu trúc XML không hợp lệ (nghi là tệp độc hại) nên không được đọc.",
            f"DOCTYPE/ENTITY in {info.filename}",
        )


def _open_docx(path: Path, name: str) -> tuple[bytes, _El, list[_El]]:
    """The checked bytes, the body element and the header parts of the first section."""
    data = _check_package(path, name)
    import docx  # deferred: only needed once the package is known to be safe

    try:
        document = docx.Document(io.BytesIO(data))  # the very bytes that were checked
        body = document.element.body
        headers = [s.header._element for s in document.sections[:1] if not s.header.is_linked_to_previous]
    except Exception as e:  # python-docx raises many kinds on a broken package
        raise _reject(name, "Tệp “{name}” bị hỏng hoặc không phải văn bản Word (.docx), không mở được.", repr(e)) from e
    return data, body, headers


# ---------------------------------------------------------------------------------------------
# Flattening the body: ordered lines, and a grid per table
# ---------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_FALSE = {"0", "false", "off", "none"}
_NO_FILL = {"", "auto", "ffffff", "none", "nil"}
_PAGE_SECTIONS = {"nextPage", "oddPage", "evenPage"}
# Containers whose runs are read as if they were direct children of the paragraph.
_TRANSPARENT = {_W + t for t in ("ins", "moveTo", "hyperlink", "smartTag", "customXml", "fldSimple", "sdtContent")}
_DELETED = {_W + "del", _W + "moveFrom"}


def _on(el: _El | None) -> bool:
    """A toggle property (w:strike, w:vanish…): present and not switched off."""
    return el is not None and str(el.get(_W + "val", "1")).lower() not in _FALSE


def _fill(shd: _El | None) -> str | None:
    """The colour a w:shd paints, or None when it paints nothing (auto, white, clear)."""
    if shd is None:
        return None
    fill = str(shd.get(_W + "fill", "")).lower()
    if fill not in _NO_FILL:
        return fill
    pattern = str(shd.get(_W + "val", "clear"))
    color = str(shd.get(_W + "color", "auto")).lower()
    if pattern not in {"clear", "nil", "none"} and color not in _NO_FILL:
        return color
    return None


class _Walker:
    """Depth-first walk of the body in reading order."""

    def __init__(self) -> None:
        self.body = Body()
        self._container: tuple[int | None, int | None, int | None] = (None, None, None)
        self._in_header = False

    # blocks ------------------------------------------------------------------------------
    def blocks(self, parent: _El) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if tag == _W + "p":
                self.paragraph(child)
            elif tag == _W + "tbl":
                self.table(child)
            elif tag in (_W + "sdt", _W + "customXml"):
                content = _sdt_content(child) if tag == _W + "sdt" else child
                if content is not None:
                    self.blocks(content)

    def paragraph(self, p: _El) -> None:
        ppr = p.find(_W + "pPr")
        if ppr is not None and _on(ppr.find(_W + "pageBreakBefore")):
            self.body.page += 1
        collector = _Runs()
        collector.children(p, deleted=False)
        fill = _fill(ppr.find(_W + "shd")) if ppr is not None else None
        for segment in collector.lines():
            self._emit(segment, fill)
        for pages in range(collector.page_breaks):
            del pages
            self.body.page += 1
        for box in collector.text_boxes:
            self.blocks(box)
        if ppr is not None:
            sect = ppr.find(_W + "sectPr")
            kind = sect.find(_W + "type") if sect is not None else None
            if sect is not None and (kind is None or kind.get(_W + "val") in _PAGE_SECTIONS):
                self.body.page += 1

    def _emit(self, pieces: list[Piece], fill: str | None) -> None:
        table, row, col = self._container
        line = Line(len(self.body.lines), pieces, table, row, col, self.body.page, fill, self._in_header)
        self.body.lines.append(line)

    # tables ------------------------------------------------------------------------------
    def table(self, tbl: _El) -> None:
        table = Table(len(self.body.tables), len(self.body.lines))
        self.body.tables.append(table)
        outer = self._container
        for r, tr in enumerate(_rows(tbl)):
            table.grid.append(self._row(table, r, tr))
        self._container = outer

    def _row(self, table: Table, r: int, tr: _El) -> list[Cell | None]:
        trpr = tr.find(_W + "trPr")
        before = trpr.find(_W + "gridBefore") if trpr is not None else None
        col = int(before.get(_W + "val", "0")) if before is not None else 0
        cells: list[Cell | None] = [None] * col
        for tc in _cells(tr):
            tcpr = tc.find(_W + "tcPr")
            span_el = tcpr.find(_W + "gridSpan") if tcpr is not None else None
            span = max(1, int(span_el.get(_W + "val", "1"))) if span_el is not None else 1
            cell = Cell(r, col, span, fill=_fill(tcpr.find(_W + "shd")) if tcpr is not None else None)
            vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(_W + "val", "continue") == "continue" and r > 0:
                above = table.at(r - 1, col) if col < len(table.grid[r - 1]) else None
                cell.origin = above.resolved() if above is not None else None
            self._container = (table.index, r, col)
            start = len(self.body.lines)
            self.blocks(tc)
            cell.lines = self.body.lines[start:]
            cells.extend([cell] * span)
            col += span
        return cells

    def header(self, hdr: _El) -> None:
        self._in_header = True
        self.blocks(hdr)
        self._in_header = False


def _children(parent: _El, tag: str) -> Iterator[_El]:
    """Children with this tag (w:tr of a table, w:tc of a row), also those wrapped in a content
    control or custom XML."""
    for child in parent.iterchildren():
        if child.tag == _W + tag:
            yield child
        elif child.tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child
            if content is not None:
                yield from _children(content, tag)


def _rows(tbl: _El) -> Iterator[_El]:
    return _children(tbl, "tr")


def _cells(tr: _El) -> Iterator[_El]:
    return _children(tr, "tc")


class _Runs:
    """The pieces of one paragraph, split at line breaks, plus the text boxes it anchors."""

    def __init__(self) -> None:
        self._lines: list[list[Piece]] = [[]]
        self.text_boxes: list[_El] = []
        self.page_breaks = 0

    def lines(self) -> list[list[Piece]]:
        return self._lines

    def _add(self, piece: Piece) -> None:
        self._lines[-1].append(piece)

    def children(self, parent: _El, deleted: bool) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _W + "r":
                self.run(child, deleted)
            elif tag in _DELETED:
                self.children(child, True)
            elif tag == _W + "sdt":
                self.inline_sdt(child, deleted)
            elif tag in _TRANSPARENT:
                self.children(child, deleted)

    def inline_sdt(self, sdt: _El, deleted: bool) -> None:
        checked = _checkbox_state(sdt)
        if checked is None:
            content = _sdt_content(sdt)
            if content is not None:
                self.children(content, deleted)
            return
        self._add(Piece(CHECKED_BOX if checked else EMPTY_BOX, deleted=deleted, symbol=checked))

    def run(self, r: _El, deleted: bool) -> None:
        rpr = r.find(_W + "rPr")
        if rpr is not None and _on(rpr.find(_W + "vanish")):
            return
        struck = rpr is not None and (_on(rpr.find(_W + "strike")) or _on(rpr.find(_W + "dstrike")))
        highlight = rpr.find(_W + "highlight") if rpr is not None else None
        highlighted = highlight is not None and str(highlight.get(_W + "val", "none")).lower() != "none"
        shaded = rpr is not None and _fill(rpr.find(_W + "shd")) is not None
        style = {"struck": struck, "deleted": deleted, "highlighted": highlighted, "shaded": shaded}
        for child in r.iterchildren():
            self.run_child(child, style)

    def run_child(self, child: _El, style: dict[str, bool]) -> None:
        tag = child.tag
        if tag in (_W + "t", _W + "delText"):
            self._add(Piece(child.text or "", **style))
        elif tag == _W + "tab":
            self._add(Piece("\t", **style))
        elif tag in (_W + "br", _W + "cr"):
            if child.get(_W + "type") == "page":
                self.page_breaks += 1
            self._lines.append([])
        elif tag == _W + "noBreakHyphen":
            self._add(Piece("-", **style))
        elif tag == _W + "sym":
            self._add(Piece("✓", symbol=True, **style))
        elif tag == _W + "fldChar":
            self.form_field(child, style)
        elif tag in (_W + "drawing", _W + "pict", _W + "object", _MC + "AlternateContent"):
            self.drawing(child, style)

    def form_field(self, fld: _El, style: dict[str, bool]) -> None:
        """A legacy form-field check box (Word 97 forms) shows ☒ or ☐ like a content control."""
        box = fld.find(f"{_W}ffData/{_W}checkBox")
        if box is None:
            return
        state = box.find(_W + "checked")
        if state is None:
            state = box.find(_W + "default")
        checked = _on(state) if state is not None else False
        self._add(Piece(CHECKED_BOX if checked else EMPTY_BOX, **{**style, "symbol": checked}))

    def drawing(self, el: _El, style: dict[str, bool]) -> None:
        """A text box's paragraphs are read as lines of their own; any other picture is a mark."""
        boxes = [b for b in el.iter(_W + "txbxContent") if not _under_fallback(b, el)]
        if boxes:
            self.text_boxes.extend(boxes)
        else:
            self._add(Piece("", symbol=True, **style))


def _under_fallback(node: _El, stop: _El) -> bool:
    """mc:Fallback repeats mc:Choice for old readers; reading both would double every line."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == _MC + "Fallback":
            return True
        parent = parent.getparent()
    return False


def _sdt_content(sdt: _El) -> _El | None:
    """A content control's content, or None while it still shows its placeholder prompt
    ("Bấm vào đây để nhập văn bản"), which is no answer."""
    pr = sdt.find(_W + "sdtPr")
    if pr is not None and _on(pr.find(_W + "showingPlcHdr")):
        return None
    return sdt.find(_W + "sdtContent")


def _checkbox_state(sdt: _El) -> bool | None:
    """True/False for a check-box content control, None for any other content control."""
    pr = sdt.find(_W + "sdtPr")
    box = pr.find(_W14 + "checkbox") if pr is not None else None
    if box is None:
        return None
    checked = box.find(_W14 + "checked")
    return checked is not None and str(checked.get(_W14 + "val", "0")).lower() in {"1", "true", "on"}


def flatten(body: _El, headers: Iterable[_El] = ()) -> Body:
    """The document as ordered lines and table grids (page headers first, then the body)."""
    walker = _Walker()
    for hdr in headers:
        walker.header(hdr)
    walker.blocks(body)
    return walker.body


def parse_docx(
    path: Path,
    display_name: str | None = None,
    *,
    forms: FormCatalog | None = None,
    rule_set: str | None = None,
) -> Document:
    """Read every form in a Word file.

    Raises FileRejected (with a Vietnamese message) for a file that is not a readable, sane
    .docx, and UnknownForm when it is one but holds none of the known forms. `rule_set` only
    breaks ties between forms printed alike in several years.
    """
    name = display_name or path.name
    data, body_element, headers = _open_docx(path, name)
    body = flatten(body_element, headers)
    read = read_forms(body, name, forms=forms, rule_set=rule_set)
    return Document(
        file=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=DocumentKind.DOCX,
        pages=body.pages,
        forms=read,
    )
