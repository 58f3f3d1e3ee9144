"""Forms photographed and pasted into a Word file, read as the page images they are.

A clerk with no scanner photographs the filled forms and sends the photos inside a .docx, one
page to a picture. Such a file holds no form as text; its pictures, in the order the document
shows them, are read like a stack of scans. Pictures too small to be a page (a logo, a signature)
are left out, and so is a picture the document shows twice.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from domain.model import Document, DocumentKind
from parsers.pictures import Pictures

_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_READ_TYPES = {"image/png": ".png", "image/jpeg": ".jpeg", "image/tiff": ".tiff"}
MIN_PAGE_PX = 800  # a picture's long side below this is no page a form can be read on (100 dpi A4: 1169)


def page_pictures(path: Path) -> list[tuple[str, bytes]]:
    """The suffix and bytes of each picture big enough to be a page, in the document's order."""
    import docx
    from PIL import Image, UnidentifiedImageError

    document = docx.Document(str(path))
    seen: set[str] = set()
    out: list[tuple[str, bytes]] = []
    for blip in document.element.body.iter(_BLIP):
        rid = blip.get(_EMBED)
        part = document.part.related_parts.get(rid) if rid else None
        suffix = _READ_TYPES.get(getattr(part, "content_type", ""))
        if part is None or suffix is None or part.partname in seen:
            continue
        seen.add(part.partname)
        try:
            with Image.open(io.BytesIO(part.blob)) as img:
                big = max(img.size) >= MIN_PAGE_PX
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
            big = True  # the image reader refuses it with its own message
        if big:
            out.append((suffix, part.blob))
    return out


def read_word_pictures(found: Sequence[tuple[str, bytes]], name: str, pictures: Pictures, sha256: str) -> Document:
    """The forms on the page pictures `found` in a Word file holding no form as text (`page_pictures`).
    Raises UnknownForm when none holds a known form."""
    from parsers.image_reader import read_page_images
    from parsers.pages import PageImage, image_pages

    with tempfile.TemporaryDirectory(prefix="kiemdiem-word-pictures-") as tmp:

        def pages() -> Iterator[PageImage]:
            for number, (suffix, data) in enumerate(found, start=1):
                picture = Path(tmp) / f"{number}{suffix}"
                picture.write_bytes(data)
                for page in image_pages(picture, name):
                    page.number = number
                    yield page
                    break  # one page a picture: a multi-frame TIFF pasted in shows its first

        forms = read_page_images(pages(), name, pictures)
    return Document(file=name, sha256=sha256, kind=DocumentKind.IMAGE, pages=len(found), forms=forms)
