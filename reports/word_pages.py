"""Pages of Word files, for the report: a .docx has no pages until something lays it out.

LibreOffice lays the files out as PDFs (one process for the dossier's files, `templating.pdf_export`),
and the PDFs are read like any text PDF: their pages become pictures and their forms come back
with boxes. The report then finds a Word value on its page by meaning (same form, same field),
not by position in the XML, so an extra paragraph in the file cannot move a callout.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from domain.errors import KiemdiemError
from domain.model import ExtractedForm
from parsers.pdf_reader import parse_pdf
from parsers.pictures import PageView, Pictures
from templating.pdf_export import PdfExportError, export_pdfs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LaidOut:
    """A Word file as printed: its pages and its forms read back from them (values with boxes)."""

    pages: dict[int, PageView]
    forms: list[ExtractedForm]


def lay_out(word_files: dict[str, bytes]) -> dict[str, LaidOut]:
    """The Word files that LibreOffice could lay out; one that fails is missing from the result
    (the report then lists its findings without a page picture) and the others go on."""
    if not word_files:
        return {}
    names = list(word_files)
    with tempfile.TemporaryDirectory(prefix="kiemdiem-report-") as tmp:
        root = Path(tmp)
        sources = []
        for i, name in enumerate(names):
            source = root / f"{i}.docx"
            source.write_bytes(word_files[name])
            sources.append(source)
        try:
            pdfs: list[Path | None] = list(export_pdfs(sources, root / "pdf"))
        except PdfExportError as e:  # the files that did convert are still shown
            log.warning("word files not laid out", extra={"error": str(e), "failed": [p.name for p in e.failed]})
            pdfs = e.pdfs or [None] * len(sources)
        laid_out: dict[str, LaidOut] = {}
        for name, pdf in zip(names, pdfs, strict=True):
            if pdf is None:
                continue
            pictures = Pictures()
            try:
                document = parse_pdf(pdf, name, pictures)
            except KiemdiemError as e:
                log.warning("laid-out word file unreadable", extra={"file": name, "error": str(e)})
                continue
            pages = {page: view for (_, page), view in pictures.pages.items()}
            laid_out[name] = LaidOut(pages, document.forms)
        return laid_out
