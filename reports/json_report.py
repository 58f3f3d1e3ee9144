"""The report JSON of `contract.md` (`schema: kiemdiem.report/1`). Field names there are a
contract with outside checks: add fields, never rename."""

from __future__ import annotations

from typing import Any

from domain.model import Document, Dossier, ExtractedForm, Finding, SkippedRule, Tally

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


def build_report(dossier: Dossier, findings: list[Finding], skipped: list[SkippedRule]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "rule_set": dossier.rule_set,
        "unit": dossier.unit,
        "evaluation_date": dossier.evaluation_date.strftime("%d/%m/%Y") if dossier.evaluation_date else None,
        "documents": [_document(d) for d in dossier.documents],
        "findings": [_finding(f) for f in findings],
        "skipped_rules": [{"rule": s.rule, "why": s.why} for s in skipped],
        "roster_issues": [i.model_dump() for i in (dossier.roster.issues if dossier.roster else [])],
    }
