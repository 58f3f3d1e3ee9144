"""The four-rating matcher of handwritten answers (parsers.scan_rating): a second pass on the
writing stood upright settles an answer the first readings left open, but over first readings
that named another rating it is marked disputed, for the callers that have nothing to check it
with; a lost leading letter does not name a rating."""

from __future__ import annotations

import numpy as np
import pytest

from domain.model import Rating
from parsers import rating_shapes, scan_rating
from parsers.scan_rating import SURE, UNSURE, read_answer, vote, words_counted

UPRIGHT = np.full((40, 120), 200, np.uint8)  # stands for the writing stood upright


def _readings(first: list[str], upright: list[str]) -> object:
    def fake(clean: np.ndarray, dpi: float) -> list[str]:
        return upright if clean.shape != (40, 100) else first

    return fake


@pytest.mark.parametrize(
    ("first", "disputed"),
    [(["KHTN", "HTT"], True), ([], False), (["HTT"], False)],
)
def test_an_upright_reading_is_disputed_only_over_readings_naming_another_rating(
    monkeypatch: pytest.MonkeyPatch, first: list[str], disputed: bool
) -> None:
    monkeypatch.setattr(scan_rating, "readings", _readings(first, ["HTTNV", "HTTNV"]))
    monkeypatch.setattr(scan_rating, "deslanted", lambda clean: UPRIGHT)
    matched = read_answer(np.full((40, 100), 255, np.uint8), 200)
    assert matched.rating is Rating.HTTNV and matched.confidence >= SURE
    assert matched.disputed is disputed
    assert matched.doubted().confidence == UNSURE and matched.doubted().rating is Rating.HTTNV


def test_readings_given_from_elsewhere_count_with_the_first_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_rating, "readings", _readings(["HTT"], []))
    monkeypatch.setattr(scan_rating, "deslanted", lambda clean: UPRIGHT)
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: None)
    lone = read_answer(np.full((40, 100), 255, np.uint8), 200)
    assert lone.rating is Rating.HTTNV and lone.confidence < SURE
    seconded = read_answer(np.full((40, 100), 255, np.uint8), 200, also=("HTTNV",))
    assert seconded.rating is Rating.HTTNV and seconded.confidence >= SURE


def test_short_readings_name_the_one_abbreviation_they_are_part_of() -> None:
    assert vote("HTTNV") is Rating.HTTNV
    assert vote("KHTN") is Rating.KHTNV
    assert vote("TNV") is None  # in HTNV, HTTNV and KHTNV alike


@pytest.mark.parametrize(("reading", "rating"), [("HT7TNY", None), ("KH1TNV", None),
                                                  ("HTX5NV", Rating.HTXSNV), ("HTTNV 4/6/7", Rating.HTTNV)])
def test_a_digit_among_the_letters_is_a_glyph_misread(reading: str, rating: Rating | None) -> None:
    """A print "HTNV" over a dotted leader was read "HT7TNY" once in 16 readings, the only reading
    naming another rating; a digit between letters stands for a glyph as a letter does, and an
    abbreviation read with more glyphs than it has names nothing (an S read as a 5 stays one)."""
    assert vote(reading) is rating


@pytest.mark.parametrize("reading", ["ÍTNV", "ITN", "YTNV", "WÍTNV", "XITNV", "HITNV"])
def test_an_i_does_not_make_the_double_t_of_httnv(reading: str) -> None:
    """An I may be a misread T, or half of an H: "WÍTNV" was a hand-drawn HTNV."""
    assert vote(reading) is None


@pytest.mark.parametrize(("reading", "rating"), [("HTTNY", Rating.HTTNV), ("HTTN", Rating.HTTNV), ("HTNY", Rating.HTNV)])
def test_a_y_is_a_handwritten_v(reading: str, rating: Rating) -> None:
    assert vote(reading) is rating


def test_a_reading_saying_httnv_through_an_i_keeps_htnv_unsure() -> None:
    from parsers.scan_rating import match

    assert match(["HTNV", "HTNV"]).confidence >= SURE
    torn = match(["HTNV", "HTNV", "WÍTNV"])
    assert torn.rating is Rating.HTNV and torn.confidence < SURE
    assert match(["HTTNV", "HTTN", "HITNV"]).confidence >= SURE  # an I read for a T is no doubt on HTTNV
    assert match(["KHTNV", "KHTN", "HITNV"]).confidence >= SURE  # no other rating is in doubt
    # an HTTNV whose bars the answer region's top cut off: its Ts read as an L and an I
    cut = match(["HLINV", "HNV", "HLINV", "HTNV", "HTNV"])
    assert cut.rating is Rating.HTNV and cut.confidence < SURE


