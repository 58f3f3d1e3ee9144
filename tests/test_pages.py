"""Page images out of files: one page at a time, sizes checked before decoding, bad files refused
in Vietnamese."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
import pytest
from PIL import Image

from domain.errors import FileRejected
from parsers.pages import MAX_PIXELS, image_pages, render_pdf_page
from parsers.pictures import Pictures


def _page(value: int, size: tuple[int, int] = (120, 170)) -> Image.Image:
    return Image.new("L", size, color=value)


def test_multi_page_tiff_gives_each_frame_in_order_with_its_resolution(tmp_path: Path) -> None:
    path = tmp_path / "stack.tif"
    first, *rest = [_page(v) for v in (10, 128, 250)]
    first.save(path, save_all=True, append_images=rest, dpi=(200, 200))
    pages = list(image_pages(path, "stack.tif"))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [int(p.gray[0, 0]) for p in pages] == [10, 128, 250]
    assert all(p.image.shape == (170, 120, 3) and p.dpi == 200 for p in pages)


@pytest.mark.parametrize("suffix", [".webp", ".bmp"])
def test_a_web_or_bitmap_picture_is_one_page_of_its_pixels(tmp_path: Path, suffix: str) -> None:
    from parsers.triage import READERS

    path = tmp_path / f"anh{suffix}"
    picture = Image.new("RGB", (120, 170), (200, 40, 30))
    picture.save(path, lossless=True)  # BMP has no other way
    (page,) = image_pages(path, path.name)
    assert page.image.shape == (170, 120, 3) and tuple(page.image[5, 5]) == (30, 40, 200)
    assert suffix in READERS


def test_pages_are_produced_lazily(tmp_path: Path) -> None:
    path = tmp_path / "stack.tif"
    _page(0).save(path, save_all=True, append_images=[_page(1), _page(2)])
    pages = image_pages(path, "stack.tif")
    assert next(pages).number == 1  # a generator: nothing beyond the first frame is decoded yet
    assert next(pages).number == 2


def test_a_photo_without_resolution_is_taken_as_an_a4_page(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    _page(200, (2480, 3508)).convert("RGB").save(path, quality=80)
    (page,) = image_pages(path, "photo.jpg")
    assert page.dpi == pytest.approx(300, abs=1)


@pytest.mark.parametrize(("stated", "expected"), [(300, 300), (96, 300), (150, 300), (72, 300), (290, 290)])
def test_a_whole_a4_page_is_read_at_its_stated_resolution_only_where_that_makes_it_a4(
        tmp_path: Path, stated: int, expected: int) -> None:
    """A 300 dpi scan tagged 96 or 150 dpi (a program's "save as", a resize that kept the tag) is
    an A4 page all the same; 290 dpi, a 3% larger page, is believed."""
    path = tmp_path / "scan.png"
    _page(200, (2480, 3508)).save(path, dpi=(stated, stated))
    (page,) = image_pages(path, "scan.png")
    assert page.dpi == pytest.approx(expected, abs=1)


@pytest.mark.parametrize("size", [(2550, 3300), (2480, 3000), (120, 170)])
def test_a_picture_not_of_a_whole_a4_page_keeps_its_stated_resolution(tmp_path: Path, size: tuple[int, int]) -> None:
    """A Letter page, a page cut short, and a thumbnail (A4's shape, but at its A4 resolution of
    15 dpi no scan) are what their tag says."""
    path = tmp_path / "scan.png"
    _page(200, size).save(path, dpi=(96, 96))
    (page,) = image_pages(path, "scan.png")
    assert page.dpi == pytest.approx(96, abs=0.1)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size: tiny on disk, enormous once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_an_enormous_image_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(100_000, 100_000))
    assert MAX_PIXELS < 100_000 * 100_000
    with pytest.raises(FileRejected) as caught:
        list(image_pages(path, "bomb.png"))
    assert "quá lớn" in caught.value.user_message


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    path.write_bytes(b"this is not a picture at all")
    with pytest.raises(FileRejected) as caught:
        list(image_pages(path, "scan.jpg"))
    assert "bị hỏng" in caught.value.user_message


def test_a_pdf_page_renders_at_300_dpi(tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    _page(90, (595, 842)).convert("RGB").save(path, resolution=72)
    document = pypdfium2.PdfDocument(path)
    page = render_pdf_page(document, 0)
    document.close()
    assert page.number == 1 and page.dpi == 300
    assert page.image.shape[0] == pytest.approx(842 * 300 / 72, abs=2)
    assert abs(int(np.median(page.gray)) - 90) <= 2


def test_crop_names_are_unique_and_safe() -> None:
    store = Pictures()
    picture = np.full((40, 60), 255, dtype=np.uint8)
    first = store.add_crop("hồ sơ/ảnh 1.jpg", 2, "criteria.II.1", picture)
    second = store.add_crop("hồ sơ/ảnh 1.jpg", 2, "criteria.II.1", picture)
    assert first != second
    assert all("/" not in key and key.endswith(".png") for key in (first, second))
    assert store.crops[first].startswith(b"\x89PNG")


def _photo(size: tuple[int, int] = (160, 120)) -> Image.Image:
    """Colour noise, darker on the left: any difference in a decoder's colour rounding shows."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    pixels[:, : size[0] // 2] //= 2
    return Image.fromarray(pixels, "RGB")


@pytest.mark.parametrize(
    ("name", "mode", "options"),
    [("photo.jpg", "RGB", {"quality": 85}), ("scan.jpg", "L", {"quality": 85}), ("scan.png", "RGB", {}),
     ("grey.png", "L", {}), ("photo.png", "RGBA", {}), ("stack.tif", "RGB", {})],
)
def test_pixels_are_pillow_s_rgb_in_bgr_order_whichever_decoder(tmp_path: Path, name: str, mode: str,
                                                                 options: dict[str, int]) -> None:
    path = tmp_path / name
    _photo().convert(mode).save(path, **options)
    (page,) = image_pages(path, name)
    gray = page.gray  # decoded first, without the colour, for the files OpenCV decodes
    with Image.open(path) as img:
        expected = np.asarray(img.convert("RGB"))[:, :, ::-1]
    assert page.image.dtype == np.uint8 and page.image.flags.c_contiguous
    assert np.array_equal(page.image, expected)
    # The same picture in grey: a JPEG's grey is its own luma, unblurred by the halved colour
    # planes, so colour noise differs pixel by pixel; on average by under a level.
    assert gray.shape == expected.shape[:2]
    assert np.abs(gray.astype(int) - cv2.cvtColor(expected, cv2.COLOR_BGR2GRAY).astype(int)).mean() < 1


def test_a_page_decoded_grey_refuses_its_colour_when_the_file_went_bad(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    _photo().save(path, quality=85)
    (page,) = image_pages(path, "scan.jpg")
    assert page.gray.shape == (120, 160)
    path.write_bytes(b"not a picture any more")
    with pytest.raises(FileRejected) as refused:
        _ = page.image
    assert "không mở được" in refused.value.user_message


def test_a_sixteen_bit_png_is_read_as_pillow_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((30, 40), 40000, np.uint16)).save(path)
    (page,) = image_pages(path, "deep.png")
    with Image.open(path) as img:
        expected = np.asarray(img.convert("RGB"))[:, :, ::-1]
    assert np.array_equal(page.image, expected)


@pytest.mark.parametrize(("points_per_pixel", "rendered"), [(1.0, 200.0), (0.75, 200.0), (2.0, 200.0)])
def test_a_scanned_pdf_page_the_size_of_its_pixels_is_read_as_an_a4_page(tmp_path: Path, points_per_pixel: float,
                                                                         rendered: float) -> None:
    """An image-to-PDF converter made a 200 dpi A4 scan a page of one point per pixel (a 23-inch
    page at 72 dpi), or of 96 or 36 dpi: its pixels are rendered as they are, at 200 dpi of paper."""
    from parsers.pages import render_scanned_page

    path = tmp_path / "scan.pdf"
    Image.new("L", (1654, 2339), 255).save(path, resolution=72 / points_per_pixel)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        page = render_scanned_page(pdf, 0)
        assert page.dpi == pytest.approx(rendered, abs=0.5)
        assert page.image.shape[:2] == pytest.approx((2339, 1654), abs=2)
    finally:
        pdf.close()


@pytest.mark.parametrize(("resolution", "rendered"), [(240.0, 240.0), (150.0, 200.0), (600.0, 300.0)])
def test_a_scanned_pdf_page_is_rendered_at_its_scans_own_resolution(tmp_path: Path, resolution: float,
                                                                     rendered: float) -> None:
    """A scan embedded at 240 dpi is read at 240 dpi, its pixels as they are; a coarser one is
    rendered up to 200 dpi, a finer one down to 300."""
    from parsers.pages import scan_dpi

    path = tmp_path / "scan.pdf"
    Image.new("L", (round(8.27 * resolution), round(11.69 * resolution)), 255).save(path, resolution=resolution)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        assert scan_dpi(pdf, 0) == pytest.approx(rendered, abs=0.5)
        page = render_pdf_page(pdf, 0, scan_dpi(pdf, 0))
        assert page.dpi == pytest.approx(rendered, abs=0.5)
        assert page.image.shape[1] == pytest.approx(8.27 * rendered, abs=2)
    finally:
        pdf.close()
