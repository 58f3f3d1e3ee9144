"""Reads the machine marks back from a scanned or photographed page: the QR code (which page
this is) and the four corner ArUco markers (how the page is turned and where its corners are).

Rotation is decided from where the markers sit relative to each other, not from the image
edges, so a photo with a desk around the page works as well as a flat scan. Each marker's own
orientation must agree: a mirrored image or a template that printed a marker turned gives no
rotation rather than a wrong one.

Nothing here raises on a page that merely lacks marks: the caller gets what was found and a
Vietnamese reason for what was not, and decides (ask for a rescan, fall back to reading the text).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from domain.errors import FileRejected
from domain.form_identity import FormIdentity, IdentityError
from parsers.opencv_threads import one_thread
from parsers.shrink import halved, shrunk
from templating.marks import ARUCO_DICTIONARY, CORNER_MARKERS

Points = npt.NDArray[np.float32]

ROTATIONS = (0, 90, 180, 270)

# Page corners in clockwise order, each with its position on an upright unit page (x right, y down).
_CLOCKWISE = ("top_left", "top_right", "bottom_right", "bottom_left")
_UNIT_POSITION = {
    "top_left": (0.0, 0.0),
    "top_right": (1.0, 0.0),
    "bottom_right": (1.0, 1.0),
    "bottom_left": (0.0, 1.0),
}
_NAME_OF_ID = {marker_id: name for name, marker_id in CORNER_MARKERS.items()}

# Mean cosine between seen and expected directions below which the markers contradict each other
# (the candidates are 90° apart, so the right one scores about 1 and the next best about 0).
_MIN_AGREEMENT = 0.6
# Markers of one page are printed the same size; a detection far off the others' size is a
# false positive in handwriting or a marker from another sheet in the photo.
_SIZE_TOLERANCE = 2.0
# Pages up to this size (longest side in pixels; A4 at 200 dpi is 2339) are also tried enlarged 2×
# when the QR is not read; a larger page already has the resolution, and enlarging it costs seconds.
_UPSCALE_MAX_SIDE = 2600
# A located but unreadable QR is cut out and enlarged to about this size (pixels).
_QR_CROP_SIDE = 640

_UNDO_ROTATION = {
    90: cv2.ROTATE_90_COUNTERCLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_CLOCKWISE,
}

QR_NOT_FOUND = "Không tìm thấy mã QR trên trang (mã bị che, bị cắt mất hoặc ảnh quá mờ)."
QR_UNREADABLE = "Tìm thấy mã QR nhưng không đọc được (ảnh mờ, nhòe hoặc mã bị bẩn, bị viết đè)."
QR_NOT_TEXT = "Mã QR trên trang không phải mã của phiếu do phần mềm in ra."


@dataclass(frozen=True, eq=False)
class PageMarks:
    """What the marks of one page image say.

    `markers` maps the upright corner a marker belongs to (by its id, not by where it was seen)
    to its 4×2 corner points in image pixels, in the marker's own order (its top-left first,
    clockwise). `rotation` is the clockwise turn, in degrees, that was applied to an upright page
    to give this image; `upright(image, rotation)` undoes it. No equality: the points are arrays.
    """

    identity: FormIdentity | None
    qr_error: str | None
    markers: dict[str, Points] = field(default_factory=dict)
    rotation: int | None = None


def read_page_marks(image: npt.NDArray[Any]) -> PageMarks:
    """Identity, corner markers and rotation of a BGR, BGRA or grayscale 8-bit page image."""
    return with_identity(image, read_markers(image))


def with_identity(image: npt.NDArray[Any], marks: PageMarks) -> PageMarks:
    """`marks` (found by `read_markers`) with the identity read from a QR searched over the whole
    page, so that a page whose QR was not where its markers put it is not searched for markers
    again (~0.08 s on every official-layout page)."""
    # A page with none of our markers is almost always a form printed elsewhere: one plain look
    # for a QR then, not the costly retries (they would add ~0.5 s to every official-layout page).
    identity, qr_error = _read_identity(_gray(image), thorough=bool(marks.markers))
    return replace(marks, identity=identity, qr_error=qr_error)


def read_markers(image: npt.NDArray[Any], when_none_seen: Callable[[], object] | None = None) -> PageMarks:
    """Corner markers and rotation only: the cheap first look, after which the QR can be cut out
    where the markers say it is (`omr.qr.identity_on_crop`) instead of searched for. Searched on
    one OpenCV thread (`parsers.opencv_threads`): on a reduced copy and small crops, two threads
    saved 4 ms on our pages and 30 ms on official ones, at a fifth more CPU.

    `when_none_seen` is called as soon as the first look has found no marker at all: the page is
    then most likely printed elsewhere, and the caller may start on it while the closer looks
    that must still rule our marks out go on."""
    with one_thread():
        markers = _find_markers(_gray(image), when_none_seen)
    return PageMarks(identity=None, qr_error=None, markers=markers, rotation=_rotation(markers))


def upright(image: npt.NDArray[Any], rotation: int) -> npt.NDArray[Any]:
    """The image turned back so the page stands upright (`rotation` as in `PageMarks`)."""
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {ROTATIONS}, not {rotation}")
    if rotation == 0:
        return image
    return np.asarray(cv2.rotate(image, _UNDO_ROTATION[rotation]))


def _gray(image: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        raise FileRejected(
            "Ảnh trang không đọc được (ảnh rỗng hoặc không phải ảnh 8 bit).",
            detail=f"page image: {type(image).__name__} {getattr(image, 'dtype', '')} {getattr(image, 'shape', '')}",
        )
    channels = 1 if image.ndim == 2 else image.shape[2] if image.ndim == 3 else 0
    if channels == 1:
        return np.ascontiguousarray(image.reshape(image.shape[:2]))
    if channels == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if channels == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY), dtype=np.uint8)
    raise FileRejected(
        "Ảnh trang không đọc được (số kênh màu không hỗ trợ).",
        detail=f"page image shape {image.shape}",
    )


# --- QR ---------------------------------------------------------------------------------------


def _read_identity(gray: npt.NDArray[np.uint8], *, thorough: bool = True) -> tuple[FormIdentity | None, str | None]:
    """zxing-cpp on the page first; then OpenCV on the page variants in turn: whenever a code is
    located but not decoded, its neighbourhood is enlarged and tried alone, which is far cheaper
    than enlarging the whole page and rescues the usual failure (modules of 2-4 pixels blurred by
    the scanner)."""
    payload = zxing_payload(gray)
    if payload:
        return _identity(payload)
    detector = cv2.QRCodeDetector()
    located = False
    variants = _page_variants(gray) if thorough else iter([gray])
    for variant in variants:
        payload, points = detect_and_decode(detector, variant)
        if not payload and points is not None:
            located = True
            for crop in _crop_variants(variant, points):
                payload, _ = detect_and_decode(detector, crop)
                if payload:
                    break
        if payload:
            return _identity(payload)
    return None, QR_UNREADABLE if located else QR_NOT_FOUND


_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def zxing_payload(image: npt.NDArray[np.uint8]) -> bytes:
    """The bytes of a QR code in `image` as zxing-cpp reads it (empty when it finds none): a
    fraction of a millisecond on a crop and ~15 ms on a whole 300 dpi page, where OpenCV's detector
    takes ~13 ms a crop and misses more codes on a noisy page; OpenCV is tried after it."""
    found = zxingcpp.read_barcodes(image, formats=_QR_ONLY)
    return bytes(found[0].bytes) if found else b""


def detect_and_decode(detector: Any, image: npt.NDArray[np.uint8]) -> tuple[bytes, Points | None]:
    # Bytes, not text: the binding would raise on a foreign code that is not UTF-8.
    try:
        payload, points, _ = detector.detectAndDecodeBytes(image)
    except cv2.error:
        return b"", None
    if points is None or np.asarray(points).size != 8:
        return bytes(payload or b""), None
    return bytes(payload or b""), np.asarray(points, dtype=np.float32).reshape(4, 2)


def binary(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    _, binary = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(binary, dtype=np.uint8)


def _enlarged(image: npt.NDArray[np.uint8], factor: float) -> npt.NDArray[np.uint8]:
    return np.asarray(cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)


def _page_variants(gray: npt.NDArray[np.uint8]) -> Iterator[npt.NDArray[np.uint8]]:
    """The page as is, Otsu-binarised (faint or uneven scans), median-filtered (sensor noise of a
    phone photo, which breaks the finder-pattern search), then 2× (a small code in a
    low-resolution scan) unless the page is already large. Lazy: the first usually succeeds."""
    yield gray
    yield binary(gray)
    yield np.asarray(cv2.medianBlur(gray, 3), dtype=np.uint8)
    if max(gray.shape) <= _UPSCALE_MAX_SIDE:
        enlarged = _enlarged(gray, 2)
        yield enlarged
        yield binary(enlarged)


def _crop_variants(image: npt.NDArray[np.uint8], points: Points) -> Iterator[npt.NDArray[np.uint8]]:
    """The located code with a margin for its quiet zone, enlarged to about `_QR_CROP_SIDE` pixels."""
    x, y, w, h = cv2.boundingRect(points)
    margin = max(w, h) // 4 + 4
    crop = image[max(0, y - margin) : y + h + margin, max(0, x - margin) : x + w + margin]
    if crop.size == 0:
        return
    factor = max(1.0, _QR_CROP_SIDE / max(crop.shape))
    enlarged = _enlarged(crop, factor) if factor > 1 else crop
    yield enlarged
    yield binary(enlarged)


def _identity(payload: bytes) -> tuple[FormIdentity | None, str | None]:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None, QR_NOT_TEXT
    try:
        return FormIdentity.decode(text), None
    except IdentityError as error:
        return None, error.user_message


# --- ArUco ---------------------------------------------------------------------------------------

_DETECT_SIDE = 1600
# The default `minMarkerPerimeterRate`: candidates shorter than this share of the searched image's
# long side are ignored. Kept in pixels of the reduced page when only crops of it are searched.
_MIN_PERIMETER_RATE = 0.03
# The first, half-size look only locates markers, so it skips what cannot be one: outlines shorter
# than a printed box's (a marker's black square is 7.5 mm, the largest box 4.4 mm), and the
# smallest and largest threshold windows (about as many markers found, at half the cost).
_LOCATE_PERIMETER_RATE = 0.05
_LOCATE_WINDOWS = (7, 17, 10)
# A marker is cut out with this margin (pixels of the reduced page) for its second look: wider
# than the largest threshold window (23) and the detector's minimum distance to the border (3).
_CROP_MARGIN = 32
# The missing fourth marker is looked for within this share of the image's long side (either way)
# of where the other three place it: a phone's perspective moves it by a few per cent.
_MISSING_REACH = 0.12
_EDGE_PAD = 10  # white pixels framed around every image searched for markers


def _detector(*, wide: bool, min_perimeter: float = _MIN_PERIMETER_RATE,
              windows: tuple[int, int, int] | None = None) -> Any:
    parameters = cv2.aruco.DetectorParameters()
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    parameters.minMarkerPerimeterRate = min_perimeter
    if wide:
        # Larger threshold windows: big markers in high-resolution photos, and uneven lighting.
        windows = (13, 93, 20)
    if windows:
        (parameters.adaptiveThreshWinSizeMin, parameters.adaptiveThreshWinSizeMax,
         parameters.adaptiveThreshWinSizeStep) = windows
    dictionary = cv2.aruco.getPredefinedDictionary(ARUCO_DICTIONARY)
    return cv2.aruco.ArucoDetector(dictionary, parameters)


def _detections(gray: npt.NDArray[np.uint8], *, wide: bool, min_perimeter: float = _MIN_PERIMETER_RATE,
                windows: tuple[int, int, int] | None = None) -> list[tuple[str, Points]]:
    """The corner markers the detector finds in `gray`, searched with a white margin around it: a
    scan cut a little askew leaves a marker touching the image's edge, and the detector sees no
    closed outline there (on the own-forms benchmark, 2 of 500 pages lost two corners so)."""
    framed = cv2.copyMakeBorder(gray, _EDGE_PAD, _EDGE_PAD, _EDGE_PAD, _EDGE_PAD, cv2.BORDER_CONSTANT, value=255)
    corners, ids, _ = _detector(wide=wide, min_perimeter=min_perimeter, windows=windows).detectMarkers(framed)
    if ids is None:
        return []
    found = []
    for marker_id, points in zip(np.asarray(ids).ravel().tolist(), corners, strict=True):
        name = _NAME_OF_ID.get(int(marker_id))
        if name is not None:
            found.append((name, np.asarray(points, dtype=np.float32).reshape(4, 2) - _EDGE_PAD))
    return found


def _side(points: Points) -> float:
    return math.sqrt(abs(float(cv2.contourArea(points))))


def _in_crop(image: npt.NDArray[np.uint8], box: tuple[int, int, int, int], name: str, *, wide: bool
             ) -> list[tuple[str, Points]]:
    """Detections of marker `name` in the `box` (x0, y0, x1, y1, clipped to the image) of `image`,
    in pixels of `image`. The shortest candidate kept is the one the whole image would keep."""
    x0, y0 = max(0, box[0]), max(0, box[1])
    crop = image[y0:max(y0, box[3]), x0:max(x0, box[2])]
    if min(crop.shape) < 2 * _CROP_MARGIN:
        return []
    rate = _MIN_PERIMETER_RATE * max(image.shape) / max(crop.shape)
    offset = np.array([x0, y0], dtype=np.float32)
    return [(seen, pts + offset) for seen, pts in _detections(crop, wide=wide, min_perimeter=rate) if seen == name]


def _cropped_detections(small: npt.NDArray[np.uint8]) -> list[tuple[str, Points]]:
    """What `_detections(small)` finds, at a third of its cost: the markers are located on a copy
    half as large, then each is detected again on a crop of `small` around it. The detector only
    looks at a few pixels around a marker, so the crop gives the corners the whole image would.
    When the half-size look misses more than one marker, or a crop loses the marker it was cut
    around, the whole of `small` goes to the detector as before."""
    half = np.asarray(halved(small), dtype=np.uint8)
    located = _detections(half, wide=False, min_perimeter=_LOCATE_PERIMETER_RATE, windows=_LOCATE_WINDOWS)
    if len({name for name, _ in located}) < len(CORNER_MARKERS) - 1:
        return _detections(small, wide=False)
    found: list[tuple[str, Points]] = []
    for name, points in located:
        x, y, w, h = cv2.boundingRect(points * 2)
        box = (x - _CROP_MARGIN, y - _CROP_MARGIN, x + w + _CROP_MARGIN, y + h + _CROP_MARGIN)
        again = _in_crop(small, box, name, wide=False)
        if len(again) != 1:
            return _detections(small, wide=False)
        found.extend(again)
    return found


def _reduced_detections(gray: npt.NDArray[np.uint8]) -> list[tuple[str, Points]]:
    """Markers found on a copy at most `_DETECT_SIDE` pixels long (a 300 dpi page or a 12 MP photo
    costs ~0.15 s at full size, a few hundredths reduced), corners refined on the full image."""
    scale = _DETECT_SIDE / max(gray.shape)
    small = np.asarray(shrunk(gray, scale), dtype=np.uint8)
    found = _cropped_detections(small)
    if not found:
        return []
    corners = (np.concatenate([points for _, points in found]) / scale).astype(np.float32)
    window = max(2, round(1.5 / scale))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05)
    # a corner of a marker cut by the image's edge lies off the image: it is kept as found
    h, w = gray.shape
    inside = np.all((corners >= 0) & (corners <= np.array([w - 1, h - 1])), axis=1)
    if inside.any():
        refined = cv2.cornerSubPix(gray, corners[inside].reshape(-1, 1, 2), (window, window), (-1, -1), criteria)
        corners[inside] = np.asarray(refined, dtype=np.float32).reshape(-1, 2)
    points = corners.reshape(-1, 4, 2)
    return [(name, points[k]) for k, (name, _) in enumerate(found)]


def _missing_corner(gray: npt.NDArray[np.uint8], found: list[tuple[str, Points]], *, wide: bool
                    ) -> list[tuple[str, Points]]:
    """The one marker missing from three, looked for only where the other three place it: the
    corners of a page stay a parallelogram under any turn and nearly so in a photo, so the fourth
    lies near the sum of its two neighbours less the opposite corner. A crop there costs a
    fraction of a whole-image search, which a page with a torn or covered corner would pay for
    nothing."""
    centres = {name: points.mean(axis=0) for name, points in found}
    (missing,) = set(_CLOCKWISE) - set(centres)
    at = _CLOCKWISE.index(missing)
    before, opposite, after = (_CLOCKWISE[(at + k) % 4] for k in (-1, 2, 1))
    x, y = (centres[before] + centres[after] - centres[opposite]).tolist()
    reach = round(max(_MISSING_REACH * max(gray.shape), 3 * max(_side(points) for _, points in found)))
    return _in_crop(gray, (round(x) - reach, round(y) - reach, round(x) + reach, round(y) + reach), missing, wide=wide)


def _find_markers(gray: npt.NDArray[np.uint8], when_none_seen: Callable[[], object] | None = None
                  ) -> dict[str, Points]:
    """One detection per corner id: the largest when an id is seen twice, and none whose size is
    far from the others'. A large image is searched reduced first. While a corner is missing, one
    of four is looked for at full size where the others place it (`_missing_corner`), with the
    usual then wider thresholds; more than one, over the whole image."""
    if max(gray.shape) > _DETECT_SIDE * 1.2:
        detections = _reduced_detections(gray)
        if len({name for name, _ in detections}) < len(CORNER_MARKERS) - 1:
            detections = _detections(gray, wide=False)
    else:
        detections = _detections(gray, wide=False)
    if not detections and when_none_seen is not None:
        when_none_seen()
    for wide in (False, True):
        names = {name for name, _ in detections}
        if len(names) == len(CORNER_MARKERS) - 1:
            detections += _missing_corner(gray, detections, wide=wide)
        elif len(names) < len(CORNER_MARKERS) - 1 and wide:
            detections += _detections(gray, wide=True)
    best: dict[str, Points] = {}
    for name, points in detections:
        if name not in best or _side(points) > _side(best[name]):
            best[name] = points
    if not best:
        return {}
    median = float(np.median([_side(points) for points in best.values()]))
    kept = {
        name: points
        for name, points in best.items()
        if median / _SIZE_TOLERANCE <= _side(points) <= median * _SIZE_TOLERANCE
    }
    return {name: kept[name] for name in _CLOCKWISE if name in kept}


# --- Rotation ---------------------------------------------------------------------------------


def _turn(vector: tuple[float, float], quarter_turns: int) -> tuple[float, float]:
    """`vector` turned clockwise on screen (y down) by `quarter_turns` × 90°."""
    x, y = vector
    for _ in range(quarter_turns % 4):
        x, y = -y, x
    return x, y


def _cosine(a: tuple[float, float], b: tuple[float, float]) -> float:
    norm = math.hypot(*a) * math.hypot(*b)
    return (a[0] * b[0] + a[1] * b[1]) / norm if norm else 0.0


def _rotation(markers: dict[str, Points]) -> int | None:
    """The quarter turn under which the seen markers sit where the upright page puts them.

    Every pair of markers votes with the direction from one to the other (the candidates are 90°
    apart, so perspective and skew of a photo do not blur the choice); a rotation is returned only
    when the pairs agree and each marker's own orientation agrees with it too.
    """
    if len(markers) < 2:
        return None
    centres = {name: tuple(float(c) for c in points.mean(axis=0)) for name, points in markers.items()}
    scores = []
    for turns in range(4):
        votes = []
        for a, b in itertools.combinations(markers, 2):
            seen = (centres[b][0] - centres[a][0], centres[b][1] - centres[a][1])
            upright = (_UNIT_POSITION[b][0] - _UNIT_POSITION[a][0], _UNIT_POSITION[b][1] - _UNIT_POSITION[a][1])
            votes.append(_cosine(seen, _turn(upright, turns)))
        scores.append(sum(votes) / len(votes))
    turns = max(range(4), key=lambda t: scores[t])
    if scores[turns] < _MIN_AGREEMENT:
        return None
    # A marker's first two corners run along its own top edge: "right" on the upright page.
    own = [
        _cosine((float(p[1][0] - p[0][0]), float(p[1][1] - p[0][1])), _turn((1.0, 0.0), turns))
        for p in markers.values()
    ]
    if sum(own) / len(own) < _MIN_AGREEMENT:
        return None
    return ROTATIONS[turns]
