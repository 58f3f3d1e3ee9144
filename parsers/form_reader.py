"""Reading forms out of a layout (`parsers.layout.Body`), whatever file it came from.

`parsers.identify` finds the forms in the lines, and each form is read from its own slice with the
labels, criteria and columns its definition declares, so a new form is new data, not new code here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from domain.errors import UnknownForm
from domain.forms import FieldDef, FormCatalog, FormDefinition, FormKind, RatingFieldDef, catalog
from domain.known_spellings import respell_surname, respell_unit_phrases
from domain.model import (
    BallotCount,
    CriterionValue,
    ExtractedForm,
    Level,
    Location,
    Points,
    Rating,
    RatingValue,
    Subject,
    SubjectKind,
    SummaryRow,
    Tally,
)
from domain.text import clean, find_dates, find_ratings, fold, folded_words, nfc, parse_date, parse_level, parse_rating
from parsers.identify import FormMatch, find_forms
from parsers.layout import BOX_MARKS, CANCELLED_BOX, Body, Cell, Line, Table
from rules.aggregation import aggregate
from rules.subjects import DEFAULT_CONFIDENCE

# lxml elements from python-docx; lxml ships no type information.
_El = Any

# ---------------------------------------------------------------------------------------------
# Text helpers: folding with positions, placeholders, labels
# ---------------------------------------------------------------------------------------------

_EMPTY_GLYPHS = set("☐□○◯❍❑❒")
_PLACEHOLDER_CHARS = set(" \t\u00a0.…_·‥-–—:;,/") | _EMPTY_GLYPHS | {CANCELLED_BOX}
_BOX_GLYPHS = BOX_MARKS | _EMPTY_GLYPHS | {CANCELLED_BOX}
_BULLET = re.compile(r"^[\s\-–—+•*·]*(?:(?:[IVXLC]+|\d+|[a-zđ])\s*[.)]\s*)?")
_GAP_LABEL = re.compile(r"(?:\s{2,}|\t)\S[^:\t]{0,40}:")
_INT = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_DATE_IN_WORDS = re.compile(r"ngay\s*\d{1,2}\s*thang\s*\d{1,2}\s*nam\s*\d{4}")
_DATE_AFTER_NGAY = re.compile(r"\bngay\s*\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}")
_HONORIFIC = re.compile(r"^(?:đồng chí|đ/c|ông|bà)\s+", re.IGNORECASE)
# A signature block's heading: "T/M CHI ỦY (CHI BỘ)" (thay mặt, on behalf of), "K/T BÍ THƯ" (ký thay).
_SIGNATURE_HEADING = re.compile(r"^\s*(?:t\s*/\s*m|k\s*/\s*t|tm\.|kt\.)\s", re.IGNORECASE)


def _fold_chars(text: str) -> str:
    """`fold` one character at a time, so that positions in the result are positions in `text`."""
    return "".join(_fold_char(ch) for ch in text)


@cache
def _fold_char(ch: str) -> str:
    if ch.isspace():
        return " "
    folded = fold(ch)
    if len(folded) == 1:
        return folded
    return ch.lower() if len(ch.lower()) == 1 else "?"


def _is_placeholder(text: str) -> bool:
    """Dots, ellipses, dashes, empty boxes: the printed blank, not an answer."""
    return all(ch in _PLACEHOLDER_CHARS for ch in text)


def _value(text: str) -> str:
    text = clean(text).strip(" ,;:-–—_")
    return "" if _is_placeholder(text) else text


def _words_pattern(label: str) -> str:
    words = re.findall(r"[0-9a-z]+", fold(label))
    return r"(?<![0-9a-z])" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?![0-9a-z])"


@dataclass(frozen=True)
class _Label:
    key: str
    label: str
    pattern: re.Pattern[str]
    upper: bool  # the printed label starts with a capital
    key_words: str
    answer_below: bool  # a rating label may stand alone on its line, the answer under it

    @classmethod
    def of(cls, key: str, label: str, answer_below: bool = False) -> _Label:
        # "Họ và tên (chữ in hoa):": a bracketed note may sit between the label and its colon.
        pattern = re.compile(_words_pattern(label) + r"\s*(?:\([^()]{0,60}\)\s*)?[:：]")
        return cls(key, label, pattern, label[:1].isupper(), folded_words(label), answer_below)


@dataclass(frozen=True)
class _Hit:
    key: str
    line: Line
    start: int
    end: int
    value: str


def _starts_field(text: str, start: int, label: _Label) -> bool:
    """A label begins a field at the start of a line (after a bullet or number), after a wide gap
    or a separator, or after one space when it is capitalised as printed ("… A Ngày sinh:")."""
    if start <= _BULLET.match(text).end():  # type: ignore[union-attr]
        return True
    before = text[:start]
    if before.endswith(("  ", "\t")) or before.rstrip().endswith((";", "|", ",")):
        return True
    return before.endswith(" ") and label.upper and text[start].isupper()


def _scan_line(line: Line, labels: Sequence[_Label]) -> list[_Hit]:
    """Every 'Label: value' field of one line; a value runs to the next label on the line."""
    text = line.text
    folded = _fold_chars(text)
    found: list[tuple[int, int, _Label]] = []
    for label in labels:
        for m in label.pattern.finditer(folded):
            if _starts_field(text, m.start(), label):
                found.append((m.start(), m.end(), label))
    if not found:
        whole = _whole_line_label(text, labels)
        if whole is not None:
            return [_Hit(whole.key, line, 0, len(text), "")]
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, _Label]] = []
    for start, end, label in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, label))
    hits = []
    for k, (start, end, label) in enumerate(kept):
        stop = kept[k + 1][0] if k + 1 < len(kept) else len(text)
        raw = text[end:stop]
        gap = _GAP_LABEL.search(raw)
        hits.append(_Hit(label.key, line, start, end, raw[: gap.start()] if gap else raw))
    return hits


def _whole_line_label(text: str, labels: Sequence[_Label]) -> _Label | None:
    """A label printed alone on its line without a colon ("II. Đề xuất xếp loại mức chất lượng"),
    its answer on the lines below."""
    key = folded_words(text[_BULLET.match(text).end() :])  # type: ignore[union-attr]
    return next((label for label in labels if key and key == label.key_words and label.answer_below), None)


def _scan(lines: Sequence[Line], labels: Sequence[_Label]) -> list[_Hit]:
    return [hit for line in lines for hit in _scan_line(line, labels)]


def _loose_field(lines: Sequence[Line], field_def: FieldDef) -> str | None:
    """A label printed without a colon: mid-sentence ("… tại Phòng Ngân sách, …") for a label
    printed in lower case, at the start of a line ("Năm 2018") for one printed as in the form, or
    as a bracketed caption under its value ("CHI ỦY CHI BỘ 3" / "(Tập thể kiểm điểm)")."""
    words = nfc(field_def.label).lower().split()
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)")
    caption = folded_words(field_def.label)
    previous: Line | None = None
    for line in lines:
        text = line.text
        stripped = clean(text)
        if _SIGNATURE_HEADING.match(stripped):
            continue  # who signs, not a field: "(CHI BỘ)" there names no chi bộ
        if stripped.startswith("(") and folded_words(stripped) == caption and previous is not None:
            return _value(previous.text)
        if stripped.endswith(")") and "(" in stripped and folded_words(stripped.rsplit("(", 1)[1]) == caption:
            return _value(stripped.rsplit("(", 1)[0])
        m = pattern.search(text.lower())  # diacritics count here: "tại" is not "TÀI CHÍNH"
        if m is not None:
            lower = not field_def.label[:1].isupper()
            at_start = m.start() <= _BULLET.match(text).end()  # type: ignore[union-attr]
            as_printed = text[m.start() : m.end()] == nfc(field_def.label)  # "ĐẢNG CỘNG SẢN" is no "Đảng:"
            if lower and not at_start:
                return _value(re.split(r"[,;(]", text[m.end() :], maxsplit=1)[0])
            if at_start and as_printed and not lower:
                rest = _value(text[m.end() :])
                if rest:
                    return rest
        if stripped:
            previous = line
    return None


def _labels(definition: FormDefinition) -> list[_Label]:
    """Every label of the form, header and rating ones: each ends the value before it."""
    labels = [_Label.of(f.key, f.label) for f in definition.header_fields]
    labels += [_Label.of("rating:" + r.key, r.label, answer_below=True) for r in definition.rating_fields]
    return labels


def read_fields(lines: Sequence[Line], definition: FormDefinition, hits: Sequence[_Hit]) -> dict[str, str]:
    """Header fields as printed, by key; the first non-empty value of a label wins."""
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for hit in hits:
        if hit.key.startswith("rating:"):
            continue
        seen.add(hit.key)
        value = _value(hit.value)
        if value and hit.key not in fields:
            fields[hit.key] = value
    for f in definition.header_fields:
        if f.key not in seen:
            loose = _loose_field(lines, f)
            if loose:
                fields[f.key] = loose
    return fields


def _form_date(lines: Sequence[Line]) -> dt.date | None:
    """The form's date: the first 'ngày … tháng … năm …' (the place-and-date line), else the
    first 'ngày 14/12/2019' (a date of birth is 'Ngày sinh', so it never matches)."""
    for pattern in (_DATE_IN_WORDS, _DATE_AFTER_NGAY):
        for line in lines:
            m = pattern.search(fold(line.text))
            dates = find_dates(m.group()) if m is not None else []
            if dates:
                return dates[0]
    return None


def _field_confidence(lines: Sequence[Line], definition: FormDefinition, key: str) -> float:
    """How sure the reader is of a header field's value: the pieces after its label (1 when the
    label is not found: a missing value is reported as missing, not as unsure)."""
    for hit in _scan(lines, _labels(definition)):
        if hit.key == key and _value(hit.value):
            return span_confidence(hit.line, hit.end, hit.end + len(hit.value))
    return 1.0


def _first_int(text: str | None) -> int | None:
    m = _INT.search(text or "")
    return int(m.group()) if m else None


def _number(text: str) -> float | None:
    m = _NUMBER.search(text)
    return float(m.group().replace(",", ".")) if m else None


# ---------------------------------------------------------------------------------------------
# Subject, unit, evaluator
# ---------------------------------------------------------------------------------------------

# An organisation's kind as the forms print it. OCR misreads the marks of these short words ("Chỉ
# bộ", "Đảng bô"), and no other words fold to them, so a name that starts with one is respelt.
_ORGANISATION_KINDS = {"chi bo": "Chi bộ", "dang bo": "Đảng bộ", "dang uy": "Đảng ủy", "chi uy": "Chi ủy"}


def _restore_case(value: str, lines: Sequence[Line]) -> str:
    """A name printed in capitals in the header ("CHI BỘ PHÒNG NGÂN SÁCH") takes the spelling it
    has elsewhere in the form ("tại Phòng Ngân sách"); failing that, sentence case."""
    if value != value.upper():
        return value
    key = _fold_chars(value)
    for line in lines:
        text = clean(line.text)
        at = _fold_chars(text).find(key)
        if at >= 0:
            found = text[at : at + len(value)]
            if found != found.upper():
                return found
    return " ".join(_sentence_case(word, k == 0) for k, word in enumerate(value.split()))


def _sentence_case(word: str, first: bool) -> str:
    """Lower case except the first word, and except acronyms ("THPT", "UBND": no vowel)."""
    if not any(ch in "aeiouy" for ch in fold(word)):
        return word
    return word[:1] + word[1:].lower() if first else word.lower()


def _unit(fields: dict[str, str], lines: Sequence[Line], scanned: bool) -> str | None:
    """The chi bộ, spelt 'Chi bộ <name>' as the forms name it in running text; read off a scan,
    its common phrases spelt as known (`respell_unit_phrases`: "Tiếu học" is "Tiểu học")."""
    value = fields.get("unit") or _header_unit(lines)
    if not value:
        return None
    value = _restore_case(value, lines)
    if scanned:
        value = respell_unit_phrases(value)
    return _organisation(value) or "Chi bộ " + value


def _organisation(value: str) -> str | None:
    """An organisation's name with its kind ("chi bo" for "CHỈ BỘ: …") spelt as printed; None for a
    name that starts with no such kind."""
    text = clean(value)  # folding keeps a clean text's length: one letter for one
    kind = next((k for k in _ORGANISATION_KINDS if re.match(rf"{k}\b", fold(text))), None)
    if kind is None:
        return None
    spelt = _ORGANISATION_KINDS[kind]
    if text[: len(kind)].isupper():  # "CHỈ BỘ CÔNG AN XÃ" stays in capitals
        spelt = spelt.upper()
    return clean(spelt + " " + text[len(kind) :].lstrip(" :"))


def _header_unit(lines: Sequence[Line]) -> str | None:
    """The 'CHI BỘ …' line of the header block, when the form has no chi bộ field: printed in
    capitals when a Word file sets the header in a table, unlike the "Chi bộ đánh giá, xếp loại"
    heading of a Mẫu 06 column. On a page, a name too long for the header's column goes on in a
    line centred under it ("CHI BỘ CƠ QUAN ĐẢNG - ĐOÀN" / "THỂ XÃ")."""
    head = lines[:40]
    for k, line in enumerate(head):
        text = clean(line.text)
        if line.table is not None and text != text.upper():
            continue
        if fold(text).startswith("chi bo ") or fold(text).startswith("chi bo:"):
            rest = _value(text[len("chi bo") :])
            if rest:
                more = _centred_below(line, head[k + 1 : k + 4])
                return f"{rest} {clean(more.text)}" if more is not None else rest
    return None


def _centred_below(line: Line, after: Sequence[Line]) -> Line | None:
    """The line in capitals right under `line` and centred on it, which no organisation's kind
    opens (the next header line, "CHI BỘ …" under "ĐẢNG BỘ …", is a name of its own); the
    right-hand column's lines may come between the two in reading order."""
    if line.box is None or line.text != line.text.upper():
        return None
    x0, y0, x1, y1 = line.box
    height = y1 - y0
    for other in after:
        if other.box is None or other.table is not None:
            continue
        ox0, oy0, ox1, _ = other.box
        text = clean(other.text)
        below = 0 <= oy0 - y1 < 0.8 * height
        if below and abs((ox0 + ox1) - (x0 + x1)) / 2 < height and (ox1 - ox0) < (x1 - x0):
            named = any(ch.isalpha() for ch in text) and text == text.upper()
            return other if named and _organisation(text) is None else None
    return None


