"""OCR calls of the scan reader, each one never fatal for the page.

A cell Tesseract cannot read in time is a value to review, not a page lost: the call returns an
empty reading with no confidence, which the form reader turns into an `unreadable` finding like any
other unsure value.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ocr import tesseract as ocr

log = logging.getLogger(__name__)

NOTHING = ocr.Reading(text="", confidence=0.0, words=())


def read(
    image: np.ndarray,
    *,
    psm: ocr.Psm = ocr.Psm.BLOCK,
    whitelist: str | None = None,
    profile: ocr.Profile = ocr.Profile.TEXT,
    dpi: int = 200,
    timeout_s: float = 3.0,
    lang: str = "vie",
    symbols: bool = False,
    noisy_rows: bool = False,
) -> ocr.Reading:
    """`ocr.tesseract.read` on a grey crop; an empty reading when Tesseract fails on it."""
    if image.size == 0 or min(image.shape[:2]) < 4:
        return NOTHING
    try:
        return ocr.read(image, psm=psm, lang=lang, whitelist=whitelist, profile=profile, dpi=dpi, timeout_s=timeout_s,
                        symbols=symbols, noisy_rows=noisy_rows)
    except ocr.OcrTimeout:
        log.warning("OCR deadline passed on a %dx%d crop", image.shape[1], image.shape[0])
        return NOTHING


@dataclass(frozen=True)
class Job:
    """One `read` call to make: a crop and its settings."""

    image: np.ndarray
    psm: ocr.Psm = ocr.Psm.BLOCK
    whitelist: str | None = None
    profile: ocr.Profile = ocr.Profile.TEXT
    dpi: int = 200
    timeout_s: float = 3.0
    lang: str = "vie"
    symbols: bool = False  # each character's box too
    noisy_rows: bool = False  # rows of small blobs read, not dropped (`ocr.tesseract.read`)


# The caller and at most one helper thread; KIEMDIEM_OCR_THREADS=1 when a worker per core already
# keeps the machine busy (each thread holds its own ~40 MB of OCR models).
_THREADS = max(1, int(os.environ.get("KIEMDIEM_OCR_THREADS", 0)) or min(2, os.cpu_count() or 1))
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def spare_core() -> bool:
    """Whether this process may keep a second core busy (not where a worker per core fills the
    machine already)."""
    return _THREADS >= 2


def _helper() -> ThreadPoolExecutor | None:
    """The helper thread's executor, made anew in a forked worker (threads do not survive a fork)."""
    global _pool
    if not spare_core():
        return None
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=_THREADS - 1, thread_name_prefix="ocr"))
        return _pool[1]


# The engines the scan reader uses, in the order a page first wants them: its first readings
# (is the page upside down?) are two at once.
_ENGINES: tuple[ocr.Engine, ...] = (("vie", ocr.Profile.TEXT), ("vie", ocr.Profile.TEXT), ("vie", ocr.Profile.RAW),
                                    ("eng", ocr.Profile.TEXT), ("eng", ocr.Profile.RAW))


def make_engines_ahead() -> threading.Thread | None:
    """Have a thread of its own make the engines the scan reader uses first, while the caller
    cleans the page: ~0.05 s each, which a command reading one page would otherwise wait for at
    its first readings. Not the helper thread: it would be kept from its share of those readings."""
    if not spare_core():
        return None
    thread = threading.Thread(target=_make_engines, args=(list(_ENGINES),), name="ocr-engines", daemon=True)
    thread.start()
    return thread


def _make_engines(engines: list[ocr.Engine]) -> None:
    try:
        ocr.make_engines(engines)
    except ocr.OcrError as e:  # the first reading meets it again and reports it
        log.warning("OCR engines not made ahead: %s", e)


def _run(job: Job) -> ocr.Reading:
    return read(job.image, psm=job.psm, whitelist=job.whitelist, profile=job.profile, dpi=job.dpi,
                timeout_s=job.timeout_s, lang=job.lang, symbols=job.symbols, noisy_rows=job.noisy_rows)


def read_many(jobs: Sequence[Job]) -> list[ocr.Reading]:
    """`read` of each job, in order, two at a time: Tesseract releases the GIL while it
    recognises, and each thread has its own engines, so the readings are those of one-by-one
    calls. The caller's thread takes jobs from the same queue as the helper thread."""
    results: list[ocr.Reading] = [NOTHING] * len(jobs)
    pending = iter(range(len(jobs)))
    lock = threading.Lock()

    def drain() -> None:
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            results[i] = _run(jobs[i])

    helper = _helper() if len(jobs) > 1 else None
    future = helper.submit(drain) if helper is not None else None
    try:
        drain()
    finally:
        if future is not None and not future.cancel():  # not started: the helper was busy elsewhere
            future.result()
    return results


def submit(job: Job) -> Future[ocr.Reading]:
    """`read` of one job on the helper thread, for the caller to do other work meanwhile; read at
    once when there is no helper."""
    helper = _helper()
    if helper is not None:
        return helper.submit(_run, job)
    done: Future[ocr.Reading] = Future()
    done.set_result(_run(job))
    return done
