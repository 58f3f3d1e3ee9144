"""The one typed model every layer shares: parsers produce it, rules read it, reports render it.

It imports nothing else of ours, so any layer can depend on it without cycles.
Values read from a document always carry a confidence and, where known, a location,
because a value the product is unsure of must become a finding, never a silent guess.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Level(StrEnum):
    """Cấp độ thực hiện of one criterion, best first."""

    XUAT_SAC = "xuat_sac"
    TOT = "tot"
    TRUNG_BINH = "trung_binh"
    KEM = "kem"

    @property
    def rank(self) -> int:
        """0 for the best level; a larger rank is a worse level."""
        return list(Level).index(self)

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    Level.XUAT_SAC: "Xuất sắc",
    Level.TOT: "Tốt",
    Level.TRUNG_BINH: "Trung bình",
    Level.KEM: "Kém",
}


class Rating(StrEnum):
    """Mức xếp loại chất lượng, highest first."""

    HTXSNV = "htxsnv"
    HTTNV = "httnv"
    HTNV = "htnv"
    KHTNV = "khtnv"

    @property
    def rank(self) -> int:
        """0 for the highest rating; `a.rank < b.rank` means a is rated above b."""
        return list(Rating).index(self)

    def above(self, other: Rating) -> bool:
        return self.rank < other.rank

    @property
    def label(self) -> str:
        return _RATING_LABELS[self]

    @property
    def abbreviation(self) -> str:
        return self.name


_RATING_LABELS = {
    Rating.HTXSNV: "Hoàn thành xuất sắc nhiệm vụ",
    Rating.HTTNV: "Hoàn thành tốt nhiệm vụ",
    Rating.HTNV: "Hoàn thành nhiệm vụ",
    Rating.KHTNV: "Không hoàn thành nhiệm vụ",
}


class SubjectKind(StrEnum):
    DANG_VIEN = "dang_vien"
    TO_CHUC_DANG = "to_chuc_dang"
    TAP_THE_LANH_DAO = "tap_the_lanh_dao"
    CAN_BO_LANH_DAO = "can_bo_lanh_dao"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    REVIEW = "review"
    INFO = "info"


class DocumentKind(StrEnum):
    DOCX = "docx"
    PDF_TEXT = "pdf_text"
    PDF_SCAN = "pdf_scan"
    IMAGE = "image"
    UNKNOWN = "unknown"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Location(_Model):
    """Where a value sits: a page and, when known, a box in points from the top-left corner.

    Word files have no fixed pages, so they carry a `anchor` (table, row, cell) instead of a box.
    """

    page: int = 1
    box: tuple[float, float, float, float] | None = None
    anchor: str | None = None
    crop: str | None = Field(default=None, description="file name of the picture of this value, for a person to check")


class CriterionValue(_Model):
    id: str
    level: Level | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    marked: list[Level] = Field(default_factory=list, description="every level found marked in the row")
    cancelled: list[Level] = Field(default_factory=list, description="marks found struck out")
    location: Location | None = None


class RatingValue(_Model):
    value: Rating | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    raw: str = ""
    candidates: list[Rating] = Field(default_factory=list, description="every rating found, when several")
    location: Location | None = None


class Points(_Model):
    """The 2025 hundred-point scale as written on the form; None where a number is unreadable."""

    general: float | None = None
    tasks: float | None = None
    total: float | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    location: Location | None = None


class Tally(_Model):
    """One vote row: `07/08/10` is votes for the result / members present / total full members."""

    name: str
    votes: dict[Rating, int] = Field(default_factory=dict)
    present: int | None = None
    total: int | None = None
    result: Rating | None = None
    percent: float | None = Field(default=None, description="a percentage printed beside the tally")
    blank: int | None = Field(default=None, description="blank or spoilt ballots, when the minutes say")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    raw: str = ""
    location: Location | None = None


class BallotCount(_Model):
    issued: int | None = None
    returned: int | None = None
    valid: int | None = None


class Subject(_Model):
    name: str | None = None
    unit: str | None = None
    kind: SubjectKind = SubjectKind.DANG_VIEN
    date_of_birth: dt.date | None = None
    positions: dict[str, str] = Field(default_factory=dict, description="dang / chinh_quyen / doan_the")


class SummaryRow(_Model):
    """One member's row on Mẫu 06: the rating each evaluator proposed, and the branch's vote."""

    name: str
    positions: str = ""
    ratings: dict[str, RatingValue] = Field(
        default_factory=dict, description="keyed by column: self, civil_servant, committee, mass_org, branch"
    )
    tally: Tally | None = None
    location: Location | None = None


class ExtractedForm(_Model):
    """Everything read from one filled form; a document may hold several."""

    form_id: str
    page: int = 1
    pages: int = 1
    subject: Subject = Field(default_factory=Subject)
    evaluator: str | None = None
    date: dt.date | None = None
    criteria: list[CriterionValue] = Field(default_factory=list)
    rating: RatingValue | None = None
    ratings: dict[str, RatingValue] = Field(
        default_factory=dict,
        description="further ratings printed on the form: civil_servant_self, party_self, manager, branch, committee",
    )
    points: Points | None = None
    tallies: list[Tally] = Field(default_factory=list)
    summary_rows: list[SummaryRow] = Field(default_factory=list)
    ballots: BallotCount | None = None
    degradation_marked: list[str] = Field(
        default_factory=list, description="appendix items the member marked 'Có biểu hiện'"
    )
    meeting_start: dt.datetime | None = None
    meeting_end: dt.datetime | None = None
    fields: dict[str, str] = Field(default_factory=dict, description="header fields as printed")
    from_image: bool = Field(
        default=False,
        description="read from pixels (scan, photo): a field found empty may be handwriting not read",
    )
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    location: Location | None = None


class Document(_Model):
    file: str
    sha256: str = ""
    kind: DocumentKind = DocumentKind.UNKNOWN
    pages: int = 1
    forms: list[ExtractedForm] = Field(default_factory=list)
    rejected: str | None = Field(default=None, description="Vietnamese reason the file could not be read")


class Person(_Model):
    """One row of the unit's roster: the facts no form shows."""

    name: str
    row: int | None = None
    date_of_birth: dt.date | None = None
    branch: str | None = None
    unit: str | None = None
    party_position: str | None = None
    government_position: str | None = None
    mass_org_position: str | None = None
    kind: SubjectKind = SubjectKind.DANG_VIEN
    is_head: bool | None = None
    admitted: dt.date | None = None
    full_member_since: dt.date | None = None
    appointed: dt.date | None = None
    civil_servant_rating: Rating | None = None
    leader_rating: Rating | None = None
    discipline: str | None = None
    discipline_self_remedied: bool = False
    exempted: bool | None = None
    sick_leave_months: float | None = None
    targets_completed_pct: float | None = None
    targets_exceeded_pct: float | None = None
    degradation_concluded: bool | None = None
    newly_transferred: bool | None = None
    low_confidence_votes_pct: float | None = None
    review_done: bool | None = None
    group: str | None = Field(default=None, description="cap group when the superior committee sets one")
    known: frozenset[str] = Field(default_factory=frozenset, description="roster columns present in the file")

    def knows(self, column: str) -> bool:
        """True when the roster carried this fact, so an empty value means 'no', not 'unknown'."""
        return column in self.known


