"""The Tesseract wrapper: Vietnamese text with its diacritics, digits only when asked, a deadline
that holds, a clear message when the language data is missing, and engines shared between threads
and made ahead."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import tesseract
from ocr.tesseract import OcrError, OcrTimeout, Profile, Psm, read
from parsers import scan_ocr

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
pytestmark = pytest.mark.skipif(not FONT.exists(), reason="Liberation fonts not installed")


def _text_image(text: str, size: int = 48) -> np.ndarray:
    font = ImageFont.truetype(str(FONT), size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 60, bottom - top + 60), 255)
    ImageDraw.Draw(image).text((30 - left, 30 - top), text, font=font, fill=0)
    return np.asarray(image)


def test_reads_vietnamese_with_its_diacritics_in_nfc() -> None:
    reading = read(_text_image("Hoàn thành tốt nhiệm vụ"), psm=Psm.LINE)
    assert reading.text == "Hoàn thành tốt nhiệm vụ"
    assert reading.confidence > 0.8
    assert [w.text for w in reading.words] == ["Hoàn", "thành", "tốt", "nhiệm", "vụ"]
    x0, y0, x1, y1 = reading.words[0].box
    assert 0 <= x0 < x1 and 0 <= y0 < y1


def test_digits_only_reading_of_a_tally() -> None:
    reading = read(_text_image("07/08/10"), psm=Psm.LINE, whitelist="0123456789/", profile=Profile.RAW)
    assert reading.text == "07/08/10"


def test_each_character_s_box_when_asked() -> None:
    image = _text_image("12/16/19")
    reading = read(image, psm=Psm.LINE, whitelist="0123456789/", profile=Profile.RAW, symbols=True)
    assert [c.text for c in reading.symbols] == list("12/16/19")
    lefts = [c.box[0] for c in reading.symbols]
    assert lefts == sorted(lefts) and lefts[0] >= 0 and reading.symbols[-1].box[2] <= image.shape[1]
    assert read(image, psm=Psm.LINE).symbols == ()  # not asked: not gathered


def test_a_deadline_too_short_raises_a_timeout_with_a_vietnamese_message() -> None:
    rng = np.random.default_rng(1)
    page = np.where(rng.random((3000, 2400)) < 0.5, 0, 255).astype(np.uint8)  # noise: slow to segment
    with pytest.raises(OcrTimeout) as caught:
        read(page, psm=Psm.SPARSE, timeout_s=0.001)
    assert "quá thời gian" in caught.value.user_message


def test_an_empty_image_is_refused() -> None:
    with pytest.raises(OcrError):
        read(np.zeros((0, 0), dtype=np.uint8))


def test_missing_language_data_is_reported_for_the_administrator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    monkeypatch.setattr(tesseract, "_TESSDATA_CANDIDATES", ())
    with pytest.raises(OcrError) as caught:
        tesseract.tessdata_dir()
    assert "tesseract-ocr-vie" in caught.value.user_message


FIXTURES = Path(__file__).parent / "fixtures"


def test_a_label_line_whose_leader_carries_writing_is_read_when_rows_of_small_blobs_are_kept() -> None:
    # a generated scan's "Đề nghị xếp loại mức chất lượng: ……HTXSNV……": Tesseract 5.5 takes the
    # row of leader dots and thin handwriting for noise and returns nothing at all for it
    strip = np.asarray(Image.open(FIXTURES / "rating-line-with-answer.png").convert("L"))
    assert "nghị" not in read(strip, psm=Psm.BLOCK, dpi=200).text
    assert "Đề nghị xếp loại mức chất" in read(strip, psm=Psm.BLOCK, dpi=200, noisy_rows=True).text
    assert "nghị" not in read(strip, psm=Psm.BLOCK, dpi=200).text  # the setting does not stay behind


@pytest.fixture
def engines_made(monkeypatch: pytest.MonkeyPatch) -> list[tesseract.Engine]:
    """A fresh pool of engines, and every engine made from here on, in order."""
    made: list[tesseract.Engine] = []
    init = tesseract._init

    def counted(lang: str, profile: Profile) -> object:
        made.append((lang, profile))
        return init(lang, profile)

    monkeypatch.setattr(tesseract, "_init", counted)
    monkeypatch.setattr(tesseract, "_idle", {})
    monkeypatch.setattr(tesseract, "_made", Counter())
    return made


def test_an_engine_made_ahead_is_the_one_the_next_reading_takes(engines_made: list[tesseract.Engine]) -> None:
    raw = ("eng", Profile.RAW)
    tesseract.make_engines([raw, raw])
    tesseract.make_engines([raw])  # as many are made already
    assert engines_made == [raw, raw]
    reading = read(_text_image("07/08/10"), psm=Psm.LINE, lang="eng", whitelist="0123456789/", profile=Profile.RAW)
    assert reading.text == "07/08/10"
    assert engines_made == [raw, raw]


def test_an_engine_in_use_is_not_taken_and_a_second_one_is_kept_for_later(
    engines_made: list[tesseract.Engine],
) -> None:
    vie = ("vie", Profile.TEXT)
    image = _text_image("Kiểm điểm")
    in_use = tesseract._take(vie)  # as another thread's reading holds it
    assert read(image).text == "Kiểm điểm"
    tesseract._give_back(vie, in_use)
    assert read(image).text == "Kiểm điểm"
    assert engines_made == [vie, vie]


def test_readings_on_two_threads_at_once_are_those_made_one_by_one() -> None:
    images = [_text_image("Hoàn thành tốt nhiệm vụ"), _text_image("Kiểm điểm")]
    alone = [read(image).text for image in images]
    together: list[str] = ["", ""]
    start = threading.Barrier(2)

    def reading(k: int) -> None:
        start.wait()
        for _ in range(5):
            together[k] = read(images[k]).text

    threads = [threading.Thread(target=reading, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone == ["Hoàn thành tốt nhiệm vụ", "Kiểm điểm"]


def test_the_scan_reader_s_first_engines_are_made_on_a_thread_of_their_own(
    engines_made: list[tesseract.Engine],
) -> None:
    thread = scan_ocr.make_engines_ahead()
    if thread is None:
        pytest.skip("one OCR thread on this machine: nothing to make ahead on")
    thread.join()
    vie = ("vie", Profile.TEXT)
    assert engines_made[:2] == [vie, vie]
    made = len(engines_made)
    scan_ocr.read_many([scan_ocr.Job(_text_image("Kiểm điểm")), scan_ocr.Job(_text_image("Đảng viên"))])
    assert len(engines_made) == made


def test_a_worker_forked_while_another_thread_holds_the_engines_lock_still_reads() -> None:
    image = _text_image("Kiểm điểm")
    with tesseract._idle_lock:  # as a thread making engines ahead holds it at the fork
        pid = os.fork()
        if pid == 0:  # the forked worker: its reading must not wait for a lock no thread will free
            signal.alarm(20)
            os._exit(0 if read(image).text == "Kiểm điểm" else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
