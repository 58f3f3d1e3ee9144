"""The product's YAML data files read with libyaml's parser give what PyYAML's safe loader gives."""

from __future__ import annotations

from pathlib import Path

import yaml

from domain import yaml_files
from domain.forms import forms_directory
from domain.rule_sets import rule_sets_directory


def test_the_c_parser_reads_when_pyyaml_has_it() -> None:
    assert yaml_files._LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_every_shipped_data_file_reads_as_the_safe_loader_reads_it() -> None:
    paths = [*forms_directory().rglob("*.yaml"), *rule_sets_directory().rglob("*.yaml")]
    assert len(paths) >= 10
    for path in paths:
        assert yaml_files.load_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_dates_and_vietnamese_text_come_back_as_python_values(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "x.yaml"
    path.write_text("ngày: 2019-12-15\ntên: Mẫu 05\nmức: [xuat_sac, tot]\n", encoding="utf-8")
    assert yaml_files.load_yaml(path) == {"ngày": dt.date(2019, 12, 15), "tên": "Mẫu 05", "mức": ["xuat_sac", "tot"]}
