"""OpenCV's thread pool, held to one thread around work made of many small operations.

The official layout works on whole pages (deskewing, line morphology, thresholds), which OpenCV
splits across its threads: on the dev scans two threads read a page in a tenth less time for the
same CPU. Our own forms are read box by box, thousands of operations on patches of a few thousand
pixels, and there the pool's threads spin between them: a sixth more CPU per page for no shorter
wait (own-forms benchmark). The corner markers are searched on a reduced copy and small crops,
where two threads save 4–30 ms a page at a fifth more CPU. Pages are read side by side by
processes (a worker per core), so CPU is what the spinning costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cv2


@contextmanager
def one_thread() -> Iterator[None]:
    """OpenCV on the calling thread alone until the block ends, then as it was."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)
