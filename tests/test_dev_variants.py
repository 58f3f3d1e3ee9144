"""The dev scans taken again (benchmarks.dev_variants): every image scan written each way with a
copy of its truth naming the new file, turned, reduced, greyed, leaning, shadowed, lit warm, grainy and
enlarged as named, or passed on as an office's tools do; other files left out."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import docx
import numpy as np
import pypdfium2
from PIL import Image

from benchmarks.dev_variants import OFFICE, PHOTO, VARIANTS, WORN, write_outputs, write_variants


def _corpus(tmp_path: Path) -> tuple[Path, np.ndarray, dict[str, object]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = np.full((300, 200, 3), 255, np.uint8)
    cv2.putText(page, "Mau 05", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    cv2.imwrite(str(corpus / "doc_0001.png"), page)
    truth = {"file": "doc_0001.png", "variant": "scan_png", "forms": [{"form": "2018/mau-05"}]}
    (corpus / "doc_0001.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (corpus / "doc_0002.truth.json").write_text(json.dumps({"file": "doc_0002.docx", "variant": "docx"}),
                                                encoding="utf-8")
    return corpus, page, truth


def test_every_image_scan_is_written_each_way_with_its_truth(tmp_path: Path) -> None:
    corpus, page, truth = _corpus(tmp_path)
    out = tmp_path / "out"
    assert write_variants(corpus, out) == len(VARIANTS)
    shapes = {}
    for name in VARIANTS:
        copy = json.loads((out / "files" / f"doc_0001-{name}.truth.json").read_text(encoding="utf-8"))
        assert copy == {**truth, "file": f"doc_0001-{name}.jpg", "variant": "scan_jpg"}
        image = cv2.imread(str(out / "files" / copy["file"]))
        assert image is not None
        shapes[name] = image.shape[:2]
    assert shapes["jpg"] == shapes["r180"] == shapes["tilt"] == (300, 200)
    assert shapes["r90"] == (200, 300)
    assert shapes["small"] == (225, 150)
    assert not list((out / "files").glob("doc_0002*"))

    worn = tmp_path / "worn"
    assert write_variants(corpus, worn, WORN, 60) == len(WORN)
    grey = cv2.imread(str(worn / "files" / "doc_0001-grey.jpg"))
    assert grey is not None and np.array_equal(grey[:, :, 0], grey[:, :, 2])
    half = cv2.imread(str(worn / "files" / "doc_0001-half.jpg"))
    assert half is not None and half.shape[:2] == (180, 120)

    photo = tmp_path / "photo"
    assert write_variants(corpus, photo, PHOTO) == len(PHOTO)
    lean = cv2.imread(str(photo / "files" / "doc_0001-lean.jpg"), cv2.IMREAD_GRAYSCALE)
    assert lean is not None and lean.shape == (300, 200)
    # the text's line, narrowed toward the top, stands further right than it was written
    assert np.nonzero(lean[40:70].min(axis=0) < 128)[0][0] > np.nonzero(page[40:70, :, 0].min(axis=0) < 128)[0][0]
    shadow = cv2.imread(str(photo / "files" / "doc_0001-shadow.jpg"), cv2.IMREAD_GRAYSCALE)
    assert shadow is not None and shadow[150, 5] < 160 < shadow[150, 195]
    warm = cv2.imread(str(photo / "files" / "doc_0001-warm.jpg"))
    assert warm is not None and warm[5, 5, 0] < 200 < warm[5, 5, 2]  # the white paper yellow
    big = cv2.imread(str(photo / "files" / "doc_0001-big.jpg"))
    assert big is not None and big.shape[:2] == (600, 400)
    noisy = cv2.imread(str(photo / "files" / "doc_0001-noisy.jpg"), cv2.IMREAD_GRAYSCALE)
    assert noisy is not None and float(noisy[100:140, 150:190].std()) > 2  # grain on the blank paper (none on the clean copy)


def test_every_image_scan_is_passed_on_as_an_office_would(tmp_path: Path) -> None:
    corpus, _, truth = _corpus(tmp_path)
    out = tmp_path / "office"
    assert write_outputs(corpus, out, OFFICE) == len(OFFICE)
    files = out / "files"
    kinds = {name: json.loads((files / f"doc_0001-{name}.truth.json").read_text(encoding="utf-8")) for name in OFFICE}
    assert {name: (t["file"], t["variant"]) for name, t in kinds.items()} == {
        "bw": ("doc_0001-bw.tif", "scan_tif"), "appbw": ("doc_0001-appbw.png", "scan_png"),
        "tag96": ("doc_0001-tag96.png", "scan_png"),
        "pdf72": ("doc_0001-pdf72.pdf", "scan_pdf"), "inword": ("doc_0001-inword.docx", "scan_docx")}
    assert all(t["forms"] == truth["forms"] for t in kinds.values())
    with Image.open(files / "doc_0001-bw.tif") as bw:
        assert bw.mode == "1" and bw.info["compression"] == "group4" and bw.size == (200, 300)
    with Image.open(files / "doc_0001-appbw.png") as app:
        assert app.mode == "1" and app.size == (200, 300)
    with Image.open(files / "doc_0001-tag96.png") as tagged:
        assert round(tagged.info["dpi"][0]) == 96 and tagged.size == (200, 300)
    pdf = pypdfium2.PdfDocument(str(files / "doc_0001-pdf72.pdf"))
    try:
        assert tuple(round(side) for side in pdf[0].get_size()) == (200, 300)  # a point per pixel
    finally:
        pdf.close()
    assert len(docx.Document(str(files / "doc_0001-inword.docx")).inline_shapes) == 1
