"""Rule sets and local settings as data.

A rule set (`rules/sets/<id>.yaml`) says which rules apply in a year, with their parameters and
the source each cites. A superior committee's local settings (deadline, cap groups, the 2025 cap
exception) come from a separate file, so nothing about a year is an `if` in the code.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import ConfigError
from domain.yaml_files import load_yaml


class RuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(description="the citation shown with every finding of this rule")
    severity: str | None = Field(default=None, description="override of the rule's own severity")
    params: dict[str, Any] = Field(default_factory=dict)


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    years: tuple[int, int] = Field(description="first and last evaluation year the set governs")
    form_family: str = Field(description="rule-set family of the forms this set uses")
    scheme: str = Field(description="'criteria' (per-criterion grid) or 'points' (2025 scale)")
    sources: dict[str, str] = Field(description="short keys used in citations → full document names")
    probation_months: int = 12
    min_months_rateable: int = 6
    rules: dict[str, RuleConfig]

    def applies(self, rule_id: str) -> bool:
        return rule_id in self.rules

    def config(self, rule_id: str) -> RuleConfig:
        return self.rules[rule_id]


class LocalSettings(BaseModel):
    """What a superior committee may add for its units (a JSON or YAML file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline: dt.date | None = None
    cap_exception: bool = Field(default=False, description="2025: the authority allows up to 25%")
    cap_groups: dict[str, list[str]] = Field(
        default_factory=dict, description="cap group name → member names; default one group per kind"
    )
    cap_base: str | None = Field(default=None, description="override: 'httnv' or 'httnv_or_above'")
    tally_result: bool | None = Field(default=None, description="apply V.16 outside 2023")
    evaluation_date: dt.date | None = None


def rule_sets_directory() -> Path:
    return Path(str(resources.files("rules") / "sets"))


def _load_yaml(path: Path) -> Any:
    try:
        return load_yaml(path)
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"Không đọc được tệp cấu hình {path.name}.", detail=str(e)) from e


def _raw_rule_set(rule_set_id: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The rule set's data with `extends` resolved: a child overrides its parent key by key, and
    `rule: null` removes a parent's rule, so a later year states only what changed."""
    path = rule_sets_directory() / f"{rule_set_id}.yaml"
    if not path.exists() or rule_set_id in seen:
        known = ", ".join(available_rule_sets())
        raise ConfigError(f"Không có bộ quy định «{rule_set_id}». Các bộ có sẵn: {known}.")
    data = _load_yaml(path)
    parent_id = data.pop("extends", None)
    if parent_id is None:
        return dict(data)
    merged = _raw_rule_set(str(parent_id), (*seen, rule_set_id))
    rules = {**merged.get("rules", {}), **data.pop("rules", {})}
    merged.update(data)
    merged["rules"] = {k: v for k, v in rules.items() if v is not None}
    return merged


@cache
def rule_set(rule_set_id: str) -> RuleSet:
    try:
        return RuleSet.model_validate(_raw_rule_set(rule_set_id))
    except ValidationError as e:
        raise ConfigError(f"Bộ quy định «{rule_set_id}» không hợp lệ.", detail=str(e)) from e


def available_rule_sets() -> list[str]:
    return sorted(p.stem for p in rule_sets_directory().glob("*.yaml"))


def rule_set_for_year(year: int) -> RuleSet | None:
    for rs_id in available_rule_sets():
        rs = rule_set(rs_id)
        if rs.years[0] <= year <= rs.years[1]:
            return rs
    return None


def load_local_settings(path: Path) -> LocalSettings:
    try:
        return LocalSettings.model_validate(_load_yaml(path) or {})
    except ValidationError as e:
        raise ConfigError(f"Tệp thiết lập riêng {path.name} không hợp lệ.", detail=str(e)) from e
