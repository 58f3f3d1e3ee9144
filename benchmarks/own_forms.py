"""Benchmark: reading our own printed forms back from synthetic scans and phone photos.

    .venv/bin/python -m benchmarks.own_forms [--pages 500] [--out DIR] [--seed 7] [--tesseract-sample 12]

Generates (or reuses, when DIR already holds them) pages of Mẫu 05, Mẫu 02, Mẫu 06, the vote-count
minutes and ballots in scan and phone styles (samples.scangen), reads every page with
`parsers.page_marks` + `omr.reader`, and prints:

- accuracy of criterion cells, ratings (fixed fields, Mẫu 06 columns, results, ballot rows) and
  counts (digit groups): a value is right when it is read confidently and equals the truth, or when
  the truth says it must go to a person (double, blank required, ambiguous, broken arithmetic) and
  it was flagged;
- silent errors: a confident value (≥ 0.9) that is wrong, or a confident value where the truth
  asked for a person (counted apart when that value is right: a broken sum whose counts were
  read right but not flagged, because another count of the sum was unreadable);
- review rate: share of values flagged (< 0.9), overall and among values that did not need it;
- names read in member rows;
- CPU seconds per page (reading only, generation excluded), from the file on disk, on the path
  `parsers.image_reader` takes (markers first, the QR decoded on its crop, the whole-page search
  only when that fails), split into decoding the image (and its grey copy), markers, QR,
  registration, boxes, digits and the rest of the OMR; peak RSS of a fresh process reading one
  300 dpi page; and plain full-page `tesseract IMG - -l vie` on a sample of the same images (which
  decodes the file too), with the speed ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import omr.reader
from omr.choices import REVIEW
from omr.names import forget_names
from omr.qr import identity_on_crop
from omr.reader import OwnPage, read_own_page
from parsers.page_marks import read_markers, with_identity
from parsers.pages import image_pages
from parsers.pictures import Pictures
from samples.scangen.generate import generate
from samples.scangen.render import DEFAULT_CACHE

log = logging.getLogger(__name__)

# Share of the pages per form; every form's pages are half scans, half photos (mixed style).
MIX = {"2018/mau-05": 0.3, "2018/mau-02": 0.1, "2018/mau-06": 0.15, "bien-ban-kiem-phieu": 0.15,
       "phieu-bieu-quyet": 0.3}
CATEGORIES = {"crit": "criterion cells", "rating": "ratings", "digits": "counts (digit groups)", "item": "items"}


@dataclass
class Score:
    total: int = 0
    right: int = 0
    silent: int = 0
    missed_flag: int = 0  # of which the value was right but the truth asked for a person
    flagged: int = 0
    flagged_needlessly: int = 0
    needless_total: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, key: str, truth: dict[str, Any], read: Any, page: str) -> None:
        self.total += 1
        must_flag = bool(truth["flag"])
        self.needless_total += not must_flag
        confident = read is not None and read.confidence >= REVIEW
        if not confident:
            self.flagged += 1
            self.flagged_needlessly += not must_flag
            self.right += must_flag
            return
        if not must_flag and read.value == truth["value"]:
            self.right += 1
            return
        self.silent += 1
        self.missed_flag += must_flag and read.value == truth["value"]
        if len(self.examples) < 8:
            self.examples.append(f"{page} {key}: truth {truth['value']!r} ({truth['how']}), read {read.value!r} "
                                 f"@{read.confidence:.2f}")


def ensure_pages(out: Path, pages: int, seed: int) -> list[Path]:
    """The truth files of `pages` generated pages in `out`, generating them when missing."""
    truths = sorted(out.glob("*.truth.json"))
    if len(truths) >= pages:
        return truths[:pages]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        jobs = [pool.submit(generate, form_id, max(1, round(pages * share)), out, seed, "mixed", DEFAULT_CACHE)
                for form_id, share in MIX.items()]
        for job in jobs:
            job.result()
    return sorted(out.glob("*.truth.json"))


# CPU seconds per stage, summed over the pages read in this process.
STAGES = ("decode", "markers", "qr", "registration", "boxes", "digits", "omr (rest)")


class _Clock:
    """Times the stages of `omr.reader.read_own_page` by wrapping the functions it calls."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(STAGES, 0.0)
        for stage, name in (("registration", "register"), ("boxes", "measure_boxes"), ("digits", "read_number")):
            setattr(omr.reader, name, self._timed(stage, getattr(omr.reader, name)))

    def _timed(self, stage: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[stage] += time.process_time() - started
        return timed

    def read(self, image: Path) -> tuple[OwnPage | None, dict[str, float], str]:
        """The page read as `parsers.image_reader` reads it, and the CPU seconds of each stage."""
        before = dict(self.spent)
        started = time.process_time()
        page = next(image_pages(image, image.name))
        gray = page.gray
        loaded = time.process_time()
        marks = read_markers(gray)
        found = time.process_time()
        marks = identity_on_crop(gray, marks)
        if marks.identity is None:
            marks = with_identity(gray, marks)
        decoded = time.process_time()
        try:
            own = read_own_page(page, marks, image.name, Pictures())
            error = ""
        except Exception as failure:
            own, error = None, f"{type(failure).__name__}: {getattr(failure, 'user_message', failure)}"
        done = time.process_time()
        spent = {stage: self.spent[stage] - before[stage] for stage in STAGES}
        spent["decode"] = loaded - started
        spent["markers"] = found - loaded
        spent["qr"] = decoded - found
        spent["omr (rest)"] = (done - decoded) - spent["registration"] - spent["boxes"] - spent["digits"]
        return own, spent, error


_CLOCK: _Clock | None = None


def _read_one(truth_path: Path, cold_names: bool) -> tuple[dict[str, Any], OwnPage | None, dict[str, float], str]:
    global _CLOCK
    if _CLOCK is None:
        _CLOCK = _Clock()
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    if cold_names:
        forget_names()
    own, spent, error = _CLOCK.read(truth_path.parent / truth["image"])
    return truth, own, spent, error


def _peak_rss_mb(image: Path) -> float:
    code = (
        "from parsers.pages import image_pages\nfrom parsers.page_marks import read_markers\n"
        "from omr.qr import identity_on_crop\n"
        "from omr.reader import read_own_page\nfrom parsers.pictures import Pictures\n"
        f"page = next(image_pages(__import__('pathlib').Path({str(image)!r}), 'x'))\n"
        "read_own_page(page, identity_on_crop(page.gray, read_markers(page.gray)), 'x', Pictures())\n"
        # VmHWM, not ru_maxrss: Linux carries a forked child's high-water mark (this big process's)
        # across exec into ru_maxrss, so it would report the benchmark's own peak.
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def _tesseract_cli(images: list[Path]) -> float:
    """Mean CPU seconds (single-threaded, as one worker would run it) of full-page Tesseract: CPU
    time like the reading's, so a machine busy with other work inflates neither side."""
    times = []
    for image in images:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["tesseract", str(image), "-", "-l", "vie"], capture_output=True, check=True,
                       env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return sum(times) / len(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.own_forms")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE / "bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tesseract-sample", type=int, default=12)
    parser.add_argument("--cold-names", action="store_true", help="forget names between pages (no reuse)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (CPU times stay per page)")
    parser.add_argument("--dump", type=Path, help="write every value read (JSON lines) for analysis")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    truths = ensure_pages(args.out, args.pages, args.seed)
    scores = {name: Score() for name in CATEGORIES}
    names = Counter[str]()
    failures: list[str] = []
    spent = dict.fromkeys(STAGES, 0.0)
    # CPU seconds and pages by image format: a colour PNG scan takes ~0.11 s to decode alone
    by_format = Counter[str]()
    decode_by_format = Counter[str]()
    pages_by_format = Counter[str]()
    styles = Counter[str]()
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    if args.jobs > 1:
        pool = ProcessPoolExecutor(max_workers=args.jobs)
        results = pool.map(_read_one, truths, [args.cold_names] * len(truths), chunksize=4)
    else:
        results = map(_read_one, truths, [args.cold_names] * len(truths))
    for truth, own, page_spent, error in results:
        image_name = truth["image"]
        styles[truth["degradation"]["style"]] += 1
        for stage, seconds in page_spent.items():
            spent[stage] += seconds
        image_format = Path(image_name).suffix.lstrip(".").upper()
        by_format[image_format] += sum(page_spent.values())
        decode_by_format[image_format] += page_spent["decode"]
        pages_by_format[image_format] += 1
        if own is None:
            failures.append(f"{image_name}: {error}")
        for key, value in truth["values"].items():
            read = own.values.get(key) if own else None
            scores[key.split(":", 1)[0]].add(key, value, read, image_name)
            if dump:
                dump.write(json.dumps({"page": image_name, "key": key, "truth": value,
                                       "value": read.value if read else None,
                                       "confidence": read.confidence if read else None,
                                       "candidates": read.candidates if read else None},
                                      ensure_ascii=False) + "\n")
        for row, name in truth["names"].items():
            names["total"] += 1
            names["right"] += own is not None and own.names.get(int(row)) == name
    if dump:
        dump.close()
    if args.jobs > 1:
        pool.shutdown()  # before interpreter exit, whose atexit hook would find its pipe closed
    pages = len(truths)
    sample = [truths[k].parent / json.loads(truths[k].read_text())["image"]
              for k in range(0, pages, max(1, pages // args.tesseract_sample))][:args.tesseract_sample]
    tesseract_s = _tesseract_cli(sample)
    big = next((p.parent / json.loads(p.read_text())["image"] for p in truths
                if json.loads(p.read_text())["degradation"].get("dpi") == 300), sample[0])
    rss = _peak_rss_mb(big)

    per_page = sum(spent.values()) / pages
    marks_cpu = spent["markers"] + spent["qr"]
    omr_cpu = sum(spent[s] for s in STAGES[3:])
    print(f"pages read: {pages} ({dict(styles)}), unreadable pages: {len(failures)}")
    for line in failures[:10]:
        print(f"  {line}")
    for key, label in CATEGORIES.items():
        s = scores[key]
        if not s.total:
            continue
        print(f"{label:24s} n={s.total:6d} accuracy {s.right / s.total:.4%}  silent {s.silent} "
              f"(wrong value {s.silent - s.missed_flag}, right value but not flagged {s.missed_flag})  "
              f"review {s.flagged / s.total:.2%} (not needed: {s.flagged_needlessly / max(1, s.needless_total):.2%})")
        for example in s.examples:
            print(f"    silent: {example}")
    total = sum(s.total for s in scores.values())
    flagged = sum(s.flagged for s in scores.values())
    needless = sum(s.flagged_needlessly for s in scores.values())
    needless_total = sum(s.needless_total for s in scores.values())
    print(f"all values              n={total:6d} silent {sum(s.silent for s in scores.values())}  "
          f"review {flagged / total:.2%} (not needed: {needless / max(1, needless_total):.2%})")
    print(f"names in member rows    {names['right']}/{names['total']} exact")
    print(f"CPU s/page              {per_page:.3f} (decode {spent['decode'] / pages:.3f} + marks "
          f"{marks_cpu / pages:.3f} + omr {omr_cpu / pages:.3f})")
    print("  split                 " + ", ".join(f"{s} {spent[s] / pages:.3f}" for s in STAGES))
    print("  by format             " + ", ".join(
        f"{f} {by_format[f] / n:.3f} (decode {decode_by_format[f] / n:.3f}; {n} pages)"
        for f, n in sorted(pages_by_format.items())))
    print(f"full-page tesseract     {tesseract_s:.2f} s/page on {len(sample)} pages (CLI, -l vie, 1 thread, CPU)")
    print(f"speed ratio             {tesseract_s / per_page:.1f}× (tesseract / decode+marks+omr)")
    print(f"peak RSS, one 300 dpi page in a fresh process: {rss:.0f} MB ({big.name})")
    print(f"this process peak RSS   {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
