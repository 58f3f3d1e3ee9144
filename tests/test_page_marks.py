"""Page identity QR payloads and corner markers: written by `templating.marks`, read back from
synthetic A4 scans at 150 dpi turned every quarter turn, with a marker missing, blurred and
JPEG-compressed, mirrored, and blank."""

from __future__ import annotations

import unicodedata
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.form_identity import FormIdentity, IdentityError, _checksum
from parsers import page_marks
from parsers.page_marks import QR_NOT_FOUND, _cropped_detections, _detections, read_page_marks, upright
from templating.marks import ARUCO_DICTIONARY, CORNER_MARKERS, aruco_png, qr_png

IDENTITY = FormIdentity("2018/mau-05", 1, "Chi bộ 3", "Nguyễn Văn An", 2018, 1, 2)

HOSTILE = [
    "<script>alert(1)</script>",
    "A & B",
    "|",
    "a|b||c|",
    "100% chắc",
    "%7C",
    "dòng 1\ndòng 2\t\x00",
    "Nguyễn Thị Hồng Ngọc",
    "Đặng Quỳnh Thúy",
    "",
]

# 150 dpi A4.
DPI = 150
PAGE_W, PAGE_H = 1240, 1754


def mm(value: float) -> int:
    return round(value * DPI / 25.4)


# --- Identity payload -----------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_round_trip_hostile_names(name: str) -> None:
    for identity in (
        FormIdentity("2018/mau-05", 1, name, name, 2018, 1, 2),
        FormIdentity(name or "x", 3, "Chi bộ 3", name, 2023, 2, 2),
    ):
        text = identity.encode()
        assert text.count("|") == 7
        assert "\n" not in text and "\x00" not in text
        assert FormIdentity.decode(text) == identity


def test_payload_format_and_size() -> None:
    text = IDENTITY.encode()
    assert text.startswith("KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018|1/2|")
    assert len(text.rsplit("|", 1)[1]) == 6
    long_names = FormIdentity(
        "2023/mau-02", 1, "Chi bộ Khoa Công nghệ thông tin", "Nguyễn Thị Hồng Ngọc", 2023, 12, 12
    ).encode()
    assert len(long_names.encode("utf-8")) <= 120


def test_names_are_stored_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    identity = FormIdentity("2018/mau-05", 1, "Chi bộ 3", nfd, 2018, 1, 2)
    assert identity == IDENTITY
    assert FormIdentity.decode(identity.encode()) == IDENTITY


@given(
    unit=st.text(max_size=40),
    person=st.text(max_size=40),
    year=st.integers(1900, 2999),
    pages=st.integers(1, 999),
)
def test_round_trip_any_text(unit: str, person: str, year: int, pages: int) -> None:
    identity = FormIdentity("2018/mau-05", 7, unit, person, year, pages, pages)
    assert FormIdentity.decode(identity.encode()) == identity


@given(st.text(max_size=200))
def test_decode_of_any_text_raises_only_identity_error(text: str) -> None:
    try:
        FormIdentity.decode(text)
    except IdentityError as error:
        assert error.user_message


def test_checksum_tamper() -> None:
    text = IDENTITY.encode()
    with pytest.raises(IdentityError, match="checksum"):
        FormIdentity.decode(text.replace("Nguyễn Văn An", "Nguyễn Văn Ân"))
    with pytest.raises(IdentityError, match="checksum"):
        FormIdentity.decode(text.replace("1/2", "2/2"))
    body, checksum = text.rsplit("|", 1)
    other = "A" if checksum[0] != "A" else "B"
    with pytest.raises(IdentityError) as caught:
        FormIdentity.decode(f"{body}|{other}{checksum[1:]}")
    assert "kiểm tra" in caught.value.user_message


@pytest.mark.parametrize(
    "text",
    ["KD2|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018|1/2|AAAAAA", "https://example.com/?KD1|x", "", "kd1|" + "x|" * 7],
)
def test_wrong_prefix(text: str) -> None:
    with pytest.raises(IdentityError) as caught:
        FormIdentity.decode(text)
    assert "không phải mã của phiếu" in caught.value.user_message


def signed(body: str) -> str:
    return f"{body}|{_checksum(body)}"


