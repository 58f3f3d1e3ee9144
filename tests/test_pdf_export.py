"""PDF export through the real LibreOffice: batches in parallel processes, Vietnamese text intact,
a corrupt file reported alone after the good ones were written, timeouts leave no process behind,
a missing LibreOffice is reported in Vietnamese."""

from __future__ import annotations

import os
import subprocess
import time
import unicodedata
from pathlib import Path

import docx
import pdfplumber
import pytest

from domain.errors import KiemdiemError
from templating.pdf_export import (
    PdfExportError,
    _output_names,
    _retry_plan,
    _RunResult,
    _split,
    export_pdfs,
)

TEXT = "Nguyễn Văn Ánh – Chi bộ Phòng Tổng hợp"


def make_docx(path: Path, text: str = TEXT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    d = docx.Document()
    d.add_paragraph(text)
    d.save(str(path))
    return path


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return unicodedata.normalize("NFC", "\n".join(p.extract_text() or "" for p in pdf.pages))


def soffice_processes(marker: str) -> list[str]:
    """Command lines of live processes mentioning `marker`; waits briefly for SIGKILLed ones to go."""
    deadline = time.monotonic() + 3
    while True:
        p = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True)
        if not p.stdout.strip() or time.monotonic() > deadline:
            return p.stdout.splitlines()
        time.sleep(0.1)


def test_five_documents_in_two_processes_keep_order_names_and_diacritics(tmp_path: Path) -> None:
    sources = [
        make_docx(tmp_path / "một" / "a.docx", f"{TEXT} 1"),
        make_docx(tmp_path / "hai" / "a.docx", f"{TEXT} 2"),  # same name, other folder
        make_docx(tmp_path / "Phiếu kiểm điểm Nguyễn Văn Ánh.docx", f"{TEXT} 3"),
        make_docx(tmp_path / "a-2.docx", f"{TEXT} 4"),  # owns the name a duplicate would take
        make_docx(tmp_path / "e.DOCX", f"{TEXT} 5"),
    ]
    out = tmp_path / "pdf ra"
    work = tmp_path / "work"
    work.mkdir()

    pdfs = export_pdfs(sources, out, workers=2, work_dir=work)

    assert [p.name for p in pdfs] == ["a.pdf", "a-3.pdf", "Phiếu kiểm điểm Nguyễn Văn Ánh.pdf", "a-2.pdf", "e.pdf"]
    for k, pdf in enumerate(pdfs, start=1):
        assert pdf.parent == out
        assert pdf.read_bytes().startswith(b"%PDF")
        assert f"{TEXT} {k}" in pdf_text(pdf)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in pdfs)  # no partial files
    assert list(work.iterdir()) == []  # staging, profiles and raw outputs removed


def test_corrupt_document_fails_alone_after_the_good_ones_are_written(tmp_path: Path) -> None:
    good1 = make_docx(tmp_path / "tốt 1.docx")
    bad = tmp_path / "hỏng.docx"
    bad.write_bytes(os.urandom(4096))  # would be imported as plain text without the forced filter
    good2 = make_docx(tmp_path / "tốt 2.docx")
    out = tmp_path / "out"

    with pytest.raises(PdfExportError) as caught:
        export_pdfs([good1, bad, good2], out, workers=1)

    err = caught.value
    assert isinstance(err, KiemdiemError)
    assert err.user_message.startswith("Không xuất được tệp PDF cho: hỏng.docx (")
    assert "tốt" not in err.user_message
    assert "Vui lòng thử lại" in err.user_message
    assert err.failed == [bad]
    assert err.pdfs == [out / "tốt 1.pdf", None, out / "tốt 2.pdf"]
    assert sorted(p.name for p in out.iterdir()) == ["tốt 1.pdf", "tốt 2.pdf"]
    assert TEXT in pdf_text(out / "tốt 2.pdf")
    assert "could not be loaded" in str(err)  # soffice's stderr tail travels in detail


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / "a.docx"), make_docx(tmp_path / "b.docx")]
    work = tmp_path / "work"
    work.mkdir()

    with pytest.raises(PdfExportError) as caught:
        export_pdfs(sources, tmp_path / "out", workers=1, base_timeout=0.5, timeout_per_doc=0.0, work_dir=work)

    assert caught.value.failed == sources
    assert "a.docx, b.docx" in caught.value.user_message
    assert "timed out" in str(caught.value)
    assert soffice_processes(work.as_uri()) == []
    assert list(work.iterdir()) == []
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_libreoffice_is_reported_in_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_docx(tmp_path / "a.docx")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    with pytest.raises(PdfExportError) as caught:
        export_pdfs([source], tmp_path / "out")

    assert "Không tìm thấy LibreOffice" in caught.value.user_message
    assert "./scripts/install" in caught.value.user_message
    assert caught.value.failed == [source]


def test_unusable_inputs_are_refused_before_libreoffice_starts(tmp_path: Path) -> None:
    with pytest.raises(PdfExportError) as caught:
        export_pdfs([tmp_path / "absent.docx"], tmp_path / "out")
    assert caught.value.user_message == "Không tìm thấy tệp cần xuất PDF: absent.docx."
    doc = tmp_path / "cũ.doc"
    doc.write_bytes(b"x")
    with pytest.raises(PdfExportError) as caught:
        export_pdfs([doc], tmp_path / "out")
    assert "cũ.doc" in caught.value.user_message
    assert export_pdfs([], tmp_path / "out") == []
    with pytest.raises(ValueError):
        export_pdfs([doc], tmp_path / "out", workers=0)


def test_output_names_are_unique_and_stable() -> None:
    names = _output_names([Path("x/a.docx"), Path("y/A.docx"), Path("a-2.docx"), Path("z/a.docx"), Path("b c.docx")],
                          ".pdf")
    assert names == ["a.pdf", "A-3.pdf", "a-2.pdf", "a-4.pdf", "b c.pdf"]


def test_chunks_are_even_and_the_stuck_document_is_retried_alone() -> None:
    assert _split(list(range(5)), 2) == [[0, 1, 2], [3, 4]]
    assert _split(list(range(2)), 4) == [[0], [1]]
    assert _split(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    first = [
        _RunResult(chunk=[0, 1, 2, 3], missing=[2, 3], timed_out=True),
        _RunResult(chunk=[4, 5, 6, 7], missing=[5]),
    ]
    assert _retry_plan(first, 2) == [[2], [3], [5]]