@pytest.mark.parametrize(
    ("readings", "count"),
    [
        (["Metin thank Gat nhiem ou", "| Med Mirada ut ite, meh oe", "Hedin thank lot whit ou", "H"], 5),
        (["Metin thank Gat nhiem ou", "Hedin thank whit ou", "Kean bet nhigm ve", "Hein thank ahem"], None),
        (["Metin thank Gat nhiem ou", "Hedin thank lot whit ou"], None),  # too few to say
        (["HTTNV", "_HTTNV.", "HTINV", "H TT NV"], None),  # an abbreviation has no words to count
    ],
)
def test_the_words_of_a_phrase_are_counted_when_most_readings_agree(readings: list[str], count: int | None) -> None:
    assert words_counted(readings) == count


def _words_of_ink(*widths: int) -> np.ndarray:
    """A cleaned answer whose writing is blocks of ink this wide (at a 32 px height), a word gap apart."""
    canvas = np.full((48, 20 + sum(widths) + 16 * len(widths)), 255, np.uint8)
    x = 10
    for width in widths:
        canvas[8:40, x : x + width] = 30
        x += width + 16
    return canvas


@pytest.mark.parametrize(
    ("widths", "short"),
    [
        ((56, 56, 21, 58), True),  # "Hoan thanh tot nhiemvu": the script HTTNV whose "vụ" ran into "nhiệm"
        ((38, 71, 33, 77, 24), True),  # a copperplate "Hoàn thành tốt nhiệm vụ"
        ((81, 87, 142, 35), False),  # HTNV's "Hoàn thành nhiệm vụ", "nhiệm" as wide as "thành"
        ((100, 74, 91, 94, 33), False),  # KHTNV's "Không hoàn thành nhiệm vụ"
        ((120, 40), False),  # too few words to say
    ],
)
def test_tot_is_seen_in_third_place_where_the_third_word_is_narrow_beside_the_second(
    widths: tuple[int, ...], short: bool
) -> None:
    assert scan_rating.tot_in_third_place(_words_of_ink(*widths)) is short


# readings of a phrase in a looped script: four words, then five
_FOUR_WORDS = ["Hoan thank let nluen", "Meau tan it nHun:", "ae tan tt nhàn:", "Hoar thank tel nluemn", "H"]
_FIVE_WORDS = ["use thank tol mhvem oe", "un thank bot mhvem ou", "sua thanh tot Le 04", "vua tRaaÄ toi, 0Â cm 0"]


@pytest.mark.parametrize(
    ("shape", "widths", "taken"),
    [
        (Rating.HTNV, (56, 56, 21, 58), False),
        (Rating.HTNV, (81, 87, 142, 35), True),
        (Rating.KHTNV, (38, 71, 33, 77, 24), False),
        (Rating.KHTNV, (100, 74, 91, 94, 33), True),
        (Rating.HTTNV, (38, 71, 33, 77, 24), True),
    ],
)
def test_a_phrase_counted_and_shaped_alike_is_not_taken_against_a_narrow_third_word(
    monkeypatch: pytest.MonkeyPatch, shape: Rating, widths: tuple[int, ...], taken: bool
) -> None:
    """The readings' count and the shape can fail together: four words and HTNV at 0.99 for a
    script HTTNV whose last word ran into the one before; KHTNV at 0.99 for a copperplate HTTNV.
    A third word as narrow as "tốt" leaves them under review; HTTNV so counted is taken."""
    readings = _FOUR_WORDS if shape is Rating.HTNV else _FIVE_WORDS
    monkeypatch.setattr(scan_rating, "readings", lambda _c, _d: readings)
    monkeypatch.setattr(rating_shapes, "guess", lambda _c: rating_shapes.ShapeGuess(shape, 0.99))
    found = read_answer(_words_of_ink(*widths), 200)
    assert found.rating is shape
    assert found.confidence == (scan_rating.CONFIRMED if taken else scan_rating.GUESS)