def _name(value: str | None) -> str | None:
    if not value:
        return None
    return _HONORIFIC.sub("", value).strip() or None


_PEOPLE = (SubjectKind.DANG_VIEN, SubjectKind.CAN_BO_LANH_DAO)


def _subject(definition: FormDefinition, fields: dict[str, str], lines: Sequence[Line]) -> Subject:
    positions = {k.removeprefix("position_"): v for k, v in fields.items() if k.startswith("position_")}
    birth = parse_date(fields["date_of_birth"]) if "date_of_birth" in fields else None
    kind = definition.subject_kind or SubjectKind.DANG_VIEN
    # read by OCR (most lines less than sure; a file's marks may be too), which misreads tone marks
    scanned = 2 * sum(line.confidence < 1.0 for line in lines) > len(lines)
    name = _name(fields.get("name"))
    if name is not None:
        name = _organisation(name) or name
        if scanned:
            name = respell_surname(name) if kind in _PEOPLE else respell_unit_phrases(name)
    unit = _unit(fields, lines, scanned)
    if unit is None and kind is SubjectKind.TO_CHUC_DANG and name is not None and fold(name).startswith("chi bo "):
        unit = name  # a chi bộ rating itself, its header's name misread (run together with the date beside it)
    return Subject(
        name=name,
        unit=unit,
        kind=kind,
        date_of_birth=birth,
        positions=positions,
    )


