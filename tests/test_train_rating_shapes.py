"""The rating shape model's training samples: copperplate script written as a hand writes it."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from parsers.train_rating_shapes import Face, faces


def _script_face() -> Face:
    found = [face for name, face in faces().items() if name.endswith(":script")]
    if not found:
        pytest.skip("no math font with a script alphabet installed (scripts/system-packages)")
    return found[0]


def test_a_script_face_writes_the_math_script_letters_without_diacritics() -> None:
    face = Face(Path("unused.otf"), "script")
    never = np.random.default_rng(0)
    written = face.letters("Hoàn thành", never)
    # H and o live in Letterlike Symbols (ℋ, ℴ); the others in the script block; the grave is dropped
    assert written[0] == "\u210b" and written[1] == "\u2134"
    assert written[2] == chr(0x1D4B6)  # script small a, its grave dropped
    assert " " in written and all(ord(ch) > 0x2000 for ch in written if ch != " ")


def test_a_bold_script_face_and_a_plain_font_keep_to_their_alphabets() -> None:
    rng = np.random.default_rng(0)
    assert Face(Path("unused.otf"), "bold script").letters("HT", rng) == chr(0x1D4D7) + chr(0x1D4E3)
    assert Face(Path("unused.otf")).letters("Hoàn HTNV", rng) == "Hoàn HTNV"


def test_script_letters_are_joined_as_a_hand_joins_them() -> None:
    """Math fonts space script letters as symbols; written, each letter's ink starts where the one
    before it ends, a small gap or overlap apart, whatever the font's advances."""
    from PIL import ImageFont

    from parsers.train_rating_shapes import _places

    face = _script_face()
    font = ImageFont.truetype(str(face.path), 100)
    for seed in range(5):
        text = face.letters("HTTNV", np.random.default_rng(seed))
        places = _places(text, font, face, np.random.default_rng(seed))
        spans = []
        for x, ch in places:
            mask, (offset, _) = font.getmask2(ch)
            left, _, right, _ = mask.getbbox()
            spans.append((x + offset + left, x + offset + right))
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
        assert len(places) == 5 and all(-7 <= gap <= 7 for gap in gaps)
    spread = sum(font.getlength(ch) for ch in text)  # the font's own spacing, symbol by symbol
    assert spans[-1][1] - spans[0][0] < spread
