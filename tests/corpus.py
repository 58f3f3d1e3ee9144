"""The development corpus (`KIEMDIEM_CORPUS`, default /work/shared/corpus): files with their truth,
and the one comparison every reader's corpus test makes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from domain.model import Document

CORPUS = Path(os.environ.get("KIEMDIEM_CORPUS", "/work/shared/corpus"))


def corpus_files(variants: set[str]) -> list[tuple[Path, dict[str, Any]]]:
    """Every single file and case file of the given variants (`docx`, `pdf_text`, `scan_pdf`…)."""
    truth: dict[Path, dict[str, Any]] = {}
    for case in sorted(CORPUS.glob("*/cases/*/case_truth.json")):
        for entry in json.loads(case.read_text(encoding="utf-8"))["files"]:
            truth[case.parent / entry["file"]] = entry
    for single in sorted(CORPUS.glob("dev/files/*.truth.json")):
        entry = json.loads(single.read_text(encoding="utf-8"))
        truth[single.parent / entry["file"]] = entry
    return [(path, entry) for path, entry in sorted(truth.items()) if entry.get("variant") in variants]


def tally_tuple(t: Any) -> tuple[Any, ...]:
    return (t.name, {k.value: v for k, v in t.votes.items()}, t.present, t.total, t.result and t.result.value)


def assert_matches_truth(document: Document, truth: dict[str, Any]) -> None:
    """Forms, subjects, levels, ratings, tallies and the extra facts, exactly as the truth says."""
    assert len(document.sha256) == 64
    assert [form.form_id for form in document.forms] == [form["form"] for form in truth["forms"]]
    for got, want in zip(document.forms, truth["forms"], strict=True):
        assert got.page == want["page"]
        assert got.subject.name == want["subject"]["name"]
        assert [(c.id, c.level and c.level.value) for c in got.criteria] == [
            (c["id"], c["level"]) for c in want["criteria"]
        ]
        rating = got.rating.value.value if got.rating and got.rating.value else None
        assert rating == (want.get("rating") or {}).get("value")
        assert [tally_tuple(t) for t in got.tallies] == [
            (t["name"], t["votes"], t["present"], t["total"], t["result"]) for t in want["tallies"]
        ]
        extra = want.get("extra", {})
        if "date" in extra:
            assert got.date is not None and got.date.strftime("%d/%m/%Y") == extra["date"]
        if "evaluator" in extra:
            assert got.evaluator == extra["evaluator"]
        if "ratings" in extra:
            assert {k: v.value and v.value.value for k, v in got.ratings.items()} == extra["ratings"]
        if "ballots" in extra:
            assert got.ballots is not None
            assert [got.ballots.issued, got.ballots.returned, got.ballots.valid] == extra["ballots"]
