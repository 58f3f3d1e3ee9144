"""Read a unit's roster (.csv or .xlsx) into the shared `Roster` model.

Why this module exists: the roster carries the facts no form shows (dates, positions, ratings of
the year, discipline), and clerks produce it by hand in Excel or LibreOffice. Real files come in
UTF-8, UTF-8 with BOM or Windows-1258 (which stores tone marks as combining characters), with
comma, semicolon or tab delimiters, with a title line above the header, with headers typed in any
case or spacing. This module absorbs those variations in one place so that rules only ever see
typed values.

Two principles shape it:

* A file that cannot be used at all raises `RosterError` with a Vietnamese message the clerk can
  act on. A bad cell never sinks the file: it becomes a `RosterIssue` naming the row, the column
  as printed and the value, the field stays None, and the row still loads.
* `Person.known` says which facts the roster really gave for that person: the columns present in
  the file, minus any cell of that row that could not be read. Rules can therefore tell "no
  discipline" (column present, cell empty) from "unknown" (column absent or cell unreadable).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import math
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from domain.errors import RosterError
from domain.model import Person, Rating, Roster, RosterIssue, SubjectKind
from domain.text import clean, find_dates, fold, nfc, parse_rating

__all__ = ["load_roster", "parse_roster_bytes"]

# How far down a sheet the header row is looked for (title lines sit above it).
_HEADER_SCAN_ROWS = 50
# A sheet formatted far below its data yields many empty rows; stop after this many in a row.
_MAX_TRAILING_EMPTY_ROWS = 1000
# Guard against hostile or absurd files; a unit's roster has at most a few thousand rows.
_MAX_ROWS = 100_000
_MAX_SHOWN_VALUE = 80

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


class _Cell(NamedTuple):
    value: CellValue
    percent: bool = False  # an Excel cell formatted as a percentage: 0.95 is shown as 95%


_Row = tuple[int, list[_Cell]]  # 1-based row number as the spreadsheet shows it, and its cells


class _Kind(Enum):
    NAME = auto()
    TEXT = auto()
    DATE = auto()
    RATING = auto()
    NUMBER = auto()
    BOOL = auto()
    SUBJECT_KIND = auto()
    DISCIPLINE = auto()


@dataclass(frozen=True)
class _Column:
    header: str
    field: str
    kind: _Kind
    low: float = 0.0
    high: float = 100.0


_COLUMNS: tuple[_Column, ...] = (
    _Column("Họ và tên", "name", _Kind.NAME),
    _Column("Ngày sinh", "date_of_birth", _Kind.DATE),
    _Column("Chi bộ", "branch", _Kind.TEXT),
    _Column("Đơn vị", "unit", _Kind.TEXT),
    _Column("Chức vụ Đảng", "party_position", _Kind.TEXT),
    _Column("Chức vụ chính quyền", "government_position", _Kind.TEXT),
    _Column("Chức vụ đoàn thể", "mass_org_position", _Kind.TEXT),
    _Column("Loại", "kind", _Kind.SUBJECT_KIND),
    _Column("Người đứng đầu", "is_head", _Kind.BOOL),
    _Column("Ngày vào Đảng", "admitted", _Kind.DATE),
    _Column("Ngày chính thức", "full_member_since", _Kind.DATE),
    _Column("Ngày bổ nhiệm", "appointed", _Kind.DATE),
    _Column("Xếp loại CBCCVC", "civil_servant_rating", _Kind.RATING),
    _Column("Xếp loại cán bộ lãnh đạo", "leader_rating", _Kind.RATING),
    _Column("Kỷ luật trong năm", "discipline", _Kind.DISCIPLINE),
    _Column("Miễn sinh hoạt", "exempted", _Kind.BOOL),
    _Column("Nghỉ ốm (tháng)", "sick_leave_months", _Kind.NUMBER, 0.0, 12.0),
    _Column("Tỷ lệ hoàn thành chỉ tiêu (%)", "targets_completed_pct", _Kind.NUMBER),
    _Column("Tỷ lệ vượt chỉ tiêu (%)", "targets_exceeded_pct", _Kind.NUMBER),
    _Column("Kết luận suy thoái", "degradation_concluded", _Kind.BOOL),
    _Column("Mới điều động", "newly_transferred", _Kind.BOOL),
    _Column("Tỷ lệ phiếu tín nhiệm thấp (%)", "low_confidence_votes_pct", _Kind.NUMBER),
    _Column("Đã kiểm điểm", "review_done", _Kind.BOOL),
    _Column("Nhóm", "group", _Kind.TEXT),
)
_NAME_COLUMN = _COLUMNS[0]
# Fields a column implies besides its own.
_DERIVED_FIELDS = {"discipline": ("discipline_self_remedied",)}


def _header_key(text: str) -> str:
    """Loose key for a header: fold, optional "(%)", spacing around brackets, i/y spellings."""
    key = fold(text).replace("(%)", " ").replace("%", " ")
    key = re.sub(r"\s*\(\s*", " (", key)
    key = re.sub(r"\s*\)", ")", key)
    key = re.sub(r"[\s:*.]+$", "", key)
    key = re.sub(r"\bty\b", "ti", key)  # "Tỷ lệ" / "Tỉ lệ"
    key = re.sub(r"\bky\b", "ki", key)  # "Kỷ luật" / "Kỉ luật"
    return clean(key)


_BY_KEY: dict[str, _Column] = {_header_key(c.header): c for c in _COLUMNS}
_BY_KEY[_header_key("Họ tên")] = _NAME_COLUMN
assert len({c.field for c in _BY_KEY.values()}) == len(_COLUMNS), "header keys must not collide"
_NAME_KEYS = frozenset(k for k, c in _BY_KEY.items() if c is _NAME_COLUMN)

_TRUE_WORDS = frozenset({"x", "co", "yes", "y", "1", "v", "true", "dung", "√", "✓", "✔", "☑"})
_FALSE_WORDS = frozenset({"0", "khong", "no", "n", "false", "sai", "-"})
_NO_DISCIPLINE_WORDS = frozenset({"khong", "khong co", "0", "-", "no", "none"})
_TOTAL_ROW = re.compile(r"^(tong cong|tong so|cong)\b")

_KIND_WORDS: dict[str, SubjectKind] = {
    "dang vien": SubjectKind.DANG_VIEN,
    "dang vien chinh thuc": SubjectKind.DANG_VIEN,
    "dang vien du bi": SubjectKind.DANG_VIEN,
    "tap the": SubjectKind.TAP_THE_LANH_DAO,
    "tap the lanh dao": SubjectKind.TAP_THE_LANH_DAO,
    "tap the lanh dao quan ly": SubjectKind.TAP_THE_LANH_DAO,
    "to chuc dang": SubjectKind.TO_CHUC_DANG,
    "can bo lanh dao": SubjectKind.CAN_BO_LANH_DAO,
    "can bo lanh dao quan ly": SubjectKind.CAN_BO_LANH_DAO,
}

_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_NUMBER = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*%?$")


class _BadCell(Exception):
    """A cell whose value does not fit its column; `reason` completes "«value» ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- public entry points


