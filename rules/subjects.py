"""The dossier seen per subject: which roster row a name is, which forms concern it, and every
rating any evaluator gave it, with where that rating is written.

Rules about a person compare facts (roster) with ratings (forms); gathering the ratings once
here keeps each rule a few lines and makes every rule point at the same places.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from domain.forms import FormDefinition, FormKind, catalog
from domain.model import Dossier, ExtractedForm, Location, Person, Rating, SubjectKind, Tally
from domain.text import clean, fold
from rules.outcomes import Where

DEFAULT_CONFIDENCE = 0.9  # a value read with less is sent to review and is no evidence for other rules

# How final a rating is: the vote of the branch outranks a committee's proposal, which outranks
# the subject's own proposal. The "effective" rating of a subject is the most final one found.
AUTHORITY = {
    "vote": 60,
    "superior": 55,
    "committee": 50,
    "branch": 45,
    "evaluator": 30,
    "mass_org": 20,
    "self": 10,
}
CIVIL_SERVANT_KEYS = {"civil_servant_self", "manager", "civil_servant"}


@dataclass(frozen=True)
class FormRef:
    document: int
    index: int
    form: ExtractedForm
    definition: FormDefinition | None

    @property
    def code(self) -> str:
        d = self.definition
        return (d.code or d.title) if d else self.form.form_id

    def where(self, field: str | None = None, location: Location | None = None) -> Where:
        loc = location or self.form.location
        return Where(self.document, self.index, loc.page if loc else self.form.page, field, loc)


@dataclass(frozen=True)
class Observation:
    """One rating given to a subject, and where it is written."""

    subject: str
    rating: Rating
    evaluator: str
    label: str
    ref: FormRef
    field: str
    civil_servant: bool = False
    location: Location | None = None

    @property
    def authority(self) -> int:
        return AUTHORITY.get(self.evaluator, 0)

    @property
    def where(self) -> Where:
        return self.ref.where(self.field, self.location)

    def describe(self) -> str:
        return f"{self.label}: {self.rating.abbreviation}"


@dataclass
class SubjectIndex:
    dossier: Dossier
    people: list[Person]
    forms: list[FormRef]
    observations: dict[str, list[Observation]] = field(default_factory=lambda: defaultdict(list))
    tallies: list[tuple[FormRef, Tally]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, dossier: Dossier) -> SubjectIndex:
        cat = catalog()
        forms = [
            FormRef(di, fi, f, cat.get(f.form_id))
            for di, d in enumerate(dossier.documents)
            for fi, f in enumerate(d.forms)
        ]
        index = cls(dossier, list(dossier.roster.people) if dossier.roster else [], forms)
        for ref in forms:
            index._collect(ref)
        return index

    # ------------------------------------------------------------------ names
    def person(self, name: str | None) -> Person | None:
        """The roster row of a name: exact up to case and spacing, else the one row that matches
        without diacritics (typed names often lose them)."""
        if not name:
            return None
        key = clean(name).casefold()
        exact = [p for p in self.people if clean(p.name).casefold() == key]
        if exact:
            return exact[0]
        loose = [p for p in self.people if fold(p.name) == fold(name)]
        return loose[0] if len(loose) == 1 else None

    def canonical(self, name: str) -> str:
        p = self.person(name)
        return p.name if p else clean(name)

    # ------------------------------------------------------------------ gathering
    def _add(self, name: str | None, obs_rating: Rating | None, confidence: float, **kw: Any) -> None:
        """A rating some form gives; a doubtful one (a reader's suggestion under review) is no
        evidence for the cross-document checks: it has its own `unreadable` finding."""
        if not name or obs_rating is None or confidence < DEFAULT_CONFIDENCE:
            return
        subject = self.canonical(name)
        self.observations[fold(subject)].append(Observation(subject=subject, rating=obs_rating, **kw))

    def _collect(self, ref: FormRef) -> None:
        form, definition = ref.form, ref.definition
        labels = {r.key: r for r in definition.rating_fields} if definition else {}
        ratings = dict(form.ratings)
        if not ratings and form.rating is not None and definition and definition.primary_rating:
            ratings[definition.primary_rating] = form.rating
        for key, value in ratings.items():
            rf = labels.get(key)
            evaluator = rf.evaluator if rf and rf.evaluator else "self"
            if evaluator == "evaluator":
                evaluator = "self" if _is_self(form.evaluator) else "evaluator"
            self._add(
                form.subject.name,
                value.value,
                value.confidence,
                evaluator=evaluator,
                label=f"{ref.code} – {rf.label if rf else key}",
                ref=ref,
                field=f"ratings.{key}",
                civil_servant=key in CIVIL_SERVANT_KEYS,
                location=value.location,
            )
        columns = {c.key: c for c in definition.summary_columns} if definition else {}
        ballot = definition is not None and definition.kind is FormKind.BALLOT
        for row in [] if ballot else form.summary_rows:  # a ballot is one vote, counted as a tally
            for key, value in row.ratings.items():
                col = columns.get(key)
                self._add(
                    row.name,
                    value.value,
                    value.confidence,
                    evaluator=col.evaluator if col else key,
                    label=f"{ref.code} – {col.label if col else key}",
                    ref=ref,
                    field=f"summary[{row.name}].{key}",
                    civil_servant=key in CIVIL_SERVANT_KEYS,
                    location=value.location or row.location,
                )
        for tally in form.tallies:
            self.tallies.append((ref, tally))
            if definition is not None and definition.kind is FormKind.MINUTES:
                self._add(tally.name, tally.result, tally.confidence, evaluator="vote", label=f"{ref.code} – Kết quả",
                          ref=ref, field=f"tallies[{tally.name}]", location=tally.location)

    # ------------------------------------------------------------------ queries
    def ratings_of(self, name: str, *, civil_servant: bool = False) -> list[Observation]:
        return [o for o in self.observations.get(fold(self.canonical(name)), []) if o.civil_servant == civil_servant]

    def effective(self, name: str) -> Observation | None:
        """The most final party rating of a subject (the vote, else the committee's, … else its own)."""
        obs = self.ratings_of(name)
        return max(obs, key=lambda o: o.authority) if obs else None

    def rated_subjects(self) -> list[str]:
        """Every subject some form rates (as a party member, organization or collective)."""
        seen: dict[str, str] = {}
        for obs_list in self.observations.values():
            for o in obs_list:
                if not o.civil_servant:
                    seen.setdefault(fold(o.subject), o.subject)
        return list(seen.values())

    def forms_about(self, name: str) -> list[FormRef]:
        key = fold(self.canonical(name))
        return [r for r in self.forms if r.form.subject.name and fold(self.canonical(r.form.subject.name)) == key]

    def forms_with_criteria(self) -> list[FormRef]:
        """Forms whose definition prints a grid of levels (analysis sheets, 2023 self-reviews)."""
        return [r for r in self.forms if r.definition is not None and r.definition.criteria and r.form.criteria]

    def forms_of_kind(self, *kinds: FormKind) -> list[FormRef]:
        return [r for r in self.forms if r.definition is not None and r.definition.kind in kinds]

    def members(self) -> list[Person]:
        return [p for p in self.people if p.kind is SubjectKind.DANG_VIEN]

    def subject_kind(self, name: str) -> SubjectKind:
        p = self.person(name)
        if p is not None:
            return p.kind
        for ref in self.forms_about(name):
            if ref.definition and ref.definition.subject_kind:
                return ref.definition.subject_kind
        return SubjectKind.DANG_VIEN


def _is_self(evaluator: str | None) -> bool:
    """Mẫu 03–05 name their evaluator; 'Đảng viên tự đánh giá' and the like are the subject itself."""
    return evaluator is not None and " tu " in f" {fold(evaluator)} "
