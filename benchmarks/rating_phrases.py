"""Handwritten ratings in fonts the shape model never learnt, read as the scan reader reads them.

    .venv/bin/python -m benchmarks.rating_phrases [--count 300] [--seed 1] [--trained]

Renders ratings as `parsers.train_rating_shapes` renders its samples (the phrase in full words or
capitals on a dotted line, a random size, slant, pen and scan), in the held-out fonts (or, with
--trained, in the trained ones), reads each as the scan reader reads a rating line
(`scan_rating.read_line_answer`), and prints how many are taken for sure, how many of those are
wrong (silent errors), and how many of them the readings' word count confirmed
(`scan_rating.words_counted`: the shape model's rating with no OCR reading naming it). Needs the
handwriting fonts of scripts/system-packages.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import numpy as np

from parsers import scan_rating
from parsers.rating_shapes import RATINGS
from parsers.train_rating_shapes import HELD_OUT, faces, phrase, render

STYLES = ("words", "capitals")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trained", action="store_true", help="the trained fonts instead of the held-out ones")
    args = ap.parse_args(argv)
    names = [n for n in sorted(faces()) if (n in HELD_OUT) != args.trained]
    if not names:
        print("thiếu phông chữ viết tay (cài scripts/system-packages)", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    tally: Counter[str] = Counter()
    for _ in range(args.count):
        rating = RATINGS[int(rng.integers(len(RATINGS)))]
        style = STYLES[int(rng.integers(len(STYLES)))]
        gray, dpi = render(phrase(rating, style, rng), faces()[names[int(rng.integers(len(names)))]], rng)
        read = scan_rating.read_line_answer(scan_rating.without_leader(gray, dpi), dpi)
        sure = read.confidence >= scan_rating.CONFIRMED
        # confirmed with no OCR reading naming it (`votes` 0): by the words counted
        by_count = read.confidence == scan_rating.CONFIRMED and read.votes == 0
        tally["sure"] += sure
        tally["wrong"] += sure and read.rating is not rating
        tally["by count"] += by_count
        tally["by count, wrong"] += by_count and read.rating is not rating
    n = args.count
    print(f"fonts: {', '.join(names)}")
    print(f"answers {n}: sure {tally['sure']} ({tally['sure'] / n:.1%}), silent errors {tally['wrong']}, "
          f"review {n - tally['sure']} ({(n - tally['sure']) / n:.1%})")
    print(f"taken by the shape and the words counted: {tally['by count']} (wrong {tally['by count, wrong']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
