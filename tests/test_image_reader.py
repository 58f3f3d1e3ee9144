"""Scanned files as a whole: pages stream through one at a time, and a bad file is refused alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from parsers import image_reader, pdf_reader
from parsers.triage import read_file


def _blank_scan_pdf(path: Path, pages: int) -> Path:
    sheets = [Image.new("L", (827, 1169), 255) for _ in range(pages)]  # A4 at 100 dpi
    sheets[0].save(path, save_all=True, append_images=sheets[1:], resolution=100)
    return path


def test_a_scanned_pdf_is_rendered_and_read_one_page_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    render, look = pdf_reader.render_pdf_page, image_reader.read_page_marks

    def rendering(document: Any, index: int, *args: Any, **kwargs: Any) -> Any:
        events.append(f"render {index + 1}")
        return render(document, index, *args, **kwargs)

    def looking(image: Any) -> Any:
        events.append("read")
        return look(image)

    monkeypatch.setattr(pdf_reader, "render_pdf_page", rendering)
    monkeypatch.setattr(image_reader, "read_page_marks", looking)
    (document,) = read_file(_blank_scan_pdf(tmp_path / "scan.pdf", 5))
    assert events == [e for k in range(1, 6) for e in (f"render {k}", "read")]
    assert document.rejected is not None and "Không nhận ra mẫu biểu" in document.rejected  # blank pages


def test_bad_images_are_refused_one_by_one_and_the_batch_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    blank = tmp_path / "trang.png"
    Image.new("L", (827, 1169), 255).save(blank)
    documents = [d for p in (broken, blank) for d in read_file(p)]
    assert [d.file for d in documents] == ["hong.jpg", "trang.png"]
    assert documents[0].rejected is not None and "bị hỏng" in documents[0].rejected
    assert documents[1].rejected is not None and "Không nhận ra mẫu biểu" in documents[1].rejected