def load_roster(path: Path) -> Roster:
    """Read the roster file at `path` (.csv or .xlsx)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RosterError(f"Không tìm thấy tệp danh sách «{path.name}».", detail=str(exc)) from exc
    except OSError as exc:
        raise RosterError(f"Không mở được tệp danh sách «{path.name}».", detail=str(exc)) from exc
    return parse_roster_bytes(data, path.name)


def parse_roster_bytes(data: bytes, filename: str) -> Roster:
    """Read a roster received as bytes; `filename` gives the format (by extension) and the messages."""
    name = Path(filename).name or filename
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        hint = ""
        if suffix == ".xls":
            hint = " Hãy mở tệp bằng Excel và lưu lại dưới dạng «Excel Workbook (.xlsx)» hoặc «CSV UTF-8»."
        raise RosterError(f"Không hỗ trợ tệp danh sách «{name}»: chỉ nhận tệp .csv hoặc .xlsx.{hint}")
    if not data.strip():
        raise RosterError(f"Tệp danh sách «{name}» trống, không có dữ liệu.")
    if data.startswith(_OLE_MAGIC):
        raise RosterError(
            f"Không đọc được tệp danh sách «{name}»: tệp là định dạng Excel cũ (.xls) hoặc đã đặt mật khẩu. "
            "Hãy bỏ mật khẩu và lưu lại dưới dạng «Excel Workbook (.xlsx)»."
        )
    # The content decides, not the name: an Excel file renamed .csv is still read correctly.
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, name)
    if suffix == ".xlsx":
        raise RosterError(f"Không đọc được tệp Excel «{name}»: tệp bị hỏng hoặc không phải tệp .xlsx hợp lệ.")
    return _read_csv(data, name)


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """Text of a CSV file, NFC; the flag says whether it was Unicode (else a legacy code page)."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return nfc(data.decode(codec)), True
            except UnicodeDecodeError:
                break
    try:
        return nfc(data.decode("utf-8-sig")), True
    except UnicodeDecodeError as exc:
        # Real UTF-8 with a stray byte (a cell pasted from elsewhere) would turn into mojibake as
        # cp1258; Windows-1258 text, with its tone marks after the letters, almost never holds
        # valid multi-byte UTF-8 sequences, so their number tells the two apart.
        if data.startswith(codecs.BOM_UTF8) or len(_UTF8_SEQUENCE.findall(data)) >= 3:
            line = data[: exc.start].count(b"\n") + 1
            raise RosterError(
                f"Không đọc được tệp CSV «{name}»: tệp dùng bảng mã UTF-8 nhưng có ký tự lỗi ở dòng {line}. "
                "Hãy sửa dòng đó hoặc mở tệp và lưu lại dưới dạng «CSV UTF-8».",
                detail=str(exc),
            ) from exc
    # Windows-1258 (Excel's "CSV" on a Vietnamese Windows): tone marks are combining characters,
    # hence the NFC. It decodes nearly any byte, so it comes after the strict UTF-8 attempt.
    try:
        return nfc(data.decode("cp1258")), False
    except UnicodeDecodeError:
        pass
    best = _charset_guess(data)
    if best is None:
        raise RosterError(
            f"Không đọc được tệp CSV «{name}»: không nhận ra bảng mã. Hãy lưu lại tệp dưới dạng «CSV UTF-8»."
        )
    return nfc(best), False


