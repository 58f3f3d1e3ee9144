"""Word 97–2003 files (.doc) read through the .docx real LibreOffice makes of them."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from domain.model import Document, DocumentKind
from parsers.legacy_word import OLE_MAGIC, is_word97
from parsers.triage import read_file
from templating.pdf_export import Conversion, convert, find_soffice

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dossier-2019-rating-above-criteria"
WORD_FILE = SAMPLE / "ban-kiem-diem-huynh-minh-oanh.docx"
needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
_TO_WORD97 = Conversion(".docx", "MS Word 2007 XML", "doc:MS Word 97", ".doc", OLE_MAGIC, "chuyển", "tệp .doc")


@pytest.fixture(scope="module")
def word97(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's Mẫu 05 saved as Word 97–2003 by LibreOffice, as a clerk's Word would."""
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    (made,) = convert([WORD_FILE], tmp_path_factory.mktemp("doc"), _TO_WORD97)
    return made


def _read(path: Path, name: str | None = None) -> Document:
    (document,) = read_file(path, name)
    return document


@needs_soffice
def test_a_word97_file_reads_as_its_docx_does(word97: Path) -> None:
    document, original = _read(word97), _read(WORD_FILE)
    assert document.rejected is None and document.kind is DocumentKind.DOCX
    assert document.sha256 == hashlib.sha256(word97.read_bytes()).hexdigest()  # the file sent
    assert [f.model_dump() for f in document.forms] == [f.model_dump() for f in original.forms]
    assert document.forms[0].rating is not None


@needs_soffice
def test_a_word97_file_named_docx_is_told_by_its_content(word97: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "mau-05.docx"
    shutil.copyfile(word97, renamed)
    assert is_word97(renamed)
    document = _read(renamed)
    assert document.rejected is None and len(document.forms) == 1


@needs_soffice
def test_a_damaged_word97_file_is_rejected_in_vietnamese(tmp_path: Path) -> None:
    broken = tmp_path / "hỏng.doc"
    broken.write_bytes(OLE_MAGIC + "WordDocument".encode("utf-16-le") + bytes(4000))
    document = _read(broken)
    assert document.rejected is not None
    assert "Word cũ" in document.rejected and "hỏng.doc" in document.rejected and ".docx" in document.rejected


def test_without_libreoffice_a_word97_file_is_rejected_saying_so(word_stub: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(word_stub.parent / "empty"))
    document = _read(word_stub)
    assert document.rejected is not None and "chưa cài LibreOffice" in document.rejected


@pytest.fixture
def word_stub(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    stub = tmp_path / "cu.doc"
    stub.write_bytes(OLE_MAGIC + "WordDocument".encode("utf-16-le") + bytes(100))
    return stub


def test_an_encrypted_docx_is_no_word97_file_and_keeps_its_password_message(tmp_path: Path) -> None:
    locked = tmp_path / "mat-khau.docx"
    locked.write_bytes(OLE_MAGIC + "EncryptedPackage".encode("utf-16-le") + bytes(4000))
    assert not is_word97(locked)
    document = _read(locked)
    assert document.rejected is not None and "mật khẩu" in document.rejected
