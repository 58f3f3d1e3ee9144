"""Everything the PDF and the HTML report show, gathered once so the two cannot differ."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from domain.model import Correction, Dossier, Finding, Severity, SkippedRule
from domain.rule_sets import rule_set
from parsers.pictures import Pictures
from reports.annotate import Annotated, annotate
from reports.word_pages import lay_out
from rules.overview import CapOverview, Overview


@dataclass(frozen=True)
class ReportContent:
    dossier: Dossier
    findings: list[Finding]
    skipped: list[SkippedRule]
    overview: Overview
    annotated: Annotated
    crops: dict[str, bytes]
    rule_set_name: str
    generated: dt.datetime

    @property
    def counts(self) -> dict[Severity, int]:
        found = Counter(f.severity for f in self.findings)
        return {s: found.get(s, 0) for s in Severity}

    @property
    def title(self) -> str:
        return "Báo cáo kiểm tra hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng"

    @property
    def labels(self) -> dict[int, str]:
        """The callout number of each finding, by its index in `findings`."""
        by_identity = {id(c.finding): c.label for c in self.annotated.callouts() if c.finding is not None}
        return {i: by_identity.get(id(f), "?") for i, f in enumerate(self.findings)}

    @property
    def corrections(self) -> list[tuple[str, Correction]]:
        return [(f"S{k}", c) for k, c in enumerate(self.dossier.corrections, start=1)]


def cap_words(cap: CapOverview) -> str:
    verdict = ("VƯỢT tỷ lệ cho phép" if cap.over else
               "áp dụng ngoại lệ đơn vị nhỏ" if cap.small_unit and cap.excellent > cap.cap else "trong tỷ lệ cho phép")
    return (f"Nhóm {cap.group}: {cap.excellent} người HTXSNV; tối đa {cap.cap} = {cap.ratio:.0%} của {cap.base} "
            f"người xếp loại {cap.base_words} (làm tròn xuống) — {verdict}.")


def report_content(dossier: Dossier, findings: list[Finding], skipped: list[SkippedRule], overview: Overview,
                   pictures: Pictures, generated: dt.datetime) -> ReportContent:
    """Lays out the dossier's Word files (LibreOffice) and places every finding on its page."""
    annotated = annotate(dossier, findings, pictures, lay_out(pictures.word_files))
    return ReportContent(dossier, findings, skipped, overview, annotated, dict(pictures.crops),
                         rule_set(dossier.rule_set).name, generated)
