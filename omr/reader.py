"""Reading our own printed forms back from a scan or a photo, page by page, then form by form.

`read_own_page` turns one page image (with its QR identity and corner markers already found by
`parsers.page_marks`) into a small `OwnPage`: one `Read` per answer of the page, keyed as the
layout groups its boxes (`crit:I.1`, `rating:proposed`, `rating:row3.branch`, `digits:total`,
`item:5`), plus the member names printed in its rows. The page image can be dropped after.

`assemble` groups the pages of a file by their identity and produces the same `ExtractedForm`
shapes as the Word reader (`parsers.form_reader`), so the rules run unchanged on either.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np

from domain.errors import KiemdiemError
from domain.form_identity import FormIdentity
from domain.forms import FormDefinition, FormKind, catalog
from omr import solve
from omr.assemble import assemble
from omr.boxes import Box, Calibration, PageMeasures, classify, measure_boxes
from omr.checks import check_minutes_header, check_minutes_rows, check_summary_rows, unconfirmed_partners
from omr.choices import REVIEW, UNCERTAIN_CONFIDENCE, decide
from omr.contrast import print_gain
from omr.digits import read_number
from omr.layout import Group, groups, name_band, page_boxes, required, row_of
from omr.names import read_name
from omr.qr import identity_on_crop
from omr.register import Registration, register
from omr.results import OwnPage, Read
from parsers.opencv_threads import one_thread
from parsers.page_marks import PageMarks
from parsers.pages import PageImage
from parsers.pictures import VIEW_DPI, Pictures
from parsers.shrink import halved
from templating.page import MM_PER_PT
from templating.store import load_layout

__all__ = ["OwnFormError", "OwnPage", "Read", "assemble", "read_own_page"]

log = logging.getLogger(__name__)

_CROP_PPMM = 8.0
# Image pixels → pixels of the image halved by 2×2 averages (a half pixel's centre is between two).
_HALVED = np.array([[0.5, 0.0, -0.25], [0.0, 0.5, -0.25], [0.0, 0.0, 1.0]])
_CROP_MARGIN_MM = 3.0
# Boxes missing where the registration puts them (`PageMeasures.unplaced`) from which no answer of
# the page is trusted. On the own-forms benchmark no page that is read right has one.
_MISPLACED_BOXES = 2


class OwnFormError(KiemdiemError):
    """A page that carries our marks but cannot be read as one of our forms."""


def read_own_page(page: PageImage, marks: PageMarks, file_name: str, pictures: Pictures) -> OwnPage:
    """Every answer of the page; raises `OwnFormError` (no identity, unknown version) or
    `omr.register.RegistrationError` (markers missing or inconsistent). A QR that `marks` could
    not read is tried again where the markers place it (`omr.qr`). The page is read box by box,
    on one OpenCV thread (`parsers.opencv_threads`)."""
    with one_thread():
        return _read_own_page(page, marks, file_name, pictures)


def _read_own_page(page: PageImage, marks: PageMarks, file_name: str, pictures: Pictures) -> OwnPage:
    marks = identity_on_crop(page.gray, marks)
    identity = marks.identity
    if identity is None:
        raise OwnFormError(marks.qr_error or "Không đọc được mã QR của trang.", detail=f"{file_name} p{page.number}")
    definition = catalog().get(identity.form_id)
    layout = load_layout(identity.form_id)
    if definition is None or layout.get("version") != identity.version:
        raise OwnFormError(
            f"Trang {page.number} in từ phiên bản mẫu {identity.form_id} (bản {identity.version}) mà phần mềm "
            "không còn giữ bố cục; hãy in lại mẫu mới.",
            detail=f"layout version {layout.get('version')} != {identity.version}",
        )
    gray = np.asarray(page.gray)
    registration = register(marks, layout, (gray.shape[1], gray.shape[0]))
    boxes = page_boxes(layout, identity.page)
    measured = measure_boxes(gray, registration, boxes, print_gain(gray, marks.markers))
    registration = measured.registration
    page_groups = groups(boxes)
    pictures.add_page(file_name, page.number, _rectified(gray, registration, layout), VIEW_DPI)
    values = _answers(page_groups, measured, definition)
    check_counts(values, definition.kind)
    _distrust_misplaced(values, measured, file_name, page.number)
    for key, read in values.items():
        if read.confidence < REVIEW:
            group = next(g for g in page_groups if g.key == key)
            values[key] = _with_crop(read, gray, registration, group, pictures, file_name, page.number)
    names = _names(identity, page_groups, gray, registration) if layout.get("slots") else {}
    log.info("own page read", extra={"file": file_name, "page": page.number, "form": identity.form_id,
                                      "answers": len(values), "error_mm": round(registration.error_mm, 3)})
    return OwnPage(file_name, page.number, identity, values, names, registration.error_mm, registration.markers)


def _rectified(gray: Any, registration: Registration, layout: dict[str, Any]) -> Any:
    """The whole page as printed, whatever the photo's angle: the frame its answers' boxes are in.

    Sampled from the page halved (2×2 averages, nearly free) while that keeps at least the view's
    resolution: the warp then reads a quarter of the pixels, and fine print does not alias."""
    width_mm, height_mm = layout["page_mm"]
    ppmm = VIEW_DPI / (72 * MM_PER_PT)
    scale = registration.px_per_mm
    while scale >= 2 * ppmm:
        gray = halved(gray)
        registration = replace(registration, matrix=_HALVED @ registration.matrix)
        scale /= 2
    return registration.patch(gray, 0.0, 0.0, float(width_mm), float(height_mm), ppmm)


def _answers(page_groups: list[Group], measured: PageMeasures, definition: FormDefinition) -> dict[str, Read]:
    choice_measures = [m for m in measured.measures.values() if not m.box.id.startswith("digits:")]
    calibration = Calibration.of(choice_measures)
    ballot = definition.kind is FormKind.BALLOT
    values: dict[str, Read] = {}
    for group in page_groups:
        x, y, w, h = _extent(group.boxes)
        where = (round(x / MM_PER_PT, 1), round(y / MM_PER_PT, 1), round((x + w) / MM_PER_PT, 1),
                 round((y + h) / MM_PER_PT, 1))
        if group.kind == "digits":
            number = read_number(
                [measured.measures[b.id] for b in group.boxes],
                [measured.patches[b.id] for b in group.boxes],
                calibration.blank_ink,
            )
            values[group.key] = Read(number.value, number.confidence, where, candidates=number.candidates)
            continue
        verdicts = {group.choice(b): classify(measured.measures[b.id], calibration) for b in group.boxes}
        choice = decide(verdicts, required=required(group.key, definition), spoilable=ballot)
        values[group.key] = Read(choice.value, choice.confidence, where, None, choice.marked, choice.cancelled)
    return values


def check_counts(values: dict[str, Read], kind: FormKind) -> None:
    """Arithmetic between the counts of a page. The counts are chosen together among their
    candidates (`omr.solve`): a count the arithmetic pins down is confident only when it confirms
    it. A check that cannot be made (one of its counts unreadable, or lowered by another check)
    confirms none of the others, unless the sums confirmed them: they go to the person who looks
    at that one. Last, a Mẫu 06 row's present and votes are confirmed together when only one
    combination of their likely readings fits votes ≤ present ≤ total and none comes near it; a
    minutes result read less than surely is confirmed by its row's sure votes when it is their
    outcome, and a time by the clock's range when only one of its likely readings is in it."""
    cells = {k: r.candidates for k, r in values.items() if k.startswith("digits:")}
    decisions: dict[str, solve.Decision] = {}
    if kind is FormKind.MINUTES:
        check_minutes_header(values)
        valid = values.get("digits:valid")
        if valid is not None and isinstance(valid.value, int) and valid.confidence >= REVIEW:
            check_minutes_rows(values, valid.value)
        decisions = solve.minutes(cells, solve.confident_results(values))
    elif kind is FormKind.SUMMARY:
        check_summary_rows(values)
        sure = {k: r.value for k, r in values.items()
                if k in cells and r.confidence >= REVIEW and not isinstance(r.value, str)}
        decisions = solve.summary(cells, sure)
    solve.apply(values, decisions, solve.CONFIRMED, solve.UNCONFIRMED)
    unconfirmed_partners(values, REVIEW, solve.confirmed(decisions))
    if kind is FormKind.SUMMARY:
        solve.confirm_summary_spans(values, REVIEW)
    if kind is FormKind.MINUTES:
        solve.confirm_results(values, REVIEW)
        solve.confirm_clock(values, REVIEW)


