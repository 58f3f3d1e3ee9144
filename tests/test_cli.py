"""The `kiemdiem` command as outside checks drive it (contract.md): exit codes, JSON fields, and bad
files rejected one by one, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "dossier-2019-rating-above-criteria"


def kiemdiem(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "service.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def report_of(*args: str | Path) -> tuple[int, dict]:
    p = kiemdiem("check", *args, "--json")
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(p.stdout)


def test_forms_lists_every_form_id_first_on_its_line() -> None:
    p = kiemdiem("forms")
    assert p.returncode == 0
    ids = [line.split("\t")[0] for line in p.stdout.splitlines()]
    assert {"2018/mau-05", "2023/mau-2a", "2025/mau-2c", "bien-ban-kiem-phieu", "phieu-bieu-quyet"} <= set(ids)


def _bad_files(tmp: Path) -> dict[str, Path]:
    broken = tmp / "hong.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    ole = tmp / "mat-khau.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    unrelated = tmp / "thu-moi.docx"
    d = docx.Document()
    d.add_paragraph("Thư mời họp phụ huynh học sinh cuối năm.")
    d.save(str(unrelated))
    text = tmp / "ghi-chu.txt"
    text.write_text("không phải biểu mẫu", encoding="utf-8")
    return {"broken": broken, "ole": ole, "unrelated": unrelated, "text": text}


@pytest.mark.parametrize("kind", ["broken", "ole", "unrelated", "text"])
def test_a_bad_file_alone_is_rejected_in_vietnamese_with_exit_2(tmp_path: Path, kind: str) -> None:
    code, report = report_of(_bad_files(tmp_path)[kind])
    assert code == 2
    [finding] = [f for f in report["findings"] if f["rule"] in ("file-rejected", "unreadable")]
    assert finding["document"] == 0
    assert any(ch in finding["message"] for ch in "ệộọđ"), finding["message"]


def test_bad_files_do_not_stop_the_good_ones(tmp_path: Path) -> None:
    files = [*_bad_files(tmp_path).values(), *sorted(SAMPLE.glob("*.docx"))]
    code, report = report_of(*files, "--roster", SAMPLE / "roster.csv", "--rule-set", "2019")
    assert code == 0
    rejected = [d for d in report["documents"] if d["rejected"]]
    assert len(rejected) == 4
    assert sum(len(d["forms"]) for d in report["documents"]) == len(list(SAMPLE.glob("*.docx")))
    assert any(f["rule"] == "rating-above-criteria" and f["subject"] == "Huỳnh Minh Oanh" for f in report["findings"])


def test_report_json_has_the_contract_fields() -> None:
    _, report = report_of(*sorted(SAMPLE.glob("*.docx")), "--roster", SAMPLE / "roster.csv", "--rule-set", "2019")
    assert report["schema"] == "kiemdiem.report/1" and report["rule_set"] == "2019"
    doc = report["documents"][0]
    assert {"file", "sha256", "kind", "forms"} <= set(doc)
    form = next(f for d in report["documents"] for f in d["forms"] if f["form"] == "2018/mau-05")
    assert {"form", "page", "subject", "criteria", "rating", "tallies"} <= set(form)
    assert [c["id"] for c in form["criteria"]][:3] == ["I.1", "I.2", "I.3"]
    assert all(set(c) >= {"id", "level", "confidence"} for c in form["criteria"])
    for f in report["findings"]:
        assert {"rule", "severity", "message", "subject", "document", "form", "page", "field"} <= set(f)
    assert all({"rule", "why"} <= set(s) for s in report["skipped_rules"])


def test_zip_of_word_files_is_read_like_the_files(tmp_path: Path) -> None:
    archive = tmp_path / "ho-so.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in SAMPLE.glob("*.docx"):
            z.write(f, f"ho-so/{f.name}")
    code, report = report_of(archive, "--roster", SAMPLE / "roster.csv", "--rule-set", "2019")
    assert code == 0
    assert sum(len(d["forms"]) for d in report["documents"]) == len(list(SAMPLE.glob("*.docx")))


def test_zip_bomb_and_nested_zip_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bom.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.docx", b"\x00" * 50_000_000)
    code, report = report_of(bomb)
    assert code == 2 and "zip bomb" in report["findings"][0]["message"]
    nested = tmp_path / "long.zip"
    with zipfile.ZipFile(nested, "w") as z:
        z.write(bomb, "trong.zip")
    _, report = report_of(nested)
    assert "lồng" in report["findings"][0]["message"]


def test_unusable_arguments_exit_2_in_vietnamese(tmp_path: Path) -> None:
    p = kiemdiem("check", tmp_path / "khong-co.docx")
    assert p.returncode == 2 and "không tìm thấy" in p.stderr
    p = kiemdiem("check", SAMPLE / "roster.csv", "--rule-set", "1999")
    assert p.returncode == 2 and "Không có bộ quy định" in p.stderr
    p = kiemdiem("check", SAMPLE / "roster.csv", "--date", "31/02/2023")
    assert p.returncode == 2 and "không hợp lệ" in p.stderr


def test_text_summary_is_vietnamese() -> None:
    p = kiemdiem("check", *sorted(SAMPLE.glob("*.docx")), "--roster", SAMPLE / "roster.csv", "--rule-set", "2019")
    assert p.returncode == 0
    assert "Bộ quy định: 2019" in p.stdout and "rating-above-criteria" in p.stdout and "Căn cứ:" in p.stdout