def _written(ink: int) -> np.ndarray:
    """A rating line's answer region: leader dots, and "KHTNV" written in a pen of this grey."""
    from PIL import Image, ImageDraw, ImageFont

    canvas = Image.new("L", (600, 60), 255)
    draw = ImageDraw.Draw(canvas)
    for x in range(5, 595, 6):
        draw.ellipse((x, 45, x + 2, 47), fill=60)  # the printed leader
    if ink < 255:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
        draw.text((200, 12), "KHTNV", fill=ink, font=font)
    return np.asarray(canvas, dtype=np.uint8).copy()


def test_a_light_pen_s_answer_is_an_answer_and_a_bare_leader_is_none() -> None:
    # a thin grey pen scanned at 200 dpi: its strokes come out at 150–190, never under 128,
    # and the answer was once read as a blank line for sure
    for ink in (40, 170):
        assert scan_rating.has_answer(scan_rating.without_leader(_written(ink), 200), 200)
    assert not scan_rating.has_answer(scan_rating.without_leader(_written(255), 200), 200)


def _pale_scan(writing: bool) -> np.ndarray:
    """A low-contrast scan's answer region, left 1.5° askew: leader dots that blur into one
    grey row, rising 15 px across the line, and "KHTNV" in a pen as pale as the print, its
    strokes touching the row."""
    import cv2

    canvas = np.full((60, 600), 253, np.uint8)
    for x in range(4, 596, 3):
        cv2.circle(canvas, (x, 50 - x * 15 // 600), 2, 215, -1)
    if writing:
        cv2.putText(canvas, "KHTNV", (380, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 205, 2)
    return canvas


def test_a_leader_blurred_into_a_skewed_row_is_wiped_and_a_pale_answer_over_it_is_an_answer() -> None:
    # the row of dots and the writing it touched were one word, kept whole as ink, and no pixel
    # under 200: the rating was read as a blank line for sure
    clean = scan_rating.without_leader(_pale_scan(writing=True), 200)
    assert clean[:, :300].min() == 255  # the row is gone where nothing crosses it
    assert scan_rating.has_answer(clean, 200)
    assert not scan_rating.has_answer(scan_rating.without_leader(_pale_scan(writing=False), 200), 200)


@pytest.mark.parametrize(
    ("one", "other", "rating", "sure"),
    [
        (Rating.HTNV, Rating.HTTNV, Rating.HTTNV, False),  # both clear: the cut one lost a T, or not
        (None, Rating.HTTNV, Rating.HTTNV, True),
        (Rating.HTTNV, Rating.HTTNV, Rating.HTTNV, True),
    ],
)
def test_of_two_readings_of_one_answer_the_surer_stands_unless_the_other_names_another_clearly(
    one: Rating | None, other: Rating | None, rating: Rating, sure: bool
) -> None:
    first = scan_rating.RatingMatch(one, scan_rating.CONFIRMED if one else 0.0)
    second = scan_rating.RatingMatch(other, SURE)
    got = scan_rating.likelier(first, second)
    assert got.rating is rating and (got.confidence >= SURE) is sure
    assert scan_rating.likelier(second, first) == got


@pytest.mark.parametrize(("width", "sure"), [(120, True), (600, False)])
def test_short_readings_of_writing_too_wide_for_an_abbreviation_name_nothing(
    monkeypatch: pytest.MonkeyPatch, width: int, sure: bool
) -> None:
    # a brush-script "HOAN THANH XUAT SAC NHIEM VU" read "TTN" twice with capitals only was
    # taken for HTTNV for sure
    monkeypatch.setattr(scan_rating, "readings", lambda clean, dpi: ["OW hit MAT hc WEN Wt)", "TTN", "TTN"])
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: None)
    writing = np.full((60, 700), 255, np.uint8)
    writing[15:45, 20 : 20 + width] = 0
    matched = read_answer(writing, 200, words=rating_shapes.in_words(rating_shapes.ink_extent(writing)))
    assert (matched.rating is Rating.HTTNV and matched.confidence >= SURE) is sure


@pytest.mark.parametrize(("readings", "partial"), [
    (["TíTTtU", "HT.", "HT", "HTT", "HTT"], True),  # a script HTNV: its N read as a T, its V lost
    (["422.417", "7270.", "RILEY", "HTT", "HTT", "TT"], True),  # a script HTXSNV: its X read as a T
    (["HTT", "HTTN", "HTT"], False),  # one reading holds all but the last letter
    (["HTTNV", "HTTNU"], False),
])
def test_a_rating_named_only_by_readings_that_lost_two_letters_is_sure_only_in_part(readings: list[str],
                                                                                   partial: bool) -> None:
    matched = scan_rating.match(readings)
    assert matched.rating is Rating.HTTNV and matched.confidence >= SURE and matched.partial is partial


def test_a_blob_apart_from_the_writing_goes_but_a_diacritic_beside_it_stays() -> None:
    """A descender of the line above left on the leader, a line height to the left of "HTTNV",
    made the answer look as wide as a phrase, so its abbreviation readings were dropped."""
    crop = np.full((60, 600), 255, np.uint8)
    crop[15:45, 300:480] = 40  # the writing: one tall stroke group
    crop[8:12, 380:386] = 40  # a diacritic just over it
    crop[40:50, 60:68] = 40  # a descender's foot, far to the left
    cleaned = scan_rating.without_strays(crop)
    assert (cleaned[40:50, 60:68] == 255).all()
    assert (cleaned[15:45, 300:480] == 40).all() and (cleaned[8:12, 380:386] == 40).all()
    assert not rating_shapes.in_words(rating_shapes.ink_extent(cleaned))
    assert rating_shapes.in_words(rating_shapes.ink_extent(crop))


def test_htnv_behind_a_symbol_glued_where_a_letter_was_is_not_sure() -> None:
    """A script KHTNV on a photo read "®%HTNV" five times out of sixteen: the K made symbols, and
    HTNV, told from the others by what is missing, was taken for sure. A symbol glued before the
    letters stands for a letter; a quote, a bracket or a dash does not."""
    readings = ["®%HTNV", "_WHTWV.", "HTN", "®“HTN1V", "HTNY", "HTNV", "®%HTN+V", "KH"]
    matched = scan_rating.match(readings)
    assert matched.confidence < SURE
    assert scan_rating.match(["HTNV", '"HTNV"', "_HTNV.", "HTNY"]).confidence >= SURE


@pytest.mark.parametrize(("readings", "sure"), [
    (["⁄HTNV", "_MHPW-", "HTNV", "“KTV", "“HTNV", "HTNV"], False),  # a hairline KHTNV: its K read ⁄ and “
    (["“HTNV”", "HTNV", '"HTNV"'], True),  # the writer's quotes, closed
])
def test_htnv_behind_a_slash_or_an_unclosed_quote_is_not_sure(readings: list[str], sure: bool) -> None:
    matched = scan_rating.match(readings)
    assert matched.rating is Rating.HTNV and (matched.confidence >= SURE) is sure


@pytest.mark.parametrize(("shape", "sure"), [
    (rating_shapes.ShapeGuess(Rating.KHTNV, 0.99), False),  # a letter longer: a K read as a quote or lost
    (rating_shapes.ShapeGuess(Rating.KHTNV, 0.6), True),
    (rating_shapes.ShapeGuess(Rating.HTNV, 0.99), True),
    (None, True),
])
def test_a_sure_htnv_is_doubted_when_its_shape_clearly_says_another_rating(
    monkeypatch: pytest.MonkeyPatch, shape: rating_shapes.ShapeGuess | None, sure: bool
) -> None:
    monkeypatch.setattr(scan_rating, "readings", lambda clean, dpi: ["“H!TNWV", "HTNV", "HTNV"])
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: shape)
    matched = read_answer(np.full((40, 100), 255, np.uint8), 200)
    assert matched.rating is Rating.HTNV and (matched.confidence >= SURE) is sure


@pytest.mark.parametrize(("probability", "checked", "sure"), [
    (0.99, False, False),  # nothing checks it: the model's near certainty doubts it
    (0.95, False, True),  # … which a clear guess is not
    (0.99, True, True),  # the minutes' votes check their result: the model is not asked
])
def test_a_sure_rating_other_than_htnv_is_doubted_only_by_the_shape_model_s_near_certainty_where_unchecked(
    monkeypatch: pytest.MonkeyPatch, probability: float, checked: bool, sure: bool
) -> None:
    """Dev `doc_0012` dimmed: a copperplate "HTTNV", its H's looped stem taken for a K, was KHTNV
    for three readings and no other, a silent error; the model saw another rating at 0.99."""
    monkeypatch.setattr(scan_rating, "readings", lambda clean, dpi: ["KHTNV", "KHTNV"])
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: rating_shapes.ShapeGuess(Rating.HTXSNV, probability))
    matched = read_answer(np.full((40, 100), 255, np.uint8), 200, checked=checked)
    assert matched.rating is Rating.KHTNV and (matched.confidence >= SURE) is sure


