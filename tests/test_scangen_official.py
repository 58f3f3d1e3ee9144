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
from samples.scangen import marks
from samples.scangen.official import (
    LEVELS,
    Source,
    _raster,
    _wipe,
    generate_official,
    level_rows,
    make_document,
    printed,
)
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


def test_a_typed_mark_is_wiped_inside_its_cell_and_the_ruling_lines_stay(tmp_path: Path) -> None:
    """A glyph's box runs past a tight row's rulings; the wipe must not cut them (a broken ruling
    is the generator's doing, not the clerk's)."""
    pdf = printed(_corpus(tmp_path, _levels()) / "mau-05.docx", tmp_path / "cache")
    rows = [row for row in level_rows(pdf) if row.page == 0]
    page = next(_raster(pdf))
    wiped = page.copy()
    inside = np.zeros(page.shape[:2], dtype=bool)
    px = marks.PX_PER_MM
    for row in rows:
        for glyph in row.glyphs:
            _wipe(wiped, glyph, row.cells[row.marked])
        x, y, w, h = row.cells[row.marked]
        inside[int((y + 0.4) * px) : int((y + h - 0.4) * px), int((x + 0.4) * px) : int((x + w - 0.4) * px)] = True
    changed = np.any(wiped != page, axis=2)
    assert rows and changed.any()
    assert not (changed & ~inside).any()
    glyphs = np.zeros(page.shape[:2], dtype=bool)
    for row in rows:
        for gx, gy, gw, gh in row.glyphs:
            glyphs[int(gy * px) : int((gy + gh) * px), int(gx * px) : int((gx + gw) * px)] = True
    assert wiped[glyphs & inside].min() > 200  # nothing of the typed marks is left in their cells