# ---------------------------------------------------------------------------------------------
# Ratings written after a label
# ---------------------------------------------------------------------------------------------

_PARENS = re.compile(r"\(([^()]*)\)")
_SHORT_RATINGS = [
    (re.compile(r"\bkhong hoan thanh\b|\bkht(?:nv)?\b"), Rating.KHTNV),
    (re.compile(r"\bhoan thanh xuat sac\b|\bhtxs(?:nv)?\b"), Rating.HTXSNV),
    (re.compile(r"\bhoan thanh tot\b|\bhtt(?:nv)?\b"), Rating.HTTNV),
    (re.compile(r"\bhoan thanh\b|\bht(?:nv)?\b"), Rating.HTNV),
]


def _distinct(values: Iterable[Rating]) -> list[Rating]:
    out: list[Rating] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def options(text: str) -> list[tuple[str, str]]:
    """A row of boxes ("☐ Xuất sắc ☒ Tốt …" or "[x] HTTNV"): each box glyph with the words after it."""
    text = re.sub(r"\[\s*[xX✓✔]\s*\]", "☒", text)
    text = re.sub(r"\[\s*\]", "☐", text)
    found: list[tuple[str, str]] = []
    box: str | None = None
    words: list[str] = []
    for ch in text:
        if ch in _BOX_GLYPHS:
            if box is not None:
                found.append((box, clean("".join(words))))
            box, words = ch, []
        else:
            words.append(ch)
    if box is not None:
        found.append((box, clean("".join(words))))
    return found


def _box_ratings(text: str) -> tuple[list[Rating], int] | None:
    """Ratings ticked in a row of rating boxes, and how many rating boxes the row has."""
    rated = [(box, r) for box, words in options(text) if (r := parse_rating(words)) is not None]
    if len(rated) < 2:
        return None
    return _distinct(r for box, r in rated if box in BOX_MARKS), len(rated)


def is_rating_list(text: str) -> bool:
    """The four ratings printed under the rating line for reference: not an answer."""
    return len(set(find_ratings(text))) >= 3 and _box_ratings(text) is None


def written_ratings(text: str) -> list[Rating]:
    """The ratings a value holds: ticked boxes, else the words outside brackets, else a bracketed
    single rating ("(HTTNV)"); a bracketed list of the four and "(kèm theo … Mẫu 5)" hold none."""
    boxes = _box_ratings(text)
    if boxes is not None:
        return boxes[0]
    outside = _distinct(find_ratings(_PARENS.sub(" ", text)))
    if outside:
        return outside
    inside = [_distinct(find_ratings(m.group(1))) for m in _PARENS.finditer(text)]
    return _distinct(r for found in inside if len(found) == 1 for r in found)


def _anchor(line: Line) -> Location:
    if line.table is None:
        return Location(page=line.page, anchor=f"paragraph {line.index + 1}")
    return Location(page=line.page, anchor=f"table {line.table + 1} row {(line.row or 0) + 1}")


def span_confidence(line: Line, start: int, end: int) -> float:
    """The least confidence of the pieces that make up characters [start, end) of `line.text`
    (the value after a label, not the printed label). Struck pieces are not in the text."""
    least, at = 1.0, 0
    for p in line.pieces:
        if p.deleted or p.struck:
            continue
        size = len(nfc(p.text))
        if at < end and at + size > start and p.text.strip():
            least = min(least, p.confidence)
        at += size
    return least


def _unsure_blank(lines: Sequence[Line]) -> float:
    """A rating line read as blank or as no rating: as sure as the OCR of what was there (a
    handwritten answer OCR could not read must not pass for a blank)."""
    return min((line.confidence for line in lines), default=1.0)


def _rating_of(raw: str, line: Line | None, confidence: float = 1.0) -> RatingValue:
    found = written_ratings(raw)
    if confidence < 1.0 and not found and _value(raw):
        # writing read from pixels that names no rating ("TTNV", its H's stem painted out with a
        # ruling) is a rating not made out, never a rating left blank
        confidence = 0.0
    return RatingValue(
        value=found[0] if len(found) == 1 else None,
        confidence=confidence,
        raw=clean(raw),
        candidates=found if len(found) > 1 else [],
        location=_anchor(line) if line is not None else None,
    )


def _short_answer(text: str) -> bool:
    """A line that is an answer, not a sentence: boxes, or a rating with at most a few words."""
    if _box_ratings(text) is not None:
        return True
    rest = _PARENS.sub(" ", fold(text))
    for pattern, _rating in _SHORT_RATINGS:
        rest = pattern.sub(" ", rest)
    return len(re.findall(r"[0-9a-z]+", rest)) <= 4


def _answer_lines(lines: Sequence[Line], after: Line, labels: Sequence[_Label]) -> list[Line]:
    """The answer under a label that ends its line: the next line, or a run of box lines."""
    following = [line for line in lines if line.index > after.index and clean(line.text)]
    answer: list[Line] = []
    for line in following[:4]:
        boxed = any(ch in _BOX_GLYPHS for ch in line.text)
        if _scan_line(line, labels) or (answer and not boxed):
            break
        answer.append(line)
        if not boxed:
            break
    return answer


def read_rating(lines: Sequence[Line], hit: _Hit | None, labels: Sequence[_Label]) -> RatingValue:
    """The rating after a label, or on the next line(s) when the label ends its line. A printed
    blank is a clean read of no rating; a label not found at all is a read with no confidence."""
    if hit is None:
        return RatingValue(value=None, confidence=0.0)
    raw = hit.value
    if clean(raw):
        if is_rating_list(raw) and not written_ratings(raw):
            return RatingValue(value=None, raw=clean(raw), location=_anchor(hit.line))
        return _rating_of(raw, hit.line, span_confidence(hit.line, hit.end, hit.end + len(raw)))
    if hit.line.text[hit.end :].strip():  # another label follows at once: this one was left blank
        return RatingValue(value=None, raw="", location=_anchor(hit.line))
    answer = _answer_lines(lines, hit.line, labels)
    text = " ".join(line.text for line in answer)
    if not answer or is_rating_list(text) or not _short_answer(text) or not written_ratings(text):
        return RatingValue(value=None, raw="", location=_anchor(hit.line), confidence=_unsure_blank(answer))
    return _rating_of(text, answer[0], min(line.confidence for line in answer))


def read_ratings(lines: Sequence[Line], definition: FormDefinition, hits: Sequence[_Hit]) -> dict[str, RatingValue]:
    labels = _labels(definition)
    ratings: dict[str, RatingValue] = {}
    for rating_field in definition.rating_fields:
        key = "rating:" + rating_field.key
        mine = [h for h in hits if h.key == key]
        hit = next((h for h in mine if written_ratings(h.value)), mine[0] if mine else None)
        ratings[rating_field.key] = read_rating(lines, hit, labels)
    return ratings


def header_rating(text: str) -> Rating | None:
    """A rating named in a column header or a result cell, also shortened ("HTXS", "Hoàn thành tốt")."""
    found = parse_rating(text)
    if found is not None:
        return found
    folded = folded_words(text)
    for pattern, rating in _SHORT_RATINGS:
        if pattern.search(folded):
            return rating
    return None


