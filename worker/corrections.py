"""Values a person confirms or corrects, applied to the forms read before the rules run.

A reader may misread a mark, or read it with too little confidence to accuse anyone. A reviewer
or clerk who has looked at the paper writes what is right in a corrections file; `kiemdiem check
--corrections FILE.json` re-reads the dossier, applies the file to the forms read, then runs the
rules, so the whole dossier is re-validated with the person's values and the report can show which
values a person gave (`Dossier.corrections`: who, when, the value before and after).

File format (UTF-8 JSON)::

    {
      "schema": "kiemdiem.corrections/1",
      "corrections": [
        {"document": "mau-02-nguyen-van-an.pdf", "form": 0, "field": "criteria.II.2", "value": "Tốt",
         "by": "Trần Thị Bình", "at": "2026-11-21T09:30:00+07:00", "note": "đã đối chiếu bản giấy"},
        {"document": "ho-so.zip/bien-ban.pdf", "field": "tallies[Nguyễn Văn An].httnv", "value": "07",
         "by": "Trần Thị Bình"}
      ]
    }

`schema` must be exactly "kiemdiem.corrections/1"; `corrections` is a list of objects with only
these keys:

- `document` (required): the file name exactly as the report's JSON `documents[].file` names it;
  a member of a zip archive is "archive.zip/inner.pdf".
- `form` (optional, default 0): the index of the form in that document's `forms`.
- `field` (required): the address of the value, as a finding's `field` carries it
  (`domain.fields`). The name in `summary[…]` / `tallies[…]` is the row's or tally's name as
  read, exactly or, failing that, ignoring case and diacritics when only one name matches.
- `value` (required): the right value in words, by address:

  - `criteria.<id>` (e.g. `criteria.II.2`): a level, "Xuất sắc", "Tốt", "Trung bình", "Kém" in any
    case, with or without diacritics, or the code "xuat_sac", "tot", "trung_binh", "kem";
  - `rating`, `ratings.<key>`, `summary[<name>].<column>`, `tallies[<name>].result`: a rating,
    "HTXSNV", "HTTNV", "HTNV", "KHTNV" in any case, or in full words ("Hoàn thành tốt nhiệm vụ");
  - `tallies[<name>].htxsnv|httnv|htnv|khtnv` (votes for that rating), `.present`, `.total`,
    `.blank`: a non-negative integer, as a number or digits ("07");
  - `points.general|tasks|total`: a non-negative number (7, 7.5 or "7,5");
  - `fields.<key>`: the text of a header field; `fields.date` a date, "dd/mm/yyyy".

  The key, column or name must exist in the form as read (a criterion row, a rating field, a
  summary column, a tally); a header field must be one the form has or its definition prints.
- `by` (required): who confirms or corrects, non-empty.
- `at` (optional): when, an ISO 8601 date-time with its offset ("2026-11-21T09:30:00+07:00" or
  "…Z"); by default the time the correction is applied.
- `note` (optional): free text.

A value equal to what was read is a confirmation: applied and recorded all the same. An applied
value gets confidence 1.0 and keeps its location, and so does the record holding it (a tally's
counts, a criterion row, a rating, the points), so it is no longer `unreadable`. The form's own
confidence is left alone: it says a row whose person could not be read exists, which no value
correction changes. Any error in the file stops the check with `CorrectionError`, naming the entry.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar

from domain.errors import CorrectionError
from domain.fields import FieldPath, parse_field
from domain.forms import catalog
from domain.model import Correction, Document, ExtractedForm, Level, Rating, RatingValue, SummaryRow, Tally
from domain.text import clean, fold, format_date, parse_date, parse_level, parse_rating

SCHEMA = "kiemdiem.corrections/1"
KEYS = frozenset({"document", "form", "field", "value", "by", "at", "note"})
COUNTS = ("present", "total", "blank")
POINTS = ("general", "tasks", "total")
ADDRESSES = ("criteria.<mã>, rating, ratings.<khóa>, summary[<tên>].<cột>, tallies[<tên>].<phần>, "
             "points.general|tasks|total, fields.<khóa>")

Value = Level | Rating | int | float | str | dt.date
Named = TypeVar("Named", SummaryRow, Tally)


@dataclass(frozen=True)
class CorrectionRequest:
    """One entry of the file, checked and with its value already typed for its address; `entry` is
    its 1-based position, so that a problem found when applying it names the entry too."""

    entry: int
    document: str
    form: int
    path: FieldPath
    value: Value
    by: str
    at: dt.datetime | None = None
    note: str = ""


def _fail(entry: int, problem: str) -> NoReturn:
    raise CorrectionError(f"Tệp sửa/xác nhận giá trị, mục {entry}: {problem}.")


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def load_corrections(path: Path) -> list[CorrectionRequest]:
    """The entries of a corrections file, each checked on its own (the dossier is checked later,
    when they are applied)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as e:
        raise CorrectionError(f"Không tìm thấy hoặc không mở được tệp sửa/xác nhận giá trị «{path}».",
                              detail=str(e)) from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorrectionError(f"Tệp sửa/xác nhận giá trị «{path.name}» không phải JSON hợp lệ (UTF-8).",
                              detail=str(e)) from e
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CorrectionError(f"Tệp sửa/xác nhận giá trị «{path.name}» không đúng định dạng: "
                              f"cần \"schema\": \"{SCHEMA}\".")
    entries = data.get("corrections")
    if not isinstance(entries, list):
        raise CorrectionError(f"Tệp sửa/xác nhận giá trị «{path.name}» thiếu danh sách \"corrections\".")
    return [_request(i, raw) for i, raw in enumerate(entries, start=1)]


