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
from typing import Any

from domain.errors import ConfigError
from domain.forms import catalog
from domain.model import Document, Dossier, Finding, Roster, SkippedRule
from domain.rule_sets import LocalSettings, RuleSet, rule_set, rule_set_for_year
from parsers.crops import CropStore
from parsers.triage import read_file
from reports.json_report import build_report
from rules.engine import evaluation_date, run_rules

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    dossier: Dossier
    findings: list[Finding]
    skipped: list[SkippedRule]
    crops: CropStore

    def write_crops(self, directory: Path) -> None:
        """The pictures of doubtful values, under the names the findings cite."""
        directory.mkdir(parents=True, exist_ok=True)
        for key, png in self.crops.images.items():
            (directory / key).write_bytes(png)

    def report(self) -> dict[str, Any]:
        return build_report(self.dossier, self.findings, self.skipped)

    @property
    def readable_documents(self) -> int:
        return sum(1 for d in self.dossier.documents if d.rejected is None)


def read_documents(files: Iterable[Path], crops: CropStore | None = None) -> list[Document]:
    documents: list[Document] = []
    for path in files:
        for doc in read_file(path, crops=crops):
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
) -> CheckResult:
    settings = settings or LocalSettings()
    crops = CropStore()
    documents = read_documents(files, crops)
    date = evaluation_date(date, settings, documents)
    rs = choose_rule_set(rule_set_id, documents, date)
    dossier = Dossier(
        rule_set=rs.id,
        documents=documents,
        roster=roster,
        unit=_unit(documents, roster),
        evaluation_date=date,
        submitted=submitted,
    )
    result = run_rules(dossier, rs, settings)
    return CheckResult(dossier, result.findings, result.skipped, crops)


def _unit(documents: list[Document], roster: Roster | None) -> str | None:
    units = Counter(f.subject.unit for d in documents for f in d.forms if f.subject.unit)
    if units:
        return units.most_common(1)[0][0]
    branches = Counter(p.branch for p in (roster.people if roster else []) if p.branch)
    return branches.most_common(1)[0][0] if branches else None
