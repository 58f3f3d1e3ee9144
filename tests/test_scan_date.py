"""The form's date read where it is written by hand in the blanks of the printed date line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.tesseract import Psm, Word
from parsers import scan_ocr
from parsers.scan_date import find_date_line, read_date, sure_value, sure_year
from parsers.scan_text import WordLine

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
HAND = Path("/usr/share/fonts/truetype/tlwg/Purisa.ttf")  # fonts-tlwg-purisa-ttf
CORPUS = Path(os.environ.get("KIEMDIEM_CORPUS", "/work/shared/corpus/dev")) / "files"
DPI = 200


def _words(*texts: str, confidence: float = 0.9) -> list[Word]:
    out, x = [], 0
    for text in texts:
        width = 14 * len(text)
        out.append(Word(text, confidence, (x, 10, x + width, 40)))
        x += width + 10
    return out


def test_the_date_words_are_found_with_handwriting_glued_to_them() -> None:
    found = find_date_line(_words("Việt", "Trì,", "ngày", "ÑØ'háng", "Sam", "292", "Ø0"))
    assert found is not None
    assert (found.day_word, found.month_word, found.year_word) == (2, 3, 4)
    minutes = find_date_line(_words("Hôm", "nay,", "ngày", "tháng", "12", "năm", "2Ð", "tại"))
    assert minutes is not None and (minutes.day_word, minutes.month_word, minutes.year_word) == (2, 3, 5)
    assert find_date_line(_words("Ngày", "sinh:", "14/11/1990")) is None


def test_a_printed_word_read_alone_places_its_blank_by_its_own_edge() -> None:
    alone = find_date_line(_words("ngày", "26", "tháng", "12", "năm", "2018"))
    glued = find_date_line(_words("ngày", "26tháng", "12năm", "2018"))
    assert alone is not None and glued is not None
    tháng = alone.words[2].box
    assert alone.blanks(30, 2000)["day"][1] == tháng[0]
    # glued: the printed word's width back from the end of what the page read
    ngay = glued.words[0].box
    assert glued.blanks(30, 2000)["day"][1] == glued.words[1].box[2] - round(1.15 * (ngay[2] - ngay[0]))


def test_a_part_is_sure_only_when_its_readings_agree_within_its_bounds() -> None:
    assert sure_value({26: 16.0, 2: 2.0}, 1, 31) == 26
    assert sure_value({26: 12.0, 0: 3.0, 9: 3.0}, 1, 31) is None  # not 70 % of the readings
    assert sure_value({12: 3.0}, 1, 12) is None  # one or two readings are not enough
    assert sure_value({42: 12.0}, 1, 12) is None  # no month
    assert sure_value({}, 1, 31) is None


def test_a_written_year_needs_its_last_two_digits_to_agree_with_the_whole() -> None:
    assert sure_year(["2020", "2020", "2020", "2020", "22", "2020"], {20: 8.0}) == 2020
    # Tesseract read a written 2023 as 2025 in every view; the last digits, read as a count, do not
    assert sure_year(["2025"] * 6, {23: 9.0}) is None
    assert sure_year(["2025"] * 6, {}) is None
    assert sure_year(["2020", "22", "22", "22"], {20: 8.0}) is None  # not most readings
    assert sure_year(["1999"] * 6, {99: 8.0}) is None


def _date_line(day: str, month: str, year: str, glued: bool = False) -> np.ndarray:
    """A printed place-and-date line with its blanks as dots, and the date written on them in a
    handwriting font (run on into "tháng" when `glued`)."""
    image = Image.new("L", (1400, 120), 255)
    draw = ImageDraw.Draw(image)
    printed, hand = ImageFont.truetype(str(FONT), 30), ImageFont.truetype(str(HAND), 46)
    x, spots = 20, {}
    for text, blank in (("Nam Định, ngày", "day"), ("tháng", "month"), ("năm", "year")):
        draw.text((x, 50), text, font=printed, fill=0)
        x = int(draw.textbbox((x, 50), text, font=printed)[2]) + 8
        spots[blank] = x
        draw.text((x, 58), "." * 12, font=printed, fill=0)
        x += 150
    for blank, text in (("day", day), ("month", month), ("year", year)):
        x = spots[blank] + (95 if glued and blank == "day" else 25)
        for digit in text:  # each digit apart, as a hand lifts the pen between them
            draw.text((x, 14), digit, font=hand, fill=40)
            x = int(draw.textbbox((x, 14), digit, font=hand)[2]) + 4
    return np.array(image)


def _read(image: np.ndarray) -> tuple[int, int, int] | None:
    words = list(scan_ocr.read(image, psm=Psm.BLOCK, dpi=DPI).words)
    found = find_date_line(words)
    assert found is not None, [w.text for w in words]
    ngay = words[found.day_word].box
    line = WordLine(words)
    return read_date(found, image, (max(0, ngay[1] - line.height), ngay[3] + line.height // 3), line.height, DPI)


@pytest.mark.skipif(not (FONT.is_file() and HAND.is_file()), reason="fonts not installed")
def test_a_date_written_in_the_blanks_is_read() -> None:
    assert _read(_date_line("20", "12", "2022")) == (20, 12, 2022)


@pytest.mark.skipif(not (FONT.is_file() and HAND.is_file()), reason="fonts not installed")
def test_a_day_written_on_into_the_printed_word_leaves_the_date_unread() -> None:
    """Its digits joined to the letters of "tháng" are misread for sure: no date, not a wrong one."""
    assert _read(_date_line("20", "12", "2022", glued=True)) is None


@pytest.mark.skipif(not (CORPUS / "doc_0002.jpg").is_file(), reason="dev corpus not present")
def test_a_printed_date_with_a_speck_read_into_it_is_read_on_a_scan() -> None:
    """dev doc_0002: the page read gave "ngày 26 tháng h 12 năm 2018", which no date pattern takes."""
    from parsers.pages import image_pages
    from parsers.pictures import Pictures
    from parsers.scan_reader import read_scan_pages

    path = CORPUS / "doc_0002.jpg"
    forms = read_scan_pages(image_pages(path, path.name), path.name, Pictures())
    assert [form.date for form in forms] == [dt.date(2018, 12, 26)]