@pytest.mark.parametrize(
    "body",
    [
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018",  # field missing
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn|Văn An|2018|1/2",  # unescaped separator
        "KD1|2018/mau-05|x|Chi bộ 3|Nguyễn Văn An|2018|1/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|+201|1/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|２０１８|1/2",  # full-width digits
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|1066|1/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018|3/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018|0/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn Văn An|2018|1-2",
        "KD1||1|Chi bộ 3|Nguyễn Văn An|2018|1/2",
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn %7 An|2018|1/2",  # broken escape
        "KD1|2018/mau-05|1|Chi bộ 3|Nguyễn %7c An|2018|1/2",  # lower-case escape is not ours
    ],
)
def test_bad_fields(body: str) -> None:
    with pytest.raises(IdentityError) as caught:
        FormIdentity.decode(signed(body))
    assert caught.value.user_message.startswith(("Mã QR", "Thông tin nhận dạng"))


# --- Images -----------------------------------------------------------------------------------


def png_gray(data: bytes) -> npt.NDArray[np.uint8]:
    assert data.startswith(b"\x89PNG")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def paste(page: npt.NDArray[np.uint8], image: npt.NDArray[np.uint8], x: int, y: int, side: int) -> None:
    """Scale `image` to `side` pixels the way a printer and scanner would (area averaging)."""
    scaled = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
    page[y : y + side, x : x + side] = scaled


def synthetic_page(identity: FormIdentity | None = IDENTITY, *, skip: str | None = None) -> npt.NDArray[np.uint8]:
    """Upright A4 at 150 dpi: 10 mm markers (quiet zone included) 8 mm from each corner, a 20 mm
    QR at (30 mm, 12 mm), and some body text so the page is not trivially empty."""
    page = np.full((PAGE_H, PAGE_W), 255, np.uint8)
    side, offset = mm(10), mm(8)
    spots = {
        "top_left": (offset, offset),
        "top_right": (PAGE_W - offset - side, offset),
        "bottom_right": (PAGE_W - offset - side, PAGE_H - offset - side),
        "bottom_left": (offset, PAGE_H - offset - side),
    }
    for name, (x, y) in spots.items():
        if name != skip:
            paste(page, png_gray(aruco_png(CORNER_MARKERS[name], pixels=200)), x, y, side)
    if identity is not None:
        paste(page, png_gray(qr_png(identity.encode(), scale=8)), mm(30), mm(12), mm(20))
    for row in range(12):
        cv2.putText(page, "Ho va ten: Nguyen Van An | xep loai", (mm(25), mm(60) + row * mm(12)), 0, 1.0, 0, 2)
    return page


ROTATE = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}


def turned(page: npt.NDArray[Any], k: int) -> npt.NDArray[Any]:
    return page if k == 0 else np.asarray(cv2.rotate(page, ROTATE[k]))


def blurred_jpeg(page: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    blurred = cv2.GaussianBlur(page, (5, 5), 1.0)
    ok, data = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    return np.asarray(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)


def test_aruco_png_has_quiet_zone_and_reads_back() -> None:
    image = png_gray(aruco_png(2, pixels=200))
    assert image.shape == (200, 200)
    assert image[:25].min() == 255 and image[:, -25:].min() == 255  # one module of white
    assert image[25:175, 25:175].min() == 0
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(ARUCO_DICTIONARY))
    _, ids, _ = detector.detectMarkers(image)
    assert ids is not None and ids.ravel().tolist() == [2]


def test_qr_png_is_black_on_white() -> None:
    image = png_gray(qr_png("KD1", scale=4, border=2))
    assert set(np.unique(image).tolist()) == {0, 255}
    assert image[:8].min() == 255  # the quiet zone


@pytest.mark.parametrize("k", range(4))
def test_reads_every_rotation(k: int) -> None:
    page = synthetic_page()
    marks = read_page_marks(turned(page, k))
    assert marks.identity == IDENTITY
    assert marks.qr_error is None
    assert marks.rotation == k * 90
    assert set(marks.markers) == set(CORNER_MARKERS)
    assert all(points.shape == (4, 2) and points.dtype == np.float32 for points in marks.markers.values())
    assert np.array_equal(upright(turned(page, k), k * 90), page)


