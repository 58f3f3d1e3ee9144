"""D. Votes and tallies: the arithmetic of `a/b/c`, the result the votes give (V.16), and the
agreement of minutes, Mẫu 06, the subject's forms and the counted ballots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from domain.forms import FormKind
from domain.model import Person, Rating, Severity, SubjectKind, Tally
from domain.text import fold
from rules.aggregation import aggregate
from rules.common import add_months, phrase
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation
from rules.reading import confident
from rules.subjects import FormRef

NO_TALLIES = Skip("Hồ sơ không có kết quả biểu quyết nào (biên bản kiểm phiếu, Mẫu 06).")


def _confident_tallies(ctx: RuleContext, *kinds: FormKind) -> list[tuple[FormRef, Tally]]:
    return [
        (ref, t)
        for ref, t in ctx.index.tallies
        if confident(ctx, t.confidence) and (not kinds or (ref.definition and ref.definition.kind in kinds))
    ]


def full_members(ctx: RuleContext) -> tuple[int | None, str]:
    """Full members who vote (V.15): probationary members (less than 12 months since admission, or
    before their `Ngày chính thức`) and exempted members are not counted."""
    date = ctx.evaluation_date
    people = ctx.index.members()
    if ctx.dossier.roster is None or not people:
        return None, "không có danh sách đảng viên"
    if "admitted" not in ctx.dossier.roster.columns and "full_member_since" not in ctx.dossier.roster.columns:
        return None, "danh sách thiếu cột «Ngày vào Đảng»"
    if date is None:
        return None, "không xác định được ngày đánh giá"

    def full(p: Person) -> bool | None:
        if p.exempted:
            return False
        since = p.full_member_since or (add_months(p.admitted, ctx.rule_set.probation_months) if p.admitted else None)
        return None if since is None else since <= date

    status = [full(p) for p in people]
    if None in status:
        return None, "danh sách thiếu ngày vào Đảng của một số đảng viên"
    return sum(1 for s in status if s), ""


@rule("tally-arithmetic", Severity.ERROR)
def tally_arithmetic(ctx: RuleContext) -> Iterator[Outcome]:
    expected_total, why_not = full_members(ctx)
    if expected_total is None:
        yield Skip(f"Không đối chiếu được tổng số đảng viên chính thức: {why_not}.")
    reported_total: set[tuple[int, int]] = set()
    if not ctx.index.tallies:
        yield NO_TALLIES
    for ref, t in _confident_tallies(ctx):
        problems = []
        a = t.votes.get(t.result) if t.result else None
        b, c = t.present, t.total
        if a is not None and b is not None and a > b:
            problems.append(f"số phiếu {a} lớn hơn số có mặt {b}")
        if b is not None and c is not None and b > c:
            problems.append(f"số có mặt {b} lớn hơn tổng số đảng viên chính thức {c}")
        cast = sum(t.votes.values())
        if b is not None and len(t.votes) > 1 and cast > b:
            problems.append(f"tổng số phiếu các mức là {cast}, lớn hơn số có mặt {b}")
        if t.percent is not None and a is not None and c and round(100 * a / c) != round(t.percent):
            problems.append(f"tỷ lệ ghi {t.percent:g}% nhưng {a}/{c} = {100 * a / c:.0f}% (V.15: tính trên tổng số)")
        if problems:
            yield Violation(
                message=f"{ref.code}, {t.name} ({t.raw or _fmt(t)}): " + "; ".join(problems) + ".",
                subject=t.name,
                where=ref.where(f"tallies[{t.name}]", t.location),
                fix="Ghi kết quả dạng số phiếu/số có mặt/tổng số đảng viên chính thức, ví dụ 07/08/10.",
            )
        if expected_total is not None and c is not None and c != expected_total:
            key = (ref.document, ref.index)
            if key not in reported_total:
                reported_total.add(key)
                yield Violation(
                    message=f"{ref.code}: tổng số đảng viên chính thức ghi {c}, nhưng theo danh sách đơn vị là "
                    f"{expected_total} (không tính đảng viên dự bị và đảng viên được miễn sinh hoạt).",
                    subject=t.name if ref.definition and ref.definition.kind is FormKind.SUMMARY else None,
                    where=ref.where(f"tallies[{t.name}].total", t.location),
                    fix=f"Tổng số đảng viên chính thức: {expected_total}.",
                )


def _fmt(t: Tally) -> str:
    a = t.votes.get(t.result) if t.result else None
    return "/".join("?" if x is None else f"{x:02d}" for x in (a, t.present, t.total))


@rule("tally-result", Severity.ERROR)
def tally_result(ctx: RuleContext) -> Iterator[Outcome]:
    if not any(len(t.votes) == len(Rating) for _, t in ctx.index.tallies):
        yield Skip("Hồ sơ không có biên bản ghi đủ số phiếu của cả bốn mức.")
    for ref, t in _confident_tallies(ctx):
        if len(t.votes) < len(Rating) or t.result is None:
            continue  # only the four counts together decide the result
        agg = aggregate(t.votes)
        if agg.result is None or agg.result is t.result:
            continue
        votes = ", ".join(f"{r.abbreviation} {t.votes.get(r, 0)}" for r in Rating)
        how = (
            f"không mức nào quá 50% nên cộng dồn từ trên xuống: đến {agg.result.abbreviation} được "
            f"{agg.cumulative}/{agg.cast} ý kiến"
            if agg.cascaded
            else f"{agg.result.abbreviation} được {t.votes.get(agg.result, 0)}/{agg.cast} ý kiến, nhiều nhất và trên 50%"
        )
        yield Violation(
            message=f"{ref.code}, {t.name}: số phiếu ({votes}) cho kết quả {phrase(agg.result)} ({how}), "
            f"nhưng biên bản ghi {phrase(t.result)}.",
            subject=t.name,
            where=ref.where(f"tallies[{t.name}].result", t.location),
            fix=f"Kết quả đúng: {agg.result.label}.",
        )


def _vote_results(ctx: RuleContext) -> dict[str, tuple[Rating, FormRef, Tally]]:
    """The result of each subject's vote: from the minutes, else from Mẫu 06."""
    out: dict[str, tuple[Rating, FormRef, Tally]] = {}
    for kind in (FormKind.SUMMARY, FormKind.MINUTES):  # minutes last: they win
        for ref, t in _confident_tallies(ctx, kind):
            if t.result is not None:
                out[fold(ctx.index.canonical(t.name))] = (t.result, ref, t)
    return out


