"""Pieces several rules share: month arithmetic, rating phrases, and the 'rated above a limit'
violation that most fact rules reduce to."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterator

from domain.model import Person, Rating
from rules.engine import RuleContext
from rules.outcomes import Outcome, Skip, Violation
from rules.subjects import Observation


def add_months(date: dt.date, months: int) -> dt.date:
    month0 = date.month - 1 + months
    year, month = date.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def phrase(rating: Rating) -> str:
    """'«Hoàn thành tốt nhiệm vụ» (HTTNV)': the full words users recognise, and the abbreviation."""
    return f"«{rating.label}» ({rating.abbreviation})"


def above(observations: list[Observation], limit: Rating) -> list[Observation]:
    return [o for o in observations if o.rating.above(limit)]


def limit_violation(subject: str, reason: str, limit: Rating, offending: list[Observation]) -> Violation:
    """One violation per subject however many forms repeat the rating: it names them all and points
    at the most final one, which is the one that must change."""
    main = max(offending, key=lambda o: o.authority)
    written = "; ".join(o.describe() for o in offending)
    return Violation(
        message=f"{subject}: {reason}, nên mức xếp loại cao nhất được phép là {phrase(limit)}, "
        f"nhưng đang ghi {written}.",
        subject=subject,
        where=main.where,
        fix=f"Xếp loại không cao hơn {phrase(limit)}.",
    )


def rated_people(ctx: RuleContext) -> Iterator[tuple[Person, list[Observation]]]:
    """Roster rows that some form rates as a party member, with those ratings."""
    for person in ctx.index.people:
        obs = ctx.index.ratings_of(person.name)
        if obs:
            yield person, obs


def need_roster(ctx: RuleContext, *columns: str) -> Skip | None:
    """A Skip naming what is missing when the roster, or one of its columns, is absent."""
    if ctx.dossier.roster is None:
        return Skip("Hồ sơ không kèm danh sách đảng viên (roster) nên không có dữ kiện để kiểm tra.")
    missing = [c for c in columns if c not in ctx.dossier.roster.columns]
    if missing:
        return Skip(f"Danh sách đảng viên thiếu cột {', '.join(COLUMN_LABELS.get(c, c) for c in missing)}.")
    return None


LimitOf = Callable[[Person], tuple[Rating, str] | None]


def limit_rule(ctx: RuleContext, column: str, limit_of: LimitOf) -> Iterator[Outcome]:
    """The common shape of fact rules: a roster column that, for some people, caps the rating.
    `limit_of` gives the cap and the reason for one person, or None when the fact does not cap."""
    skip = need_roster(ctx, column)
    if skip:
        yield skip
        return
    for person, obs in rated_people(ctx):
        found = limit_of(person)
        if found is None:
            continue
        limit, reason = found
        offending = above(obs, limit)
        if offending:
            yield limit_violation(person.name, reason, limit, offending)


COLUMN_LABELS = {
    "name": "«Họ và tên»",
    "date_of_birth": "«Ngày sinh»",
    "kind": "«Loại»",
    "is_head": "«Người đứng đầu»",
    "admitted": "«Ngày vào Đảng»",
    "full_member_since": "«Ngày chính thức»",
    "appointed": "«Ngày bổ nhiệm»",
    "civil_servant_rating": "«Xếp loại CBCCVC»",
    "leader_rating": "«Xếp loại cán bộ lãnh đạo»",
    "discipline": "«Kỷ luật trong năm»",
    "exempted": "«Miễn sinh hoạt»",
    "sick_leave_months": "«Nghỉ ốm (tháng)»",
    "targets_completed_pct": "«Tỷ lệ hoàn thành chỉ tiêu (%)»",
    "targets_exceeded_pct": "«Tỷ lệ vượt chỉ tiêu (%)»",
    "degradation_concluded": "«Kết luận suy thoái»",
    "newly_transferred": "«Mới điều động»",
    "low_confidence_votes_pct": "«Tỷ lệ phiếu tín nhiệm thấp (%)»",
    "review_done": "«Đã kiểm điểm»",
}