def _request(entry: int, raw: object) -> CorrectionRequest:
    if not isinstance(raw, dict):
        _fail(entry, "mỗi mục phải là một đối tượng JSON {…}")
    if unknown := sorted(set(raw) - KEYS):
        _fail(entry, f"khóa không dùng được: {', '.join(unknown)} (dùng: {', '.join(sorted(KEYS))})")
    document = _text(entry, raw, "document")
    form = raw.get("form", 0)
    if not isinstance(form, int) or isinstance(form, bool) or form < 0:
        _fail(entry, "«form» phải là số thứ tự biểu mẫu trong tệp, từ 0")
    path = parse_field(_text(entry, raw, "field"))
    if "value" not in raw:
        _fail(entry, "thiếu «value» (giá trị đúng)")
    convert, expected = _converter(entry, path)
    value = convert(raw["value"])
    if value is None:
        _fail(entry, f"giá trị «{raw['value']}» không hợp lệ cho «{path}»: cần {expected}")
    note = raw.get("note", "")
    if not isinstance(note, str):
        _fail(entry, "«note» phải là văn bản")
    return CorrectionRequest(entry, document, form, path, value, _text(entry, raw, "by", "người sửa/xác nhận"),
                             _at(entry, raw.get("at")), clean(note))


def _text(entry: int, raw: dict[str, object], key: str, what: str = "") -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not clean(value):
        _fail(entry, f"thiếu «{key}»" + (f" ({what})" if what else ""))
    return clean(value)


def _at(entry: int, value: object) -> dt.datetime | None:
    if value is None:
        return None
    try:
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        _fail(entry, f"«at» = «{value}» không phải ngày giờ ISO 8601 có múi giờ (ví dụ 2026-11-21T09:30:00+07:00)")
    return at


def _converter(entry: int, path: FieldPath) -> tuple[Callable[[object], Value | None], str]:
    """How to read the value an address holds, and what to tell a person who wrote something else."""
    level = (_level, "một cấp độ: Xuất sắc, Tốt, Trung bình hoặc Kém")
    rating = (_rating, "một mức xếp loại: HTXSNV, HTTNV, HTNV hoặc KHTNV (hoặc ghi đủ chữ)")
    count = (_count, "một số nguyên không âm")
    kind, key, row, part = path.kind, path.key, path.row, path.part
    if kind == "criteria" and key:
        return level
    if (kind == "rating" and key is None) or (kind == "ratings" and key) or (kind == "summary" and part):
        return rating
    if kind == "tallies" and part == "result":
        return rating
    if kind == "tallies" and part in (*(r.value for r in Rating), *COUNTS):
        return count
    if kind == "points" and key in POINTS:
        return _number, "một số không âm (ví dụ 7 hoặc 7,5)"
    if kind == "fields" and key == "date":
        return _date, "một ngày dạng dd/mm/yyyy"
    if kind == "fields" and key:
        return _field_text, "một đoạn văn bản"
    if kind == "tallies" and row is not None:
        _fail(entry, f"«{path}»: cần ghi phần của số phiếu: .htxsnv, .httnv, .htnv, .khtnv, .present, .total, "
                     ".blank hoặc .result")
    _fail(entry, f"không sửa được giá trị «{path}»; các địa chỉ dùng được: {ADDRESSES}")


