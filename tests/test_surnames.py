"""Family names respelt where OCR misread their tone marks, and only there."""

from __future__ import annotations

import pytest

from domain.surnames import respell_surname


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
