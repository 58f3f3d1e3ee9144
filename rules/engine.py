"""The rules engine: dossier → findings. Pure: no files, no database, no clock.

Each rule is a small generator registered with `@rule(id, severity)`. It yields `Violation`s
(what is wrong, where, what would be right) or `Skip`s (a fact it needs is missing). The engine
adds what is the same for every rule: the severity, the source the rule set cites, and the list
of rules that were skipped, so no rule can pass silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from domain.model import Document, Dossier, Finding, Severity, SkippedRule
from domain.rule_sets import LocalSettings, RuleConfig, RuleSet
from rules.outcomes import Outcome, Skip
from rules.subjects import SubjectIndex


@dataclass(frozen=True)
class RuleContext:
    dossier: Dossier
    rule_set: RuleSet
    settings: LocalSettings
    index: SubjectIndex
    params: dict[str, Any]
    evaluation_date: dt.date | None


RuleFunction = Callable[[RuleContext], Iterator[Outcome]]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    severity: Severity
    check: RuleFunction


_REGISTRY: dict[str, RuleSpec] = {}


def rule(rule_id: str, severity: Severity) -> Callable[[RuleFunction], RuleFunction]:
    def register(fn: RuleFunction) -> RuleFunction:
        if rule_id in _REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = RuleSpec(rule_id, severity, fn)
        return fn

    return register


def registered_rules() -> dict[str, RuleSpec]:
    import rules.catalog  # noqa: F401  (registers every rule module)

    return dict(_REGISTRY)


@dataclass
class Result:
    findings: list[Finding]
    skipped: list[SkippedRule]


def evaluation_date(given: dt.date | None, settings: LocalSettings, documents: list[Document]) -> dt.date | None:
    """The date rules count months to: given, else set by the superior, else the latest date printed
    on the forms (contract.md)."""
    dates = [f.date for d in documents for f in d.forms if f.date is not None]
    return given or settings.evaluation_date or (max(dates) if dates else None)


def run_rules(dossier: Dossier, rule_set: RuleSet, settings: LocalSettings | None = None) -> Result:
    settings = settings or LocalSettings()
    index = SubjectIndex.build(dossier)
    date = evaluation_date(dossier.evaluation_date, settings, dossier.documents)
    findings: list[Finding] = []
    skipped: list[SkippedRule] = []
    specs = registered_rules()
    for rule_id, config in _active_rules(rule_set, settings).items():
        spec = specs.get(rule_id)
        if spec is None:
            raise ValueError(f"rule set {rule_set.id} names unknown rule {rule_id}")
        ctx = RuleContext(dossier, rule_set, settings, index, config.params, date)
        default_severity = Severity(config.severity) if config.severity else spec.severity
        for outcome in spec.check(ctx):
            if isinstance(outcome, Skip):
                skipped.append(SkippedRule(rule=rule_id, why=outcome.why, subject=outcome.subject))
                continue
            w = outcome.where
            findings.append(
                Finding(
                    rule=rule_id,
                    severity=outcome.severity or default_severity,
                    message=outcome.message,
                    source=config.source,
                    subject=outcome.subject,
                    document=w.document,
                    form=w.form,
                    page=w.page,
                    field=w.field,
                    location=w.location,
                    fix=outcome.fix,
                )
            )
    return Result(findings, _merge_skips(skipped))


def _active_rules(rule_set: RuleSet, settings: LocalSettings) -> dict[str, RuleConfig]:
    """The rule set's rules with the local settings applied (V.16 may be switched on or off)."""
    rules = dict(rule_set.rules)
    if settings.tally_result is False:
        rules.pop("tally-result", None)
    elif settings.tally_result and "tally-result" not in rules:
        rules["tally-result"] = RuleConfig(
            source="Nguyên tắc tổng hợp xếp loại (mục V.16 kế hoạch thực hiện Hướng dẫn 25-HD/BTCTW), "
            "áp dụng theo thiết lập của cấp ủy cấp trên"
        )
    return rules


def _merge_skips(skipped: list[SkippedRule]) -> list[SkippedRule]:
    """One line per rule and reason: a rule skipped for 30 people is said once, naming them."""
    merged: dict[tuple[str, str], list[str]] = {}
    for s in skipped:
        merged.setdefault((s.rule, s.why), [])
        if s.subject:
            merged[(s.rule, s.why)].append(s.subject)
    out = []
    for (rule_id, why), subjects in merged.items():
        if subjects:
            names = ", ".join(subjects[:5]) + (f" và {len(subjects) - 5} người khác" if len(subjects) > 5 else "")
            why = f"{why} ({names})"
        out.append(SkippedRule(rule=rule_id, why=why))
    return out