def _level(value: object) -> Level | None:
    if not isinstance(value, str):
        return None
    return parse_level(value) or next((lv for lv in Level if lv.value == fold(value)), None)


def _rating(value: object) -> Rating | None:
    return parse_rating(value) if isinstance(value, str) else None


def _count(value: object) -> int | None:
    if isinstance(value, str) and clean(value).isascii() and clean(value).isdigit():
        return int(clean(value))
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _number(value: object) -> float | None:
    if isinstance(value, str):
        try:
            value = float(clean(value).replace(",", "."))
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < float("inf"):
        return float(value)
    return None


def _date(value: object) -> dt.date | None:
    return parse_date(value) if isinstance(value, str) else None


def _field_text(value: object) -> str | None:
    return (clean(value) or None) if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


def apply_corrections(
    documents: list[Document], requests: list[CorrectionRequest], now: dt.datetime
) -> list[Correction]:
    """Set each value in the forms read (in file order, so a later entry sees an earlier one) and
    return the record of each; `now` dates the entries that give no `at`."""
    records: list[Correction] = []
    for req in requests:
        form = _form(documents, req)
        field, old = _SETTERS[req.path.kind](form, req)
        records.append(Correction(document=req.document, form=req.form, field=field,
                                  old=None if old is None else _words(old), new=_words(req.value),
                                  by=req.by, at=req.at or now, note=req.note))
    return records


def _form(documents: list[Document], req: CorrectionRequest) -> ExtractedForm:
    doc = next((d for d in documents if d.file == req.document), None)
    if doc is None:
        files = [d.file for d in documents]
        shown = difflib.get_close_matches(req.document, files, n=3, cutoff=0.5) or files[:5]
        more = ", …" if len(shown) < len(files) else ""
        _fail(req.entry, f"hồ sơ không có tệp «{req.document}» (các tệp: {', '.join(shown)}{more})")
    if req.form >= len(doc.forms):
        if not doc.forms:
            _fail(req.entry, f"tệp «{doc.file}» không có biểu mẫu nào đọc được")
        _fail(req.entry, f"tệp «{doc.file}» có {len(doc.forms)} biểu mẫu, «form» phải từ 0 đến {len(doc.forms) - 1}")
    return doc.forms[req.form]


# Each setter finds the addressed value, sets it and returns the field as the form names it and the
# value before. `load_corrections` typed `req.value` from the same address, hence the asserts.


