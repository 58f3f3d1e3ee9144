"""Benchmark: how long the annotated report takes for a 30-person dossier of 60 scanned pages.

    .venv/bin/python -m benchmarks.report_speed [--repeat 3] [--out DIR] [--seed 11] [--style scan]

The issue's target: "Report generation for a 30-person dossier with 60 scanned pages takes under
10 s on this machine". The dossier is the 2018 one of a 30-member branch, made with
`samples.scangen` (filled in by its synthetic clerk, with its deliberate mistakes, then scanned):

- Mẫu 02 (self-review) of 28 members, the two pages that carry boxes (3 and 4): 56 pages;
- Mẫu 06 (the branch's summary) listing all 30 members: 4 pages (5 rows, then 10 a page);
- a roster CSV of the 30 members (the contract's headers).

Two members have no self-review on purpose, so the dossier has findings about missing forms as
well as the unreadable values (with their crops) and disagreements the clerk's mistakes give.
scangen's own blank renders hold three people per individual form, so the blanks for 30 people are
rendered here (LibreOffice, once) and the pages filled with `samples.scangen.generate.make_page`;
everything is cached under DIR, so a rerun skips straight to reading.

The dossier is read once with `worker.pipeline.check` (timed apart: that is reading, not report
generation); then the report directory is written `--repeat` times as `CheckResult.write_report`
writes it: content (findings placed on pages, page views, crops), report.json, then report.pdf,
report.html with its pictures and summary.xlsx. Prints min and median seconds, a split of one more
run by output, the PDF's pages and size, findings, callouts and peak RSS, and a verdict against
the 10 s target. Exits 1 when the dossier has fewer than 30 people or 60 pages.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import pypdfium2 as pdfium

from domain.form_identity import FormIdentity
from domain.model import Person, Roster
from omr.layout import page_boxes
from parsers.roster import parse_roster_bytes
from reports.excel_summary import summary_xlsx
from reports.html_report import render_html
from reports.pdf_report import render_pdf
from reports.report_dir import write_report_dir
from samples.scangen.generate import make_page
from samples.scangen.plan import Odds
from samples.scangen.render import DEFAULT_CACHE, DPI, BlankPage
from templating.generate import definition_of, write_forms
from templating.prefill import Occasion
from templating.store import load_layout, slug
from worker.pipeline import CheckResult, check

log = logging.getLogger(__name__)

TARGET_S = 10.0
MIN_PEOPLE = 30
MIN_PAGES = 60
UNIT = "Chi bộ Phòng Tổng hợp"
YEAR = 2018
SELF_REVIEW = "2018/mau-02"
SUMMARY = "2018/mau-06"
# Members without a self-review in the dossier (the last ones of the roster).
MISSING_SELF_REVIEWS = 2
_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
_GIVEN = ("Văn An", "Thị Bình", "Hoàng Cường", "Minh Dũng", "Thị Thu Hà", "Quang Huy", "Thị Lan Hương",
          "Đức Mạnh", "Thị Ngọc", "Văn Ổn", "Thị Quế", "Quỳnh Thúy")
_MANIFEST = "dossier.json"
_ROSTER = "roster.csv"

T = TypeVar("T")


def members() -> list[Person]:
    """30 distinct members: every surname with three given names, so names repeat neither whole
    nor by given name alone within a surname."""
    names = [f"{_SURNAMES[k % len(_SURNAMES)]} {_GIVEN[(k + k // len(_SURNAMES)) % len(_GIVEN)]}"
             for k in range(MIN_PEOPLE)]
    assert len(set(names)) == len(names)
    return [Person(name=name, party_position="Đảng viên") for name in names]


def _roster_csv(people: list[Person]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ và tên", "Chi bộ", "Chức vụ Đảng"])
    for person in people:
        writer.writerow([person.name, UNIT, person.party_position])
    return out.getvalue().encode("utf-8")


def _blanks(form_id: str, people: list[Person], folder: Path) -> list[BlankPage]:
    """The form's pages that carry boxes, rendered blank for `people` at scangen's resolution
    (one document per person for an individual form, one listing them all for a unit form)."""
    definition = definition_of(form_id)
    layout = load_layout(form_id)
    folder.mkdir(parents=True, exist_ok=True)
    blanks: list[BlankPage] = []
    with tempfile.TemporaryDirectory() as tmp:
        written = write_forms(form_id, Path(tmp), Occasion(unit=UNIT, year=YEAR), people, pdf=True)
        for number, pdf_path in enumerate(written.pdf):
            person = "" if layout["slots"] else people[number].name
            pdf = pdfium.PdfDocument(str(pdf_path))
            try:
                pages = len(pdf)
                for index in range(pages):
                    if not page_boxes(layout, index + 1):
                        continue
                    path = folder / f"{number:02d}-{index + 1}.png"
                    cv2.imwrite(str(path), pdf[index].render(scale=DPI / 72, grayscale=True).to_numpy())
                    identity = FormIdentity(definition.id, definition.version, UNIT, person, YEAR, index + 1, pages)
                    blanks.append(BlankPage(form_id, identity, path, _slots(layout, people, index)))
            finally:
                pdf.close()
    return blanks


def _slots(layout: dict[str, Any], people: list[Person], index: int) -> tuple[str, ...]:
    """Names printed in the rows of page `index` (0-based) of a unit form, as scangen expects."""
    if not layout["slots"]:
        return ()
    first, rest = (int(n) for n in layout["slots"])
    start = 0 if index == 0 else first + (index - 1) * rest
    size = first if index == 0 else rest
    return tuple(people[start + k].name if start + k < len(people) else "" for k in range(size))


def ensure_dossier(out: Path, seed: int, style: str) -> tuple[list[Path], Path]:
    """The scanned pages and the roster CSV, generated on the first run and reused afterwards."""
    manifest = out / _MANIFEST
    wanted = {"seed": seed, "style": style}
    if manifest.is_file():
        saved = json.loads(manifest.read_text(encoding="utf-8"))
        if saved["made_with"] == wanted:
            return [out / name for name in saved["pages"]], out / _ROSTER
    people = members()
    blanks = (_blanks(SELF_REVIEW, people[:-MISSING_SELF_REVIEWS], out / "blank" / slug(SELF_REVIEW))
              + _blanks(SUMMARY, people, out / "blank" / slug(SUMMARY)))
    pages_dir = out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for index, blank in enumerate(blanks):
        rng = np.random.default_rng([seed, index])
        chosen = style if style != "mixed" else str(rng.choice(("scan", "phone")))
        img, truth = make_page(blank, rng, chosen, Odds())
        name = f"{index:03d}-{slug(blank.form_id)}-p{blank.identity.page}-{chosen}"
        jpeg = chosen == "phone" or rng.random() < 0.6
        image = pages_dir / (name + (".jpg" if jpeg else ".png"))
        cv2.imwrite(str(image), img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 95))] if jpeg else [])
        truth["image"] = image.name
        (pages_dir / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
        names.append(str(image.relative_to(out)))
    (out / _ROSTER).write_bytes(_roster_csv(people))
    manifest.write_text(json.dumps({"made_with": wanted, "pages": names}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
    return [out / name for name in names], out / _ROSTER


def _timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def _generate_report(result: CheckResult, directory: Path) -> dict[str, float]:
    """`CheckResult.write_report(directory)`, step by step, with the seconds of each step."""
    content, content_s = _timed(result.content)
    report, report_s = _timed(result.report)
    _, write_s = _timed(lambda: write_report_dir(directory, content, report))
    return {"content": content_s, "report.json data": report_s, "files": write_s,
            "total": content_s + report_s + write_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_speed")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE / "report-bench")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--style", choices=("scan", "phone", "mixed"), default="scan")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    (files, roster_path), generate_s = _timed(lambda: ensure_dossier(args.out, args.seed, args.style))
    roster: Roster = parse_roster_bytes(roster_path.read_bytes(), roster_path.name)
    result, read_s = _timed(lambda: check(files, roster=roster, rule_set_id=str(YEAR)))
    people = len(result.overview.subjects)
    print(f"dossier                 {len(files)} files in {args.out} ({args.style}, seed {args.seed}; "
          f"generated or found in {generate_s:.1f} s)")
    print(f"reading (check)         {read_s:.1f} s, {result.readable_documents}/{len(result.dossier.documents)} "
          f"documents readable, {people} people")

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            runs.append(_generate_report(result, Path(tmp) / f"run-{run}"))
        pdf_path = Path(tmp) / "run-0" / "report.pdf"
        pdf = pdfium.PdfDocument(str(pdf_path))
        pdf_pages = len(pdf)
        pdf.close()
        pdf_mb = pdf_path.stat().st_size / 1e6
        html_mb = sum(p.stat().st_size for p in (Path(tmp) / "run-0").rglob("*") if p.is_file()) / 1e6 - pdf_mb

    content = result.content()
    report = result.report()
    split = {"pdf": _timed(lambda: render_pdf(content))[1], "html": _timed(lambda: render_html(content))[1],
             "xlsx": _timed(lambda: summary_xlsx(report))[1]}
    pages = len(content.annotated.pages)
    callouts = content.annotated.callouts()
    on_pages = sum(1 for p in content.annotated.pages if p.callouts)

    totals = [r["total"] for r in runs]
    best, median = min(totals), statistics.median(totals)
    print(f"report pages            {pages} annotated pages ({on_pages} with callouts), PDF {pdf_pages} pages, "
          f"{pdf_mb:.1f} MB; HTML, pictures, JSON and XLSX {html_mb:.1f} MB")
    print(f"findings / callouts     {len(result.findings)} / {len(callouts)} "
          f"({len(content.annotated.general)} general), {len(content.crops)} crops")
    print(f"report generation       min {best:.2f} s, median {median:.2f} s over {len(runs)} runs "
          f"(content + report.json + files, as CheckResult.write_report)")
    for step in ("content", "report.json data", "files"):
        print(f"  {step:22s}min {min(r[step] for r in runs):.2f} s")
    print("  files, by output      " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in split.items())
          + " (one more run; the rest is writing pictures and report.json)")
    print(f"peak RSS                {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if people < MIN_PEOPLE or pages < MIN_PAGES:
        print(f"FAIL: the dossier has {people} people and {pages} pages; the benchmark needs at least "
              f"{MIN_PEOPLE} and {MIN_PAGES}")
        return 1
    verdict = "meets" if median < TARGET_S else "MISSES"
    print(f"verdict: {verdict} the target — median {median:.2f} s for {people} people, {pages} scanned pages "
          f"(target < {TARGET_S:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
