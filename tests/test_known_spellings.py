"""Family names and units' phrases respelt where OCR misread their tone marks, and only there."""

from __future__ import annotations

import pytest

from domain.known_spellings import respell_surname, respell_unit_phrases


@pytest.mark.parametrize(
    ("read", "spelt"),
    [
        ("Khống Đức Vũ", "Khổng Đức Vũ"),
        ("Nguyên Văn An", "Nguyễn Văn An"),
        ("Dặng Thị Hà", "Đặng Thị Hà"),  # the bar of Đ lost
        ("KHỐNG ĐỨC VŨ", "KHỔNG ĐỨC VŨ"),  # capitals stay capitals
        ("Khổng Đức Vũ", "Khổng Đức Vũ"),
        ("La Văn Sơn", "La Văn Sơn"),  # La and Lã fold alike: neither imposed
        ("Lã Văn Sơn", "Lã Văn Sơn"),
        ("Văn Thị Hoa", "Văn Thị Hoa"),  # not a listed family name
        ("Lê", "Lê"),  # one word: no name to respell
    ],
)
def test_a_first_word_is_respelt_only_as_the_one_family_name_it_folds_to(read: str, spelt: str) -> None:
    assert respell_surname(read) == spelt


@pytest.mark.parametrize(
    ("read", "spelt"),
    [
        ("Trường Tiếu học Lê Lợi", "Trường Tiểu học Lê Lợi"),  # a hook above read as an acute
        ("Phòng Tố chức - Hành chính", "Phòng Tổ chức - Hành chính"),
        ("Cơ quan đáng - đoàn thế xã", "Cơ quan đảng - đoàn thể xã"),  # each word keeps its case
        ("CƠ QUAN ĐÁNG - ĐOÀN THẾ XÃ", "CƠ QUAN ĐẢNG - ĐOÀN THỂ XÃ"),
        ("Văn phong Sở,", "Văn phòng Sở,"),
        ("Trường THPT Kim Đồng", "Trường THPT Kim Đồng"),  # no phrase in it
        ("Thôn Tống", "Thôn Tống"),  # one word of a phrase alone is no phrase
    ],
)
def test_a_units_phrases_are_respelt_as_known(read: str, spelt: str) -> None:
    assert respell_unit_phrases(read) == spelt