def _set_criterion(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    assert isinstance(req.value, Level)
    row = next((c for c in form.criteria if c.id == req.path.key), None)
    if row is None:
        known = ", ".join(c.id for c in form.criteria) or "không có tiêu chí nào"
        _fail(req.entry, f"biểu mẫu không có tiêu chí «{req.path.key}» (có: {known})")
    old = row.level
    row.level, row.marked, row.confidence = req.value, [req.value], 1.0
    return str(req.path), old


def _set_rating_value(cell: RatingValue, req: CorrectionRequest) -> Rating | None:
    assert isinstance(req.value, Rating)
    old = cell.value
    cell.value, cell.candidates, cell.confidence = req.value, [], 1.0
    return old


def _set_rating(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    """`rating` or `ratings.<key>`. The proposed rating is both `rating` and `ratings.<primary key>`:
    one object as read, but two once a dossier is copied or rebuilt, so both are set."""
    definition = catalog().get(form.form_id)
    primary = definition.primary_rating if definition else None
    key = primary if req.path.kind == "rating" else req.path.key
    cells = [form.ratings[key]] if key in form.ratings else []
    if form.rating is not None and key == primary and all(c is not form.rating for c in cells):
        cells.append(form.rating)
    if not cells:
        if req.path.kind == "rating":
            _fail(req.entry, "biểu mẫu này không có mục đề nghị xếp loại («rating»)")
        _fail(req.entry, f"biểu mẫu không có mục xếp loại «{req.path.key}» (có: {_listed(form.ratings)})")
    olds = [_set_rating_value(cell, req) for cell in cells]
    return str(req.path), olds[-1]


def _set_summary(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    row = _named(form.summary_rows, req, "dòng tổng hợp")
    cell = row.ratings.get(req.path.part or "")
    if cell is None:
        _fail(req.entry, f"dòng «{row.name}» không có cột «{req.path.part}» (có: {_listed(row.ratings)})")
    return str(FieldPath("summary", row=row.name, part=req.path.part)), _set_rating_value(cell, req)


def _set_tally(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    tally = _named(form.tallies, req, "số phiếu")
    part = req.path.part or ""
    old: Value | None
    if part == "result":
        assert isinstance(req.value, Rating)
        old, tally.result = tally.result, req.value
    elif part in COUNTS:
        assert isinstance(req.value, int)
        old = getattr(tally, part)
        setattr(tally, part, req.value)
    else:
        assert isinstance(req.value, int)
        old = tally.votes.get(Rating(part))
        tally.votes = {**tally.votes, Rating(part): req.value}
    tally.confidence = 1.0
    return str(FieldPath("tallies", row=tally.name, part=part)), old


def _set_points(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    assert isinstance(req.value, float)
    if form.points is None:
        _fail(req.entry, "biểu mẫu này không có mục chấm điểm («points»)")
    key = req.path.key or ""
    old = getattr(form.points, key)
    setattr(form.points, key, req.value)
    form.points.confidence = 1.0
    return str(req.path), old


def _set_field(form: ExtractedForm, req: CorrectionRequest) -> tuple[str, Value | None]:
    """A header field; name, unit, evaluator and date are also kept as the form's own values, where
    the rules read them (see `rules.reading`)."""
    key = req.path.key or ""
    definition = catalog().get(form.form_id)
    known = {*form.fields, *(f.key for f in definition.header_fields)} if definition else set(form.fields)
    if key not in known:
        _fail(req.entry, f"biểu mẫu không có mục «{key}» (có: {', '.join(sorted(known)) or 'không có mục nào'})")
    if isinstance(req.value, dt.date):
        old_date, form.date = form.date, req.value
        return str(req.path), old_date
    assert isinstance(req.value, str)
    own = {"name": form.subject.name, "unit": form.subject.unit, "evaluator": form.evaluator}
    old = own.get(key) or form.fields.get(key)
    form.fields = {**form.fields, key: req.value}
    if key in ("name", "unit"):
        setattr(form.subject, key, req.value)
    elif key == "evaluator":
        form.evaluator = req.value
    return str(req.path), old


_SETTERS: dict[str, Callable[[ExtractedForm, CorrectionRequest], tuple[str, Value | None]]] = {
    "criteria": _set_criterion,
    "rating": _set_rating,
    "ratings": _set_rating,
    "summary": _set_summary,
    "tallies": _set_tally,
    "points": _set_points,
    "fields": _set_field,
}


def _named(items: list[Named], req: CorrectionRequest, what: str) -> Named:
    """The row or tally of a name: exactly as read, else the only one equal ignoring case and diacritics."""
    name = req.path.row or ""
    exact = [item for item in items if item.name == name]
    loose = [item for item in items if fold(item.name) == fold(name)]
    if exact or len(loose) == 1:
        return (exact or loose)[0]
    known = ", ".join(item.name for item in items[:8]) + (", …" if len(items) > 8 else "")
    if loose:
        _fail(req.entry, f"có nhiều {what} mang tên gần giống «{name}»; ghi đúng tên như đã đọc: "
                         f"{', '.join(item.name for item in loose)}")
    _fail(req.entry, f"biểu mẫu không có {what} của «{name}» (có: {known or 'không có'})")


def _listed(keys: dict[str, RatingValue]) -> str:
    return ", ".join(keys) or "không có"


def _words(value: Value) -> str:
    """A value as a person reads it: level label, rating abbreviation, number, date dd/mm/yyyy."""
    if isinstance(value, Level):
        return value.label
    if isinstance(value, Rating):
        return value.abbreviation
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)
