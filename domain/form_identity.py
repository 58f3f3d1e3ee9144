"""Identity of one printed page, carried by the QR code so that a scanned page says which form,
unit, person and page it is, without trusting what a clerk wrote on it.

Payload (UTF-8, one line, fields separated by ``|``)::

    KD1|<form_id>|<version>|<unit>|<person>|<year>|<page>/<pages>|<checksum>

Text fields are escaped, never restricted: names may hold any character, so ``%``, ``|`` and
control characters are written as ``%XX`` (two upper-case hex digits of the code point); everything
else, Vietnamese letters included, is written as is (NFC), which keeps the payload short. The
checksum is the first 6 base32 characters of the SHA-256 of everything before the last ``|``: the
QR's own error correction repairs damage, the checksum catches a payload built or copied wrongly
(a foreign QR, a hand-typed code, a truncated read) before it is attached to the wrong person.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from domain.errors import KiemdiemError

PREFIX = "KD1"
SEPARATOR = "|"
CHECKSUM_LENGTH = 6
# Anything longer was not written by `encode` (typical payloads are 60-110 bytes); refusing it
# early keeps a hostile QR from costing more than a glance.
MAX_PAYLOAD_CHARS = 1000

_FIELD_COUNT = 8
_ESCAPED = re.compile(r"[%|\x00-\x1f\x7f-\x9f]")
_ESCAPE_SEQUENCE = re.compile(r"%(?:[0-9A-F]{2})?")
_NUMBER = re.compile(r"[0-9]{1,4}")
_PAGES = re.compile(r"([0-9]{1,3})/([0-9]{1,3})")

_MIN_YEAR, _MAX_YEAR = 1900, 2999
_MAX_VERSION = 9999
_MAX_PAGES = 999


class IdentityError(KiemdiemError):
    """A page identity that cannot be trusted: not ours, damaged, or with impossible values."""


def _escape(text: str) -> str:
    return _ESCAPED.sub(lambda m: f"%{ord(m.group()):02X}", text)


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if len(match.group()) != 3:
            raise IdentityError(
                "Mã QR trên trang bị hỏng (ký tự thoát không hợp lệ).",
                detail=f"bad escape sequence in {text!r}",
            )
        return chr(int(match.group()[1:], 16))

    return _ESCAPE_SEQUENCE.sub(one, text)


def _checksum(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return base64.b32encode(digest[:5]).decode("ascii")[:CHECKSUM_LENGTH]


def _number(text: str, what: str) -> int:
    # int() alone would accept " 12", "+1", "1_000" and non-ASCII digits.
    if not _NUMBER.fullmatch(text):
        raise IdentityError(
            f"Mã QR trên trang có {what} không hợp lệ.",
            detail=f"{what}: {text!r} is not a 1-4 digit number",
        )
    return int(text)


@dataclass(frozen=True)
class FormIdentity:
    """Which printed page this is. `person` is "" for forms about the whole unit.

    Text fields are stored in NFC so that an identity equals its own decoded QR whatever
    normalisation the caller's data came in.
    """

    form_id: str
    version: int
    unit: str
    person: str
    year: int
    page: int
    pages: int

    def __post_init__(self) -> None:
        for name in ("form_id", "unit", "person"):
            object.__setattr__(self, name, unicodedata.normalize("NFC", getattr(self, name)))
        problems = []
        if not self.form_id.strip():
            problems.append("form_id is empty")
        if not 0 <= self.version <= _MAX_VERSION:
            problems.append(f"version {self.version} out of range")
        if not _MIN_YEAR <= self.year <= _MAX_YEAR:
            problems.append(f"year {self.year} out of range")
        if not 1 <= self.pages <= _MAX_PAGES or not 1 <= self.page <= self.pages:
            problems.append(f"page {self.page}/{self.pages} out of range")
        if problems:
            raise IdentityError(
                "Thông tin nhận dạng trang không hợp lệ (mã mẫu, năm hoặc số trang sai).",
                detail="; ".join(problems),
            )

    def encode(self) -> str:
        """The QR payload; `decode(encode())` gives back an equal identity."""
        fields = [
            PREFIX,
            _escape(self.form_id),
            str(self.version),
            _escape(self.unit),
            _escape(self.person),
            str(self.year),
            f"{self.page}/{self.pages}",
        ]
        body = SEPARATOR.join(fields)
        return f"{body}{SEPARATOR}{_checksum(body)}"

    @classmethod
    def decode(cls, text: str) -> FormIdentity:
        """Parse a QR payload; raises IdentityError, never anything else, for any text."""
        if len(text) > MAX_PAYLOAD_CHARS or not text.startswith(PREFIX + SEPARATOR):
            raise IdentityError(
                "Mã QR trên trang không phải mã của phiếu do phần mềm in ra.",
                detail=f"unknown payload prefix: {text[:20]!r}",
            )
        fields = text.split(SEPARATOR)
        if len(fields) != _FIELD_COUNT:
            raise IdentityError(
                "Mã QR trên trang không đủ thông tin (sai số trường).",
                detail=f"{len(fields)} fields instead of {_FIELD_COUNT}",
            )
        body, checksum = text.rsplit(SEPARATOR, 1)
        if checksum != _checksum(body):
            raise IdentityError(
                "Mã QR trên trang không khớp mã kiểm tra: mã bị sửa hoặc đọc sai.",
                detail=f"checksum {checksum!r} != {_checksum(body)!r}",
            )
        _, form_id, version, unit, person, year, pages_text = fields[:7]
        pages = _PAGES.fullmatch(pages_text)
        if not pages:
            raise IdentityError(
                "Mã QR trên trang có số trang không hợp lệ.",
                detail=f"pages field {pages_text!r} is not <page>/<pages>",
            )
        return cls(
            form_id=_unescape(form_id),
            version=_number(version, "số phiên bản"),
            unit=_unescape(unit),
            person=_unescape(person),
            year=_number(year, "năm"),
            page=int(pages.group(1)),
            pages=int(pages.group(2)),
        )
