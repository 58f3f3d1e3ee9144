"""The dev scans taken again (benchmarks.dev_variants): every image scan written each way with a
copy of its truth naming the new file, turned, reduced, greyed, leaning, shadowed, lit warm, grainy and
enlarged as named; other files left out."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from benchmarks.dev_variants import PHOTO, VARIANTS, WORN, write_variants


def test_every_image_scan_is_written_each_way_with_its_truth(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = np.full((300, 200, 3), 255, np.uint8)
    cv2.putText(page, "Mau 05", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    cv2.imwrite(str(corpus / "doc_0001.png"), page)
    truth = {"file": "doc_0001.png", "variant": "scan_png", "forms": [{"form": "2018/mau-05"}]}
    (corpus / "doc_0001.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (corpus / "doc_0002.truth.json").write_text(json.dumps({"file": "doc_0002.docx", "variant": "docx"}),
                                                encoding="utf-8")

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