@pytest.mark.parametrize(("first", "upright", "unopposed"), [
    ([], [], True),  # a script no OCR reads: its shape alone says its rating
    (["HTTNV", "KHTN"], [], False),  # the readings name two ratings
    ([], ["HTTNV"], False),  # the upright reading names another
    ([], ["KHTNV"], True),  # … or the same, once
])
def test_a_rating_the_shape_model_names_alone_carries_its_probability_when_nothing_opposes_it(
    monkeypatch: pytest.MonkeyPatch, first: list[str], upright: list[str], unopposed: bool
) -> None:
    monkeypatch.setattr(scan_rating, "readings", _readings(first, upright))
    monkeypatch.setattr(scan_rating, "deslanted", lambda clean: UPRIGHT)
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: rating_shapes.ShapeGuess(Rating.KHTNV, 0.99))
    matched = read_answer(np.full((40, 100), 255, np.uint8), 200)
    assert matched.rating is Rating.KHTNV and matched.confidence < SURE  # never taken for sure on its own
    assert matched.shape_unopposed is unopposed and matched.shape_probability == 0.99
    assert not matched.doubted().shape_unopposed  # a writing that may have lost a letter: its shape is of the rest


def test_small_writing_is_enlarged_to_a_printed_line_s_letters_and_large_writing_left_alone() -> None:
    small = np.full((40, 200), 255, np.uint8)
    small[10:30, 50:150] = 0  # strokes 20 pixels from top to bottom
    big, dpi = scan_rating.at_letter_size(small, 200)
    assert dpi == 200 * scan_rating.LINE_LETTERS / 20 and big.shape == (100, 500)
    tiny = np.full((40, 200), 255, np.uint8)
    tiny[15:20, 50:150] = 0
    assert scan_rating.at_letter_size(tiny, 200)[1] == 600  # at most three times
    tall = np.full((120, 400), 255, np.uint8)
    tall[10:110, 50:350] = 0
    assert scan_rating.at_letter_size(tall, 300)[0] is tall