# ---------------------------------------------------------------------------------------------
# Marks in cells
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """What one cell holds: a live mark, a cancelled (struck or deleted) one, or nothing."""

    live: bool = False
    cancelled: bool = False


def _is_mark_text(text: str) -> bool:
    return any(ch not in _PLACEHOLDER_CHARS and not ch.isspace() for ch in text)


def cell_mark(cell: Cell, use_fill: bool = True) -> Mark:
    """Any written sign, a ticked box, a highlighted run or a filled cell is a mark; the same
    struck through or deleted in tracked changes is a cancelled mark; an empty box is nothing."""
    live = use_fill and (cell.fill is not None or any(line.fill for line in cell.lines))
    cancelled = False
    for line in cell.lines:
        for p in line.pieces:
            visible = p.symbol or _is_mark_text(p.text)
            if p.deleted or p.struck:
                cancelled = cancelled or visible
            elif visible or ((p.highlighted or (p.shaded and use_fill)) and p.text != ""):
                live = True
    return Mark(live=live, cancelled=cancelled and not live)


def _fills(cell: Cell) -> str | None:
    return cell.fill or next((line.fill for line in cell.lines if line.fill), None)


# ---------------------------------------------------------------------------------------------
# Criterion grids
# ---------------------------------------------------------------------------------------------

_ROMAN = re.compile(r"([IVXLC]+)\s*[.)]?")
_ARABIC = re.compile(r"(\d+)\s*[.)]?")
_DOTTED = re.compile(r"([IVXLC]+|\d+)\s*\.\s*(\d+)\s*[.)]?")
_MAX_HEADER_ROWS = 4
_REPEATED_ROW = 0.5  # confidence of a grid row whose id another row has too


@dataclass
class _Grid:
    """A criterion table: where its header ends and which grid columns hold which level."""

    table: Table
    header_end: int  # first data row
    levels: dict[Level, set[int]]
    tt_col: int
    label_col: int | None


def _find_grid(table: Table) -> _Grid | None:
    for r in range(min(_MAX_HEADER_ROWS, len(table.grid))):
        levels: dict[Level, set[int]] = {}
        for cell in table.cells(r):
            level = parse_level(cell.resolved().text)
            if level is not None:
                levels.setdefault(level, set()).update(cell.columns)
        if len(levels) == len(Level):
            tt_col, label_col = _tt_and_label_columns(table, r, levels)
            return _Grid(table, r + 1, levels, tt_col, label_col)
    return None


def _tt_and_label_columns(table: Table, last_header: int, levels: dict[Level, set[int]]) -> tuple[int, int | None]:
    level_cols = set().union(*levels.values())
    free = [c for c in range(table.width) if c not in level_cols]
    tt_col = free[0] if free else 0
    label_col: int | None = free[1] if len(free) > 1 else None
    for r in range(last_header + 1):
        for c in free:
            key = folded_words(table.text(r, c))
            if key in {"tt", "stt", "so tt"}:
                tt_col = c
            elif "tieu chi" in key or "noi dung" in key:
                label_col = c
    return tt_col, label_col


@dataclass
class _Row:
    """One criterion as printed: its section and number, and the marks of its row(s)."""

    section: str | None
    number: str | None
    rows: list[int]
    live: set[Level] = field(default_factory=set)
    cancelled: set[Level] = field(default_factory=set)
    label: str = ""
    confidence: float = 1.0  # least sure piece of the row's level cells (ink measures on scans)

    @property
    def id(self) -> str:
        if self.section and self.number:
            return f"{self.section}.{self.number}"
        return self.section or self.number or ""


def _row_marks(grid: _Grid, r: int, fill_ok: dict[Level, bool]) -> tuple[set[Level], set[Level], float]:
    live: set[Level] = set()
    cancelled: set[Level] = set()
    judged: set[Level] = set()  # levels whose cell the reader put anything in, if only "empty"
    confidence = 1.0
    for cell in grid.table.cells(r):
        if cell.origin is not None:  # the mark sits in the merged cell's first row
            continue
        hit = [lvl for lvl, cols in grid.levels.items() if cols & set(cell.columns)]
        if not hit or not set(cell.columns) <= set().union(*grid.levels.values()):
            # no level cell, or a label cell spanning over the level columns (a section heading)
            continue
        mark = cell_mark(cell, use_fill=all(fill_ok[lvl] for lvl in hit))
        pieces = [p.confidence for line in cell.lines for p in line.pieces]
        confidence = min([confidence, *pieces])
        if pieces:
            judged.update(hit)
        for lvl in hit:
            if mark.live:
                live.add(lvl)
            elif mark.cancelled:
                cancelled.add(lvl)
    from_pixels = any(p.confidence < 1.0 for c in grid.table.cells(r) for line in c.lines for p in line.pieces)
    if from_pixels and judged != set(grid.levels):
        confidence = min(confidence, 0.5)  # a level cell of a scanned row was never looked at
    return live, cancelled, confidence


def _styled_rows(grid: _Grid) -> set[int]:
    """Rows whose four level cells are filled alike: table styling (a shaded section row), not a
    mark. A column shaded on every row is not treated so: it may be a person shading 'Tốt'
    for every criterion."""
    table = grid.table
    styled: set[int] = set()
    for r in range(grid.header_end, len(table.grid)):
        fills = set()
        for cols in grid.levels.values():
            cell = table.at(r, min(cols))
            fills.add(_fills(cell) if cell is not None and cell.origin is None else None)
        if len(fills) == 1 and None not in fills:
            styled.add(r)
    return styled


def read_grid(grid: _Grid) -> list[_Row]:
    """Rows of the grid as printed criteria: 'I' with '1', '2' under it gives I.1, I.2; a section
    with no numbered rows ('III') is a criterion itself; blank rows are skipped; a row with no
    number continues the criterion above (a label split over two rows)."""
    table = grid.table
    styled_rows = _styled_rows(grid)
    entries: list[_Row] = []
    section: str | None = None
    for r in range(grid.header_end, len(table.grid)):
        fill_ok = {lvl: r not in styled_rows for lvl in Level}
        live, cancelled, confidence = _row_marks(grid, r, fill_ok)
        tt_cell = table.at(r, grid.tt_col)
        tt = clean(tt_cell.text) if tt_cell is not None and tt_cell.origin is None else ""
        label = table.own_text(r, grid.label_col) if grid.label_col is not None else ""
        entry = _classify(tt, section, r, label)
        if entry is None:
            if entries and ((tt_cell is not None and tt_cell.origin is not None) or label or live or cancelled):
                entries[-1].rows.append(r)
                entries[-1].live |= live
                entries[-1].cancelled |= cancelled
                tt_sure = _cell_confidence(tt_cell) if tt_cell is not None and tt_cell.origin is None else 1.0
                entries[-1].confidence = min(entries[-1].confidence, confidence, tt_sure)
            continue
        if entry.number is None:
            section = entry.section
        # The row's id is read too (OCR of the TT cell on a scan): an unsure id is an unsure row.
        confidence = min(confidence, _cell_confidence(tt_cell) if tt_cell is not None else 1.0)
        entry.live, entry.cancelled, entry.confidence = live, cancelled, confidence
        entries.append(entry)
    parents = {e.section for e in entries if e.number is not None}
    return [e for e in entries if e.number is not None or e.section not in parents]


def _classify(tt: str, section: str | None, r: int, label: str) -> _Row | None:
    if m := _DOTTED.fullmatch(tt):
        return _Row(m.group(1), m.group(2), [r], label=label)
    if m := _ROMAN.fullmatch(tt):
        return _Row(m.group(1), None, [r], label=label)
    if m := _ARABIC.fullmatch(tt):
        return _Row(section, m.group(1), [r], label=label)
    return None


