"""B. The proposed rating against the levels marked on the same analysis sheet.

Standards (seed 003 B.1.3, B.2.3, B.3.3; seed 000 IV.1.3, IV.2.3): HTXSNV needs every task-result
criterion "Xuất sắc" and the others "Tốt" or better; HTTNV needs task results "Tốt"+ and the
others "Trung bình"+; HTNV needs no criterion "Kém"; any "Kém" allows at most KHTNV.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.model import ExtractedForm, Level, Rating, Severity
from rules.common import phrase
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation
from rules.reading import NO_GRID, confident
from rules.subjects import FormRef

# For each rating: the worst level allowed on task-result rows and on the other rows.
REQUIREMENTS: dict[Rating, tuple[Level, Level]] = {
    Rating.HTXSNV: (Level.XUAT_SAC, Level.TOT),
    Rating.HTTNV: (Level.TOT, Level.TRUNG_BINH),
    Rating.HTNV: (Level.TRUNG_BINH, Level.TRUNG_BINH),
}


def holding_back(levels: dict[str, Level], task_ids: set[str], rating: Rating) -> list[str]:
    """Rows whose level is too low for `rating`."""
    if rating is Rating.KHTNV:
        return []
    task_floor, other_floor = REQUIREMENTS[rating]
    return [cid for cid, lv in levels.items() if lv.rank > (task_floor if cid in task_ids else other_floor).rank]


def highest_allowed(levels: dict[str, Level], task_ids: set[str]) -> Rating:
    return next(r for r in Rating if not holding_back(levels, task_ids, r))


def _grid(ctx: RuleContext, form: ExtractedForm) -> tuple[dict[str, Level], bool]:
    """Levels read with confidence, and whether every row was read."""
    levels = {c.id: c.level for c in form.criteria if c.level is not None and confident(ctx, c.confidence)}
    return levels, len(levels) == len(form.criteria) and bool(form.criteria)


def _graded(ctx: RuleContext) -> Iterator[tuple[FormRef, Rating, dict[str, Level], bool, set[str]]]:
    for ref in ctx.index.forms_with_criteria():
        r = ref.form.rating
        if r is None or r.value is None or not confident(ctx, r.confidence):
            continue
        levels, complete = _grid(ctx, ref.form)
        task_ids = set(ref.definition.task_criteria) if ref.definition else set()
        task_ids |= {c.id for c in ref.form.criteria if any(c.id.startswith(t + ".") for t in task_ids)}
        yield ref, r.value, levels, complete, task_ids


def _rows(ids: list[str], levels: dict[str, Level]) -> str:
    return ", ".join(f"{cid} ({levels[cid].label})" for cid in ids)


@rule("rating-above-criteria", Severity.ERROR)
def rating_above_criteria(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.index.forms_with_criteria():
        yield NO_GRID
    for ref, rating, levels, _complete, task_ids in _graded(ctx):
        # Rows not read are taken at their best: what remains is certain whatever they hold.
        allowed = highest_allowed(levels, task_ids)
        if not rating.above(allowed):
            continue
        blockers = holding_back(levels, task_ids, rating)
        yield Violation(
            message=f"{ref.code} của {ref.form.subject.name or 'chưa rõ đối tượng'}: đề nghị {phrase(rating)} "
            f"cao hơn mức các tiêu chí cho phép. Mức cao nhất được phép: {allowed.label}, vì "
            f"{'tiêu chí' if len(blockers) == 1 else 'các tiêu chí'} {_rows(blockers, levels)} "
            f"chưa đạt yêu cầu của mức {rating.abbreviation}.",
            subject=ref.form.subject.name,
            where=ref.where("rating", ref.form.rating.location if ref.form.rating else None),
            fix=f"Mức cao nhất được phép: {allowed.label}.",
        )


@rule("rating-below-criteria", Severity.WARNING)
def rating_below_criteria(ctx: RuleContext) -> Iterator[Outcome]:
    if not ctx.index.forms_with_criteria():
        yield NO_GRID
    for ref, rating, levels, complete, task_ids in _graded(ctx):
        if not complete:
            yield Skip("Chưa đọc đủ các tiêu chí của phiếu.", subject=ref.form.subject.name)
            continue
        allowed = highest_allowed(levels, task_ids)
        if not allowed.above(rating):
            continue
        person = ctx.index.person(ref.form.subject.name)
        if person is not None and _explained(person.discipline, person.civil_servant_rating, rating):
            continue
        yield Violation(
            message=f"{ref.code} của {ref.form.subject.name or 'chưa rõ đối tượng'}: đề nghị {phrase(rating)} "
            f"thấp hơn mức các tiêu chí đánh dấu cho phép ({allowed.label}) mà danh sách không ghi lý do "
            "(kỷ luật, xếp loại công chức…). Đề nghị xem lại.",
            subject=ref.form.subject.name,
            where=ref.where("rating", ref.form.rating.location if ref.form.rating else None),
            fix=f"Kiểm tra lại: các tiêu chí cho phép đến mức {allowed.label}.",
        )


def _explained(discipline: str | None, civil_servant: Rating | None, rating: Rating) -> bool:
    """A roster fact that lowers the rating legitimately (the cap is decided later, per unit)."""
    return bool(discipline) or (civil_servant is not None and civil_servant.rank >= rating.rank)
