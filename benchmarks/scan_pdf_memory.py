"""Peak memory and time of `kiemdiem check` on a long scanned PDF: it must stream page by page.

    .venv/bin/python benchmarks/scan_pdf_memory.py [--pages 50]

Builds an image-only PDF of N pages at 300 dpi (our Mẫu 05 filled in by the synthetic clerk of
`samples.scangen`, one JPEG per page), then runs `kiemdiem check FILE --json` on a one-page copy and on
the whole file in child processes and prints each one's peak resident memory and time. If pages were
held at once, memory would grow by ~26 MB per 300 dpi page (A4, 3 bytes per pixel).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.scangen.generate import fill, pages_with_boxes  # noqa: E402
from samples.scangen.plan import Odds  # noqa: E402

DPI = 300


def _page_image() -> Image.Image:
    """A filled page of our Mẫu 05 with its QR identity, as rendered at 300 dpi."""
    blank = pages_with_boxes("2018/mau-05")[0]
    image, _ = fill(blank, np.random.default_rng(5), Odds())
    return Image.fromarray(cv2.cvtColor(np.asarray(image), cv2.COLOR_BGR2RGB))


def _scan_pdf(path: Path, page: Image.Image, pages: int, dpi: int) -> None:
    """An image-only PDF, each page a JPEG as a scanner writes it."""
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=80)
    jpeg = Image.open(io.BytesIO(buffer.getvalue()))
    jpeg.save(path, "PDF", resolution=dpi, save_all=True, append_images=[jpeg] * (pages - 1))


def _run(path: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `kiemdiem check` child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/kiemdiem"), "check", str(path), "--json"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        page = _page_image()
        one, many = work / "one.pdf", work / "many.pdf"
        _scan_pdf(one, page, 1, DPI)
        _scan_pdf(many, page, args.pages, DPI)
        print(f"page: {page.width}x{page.height} px ({DPI} dpi); file of {args.pages} pages: "
              f"{many.stat().st_size / 1e6:.1f} MB")
        # ru_maxrss of children is a high-water mark over all children: run the small one first.
        seconds, peak = _run(one)
        print(f"1 page:   {seconds:6.2f} s, peak RSS {peak:6.0f} MB")
        seconds, peak = _run(many)
        print(f"{args.pages} pages: {seconds:6.2f} s ({seconds / args.pages:.2f} s/page), peak RSS {peak:6.0f} MB")


if __name__ == "__main__":
    main()
