"""The dossier at a glance, for the report: each subject's ratings from every source, the vote,
the rating that counts, and each group's distribution against the cap on HTXSNV.

It reuses what the rules compute (`SubjectIndex`, `group_caps`) instead of counting again, so the
report's chart and the `cap-excellent` finding can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.forms import FormKind
from domain.model import Dossier, Finding, Rating, SubjectKind, Tally
from domain.rule_sets import LocalSettings, RuleSet
from domain.text import fold
from rules.engine import RuleContext, evaluation_date
from rules.subjects import SubjectIndex
from rules.unit import group_caps


@dataclass(frozen=True)
class SourceRating:
    """One rating of a subject and where it is written."""

    label: str
    rating: Rating
    evaluator: str
    document: int
    form: int
    page: int | None
    field: str
    civil_servant: bool


@dataclass(frozen=True)
class SubjectOverview:
    name: str
    kind: SubjectKind
    position: str
    in_roster: bool
    ratings: list[SourceRating]
    effective: Rating | None
    tally: Tally | None
    findings: list[int] = field(default_factory=list)  # indices of the findings about the subject


@dataclass(frozen=True)
class CapOverview:
    group: str
    counts: dict[Rating, int]
    base: int
    base_words: str
    ratio: float
    cap: int
    excellent: int
    small_unit: bool

    @property
    def over(self) -> bool:
        return self.excellent > self.cap and not self.small_unit


@dataclass(frozen=True)
class Overview:
    subjects: list[SubjectOverview]
    caps: list[CapOverview]


def build_overview(dossier: Dossier, rule_set: RuleSet, settings: LocalSettings, findings: list[Finding]) -> Overview:
    index = SubjectIndex.build(dossier)
    subjects = [_subject(index, name, findings) for name in _names(index)]
    caps: list[CapOverview] = []
    if "cap-excellent" in rule_set.rules:
        ctx = RuleContext(dossier, rule_set, settings, index, rule_set.rules["cap-excellent"].params,
                          evaluation_date(dossier.evaluation_date, settings, dossier.documents))
        caps = [CapOverview(g.group, g.counts, g.base, g.base_words, g.ratio, g.cap, len(g.excellent), g.small_unit)
                for g in group_caps(ctx)]
    return Overview(subjects, caps)


def _names(index: SubjectIndex) -> list[str]:
    """Roster order first (a member with no form at all is shown too), then anyone else rated."""
    names = {fold(p.name): p.name for p in index.people}
    for name in index.rated_subjects():
        names.setdefault(fold(name), name)
    return list(names.values())


def _subject(index: SubjectIndex, name: str, findings: list[Finding]) -> SubjectOverview:
    person = index.person(name)
    observations = sorted(index.ratings_of(name) + index.ratings_of(name, civil_servant=True),
                          key=lambda o: (-o.authority, o.ref.document, o.ref.index))
    effective = index.effective(name)
    votes = [t for ref, t in index.tallies
             if ref.definition is not None and ref.definition.kind is FormKind.MINUTES and fold(t.name) == fold(name)]
    positions = [p for p in (person.party_position, person.government_position) if p] if person else []
    key = fold(name)
    return SubjectOverview(
        name=name,
        kind=index.subject_kind(name),
        position=", ".join(positions),
        in_roster=person is not None,
        ratings=[SourceRating(o.label, o.rating, o.evaluator, o.ref.document, o.ref.index,
                              o.location.page if o.location else o.ref.form.page, o.field, o.civil_servant)
                 for o in observations],
        effective=effective.rating if effective else None,
        tally=votes[0] if votes else None,
        findings=[i for i, f in enumerate(findings) if f.subject and fold(index.canonical(f.subject)) == key],
    )