def _charset_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    return None if match is None else str(match)


def _read_csv(data: bytes, name: str) -> Roster:
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RosterError(f"Không đọc được tệp CSV «{name}»: tệp không phải văn bản (có thể bị hỏng).")
    text, unicode_text = _decode(data, name)
    if not text.strip():
        raise RosterError(f"Tệp danh sách «{name}» trống, không có dữ liệu.")

    # Pick the delimiter under which a header row appears and the most columns are recognised.
    best: tuple[int, _Row, Iterator[_Row]] | None = None
    fallback: list[_Row] = []
    for delimiter in (",", ";", "\t"):
        rows = _csv_rows(text, delimiter, name)
        rest = iter(rows)
        header = _find_header(rest)
        if header is None:
            if not fallback or _widest_first_row(rows) > _widest_first_row(fallback):
                fallback = rows
            continue
        score = len({_BY_KEY[k].field for k in (_header_key(_text_of(c)) for c in header[1]) if k in _BY_KEY})
        if best is None or score > best[0]:
            best = (score, header, rest)
    if best is None:
        _missing_header(name, fallback, legacy_encoding=not unicode_text)
    return _build(best[1], best[2], name)


def _csv_rows(text: str, delimiter: str, name: str) -> list[_Row]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [(number, [_Cell(v) for v in record]) for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise RosterError(f"Không đọc được tệp CSV «{name}»: tệp sai định dạng CSV.", detail=str(exc)) from exc
    if len(rows) > _MAX_ROWS:
        raise RosterError(f"Tệp danh sách «{name}» quá lớn (hơn {_MAX_ROWS} dòng).")
    return rows


def _widest_first_row(rows: list[_Row]) -> int:
    for _, cells in rows:
        width = sum(1 for c in cells if _text_of(c))
        if width:
            return width
    return 0


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes, name: str) -> Roster:
    from openpyxl import load_workbook

    corrupt = f"Không đọc được tệp Excel «{name}»: tệp bị hỏng hoặc không phải tệp .xlsx hợp lệ."
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles, data validation and the like; none matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _read_workbook(workbook, name)
            finally:
                workbook.close()
    except RosterError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same to the user
        raise RosterError(corrupt, detail=f"{type(exc).__name__}: {exc}") from exc


