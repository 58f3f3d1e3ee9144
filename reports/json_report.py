"""The report JSON of `contract.md` (`schema: kiemdiem.report/1`). Field names there are a
contract with outside checks: add fields, never rename."""

from __future__ import annotations

from typing import Any

from domain.model import Correction, Document, Dossier, ExtractedForm, Finding, SkippedRule, Tally
from rules.overview import CapOverview, Overview, SubjectOverview

SCHEMA = "kiemdiem.report/1"


def _tally(t: Tally) -> dict[str, Any]:
    return {
        "name": t.name,
        "votes": {r.value: n for r, n in t.votes.items()},
        "present": t.present,
        "total": t.total,
        "result": t.result.value if t.result else None,
        "percent": t.percent,
        "confidence": t.confidence,
        "raw": t.raw,
    }


def _form(f: ExtractedForm) -> dict[str, Any]:
    out: dict[str, Any] = {
        "form": f.form_id,
        "page": f.page,
        "subject": {"name": f.subject.name, "unit": f.subject.unit},
        "evaluator": f.evaluator,
        "date": f.date.strftime("%d/%m/%Y") if f.date else None,
        "criteria": [
            {"id": c.id, "level": c.level.value if c.level else None, "confidence": c.confidence,
             "marked": [m.value for m in c.marked]}
            for c in f.criteria
        ],
        "rating": {"value": f.rating.value.value if f.rating and f.rating.value else None,
                   "confidence": f.rating.confidence if f.rating else 0.0},
        "ratings": {k: (v.value.value if v.value else None) for k, v in f.ratings.items()},
        "tallies": [_tally(t) for t in f.tallies],
    }
    if f.points is not None:
        out["points"] = {"general": f.points.general, "tasks": f.points.tasks, "total": f.points.total}
    if f.summary_rows:
        out["rows"] = [
            {"name": r.name, "ratings": {k: (v.value.value if v.value else None) for k, v in r.ratings.items()}}
            for r in f.summary_rows
        ]
    if f.degradation_marked:
        out["degradation_marked"] = list(f.degradation_marked)
    return out


def _document(d: Document) -> dict[str, Any]:
    return {
        "file": d.file,
        "sha256": d.sha256,
        "kind": d.kind.value,
        "pages": d.pages,
        "rejected": d.rejected,
        "forms": [_form(f) for f in d.forms],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "source": f.source,
        "fix": f.fix,
        "subject": f.subject,
        "document": f.document,
        "form": f.form,
        "page": f.page,
        "field": f.field,
        "box": list(f.location.box) if f.location and f.location.box else None,
        "crop": f.location.crop if f.location else None,
    }


def _subject(s: SubjectOverview) -> dict[str, Any]:
    return {
        "name": s.name,
        "kind": s.kind.value,
        "position": s.position,
        "in_roster": s.in_roster,
        "ratings": [
            {"label": r.label, "evaluator": r.evaluator, "civil_servant": r.civil_servant, "rating": r.rating.value,
             "document": r.document, "form": r.form, "page": r.page, "field": r.field}
            for r in s.ratings
        ],
        "effective": s.effective.value if s.effective else None,
        "vote": _tally(s.tally) if s.tally else None,
        "findings": list(s.findings),
    }


def _cap(c: CapOverview) -> dict[str, Any]:
    return {
        "group": c.group,
        "counts": {r.value: n for r, n in c.counts.items()},
        "base": c.base,
        "base_words": c.base_words,
        "ratio": c.ratio,
        "cap": c.cap,
        "excellent": c.excellent,
        "over": c.over,
        "small_unit": c.small_unit,
    }


def _correction(c: Correction) -> dict[str, Any]:
    return {"document": c.document, "form": c.form, "field": c.field, "old": c.old, "new": c.new,
            "by": c.by, "at": c.at.isoformat(), "note": c.note}


def build_report(
    dossier: Dossier, findings: list[Finding], skipped: list[SkippedRule], overview: Overview | None = None
) -> dict[str, Any]:
    """`people` and `caps` come from the overview when one is given (the pipeline always gives it)."""
    return {
        "schema": SCHEMA,
        "rule_set": dossier.rule_set,
        "unit": dossier.unit,
        "evaluation_date": dossier.evaluation_date.strftime("%d/%m/%Y") if dossier.evaluation_date else None,
        "documents": [_document(d) for d in dossier.documents],
        "findings": [_finding(f) for f in findings],
        "skipped_rules": [{"rule": s.rule, "why": s.why} for s in skipped],
        "roster_issues": [i.model_dump() for i in (dossier.roster.issues if dossier.roster else [])],
        "people": [_subject(s) for s in overview.subjects] if overview else [],
        "caps": [_cap(c) for c in overview.caps] if overview else [],
        "corrections": [_correction(c) for c in dossier.corrections],
    }
