"""What a rule yields: a violation pointing at a place in the dossier, or a reason it was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from domain.model import Location, Severity


@dataclass(frozen=True)
class Where:
    """The place a finding points at: a document/form of the dossier and a field in it."""

    document: int | None = None
    form: int | None = None
    page: int | None = None
    field: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class Violation:
    message: str
    subject: str | None = None
    where: Where = field(default_factory=Where)
    fix: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class Skip:
    why: str
    subject: str | None = None


Outcome: TypeAlias = Violation | Skip
