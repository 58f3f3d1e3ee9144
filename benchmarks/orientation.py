"""How often the scan reader stands an official-layout page the right way up, and at what cost.

    .venv/bin/python -m benchmarks.orientation [CORPUS_DIR ...]

A page turned the wrong way is read as nothing: its form is not recognised and every value on it
goes to a person. This runs `parsers.scan_page.prepare` (flattening, the quarter turn, deskew,
rectification and the upside-down test) on every page of every scanned file with ground truth
under the given corpora (default: the dev corpus), and compares the turn it chose with the one
the page needs: `samples.scangen` records the quarter turn it gave each page
(`render.degradation[].rotation`, clockwise, 0/90/180/270); the dev corpus's pages are upright
(a skew of a degree or two). Pages that hold a form's values (the truth's `forms[].page`) are
counted apart from the rest (a page with a signature and a name alone, where little says which
way is up and nothing is lost when it is turned wrong). It prints each wrong page, the share
right per corpus and the seconds per page.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.official_scans import DEFAULT_CORPUS, SCAN_VARIANTS, pages_of
from parsers.scan_page import prepare


def needed_turns(truth: dict[str, Any], pages: int) -> list[int]:
    """The clockwise turn that stands each page upright: the generator's quarter turn undone;
    0 where the truth records only a small skew (the dev corpus)."""
    done = (truth.get("render") or {}).get("degradation") or []
    turns = [int(d.get("rotation", 0)) if isinstance(d, dict) else 0 for d in done]
    turns = [t if t in (90, 180, 270) else 0 for t in turns]
    turns += [0] * (pages - len(turns))
    return [(360 - t) % 360 for t in turns[:pages]]


def value_pages(truth: dict[str, Any]) -> set[int]:
    """The pages (1-based) on which the truth places a form; a form without a page is on page 1."""
    return {int(form.get("page") or 1) for form in truth.get("forms", [])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="*", default=[DEFAULT_CORPUS])
    args = ap.parse_args(argv)
    counts = {True: [0, 0], False: [0, 0]}  # holds values -> [right, pages]
    spent = 0.0
    for corpus in args.corpora:
        here = {True: [0, 0], False: [0, 0]}
        for truth_path in sorted(Path(corpus).rglob("*.truth.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            if truth.get("variant") not in SCAN_VARIANTS:
                continue
            path = truth_path.parent / truth["file"]
            pages = list(pages_of(path))
            holding = value_pages(truth)
            for page, needed in zip(pages, needed_turns(truth, len(pages)), strict=True):
                t0 = time.perf_counter()
                turned = prepare(page).turned
                spent += time.perf_counter() - t0
                holds = page.number in holding
                here[holds][0] += turned == needed
                here[holds][1] += 1
                if turned != needed:
                    kind = "values" if holds else "no values"
                    print(f"  wrong: {path.name} page {page.number} ({kind}): turned {turned}°, needs {needed}°")
        print(f"{corpus}: pages with values {here[True][0]}/{here[True][1]} turned right, "
              f"other pages {here[False][0]}/{here[False][1]}")
        for holds in (True, False):
            counts[holds] = [a + b for a, b in zip(counts[holds], here[holds], strict=True)]
    seen_pages = counts[True][1] + counts[False][1]
    if not seen_pages:
        print("no scanned pages with truth found")
        return 1
    for holds, label in ((True, "pages with values"), (False, "other pages")):
        right, seen = counts[holds]
        if seen:
            print(f"{label:18} {right / seen:.4f}  ({right}/{seen}) turned right")
    print(f"{'s/page':18} {spent / seen_pages:.2f}  (prepare: flatten, turn, deskew, rectify, upside-down test)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