def _read_workbook(workbook: Any, name: str) -> Roster:
    sheets: list[Any] = list(workbook.worksheets)
    active = workbook.active
    if active in sheets:  # the sheet the clerk last looked at is the likeliest one
        sheets.remove(active)
        sheets.insert(0, active)
    first_rows: list[_Row] = []
    for sheet in sheets:
        sheet.reset_dimensions()  # some writers store wrong dimensions, which would cut rows off
        rows = _sheet_rows(sheet, name)
        header = _find_header(rows)
        if header is not None:
            return _build(header, rows, name)
        if not first_rows:
            first_rows = [r for r in _sheet_rows(sheet, name, limit=_HEADER_SCAN_ROWS) if _has_data(r[1])][:1]
    if not first_rows:
        raise RosterError(f"Tệp danh sách «{name}» trống, không có dữ liệu.")
    _missing_header(name, first_rows, legacy_encoding=False)


def _sheet_rows(sheet: Any, name: str, limit: int | None = None) -> Iterator[_Row]:
    empty_run = 0
    stored = 0
    for number, raw in enumerate(sheet.iter_rows(min_row=1), start=1):
        if limit is not None and number > limit:
            return
        if not raw:
            continue  # a row absent from the file: free to skip, however many there are
        stored += 1
        if stored > _MAX_ROWS:
            raise RosterError(f"Tệp danh sách «{name}» quá lớn (hơn {_MAX_ROWS} dòng).")
        cells = [_xlsx_cell(c) for c in raw]
        if _has_data(cells):
            empty_run = 0
        else:
            empty_run += 1
            if empty_run > _MAX_TRAILING_EMPTY_ROWS:
                return
        yield number, cells


def _xlsx_cell(cell: Any) -> _Cell:
    value: Any = getattr(cell, "value", None)
    if value is not None and not isinstance(
        value, str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta
    ):
        value = str(value)
    number_format = getattr(cell, "number_format", None)
    percent = isinstance(number_format, str) and "%" in number_format
    return _Cell(value, percent)


# --------------------------------------------------------------------------- header


def _find_header(rows: Iterator[_Row]) -> _Row | None:
    """Consume rows up to and including the header (the first with a «Họ và tên» cell)."""
    for number, cells in rows:
        if number > _HEADER_SCAN_ROWS:
            return None
        if any(_header_key(_text_of(c)) in _NAME_KEYS for c in cells):
            return number, cells
    return None


def _missing_header(name: str, rows: Iterable[_Row], *, legacy_encoding: bool) -> NoReturn:
    found: list[str] = []
    for _, cells in rows:
        found = [t for t in (_text_of(c) for c in cells) if t]
        if found:
            break
    if not found:
        raise RosterError(f"Tệp danh sách «{name}» trống, không có dữ liệu.")
    shown = ", ".join(f"«{_shorten(h)}»" for h in found[:30])
    more = f" và {len(found) - 30} cột khác" if len(found) > 30 else ""
    message = f"Tệp danh sách «{name}» thiếu cột bắt buộc «{_NAME_COLUMN.header}». Các cột tìm thấy: {shown}{more}."
    if legacy_encoding:
        message += (
            " Nếu chữ tiếng Việt hiển thị sai, tệp có thể dùng bảng mã cũ (TCVN3, VNI): "
            "hãy lưu lại dưới dạng «CSV UTF-8»."
        )
    raise RosterError(message)


def _map_header(number: int, cells: list[_Cell], issues: list[RosterIssue]) -> dict[int, tuple[_Column, str]]:
    """Column index → (column, header as printed) for every recognised header cell."""
    mapping: dict[int, tuple[_Column, str]] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        printed = _text_of(cell)
        if not printed:
            continue
        key = _header_key(printed)
        column = _BY_KEY.get(key)
        if column is None:
            close = difflib.get_close_matches(key, list(_BY_KEY), n=1, cutoff=0.85)
            if close:
                issues.append(
                    RosterIssue(
                        row=number,
                        column=printed,
                        message=(
                            f"Dòng {number}: không nhận ra cột «{printed}» — có phải là "
                            f"«{_BY_KEY[close[0]].header}»? Cột này bị bỏ qua."
                        ),
                    )
                )
            continue
        if column.field in seen:
            first = seen[column.field]
            issues.append(
                RosterIssue(
                    row=number,
                    column=printed,
                    message=(
                        f"Dòng {number}: cột «{printed}» xuất hiện nhiều lần; chỉ dùng cột "
                        f"{_letter(first)}, bỏ qua cột {_letter(index)}."
                    ),
                )
            )
            continue
        seen[column.field] = index
        mapping[index] = (column, printed)
    return mapping


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (A, B, ..., Z, AA, ...)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --------------------------------------------------------------------------- rows