def _small_abbreviation(text: str, pixels: int) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    from parsers.train_rating_shapes import fonts

    canvas = Image.new("L", (500, 50), 255)
    font = ImageFont.truetype(str(fonts()["BecauseWeBuild-Regular"]), pixels)
    ImageDraw.Draw(canvas).text((150, 15), text, fill=40, font=font)
    return np.asarray(canvas, dtype=np.uint8).copy()


@pytest.mark.parametrize("pixels", [17, 20])
def test_a_small_abbreviation_no_reading_names_is_read_enlarged(pixels: int) -> None:
    # "HTXSNV" 2 mm high at 200 dpi in a narrow hand: no OCR reading names it as it is
    answer = _small_abbreviation("HTXSNV", pixels)
    assert read_answer(scan_rating.without_strays(answer), 200).confidence < SURE
    found = scan_rating.read_line_answer(answer, 200)
    assert found.rating is Rating.HTXSNV and found.confidence >= SURE


def test_an_enlarged_reading_naming_another_rating_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    # as it is, OCR names HTTNV once; enlarged, it reads an S twice (HTXSNV): a doubt, not a correction
    monkeypatch.setattr(scan_rating, "readings", lambda clean, dpi: ["HTTNV"] if dpi == 200 else ["HSN", "HSN"])
    monkeypatch.setattr(scan_rating, "deslanted", lambda clean: clean)
    monkeypatch.setattr(rating_shapes, "guess", lambda clean: None)
    found = scan_rating.read_line_answer(_small_abbreviation("HTTNV", 17), 200)
    assert found.rating is Rating.HTTNV and found.confidence < SURE
    monkeypatch.setattr(scan_rating, "readings", lambda clean, dpi: [] if dpi == 200 else ["HTTNV", "HTTNV"])
    found = scan_rating.read_line_answer(_small_abbreviation("HTTNV", 17), 200)
    assert found.rating is Rating.HTTNV and found.confidence >= SURE
    # the shape model's faint guess at the writing as it is names nothing; its clear one does
    for probability, taken in ((0.35, True), (0.95, False)):
        guess = rating_shapes.ShapeGuess(Rating.KHTNV, probability)
        monkeypatch.setattr(rating_shapes, "guess", lambda clean, guess=guess: guess)
        found = scan_rating.read_line_answer(_small_abbreviation("HTTNV", 17), 200)
        assert (found.rating is Rating.HTTNV and found.confidence >= SURE) is taken
