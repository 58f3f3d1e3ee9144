"""E. Across the unit: the cap on "excellent", the order of the steps, the deadline, the length of
the meeting.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from domain.forms import FormKind
from domain.model import Rating, Severity, SubjectKind
from domain.text import fold, format_date
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation
from rules.subjects import Observation

GROUP_NAMES = {
    SubjectKind.DANG_VIEN: "đảng viên",
    SubjectKind.CAN_BO_LANH_DAO: "cán bộ lãnh đạo, quản lý",
    SubjectKind.TAP_THE_LANH_DAO: "tập thể lãnh đạo, quản lý",
    SubjectKind.TO_CHUC_DANG: "tổ chức đảng",
}


def unit_name(ctx: RuleContext) -> str:
    if ctx.dossier.unit:
        return ctx.dossier.unit
    for p in ctx.index.people:
        if p.kind is SubjectKind.TO_CHUC_DANG:
            return p.name
    branches = {p.branch for p in ctx.index.people if p.branch}
    return branches.pop() if len(branches) == 1 else "Đơn vị"


def _groups(ctx: RuleContext) -> dict[str, tuple[SubjectKind, list[Observation]]]:
    """Subjects compared together: the superior's cap groups when set, else one group per kind."""
    groups: dict[str, tuple[SubjectKind, list[Observation]]] = {}
    members_of = {fold(n): g for g, names in ctx.settings.cap_groups.items() for n in names}
    for name in ctx.index.rated_subjects():
        eff = ctx.index.effective(name)
        if eff is None:
            continue
        kind = ctx.index.subject_kind(name)
        group = members_of.get(fold(name), GROUP_NAMES[kind])
        groups.setdefault(group, (kind, []))[1].append(eff)
    return groups


@dataclass(frozen=True)
class GroupCap:
    group: str
    size: int
    excellent: list[Observation]
    base: int
    base_words: str
    ratio: float
    cap: int
    small_unit: bool
    counts: dict[Rating, int]

    @property
    def over(self) -> bool:
        return len(self.excellent) > self.cap


def group_caps(ctx: RuleContext) -> list[GroupCap]:
    """The cap of each group. The base is HTTNV (the literal text) or HTTNV-or-above (2023
    collectives); 2025 allows 25% where the authority's exception is recorded; 2023 V.14 lets a
    group under 5, all HTTNV or above, keep one HTXSNV."""
    cap_rule = ctx.rule_set.rules["cap-excellent"].params
    exception_ratio = cap_rule.get("exception_ratio")
    use_exception = bool(ctx.settings.cap_exception and exception_ratio)
    ratio = float(exception_ratio or 0) if use_exception else float(cap_rule.get("ratio", 0.2))
    small = ctx.rule_set.rules.get("small-unit-exception")
    small_below = int(small.params.get("below", 5)) if small else 0
    out = []
    for group, (kind, ratings) in _groups(ctx).items():
        collective = kind in (SubjectKind.TAP_THE_LANH_DAO, SubjectKind.TO_CHUC_DANG)
        base_kind = ctx.settings.cap_base or str(cap_rule.get("base_collective" if collective else "base_individual"))
        base_ratings = {Rating.HTTNV} | ({Rating.HTXSNV} if base_kind == "httnv_or_above" else set())
        excellent = [o for o in ratings if o.rating is Rating.HTXSNV]
        base = sum(1 for o in ratings if o.rating in base_ratings)
        small_unit = (len(ratings) < small_below and len(excellent) == 1
                      and all(o.rating.rank <= Rating.HTTNV.rank for o in ratings))
        out.append(GroupCap(group, len(ratings), excellent, base,
                            "HTTNV trở lên" if base_kind == "httnv_or_above" else "HTTNV",
                            ratio, math.floor(ratio * base + 1e-9), small_unit,
                            {r: sum(1 for o in ratings if o.rating is r) for r in Rating}))
    return out


@rule("cap-excellent", Severity.ERROR)
def cap_excellent(ctx: RuleContext) -> Iterator[Outcome]:
    caps = group_caps(ctx)
    if not caps:
        yield Skip("Chưa có ai được xếp loại trong hồ sơ.")
    for g in caps:
        if not g.over or g.small_unit:
            continue
        names = ", ".join(o.subject for o in g.excellent)
        yield Violation(
            message=f"Nhóm {g.group} của {unit_name(ctx)}: {len(g.excellent)} người xếp loại HTXSNV ({names}), "
            f"vượt mức tối đa {g.cap} = {g.ratio:.0%} của {g.base} người xếp loại {g.base_words} (làm tròn xuống).",
            subject=unit_name(ctx),
            where=g.excellent[0].where,
            fix=f"Chỉ được tối đa {g.cap} người HTXSNV; xem xét lại {len(g.excellent) - g.cap} trường hợp.",
        )


