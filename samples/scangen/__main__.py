"""`python -m samples.scangen --form 2018/mau-05 --count N --out DIR --seed S [--style scan|phone|mixed]`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .generate import generate
from .render import DEFAULT_CACHE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.scangen", description="synthetic scans of our own forms")
    parser.add_argument("--form", required=True, help="form id, e.g. 2018/mau-05")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--style", choices=("scan", "phone", "mixed"), default="mixed")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where blank renders are kept")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = generate(args.form, args.count, args.out, args.seed, args.style, args.cache)
    print(f"{len(paths)} pages in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
