"""Where the page's millimetres land in the image: a fit of the printed corner markers.

Every detected marker gives four corners whose position on paper is known from the layout, so
three or four markers give 12-16 point pairs. Four markers fit a homography (a phone photo is a
perspective view); three fit an affine map, which is exact for a flat scan, and a homography,
which follows a photo's perspective: the printed boxes choose between them. The fit's own
residual, converted back to millimetres, says how much to trust it: a folded or curled sheet, a
marker glued from another page, or a detection in the wrong place all show up as a large
residual, and such a page is refused rather than read with boxes in the wrong place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from domain.errors import KiemdiemError
from parsers.page_marks import PageMarks
from templating.marks import ARUCO_BLACK_MODULES, ARUCO_MODULES

log = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float64]

# Residual (largest corner, in mm) above which a page is refused. The refinement of each box
# searches ±1.5 mm, so a fit off by more cannot be rescued locally.
MAX_ERROR_MM = 1.2
MIN_MARKERS = 3
# The black square of a marker inside its printed image (quiet zone of one module around it).
_QUIET_FRACTION = (ARUCO_MODULES - ARUCO_BLACK_MODULES) / 2 / ARUCO_MODULES


class RegistrationError(KiemdiemError):
    """The page's corner markers do not allow placing its boxes reliably."""


@dataclass(frozen=True, eq=False)
class Registration:
    """A fitted map from page millimetres (x right, y down, upright page) to image pixels.

    `px_per_mm` is the mean scale, used to size local searches; `error_mm` the largest residual
    of the marker corners; `rotation` as in `PageMarks` (clockwise turn of the image).
    """

    matrix: Matrix  # 3×3, mm → px (homogeneous)
    error_mm: float
    markers: int
    px_per_mm: float
    rotation: int
    image_size: tuple[int, int]  # width, height of the image as given
    paper: Matrix  # the marker corners the fit was made from: mm …
    seen: Matrix  # … and px

    def refit(self, points_mm: Matrix, points_px: Matrix, tolerance_mm: float) -> Registration:
        """A homography through the marker corners and further fiducials (the printed boxes found
        on the page), outliers rejected: with three markers on a photo, or a sheet that is not quite
        flat, the boxes between the markers place the page better than the markers alone. Itself
        when no homography is found. Whether the markers accept the new fit is `accepts`' to say."""
        src = np.vstack([self.paper, points_mm])
        dst = np.vstack([self.seen, points_px])
        found, _ = cv2.findHomography(src, dst, cv2.RANSAC, tolerance_mm * self.px_per_mm)
        if found is None:
            return self
        return replace(self, matrix=np.asarray(found, dtype=np.float64))

    def accepts(self, fit: Registration) -> bool:
        """Whether `fit` (a `refit` of this one) keeps the markers in place: the markers' residual
        stays the error of record, and a fit that raises it above the bound is refused."""
        if fit is self:
            return True
        error = _error_mm(fit.matrix, self.paper, self.seen)
        return bool(np.isfinite(error) and error <= max(MAX_ERROR_MM, self.error_mm))

    def alternatives(self) -> list[Registration]:
        """The other fits the same markers allow (`_marker_fits`), for the boxes to choose
        between (`omr.boxes`)."""
        return [replace(self, matrix=matrix, error_mm=error)
                for matrix, error in _marker_fits(self.paper, self.seen, self.markers)
                if _usable(matrix, error) and not np.allclose(matrix, self.matrix)]

    def to_image(self, points_mm: npt.ArrayLike) -> npt.NDArray[np.float64]:
        pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 1, 2)
        return np.asarray(cv2.perspectiveTransform(pts, self.matrix), dtype=np.float64).reshape(-1, 2)

    def to_page(self, points_px: npt.ArrayLike) -> npt.NDArray[np.float64]:
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 1, 2)
        inverse = np.linalg.inv(self.matrix)
        return np.asarray(cv2.perspectiveTransform(pts, inverse), dtype=np.float64).reshape(-1, 2)

    def patch(self, gray: npt.NDArray[np.uint8], x_mm: float, y_mm: float, w_mm: float, h_mm: float,
              ppmm: float) -> npt.NDArray[np.uint8]:
        """The page region (mm, upright) resampled to `ppmm` pixels per mm, upright whatever the
        image's rotation; outside the image is white."""
        width, height = max(1, round(w_mm * ppmm)), max(1, round(h_mm * ppmm))
        # out px → mm → image px
        to_mm = np.array([[1 / ppmm, 0, x_mm], [0, 1 / ppmm, y_mm], [0, 0, 1]], dtype=np.float64)
        warp = self.matrix @ to_mm
        out = cv2.warpPerspective(
            gray, warp, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT, borderValue=255,
        )
        return np.asarray(out, dtype=np.uint8)