def _doubt_repeated(entries: list[_Row]) -> None:
    """Rows that came out with the same id, each made unsure: a form prints a criterion once, so
    one of them has the wrong id, and which one is not known. A scan whose bold "II" heading went
    unread numbered II.1 and II.2 as a second I.1 and I.2 (dev `doc_0003` blurred), and the
    second pair's marks were taken for I.1's and I.2's with no doubt."""
    counts = Counter(e.id for e in entries)
    for e in entries:
        if counts[e.id] > 1:
            e.confidence = min(e.confidence, _REPEATED_ROW)


def _criterion(entry: _Row, table: Table, page: int) -> CriterionValue:
    marked = [lvl for lvl in Level if lvl in entry.live]
    cancelled = [lvl for lvl in Level if lvl in entry.cancelled and lvl not in entry.live]
    return CriterionValue(
        id=entry.id,
        level=marked[0] if len(marked) == 1 else None,
        confidence=entry.confidence,
        marked=marked,
        cancelled=cancelled,
        location=Location(page=page, anchor=f"table {table.index + 1} row {entry.rows[0] + 1}"),
    )


def _relabel(entries: list[_Row], definition: FormDefinition) -> None:
    """When no printed number matches the definition (a grid numbered 1…n straight through), the
    rows are matched to the defined criteria by their printed labels instead."""
    defined = {c.id for c in definition.criteria}
    if not entries or any(e.id in defined for e in entries):
        return
    for e in entries:
        best = max(definition.criteria, key=lambda c: fuzz.ratio(folded_words(c.label), folded_words(e.label)))
        if fuzz.ratio(folded_words(best.label), folded_words(e.label)) >= 80:
            e.section, e.number = best.id, None


def merge_with_definition(found: list[CriterionValue], definition: FormDefinition) -> list[CriterionValue]:
    """Every defined criterion, in printed order: rows the form prints beyond the definition
    (Mẫu 04 section II split into II.1, II.2) are kept; a defined criterion printed as a section
    with numbered rows is covered by them; one with no row at all is unread (confidence 0)."""
    out = list(found)
    ids = [c.id for c in out]
    order = {c.id: k for k, c in enumerate(definition.criteria)}

    def rank(cid: str) -> int:
        return order.get(cid, order.get(cid.split(".")[0], len(order)))

    for k, c in enumerate(definition.criteria):
        if c.max_points is not None or c.id in ids or any(i.startswith(c.id + ".") for i in ids):
            continue
        at = max((n + 1 for n, i in enumerate(ids) if rank(i) < k), default=0)
        out.insert(at, CriterionValue(id=c.id, level=None, confidence=0.0))
        ids.insert(at, c.id)
    return out


# ---------------------------------------------------------------------------------------------
# Criteria as box rows under numbered items (the 2023 self-reviews)
# ---------------------------------------------------------------------------------------------

_SECTION_HEAD = re.compile(r"^\s*([IVXLC]+)\s*[.)]\s+\S")
_ITEM_HEAD = re.compile(r"^\s*(\d+)\s*[.)]\s+\S")


def _logical_lines(lines: Sequence[Line], tables: Sequence[Table]) -> list[tuple[Line, str]]:
    """Body paragraphs one by one, and each table row as one line (its cells joined), in order."""
    out: list[tuple[Line, str]] = [(line, line.text) for line in lines if line.table is None]
    for table in tables:
        for r in range(len(table.grid)):
            cells = table.cells(r)
            row_lines = [line for cell in cells for line in cell.lines if line.table == table.index]
            if row_lines:
                out.append((row_lines[0], "  ".join(cell.text for cell in cells)))
    out.sort(key=lambda item: item[0].index)
    return out


def _box_levels(text: str) -> tuple[set[Level], set[Level]] | None:
    """A row of level boxes ("☐ Xuất sắc ☒ Tốt ☐ Trung bình ☐ Kém"): ticked and cancelled levels."""
    leveled = [(box, lvl) for box, words in options(text) if (lvl := parse_level(words)) is not None]
    if len({lvl for _, lvl in leveled}) < 3:
        return None
    live = {lvl for box, lvl in leveled if box in BOX_MARKS}
    cancelled = {lvl for box, lvl in leveled if box == CANCELLED_BOX} - live
    return live, cancelled


