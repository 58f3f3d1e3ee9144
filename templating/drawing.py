"""DrawingML for pictures floating at a fixed place on the page.

python-docx only writes inline pictures; the corner markers and the QR code must sit at exact page
coordinates whatever the text does, so they are anchored relative to the page. The same XML serves
the builder (markers, drawn once into the header) and the renderer (a QR per page, per person).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

EMU_PER_MM = 36000

_ANCHOR = (
    '<w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{z}" '
    'behindDoc="0" locked="1" layoutInCell="1" allowOverlap="1">'
    '<wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
    '<wp:docPr id="{doc_id}" name={name}/>'
    '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'noChangeAspect="1"/></wp:cNvGraphicFramePr>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="0" name={name}/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
    "</a:graphicData></a:graphic></wp:anchor></w:drawing>"
)


def anchored_picture(
    rid: str, doc_id: int, name: str, x_mm: float, y_mm: float, width_mm: float, height_mm: float
) -> str:
    """A `<w:drawing>` (to put inside a `<w:r>`) placing picture `rid` at (x, y) mm from the page's top-left."""
    return _ANCHOR.format(
        z=251658240 + doc_id,
        x=round(x_mm * EMU_PER_MM),
        y=round(y_mm * EMU_PER_MM),
        cx=round(width_mm * EMU_PER_MM),
        cy=round(height_mm * EMU_PER_MM),
        doc_id=doc_id,
        name=quoteattr(name),
        rid=rid,
    )
