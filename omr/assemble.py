"""Pages of our own forms → `ExtractedForm`s in the shapes the Word reader gives.

Pages are grouped by identity and ordered by printed page number; every value carries the
location of its boxes (file page, box in points, crop). What the OMR does not read (handwritten
dates, the evaluator's name) is left unset, as a Word form left blank would be.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from domain.form_identity import FormIdentity
from domain.forms import FormDefinition, FormKind, catalog
from domain.model import (
    BallotCount,
    CriterionValue,
    ExtractedForm,
    Level,
    Location,
    Points,
    Rating,
    RatingValue,
    Subject,
    SubjectKind,
    SummaryRow,
    Tally,
)
from omr import solve
from omr.checks import unconfirmed_partners
from omr.choices import REVIEW
from omr.layout import member_slot
from omr.results import OwnPage, Read
from templating.store import load_layout

log = logging.getLogger(__name__)

_ROW_KEY = re.compile(r"^(?:rating|digits):row(\d+)[.:]?(.*)$")
_UNREAD_NAME = "Dòng {slot} (không đọc được tên)"
_CHECK_CONFIDENCE = 0.5


@dataclass
class _Copy:
    """The pages of one printed copy of a form."""

    identity: FormIdentity
    pages: dict[int, OwnPage] = field(default_factory=dict)


def assemble(pages: list[OwnPage]) -> list[ExtractedForm]:
    """One form per printed copy: pages grouped by identity (form, version, unit, person, year),
    ordered by page number, a page number seen twice starting another copy. Each ballot page is a
    form of its own (one voter's ballot)."""
    copies: list[_Copy] = []
    for page in pages:
        identity = page.identity
        definition = catalog().get(identity.form_id)
        ballot = definition is not None and definition.kind is FormKind.BALLOT
        home = None if ballot else next(
            (c for c in copies if _same_form(c.identity, identity) and identity.page not in c.pages), None)
        if home is None:
            home = _Copy(identity)
            copies.append(home)
        home.pages[identity.page] = page
    return [_form(copy) for copy in copies]


def _same_form(a: FormIdentity, b: FormIdentity) -> bool:
    return (a.form_id, a.version, a.unit, a.person, a.year) == (b.form_id, b.version, b.unit, b.person, b.year)


def _location(page: OwnPage, read: Read | None) -> Location:
    if read is None:
        return Location(page=page.number)
    return Location(page=page.number, box=read.box, crop=read.crop)


def _rating(value: str | int | None) -> Rating | None:
    return Rating(value) if isinstance(value, str) and value in Rating._value2member_map_ else None


def _form(copy: _Copy) -> ExtractedForm:
    identity = copy.identity
    definition = catalog()[identity.form_id]
    ordered = [copy.pages[n] for n in sorted(copy.pages)]
    first = ordered[0]
    values: dict[str, tuple[OwnPage, Read]] = {k: (p, r) for p in ordered for k, r in p.values.items()}
    missing = identity.pages - len(ordered)
    form = ExtractedForm(
        form_id=identity.form_id,
        page=first.number,
        pages=identity.pages,
        subject=Subject(
            name=identity.person or None,
            unit=identity.unit or None,
            kind=definition.subject_kind or SubjectKind.DANG_VIEN,
        ),
        fields=_fields(identity, definition, values),
        confidence=1.0 if missing == 0 else 0.5,
        location=Location(page=first.number),
    )
    form.criteria = _criteria(definition, values)
    form.ratings = _ratings(definition, values)
    form.rating = form.ratings.get(definition.primary_rating) if definition.primary_rating else None
    form.points = _points(definition, values)
    form.degradation_marked = [k.split(":", 1)[1] for k, (_, r) in values.items()
                               if k.startswith("item:") and r.value == "co" and r.confidence >= REVIEW]
    if definition.kind is FormKind.SUMMARY:
        form.summary_rows = _summary_rows(definition, ordered)
        form.tallies = [row.tally for row in form.summary_rows if row.tally is not None]
    elif definition.kind is FormKind.MINUTES:
        _minutes(form, ordered, values)
    elif definition.kind is FormKind.BALLOT:
        form.tallies = _ballot(ordered)
    if missing:
        log.info("form with pages missing", extra={"form": identity.form_id, "missing": missing})
    return form


def _fields(identity: FormIdentity, definition: FormDefinition,
            values: dict[str, tuple[OwnPage, Read]]) -> dict[str, str]:
    """Header fields the page identity and the digit boxes give, as printed text."""
    fields = {"unit": identity.unit, "year": str(identity.year)}
    if identity.person:
        fields["name"] = identity.person
    keys = {f.key for f in definition.header_fields}
    for key in keys & {"total", "present", "absent", "issued", "returned", "valid"}:
        page_read = values.get(f"digits:{key}")
        if page_read is not None and isinstance(page_read[1].value, int) and page_read[1].confidence >= REVIEW:
            fields[key] = str(page_read[1].value)
    for key in keys & {"start", "end"}:
        hour, minute = values.get(f"digits:{key}.hour"), values.get(f"digits:{key}.minute")
        if hour and minute and isinstance(hour[1].value, int) and isinstance(minute[1].value, int) \
                and min(hour[1].confidence, minute[1].confidence) >= REVIEW:
            fields[key] = f"{hour[1].value} giờ {minute[1].value:02d}"
    return {k: v for k, v in fields.items() if k in keys or k in ("unit", "year", "name")}


def _criteria(definition: FormDefinition, values: dict[str, tuple[OwnPage, Read]]) -> list[CriterionValue]:
    out = []
    for c in definition.criteria:
        if c.max_points is not None:
            continue
        found = values.get(f"crit:{c.id}")
        if found is None:
            out.append(CriterionValue(id=c.id, level=None, confidence=0.0))
            continue
        page, read = found
        out.append(CriterionValue(
            id=c.id,
            level=Level(read.value) if isinstance(read.value, str) else None,
            confidence=read.confidence,
            marked=[Level(m) for m in read.marked],
            cancelled=[Level(m) for m in read.cancelled],
            location=_location(page, read),
        ))
    return out


def _rating_value(page: OwnPage, read: Read) -> RatingValue:
    candidates = [r for m in read.marked if (r := _rating(m)) is not None]
    value = _rating(read.value)
    return RatingValue(
        value=value,
        confidence=read.confidence,
        raw=value.abbreviation if value else "",
        candidates=candidates if len(candidates) > 1 else [],
        location=_location(page, read),
    )


def _ratings(definition: FormDefinition, values: dict[str, tuple[OwnPage, Read]]) -> dict[str, RatingValue]:
    """Every rating field the layout prints as boxes; a field on a page that is missing is unread."""
    layout_keys = {b["id"].rsplit(":", 1)[0] for design in load_layout(definition.id)["pages"] for b in design}
    out: dict[str, RatingValue] = {}
    for rf in definition.rating_fields:
        key = f"rating:{rf.key}"
        if key not in layout_keys:
            continue
        found = values.get(key)
        out[rf.key] = _rating_value(*found) if found else RatingValue(value=None, confidence=0.0)
    return out


def _points(definition: FormDefinition, values: dict[str, tuple[OwnPage, Read]]) -> Points | None:
    """2025 scale: the general and task groups and the total, from their digit boxes."""
    if definition.points is None:
        return None
    reads: dict[str, tuple[OwnPage, Read]] = {k.split(":", 2)[2]: v for k, v in values.items()
                                               if k.startswith("digits:points:")}
    if not reads:
        return Points(confidence=0.0)

    def number(ids: list[str]) -> float | None:
        found = [reads[i][1].value for i in ids if i in reads]
        counts = [v for v in found if isinstance(v, int)]
        return float(sum(counts)) if counts and len(counts) == len(found) else None

    general = number([c.id for c in definition.criteria if c.max_points is not None and not c.task])
    tasks = number([c.id for c in definition.criteria if c.max_points is not None and c.task])
    total = number(["total"])
    page, first = next(iter(reads.values()))
    return Points(general=general, tasks=tasks, total=total,
                  confidence=min(r.confidence for _, r in reads.values()), location=_location(page, first))


def _rows(page: OwnPage) -> dict[int, dict[str, Read]]:
    """A page's answers by member row, keyed by what follows the row (`self`, `branch.votes`,
    `votes.httnv`, `result`, "" for a ballot row)."""
    rows: dict[int, dict[str, Read]] = {}
    for key, read in page.values.items():
        match = _ROW_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = read
    return rows


def _filled(page: OwnPage, row: int, reads: dict[str, Read]) -> bool:
    """A member row: a name is printed in it, or something is written in it."""
    return row in page.names or any(r.value is not None or r.marked or r.confidence < REVIEW for r in reads.values())


def _name(page: OwnPage, row: int) -> tuple[str, bool]:
    layout = load_layout(page.identity.form_id)
    name = page.names.get(row, "")
    slot = member_slot(layout, page.identity.page, row) + 1
    return (name, True) if name else (_UNREAD_NAME.format(slot=slot), False)


def _row_location(page: OwnPage, reads: dict[str, Read]) -> Location:
    boxes = [r.box for r in reads.values() if r.box is not None]
    crop = next((r.crop for r in reads.values() if r.crop), None)
    if not boxes:
        return Location(page=page.number, crop=crop)
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return Location(page=page.number, box=box, crop=crop)


def _int(read: Read | None) -> int | None:
    return read.value if read is not None and isinstance(read.value, int) else None


def _summary_rows(definition: FormDefinition, pages: list[OwnPage]) -> list[SummaryRow]:
    """Mẫu 06: each evaluator's rating, and the branch's vote as a tally (votes/present/total)."""
    out = []
    for page in pages:
        for row, reads in sorted(_rows(page).items()):
            if not _filled(page, row, reads):
                continue
            name, named = _name(page, row)
            ratings = {c.key: _rating_value(page, reads[c.key]) for c in definition.summary_columns if c.key in reads}
            branch = ratings.get("branch")
            parts = {p: reads.get(f"branch.{p}") for p in ("votes", "present", "total")}
            tally = None
            numbers = [r for r in parts.values() if r is not None]
            if (branch is not None and branch.value is not None) or any(r.value is not None for r in numbers):
                votes = _int(parts["votes"])
                result = branch.value if branch is not None else None
                confidence = min([r.confidence for r in numbers] + ([branch.confidence] if branch else []))
                raw = "/".join("" if _int(r) is None else f"{_int(r):02d}" for r in parts.values())
                tally = Tally(
                    name=name,
                    votes={result: votes} if result is not None and votes is not None else {},
                    present=_int(parts["present"]),
                    total=_int(parts["total"]),
                    result=result,
                    confidence=confidence if named else min(confidence, _CHECK_CONFIDENCE),
                    raw=f"{result.abbreviation if result else ''} {raw}".strip(),
                    location=_row_location(page, {k: r for k, r in reads.items() if k.startswith("branch")}),
                )
            out.append(SummaryRow(name=name, ratings=ratings, tally=tally, location=_row_location(page, reads)))
    return out


def _minutes(form: ExtractedForm, pages: list[OwnPage], values: dict[str, tuple[OwnPage, Read]]) -> None:
    """Biên bản kiểm phiếu: counts of the header, then per member the votes for each rating and
    the result; a row whose votes exceed the valid ballots is unreadable (pages after the first
    are checked here, the first page's rows when it was read)."""
    def header(key: str) -> Read | None:
        found = values.get(f"digits:{key}")
        return found[1] if found else None

    present, total, valid = header("present"), header("total"), header("valid")
    counts = {k: _int(header(k)) for k in ("issued", "returned", "valid")}
    if any(v is not None for v in counts.values()):
        form.ballots = BallotCount(**counts)
    valid_count = _int(valid) if valid is not None and valid.confidence >= REVIEW else None
    for page in pages:
        for row, reads in sorted(_rows(_shared_header(page, valid_count)).items()):
            if not _filled(page, row, reads):
                continue
            name, named = _name(page, row)
            votes = {Rating(k.split(".", 1)[1]): v for k, r in reads.items()
                     if k.startswith("votes.") and (v := _int(r)) is not None}
            result = reads.get("result")
            involved = [r.confidence for r in reads.values()]
            confidence = min(involved) if involved else 0.0
            if valid_count is not None and sum(votes.values()) > valid_count:
                confidence = min(confidence, _CHECK_CONFIDENCE)
            if not named:
                confidence = min(confidence, _CHECK_CONFIDENCE)
            form.tallies.append(Tally(
                name=name,
                votes=votes,
                present=_int(present),
                total=_int(total),
                result=_rating(result.value) if result else None,
                confidence=confidence,
                raw=" | ".join(f"{k}={r.value}" for k, r in sorted(reads.items())),
                location=_row_location(page, reads),
            ))


def _shared_header(page: OwnPage, valid: int | None) -> OwnPage:
    """A minutes page without the header (a later page): its rows' votes chosen together among
    their candidates to add up to the valid ballots of the first page (`omr.solve`)."""
    if valid is None or "digits:valid" in page.values:
        return page
    values = dict(page.values)
    cells = {k: r.candidates for k, r in values.items() if k.startswith("digits:")}
    decisions = solve.minutes(cells, solve.confident_results(values), valid)
    solve.apply(values, decisions, solve.CONFIRMED, solve.UNCONFIRMED)
    unconfirmed_partners(values, REVIEW, solve.confirmed(decisions))
    return replace(page, values=values)


def _ballot(pages: list[OwnPage]) -> list[Tally]:
    """One voter's ballot: per member one vote, or a blank / spoilt row (no mark, several marks)."""
    tallies = []
    for page in pages:
        for row, reads in sorted(_rows(page).items()):
            read = reads.get("")
            if read is None or not _filled(page, row, reads):
                continue
            name, named = _name(page, row)
            rating = _rating(read.value)
            confidence = read.confidence if named else min(read.confidence, _CHECK_CONFIDENCE)
            tallies.append(Tally(
                name=name,
                votes={rating: 1} if rating is not None else {},
                blank=None if rating is not None or confidence < REVIEW else 1,
                confidence=confidence,
                raw=rating.abbreviation if rating else ("" if confidence < REVIEW else "trống/hỏng"),
                location=_row_location(page, reads),
            ))
    return tallies
