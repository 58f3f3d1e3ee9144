"""C. Facts about the subject that the roster holds and no form shows, against the ratings given.

Each rule reduces to "this fact caps the rating at X"; the shared `limit_rule` reports one finding
per subject listing every form that writes a rating above the cap.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.forms import FormKind
from domain.model import Person, Rating, Severity, SubjectKind
from domain.text import format_date
from rules.common import (
    above,
    add_months,
    limit_rule,
    limit_violation,
    need_roster,
    phrase,
    rated_people,
)
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation
from rules.subjects import Observation

COLLECTIVES = (SubjectKind.TAP_THE_LANH_DAO, SubjectKind.TO_CHUC_DANG)


def _rating(value: object) -> Rating | None:
    return Rating(str(value)) if value else None


@rule("disciplined", Severity.ERROR)
def disciplined(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "discipline")
    if skip:
        yield skip
        return
    exception = bool(ctx.params.get("self_remedied_exception", False))
    collective_limit = Rating(ctx.params.get("collective_limit", "khtnv"))
    members = [p for p in ctx.index.members() if p.discipline]
    for person, obs in rated_people(ctx):
        if person.kind in COLLECTIVES:
            if not members or person.kind is not SubjectKind.TAP_THE_LANH_DAO:
                continue
            unexcused = [m for m in members if not (exception and m.discipline_self_remedied)]
            limit = Rating.KHTNV if unexcused else collective_limit
            names = ", ".join(f"{m.name} ({m.discipline})" for m in members)
            offending = above(obs, limit)
            if offending:
                yield limit_violation(person.name, f"có thành viên bị kỷ luật trong năm: {names}", limit, offending)
            continue
        if not person.discipline or (exception and person.discipline_self_remedied):
            continue
        offending = above(obs, Rating.KHTNV)
        if offending:
            yield limit_violation(person.name, f"bị kỷ luật trong năm ({person.discipline})", Rating.KHTNV, offending)


def _civil_servant_rating(ctx: RuleContext, person: Person) -> tuple[Rating, str] | None:
    if person.civil_servant_rating is not None:
        return person.civil_servant_rating, "danh sách đơn vị"
    official = [o for o in ctx.index.ratings_of(person.name, civil_servant=True) if o.evaluator != "self"]
    if official:
        best = max(official, key=lambda o: o.authority)
        return best.rating, best.label
    return None


@rule("above-civil-servant", Severity.ERROR)
def above_civil_servant(ctx: RuleContext) -> Iterator[Outcome]:
    checked = 0
    for person, obs in rated_people(ctx):
        if person.kind is not SubjectKind.DANG_VIEN:
            continue
        found = _civil_servant_rating(ctx, person)
        if found is None:
            continue
        checked += 1
        cs, where = found
        offending = above(obs, cs)
        if offending:
            yield limit_violation(
                person.name, f"xếp loại cán bộ, công chức, viên chức là {phrase(cs)} (theo {where})", cs, offending
            )
    if not checked:
        yield Skip("Không có xếp loại cán bộ, công chức, viên chức của ai trong danh sách hay trên các mẫu.")


@rule("above-leader-rating", Severity.ERROR)
def above_leader_rating(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "leader_rating")
    if skip:
        yield skip
        return
    for person, obs in rated_people(ctx):
        if person.leader_rating is None:
            continue
        offending = above(obs, person.leader_rating)
        if offending:
            yield limit_violation(
                person.name, f"xếp loại cán bộ lãnh đạo, quản lý là {phrase(person.leader_rating)}",
                person.leader_rating, offending,
            )


def _collective_ratings(ctx: RuleContext, kinds: tuple[SubjectKind, ...]) -> list[tuple[str, Observation]]:
    out = []
    for person in ctx.index.people:
        if person.kind in kinds:
            eff = ctx.index.effective(person.name)
            if eff is not None:
                out.append((person.name, eff))
    for ref in ctx.index.forms:
        d = ref.definition
        name = ref.form.subject.name
        if d and d.subject_kind in kinds and name and ctx.index.person(name) is None:
            eff = ctx.index.effective(name)
            if eff is not None and all(n != eff.subject for n, _ in out):
                out.append((eff.subject, eff))
    return out


@rule("head-above-collective", Severity.ERROR)
def head_above_collective(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "is_head")
    if skip:
        yield skip
        return
    collectives = _collective_ratings(ctx, COLLECTIVES)
    if not collectives:
        yield Skip("Hồ sơ không có mức xếp loại của tập thể lãnh đạo hay tổ chức đảng.")
        return
    exception = bool(ctx.params.get("newly_transferred_exception", False))
    for person, obs in rated_people(ctx):
        if not person.is_head or person.kind in COLLECTIVES:
            continue
        if exception and person.newly_transferred:
            continue
        limit_name, limit_obs = max(collectives, key=lambda c: c[1].rating.rank)  # the lowest-rated
        offending = above(obs, limit_obs.rating)
        if offending:
            yield limit_violation(
                person.name,
                f"là người đứng đầu, mà {limit_name} chỉ được xếp loại {phrase(limit_obs.rating)}",
                limit_obs.rating, offending,
            )


@rule("collective-above-organization", Severity.ERROR)
def collective_above_organization(ctx: RuleContext) -> Iterator[Outcome]:
    collectives = _collective_ratings(ctx, (SubjectKind.TAP_THE_LANH_DAO,))
    organizations = _collective_ratings(ctx, (SubjectKind.TO_CHUC_DANG,))
    if not collectives or not organizations:
        yield Skip("Hồ sơ không có đủ mức xếp loại của cả tập thể lãnh đạo và tổ chức đảng.")
        return
    org_name, org = max(organizations, key=lambda c: c[1].rating.rank)  # the lowest-rated
    for name, obs in collectives:
        if obs.rating.above(org.rating):
            yield limit_violation(name, f"{org_name} chỉ được xếp loại {phrase(org.rating)}", org.rating, [obs])


@rule("not-rateable", Severity.ERROR)
def not_rateable(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx)
    if skip:
        yield skip
        return
    date = ctx.evaluation_date
    months = ctx.rule_set.min_months_rateable
    if date is None:
        yield Skip("Không xác định được ngày đánh giá (không mẫu nào ghi ngày; dùng --date).")
    for person, obs in rated_people(ctx):
        reasons = []
        if person.exempted:
            reasons.append("được miễn công tác và sinh hoạt đảng hoặc đang bị đình chỉ sinh hoạt")
        if date is not None and person.admitted is not None and add_months(person.admitted, months) > date:
            reasons.append(f"vào Đảng ngày {format_date(person.admitted)}, chưa đủ {months} tháng đến ngày đánh giá "
                           f"{format_date(date)}")
        if reasons:
            yield Violation(
                message=f"{person.name} {'; '.join(reasons)}, nên chưa xếp loại chất lượng (vẫn phải kiểm điểm), "
                f"nhưng đang ghi {'; '.join(o.describe() for o in obs)}.",
                subject=person.name,
                where=max(obs, key=lambda o: o.authority).where,
                fix="Bỏ mức xếp loại; chỉ ghi kết quả kiểm điểm.",
            )
        if (ctx.params.get("leader_appointed") and date is not None and person.appointed is not None
                and person.leader_rating is not None and add_months(person.appointed, months) > date):
            yield Violation(
                message=f"{person.name} được bổ nhiệm ngày {format_date(person.appointed)}, chưa đủ {months} tháng "
                f"giữ chức vụ, nên chưa xếp loại cán bộ lãnh đạo, quản lý, nhưng danh sách ghi "
                f"{phrase(person.leader_rating)}.",
                subject=person.name,
                fix="Bỏ mức xếp loại cán bộ lãnh đạo, quản lý của năm này.",
            )


@rule("sick-leave", Severity.ERROR)
def sick_leave(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "sick_leave_months")
    if skip:
        yield skip
        return
    months = float(ctx.params.get("months", 3))
    highest = _rating(ctx.params.get("highest"))
    for person, obs in rated_people(ctx):
        if person.sick_leave_months is None or person.sick_leave_months < months:
            continue
        leave = f"nghỉ ốm {person.sick_leave_months:g} tháng trong năm"
        if highest is None:
            yield Violation(
                message=f"{person.name} {leave}: mức xếp loại căn cứ vào thời gian công tác thực tế "
                f"(đang ghi {'; '.join(o.describe() for o in obs)}).",
                subject=person.name,
                where=max(obs, key=lambda o: o.authority).where,
            )
            continue
        offending = above(obs, highest)
        if offending:
            yield limit_violation(person.name, f"{leave} (từ {months:g} tháng trở lên)", highest, offending)


@rule("degradation-concluded", Severity.ERROR)
def degradation_concluded(ctx: RuleContext) -> Iterator[Outcome]:
    reason = 'bị cấp có thẩm quyền kết luận có biểu hiện suy thoái, "tự diễn biến", "tự chuyển hóa"'
    yield from limit_rule(ctx, "degradation_concluded", lambda p: (Rating.KHTNV, reason) if p.degradation_concluded else None)


@rule("degradation-self-marked", Severity.WARNING)
def degradation_self_marked(ctx: RuleContext) -> Iterator[Outcome]:
    appendices = ctx.index.forms_of_kind(FormKind.APPENDIX)
    if not appendices:
        yield Skip("Hồ sơ không có phụ lục tự nhận diện biểu hiện suy thoái.")
        return
    for ref in appendices:
        name = ref.form.subject.name
        if not ref.form.degradation_marked or not name:
            continue
        offending = [o for o in ctx.index.ratings_of(name) if o.rating.rank <= Rating.HTTNV.rank]
        if offending:
            items = ", ".join(ref.form.degradation_marked)
            yield Violation(
                message=f"{name} tự nhận «Có biểu hiện» ở mục {items} của phụ lục nhận diện suy thoái, nhưng được "
                f"xếp loại {'; '.join(o.describe() for o in offending)}. Đề nghị chi bộ xem xét.",
                subject=name,
                where=ref.where("items"),
                fix="Xem xét lại mức xếp loại hoặc nội dung tự nhận diện.",
            )


def _below_half(p: Person) -> tuple[Rating, str] | None:
    pct = p.targets_completed_pct
    return (Rating.KHTNV, f"chỉ hoàn thành {pct:g}% chỉ tiêu, nhiệm vụ (dưới 50%)") if pct is not None and pct < 50 else None


@rule("targets-below-half", Severity.ERROR)
def targets_below_half(ctx: RuleContext) -> Iterator[Outcome]:
    yield from limit_rule(ctx, "targets_completed_pct", _below_half)


def _individual_targets(p: Person) -> tuple[Rating, str] | None:
    done, exceeded = p.targets_completed_pct, p.targets_exceeded_pct
    if p.kind is not SubjectKind.DANG_VIEN or done is None:
        return None
    if done < 100:
        return Rating.HTNV, f"mới hoàn thành {done:g}% chỉ tiêu (HTTNV trở lên cần 100%)"
    if exceeded is not None and exceeded < 50:
        return Rating.HTTNV, f"chỉ vượt {exceeded:g}% chỉ tiêu (HTXSNV cần ít nhất 50% vượt mức)"
    return None


@rule("individual-targets", Severity.ERROR)
def individual_targets(ctx: RuleContext) -> Iterator[Outcome]:
    yield from limit_rule(ctx, "targets_completed_pct", _individual_targets)


def _low_confidence(p: Person) -> tuple[Rating, str] | None:
    pct = p.low_confidence_votes_pct
    return (Rating.KHTNV, f"có {pct:g}% phiếu tín nhiệm thấp (trên 50%)") if pct is not None and pct > 50 else None


@rule("low-confidence-votes", Severity.ERROR)
def low_confidence_votes(ctx: RuleContext) -> Iterator[Outcome]:
    yield from limit_rule(ctx, "low_confidence_votes_pct", _low_confidence)


def _unit_ratings(ctx: RuleContext) -> list[Rating]:
    return [obs.rating for _, obs in _collective_ratings(ctx, COLLECTIVES)]


@rule("leader-units", Severity.ERROR)
def leader_units(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "is_head")
    if skip:
        yield skip
        return
    units = _unit_ratings(ctx)
    if not units:
        yield Skip("Hồ sơ không có mức xếp loại của các đơn vị do cán bộ trực tiếp lãnh đạo.")
        return
    n = len(units)
    htnv_up = sum(1 for r in units if r.rank <= Rating.HTNV.rank) / n
    httnv_up = sum(1 for r in units if r.rank <= Rating.HTTNV.rank) / n
    if htnv_up >= 1 and httnv_up >= 0.7:
        return
    limit = Rating.HTTNV if htnv_up >= 1 else Rating.HTNV if htnv_up >= 0.7 else Rating.KHTNV
    for person in ctx.index.people:
        rating = person.leader_rating
        if not person.is_head or rating is None or not rating.above(limit):
            continue
        yield Violation(
            message=f"{person.name}: xếp loại cán bộ lãnh đạo {phrase(rating)} nhưng chỉ {htnv_up:.0%} đơn vị "
            f"trực tiếp lãnh đạo đạt HTNV trở lên và {httnv_up:.0%} đạt HTTNV trở lên; mức cao nhất được phép "
            f"là {phrase(limit)}.",
            subject=person.name,
            fix=f"Xếp loại không cao hơn {phrase(limit)}.",
        )


@rule("organization-members", Severity.ERROR)
def organization_members(ctx: RuleContext) -> Iterator[Outcome]:
    orgs = _collective_ratings(ctx, (SubjectKind.TO_CHUC_DANG,))
    if not orgs:
        yield Skip("Hồ sơ không có mức xếp loại của tổ chức đảng.")
        return
    member_ratings = [eff.rating for p in ctx.index.members() if (eff := ctx.index.effective(p.name))]
    if not member_ratings:
        yield Skip("Chưa có mức xếp loại của đảng viên nào.")
        return
    n = len(member_ratings)
    khtnv_share = member_ratings.count(Rating.KHTNV) / n
    if khtnv_share > float(ctx.params.get("khtnv_share_above", 0.2)):
        limit, why = Rating.KHTNV, f"có {khtnv_share:.0%} đảng viên xếp loại KHTNV (trên 20%)"
    elif any(r.rank > Rating.HTNV.rank for r in member_ratings):
        limit, why = Rating.HTNV, "có đảng viên xếp loại dưới HTNV"
    elif any(r.rank > Rating.HTTNV.rank for r in member_ratings):
        limit, why = Rating.HTTNV, "không phải 100% đảng viên đạt HTTNV trở lên"
    else:
        return
    for name, obs in orgs:
        if obs.rating.above(limit):
            yield limit_violation(name, why, limit, [obs])


@rule("organization-discipline", Severity.ERROR)
def organization_discipline(ctx: RuleContext) -> Iterator[Outcome]:
    skip = need_roster(ctx, "discipline")
    if skip:
        yield skip
        return
    disciplined_members = [p for p in ctx.index.members() if p.discipline and not p.discipline_self_remedied]
    leadership = [p for p in ctx.index.people if p.kind is SubjectKind.TAP_THE_LANH_DAO and p.discipline]
    for name, obs in _collective_ratings(ctx, COLLECTIVES):
        if ctx.index.subject_kind(name) is SubjectKind.TAP_THE_LANH_DAO and not leadership:
            continue  # a collective's own members are the `disciplined` rule's
        if leadership:
            limit, why = Rating.KHTNV, f"tập thể lãnh đạo bị kỷ luật ({leadership[0].discipline})"
        elif disciplined_members:
            limit = Rating.HTTNV
            why = "có đảng viên bị kỷ luật: " + ", ".join(p.name for p in disciplined_members)
        else:
            continue
        if obs.rating.above(limit):
            yield limit_violation(name, why, limit, [obs])


@rule("review-before-rating", Severity.ERROR)
def review_before_rating(ctx: RuleContext) -> Iterator[Outcome]:
    reviews = ctx.index.forms_of_kind(FormKind.SELF_REVIEW, FormKind.COLLECTIVE_REPORT)
    reviewed = {ctx.index.canonical(r.form.subject.name) for r in reviews if r.form.subject.name}
    if not ctx.index.rated_subjects():
        yield Skip("Chưa có ai được xếp loại trong hồ sơ.")
    unread = sum(1 for d in ctx.dossier.documents if d.rejected)
    for name in ctx.index.rated_subjects():
        person = ctx.index.person(name)
        if ctx.index.subject_kind(name) is not SubjectKind.DANG_VIEN:
            continue
        if name in reviewed or (person is not None and person.review_done):
            continue
        if unread:
            yield Skip(f"Không kết luận được: hồ sơ có {unread} tệp chưa đọc được, bản kiểm điểm có thể nằm trong đó.",
                       subject=name)
            continue
        obs = ctx.index.ratings_of(name)
        yield Violation(
            message=f"{name} đã được xếp loại ({'; '.join(o.describe() for o in obs)}) nhưng hồ sơ không có bản "
            "kiểm điểm cá nhân của đồng chí này.",
            subject=name,
            where=max(obs, key=lambda o: o.authority).where,
            fix="Bổ sung bản kiểm điểm cá nhân (Mẫu 02/2A/2B) vào hồ sơ, hoặc ghi «Đã kiểm điểm» trong danh sách.",
        )