def marker_corners_mm(layout: dict[str, Any]) -> dict[str, npt.NDArray[np.float64]]:
    """Each marker's black-square corners on paper, in the detector's order (its top-left first,
    clockwise), which is the upright page's order whatever the image's rotation."""
    out = {}
    for corner, (x, y, size) in layout["markers"].items():
        inset = size * _QUIET_FRACTION
        x0, y0, x1, y1 = x + inset, y + inset, x + size - inset, y + size - inset
        out[corner] = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    return out


def register(marks: PageMarks, layout: dict[str, Any], image_size: tuple[int, int]) -> Registration:
    """Fit page mm → image px from the markers found; raises `RegistrationError` when fewer than
    three markers were found, the rotation is unknown, or the fit's residual is above the bound."""
    found = {name: pts for name, pts in marks.markers.items() if name in layout["markers"]}
    if len(found) < MIN_MARKERS or marks.rotation is None:
        raise RegistrationError(
            f"Chỉ tìm thấy {len(found)}/4 dấu định vị ở góc trang: cần ít nhất 3 dấu để đọc các ô đánh dấu. "
            "Hãy chụp hoặc quét lại cả trang, không để mất góc.",
            detail=f"markers {sorted(found)}, rotation {marks.rotation}",
        )
    paper = marker_corners_mm(layout)
    src = np.concatenate([paper[name] for name in found])
    dst = np.concatenate([np.asarray(found[name], dtype=np.float64) for name in found])
    fits = _marker_fits(src, dst, len(found))
    usable = [(matrix, error) for matrix, error in fits if _usable(matrix, error)]
    if not usable:
        raise RegistrationError(
            "Các dấu định vị ở góc trang không khớp với nhau (trang bị gấp, cong, hoặc dấu bị che, bị dán "
            "từ trang khác): không xác định được vị trí các ô. Hãy quét lại trang cho phẳng.",
            detail=f"reprojection errors {[round(e, 2) for _, e in fits]} mm (bound {MAX_ERROR_MM} mm), "
                   f"scales {[round(_scale(m), 2) for m, _ in fits]} px/mm",
        )
    matrix, error = usable[0]
    log.debug("page registered", extra={"markers": len(found), "error_mm": round(error, 3), "fits": len(usable)})
    return Registration(matrix, error, len(found), _scale(matrix), marks.rotation, image_size, src, dst)


def _marker_fits(src: Matrix, dst: Matrix, markers: int) -> list[tuple[Matrix, float]]:
    """The fits of the marker corners, the likelier first, with their residuals.

    Four markers fit a homography. Three fit an affine map, exact for a flat scan; a homography
    through their twelve corners follows a photo's perspective, which the affine map cannot (each
    marker's own shape shows the local tilt), but four close corners per marker pin it loosely,
    and on a flat scan it can be further off than the affine. Both are kept, the affine first:
    which one places the printed boxes is for the boxes to show (`omr.boxes.measure_boxes`)."""
    kinds = (True,) if markers == 4 else (False, True)
    fits = [_fit(src, dst, homography=homography) for homography in kinds]
    return [(matrix, _error_mm(matrix, src, dst)) for matrix in fits]


def _usable(matrix: Matrix, error: float) -> bool:
    """Within the residual's bound, and not shrinking the page below a pixel per mm."""
    return bool(np.isfinite(error) and error <= MAX_ERROR_MM and _scale(matrix) >= 1.0)


def _scale(matrix: Matrix) -> float:
    """Mean pixels per mm of a fit, at the page's origin."""
    return float(np.sqrt(abs(np.linalg.det(matrix[:2, :2] / matrix[2, 2]))))


def _fit(src: Matrix, dst: Matrix, *, homography: bool) -> Matrix:
    if homography:
        matrix, _ = cv2.findHomography(src, dst, 0)
        if matrix is not None:
            return np.asarray(matrix, dtype=np.float64)
    # Least-squares affine: [x y 1] A = [u v].
    design = np.hstack([src, np.ones((len(src), 1))])
    solution, *_ = np.linalg.lstsq(design, dst, rcond=None)
    return np.vstack([solution.T, [0.0, 0.0, 1.0]])


def _error_mm(matrix: Matrix, src: Matrix, dst: Matrix) -> float:
    """Largest distance, in mm, between a marker corner's paper position and its seen position
    mapped back to paper."""
    try:
        inverse = np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return float("inf")
    back = cv2.perspectiveTransform(dst.reshape(-1, 1, 2), inverse).reshape(-1, 2)
    return float(np.max(np.linalg.norm(back - src, axis=1)))
