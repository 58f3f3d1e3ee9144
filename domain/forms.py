"""Form definitions: what each official form prints and what the product reads from it.

Definitions are data (`templates/forms/**/*.yaml`), validated here, so that adding a year's
forms means adding files, not code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.model import SubjectKind
from domain.yaml_files import load_yaml


class FormKind(StrEnum):
    COLLECTIVE_REPORT = "collective_report"  # Báo cáo kiểm điểm tập thể
    SELF_REVIEW = "self_review"  # Bản kiểm điểm cá nhân
    ANALYSIS = "analysis"  # Phiếu phân tích chất lượng (criterion grid)
    SUMMARY = "summary"  # Mẫu 06: tổng hợp đề xuất
    APPENDIX = "appendix"  # self-check of the signs of degradation
    RE_RATING = "re_rating"  # cancel and re-rate
    DOCUMENT_LIST = "document_list"
    SELF_ASSESSMENT = "self_assessment"
    MINUTES = "minutes"  # Biên bản kiểm phiếu
    BALLOT = "ballot"  # Phiếu đánh giá (secret ballot)


class _Def(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CriterionDef(_Def):
    id: str = Field(description="row number as printed: I.1, II.2, III")
    label: str = Field(description="label exactly as printed")
    task: bool = Field(default=False, description="about the results of assigned tasks (strict group)")
    max_points: float | None = Field(default=None, description="2025 scale: the most this row can score")


class FieldDef(_Def):
    key: str
    label: str = Field(description="the printed label that precedes the value")
    required: bool = False


class RatingFieldDef(_Def):
    key: str
    label: str
    evaluator: str = Field(default="", description="who gives this rating (self, manager, branch, committee…)")


class ItemDef(_Def):
    """A numbered item of the degradation appendix, marked Có / Không."""

    id: str
    label: str


class SectionDef(_Def):
    """A printed part of a prose form (Mẫu 01, 02): heading, printed guidance and room to write."""

    heading: str
    text: str = ""
    lines: int = Field(default=2, description="dotted lines left for handwriting")
    new_page: bool = Field(default=False, description="starts a new printed page (pagination is part of the layout)")


class PointsDef(_Def):
    general_max: float
    tasks_max: float
    total_max: float = 100


class FormDefinition(_Def):
    id: str
    rule_set: str | None = Field(description="rule-set family the form belongs to; None for shared forms")
    code: str = Field(default="", description="the code printed above the title, e.g. 'Mẫu 05-HD KĐ.ĐG 2018'")
    title: str = Field(description="printed title, lines joined by one space")
    title_aliases: list[str] = Field(default_factory=list, description="other printed titles of the same form")
    kind: FormKind
    subject_kind: SubjectKind | None = None
    per_person: bool = Field(description="one form per person (individual) or one per unit")
    source: str = Field(description="where the layout comes from: seed and section")
    layout_note: str = Field(default="", description="said when the layout is not the official text")
    version: int = 1
    header_fields: list[FieldDef] = Field(default_factory=list)
    criteria: list[CriterionDef] = Field(default_factory=list)
    rating_fields: list[RatingFieldDef] = Field(default_factory=list)
    primary_rating: str | None = Field(default=None, description="key of the rating the form proposes")
    points: PointsDef | None = None
    items: list[ItemDef] = Field(default_factory=list)
    summary_columns: list[RatingFieldDef] = Field(default_factory=list)
    groups: dict[str, str] = Field(
        default_factory=dict, description="criterion-grid group rows as printed (I → 'Về chính trị tư tưởng…'), no boxes"
    )
    sections: list[SectionDef] = Field(default_factory=list, description="prose parts printed before the rated part")

    @model_validator(mode="after")
    def _check(self) -> FormDefinition:
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate criterion ids")
        keys = {r.key for r in self.rating_fields}
        if self.primary_rating is not None and self.primary_rating not in keys:
            raise ValueError(f"{self.id}: primary_rating {self.primary_rating!r} is not a rating field")
        return self

    @property
    def task_criteria(self) -> list[str]:
        return [c.id for c in self.criteria if c.task]

    def criterion(self, criterion_id: str) -> CriterionDef | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


class FormCatalog:
    """All form definitions, in a stable order (rule-set family, then id)."""

    def __init__(self, definitions: Iterable[FormDefinition]) -> None:
        self._by_id: dict[str, FormDefinition] = {}
        for d in definitions:
            if d.id in self._by_id:
                raise ValueError(f"form {d.id} is defined twice")
            self._by_id[d.id] = d

    def __iter__(self) -> Iterator[FormDefinition]:
        return iter(sorted(self._by_id.values(), key=lambda d: (d.rule_set or "9999", d.id)))

    def ids(self) -> list[str]:
        return [d.id for d in self]

    def get(self, form_id: str) -> FormDefinition | None:
        return self._by_id.get(form_id)

    def __getitem__(self, form_id: str) -> FormDefinition:
        return self._by_id[form_id]

    @classmethod
    def from_directory(cls, root: Path) -> FormCatalog:
        defs = []
        for path in sorted(root.rglob("*.yaml")):
            data = load_yaml(path)
            try:
                defs.append(FormDefinition.model_validate(data))
            except ValueError as e:
                raise ValueError(f"{path}: {e}") from e
        return cls(defs)


def forms_directory() -> Path:
    return Path(str(resources.files("templates") / "forms"))


@cache
def catalog() -> FormCatalog:
    """The catalog shipped with the product."""
    return FormCatalog.from_directory(forms_directory())