def _build(header: _Row, rows: Iterator[_Row], name: str) -> Roster:
    header_number, header_cells = header
    issues: list[RosterIssue] = []
    mapping = _map_header(header_number, header_cells, issues)
    columns: set[str] = set()
    for column, _ in mapping.values():
        columns.add(column.field)
        columns.update(_DERIVED_FIELDS.get(column.field, ()))

    people: list[Person] = []
    first_row_of: dict[str, int] = {}
    name_index = next(i for i, (c, _) in mapping.items() if c is _NAME_COLUMN)
    name_header = mapping[name_index][1]
    data_rows = 0
    for number, cells in rows:
        values = {i: cells[i] if i < len(cells) else _Cell(None) for i in mapping}
        if not any(_text_of(v) for v in values.values()):
            continue  # empty, or data only in columns the product does not read (STT, Ghi chú)
        data_rows += 1
        person = _read_person(number, values, mapping, frozenset(columns), issues)
        if person is None:
            continue
        key = clean(person.name).casefold()
        if key in first_row_of:
            issues.append(
                RosterIssue(
                    row=number,
                    column=name_header,
                    message=(
                        f"Dòng {number}, cột «{name_header}»: «{person.name}» trùng tên với dòng "
                        f"{first_row_of[key]}; cả hai dòng vẫn được nạp, cần kiểm tra lại."
                    ),
                )
            )
        else:
            first_row_of[key] = number
        people.append(person)
    if data_rows == 0:
        raise RosterError(f"Tệp danh sách «{name}» chỉ có dòng tiêu đề, không có người nào.")
    return Roster(people=people, issues=issues, columns=frozenset(columns))


def _read_person(
    number: int,
    values: dict[int, _Cell],
    mapping: dict[int, tuple[_Column, str]],
    columns: frozenset[str],
    issues: list[RosterIssue],
) -> Person | None:
    fields: dict[str, Any] = {}
    known = set(columns)
    person_name: str | None = None
    for index, (column, printed) in mapping.items():
        cell = values[index]
        if column is _NAME_COLUMN:
            person_name = _text_of(cell) or None
            continue
        try:
            fields.update(_convert(column, cell))
        except _BadCell as bad:
            known.discard(column.field)
            known.difference_update(_DERIVED_FIELDS.get(column.field, ()))
            issues.append(
                RosterIssue(
                    row=number,
                    column=printed,
                    message=f"Dòng {number}, cột «{printed}»: «{_shorten(_text_of(cell))}» {bad.reason}.",
                )
            )
    name_header = next(p for c, p in mapping.values() if c is _NAME_COLUMN)
    if person_name is None:
        issues.append(
            RosterIssue(
                row=number,
                column=name_header,
                message=f"Dòng {number}: có dữ liệu nhưng thiếu «{name_header}»; dòng này bị bỏ qua.",
            )
        )
        return None
    if _TOTAL_ROW.match(fold(person_name)):
        issues.append(
            RosterIssue(
                row=number,
                column=name_header,
                message=(
                    f"Dòng {number}: «{_shorten(person_name)}» là dòng tổng hợp, không phải tên người; "
                    "dòng này bị bỏ qua."
                ),
            )
        )
        return None
    return Person(name=person_name, row=number, known=frozenset(known), **fields)


def _convert(column: _Column, cell: _Cell) -> dict[str, Any]:
    """The Person fields one cell gives; raises _BadCell when the value does not fit."""
    if column.kind is _Kind.TEXT:
        return {column.field: _text_of(cell) or None}
    if column.kind is _Kind.DATE:
        return {column.field: _to_date(cell)}
    if column.kind is _Kind.RATING:
        return {column.field: _to_rating(cell)}
    if column.kind is _Kind.NUMBER:
        return {column.field: _to_number(cell, column.low, column.high)}
    if column.kind is _Kind.BOOL:
        return {column.field: _to_bool(cell)}
    if column.kind is _Kind.SUBJECT_KIND:
        kind = _to_kind(cell)
        return {} if kind is None else {column.field: kind}
    if column.kind is _Kind.DISCIPLINE:
        text = _text_of(cell)
        folded = fold(text)
        if not text or folded in _NO_DISCIPLINE_WORDS:
            return {"discipline": None, "discipline_self_remedied": False}
        return {"discipline": text, "discipline_self_remedied": _self_remedied(folded)}
    raise AssertionError(column.kind)


