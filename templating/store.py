"""Where the shipped templates and layouts live, and loading them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from domain.errors import ConfigError


def _root() -> Path:
    return Path(str(resources.files("templates")))


def slug(form_id: str) -> str:
    return form_id.replace("/", "-")


def template_path(form_id: str) -> Path:
    return _root() / "docx" / f"{slug(form_id)}.docx"


def layout_path(form_id: str) -> Path:
    return _root() / "layouts" / f"{slug(form_id)}.json"


@cache
def load_layout(form_id: str) -> dict[str, Any]:
    """The measured box layout of a form (see templating.box_layout)."""
    path = layout_path(form_id)
    if not path.is_file():
        raise ConfigError(f"Chưa có bố cục ô cho mẫu {form_id}.", detail=f"missing {path}; run python -m templating.build")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
