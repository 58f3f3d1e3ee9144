"""The official-layout scan generator (samples.scangen.official) on a Word form built here: the
typed marks it finds are the ones written, each row is marked again by hand where its truth says,
and a form whose truth does not match its marks is left out rather than given a wrong truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from domain.forms import catalog
from domain.model import Level
from samples.scangen.official import LEVELS, Source, generate_official, level_rows, make_document, printed
from tests import docx_factory as f

MAU_05 = "2018/mau-05"
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


def _levels() -> dict[str, Level]:
    ids = [c.id for c in catalog()[MAU_05].criteria]
    return {cid: list(Level)[k % 4] for k, cid in enumerate(ids)}


def _corpus(tmp: Path, levels: dict[str, Level]) -> Path:
    corpus = tmp / "corpus"
    corpus.mkdir()
    marks = {cid: [(level, f.text("X"))] for cid, level in levels.items()}
    f.save(f.analysis_form(catalog()[MAU_05], marks), corpus / "mau-05.docx")
    truth: dict[str, Any] = {"file": "mau-05.docx", "variant": "docx", "kind": "docx", "pages": 1, "forms": [
        {"form": MAU_05, "page": 1, "criteria": [{"id": cid, "level": level.value} for cid, level in levels.items()],
         "rating": {"value": "httnv"}}]}
    (corpus / "mau-05.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return corpus


def test_the_typed_marks_are_found_in_their_rows_level_cells(tmp_path: Path) -> None:
    levels = _levels()
    corpus = _corpus(tmp_path, levels)
    rows = level_rows(printed(corpus / "mau-05.docx", tmp_path / "cache"))
    assert [LEVELS[row.marked] for row in rows] == [level.value for level in levels.values()]
    assert all(len(row.cells) == 4 for row in rows)
    for row in rows:  # cells left to right, side by side, on one band
        xs = [x for x, _, _, _ in row.cells]
        assert xs == sorted(xs) and len({round(y, 1) for _, y, _, _ in row.cells}) == 1


def test_each_document_is_marked_by_hand_and_its_truth_follows(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _levels())
    written = generate_official([corpus], 2, tmp_path / "out", seed=5, cache=tmp_path / "cache")
    assert len(written) == 2
    drawn = []
    for path in written:
        truth = json.loads(path.read_text(encoding="utf-8"))
        assert (path.parent / truth["file"]).is_file() and truth["variant"].startswith("scan_")
        criteria = truth["forms"][0]["criteria"]
        assert {c["level"] for c in criteria} <= set(LEVELS)
        assert set(truth["render"]["marks"]) == {c["id"] for c in criteria}
        drawn.append([c["level"] for c in criteria])
    assert drawn[0] != drawn[1]  # levels drawn anew, not copied from the Word file


def test_a_form_whose_marks_do_not_match_its_truth_is_left_out(tmp_path: Path) -> None:
    levels = _levels()
    corpus = _corpus(tmp_path, levels)
    truth = json.loads((corpus / "mau-05.truth.json").read_text(encoding="utf-8"))
    first = truth["forms"][0]["criteria"][0]
    first["level"] = next(v for v in LEVELS if v != first["level"])
    made = make_document(Source(corpus / "mau-05.docx", truth), np.random.default_rng(0), tmp_path / "cache")
    assert made is None