def read_box_rows(lines: Sequence[Line], tables: Sequence[Table]) -> list[CriterionValue]:
    """Each box row takes the id of the numbered heading above it: 'I.' then '1.' gives I.1."""
    found: list[CriterionValue] = []
    section: str | None = None
    item: str | None = None
    for line, text in _logical_lines(lines, tables):
        boxes = _box_levels(text)
        if boxes is None:
            if m := _SECTION_HEAD.match(text):
                section, item = m.group(1), None
            elif m := _ITEM_HEAD.match(text):
                item = m.group(1)
            continue
        cid = f"{section}.{item}" if section and item else (section or item)
        if cid is None or any(c.id == cid for c in found):
            continue
        marked = [lvl for lvl in Level if lvl in boxes[0]]
        found.append(
            CriterionValue(
                id=cid,
                level=marked[0] if len(marked) == 1 else None,
                marked=marked,
                cancelled=[lvl for lvl in Level if lvl in boxes[1]],
                location=_anchor(line),
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Row tables: Mẫu 06, the minutes, ballots, the appendix
# ---------------------------------------------------------------------------------------------

_TALLY = re.compile(r"(\d+)\s*/\s*(\d+)\s*/\s*(\d+)")
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _is_column_numbers(table: Table, r: int) -> bool:
    """The '(1) (2) (3) …' row some forms print under the header."""
    texts = [c.text.strip("() ") for c in table.cells(r) if c.text]
    return len(texts) >= 3 and all(t.isdigit() for t in texts) and texts == sorted(texts, key=int)


def _data_start(table: Table) -> int:
    """The first row after the header: the first whose first cell is a row number."""
    for r in range(len(table.grid)):
        if _is_column_numbers(table, r):
            continue
        first = table.cells(r)
        if first and _ARABIC.fullmatch(first[0].text) and r > 0:
            return r
    return 1


def _header_texts(table: Table, col: int, end: int) -> list[str]:
    return [t for t in (table.text(r, col) for r in range(end)) if t]


def _column_where(table: Table, end: int, test: Any) -> int | None:
    for col in range(table.width):
        if any(test(folded_words(t)) for t in _header_texts(table, col, end)):
            return col
    return None


def _name_column(table: Table, end: int) -> int | None:
    return _column_where(table, end, lambda k: "ho va ten" in k or k.startswith("ho ten"))


def _columns(table: Table, end: int) -> list[int]:
    """One grid column per distinct cell of the header's last row (spans are one column)."""
    if end == 0:
        return []
    return [cell.col for cell in table.cells(end - 1)]


def _match_columns(table: Table, end: int, defs: Sequence[RatingFieldDef]) -> dict[str, int]:
    """Summary columns by their header: a rating header must name the column's rating; others
    are matched by the closest wording, each column used once."""
    scores: list[tuple[float, str, int]] = []
    for col in _columns(table, end):
        texts = _header_texts(table, col, end)
        for d in defs:
            wanted = parse_rating(d.label)
            if wanted is not None:
                score = 100.0 if any(header_rating(t) == wanted and len(t) < 60 for t in texts[-1:]) else 0.0
            else:
                score = max((fuzz.ratio(folded_words(d.label), folded_words(t)) for t in texts), default=0.0)
            if score >= 70:
                scores.append((score, d.key, col))
    chosen: dict[str, int] = {}
    for _score, key, col in sorted(scores, reverse=True):
        if key not in chosen and col not in chosen.values():
            chosen[key] = col
    return chosen


_PLACED_BY_ORDER = 0.5  # a value read in a column found by its place only is shown, not trusted


def _columns_by_order(table: Table, end: int, defs: Sequence[RatingFieldDef], chosen: dict[str, int],
                      left: int) -> dict[str, int]:
    """The form's columns whose heading was misread ("iên viên tt tự loại" for "Đảng viên tự
    đánh giá, xếp loại"), placed by the printed order: a run of unmatched columns between two
    matched ones (or between `left`, the last column of names and posts, and a matched one), as
    many as the form's columns missing there, are those columns in order. Without this a whole
    column of ratings was dropped from the page without a word. Only headings read from pixels:
    a typed heading that matches none is another column, not a misread one."""
    free = [col for col in _columns(table, end) if col > left and col not in chosen.values()
            and (cell := table.at(end - 1, col)) is not None and _cell_confidence(cell) < 1.0]
    placed: dict[str, int] = {}
    bound, missing = left, []
    for d in defs:
        if d.key not in chosen:
            missing.append(d.key)
            continue
        between = [col for col in free if bound < col < chosen[d.key]]
        if missing and len(between) == len(missing):
            placed.update(zip(missing, between, strict=True))
        bound, missing = chosen[d.key], []
    return placed


def _row_location(table: Table, r: int) -> Location:
    cells = table.cells(r)
    page = cells[0].lines[0].page if cells and cells[0].lines else 1
    return Location(page=page, anchor=f"table {table.index + 1} row {r + 1}")


def _member_rows(table: Table, start: int, name_col: int) -> Iterator[tuple[int, str]]:
    """Data rows with a person's name: the name cell's first line (a post may be written under
    it); blank rows and the 'Tổng cộng' row are skipped. A name read off a scan has its family
    name's tone marks checked (`respell_surname`)."""
    for r in range(start, len(table.grid)):
        cell = table.at(r, name_col)
        if cell is None or cell.origin is not None:
            continue
        first = next((line for line in cell.lines if _value(line.text)), None)
        if first is None:
            continue
        name = _name(_value(first.text))
        if name and not fold(name).startswith(("tong", "cong")):
            yield r, respell_surname(name) if first.confidence < 1.0 else name


def _tally_in(text: str, name: str, location: Location) -> Tally | None:
    """'HTTNV 07/08/10': the votes for the result, members present, full members."""
    m = _TALLY.search(text)
    if m is None:
        return None
    result = header_rating(_TALLY.sub(" ", text))
    votes, present, total = (int(g) for g in m.groups())
    percent = _PERCENT.search(text)
    return Tally(
        name=name,
        votes={result: votes} if result is not None else {},
        present=present,
        total=total,
        result=result,
        percent=float(percent.group(1).replace(",", ".")) if percent else None,
        raw=clean(text),
        location=location,
    )


@dataclass(frozen=True)
class _Layout:
    """Where a row table keeps its data: first data row, name column, and the form's columns."""

    end: int
    name_col: int
    columns: dict[str, int]
    extra: dict[str, int | None] = field(default_factory=dict)
    placed: frozenset[str] = frozenset()  # columns found by their place, not by their heading


def _with_continuations(
    tables: Sequence[Table], layout_of: Callable[[Table], _Layout | None]
) -> Iterator[tuple[Table, _Layout]]:
    """Each table with its layout, and the tables right after it that continue it on the next
    page without repeating the header (same width, first row a numbered data row)."""
    current: _Layout | None = None
    width = 0
    for table in tables:
        layout = layout_of(table)
        if layout is not None:
            current, width = layout, table.width
            yield table, layout
        elif current is not None and table.width == width and table.grid and _numbered(table, 0):
            yield table, replace(current, end=0)
        else:
            current = None


def unattributed_rows(tables: Sequence[Table], layout_of: Callable[[Table], _Layout | None]) -> int:
    """Data rows read from pixels that hold writing but no name we could read: a member's votes
    that no person can be given, so the whole table needs a person's eye."""
    count = 0
    for table, layout in _with_continuations(tables, layout_of):
        named = {r for r, _ in _member_rows(table, layout.end, layout.name_col)}
        for r in range(layout.end, len(table.grid)):
            cells = [c for c in table.cells(r) if c.origin is None and c.col != layout.name_col]
            unsure = any(_cell_confidence(c) < 1.0 for c in table.cells(r))
            if r not in named and unsure and any(_value(c.text) for c in cells):
                count += 1
    return count


def _numbered(table: Table, r: int) -> bool:
    cells = table.cells(r)
    return bool(cells) and _ARABIC.fullmatch(cells[0].text) is not None


def _summary_layout(table: Table, definition: FormDefinition) -> _Layout | None:
    end = _data_start(table)
    name_col = _name_column(table, end)
    columns = _match_columns(table, end, definition.summary_columns)
    if name_col is None or len(columns) < min(2, len(definition.summary_columns)):
        return None
    positions = _column_where(table, end, lambda k: "chuc vu" in k)
    placed = _columns_by_order(table, end, definition.summary_columns, columns, max(name_col, positions or 0))
    return _Layout(end, name_col, columns | placed, {"positions": positions}, frozenset(placed))


def read_summary(tables: Sequence[Table], definition: FormDefinition) -> list[SummaryRow]:
    """Mẫu 06 (and ballots): one row per member, the rating in each evaluator's column; the
    branch's column also carries the vote ('HTTNV 07/08/10'); a ballot's columns carry boxes."""
    rows = [
        (_summary_row(table, r, name, layout, definition), table, r)
        for table, layout in _with_continuations(tables, lambda t: _summary_layout(t, definition))
        for r, name in _member_rows(table, layout.end, layout.name_col)
    ]
    voted = any(row.tally is not None for row, _, _ in rows)
    branch = next((d.key for d in definition.summary_columns if d.evaluator == "branch" and parse_rating(d.label) is None),
                  None)
    for row, table, r in rows:
        if row.tally is not None or all(_cell_confidence(c) >= 1.0 for c in table.cells(r)):
            continue
        # Read from pixels: when the others have votes, this member's was not read; when the
        # branch's own cell, which holds the vote, was not read surely, neither was the vote (a
        # Mẫu 06 photo under a warm light, dev `doc_0012` taken again, read no branch cell at
        # all, and its 28 vote values were lost with no finding)
        cell = row.ratings.get(branch) if branch is not None else None
        if voted or (cell is not None and cell.confidence < DEFAULT_CONFIDENCE):
            row.tally = Tally(name=row.name, confidence=0.0, location=row.location)
    return [row for row, _, _ in rows]


def _summary_row(table: Table, r: int, name: str, layout: _Layout, definition: FormDefinition) -> SummaryRow:
    columns, pos_col = layout.columns, layout.extra.get("positions")
    location = _row_location(table, r)
    ratings: dict[str, RatingValue] = {}
    tally: Tally | None = None
    ticked: list[Rating] = []
    for d in definition.summary_columns:
        col = columns.get(d.key)
        if col is None:
            continue
        cell = table.at(r, col)
        text = cell.text if cell is not None and cell.origin is None else ""
        box_rating = parse_rating(d.label)
        if box_rating is not None and not find_ratings(text):
            live = cell is not None and cell.origin is None and cell_mark(cell).live
            ratings[d.key] = RatingValue(value=box_rating if live else None, raw=text, location=location)
            ticked += [box_rating] if live else []
            continue
        sure = _cell_confidence(cell) if cell is not None and cell.origin is None else 1.0
        if d.key in layout.placed and text.strip() and sure < 1.0:
            # read from pixels under a heading that did not read, so read as plain text, not as
            # a rating (`scan_layout` reads a rating column's writing several ways)
            sure = min(sure, _PLACED_BY_ORDER)
        ratings[d.key] = _rating_of(text, None, sure)
        ratings[d.key].location = location
        found = _tally_in(text, name, location)
        if found is not None:
            found.confidence = min(sure, _tally_check(found))
            tally = found
    if any(parse_rating(d.label) for d in definition.summary_columns):
        ratings["vote"] = RatingValue(
            value=ticked[0] if len(ticked) == 1 else None,
            candidates=ticked if len(ticked) > 1 else [],
            location=location,
        )
    if tally is None and len(ticked) == 1:  # a secret ballot: one vote for this subject
        tally = Tally(name=name, votes={ticked[0]: 1}, raw=ticked[0].abbreviation, location=location)
    if tally is None and not ticked:
        tally = _tally_beside(table, r, name, columns, definition, ratings, location)
    positions = _value(table.own_text(r, pos_col)) if pos_col is not None else ""
    return SummaryRow(name=name, positions=positions, ratings=ratings, tally=tally, location=location)


def _tally_beside(
    table: Table,
    r: int,
    name: str,
    columns: dict[str, int],
    definition: FormDefinition,
    ratings: dict[str, RatingValue],
    location: Location,
) -> Tally | None:
    """The vote written in a column of its own ('07/08/10' beside 'HTTNV'): its result is the
    branch's rating (the column whose evaluator is the branch, else the last one)."""
    used = set(columns.values())
    votes = next((c.text for c in table.cells(r) if c.col not in used and _TALLY.search(c.text)), None)
    if votes is None or not definition.summary_columns:
        return None
    branch = next((d for d in definition.summary_columns if d.evaluator == "branch"), definition.summary_columns[-1])
    result = ratings.get(branch.key)
    tally = _tally_in(f"{result.raw if result else ''} {votes}", name, location)
    if tally is not None:
        cells = [c for c in table.cells(r) if c.col not in used and _TALLY.search(c.text)]
        sure = min([*(_cell_confidence(c) for c in cells[:1]), result.confidence if result else 1.0])
        tally.confidence = min(sure, _tally_check(tally))
    return tally


def _rating_columns(table: Table, end: int) -> dict[Rating, int]:
    """Vote columns of the minutes: headers naming a rating, in full or abbreviated."""
    found: dict[Rating, int] = {}
    for col in _columns(table, end):
        texts = _header_texts(table, col, end)
        if not texts or "ket qua" in folded_words(texts[-1]):
            continue
        rating = header_rating(texts[-1])
        if rating is not None and rating not in found:
            found[rating] = col
    return found


def _vote_layout(table: Table) -> _Layout | None:
    end = _data_start(table)
    name_col = _name_column(table, end)
    votes = _rating_columns(table, end)
    if name_col is None or len(votes) < 3:
        return None
    extra = {
        "result": _column_where(table, end, lambda k: k.startswith("ket qua") or k == "xep loai"),
        "percent": _column_where(table, end, lambda k: "ty le" in k or k.endswith("%")),
    }
    return _Layout(end, name_col, {r.value: c for r, c in votes.items()}, extra)


def read_vote_table(
    tables: Sequence[Table], present: int | None, total: int | None, counts_confidence: float = 1.0
) -> list[Tally]:
    """The minutes' table: per person the votes for each rating, the result, maybe a percent.
    `counts_confidence` is how sure the 'Số có mặt' / 'Tổng số' numbers were read."""
    tallies = [
        _vote_row(table, r, name, layout, present, total)
        for table, layout in _with_continuations(tables, _vote_layout)
        for r, name in _member_rows(table, layout.end, layout.name_col)
    ]
    for tally in tallies:
        tally.confidence = min(tally.confidence, counts_confidence)
    return tallies


def _vote_row(table: Table, r: int, name: str, layout: _Layout, present: int | None, total: int | None) -> Tally:
    votes: dict[Rating, int] = {}
    for rating, col in layout.columns.items():
        count = _first_int(table.own_text(r, col))
        if count is not None:
            votes[Rating(rating)] = count
    result_col, percent_col = layout.extra.get("result"), layout.extra.get("percent")
    result_text = table.own_text(r, result_col) if result_col is not None else ""
    percent_text = table.own_text(r, percent_col) if percent_col is not None else ""
    read_cols = [*layout.columns.values(), *([result_col] if result_col is not None else [])]
    cells = [table.at(r, col) for col in read_cols]
    tally = Tally(
        name=name,
        votes=votes,
        present=present,
        total=total,
        result=header_rating(result_text) if _value(result_text) else None,
        percent=_number(percent_text) if _value(percent_text) else None,
        raw=" | ".join(c.text for c in table.cells(r)),
        location=_row_location(table, r),
        confidence=min((_cell_confidence(c) for c in cells if c is not None and c.origin is None), default=1.0),
    )
    tally.confidence = min(tally.confidence, _tally_check(tally))
    return tally


def _cell_confidence(cell: Cell) -> float:
    """How sure the reader is of a cell's text: its least sure piece (1 for a typed file)."""
    return min((p.confidence for line in cell.lines for p in line.pieces), default=1.0)


def _counts_check(tally: Tally, counts: dict[str, int | None]) -> float:
    """The count lines of OCR'd minutes against a row: present and total read, issued ≥ returned ≥
    valid, and the row's votes adding up to the valid ballots when both are known; 0.5 when not."""
    issued, returned, valid = counts.get("issued"), counts.get("returned"), counts.get("valid")
    checks = [
        tally.present is not None and tally.total is not None,
        issued is None or returned is None or issued >= returned,
        returned is None or valid is None or returned >= valid,
        valid is None or len(tally.votes) < len(Rating) or sum(tally.votes.values()) == valid,
    ]
    return 1.0 if all(checks) else 0.5


def _tally_check(tally: Tally) -> float:
    """Arithmetic a read tally must satisfy. A violation in a value read by OCR is far more often
    a misread digit than a wrong form, so the tally goes to review (a typed file is left to the
    rules, which report the inconsistency itself): confidence 0.5 on a violation, else 1."""
    if tally.confidence >= 1.0:
        return 1.0
    cast = sum(tally.votes.values())
    checks = [
        tally.present is None or cast <= tally.present,
        tally.present is None or tally.total is None or tally.present <= tally.total,
        tally.result is None or len(tally.votes) < 2 or aggregate(tally.votes).result == tally.result,
        tally.result is None or len(tally.votes) != 1 or next(iter(tally.votes)) == tally.result,
    ]
    return 1.0 if all(checks) else 0.5


def read_appendix(tables: Sequence[Table], definition: FormDefinition) -> list[str]:
    """Items whose 'Có' (có biểu hiện) cell is marked, by the printed item number."""
    ids = {item.id for item in definition.items}
    marked: list[str] = []
    for table in tables:
        end = _data_start(table)
        yes = _column_where(table, end, lambda k: "co" in k.split() and "khong" not in k.split())
        tt_col = _column_where(table, end, lambda k: k in {"tt", "stt"})
        if yes is None:
            continue
        section: str | None = None
        for r in range(end, len(table.grid)):
            tt = table.own_text(r, tt_col if tt_col is not None else 0)
            entry = _classify(tt, section, r, "")
            if entry is None:
                continue
            if entry.number is None:
                section = entry.section
                continue
            cell = table.at(r, yes)
            if cell is None or cell.origin is not None or not cell_mark(cell).live:
                continue
            item = entry.number if entry.number in ids or entry.id not in ids else entry.id
            if item not in marked:
                marked.append(item)
    return marked


# ---------------------------------------------------------------------------------------------
# Points (2025) and meeting times
# ---------------------------------------------------------------------------------------------


def read_points(lines: Sequence[Line], definition: FormDefinition, page: int) -> Points | None:
    """'27/30', '65/70', '92/100' as written, or the number after 'Tổng điểm'."""
    spec = definition.points
    if spec is None:
        return None
    text = "\n".join(line.text for line in lines)

    def out_of(maximum: float) -> float | None:
        top = f"{maximum:g}"
        m = re.search(rf"(?<![\d/.,])(\d+(?:[.,]\d+)?)\s*/\s*{top}(?![\d/])", text)
        return float(m.group(1).replace(",", ".")) if m else None

    total = out_of(spec.total_max)
    if total is None:
        m = re.search(r"tong diem\s*:?\s*(\d+(?:[.,]\d+)?)", _fold_chars(text))
        total = float(m.group(1).replace(",", ".")) if m else None
    general, tasks = out_of(spec.general_max), out_of(spec.tasks_max)
    confidence = 1.0 if None not in (general, tasks, total) else 0.5
    return Points(general=general, tasks=tasks, total=total, confidence=confidence, location=Location(page=page))


_TIME = r"(?:luc|vao luc|vao)?\s*(\d{1,2})\s*(?:gio|h|:)\s*(\d{1,2})?"


def _meeting_time(lines: Sequence[Line], word: str, date: dt.date | None) -> dt.datetime | None:
    if date is None:
        return None
    for line in lines:
        m = re.search(word + r"\s*" + _TIME, fold(line.text))
        if m is not None:
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            if hour < 24 and minute < 60:
                return dt.datetime.combine(date, dt.time(hour, minute))
    return None


# ---------------------------------------------------------------------------------------------
# Forms: slicing the document and reading each slice by its definition
# ---------------------------------------------------------------------------------------------


@dataclass
class Segment:
    """The lines and tables of one form."""

    match: FormMatch
    lines: list[Line]
    tables: list[Table]


def _starts(body: Body, matches: Sequence[FormMatch]) -> list[int]:
    """Where each form begins. A form found by its title alone takes the one-row header table
    (party committee, place and date) printed just above the title, which belongs to it."""
    starts: list[int] = []
    for k, m in enumerate(matches):
        start = 0 if k == 0 else m.start
        if k > 0 and m.code_line is None:
            above = [line for line in body.lines[:start] if clean(line.text)]
            if above and above[-1].table is not None:
                table = body.tables[above[-1].table]
                if len(table.grid) == 1 and table.first_line > starts[-1]:
                    start = table.first_line
        starts.append(start)
    return starts


def segments(body: Body, matches: Sequence[FormMatch]) -> list[Segment]:
    starts = _starts(body, matches)
    ends = [*starts[1:], len(body.lines)]
    return [
        Segment(
            m,
            body.lines[start:end],
            [t for t in body.tables if start <= t.first_line < end],
        )
        for m, start, end in zip(matches, starts, ends, strict=True)
    ]


def _criteria(segment: Segment, definition: FormDefinition) -> list[CriterionValue]:
    """The level of each criterion: from the grid (a table headed by the four level words), else
    from box rows under numbered items. Point rows (2025: max_points) are read as Points instead."""
    if all(c.max_points is not None for c in definition.criteria):
        return []
    for table in segment.tables:
        grid = _find_grid(table)
        if grid is not None:
            entries = read_grid(grid)
            _relabel(entries, definition)
            _doubt_repeated(entries)
            page = _table_page(table, segment)
            return merge_with_definition([_criterion(e, table, page) for e in entries], definition)
    return merge_with_definition(read_box_rows(segment.lines, segment.tables), definition)


def _table_page(table: Table, segment: Segment) -> int:
    return next((line.page for line in segment.lines if line.index >= table.first_line), 1)


def _page(segment: Segment) -> int:
    """The page the form starts on: its title's (page headers are not a page of their own)."""
    first = segment.match.title_line if segment.match.title_line is not None else segment.match.start
    return next((line.page for line in segment.lines if line.index == first), 1)


def read_form(segment: Segment, ocr: bool = False) -> ExtractedForm:
    """Everything the form's definition says is on it, read from the form's own lines and tables
    (`ocr`: lines and tables read off a scan)."""
    definition = segment.match.definition
    lines, tables = segment.lines, segment.tables
    hits = _scan(lines, _labels(definition))
    fields = read_fields(lines, definition, hits)
    ratings = read_ratings(lines, definition, hits)
    date = _form_date(lines)
    page = _page(segment)
    form = ExtractedForm(
        form_id=definition.id,
        page=page,
        pages=max(1, max((line.page for line in lines), default=page) - page + 1),
        subject=_subject(definition, fields, lines),
        evaluator=fields.get("evaluator"),
        date=date,
        criteria=_criteria(segment, definition),
        rating=ratings.get(definition.primary_rating) if definition.primary_rating else None,
        ratings=ratings,
        points=read_points(lines, definition, page),
        fields=fields,
        location=Location(page=page),
    )
    if definition.summary_columns:
        form.summary_rows = read_summary(tables, definition)
        form.tallies = [row.tally for row in form.summary_rows if row.tally is not None]
        if unattributed_rows(tables, lambda t: _summary_layout(t, definition)):
            form.confidence = 0.5
    if form.criteria and all(c.confidence == 0 for c in form.criteria):
        form.confidence = 0.5  # an analysis form whose grid was not found at all
    if definition.kind == FormKind.MINUTES:
        _read_minutes(form, segment, fields)
    if ocr and not form.tallies and not form.summary_rows and (
            definition.kind == FormKind.MINUTES or definition.summary_columns):
        # every vote table and summary lists one member at least: a scan that gave none lost its
        # table (a photo in shadow, warped by a wrong page outline), and its values are not "none"
        form.confidence = 0.5
    if definition.items:
        form.degradation_marked = read_appendix(tables, definition)
    return form


def _read_minutes(form: ExtractedForm, segment: Segment, fields: dict[str, str]) -> None:
    present, total = _first_int(fields.get("present")), _first_int(fields.get("total"))
    sure = min(_field_confidence(segment.lines, segment.match.definition, key) for key in ("present", "total"))
    form.tallies = read_vote_table(segment.tables, present, total, sure)
    if unattributed_rows(segment.tables, _vote_layout):
        form.confidence = 0.5
    counts = {k: _first_int(fields.get(k)) for k in ("issued", "returned", "valid")}
    for tally in form.tallies:
        if tally.confidence < 1.0:  # read by OCR: what the count lines miss or contradict is unsure
            tally.confidence = min(tally.confidence, _counts_check(tally, counts))
    ballots = dict(counts)
    for key in ballots:  # an OCR'd count read unsurely is left out: BallotCount has no confidence
        if ballots[key] is not None and _field_confidence(segment.lines, segment.match.definition, key) < 0.9:
            ballots[key] = None
    if any(v is not None for v in ballots.values()):
        form.ballots = BallotCount(**ballots)
    form.meeting_start = _meeting_time(segment.lines, "bat dau", form.date)
    form.meeting_end = _meeting_time(segment.lines, "ket thuc", form.date)
    form.subject.name = None


def read_forms(
    body: Body, name: str, *, forms: FormCatalog | None = None, rule_set: str | None = None, ocr: bool = False
) -> list[ExtractedForm]:
    """Every known form in a layout, whatever file it came from.

    Raises UnknownForm when the layout holds none. `rule_set` only breaks ties between forms
    printed alike in several years; `ocr` text may spell a title slightly wrong.
    """
    matches = find_forms([line.text for line in body.lines], forms or catalog(), rule_set, ocr=ocr)
    if not matches:
        raise UnknownForm(
            f"Không nhận ra mẫu biểu nào trong tệp “{name}”. Hãy dùng đúng mẫu do hệ thống cung cấp "
            "(có dòng “Mẫu …” và tên mẫu ở đầu trang).",
            detail=f"{name}: no form code or title found in {len(body.lines)} lines",
        )
    return [read_form(segment, ocr) for segment in segments(body, matches)]