def test_marker_points_are_in_image_pixels() -> None:
    marks = read_page_marks(synthetic_page())
    quiet = mm(10) / 8  # one module of white around the black square
    top_left = marks.markers["top_left"]
    assert np.allclose(top_left[0], (mm(8) + quiet, mm(8) + quiet), atol=2)
    bottom_right = marks.markers["bottom_right"]
    assert np.allclose(bottom_right[2], (PAGE_W - mm(8) - quiet, PAGE_H - mm(8) - quiet), atol=2)


@pytest.mark.parametrize("k", range(4))
@pytest.mark.parametrize("missing", list(CORNER_MARKERS))
def test_three_markers_suffice(k: int, missing: str) -> None:
    marks = read_page_marks(turned(synthetic_page(skip=missing), k))
    assert set(marks.markers) == set(CORNER_MARKERS) - {missing}
    assert marks.rotation == k * 90
    assert marks.identity == IDENTITY


@pytest.mark.parametrize("k", range(4))
def test_blur_and_jpeg(k: int) -> None:
    marks = read_page_marks(blurred_jpeg(turned(synthetic_page(), k)))
    assert marks.identity == IDENTITY
    assert marks.rotation == k * 90
    assert len(marks.markers) == 4


def test_colour_image() -> None:
    page = cv2.cvtColor(turned(synthetic_page(), 2), cv2.COLOR_GRAY2BGR)
    marks = read_page_marks(page)
    assert marks.identity == IDENTITY and marks.rotation == 180


def test_two_markers_decide_one_does_not() -> None:
    page = synthetic_page()
    side, offset = mm(10), mm(8)
    page[offset : offset + side, PAGE_W - offset - side : PAGE_W - offset] = 255  # top right gone
    page[PAGE_H - offset - side : PAGE_H - offset, offset : offset + side] = 255  # bottom left gone
    assert read_page_marks(turned(page, 3)).rotation == 270  # the diagonal pair is enough
    page[offset : offset + side, offset : offset + side] = 255  # top left gone too
    marks = read_page_marks(turned(page, 3))
    assert list(marks.markers) == ["bottom_right"]
    assert marks.rotation is None
    assert marks.identity == IDENTITY


def test_mirrored_page_has_no_rotation() -> None:
    marks = read_page_marks(cv2.flip(synthetic_page(), 1))
    assert marks.rotation is None


def test_blank_page() -> None:
    marks = read_page_marks(np.full((PAGE_H, PAGE_W), 255, np.uint8))
    assert marks.identity is None
    assert marks.rotation is None
    assert marks.markers == {}
    assert marks.qr_error == QR_NOT_FOUND


def test_page_without_qr() -> None:
    marks = read_page_marks(synthetic_page(identity=None))
    assert marks.identity is None and marks.qr_error == QR_NOT_FOUND
    assert marks.rotation == 0


def test_foreign_qr() -> None:
    page = np.full((PAGE_H, PAGE_W), 255, np.uint8)
    paste(page, png_gray(qr_png("https://example.com/", scale=8)), mm(30), mm(12), mm(20))
    marks = read_page_marks(page)
    assert marks.identity is None
    assert marks.qr_error is not None and "không phải mã của phiếu" in marks.qr_error


def test_upright_rejects_odd_angles() -> None:
    with pytest.raises(ValueError):
        upright(np.zeros((4, 4), np.uint8), 45)


