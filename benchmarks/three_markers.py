"""Benchmark: scans and phone photos of our own forms read with one corner marker lost.

    .venv/bin/python -m benchmarks.three_markers [--every 3] [--out DIR] [--jobs 2]

A phone photo often cuts a corner off, or a thumb covers it; a scan cut askew loses one. This
takes the pages of the own-forms benchmark (`benchmarks.own_forms`, generated there when
missing), every `--every`-th of them, scans and photos, and reads each whose four markers are
seen four times, each time with one of its four corner markers painted over in the paper's grey
around it, on the same path as `parsers.image_reader` (markers, QR, boxes).
Three markers are then all the registration has (`omr.register`), and it must choose between
their affine fit and their homography by the boxes (`omr.boxes.measure_boxes`), or send the
page to a person. It prints, per kind of value and overall, the accuracy, silent errors and
review rate as `benchmarks.own_forms` scores them, the review rate of scans and of photos apart,
and the pages refused.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.own_forms import CATEGORIES, Score, ensure_pages
from domain.errors import KiemdiemError
from omr.qr import identity_on_crop
from omr.reader import OwnPage, read_own_page
from parsers.page_marks import read_markers, with_identity
from parsers.pages import A4_LONG_INCHES, PageImage
from parsers.pictures import Pictures
from samples.scangen.render import DEFAULT_CACHE

CORNERS = ("top_left", "top_right", "bottom_right", "bottom_left")
_COVER = 1.8  # the painted square's half side, in the marker's half sides


def _hidden(gray: np.ndarray, corner: str) -> np.ndarray | None:
    """The photo with the marker of `corner` painted over; None unless all four markers are seen."""
    markers = read_markers(gray).markers
    if len(markers) < len(CORNERS):
        return None
    points = np.asarray(markers[corner], dtype=np.float32)
    centre = points.mean(axis=0)
    reach = float(np.abs(points - centre).max()) * _COVER
    x0, y0 = (max(0, int(v - reach)) for v in centre)
    x1, y1 = (int(v + reach) for v in centre)
    around = gray[max(0, y0 - 20):y1 + 20, max(0, x0 - 20):x1 + 20]
    out = gray.copy()
    out[y0:y1, x0:x1] = int(np.percentile(around, 90))
    return out


def _read_hidden(truth_path: Path, corner: str) -> tuple[dict[str, Any], OwnPage | None, str]:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    gray = cv2.imread(str(truth_path.parent / truth["image"]), cv2.IMREAD_GRAYSCALE)
    hidden = _hidden(gray, corner)
    if hidden is None:
        return truth, None, "skipped"
    marks = identity_on_crop(hidden, read_markers(hidden))
    if marks.identity is None:
        marks = with_identity(hidden, marks)
    page = PageImage(1, None, float(max(hidden.shape)) / A4_LONG_INCHES, gray=hidden, colour=lambda: hidden)
    try:
        return truth, read_own_page(page, marks, truth["image"], Pictures()), ""
    except KiemdiemError as failure:
        return truth, None, f"{type(failure).__name__}: {failure.user_message}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.three_markers")
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE / "bench")
    parser.add_argument("--pages", type=int, default=500, help="own-forms pages to generate when missing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=3, help="take every n-th phone page")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    pages = ensure_pages(args.out, args.pages, args.seed)[::args.every]
    jobs = [(p, corner) for p in pages for corner in CORNERS]
    scores = {name: Score() for name in CATEGORIES}
    by_style = {style: Score() for style in ("scan", "phone")}
    refused: list[str] = []
    read = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for truth, own, error in pool.map(_read_hidden, *zip(*jobs, strict=True), chunksize=4):
            if error == "skipped":
                continue
            read += 1
            if own is None:
                refused.append(f"{truth['image']}: {error}")
            elif own.markers != 3:
                raise AssertionError(f"{truth['image']}: read with {own.markers} markers, one was hidden")
            for key, value in truth["values"].items():
                found = own.values.get(key) if own else None
                scores[key.split(":", 1)[0]].add(key, value, found, truth["image"])
                by_style[truth["degradation"]["style"]].add(key, value, found, truth["image"])
    print(f"pages with four markers seen: {read // len(CORNERS)} of {len(pages)}, readings with one hidden: {read}, "
          f"refused: {len(refused)}")
    for line in refused[:10]:
        print(f"  {line}")
    for key, label in CATEGORIES.items():
        s = scores[key]
        if s.total:
            print(f"{label:24s} n={s.total:6d} accuracy {s.right / s.total:.4%}  silent {s.silent}  "
                  f"review {s.flagged / s.total:.2%} (not needed: {s.flagged_needlessly / max(1, s.needless_total):.2%})")
            for example in s.examples:
                print(f"    silent: {example}")
    total = sum(s.total for s in scores.values())
    print(f"all values              n={total:6d} silent {sum(s.silent for s in scores.values())}  "
          f"review {sum(s.flagged for s in scores.values()) / max(1, total):.2%}  ("
          + ", ".join(f"{style}s {s.flagged / max(1, s.total):.2%}" for style, s in by_style.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
