"""Page geometry shared by the template builder and the box-layout extractor.

Margins follow Nghị định 30/2020/NĐ-CP, Phụ lục I (top and bottom 20–25 mm, left 30–35 mm,
right 15–20 mm; Times New Roman 13–14 pt). The machine marks live in the margins so the body
keeps the official look: an ArUco marker in each page corner (outside the printable body, inside
what office printers reach) and the page's QR code at the top of the wide left binding margin.
"""

from __future__ import annotations

from dataclasses import dataclass

from templating.marks import CORNER_MARKERS

FONT = "Times New Roman"
BODY_PT = 13
MM_PER_PT = 25.4 / 72
BOX_GLYPH = "□"  # U+25A1 WHITE SQUARE: in Times New Roman (WGL4) and Liberation Serif, so it prints everywhere

MARGIN_TOP_MM = 20.0
MARGIN_BOTTOM_MM = 20.0
MARGIN_LEFT_MM = 30.0
MARGIN_RIGHT_MM = 15.0
HEADER_DISTANCE_MM = 8.0

MARKER_MM = 10.0
MARKER_OFFSET_MM = 6.0  # from the paper edge to the marker's outer corner
QR_MM = 22.0
QR_X_MM = 5.0
QR_Y_MM = 22.0


@dataclass(frozen=True)
class PageSize:
    width_mm: float
    height_mm: float

    @property
    def landscape(self) -> bool:
        return self.width_mm > self.height_mm

    @property
    def body_width_mm(self) -> float:
        return self.width_mm - MARGIN_LEFT_MM - MARGIN_RIGHT_MM

    def marker_origins(self) -> dict[str, tuple[float, float]]:
        """Top-left corner (mm, from the page's top-left) of each corner marker."""
        far_x = self.width_mm - MARKER_OFFSET_MM - MARKER_MM
        far_y = self.height_mm - MARKER_OFFSET_MM - MARKER_MM
        origins = {
            "top_left": (MARKER_OFFSET_MM, MARKER_OFFSET_MM),
            "top_right": (far_x, MARKER_OFFSET_MM),
            "bottom_right": (far_x, far_y),
            "bottom_left": (MARKER_OFFSET_MM, far_y),
        }
        assert set(origins) == set(CORNER_MARKERS)
        return origins


A4_PORTRAIT = PageSize(210.0, 297.0)
A4_LANDSCAPE = PageSize(297.0, 210.0)
