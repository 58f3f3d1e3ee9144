"""B (2025). The hundred-point scale of Quy định 366-QĐ/TW and Hướng dẫn 43-HD/BTCTW: general
criteria up to 30 points, task results up to 70, and the rating the total gives. Maxima and
thresholds are parameters of the rule set, so a corrected reading of the text is a data change.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.model import Rating, Severity
from rules.common import phrase
from rules.engine import RuleContext, rule
from rules.outcomes import Outcome, Skip, Violation
from rules.reading import confident

NO_POINTS = Skip("Hồ sơ không có mẫu nào ghi điểm (thang 100 điểm).")


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


@rule("points-arithmetic", Severity.ERROR)
def points_arithmetic(ctx: RuleContext) -> Iterator[Outcome]:
    maxima = {"general": float(ctx.params.get("general_max", 30)), "tasks": float(ctx.params.get("tasks_max", 70))}
    names = {"general": "nhóm tiêu chí chung", "tasks": "nhóm kết quả thực hiện nhiệm vụ"}
    if not any(r.form.points for r in ctx.index.forms):
        yield NO_POINTS
    for ref in ctx.index.forms:
        p = ref.form.points
        if p is None or not confident(ctx, p.confidence):
            continue
        who = ref.form.subject.name or "chưa rõ đối tượng"
        problems = []
        for key, most in maxima.items():
            value = getattr(p, key)
            if value is not None and not 0 <= value <= most:
                problems.append(f"điểm {names[key]} là {_num(value)}, phải từ 0 đến {_num(most)}")
        if p.general is not None and p.tasks is not None and p.total is not None and p.general + p.tasks != p.total:
            problems.append(
                f"tổng điểm ghi {_num(p.total)} nhưng {_num(p.general)} + {_num(p.tasks)} = {_num(p.general + p.tasks)}"
            )
        if problems:
            yield Violation(
                message=f"{ref.code} của {who}: " + "; ".join(problems) + ".",
                subject=ref.form.subject.name,
                where=ref.where("points", p.location),
                fix="Sửa điểm từng nhóm trong giới hạn và ghi tổng đúng bằng tổng các nhóm.",
            )


def rating_for_points(total: float, thresholds: dict[str, float]) -> Rating:
    for rating in (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV):
        if total >= thresholds[rating.value]:
            return rating
    return Rating.KHTNV


@rule("rating-vs-points", Severity.ERROR)
def rating_vs_points(ctx: RuleContext) -> Iterator[Outcome]:
    thresholds = {k: float(ctx.params.get(k, d)) for k, d in (("htxsnv", 90), ("httnv", 70), ("htnv", 50))}
    if not any(r.form.points for r in ctx.index.forms):
        yield NO_POINTS
    for ref in ctx.index.forms:
        p, r = ref.form.points, ref.form.rating
        if p is None or p.total is None or r is None or r.value is None:
            continue
        if not (confident(ctx, p.confidence) and confident(ctx, r.confidence)):
            continue
        expected = rating_for_points(p.total, thresholds)
        if expected is not r.value:
            yield Violation(
                message=f"{ref.code} của {ref.form.subject.name or 'chưa rõ đối tượng'}: tổng {_num(p.total)} điểm "
                f"tương ứng mức {phrase(expected)}, nhưng đề nghị {phrase(r.value)}.",
                subject=ref.form.subject.name,
                where=ref.where("rating", r.location),
                fix=f"Mức xếp loại đúng theo tổng điểm: {expected.label}.",
            )
