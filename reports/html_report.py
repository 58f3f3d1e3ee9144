"""The annotated corrections report as one HTML page, for the web and the body of the e-mail.

The same content as the PDF (`reports.content`), drawn with a Jinja2 template whose autoescape is
on: a name like `<script>` read from a document stays text. Callouts are boxes positioned in
percent of the page picture, so they stay on their values at any width. Pictures are files beside
the page (`report-dir`) or, for an e-mail, embedded as data URIs.
"""

from __future__ import annotations

import base64
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from domain.model import Rating
from reports.annotate import COLOURS, ReportPage
from reports.content import ReportContent, cap_words
from reports.text_summary import SEVERITY_NAMES

CROPS_DIR = "crops"
PAGES_DIR = "pages"


def page_file(page: ReportPage) -> str:
    """Where the report directory keeps a page's picture, relative to `report.html`."""
    return f"{PAGES_DIR}/{page.document + 1:03d}-{page.number:03d}.jpg"


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(content: ReportContent, *, inline: bool = False) -> str:
    def page_src(page: ReportPage) -> str:
        if inline and page.view is not None:
            return "data:image/jpeg;base64," + base64.b64encode(page.view.jpeg).decode("ascii")
        return page_file(page)

    def crop_src(key: str) -> str:
        if inline:
            return "data:image/png;base64," + base64.b64encode(content.crops[key]).decode("ascii")
        return f"{CROPS_DIR}/{key}"

    return _environment().get_template("report.html").render(
        c=content,
        d=content.dossier,
        rejected=[doc for doc in content.dossier.documents if doc.rejected],
        corrections=content.corrections,
        labels=content.labels,
        crops=content.crops,
        ratings=list(Rating),
        colours=COLOURS,
        severity_names=SEVERITY_NAMES,
        cap_words=cap_words,
        page_src=page_src,
        crop_src=crop_src,
        pct=lambda v, total: round(100.0 * v / total, 3) if total else 0.0,
    )
