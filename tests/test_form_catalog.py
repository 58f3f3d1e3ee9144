"""The shipped form catalog: every form of the domain spec, well-formed labels, sound definitions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.forms import FormCatalog, FormDefinition, FormKind, catalog
from domain.model import Rating, SubjectKind

# The form ids of the domain spec (domain.md, section "Forms").
EXPECTED_IDS = {
    "2018/mau-01",
    "2018/mau-02",
    "2018/mau-03",
    "2018/mau-04",
    "2018/mau-05",
    "2018/mau-06",
    "2018/phu-luc",
    "2023/mau-1",
    "2023/mau-2a",
    "2023/mau-2b",
    "2023/mau-3",
    "2025/mau-01",
    "2025/mau-2a",
    "2025/mau-2b",
    "2025/mau-2c",
    "2025/mau-03",
    "bien-ban-kiem-phieu",
    "phieu-bieu-quyet",
}

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
CRITERION_ID = re.compile(r"(?P<section>[IVX]+)(?:\.(?P<item>[1-9][0-9]*))?")


def _labels(d: FormDefinition) -> Iterator[tuple[str, str]]:
    """(where, text) for every printed label of a definition, title included."""
    yield "title", d.title
    for alias in d.title_aliases:
        yield "title_aliases", alias
    for f in d.header_fields:
        yield f"header_fields.{f.key}", f.label
    for c in d.criteria:
        yield f"criteria.{c.id}", c.label
    for r in d.rating_fields:
        yield f"rating_fields.{r.key}", r.label
    for i in d.items:
        yield f"items.{i.id}", i.label
    for s in d.summary_columns:
        yield f"summary_columns.{s.key}", s.label


def _is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_catalog_has_exactly_the_forms_of_the_spec() -> None:
    ids = catalog().ids()
    assert len(ids) == len(set(ids)) == 18
    assert set(ids) == EXPECTED_IDS


@pytest.mark.parametrize("definition", list(catalog()), ids=lambda d: d.id)
def test_labels_and_titles_are_nfc_and_not_empty(definition: FormDefinition) -> None:
    for where, text in _labels(definition):
        assert text.strip(), f"{definition.id}: {where} is empty"
        assert text == text.strip(), f"{definition.id}: {where} has surrounding blanks"
        assert _is_nfc(text), f"{definition.id}: {where} is not NFC: {text!r}"
    for where, text in (
        ("code", definition.code),
        ("source", definition.source),
        ("layout_note", definition.layout_note),
    ):
        assert _is_nfc(text), f"{definition.id}: {where} is not NFC"
    assert definition.source.strip(), f"{definition.id}: no source"


@pytest.mark.parametrize("definition", list(catalog()), ids=lambda d: d.id)
def test_rule_set_matches_the_form_id(definition: FormDefinition) -> None:
    if definition.rule_set is None:
        assert "/" not in definition.id
    else:
        assert definition.id.startswith(f"{definition.rule_set}/")


def test_every_analysis_form_has_a_task_criterion() -> None:
    analysis = [d for d in catalog() if d.kind is FormKind.ANALYSIS]
    assert analysis, "the catalog has no analysis sheet"
    for d in analysis:
        assert d.task_criteria, f"{d.id}: no criterion is about the results of assigned tasks"


@pytest.mark.parametrize("definition", [d for d in catalog() if d.criteria], ids=lambda d: d.id)
def test_criterion_ids_are_printed_row_numbers(definition: FormDefinition) -> None:
    for c in definition.criteria:
        m = CRITERION_ID.fullmatch(c.id)
        assert m, f"{definition.id}: {c.id!r} is not a roman section with an optional .number"
        assert m["section"] in ROMAN, f"{definition.id}: {m['section']!r} is not a roman numeral"


def test_self_reviews_with_level_boxes_have_a_task_criterion() -> None:
    for form_id in ("2023/mau-1", "2023/mau-2a", "2023/mau-2b"):
        assert catalog()[form_id].task_criteria, form_id


def test_2025_per_person_forms_are_scored_out_of_100() -> None:
    scored = [d for d in catalog() if d.rule_set == "2025" and d.per_person]
    assert {d.id for d in scored} == {"2025/mau-2a", "2025/mau-2b", "2025/mau-2c"}
    for d in scored:
        assert d.points is not None, f"{d.id}: no points"
        assert (d.points.general_max, d.points.tasks_max, d.points.total_max) == (30, 70, 100)
        assert d.points.general_max + d.points.tasks_max == d.points.total_max
        general = sum(c.max_points or 0 for c in d.criteria if not c.task)
        tasks = sum(c.max_points or 0 for c in d.criteria if c.task)
        assert (general, tasks) == (d.points.general_max, d.points.tasks_max), d.id


def test_2025_forms_belong_to_the_2025_rule_set() -> None:
    for d in catalog():
        if d.id.startswith("2025/"):
            assert d.rule_set == "2025"


def test_letters_2a_and_2b_swapped_meaning_in_2025() -> None:
    forms = catalog()
    without_post_2023 = forms["2023/mau-2a"]
    with_post_2023 = forms["2023/mau-2b"]
    with_post_2025 = forms["2025/mau-2a"]
    without_post_2025 = forms["2025/mau-2b"]

    for d in (without_post_2023, without_post_2025):
        assert d.subject_kind is SubjectKind.DANG_VIEN, d.id
        assert "không giữ chức vụ lãnh đạo, quản lý" in d.title, d.id
    for d in (with_post_2023, with_post_2025):
        assert d.subject_kind is SubjectKind.CAN_BO_LANH_DAO, d.id
        assert "giữ chức vụ lãnh đạo, quản lý" in d.title, d.id
        assert "không giữ" not in d.title, d.id

    assert without_post_2023.subject_kind != with_post_2025.subject_kind
    assert without_post_2023.title != with_post_2025.title


def test_2023_self_reviews_rate_as_civil_servant_and_as_party_member() -> None:
    for form_id in ("2023/mau-2a", "2023/mau-2b"):
        d = catalog()[form_id]
        keys = {r.key for r in d.rating_fields}
        assert {"civil_servant_self", "party_self"} <= keys, form_id
        assert d.primary_rating == "party_self", form_id


def test_collective_report_2018_reads_the_proposed_and_the_superior_rating() -> None:
    d = catalog()["2018/mau-01"]
    assert d.kind is FormKind.COLLECTIVE_REPORT
    assert d.subject_kind is SubjectKind.TAP_THE_LANH_DAO
    assert d.primary_rating == "proposed"
    assert {r.key for r in d.rating_fields} == {"proposed", "superior"}


def test_appendix_lists_every_numbered_sign() -> None:
    d = catalog()["2018/phu-luc"]
    assert d.kind is FormKind.APPENDIX
    assert d.per_person
    assert [i.id for i in d.items] == [str(n) for n in range(1, 83)]
    assert d.title.startswith("NHẬN DIỆN 27 BIỂU HIỆN")


def test_ballot_has_one_box_per_rating() -> None:
    d = catalog()["phieu-bieu-quyet"]
    assert d.kind is FormKind.BALLOT
    assert not d.per_person
    assert [c.key for c in d.summary_columns] == [r.value for r in Rating]
    assert [c.label for c in d.summary_columns] == [r.label for r in Rating]
    assert "no official model" in d.layout_note.lower()


_DUPLICATE = """\
id: test/dup
rule_set: "test"
title: "PHIẾU THỬ"
kind: analysis
per_person: true
source: "test"
criteria:
  - {id: I.1, label: "Tư tưởng chính trị"}
  - {id: I.1, label: "Đạo đức, lối sống", task: true}
"""


def test_duplicate_criterion_id_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(_DUPLICATE, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate criterion ids"):
        FormCatalog.from_directory(tmp_path)


def test_form_defined_twice_is_rejected(tmp_path: Path) -> None:
    text = _DUPLICATE.replace('id: I.1, label: "Đạo', 'id: I.2, label: "Đạo')
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        FormCatalog.from_directory(tmp_path)