@rule("tally-vs-rating", Severity.ERROR)
def tally_vs_rating(ctx: RuleContext) -> Iterator[Outcome]:
    results = _vote_results(ctx)
    if not results:
        yield Skip("Hồ sơ không có biên bản kiểm phiếu hay cột kết quả biểu quyết của Mẫu 06.")
        return
    for result, vote_ref, tally in results.values():
        subject = ctx.index.canonical(tally.name)
        differing = [
            o for o in ctx.index.ratings_of(subject)
            if o.evaluator in ("branch", "vote") and o.rating is not result and o.ref is not vote_ref
        ]
        if differing:
            yield Violation(
                message=f"{subject}: kết quả biểu quyết ({vote_ref.code}) là {phrase(result)}, nhưng "
                + "; ".join(o.describe() for o in differing) + ".",
                subject=subject,
                where=differing[0].where,
                fix=f"Ghi đúng kết quả biểu quyết: {result.label}.",
            )


@rule("ballots-vs-minutes", Severity.ERROR)
def ballots_vs_minutes(ctx: RuleContext) -> Iterator[Outcome]:
    ballots = _confident_tallies(ctx, FormKind.BALLOT)
    minutes = _confident_tallies(ctx, FormKind.MINUTES)
    if not ballots or not minutes:
        yield Skip("Hồ sơ không có đủ cả phiếu biểu quyết đã quét và biên bản kiểm phiếu.")
        return
    counted: dict[str, dict[Rating, int]] = defaultdict(lambda: dict.fromkeys(Rating, 0))
    for _, t in ballots:
        for r, n in t.votes.items():
            counted[fold(ctx.index.canonical(t.name))][r] += n
    for ref, t in minutes:
        counts = counted.get(fold(ctx.index.canonical(t.name)))
        if counts is None:
            continue
        diffs = [f"{r.abbreviation}: phiếu đếm được {counts[r]}, biên bản ghi {t.votes.get(r, 0)}"
                 for r in Rating if counts[r] != t.votes.get(r, 0)]
        if diffs:
            yield Violation(
                message=f"{t.name}: số phiếu kiểm lại từ các phiếu biểu quyết khác biên bản kiểm phiếu — "
                + "; ".join(diffs) + ".",
                subject=t.name,
                where=ref.where(f"tallies[{t.name}]", t.location),
                fix="Kiểm phiếu lại và sửa biên bản theo số phiếu thực tế.",
            )


@rule("summary-vs-forms", Severity.ERROR)
def summary_vs_forms(ctx: RuleContext) -> Iterator[Outcome]:
    summaries = ctx.index.forms_of_kind(FormKind.SUMMARY)
    if not summaries:
        yield Skip("Hồ sơ không có Mẫu 06 (tổng hợp đề xuất).")
        return
    for ref in summaries:
        for row in ref.form.summary_rows:
            subject = ctx.index.canonical(row.name)
            own = [o for o in ctx.index.ratings_of(subject) if o.ref is not ref and o.evaluator == "self"
                   and ctx.index.subject_kind(subject) is SubjectKind.DANG_VIEN]
            cs_official = [o for o in ctx.index.ratings_of(subject, civil_servant=True)
                           if o.ref is not ref and o.evaluator != "self"]
            person = ctx.index.person(subject)
            checks = [("self", own), ("civil_servant", cs_official)]
            for key, sources in checks:
                cell = row.ratings.get(key)
                if cell is None or cell.value is None or not confident(ctx, cell.confidence):
                    continue
                expected = [o.rating for o in sources]
                if key == "civil_servant" and person is not None and person.civil_servant_rating is not None:
                    expected.append(person.civil_servant_rating)
                if expected and cell.value not in expected:
                    shown = "; ".join(o.describe() for o in sources) or f"danh sách đơn vị: {expected[0].abbreviation}"
                    yield Violation(
                        message=f"Mẫu 06, dòng {row.name}: cột «{_column(ref, key)}» ghi {phrase(cell.value)}, "
                        f"khác với {shown}.",
                        subject=subject,
                        where=ref.where(f"summary[{row.name}].{key}", cell.location or row.location),
                        fix=f"Ghi đúng như trên các mẫu của đảng viên: {expected[0].label}.",
                    )


def _column(ref: FormRef, key: str) -> str:
    cols = {c.key: c.label for c in ref.definition.summary_columns} if ref.definition else {}
    return cols.get(key, key)
