"""Triage: what each uploaded file is, and which reader takes it.

Every file becomes one or more `Document`s; a file that cannot be read becomes a Document with
`rejected` set (a Vietnamese reason) instead of an exception, so one bad file never stops the rest
of the dossier. Archives are expanded here, with limits, so no reader ever sees a zip bomb.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from domain.errors import KiemdiemError, UnknownForm
from domain.model import Document, DocumentKind
from domain.text import nfc
from parsers.pictures import Pictures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 100 * 1024 * 1024
    max_archive_members: int = 500
    max_archive_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: int = 200


LIMITS = Limits()
ZIP_MAGIC = b"PK\x03\x04"
# .webp and .bmp: a picture saved from a web page or a chat, an old scanner's own format
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}
_UTF8_NAMES = 0x800  # the zip flag saying a member's name is UTF-8
Reader = Callable[[Path, str, Pictures], Document]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def rejected(path: Path, name: str, reason: str, kind: DocumentKind = DocumentKind.UNKNOWN) -> Document:
    log.info("file rejected", extra={"file": name, "reason": reason})
    digest = sha256_of(path) if path.is_file() else ""
    return Document(file=name, sha256=digest, kind=kind, rejected=reason)


def _word(path: Path, name: str, pictures: Pictures) -> Document:
    """A Word file, told by its content: a Word 97–2003 file (whatever its name) is read as the
    .docx LibreOffice makes of it (`legacy_word`)."""
    from parsers import legacy_word

    if not legacy_word.is_word97(path):
        return _docx(path, name, pictures)
    with legacy_word.as_docx(path, name) as docx:
        document = _docx(docx, name, pictures)
    return document.model_copy(update={"sha256": sha256_of(path)})  # the file sent, not the one made of it


def _docx(path: Path, name: str, pictures: Pictures) -> Document:
    """A .docx: its forms as text, or else the forms photographed and pasted into it (`word_pictures`)."""
    from parsers.docx_reader import parse_docx

    try:
        document = parse_docx(path, name)
    except UnknownForm:
        from parsers.word_pictures import page_pictures, read_word_pictures

        found = page_pictures(path)
        if not found:
            raise
        return read_word_pictures(found, name, pictures, sha256_of(path))
    pictures.add_word_file(name, path.read_bytes())  # laid out into pages only when a report is drawn
    return document


def _pdf(path: Path, name: str, pictures: Pictures) -> Document:
    from parsers.pdf_reader import parse_pdf

    return parse_pdf(path, name, pictures)


def _image(path: Path, name: str, pictures: Pictures) -> Document:
    from parsers.image_reader import parse_image

    return parse_image(path, name, pictures)


READERS: dict[str, Reader] = {
    ".docx": _word,
    ".doc": _word,
    ".pdf": _pdf,
    **dict.fromkeys(IMAGE_SUFFIXES, _image),
}


def read_file(
    path: Path, name: str | None = None, limits: Limits = LIMITS, pictures: Pictures | None = None
) -> Iterator[Document]:
    """The documents of one uploaded file (several for a .zip). Pictures of doubtful values go to
    `pictures` (a throwaway store when the caller does not keep them)."""
    name = name or path.name
    pictures = pictures if pictures is not None else Pictures()
    try:
        size = path.stat().st_size
    except OSError:
        yield Document(file=name, rejected="Không tìm thấy hoặc không mở được tệp.")
        return
    if size == 0:
        yield rejected(path, name, "Tệp rỗng (0 byte).")
        return
    if size > limits.max_file_bytes:
        yield rejected(path, name, f"Tệp quá lớn ({size / 1e6:.0f} MB; tối đa {limits.max_file_bytes / 1e6:.0f} MB).")
        return
    suffix = path.suffix.lower()
    if suffix == ".zip":
        yield from _expand_zip(path, name, limits, pictures)
        return
    reader = READERS.get(suffix)
    if reader is None:
        supported = ", ".join(sorted({*READERS, ".zip"}))
        yield rejected(
            path, name, f"Loại tệp «{suffix or 'không có phần mở rộng'}» không được hỗ trợ (nhận: {supported})."
        )
        return
    try:
        yield reader(path, name, pictures)
    except KiemdiemError as e:
        yield rejected(path, name, e.user_message, _kind_for(suffix))
    except Exception:  # a reader bug must not lose the rest of the dossier
        log.exception("reader failed", extra={"file": name})
        yield rejected(path, name, "Lỗi không mong đợi khi đọc tệp; tệp đã được ghi nhận để kiểm tra.")


def _kind_for(suffix: str) -> DocumentKind:
    if suffix in (".docx", ".doc"):
        return DocumentKind.DOCX
    if suffix == ".pdf":
        return DocumentKind.PDF_TEXT
    return DocumentKind.IMAGE if suffix in IMAGE_SUFFIXES else DocumentKind.UNKNOWN


def _expand_zip(path: Path, name: str, limits: Limits, pictures: Pictures) -> Iterator[Document]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        yield rejected(path, name, "Tệp .zip bị hỏng, không giải nén được.")
        return
    with archive, tempfile.TemporaryDirectory(prefix="kiemdiem-zip-") as tmp:
        members = [i for i in archive.infolist() if not i.is_dir() and not _hidden(i.filename)]
        total = sum(i.file_size for i in members)
        compressed = sum(i.compress_size for i in members) or 1
        if len(members) > limits.max_archive_members:
            yield rejected(path, name, f"Tệp .zip có {len(members)} tệp, vượt giới hạn {limits.max_archive_members}.")
            return
        if total > limits.max_archive_bytes or total / compressed > limits.max_compression_ratio:
            yield rejected(path, name, "Tệp .zip có dung lượng giải nén bất thường (nghi «zip bomb»), không xử lý.")
            return
        for i, info in enumerate(members):
            inner = f"{name}/{member_name(info)}"
            if info.flag_bits & 0x1:
                yield Document(file=inner, rejected="Tệp trong .zip được đặt mật khẩu, không đọc được.")
                continue
            if PurePosixPath(info.filename).suffix.lower() == ".zip":
                yield Document(file=inner, rejected="Không nhận tệp .zip lồng trong tệp .zip; hãy giải nén trước.")
                continue
            target = Path(tmp) / f"{i}{PurePosixPath(info.filename).suffix.lower()}"
            try:
                with archive.open(info) as src, target.open("wb") as dst:
                    dst.write(src.read(limits.max_file_bytes + 1))
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
                yield Document(file=inner, rejected="Tệp trong .zip bị hỏng, không giải nén được.")
                continue
            yield from read_file(target, inner, limits, pictures)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it. zipfile decodes a name not flagged UTF-8 as code page
    437, which no Vietnamese writer uses: macOS and Linux write UTF-8 without the flag, Windows'
    own "Send to compressed folder" the system's code page (1258 on a Vietnamese Windows): a
    "Biên bản.docx" zipped on a Mac came out "Bi├¬n bß║ún.docx" in the report."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    raw = info.filename.encode("cp437")
    try:
        return nfc(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return nfc(raw.decode("cp1258", errors="replace"))


def _hidden(member: str) -> bool:
    parts = PurePosixPath(member).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)
