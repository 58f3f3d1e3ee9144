"""`kiemdiem template` as contract.md specifies it: written paths on stdout, one file per person for
individual forms, one for unit forms, PDFs with --pdf, and Vietnamese errors with exit 2."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pdfplumber

from tests.test_cli import SAMPLE, kiemdiem

ROSTER = SAMPLE / "roster.csv"


def _text(docx: Path) -> str:
    with zipfile.ZipFile(docx) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def test_individual_form_one_docx_and_pdf_per_person(tmp_path: Path) -> None:
    p = kiemdiem("template", "2018/mau-05", "--out", tmp_path, "--roster", ROSTER, "--year", "2019", "--pdf")
    assert p.returncode == 0, p.stderr
    paths = [Path(line) for line in p.stdout.splitlines()]
    docx = [q for q in paths if q.suffix == ".docx"]
    pdfs = [q for q in paths if q.suffix == ".pdf"]
    assert len(docx) == len(pdfs) == 8 and all(q.is_file() for q in paths)
    assert "Vũ Quỳnh Loan" in _text(docx[0]) and "Trường THPT Kim Đồng" in _text(docx[0])
    with pdfplumber.open(pdfs[1]) as pdf:
        text = pdf.pages[0].extract_text()
    assert "Huỳnh Minh Oanh" in text and "PHIẾU PHÂN TÍCH CHẤT LƯỢNG" in text and "năm 2019" in text


def test_unit_form_lists_every_member_in_one_file(tmp_path: Path) -> None:
    p = kiemdiem("template", "2018/mau-06", "--out", tmp_path, "--roster", ROSTER, "--year", "2019")
    assert p.returncode == 0, p.stderr
    [path] = [Path(line) for line in p.stdout.splitlines()]
    text = _text(path)
    assert all(name in text for name in ("Vũ Quỳnh Loan", "Đào Đức Thành", "Lý Quang Thành"))


def test_without_roster_a_blank_form(tmp_path: Path) -> None:
    p = kiemdiem("template", "2023/mau-2a", "--out", tmp_path, "--unit", "Chi bộ Phòng Tổng hợp")
    assert p.returncode == 0, p.stderr
    [path] = [Path(line) for line in p.stdout.splitlines()]
    assert "CHI BỘ PHÒNG TỔNG HỢP" in _text(path)


def test_unknown_form_and_bad_year_are_refused_in_vietnamese(tmp_path: Path) -> None:
    p = kiemdiem("template", "2018/mau-99", "--out", tmp_path)
    assert p.returncode == 2 and "Không có mẫu biểu" in p.stderr and "Traceback" not in p.stderr
    p = kiemdiem("template", "2018/mau-05", "--out", tmp_path, "--year", "19")
    assert p.returncode == 2 and "năm không hợp lệ" in p.stderr


def test_a_roster_of_several_branches_needs_a_unit(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Họ và tên,Chi bộ\nNguyễn Văn An,Chi bộ 1\nTrần Thị Bình,Chi bộ 2\n", encoding="utf-8")
    p = kiemdiem("template", "2018/mau-05", "--out", tmp_path / "a", "--roster", roster)
    assert p.returncode == 2 and "nhiều chi bộ" in p.stderr
    p = kiemdiem("template", "2018/mau-05", "--out", tmp_path / "b", "--roster", roster, "--unit", "chi bộ 2")
    assert p.returncode == 0, p.stderr
    [path] = [Path(line) for line in p.stdout.splitlines()]
    assert "Trần Thị Bình" in _text(path)
