"""`--report-dir`: every form of the report, side by side, for a person or the web to pick from.

`report.pdf` (to read and print), `report.html` with its `pages/` and `crops/` pictures (the web
page), `report.json` (the contract's report, for programs) and `summary.xlsx` (the Mẫu 06 summary).
Each file is written under a temporary name and renamed, so a reader never sees half a report.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from reports.content import ReportContent
from reports.excel_summary import summary_xlsx
from reports.html_report import CROPS_DIR, page_file, render_html
from reports.pdf_report import render_pdf

log = logging.getLogger(__name__)


def write_report_dir(directory: Path, content: ReportContent, report: dict[str, Any]) -> list[Path]:
    """Writes the report files; returns their paths (pictures not included)."""
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    for key, png in content.crops.items():
        _write(directory / CROPS_DIR / key, png)
    for page in content.annotated.pages:
        if page.view is not None:
            _write(directory / page_file(page), page.view.jpeg)
    written = [directory / name for name in ("report.json", "report.html", "report.pdf", "summary.xlsx")]
    _write(written[0], json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"))
    _write(written[1], render_html(content).encode("utf-8"))
    _write(written[2], render_pdf(content))
    _write(written[3], summary_xlsx(report))
    log.info("report written", extra={"directory": str(directory), "pages": len(content.annotated.pages),
                                      "seconds": round(time.monotonic() - started, 2)})
    return written


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
