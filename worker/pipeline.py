"""The check pipeline, top to bottom: files → documents → dossier → rules → report.

The CLI runs it in-process; the background worker will run the same function, so what a clerk
sees on the web and what `kiemdiem check` prints never differ.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.errors import ConfigError
from domain.forms import catalog
from domain.model import Document, Dossier, Finding, Roster, SkippedRule
from domain.rule_sets import LocalSettings, RuleSet, rule_set, rule_set_for_year
from parsers.pictures import Pictures
from parsers.triage import read_file
from reports.json_report import build_report
from rules.engine import evaluation_date, run_rules
from rules.overview import Overview, build_overview
from worker.corrections import CorrectionRequest, apply_corrections

if TYPE_CHECKING:
    from reports.content import ReportContent

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    dossier: Dossier
    findings: list[Finding]
    skipped: list[SkippedRule]
    pictures: Pictures
    overview: Overview

    def report(self) -> dict[str, Any]:
        return build_report(self.dossier, self.findings, self.skipped, self.overview)

    def content(self, generated: dt.datetime | None = None) -> ReportContent:
        """What the PDF and HTML reports show (lays out the Word files: takes LibreOffice's time).
        Loaded here, like the writers below: a `check --json` shows none of it."""
        from reports.content import report_content

        return report_content(self.dossier, self.findings, self.skipped, self.overview, self.pictures,
                              generated or dt.datetime.now().astimezone())

    def write_report(self, directory: Path, report: dict[str, Any] | None = None) -> list[Path]:
        """report.pdf, report.html (with its pictures), report.json and summary.xlsx in `directory`;
        `report` is this result's `report()` when the caller has it already. The report writers
        (openpyxl, the PDF and HTML renderers) load only here: a `check --json` needs none of
        them, and importing them was a third of a Word file's check."""
        from reports.report_dir import write_report_dir

        return write_report_dir(directory, self.content(), report or self.report())

    @property
    def readable_documents(self) -> int:
        return sum(1 for d in self.dossier.documents if d.rejected is None)


def read_documents(files: Iterable[Path], pictures: Pictures | None = None) -> list[Document]:
    documents: list[Document] = []
    for path in files:
        for doc in read_file(path, pictures=pictures):
            log.info("document read", extra={"file": doc.file, "forms": len(doc.forms), "rejected": bool(doc.rejected)})
            documents.append(doc)
    return documents


def choose_rule_set(requested: str | None, documents: list[Document], date: dt.date | None) -> RuleSet:
    """The named set; else the set governing the evaluation year; else the family most forms use;
    else the set in force today."""
    if requested:
        return rule_set(requested)
    if date is not None and (by_year := rule_set_for_year(date.year)) is not None:
        return by_year
    families = Counter(
        d.rule_set for doc in documents for f in doc.forms if (d := catalog().get(f.form_id)) and d.rule_set
    )
    if families:
        return rule_set(families.most_common(1)[0][0])
    current = rule_set_for_year(dt.date.today().year)  # nothing to go by: the set in force today
    if current is None:
        raise ConfigError("Không xác định được bộ quy định: hãy chọn --rule-set 2018, 2019, 2023 hoặc 2025.")
    return current


def check(
    files: Iterable[Path],
    *,
    roster: Roster | None = None,
    rule_set_id: str | None = None,
    settings: LocalSettings | None = None,
    date: dt.date | None = None,
    submitted: dt.date | None = None,
    corrections: list[CorrectionRequest] | None = None,
) -> CheckResult:
    settings = settings or LocalSettings()
    pictures = Pictures()
    documents = read_documents(files, pictures)
    corrected = apply_corrections(documents, corrections or [], dt.datetime.now().astimezone())
    date = evaluation_date(date, settings, documents)
    rs = choose_rule_set(rule_set_id, documents, date)
    dossier = Dossier(
        rule_set=rs.id,
        documents=documents,
        roster=roster,
        unit=_unit(documents, roster),
        evaluation_date=date,
        submitted=submitted,
        corrections=corrected,
    )
    result = run_rules(dossier, rs, settings)
    overview = build_overview(dossier, rs, settings, result.findings)
    return CheckResult(dossier, result.findings, result.skipped, pictures, overview)


def _unit(documents: list[Document], roster: Roster | None) -> str | None:
    units = Counter(f.subject.unit for d in documents for f in d.forms if f.subject.unit)
    if units:
        return units.most_common(1)[0][0]
    branches = Counter(p.branch for p in (roster.people if roster else []) if p.branch)
    return branches.most_common(1)[0][0] if branches else None