class RosterIssue(_Model):
    row: int | None
    column: str | None
    message: str


class Roster(_Model):
    people: list[Person] = Field(default_factory=list)
    issues: list[RosterIssue] = Field(default_factory=list)
    columns: frozenset[str] = Field(default_factory=frozenset)


class Finding(_Model):
    rule: str
    severity: Severity
    message: str
    source: str = ""
    subject: str | None = None
    document: int | None = None
    form: int | None = None
    page: int | None = None
    field: str | None = None
    location: Location | None = None
    fix: str | None = Field(default=None, description="what would be right, in Vietnamese")


class SkippedRule(_Model):
    rule: str
    why: str
    subject: str | None = None


class Correction(_Model):
    """A person's confirmation or correction of one value read from a document: who, when, the value
    before and after. The value is addressed as findings address it (`domain.fields`)."""

    document: str = Field(description="the document's file name, as the report names it")
    form: int = Field(default=0, ge=0, description="index of the form in the document")
    field: str
    old: str | None = Field(default=None, description="the value as read, in words")
    new: str = Field(description="the value the person gives, in words")
    by: str
    at: dt.datetime
    note: str = ""


class Dossier(_Model):
    """One unit's submission: documents read, the roster, and the rule set they are checked against."""

    rule_set: str
    documents: list[Document] = Field(default_factory=list)
    roster: Roster | None = None
    unit: str | None = None
    evaluation_date: dt.date | None = None
    submitted: dt.date | None = None
    corrections: list[Correction] = Field(default_factory=list, description="values a person confirmed or corrected")
