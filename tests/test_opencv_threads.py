"""OpenCV's pool held to one thread around the small operations of our forms and the markers."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

import omr.reader
from parsers.opencv_threads import one_thread
from parsers.page_marks import read_markers
from parsers.pictures import Pictures


@pytest.fixture()
def two_threads() -> Iterator[None]:
    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    yield
    cv2.setNumThreads(before)


def test_one_thread_inside_the_block_and_the_pool_back_after(two_threads: None) -> None:
    with one_thread():
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == 2
    with pytest.raises(ValueError), one_thread():
        raise ValueError("a page that fails")
    assert cv2.getNumThreads() == 2


def test_own_page_and_markers_read_on_one_thread(two_threads: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(omr.reader, "_read_own_page", lambda *args: seen.append(cv2.getNumThreads()))
    omr.reader.read_own_page(None, None, "x.png", Pictures())  # type: ignore[arg-type]
    monkeypatch.setattr("parsers.page_marks._find_markers", lambda gray, when_none_seen: seen.append(cv2.getNumThreads()) or {})
    read_markers(np.full((40, 40), 255, np.uint8))
    assert seen == [1, 1]
    assert cv2.getNumThreads() == 2  # the official layout's whole-page work keeps the pool