def _distrust_misplaced(values: dict[str, Read], measured: PageMeasures, file_name: str, number: int) -> None:
    """Every answer to a person when printed boxes are missing where the page is thought to be.

    A fit off by a whole row finds the next row's boxes, and reads them well, everywhere but at
    the row beyond the table, where nothing is printed: the few boxes seen missing are the only
    sign that the rest may be read from the wrong place."""
    unplaced = measured.unplaced()
    if len(unplaced) < _MISPLACED_BOXES:
        return
    log.warning("boxes missing where registered", extra={"file": file_name, "page": number, "boxes": unplaced[:10]})
    for key, read in values.items():
        values[key] = replace(read, confidence=min(read.confidence, UNCERTAIN_CONFIDENCE))


def _extent(boxes: tuple[Box, ...]) -> tuple[float, float, float, float]:
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _with_crop(read: Read, gray: Any, registration: Registration, group: Group, pictures: Pictures,
               file_name: str, number: int) -> Read:
    """The answer's boxes with a margin, upright, for a person to decide."""
    x, y, w, h = _extent(group.boxes)
    m = _CROP_MARGIN_MM
    image = registration.patch(gray, x - m, y - m, w + 2 * m, h + 2 * m, _CROP_PPMM)
    key = pictures.add_crop(file_name, number, group.key.replace(":", "-"), image)
    return replace(read, crop=key)


def _names(identity: FormIdentity, page_groups: list[Group], gray: Any, registration: Registration
           ) -> dict[int, str]:
    """The printed name of every member row that has one (blank slots print none)."""
    rows: dict[int, list[Box]] = {}
    for group in page_groups:
        row = row_of(group.key)
        if row is not None:
            rows.setdefault(row, []).extend(group.boxes)
    names: dict[int, str] = {}
    for row, boxes in sorted(rows.items()):
        band = name_band(identity.form_id, boxes)
        if band is None:
            continue
        name = read_name(identity, row, registration.patch(gray, *band, ppmm=10.0))
        if name:
            names[row] = name
    return names
