"""A. Reading and completeness: what a reviewer checks before any standard (every rule set).

A value the reader is not confident about becomes `unreadable` and is left out of the other
checks of its row, so that a doubtful read never turns into a confident accusation.
"""

from __future__ import annotations

from collections.abc import Iterator

from rapidfuzz import fuzz, process

from domain.model import ExtractedForm, Location, Severity, SubjectKind
from domain.text import clean, fold
from rules.common import need_roster, phrase
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation, Where
from rules.subjects import DEFAULT_CONFIDENCE, FormRef

NO_FORMS = Skip("Hồ sơ không có biểu mẫu nào đọc được.")
NO_GRID = Skip("Hồ sơ không có phiếu nào có bảng tiêu chí (cấp độ thực hiện).")


def confident(ctx: RuleContext, confidence: float) -> bool:
    return confidence >= float(ctx.params.get("threshold", DEFAULT_CONFIDENCE))


def _name(ref: FormRef) -> str | None:
    return ref.form.subject.name


@rule("file-rejected", Severity.ERROR)
def file_rejected(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.dossier.documents:
        yield Skip("Hồ sơ không có tệp nào.")
    for i, doc in enumerate(ctx.dossier.documents):
        if doc.rejected:
            yield Violation(
                message=f"Tệp «{doc.file}» không đọc được: {doc.rejected} Các tệp khác trong hồ sơ vẫn được xử lý.",
                where=Where(document=i, page=1),
                fix="Gửi lại tệp này (bản gốc Word, PDF hoặc ảnh quét rõ nét).",
            )


def _unreadable_values(ref: FormRef, threshold: float) -> Iterator[tuple[str | None, str, Location | None]]:
    """Each doubtful value: its field, what it is in words, and where it sits (with its crop). A
    form read only in part (a row whose person could not be read, a table of members of which no
    row was read) is doubtful as a whole."""
    form, d = ref.form, ref.definition
    labels = {f.key: f.label for f in d.rating_fields} | {c.key: c.label for c in d.summary_columns} if d else {}
    if form.confidence < threshold:
        yield None, "biểu mẫu chưa đọc được đầy đủ (có dòng hoặc bảng không đọc được)", form.location
    for c in form.criteria:
        if c.confidence < threshold:
            what = "không tìm thấy dòng này" if c.confidence == 0 else "không đọc chắc chắn được ô đánh dấu"
            yield f"criteria.{c.id}", f"tiêu chí {c.id}: {what}", c.location
    if form.rating is not None and form.rating.confidence < threshold:
        yield "rating", "mức xếp loại đề nghị", form.rating.location
    for key, value in form.ratings.items():
        if value.confidence < threshold and value is not form.rating:
            yield f"ratings.{key}", f"mức xếp loại «{labels.get(key, key)}»", value.location
    for t in form.tallies:
        if t.confidence < threshold:
            yield f"tallies[{t.name}]", f"số phiếu của {t.name}", t.location
    for row in form.summary_rows:
        for key, value in row.ratings.items():
            if value.confidence < threshold:
                yield f"summary[{row.name}].{key}", f"ô «{labels.get(key, key)}» của {row.name}", value.location or row.location
    if form.points is not None and form.points.confidence < threshold:
        yield "points", "số điểm", form.points.location


@rule("unreadable", Severity.REVIEW)
def unreadable(ctx: RuleContext) -> Iterator[Outcome]:
    threshold = float(ctx.params.get("threshold", DEFAULT_CONFIDENCE))
    if not ctx.index.forms:
        yield NO_FORMS
    for ref in ctx.index.forms:
        for field, what, location in _unreadable_values(ref, threshold):
            page = location.page if location is not None else ref.form.page
            yield Violation(
                message=f"{ref.code}, trang {page}: {what}. Cần người kiểm tra lại bản gốc.",
                subject=_name(ref),
                where=ref.where(field, location),
                fix="Xem ảnh cắt của ô này và xác nhận hoặc sửa giá trị.",
            )


@rule("level-missing", Severity.ERROR)
def level_missing(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.index.forms_with_criteria():
        yield NO_GRID
    for ref in ctx.index.forms_with_criteria():
        for c in ref.form.criteria:
            if c.level is None and not c.marked and confident(ctx, c.confidence):
                yield Violation(
                    message=f"{ref.code} của {_name(ref) or 'chưa rõ đối tượng'}: tiêu chí {c.id} chưa đánh dấu "
                    "cấp độ thực hiện nào.",
                    subject=_name(ref),
                    where=ref.where(f"criteria.{c.id}", c.location),
                    fix=f"Đánh dấu đúng một cấp độ (Xuất sắc, Tốt, Trung bình hoặc Kém) cho tiêu chí {c.id}.",
                )


@rule("level-multiple", Severity.ERROR)
def level_multiple(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.index.forms_with_criteria():
        yield NO_GRID
    for ref in ctx.index.forms_with_criteria():
        for c in ref.form.criteria:
            if len(c.marked) > 1 and confident(ctx, c.confidence):
                levels = ", ".join(level.label for level in c.marked)
                yield Violation(
                    message=f"{ref.code} của {_name(ref) or 'chưa rõ đối tượng'}: tiêu chí {c.id} đánh dấu "
                    f"nhiều cấp độ ({levels}).",
                    subject=_name(ref),
                    where=ref.where(f"criteria.{c.id}", c.location),
                    fix="Giữ một cấp độ; gạch bỏ rõ ràng dấu không dùng.",
                )


@rule("rating-missing", Severity.ERROR)
def rating_missing(ctx: RuleContext) -> Iterator[Outcome]:
    if not any(r.definition and r.definition.primary_rating for r in ctx.index.forms):
        yield Skip("Hồ sơ không có biểu mẫu nào có mục đề nghị xếp loại.")
    for ref in ctx.index.forms:
        d = ref.definition
        if d is None or d.primary_rating is None:
            continue
        r = ref.form.rating
        if r is not None and r.value is not None:
            continue
        if r is not None and not confident(ctx, r.confidence):
            continue  # reported as unreadable
        label = next(f.label for f in d.rating_fields if f.key == d.primary_rating)
        several = r is not None and len(set(r.candidates)) > 1
        what = (
            "ghi nhiều mức xếp loại (" + ", ".join(phrase(c) for c in r.candidates) + ")"
            if several and r is not None
            else "chưa ghi mức xếp loại"
        )
        yield Violation(
            message=f"{ref.code} của {_name(ref) or 'chưa rõ đối tượng'}: mục «{label}» {what}.",
            subject=_name(ref),
            where=ref.where("rating", r.location if r else None),
            fix="Ghi đúng một trong bốn mức: Hoàn thành xuất sắc nhiệm vụ, Hoàn thành tốt nhiệm vụ, "
            "Hoàn thành nhiệm vụ, Không hoàn thành nhiệm vụ.",
        )


def _field_value(form: ExtractedForm, key: str) -> object:
    special: dict[str, object] = {
        "name": form.subject.name,
        "unit": form.subject.unit,
        "date": form.date,
        "evaluator": form.evaluator,
    }
    return special[key] if key in special else form.fields.get(key)


@rule("field-missing", Severity.ERROR)
def field_missing(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.index.forms:
        yield NO_FORMS
    for ref in ctx.index.forms:
        if ref.definition is None:
            continue
        for f in ref.definition.header_fields:
            value = _field_value(ref.form, f.key)
            if f.required and (value is None or (isinstance(value, str) and not clean(value))):
                if ref.form.from_image:  # handwriting not read is not proof of a blank
                    yield Skip(f"{ref.code}: «{f.label}» không đọc được trên bản quét, chưa kiểm tra.", _name(ref))
                    continue
                yield Violation(
                    message=f"{ref.code} của {_name(ref) or 'đơn vị'}: chưa điền «{f.label}».",
                    subject=_name(ref),
                    where=ref.where(f"fields.{f.key}"),
                    fix=f"Điền «{f.label}».",
                )


def _names_on_forms(ctx: RuleContext) -> Iterator[tuple[str, FormRef, str]]:
    for ref in ctx.index.forms:
        d = ref.definition
        if d is not None and d.per_person and d.subject_kind in (SubjectKind.DANG_VIEN, None) and _name(ref):
            yield _name(ref) or "", ref, "subject"
        for row in ref.form.summary_rows:
            yield row.name, ref, f"summary[{row.name}]"
        for t in ref.form.tallies:
            yield t.name, ref, f"tallies[{t.name}]"


@rule("unknown-person", Severity.WARNING)
def unknown_person(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx)
    if skip:
        yield skip
        return
    roster_names = [p.name for p in ctx.index.people]
    folded = [fold(n) for n in roster_names]
    reported: set[str] = set()
    for name, ref, field in _names_on_forms(ctx):
        if ctx.index.person(name) is not None or fold(name) in reported:
            continue
        reported.add(fold(name))
        close = [roster_names[i] for _, score, i in process.extract(fold(name), folded, scorer=fuzz.ratio, limit=3)
                 if score >= 60]
        hint = f" Tên gần giống trong danh sách: {', '.join(close)}." if close else ""
        yield Violation(
            message=f"{ref.code}: «{name}» không có trong danh sách đảng viên của đơn vị.{hint}",
            subject=name,
            where=ref.where(field),
            fix="Sửa tên cho khớp danh sách, hoặc bổ sung người này vào danh sách.",
        )


@rule("form-mismatch", Severity.WARNING)
def form_mismatch(ctx: RuleContext) -> Iterator[Outcome]:
    family = ctx.rule_set.form_family
    for ref in ctx.index.forms:
        d = ref.definition
        if d is None or d.rule_set is None or d.rule_set == family:
            continue
        yield Violation(
            message=f"{ref.code} thuộc bộ mẫu năm {d.rule_set}, không phải mẫu của {ctx.rule_set.name}.",
            subject=_name(ref),
            where=ref.where("form"),
            fix=f"Dùng mẫu tương ứng của bộ mẫu năm {family}.",
        )
    if not ctx.index.forms:
        yield NO_FORMS
