"""Accuracy and speed of the scan reader on a corpus of official-layout scans with ground truth.

    .venv/bin/python benchmarks/official_scans.py [CORPUS_DIR] [--only doc_0002,doc_0013] [-v]

Runs `parsers.scan_reader.read_scan_pages` on every image and image-only PDF of the corpus
(`*.truth.json` beside each file, variants scan_*), compares criteria, ratings and tally fields
with the truth as /work/shared/tools/score_dev.py does (a value under the review threshold counts
as flagged, not as a silent error), and also every evaluator's rating of a Mẫu 06 row (self, civil
servant, committee, mass organisation: `extra.rows` of the truth, which score_dev leaves out), and
times, in the same run, the plain command line `tesseract IMG - -l vie` on the same pages for
reference.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import pypdfium2

from domain.errors import KiemdiemError
from domain.model import ExtractedForm
from domain.text import fold, nfc
from parsers.pages import PageImage, image_pages, render_scanned_page
from parsers.pictures import Pictures
from parsers.scan_reader import REVIEW_BELOW, read_scan_pages

DEFAULT_CORPUS = os.environ.get("KIEMDIEM_CORPUS", "/work/shared/corpus/dev")
SCAN_VARIANTS = {"scan_jpg", "scan_png", "scan_pdf"}


CONFIDENCE_BANDS = ((0.0, 0.5), (0.5, 0.9), (0.9, 0.95), (0.95, 1.01))


def pages_of(path: Path) -> Iterator[PageImage]:
    if path.suffix.lower() == ".pdf":
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            for i in range(len(pdf)):
                yield render_scanned_page(pdf, i)
        finally:
            pdf.close()
    else:
        yield from image_pages(path, path.name)


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and fold(a or "") == fold(b or "")


def _match(truth_forms: list[dict[str, Any]], forms: list[ExtractedForm]) -> list[ExtractedForm | None]:
    used: set[int] = set()
    out: list[ExtractedForm | None] = []
    for tf in truth_forms:
        best, score = None, -1
        for k, f in enumerate(forms):
            if k in used:
                continue
            s = (4 if f.form_id == tf["form"] else 0) + (2 if f.page == tf.get("page") else 0)
            s += 3 if _same_name((tf.get("subject") or {}).get("name"), f.subject.name) else 0
            if s > score:
                best, score = k, s
        if best is not None and score >= 2:
            used.add(best)
            out.append(forms[best])
        else:
            out.append(None)
    return out


def _records(truth: dict[str, Any], forms: list[ExtractedForm]) -> list[dict[str, Any]]:
    """One record per truth value: kind, ok, flagged (confidence under the review threshold)."""
    recs: list[dict[str, Any]] = []
    for tf, form in zip(truth["forms"], _match(truth["forms"], forms), strict=True):
        crit = {c.id: c for c in form.criteria} if form else {}
        for c in tf.get("criteria", []):
            got = crit.get(c["id"])
            value = got.level.value if got is not None and got.level is not None else None
            flagged = form is None or got is None or got.confidence < REVIEW_BELOW
            recs.append({"kind": "criteria", "id": c["id"], "truth": c["level"], "got": value, "flagged": flagged,
                         "confidence": got.confidence if got is not None else 0.0})
        if "rating" in tf:
            want = (tf.get("rating") or {}).get("value")
            r = form.rating if form else None
            value = r.value.value if r is not None and r.value is not None else None
            flagged = r is None or r.confidence < REVIEW_BELOW
            recs.append({"kind": "rating", "id": "rating", "truth": want, "got": value, "flagged": flagged,
                         "confidence": r.confidence if r is not None else 0.0})
        recs += _summary_records(tf, form)
        tallies = list(form.tallies) if form else []
        for k, tt in enumerate(tf.get("tallies", [])):
            t = next((x for x in tallies if _same_name(x.name, tt["name"])), None)
            if t is None and len(tallies) == len(tf["tallies"]):
                t = tallies[k]
            flagged = t is None or t.confidence < REVIEW_BELOW
            got_votes = {r.value: v for r, v in t.votes.items()} if t else {}
            fields = [(f"votes.{r}", v, got_votes.get(r)) for r, v in tt["votes"].items()]
            fields += [
                ("present", tt["present"], t.present if t else None),
                ("total", tt["total"], t.total if t else None),
            ]
            fields += [("result", tt["result"], t.result.value if t and t.result else None)]
            for name, want, got in fields:
                recs.append(
                    {"kind": "tally", "id": f"{tt['name']}:{name}", "truth": want, "got": got, "flagged": flagged,
                     "confidence": t.confidence if t else 0.0}
                )
    for r in recs:
        r["ok"] = r["truth"] == r["got"]
        r["silent"] = not r["ok"] and not r["flagged"]
    return recs


def _header_values(truth: dict[str, Any], forms: list[ExtractedForm]) -> dict[str, list[tuple[str, str | None]]]:
    """The subject's name and unit and the form's date (dd/mm/yyyy) each truth form gives, with the
    ones read (None: not read, or the form missing), by key. None of them has a confidence of
    its own, so they stay out of the value counts; they are compared as `score_dev` compares
    names: letter for letter, case and spacing aside."""
    found: dict[str, list[tuple[str, str | None]]] = {"name": [], "unit": [], "date": []}
    for tf, form in zip(truth["forms"], _match(truth["forms"], forms), strict=True):
        subject = tf.get("subject") or {}
        wanted = {"name": subject.get("name"), "unit": subject.get("unit"), "date": (tf.get("extra") or {}).get("date")}
        read = {
            "name": form.subject.name if form else None,
            "unit": form.subject.unit if form else None,
            "date": form.date.strftime("%d/%m/%Y") if form and form.date else None,
        }
        for key, want in wanted.items():
            if want:
                found[key].append((want, read[key]))
    return found


def _name_key(name: str | None) -> str:
    return " ".join(nfc(name or "").casefold().split())


# The truth's names of Mẫu 06's evaluator columns, and the model's (the branch's is the tally's result).
_SUMMARY_COLUMNS = {"self": "self", "cs": "civil_servant", "committee": "committee", "mass_org": "mass_org"}


def _summary_records(tf: dict[str, Any], form: ExtractedForm | None) -> list[dict[str, Any]]:
    """One record per evaluator's cell of each Mẫu 06 row (`extra.rows` of the truth): the rating,
    or a blank cell, which must come back empty or flagged."""
    rows = {fold(row.name): row for row in form.summary_rows} if form else {}
    recs: list[dict[str, Any]] = []
    for truth_row in (tf.get("extra") or {}).get("rows", []):
        row = rows.get(fold(truth_row["name"]))
        for key, column in _SUMMARY_COLUMNS.items():
            got = row.ratings.get(column) if row is not None else None
            value = got.value.value if got is not None and got.value is not None else None
            confidence = got.confidence if got is not None else (1.0 if row is not None else 0.0)
            recs.append({"kind": "summary", "id": f"{truth_row['name']}:{key}", "truth": truth_row[key], "got": value,
                         "flagged": confidence < REVIEW_BELOW, "confidence": confidence})
    return recs


def _cli_tesseract(pages: list[PageImage]) -> float:
    """Seconds the plain `tesseract IMG - -l vie` takes on the pages (as files on disk)."""
    spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            img = Path(tmp) / f"p{page.number}.png"
            cv2.imwrite(str(img), page.image)
            t0 = time.perf_counter()
            subprocess.run(["tesseract", str(img), "-", "-l", "vie"], capture_output=True, check=False)
            spent += time.perf_counter() - t0
    return spent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--only", default="", help="comma-separated file stems")
    ap.add_argument("--no-cli", action="store_true", help="skip timing the tesseract command line")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every wrong value")
    args = ap.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    files = []
    for truth_path in sorted(Path(args.corpus).rglob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("variant") in SCAN_VARIANTS and (not only or truth_path.name.split(".")[0] in only):
            files.append((truth_path.parent / truth["file"], truth))
    if not files:
        print(f"no scanned files with truth under {args.corpus}")
        return 1
    all_recs: list[dict[str, Any]] = []
    all_header: dict[str, list[tuple[str, str | None]]] = {"name": [], "unit": [], "date": []}
    n_pages, spent, cli_spent = 0, 0.0, 0.0
    for path, truth in files:
        pages = list(pages_of(path))
        n_pages += len(pages)
        t0 = time.perf_counter()
        try:
            forms = read_scan_pages(iter(pages), path.name, Pictures())
            error = ""
        except KiemdiemError as e:
            forms, error = [], e.user_message
        took = time.perf_counter() - t0
        spent += took
        if not args.no_cli:
            cli_spent += _cli_tesseract(pages)
        recs = _records(truth, forms)
        header = _header_values(truth, forms)
        for key, pairs in header.items():
            all_header[key] += pairs
        _describe(recs, truth)
        all_recs += recs
        wrong = [r for r in recs if not r["ok"]]
        silent = [r for r in recs if r["silent"]]
        flagged = sum(r["flagged"] for r in recs)
        print(
            f"{path.name:14} {len(pages)}p {took:5.2f}s forms={[f.form_id for f in forms]} "
            f"values={len(recs)} wrong={len(wrong)} flagged={flagged} silent={len(silent)} {error}"
        )
        if args.verbose:
            for r in wrong:
                mark = "SILENT" if r["silent"] else "flagged"
                print(f"    {mark:7} {r['kind']:8} {r['id']:30} truth={r['truth']} got={r['got']}")
            for key, pairs in header.items():
                for want, got in pairs:
                    if _name_key(want) != _name_key(got):
                        print(f"    {key:7} truth={want!r} got={got!r}")
    by_kind = Counter(r["kind"] for r in all_recs)
    ok_kind = Counter(r["kind"] for r in all_recs if r["ok"])
    flagged_kind = Counter(r["kind"] for r in all_recs if r["flagged"])
    print()
    for kind in ("criteria", "rating", "tally", "summary"):
        if by_kind[kind]:
            print(f"{kind + ' accuracy':22} {ok_kind[kind] / by_kind[kind]:.3f}  ({ok_kind[kind]}/{by_kind[kind]}), "
                  f"review {flagged_kind[kind] / by_kind[kind]:.3f}")
    silent = sum(r["silent"] for r in all_recs)
    flagged = sum(r["flagged"] for r in all_recs)
    right_unflagged = sum(r["ok"] and not r["flagged"] for r in all_recs)
    print(f"{'silent errors':22} {silent}")
    for key, pairs in all_header.items():
        if pairs:
            right = sum(_name_key(want) == _name_key(got) for want, got in pairs)
            unread = sum(got is None for _, got in pairs)
            print(f"{key + 's right':22} {right / len(pairs):.3f}  ({right}/{len(pairs)}; "
                  f"{unread} not read, {len(pairs) - right - unread} wrong)")
    print(f"{'review rate':22} {flagged / len(all_recs):.3f}  ({flagged}/{len(all_recs)})")
    print(f"{'accepted and right':22} {right_unflagged / len(all_recs):.3f}")
    print(f"{'s/page (reader)':22} {spent / n_pages:.2f}  ({n_pages} pages)")
    if not args.no_cli:
        print(f"{'s/page (tesseract CLI)':22} {cli_spent / n_pages:.2f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':22} {peak_mb:.0f} MB")
    _calibration(all_recs)
    _breakdown(all_recs)
    return 0


def _describe(recs: list[dict[str, Any]], truth: dict[str, Any]) -> None:
    """Tag each record with how its page was captured and, for a generated set
    (`samples.scangen.official`), how its criterion was marked."""
    render = truth.get("render", {})
    pages = render.get("degradation") or [{}]
    style = str(pages[0].get("style", "?"))
    turned = any(page.get("rotation") in (90, 180, 270) for page in pages)
    marks = render.get("marks", {})
    for r in recs:
        r["capture"] = style + (", turned" if turned else "")
        if r["kind"] == "criteria" and r["id"] in marks:
            drawn = marks[r["id"]]
            r["mark"] = drawn["mark"] + (", another scribbled out" if "scribbled_out" in drawn else "")


def _breakdown(recs: list[dict[str, Any]]) -> None:
    """Accuracy and review by capture and, where the truth says, by how the criterion was marked."""
    for key, label in (("capture", "capture"), ("mark", "criterion marked by")):
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in recs:
            if key in r and (key != "mark" or r["kind"] == "criteria"):
                groups.setdefault(r[key], []).append(r)
        if not groups:
            continue
        print(f"\n{label:40} values  right  review")
        for name, group in sorted(groups.items()):
            right = sum(r["ok"] for r in group) / len(group)
            review = sum(r["flagged"] for r in group) / len(group)
            print(f"  {name:38} {len(group):6}  {right:.3f}  {review:.3f}")


def _calibration(recs: list[dict[str, Any]]) -> None:
    """Share of right values per confidence band: a confidence means something only if the values
    given it are right that often (everything at or above the review threshold must be right)."""
    print("\nconfidence band        values  right")
    for lo, hi in CONFIDENCE_BANDS:
        band = [r for r in recs if lo <= r["confidence"] < hi]
        if band:
            right = sum(r["ok"] for r in band) / len(band)
            print(f"  [{lo:.2f}, {min(hi, 1.0):.2f}]{'':8} {len(band):6}  {right:.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