def phone_photo(page: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The page enlarged to about 300 dpi, seen at an angle on a dark desk, lit from one side,
    with sensor noise."""
    h, w = page.shape
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    frame_w, frame_h = (2600, 3400) if h > w else (3400, 2600)
    a, b = min(frame_w, frame_h), max(frame_w, frame_h)
    quad = [[200, 150], [a - 150, 260], [a - 100, b - 180], [140, b - 250]]
    target = np.array(quad if h > w else [[y, a - x] for x, y in quad[1:] + quad[:1]], np.float32)
    warp = cv2.getPerspectiveTransform(source, target)
    photo = cv2.warpPerspective(page, warp, (frame_w, frame_h), flags=cv2.INTER_CUBIC, borderValue=80)
    light = np.linspace(0.65, 1.0, frame_w)[None, :] * np.linspace(0.85, 1.0, frame_h)[:, None]
    noise = np.random.default_rng(7).normal(0, 5, photo.shape)
    return np.clip(photo * light + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("k", [0, 1])
def test_phone_photo(k: int) -> None:
    marks = read_page_marks(phone_photo(turned(synthetic_page(), k)))
    assert marks.rotation == k * 90
    assert len(marks.markers) == 4
    assert marks.identity == IDENTITY


@pytest.mark.parametrize("photo", [False, True])
def test_markers_found_on_crops_are_those_the_whole_image_gives(photo: bool) -> None:
    page = synthetic_page()
    image = phone_photo(page) if photo else page
    whole = dict(_detections(image, wide=False))
    cropped = dict(_cropped_detections(image))
    assert whole.keys() == cropped.keys() == set(CORNER_MARKERS)
    for name, points in whole.items():
        np.testing.assert_allclose(cropped[name], points, atol=1e-3)  # float32 rounding of the crop's offset


def test_three_markers_located_are_each_detected_on_their_crop() -> None:
    image = synthetic_page(skip="top_left")
    whole = _detections(image, wide=False)
    cropped = _cropped_detections(image)
    assert [name for name, _ in cropped] == [name for name, _ in whole] and len(whole) == 3
    for (_, a), (_, b) in zip(cropped, whole, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_two_markers_missing_send_the_whole_image_to_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    image = synthetic_page(skip="top_left")
    side, offset = mm(10), mm(8)
    image[offset:offset + side, PAGE_W - offset - side:PAGE_W - offset] = 255  # top right gone
    sizes = _detector_calls(monkeypatch)
    assert [name for name, _ in _cropped_detections(image)] == [name for name, _ in _detections(image, wide=False)]
    assert image.shape in sizes


def _detector_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The shapes of the images the marker detector is run on, from now on."""
    sizes: list[tuple[int, ...]] = []
    detections = page_marks._detections

    def counted(gray: npt.NDArray[np.uint8], **options: Any) -> Any:
        sizes.append(gray.shape)
        return detections(gray, **options)

    monkeypatch.setattr(page_marks, "_detections", counted)
    return sizes


@pytest.mark.parametrize("photo", [False, True])
@pytest.mark.parametrize("missing", ["top_right", "bottom_left"])
def test_a_corner_marker_missing_is_looked_for_only_where_the_others_place_it(
        monkeypatch: pytest.MonkeyPatch, photo: bool, missing: str) -> None:
    page = synthetic_page()
    image = phone_photo(page) if photo else page
    everything = {name: points for name, points in _detections(image, wide=False)}
    three = [(name, points) for name, points in everything.items() if name != missing]
    sizes = _detector_calls(monkeypatch)
    (found,) = page_marks._missing_corner(image, three, wide=False)
    assert found[0] == missing
    np.testing.assert_allclose(found[1], everything[missing], atol=1e-3)
    assert all(h * w < image.size / 8 for h, w in sizes)  # a crop, not the page


def test_a_page_with_a_torn_corner_is_not_searched_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    image = phone_photo(synthetic_page(skip="bottom_right"))
    sizes = _detector_calls(monkeypatch)
    marks = page_marks.read_markers(image)
    assert set(marks.markers) == set(CORNER_MARKERS) - {"bottom_right"} and marks.rotation == 0
    assert image.shape not in sizes


@pytest.mark.parametrize("scale", [1.0, 2.4])
def test_markers_touching_the_image_edge_are_found(scale: float) -> None:
    # a scan cut askew: the image's edge runs along the left markers' black squares
    quiet = mm(10) // 8
    cut = mm(8) + quiet
    image = synthetic_page()[:, cut:]
    if scale != 1.0:  # a page large enough to be searched reduced, its corners refined at full size
        image = np.asarray(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)
    marks = read_page_marks(image)
    assert set(marks.markers) == set(CORNER_MARKERS) and marks.rotation == 0
    assert marks.identity == IDENTITY
    assert np.allclose(marks.markers["top_left"][0], (0, (mm(8) + quiet) * scale), atol=2 * scale)