def _self_remedied(folded: str) -> bool:
    """The exception "(tự phát hiện, đã khắc phục)", matched loosely but not when negated."""
    if "tu phat hien" not in folded or "khac phuc" not in folded:
        return False
    return re.search(r"\b(khong|chua)\s+(tu phat hien|khac phuc)", folded) is None


def _to_date(cell: _Cell) -> dt.date | None:
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | int | float):
        # An unformatted serial number: the clerk sees a number, so do not guess a date from it.
        raise _BadCell("là số, không phải ngày (cần dd/mm/yyyy; hãy định dạng ô theo kiểu Ngày)")
    text = _text_of(cell)
    if not text:
        return None
    iso = _ISO_DATE.match(text)
    if iso:
        try:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            raise _BadCell("không phải ngày hợp lệ (cần dd/mm/yyyy)") from None
    dates = find_dates(text)
    if len(dates) > 1:
        raise _BadCell("có nhiều hơn một ngày (cần đúng một ngày dd/mm/yyyy)")
    if not dates:
        raise _BadCell("không phải ngày hợp lệ (cần dd/mm/yyyy)")
    return dates[0]


def _to_rating(cell: _Cell) -> Rating | None:
    text = _text_of(cell)
    if not text:
        return None
    rating = parse_rating(text) if isinstance(cell.value, str) else None
    if rating is None:
        raise _BadCell(
            "không phải mức xếp loại hợp lệ (cần HTXSNV, HTTNV, HTNV, KHTNV hoặc ghi đầy đủ, "
            "ví dụ «Hoàn thành tốt nhiệm vụ»)"
        )
    return rating


def _to_number(cell: _Cell, low: float, high: float) -> float | None:
    value = cell.value
    number: float
    if isinstance(value, bool):
        raise _BadCell("không phải số hợp lệ (cần một số, ví dụ 95 hoặc 95,5)")
    if isinstance(value, int | float):
        number = float(value) * 100 if cell.percent else float(value)
        number = round(number, 6)
        if not math.isfinite(number):
            raise _BadCell("không phải số hợp lệ (cần một số, ví dụ 95 hoặc 95,5)")
    else:
        text = _text_of(cell)
        if not text:
            return None
        match = _NUMBER.match(text)
        if match is None:
            raise _BadCell("không phải số hợp lệ (cần một số, ví dụ 95 hoặc 95,5)")
        number = float(match.group(1).replace(",", "."))
    if not low <= number <= high:
        raise _BadCell(f"nằm ngoài khoảng cho phép (cần từ {_plain(low)} đến {_plain(high)})")
    return number


def _to_bool(cell: _Cell) -> bool:
    value = cell.value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    folded = fold(_text_of(cell))
    if not folded or folded in _FALSE_WORDS:
        return False
    if folded in _TRUE_WORDS:
        return True
    raise _BadCell("không hợp lệ (cần «x» hoặc để trống)")


def _to_kind(cell: _Cell) -> SubjectKind | None:
    """The subject kind; None (model default, đảng viên) when empty."""
    folded = clean(re.sub(r"[,.;/]", " ", fold(_text_of(cell))))
    if not folded:
        return None
    kind = _KIND_WORDS.get(folded)
    if kind is None:
        raise _BadCell(
            "không phải loại hợp lệ (cần «đảng viên», «tập thể», «tổ chức đảng» hoặc «cán bộ lãnh đạo»); "
            "tạm coi là đảng viên"
        )
    return kind


# --------------------------------------------------------------------------- cell text


def _text_of(cell: _Cell) -> str:
    """The cell as the clerk reads it, cleaned (NFC, single spaces)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float):
        shown = _plain(value * 100 if cell.percent else value)
        return f"{shown}%" if cell.percent else shown
    return clean(str(value))


def _plain(number: float) -> str:
    """A number the Vietnamese way: no trailing .0, decimal comma."""
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)
    if float(number).is_integer():
        return str(int(number))
    return f"{round(float(number), 6):g}".replace(".", ",")


def _has_data(cells: list[_Cell]) -> bool:
    return any(_text_of(c) for c in cells)


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN_VALUE else text[: _MAX_SHOWN_VALUE - 1] + "…"
