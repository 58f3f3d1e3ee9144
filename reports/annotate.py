"""Where each finding is shown: which page of which document, which box on it, which number.

The PDF and the HTML report draw the same callouts, so they are decided once, here. A finding is
placed by the box its reader recorded; failing that, by the box of the value its `field` names
(`domain.fields`); for a Word file, by the same value on the file as LibreOffice lays it out
(`reports.word_pages`). A finding with no page (the cap, the deadline, a rejected file) goes to
the dossier's general list; one with a page but no box is listed under its page without a frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.fields import location_of
from domain.forms import catalog
from domain.model import Correction, Document, Dossier, ExtractedForm, Finding, Severity
from parsers.layout import Box
from parsers.pictures import PageView, Pictures
from reports.word_pages import LaidOut

CORRECTED = "corrected"
COLOURS = {  # one colour per kind of callout, shared by the PDF and the HTML
    Severity.ERROR.value: "#c62828",
    Severity.WARNING.value: "#ef6c00",
    Severity.REVIEW.value: "#6a1b9a",
    Severity.INFO.value: "#1565c0",
    CORRECTED: "#2e7d32",
}


@dataclass(frozen=True)
class Callout:
    """A numbered mark: a finding, or a value a person corrected (`label` S1, S2 …)."""

    label: str
    document: int | None
    page: int | None
    box: Box | None
    finding: Finding | None = None
    correction: Correction | None = None

    @property
    def kind(self) -> str:
        return self.finding.severity.value if self.finding else CORRECTED


@dataclass(frozen=True)
class ReportPage:
    document: int
    file: str
    number: int
    count: int
    view: PageView | None
    forms: list[str]
    callouts: list[Callout]


@dataclass(frozen=True)
class Annotated:
    pages: list[ReportPage]
    general: list[Callout]  # findings about the dossier, a rejected file, or a value with no page

    def callouts(self) -> list[Callout]:
        return [c for p in self.pages for c in p.callouts] + self.general


def annotate(dossier: Dossier, findings: list[Finding], pictures: Pictures, laid_out: dict[str, LaidOut]
             ) -> Annotated:
    placed: dict[tuple[int, int], list[Callout]] = {}
    general: list[Callout] = []
    for finding in findings:
        callout = _finding_callout(dossier, finding, laid_out)
        if callout.document is not None and callout.page is not None:
            placed.setdefault((callout.document, callout.page), []).append(callout)
        else:
            general.append(callout)
    for k, correction in enumerate(dossier.corrections, start=1):  # labels as ReportContent.corrections
        callout = _correction_callout(dossier, correction, f"S{k}", laid_out)
        if callout.document is not None and callout.page is not None:
            placed.setdefault((callout.document, callout.page), []).append(callout)
    pages: list[ReportPage] = []
    for di, doc in enumerate(dossier.documents):
        if doc.rejected is not None:
            continue
        laid = laid_out.get(doc.file)
        count = max(len(laid.pages), 1) if laid else doc.pages
        for n in range(1, count + 1):
            view = laid.pages.get(n) if laid else pictures.pages.get((doc.file, n))
            marks = placed.pop((di, n), [])
            pages.append(ReportPage(di, doc.file, n, count, view, _forms_on(doc, n, laid), marks))
    for marks in placed.values():  # a page number past the document's end: shown with the dossier
        general += marks
    return _numbered(pages, general)


def _numbered(pages: list[ReportPage], general: list[Callout]) -> Annotated:
    """Findings numbered 1, 2, … in reading order: page by page, top to bottom, then the rest."""
    counter = 0

    def number(callouts: list[Callout]) -> list[Callout]:
        nonlocal counter
        out = []
        for c in sorted(callouts, key=_reading_order):
            if c.finding is not None:
                counter += 1
                c = Callout(str(counter), c.document, c.page, c.box, c.finding, c.correction)
            out.append(c)
        return out

    numbered_pages = [ReportPage(p.document, p.file, p.number, p.count, p.view, p.forms, number(p.callouts))
                      for p in pages]
    return Annotated(numbered_pages, number(general))


def _reading_order(c: Callout) -> tuple[int, float, float]:
    if c.box is None:
        return (1, 0.0, 0.0)
    return (0, round(c.box[1] / 4), c.box[0])  # same line within 4 pt, then left to right


def _finding_callout(dossier: Dossier, finding: Finding, laid_out: dict[str, LaidOut]) -> Callout:
    if finding.document is None or finding.document >= len(dossier.documents):
        return Callout("", None, None, None, finding)
    doc = dossier.documents[finding.document]
    if doc.rejected is not None:
        return Callout("", finding.document, None, None, finding)
    if finding.location is not None and finding.location.box is not None:
        return Callout("", finding.document, finding.location.page, finding.location.box, finding)
    page, box = _place(doc, finding.form, finding.field, laid_out.get(doc.file))
    return Callout("", finding.document, page or finding.page, box, finding)


def _correction_callout(dossier: Dossier, correction: Correction, label: str, laid_out: dict[str, LaidOut]
                        ) -> Callout:
    index = next((i for i, d in enumerate(dossier.documents) if d.file == correction.document), None)
    if index is None:
        return Callout(label, None, None, None, correction=correction)
    doc = dossier.documents[index]
    page, box = _place(doc, correction.form, correction.field, laid_out.get(doc.file))
    return Callout(label, index, page, box, correction=correction)


def _place(doc: Document, form_index: int | None, field: str | None, laid: LaidOut | None
           ) -> tuple[int | None, Box | None]:
    if form_index is None or form_index >= len(doc.forms):
        return None, None
    form = doc.forms[form_index]
    if laid is not None:  # a Word file: the same value on the laid-out pages
        twin = _twin(form, form_index, doc.forms, laid.forms)
        if twin is None:
            return None, None
        form = twin
    found = location_of(form, field)
    if found is None:
        return form.page, None
    return found.page, found.box


def _twin(form: ExtractedForm, index: int, forms: list[ExtractedForm], laid: list[ExtractedForm]
          ) -> ExtractedForm | None:
    """The laid-out form that is `form`: the same position among the forms of its kind, else the
    one about the same subject."""
    same_kind = [f for f in laid if f.form_id == form.form_id]
    position = [f for f in forms[:index] if f.form_id == form.form_id]
    if len(position) < len(same_kind):
        return same_kind[len(position)]
    return next((f for f in same_kind if f.subject.name == form.subject.name), None)


def _forms_on(doc: Document, page: int, laid: LaidOut | None) -> list[str]:
    """The forms printed on a page, as a reader names them ("Mẫu 02-HD KĐ.ĐG 2018 – Nguyễn Văn An")."""
    forms = laid.forms if laid is not None else doc.forms
    names = []
    for form in forms:
        if form.page <= page < form.page + max(form.pages, 1):
            definition = catalog().get(form.form_id)
            name = (definition.code or definition.title) if definition else form.form_id
            names.append(name + (f" – {form.subject.name}" if form.subject.name else ""))
    return names
