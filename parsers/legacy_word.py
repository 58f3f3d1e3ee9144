"""A Word 97–2003 file (.doc) read as the .docx LibreOffice makes of it.

Clerks still save forms as .doc (older Word, WPS Office, "Word 97–2003" kept as the office's
habit), and a .doc renamed .docx (or the other way) is common: a Word file is told by its content,
not its name. A Word 97 file is an OLE compound file holding a "WordDocument" stream; an OLE file
holding an "EncryptedPackage" stream instead is a password-protected .docx, which nothing can read
without its password and which the .docx reader refuses with its own message.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from domain.errors import FileRejected

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")  # an OLE directory entry's name, as stored
_TIMEOUT_S = 60.0  # LibreOffice's start (a few seconds on a busy machine) and one document


def is_word97(path: Path) -> bool:
    """Whether the file is a Word 97–2003 document, whatever its name."""
    with path.open("rb") as f:
        head = f.read(len(OLE_MAGIC))
    return head == OLE_MAGIC and _WORD_STREAM in path.read_bytes()


@contextmanager
def as_docx(path: Path, name: str) -> Iterator[Path]:
    """The .docx LibreOffice makes of a Word 97–2003 file, for as long as the context lasts.

    Raises FileRejected (in Vietnamese) when LibreOffice is missing or cannot open the file (a
    password, damage, a hang cut off at `_TIMEOUT_S`)."""
    from templating.pdf_export import DOC_TO_DOCX, PdfExportError, convert, find_soffice

    if find_soffice() is None:
        raise FileRejected(
            f"Máy chủ chưa cài LibreOffice nên chưa đọc được tệp Word cũ (Word 97–2003) “{name}”. "
            "Hãy lưu lại thành tệp .docx rồi gửi lại.",
            detail=f"{name}: no soffice on PATH",
        )
    with tempfile.TemporaryDirectory(prefix="kiemdiem-doc-") as tmp:
        try:
            (made,) = convert([path], Path(tmp), DOC_TO_DOCX, workers=1, timeout_per_doc=0.0, base_timeout=_TIMEOUT_S)
        except PdfExportError as e:
            log.warning("legacy word file not converted", extra={"file": name, "detail": str(e)})
            raise FileRejected(
                f"Tệp “{name}” là tệp Word cũ (Word 97–2003) nhưng không chuyển được sang .docx để đọc "
                "(tệp có thể được đặt mật khẩu hoặc bị hỏng). Hãy mở bằng Word, lưu lại thành tệp .docx rồi gửi lại.",
                detail=f"{name}: {e}",
            ) from e
        yield made
