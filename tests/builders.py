"""Small builders for dossiers in rule tests: each test states only the facts that matter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.forms import catalog
from domain.model import (
    CriterionValue,
    Document,
    DocumentKind,
    Dossier,
    ExtractedForm,
    Level,
    Person,
    Points,
    Rating,
    RatingValue,
    Roster,
    Subject,
    SummaryRow,
    Tally,
)
from domain.rule_sets import LocalSettings, rule_set
from rules.engine import Result, run_rules

DATE = dt.date(2023, 12, 20)
UNIT = "Chi bộ Phòng Tổ chức"
ROSTER_DEFAULTS: dict[str, Any] = {
    "admitted": dt.date(2010, 5, 19),
    "discipline": None,
    "exempted": False,
    "sick_leave_months": 0,
    "targets_completed_pct": 100,
    "targets_exceeded_pct": 60,
    "degradation_concluded": False,
    "is_head": False,
}


def person(name: str, omit: tuple[str, ...] = (), **facts: Any) -> Person:
    values = {**ROSTER_DEFAULTS, **facts}
    for column in omit:
        values.pop(column, None)
    known = frozenset({"name", "kind", *values})
    return Person(name=name, branch=UNIT, known=known, **values)


def roster(*people: Person) -> Roster:
    columns = frozenset().union(*(p.known for p in people)) if people else frozenset({"name"})
    return Roster(people=list(people), columns=columns)


def rv(rating: Rating | None) -> RatingValue:
    return RatingValue(value=rating)


def analysis(
    name: str,
    rating: Rating | None,
    levels: dict[str, Level | None] | None = None,
    form_id: str = "2018/mau-05",
    default: Level = Level.XUAT_SAC,
    evaluator: str = "Đảng viên tự đánh giá",
    date: dt.date | None = DATE,
    **criterion_overrides: Any,
) -> ExtractedForm:
    definition = catalog()[form_id]
    levels = levels or {}
    criteria = []
    for c in definition.criteria:
        level = levels.get(c.id, default)
        extra = criterion_overrides.get(c.id.replace(".", "_"), {})
        marked = extra.pop("marked", [level] if level else [])
        criteria.append(CriterionValue(id=c.id, level=level, marked=marked, **extra))
    assert definition.primary_rating is not None
    return ExtractedForm(
        form_id=form_id,
        subject=Subject(name=name, unit=UNIT, kind=definition.subject_kind or "dang_vien"),
        evaluator=evaluator,
        date=date,
        criteria=criteria,
        rating=rv(rating),
        ratings={definition.primary_rating: rv(rating)},
    )


def self_review(name: str, form_id: str = "2018/mau-02", date: dt.date | None = DATE, **ratings: Rating) -> ExtractedForm:
    values = {k: rv(v) for k, v in ratings.items()}
    return ExtractedForm(
        form_id=form_id,
        subject=Subject(name=name, unit=UNIT),
        date=date,
        rating=values.get("party_self"),
        ratings=values,
    )


def votes(htxsnv: int = 0, httnv: int = 0, htnv: int = 0, khtnv: int = 0) -> dict[Rating, int]:
    return {Rating.HTXSNV: htxsnv, Rating.HTTNV: httnv, Rating.HTNV: htnv, Rating.KHTNV: khtnv}


def minutes(rows: list[tuple[str, dict[Rating, int], Rating]], present: int, total: int,
            date: dt.date | None = DATE, **kw: Any) -> ExtractedForm:
    return ExtractedForm(
        form_id="bien-ban-kiem-phieu",
        subject=Subject(unit=UNIT),
        date=date,
        tallies=[Tally(name=n, votes=v, present=present, total=total, result=r) for n, v, r in rows],
        **kw,
    )


def summary(rows: list[tuple[str, dict[str, Rating], Tally | None]], date: dt.date | None = DATE) -> ExtractedForm:
    built = [SummaryRow(name=n, ratings={k: rv(v) for k, v in cols.items()}, tally=t) for n, cols, t in rows]
    return ExtractedForm(form_id="2018/mau-06", subject=Subject(unit=UNIT), date=date, summary_rows=built,
                         tallies=[r.tally for r in built if r.tally])


def ballot(name: str, rating: Rating) -> ExtractedForm:
    return ExtractedForm(form_id="phieu-bieu-quyet", tallies=[Tally(name=name, votes={rating: 1})])


def points(name: str, general: float, tasks: float, total: float, rating: Rating) -> ExtractedForm:
    return ExtractedForm(form_id="2025/mau-2b", subject=Subject(name=name, unit=UNIT), date=DATE,
                         points=Points(general=general, tasks=tasks, total=total), rating=rv(rating),
                         ratings={"party_self": rv(rating)})


def dossier(*forms: ExtractedForm, people: list[Person] | None = None, rule_set_id: str = "2018",
            documents: list[Document] | None = None, **kw: Any) -> Dossier:
    docs = documents if documents is not None else [
        Document(file=f"form-{i}.docx", kind=DocumentKind.DOCX, forms=[f]) for i, f in enumerate(forms)
    ]
    return Dossier(rule_set=rule_set_id, documents=docs, roster=roster(*people) if people is not None else None, **kw)


def check(d: Dossier, rule_set_id: str, settings: LocalSettings | None = None) -> Result:
    return run_rules(d, rule_set(rule_set_id), settings)
