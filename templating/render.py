"""Renders one docxtpl template for many people, fast.

docxtpl re-opens the package, re-patches and re-compiles the XML and re-serialises every part on
each render. A unit prints the same form for hundreds of people, so here the template XML is
patched with docxtpl's own `patch_xml` and compiled once (autoescaping on: names may hold `&` or
`<`), and each render only runs the compiled template and writes the zip, copying the parts that
never change. The per-page QR codes travel as `Picture`s: new media parts with their relationships.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined

from templating.drawing import anchored_picture

DOCUMENT = "word/document.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


@dataclass(frozen=True)
class Picture:
    """A PNG anchored at a fixed place on the page, inserted where the template says `{{ … }}`."""

    index: int  # unique within one rendered document
    png: bytes
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float

    @property
    def rid(self) -> str:
        return f"rIdKdPic{self.index}"

    @property
    def part(self) -> str:
        return f"word/media/kd-pic-{self.index}.png"

    def __html__(self) -> str:
        drawing = anchored_picture(
            self.rid, 5000 + self.index, f"kd-qr-{self.index}", self.x_mm, self.y_mm, self.width_mm, self.height_mm
        )
        return f'</w:t></w:r><w:r>{drawing}</w:r><w:r><w:t xml:space="preserve">'

    def __str__(self) -> str:
        return self.__html__()


def jinja_environment() -> Environment:
    """Autoescaping, and an error rather than an empty string for a variable the context lacks."""
    return Environment(autoescape=True, undefined=StrictUndefined)


class BatchRenderer:
    """One template, compiled once, rendered to `.docx` bytes per context."""

    def __init__(self, template: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(template)) as zf:
            self._infos = zf.infolist()
            self._parts = {info.filename: zf.read(info) for info in self._infos}
        tpl = DocxTemplate(io.BytesIO(template))
        source = tpl.patch_xml(self._parts[DOCUMENT].decode("utf-8"))
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)  # as docxtpl: keeps {%p %} tags apart
        self._template = jinja_environment().from_string(source)
        self._rels = self._parts[DOCUMENT_RELS].decode("utf-8")

    @classmethod
    def from_path(cls, path: Path) -> BatchRenderer:
        return cls(path.read_bytes())

    def render(self, context: Mapping[str, Any], pictures: Sequence[Picture] = ()) -> bytes:
        xml = self._template.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        for tag in ("{{", "}}", "{%", "%}"):  # docxtpl's escape for literal braces
            xml = xml.replace(tag[0] + "_" + tag[1], tag)
        rels = self._rels.replace(
            "</Relationships>",
            "".join(
                f'<Relationship Id="{p.rid}" Type="{IMAGE_REL}" Target="{p.part.removeprefix("word/")}"/>'
                for p in pictures
            )
            + "</Relationships>",
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for info in self._infos:
                if info.filename == DOCUMENT:
                    zf.writestr(info.filename, xml.encode("utf-8"))
                elif info.filename == DOCUMENT_RELS:
                    zf.writestr(info.filename, rels.encode("utf-8"))
                else:
                    zf.writestr(info.filename, self._parts[info.filename])
            for picture in pictures:
                zf.writestr(picture.part, picture.png, compress_type=zipfile.ZIP_STORED)
        return out.getvalue()
