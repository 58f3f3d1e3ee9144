"""Names of the files in a .zip as their writer meant them, whatever tool zipped them."""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from parsers.triage import member_name, read_file

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "dossier-2019-rating-above-criteria"
NAME = "Biên bản kiểm phiếu.docx"


def _cp1258(text: str) -> bytes:
    """`text` as a Vietnamese Windows writes it in code page 1258: the letters it has whole (ê, ơ,
    đ), a tone mark as the combining mark after its letter ("ả" is "a" and a hook)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", base + "".join(marks[:-1])).encode("cp1258") + marks[-1].encode("cp1258")
    return out


def _zip_named(path: Path, raw_name: bytes) -> Path:
    """A .zip whose one member's name is `raw_name` as stored, with no UTF-8 flag (zipfile would
    set it): written under an ASCII name of the same length, which is then replaced."""
    placeholder = b"x" * (len(raw_name) - 5) + b".docx"
    with zipfile.ZipFile(path, "w") as z:
        z.write(SAMPLE / "bien-ban-kiem-phieu.docx", placeholder.decode("ascii"))
    data = path.read_bytes()
    assert data.count(placeholder) == 2  # the local header and the central directory
    path.write_bytes(data.replace(placeholder, raw_name))
    return path


@pytest.mark.parametrize("encode", [lambda t: t.encode("utf-8"), _cp1258], ids=["utf8-unflagged", "cp1258"])
def test_a_member_name_not_flagged_utf8_is_decoded_as_its_writer_wrote_it(tmp_path: Path,
                                                                          encode: Callable[[str], bytes]) -> None:
    archive = _zip_named(tmp_path / "ho-so.zip", encode(NAME))
    with zipfile.ZipFile(archive) as z:
        (info,) = z.infolist()
        assert info.filename != NAME  # zipfile's own reading, as code page 437
        assert member_name(info) == NAME
    (document,) = read_file(archive)
    assert document.file == f"ho-so.zip/{NAME}" and document.rejected is None and document.forms


def test_a_name_flagged_utf8_is_taken_as_it_is(tmp_path: Path) -> None:
    archive = tmp_path / "ho-so.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(NAME, b"x")
    with zipfile.ZipFile(archive) as z:
        (info,) = z.infolist()
    assert info.flag_bits & 0x800 and member_name(info) == NAME