@rule("small-unit-exception", Severity.INFO)
def small_unit_exception(ctx: RuleContext) -> Iterator[Outcome]:
    caps = group_caps(ctx)
    if not caps:
        yield Skip("Chưa có ai được xếp loại trong hồ sơ.")
    for g in caps:
        if g.over and g.small_unit:
            yield Violation(
                message=f"Nhóm {g.group} có {g.size} người (dưới 05), 100% đạt HTTNV trở lên: áp dụng ngoại lệ cho "
                f"chọn 01 người ({g.excellent[0].subject}) xếp loại HTXSNV, dù {g.ratio:.0%} của {g.base} người "
                f"{g.base_words} chỉ cho {g.cap}.",
                subject=unit_name(ctx),
                where=g.excellent[0].where,
            )


def _dates(ctx: RuleContext, *kinds: FormKind) -> list[dt.date]:
    return [r.form.date for r in ctx.index.forms_of_kind(*kinds) if r.form.date]


@rule("order", Severity.WARNING)
def order(ctx: RuleContext) -> Iterator[Outcome]:
    collective = [r for r in ctx.index.forms_of_kind(FormKind.COLLECTIVE_REPORT, FormKind.ANALYSIS)
                  if r.definition and r.definition.subject_kind is SubjectKind.TAP_THE_LANH_DAO and r.form.date]
    votes = [r for r in ctx.index.forms_of_kind(FormKind.MINUTES, FormKind.SUMMARY) if r.form.date]
    if not collective or not votes:
        yield Skip("Thiếu ngày của tập thể lãnh đạo hoặc của biên bản/Mẫu 06 để so trình tự.")
        return
    last_collective = max(collective, key=lambda r: r.form.date or dt.date.min)
    first_vote = min(votes, key=lambda r: r.form.date or dt.date.max)
    if first_vote.form.date and last_collective.form.date and first_vote.form.date < last_collective.form.date:
        yield Violation(
            message=f"Cá nhân được xếp loại ngày {format_date(first_vote.form.date)} ({first_vote.code}), trước khi "
            f"tập thể lãnh đạo được đánh giá ngày {format_date(last_collective.form.date)} ({last_collective.code}).",
            subject=unit_name(ctx),
            where=first_vote.where("date"),
            fix="Đánh giá, xếp loại tập thể trước, cá nhân sau.",
        )


@rule("deadline", Severity.WARNING)
def deadline(ctx: RuleContext) -> Iterator[Outcome]:
    due, arrived = ctx.settings.deadline, ctx.dossier.submitted
    if due is None:
        yield Skip("Cấp ủy cấp trên chưa đặt thời hạn nộp hồ sơ (thiết lập «deadline»).")
        return
    if arrived is None:
        yield Skip("Không rõ ngày nộp hồ sơ.")
        return
    if arrived > due:
        yield Violation(
            message=f"Hồ sơ nộp ngày {format_date(arrived)}, sau thời hạn {format_date(due)}.",
            subject=unit_name(ctx),
            fix=f"Nộp hồ sơ trước {format_date(due)}.",
        )


@rule("meeting-duration", Severity.WARNING)
def meeting_duration(ctx: RuleContext) -> Iterator[Outcome]:
    half_day = dt.timedelta(hours=float(ctx.params.get("half_day_hours", 4)))
    timed = [r for r in ctx.index.forms_of_kind(FormKind.MINUTES) if r.form.meeting_start and r.form.meeting_end]
    if not timed:
        yield Skip("Biên bản không ghi giờ bắt đầu và kết thúc.")
        return
    for ref in timed:
        size = next((t.total for t in ref.form.tallies if t.total), None) or len(ctx.index.members())
        halves = 1 if size < 5 else 2 if size <= 10 else 3
        assert ref.form.meeting_start and ref.form.meeting_end
        length = ref.form.meeting_end - ref.form.meeting_start
        if length < halves * half_day:
            need = {1: "0,5 ngày", 2: "01 ngày", 3: "1,5 ngày"}[halves]
            yield Violation(
                message=f"{ref.code}: hội nghị kéo dài {length.total_seconds() / 3600:.1f} giờ, ít hơn thời gian tối "
                f"thiểu {need} cho tập thể {size} thành viên (chưa tính 0,5 ngày thêm nếu có gợi ý kiểm điểm).",
                subject=unit_name(ctx),
                where=ref.where("meeting"),
                fix=f"Bố trí hội nghị kiểm điểm tối thiểu {need}.",
            )

