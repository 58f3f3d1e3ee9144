"""Every rule, for every rule set it applies to: a dossier that violates it, one that does not, and
one where it must be skipped for lack of facts (and say why)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from domain.model import Document, Dossier, Level, Rating, Severity, SubjectKind
from domain.rule_sets import LocalSettings, available_rule_sets, rule_set
from tests.builders import (
    DATE,
    analysis,
    ballot,
    check,
    dossier,
    minutes,
    person,
    points,
    self_review,
    summary,
    votes,
)

H, T, N, K = Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV
AN, BINH = "Nguyễn Văn An", "Trần Thị Bình"
COLLECTIVE, ORG = "Chi ủy Chi bộ Phòng Tổ chức", "Chi bộ Phòng Tổ chức"


@dataclass(frozen=True)
class Case:
    dossier: Dossier
    settings: LocalSettings | None = None
    subject: str | None = None


Build = Callable[[str], Case]


@dataclass(frozen=True)
class Scenario:
    violate: Build
    ok: Build
    skip: Build


def rated(name: str, rating: Rating) -> list:
    """A person's self-review and a vote of the branch giving `rating`."""
    return [self_review(name, party_self=rating, branch=rating),
            minutes([(name, votes(**{rating.value: 5}), rating)], present=5, total=5)]


def one(name: str, rating: Rating, rs: str, *, people: list | None = None, **facts) -> Case:
    return Case(dossier(*rated(name, rating), people=people if people is not None else [person(name, **facts)],
                        rule_set_id=rs), subject=name)


SCENARIOS: dict[str, Scenario] = {
    "file-rejected": Scenario(
        violate=lambda rs: Case(dossier(documents=[Document(file="x.docx", rejected="Tệp bị hỏng.")], rule_set_id=rs)),
        ok=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(documents=[], rule_set_id=rs)),
    ),
    "unreadable": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT, II_1={"confidence": 0.4}), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(documents=[Document(file="x.pdf", rejected="Chưa hỗ trợ.")], rule_set_id=rs)),
    ),
    "level-missing": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, T, {"III": None}, default=Level.TOT), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "level-multiple": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, T, {"I.2": None}, default=Level.TOT,
                                                 I_2={"marked": [Level.TOT, Level.KEM]}), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "rating-missing": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, None, default=Level.TOT), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(minutes([(AN, votes(httnv=5), T)], 5, 5), rule_set_id=rs)),
    ),
    "field-missing": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT, date=None), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(documents=[], rule_set_id=rs)),
    ),
    "unknown-person": Scenario(
        violate=lambda rs: Case(dossier(self_review("Nguyễn Văn Ann", party_self=T), people=[person(AN)], rule_set_id=rs),
                                subject="Nguyễn Văn Ann"),
        ok=lambda rs: Case(dossier(self_review("nguyễn  văn an", party_self=T), people=[person(AN)], rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "form-mismatch": Scenario(
        violate=lambda rs: Case(dossier(self_review(AN, form_id="2023/mau-2a" if rs in ("2018", "2019") else "2018/mau-02",
                                                    party_self=T), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(self_review(AN, form_id={"2018": "2018/mau-02", "2019": "2018/mau-02",
                                                            "2023": "2023/mau-2a", "2025": "2025/mau-2b"}[rs],
                                               party_self=T), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(documents=[], rule_set_id=rs)),
    ),
    "rating-above-criteria": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, H, {"II.2": Level.TOT}), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, H), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=H), rule_set_id=rs)),
    ),
    "rating-below-criteria": Scenario(
        violate=lambda rs: Case(dossier(analysis(AN, N), people=[person(AN)], rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(analysis(AN, T, default=Level.TOT), people=[person(AN)], rule_set_id=rs)),
        skip=lambda rs: Case(dossier(analysis(AN, N, {"III": None}), rule_set_id=rs)),
    ),
    "points-arithmetic": Scenario(
        violate=lambda rs: Case(dossier(points(AN, 35, 60, 95, H), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(points(AN, 27, 65, 92, H), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "rating-vs-points": Scenario(
        violate=lambda rs: Case(dossier(points(AN, 27, 65, 92, T), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(points(AN, 27, 65, 92, H), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "disciplined": Scenario(
        violate=lambda rs: one(AN, N, rs, discipline="Khiển trách"),
        ok=lambda rs: one(AN, K, rs, discipline="Khiển trách"),
        skip=lambda rs: one(AN, T, rs, omit=("discipline",)),
    ),
    "above-civil-servant": Scenario(
        violate=lambda rs: one(AN, T, rs, civil_servant_rating=N),
        ok=lambda rs: one(AN, N, rs, civil_servant_rating=N),
        skip=lambda rs: one(AN, T, rs),
    ),
    "above-leader-rating": Scenario(
        violate=lambda rs: one(AN, T, rs, leader_rating=N),
        ok=lambda rs: one(AN, N, rs, leader_rating=N),
        skip=lambda rs: one(AN, T, rs),
    ),
    "head-above-collective": Scenario(
        violate=lambda rs: Case(dossier(*rated(AN, H), analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT),
                                        people=[person(AN, is_head=True)], rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(*rated(AN, T), analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT),
                                   people=[person(AN, is_head=True)], rule_set_id=rs)),
        skip=lambda rs: one(AN, H, rs, is_head=True),
    ),
    "collective-above-organization": Scenario(
        violate=lambda rs: Case(dossier(analysis(COLLECTIVE, H, form_id="2018/mau-04"),
                                        analysis(ORG, T, form_id="2018/mau-03", default=Level.TOT), rule_set_id=rs),
                                subject=COLLECTIVE),
        ok=lambda rs: Case(dossier(analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT),
                                   analysis(ORG, T, form_id="2018/mau-03", default=Level.TOT), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(analysis(COLLECTIVE, H, form_id="2018/mau-04"), rule_set_id=rs)),
    ),
    "not-rateable": Scenario(
        violate=lambda rs: one(AN, T, rs, admitted=DATE - dt.timedelta(days=90)),
        ok=lambda rs: one(AN, T, rs, admitted=DATE - dt.timedelta(days=400)),
        skip=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs)),
    ),
    "sick-leave": Scenario(
        violate=lambda rs: one(AN, T, rs, sick_leave_months=4),
        ok=lambda rs: one(AN, N, rs, sick_leave_months=4 if rs in ("2018", "2019") else 1),
        skip=lambda rs: one(AN, T, rs, omit=("sick_leave_months",)),
    ),
    "degradation-concluded": Scenario(
        violate=lambda rs: one(AN, T, rs, degradation_concluded=True),
        ok=lambda rs: one(AN, K, rs, degradation_concluded=True),
        skip=lambda rs: one(AN, K, rs, omit=("degradation_concluded",)),
    ),
    "degradation-self-marked": Scenario(
        violate=lambda rs: Case(dossier(*rated(AN, T), _appendix(AN, ["12", "40"]), people=[person(AN)], rule_set_id=rs),
                                subject=AN),
        ok=lambda rs: Case(dossier(*rated(AN, T), _appendix(AN, []), people=[person(AN)], rule_set_id=rs)),
        skip=lambda rs: one(AN, T, rs),
    ),
    "targets-below-half": Scenario(
        violate=lambda rs: one(AN, N, rs, targets_completed_pct=40),
        ok=lambda rs: one(AN, K, rs, targets_completed_pct=40),
        skip=lambda rs: one(AN, N, rs, omit=("targets_completed_pct",)),
    ),
    "individual-targets": Scenario(
        violate=lambda rs: one(AN, T, rs, targets_completed_pct=90),
        ok=lambda rs: one(AN, H, rs, targets_completed_pct=100, targets_exceeded_pct=60),
        skip=lambda rs: one(AN, T, rs, omit=("targets_completed_pct",)),
    ),
    "low-confidence-votes": Scenario(
        violate=lambda rs: one(AN, N, rs, low_confidence_votes_pct=60),
        ok=lambda rs: one(AN, K, rs, low_confidence_votes_pct=60),
        skip=lambda rs: one(AN, N, rs),
    ),
    "leader-units": Scenario(
        violate=lambda rs: Case(dossier(*_units(T, K), people=[person(AN, is_head=True, leader_rating=H)],
                                        rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(*_units(T, T), people=[person(AN, is_head=True, leader_rating=H)], rule_set_id=rs)),
        skip=lambda rs: Case(dossier(*rated(AN, T), people=[person(AN, is_head=True, leader_rating=H)], rule_set_id=rs)),
    ),
    "organization-members": Scenario(
        violate=lambda rs: Case(dossier(analysis(ORG, H, form_id="2018/mau-03"), *rated(AN, N), *rated(BINH, T),
                                        people=[person(AN), person(BINH)], rule_set_id=rs), subject=ORG),
        ok=lambda rs: Case(dossier(analysis(ORG, H, form_id="2018/mau-03"), *rated(AN, T), *rated(BINH, H),
                                   people=[person(AN), person(BINH)], rule_set_id=rs)),
        skip=lambda rs: Case(dossier(*rated(AN, N), people=[person(AN)], rule_set_id=rs)),
    ),
    "organization-discipline": Scenario(
        violate=lambda rs: Case(dossier(analysis(ORG, H, form_id="2018/mau-03"), *rated(AN, K),
                                        people=[person(AN, discipline="Khiển trách")], rule_set_id=rs), subject=ORG),
        ok=lambda rs: Case(dossier(analysis(ORG, H, form_id="2018/mau-03"), *rated(AN, T),
                                   people=[person(AN)], rule_set_id=rs)),
        skip=lambda rs: Case(dossier(analysis(ORG, H, form_id="2018/mau-03"), *rated(AN, K),
                                     people=[person(AN, omit=("discipline",))], rule_set_id=rs)),
    ),
    "review-before-rating": Scenario(
        violate=lambda rs: Case(dossier(minutes([(AN, votes(httnv=5), T)], 5, 5), people=[person(AN)], rule_set_id=rs),
                                subject=AN),
        ok=lambda rs: one(AN, T, rs),
        skip=lambda rs: Case(dossier(documents=[], people=[person(AN)], rule_set_id=rs)),
    ),
    "tally-arithmetic": Scenario(
        violate=lambda rs: Case(dossier(minutes([(AN, votes(httnv=7, htnv=2), T)], present=8, total=10),
                                        rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(minutes([(AN, votes(httnv=7, htnv=1), T)], present=8, total=10), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "tally-result": Scenario(
        violate=lambda rs: Case(dossier(minutes([(AN, votes(3, 4, 2, 1), N)], 10, 10), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(minutes([(AN, votes(3, 4, 2, 1), T)], 10, 10), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(summary([(AN, {"branch": T}, _tally06(AN, 7, 8, 10, T))]), rule_set_id=rs)),
    ),
    "tally-vs-rating": Scenario(
        violate=lambda rs: Case(dossier(self_review(AN, branch=N), minutes([(AN, votes(httnv=5), T)], 5, 5),
                                        rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "ballots-vs-minutes": Scenario(
        violate=lambda rs: Case(dossier(minutes([(AN, votes(httnv=2, htnv=1), T)], 3, 3),
                                        ballot(AN, T), ballot(AN, T), ballot(AN, T), rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(minutes([(AN, votes(httnv=2, htnv=1), T)], 3, 3),
                                   ballot(AN, T), ballot(AN, T), ballot(AN, N), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(minutes([(AN, votes(httnv=3), T)], 3, 3), rule_set_id=rs)),
    ),
    "summary-vs-forms": Scenario(
        violate=lambda rs: Case(dossier(self_review(AN, party_self=N), summary([(AN, {"self": T}, None)]),
                                        rule_set_id=rs), subject=AN),
        ok=lambda rs: Case(dossier(self_review(AN, party_self=T), summary([(AN, {"self": T}, None)]), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(self_review(AN, party_self=T), rule_set_id=rs)),
    ),
    "cap-excellent": Scenario(
        violate=lambda rs: _unit_votes(rs, [H] * 4 + [T] * 7),
        ok=lambda rs: _unit_votes(rs, [H] + [T] * 5),
        skip=lambda rs: Case(dossier(documents=[], rule_set_id=rs)),
    ),
    "small-unit-exception": Scenario(
        violate=lambda rs: _unit_votes(rs, [H] + [T] * 3),
        ok=lambda rs: _unit_votes(rs, [T] * 4),
        skip=lambda rs: Case(dossier(documents=[], rule_set_id=rs)),
    ),
    "order": Scenario(
        violate=lambda rs: Case(dossier(analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT,
                                                 date=dt.date(2023, 12, 25)),
                                        minutes([(AN, votes(httnv=5), T)], 5, 5, date=dt.date(2023, 12, 20)),
                                        rule_set_id=rs)),
        ok=lambda rs: Case(dossier(analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT,
                                            date=dt.date(2023, 12, 10)),
                                   minutes([(AN, votes(httnv=5), T)], 5, 5, date=dt.date(2023, 12, 20)),
                                   rule_set_id=rs)),
        skip=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs)),
    ),
    "deadline": Scenario(
        violate=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs, submitted=dt.date(2023, 12, 28)),
                                LocalSettings(deadline=dt.date(2023, 12, 25))),
        ok=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs, submitted=dt.date(2023, 12, 21)),
                           LocalSettings(deadline=dt.date(2023, 12, 25))),
        skip=lambda rs: Case(dossier(*rated(AN, T), rule_set_id=rs, submitted=dt.date(2023, 12, 28))),
    ),
    "meeting-duration": Scenario(
        violate=lambda rs: Case(dossier(_timed_minutes(8, 10), rule_set_id=rs)),
        ok=lambda rs: Case(dossier(_timed_minutes(8, 17), rule_set_id=rs)),
        skip=lambda rs: Case(dossier(minutes([(AN, votes(httnv=10), T)], 10, 10), rule_set_id=rs)),
    ),
}


def _appendix(name: str, marked: list[str]):
    from domain.model import ExtractedForm, Subject

    return ExtractedForm(form_id="2018/phu-luc", subject=Subject(name=name), date=DATE, degradation_marked=marked)


def _units(*ratings: Rating) -> list:
    return [analysis(f"Chi bộ số {i + 1}", r, form_id="2018/mau-03", default=Level.TOT if r is not K else Level.KEM)
            for i, r in enumerate(ratings)]


def _tally06(name: str, a: int, b: int, c: int, r: Rating):
    from domain.model import Tally

    return Tally(name=name, votes={r: a}, present=b, total=c, result=r)


def _unit_votes(rs: str, ratings: list[Rating]) -> Case:
    names = [f"Đảng viên {i + 1}" for i in range(len(ratings))]
    n = len(names)
    forms = [self_review(name, party_self=r) for name, r in zip(names, ratings, strict=True)]
    forms.append(minutes([(name, votes(**{r.value: n}), r) for name, r in zip(names, ratings, strict=True)], n, n))
    return Case(dossier(*forms, people=[person(name) for name in names], rule_set_id=rs))


def _timed_minutes(start: int, end: int):
    return minutes([(AN, votes(httnv=10), T)], 10, 10,
                   meeting_start=dt.datetime(2023, 12, 20, start), meeting_end=dt.datetime(2023, 12, 20, end))


def _applicable() -> list[tuple[str, str]]:
    return [(rule_id, rs) for rs in available_rule_sets() for rule_id in rule_set(rs).rules]


def _findings(case: Case, rs: str, rule_id: str):
    result = check(case.dossier, rs, case.settings)
    return result, [f for f in result.findings if f.rule == rule_id]


def test_every_rule_of_every_set_has_a_scenario() -> None:
    missing = sorted({rule_id for rule_id, _ in _applicable()} - set(SCENARIOS))
    assert missing == []


@pytest.mark.parametrize(("rule_id", "rs"), _applicable())
def test_violation_is_found(rule_id: str, rs: str) -> None:
    case = SCENARIOS[rule_id].violate(rs)
    result, found = _findings(case, rs, rule_id)
    assert found, f"{rule_id} not found in {rs}: {[f.rule for f in result.findings]}"
    for f in found:
        assert f.source == rule_set(rs).config(rule_id).source
        assert f.message and any(ch in f.message for ch in "ăâđêôơưáàảãạéèóòúùíìýỳ"), f.message
    if case.subject:
        assert any(f.subject == case.subject for f in found), [f.subject for f in found]


@pytest.mark.parametrize(("rule_id", "rs"), _applicable())
def test_compliant_dossier_is_not_flagged(rule_id: str, rs: str) -> None:
    _result, found = _findings(SCENARIOS[rule_id].ok(rs), rs, rule_id)
    assert found == [], [f.message for f in found]


@pytest.mark.parametrize(("rule_id", "rs"), _applicable())
def test_missing_facts_skip_the_rule_and_say_why(rule_id: str, rs: str) -> None:
    result, found = _findings(SCENARIOS[rule_id].skip(rs), rs, rule_id)
    assert found == [], [f.message for f in found]
    reasons = [s.why for s in result.skipped if s.rule == rule_id]
    assert reasons and all(reasons), f"{rule_id} in {rs} was not reported as skipped"


# ---------------------------------------------------------------- readings that differ by rule set


def test_rating_above_criteria_names_the_allowed_rating_and_the_row() -> None:
    result = check(dossier(analysis(AN, H, {"II.2": Level.TOT})), "2018")
    [f] = [f for f in result.findings if f.rule == "rating-above-criteria"]
    assert "Mức cao nhất được phép: Hoàn thành tốt nhiệm vụ" in f.message
    assert "II.2 (Tốt)" in f.message
    assert f.field == "rating" and f.document == 0


@pytest.mark.parametrize(("rs", "flagged"), [("2018", True), ("2019", True), ("2023", False), ("2025", False)])
def test_discipline_self_remedied_exception_exists_from_2023(rs: str, flagged: bool) -> None:
    case = one(AN, T, rs, discipline="Khiển trách (tự phát hiện, đã khắc phục)", discipline_self_remedied=True)
    assert bool(_findings(case, rs, "disciplined")[1]) is flagged


@pytest.mark.parametrize(("rs", "severity"), [("2018", Severity.ERROR), ("2023", Severity.INFO)])
def test_sick_leave_is_an_error_before_2023_and_a_fact_after(rs: str, severity: Severity) -> None:
    [f] = _findings(one(AN, T, rs, sick_leave_months=4), rs, "sick-leave")[1]
    assert f.severity is severity


@pytest.mark.parametrize(("rs", "cap_error"), [("2018", True), ("2023", False)])
def test_small_unit_exception_only_in_2023(rs: str, cap_error: bool) -> None:
    result = check(_unit_votes(rs, [H, T, T, T]).dossier, rs)
    assert any(f.rule == "cap-excellent" for f in result.findings) is cap_error
    assert any(f.rule == "small-unit-exception" and f.severity is Severity.INFO for f in result.findings) is not cap_error


@pytest.mark.parametrize(
    ("excellent", "good", "base", "flagged"),
    [
        (1, 7, "httnv", False),  # 20% of 7 = 1.4 → 1
        (2, 7, "httnv", True),
        (2, 7, "httnv_or_above", True),  # 20% of 9 = 1.8 → 1
        (2, 8, "httnv", True),  # 20% of 8 = 1.6 → 1
        (2, 8, "httnv_or_above", False),  # 20% of 10 = 2
        (2, 10, "httnv", False),
        (3, 10, "httnv", True),
    ],
)
def test_cap_rounds_down_on_the_chosen_base(excellent: int, good: int, base: str, flagged: bool) -> None:
    result = check(_unit_votes("2018", [H] * excellent + [T] * good).dossier, "2018", LocalSettings(cap_base=base))
    assert any(f.rule == "cap-excellent" for f in result.findings) is flagged


def test_cap_2025_allows_25_percent_when_the_authority_says_so() -> None:
    case = _unit_votes("2025", [H] * 2 + [T] * 8)  # 20% of 8 = 1, 25% of 8 = 2
    assert any(f.rule == "cap-excellent" for f in check(case.dossier, "2025").findings)
    assert not any(f.rule == "cap-excellent"
                   for f in check(case.dossier, "2025", LocalSettings(cap_exception=True)).findings)


def test_probationary_members_do_not_count_in_the_total() -> None:
    people = [person(AN), person(BINH, admitted=DATE - dt.timedelta(days=200))]
    d = dossier(minutes([(AN, votes(httnv=2), T)], present=2, total=2), people=people)
    [f] = [f for f in check(d, "2023").findings if f.rule == "tally-arithmetic"]
    assert "theo danh sách đơn vị là 1" in f.message


def test_a_doubtful_row_is_unreadable_not_missing() -> None:
    d = dossier(analysis(AN, T, {"III": None}, default=Level.TOT, III={"confidence": 0.3}))
    rules = {f.rule for f in check(d, "2018").findings}
    assert "unreadable" in rules and "level-missing" not in rules


def test_a_doubtful_summary_cell_is_unreadable_with_its_column_named() -> None:
    form = summary([(AN, {"self": T, "branch": T}, None)])
    form.summary_rows[0].ratings["branch"].confidence = 0.4
    [f] = [f for f in check(dossier(form), "2018").findings if f.rule == "unreadable"]
    assert f.field == f"summary[{AN}].branch" and "«Chi bộ đánh giá, xếp loại» của " + AN in f.message


def test_a_blank_field_on_a_scan_is_not_asserted_missing() -> None:
    form = analysis(AN, T, default=Level.TOT, date=None)
    form.from_image = True  # handwriting the reader could not read looks blank
    result = check(dossier(form), "2018")
    assert not any(f.rule == "field-missing" for f in result.findings)
    assert any(s.rule == "field-missing" and "bản quét" in s.why for s in result.skipped)


def test_missing_review_is_not_asserted_while_a_file_is_unread() -> None:
    d = dossier(minutes([(AN, votes(httnv=5), T)], 5, 5), people=[person(AN)])
    d.documents.append(Document(file="ban-kiem-diem.pdf", rejected="Chưa hỗ trợ PDF."))
    result = check(d, "2018")
    assert not any(f.rule == "review-before-rating" for f in result.findings)
    assert any(s.rule == "review-before-rating" and AN in s.why for s in result.skipped)


def test_tally_result_can_be_switched_on_for_2018() -> None:
    d = dossier(minutes([(AN, votes(3, 4, 2, 1), N)], 10, 10))
    assert not any(f.rule == "tally-result" for f in check(d, "2018").findings)
    assert any(f.rule == "tally-result" for f in check(d, "2018", LocalSettings(tally_result=True)).findings)


def test_head_newly_transferred_exception_2023() -> None:
    forms = [*rated(AN, H), analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT)]
    people = [person(AN, is_head=True, newly_transferred=True)]
    assert any(f.rule == "head-above-collective" for f in check(dossier(*forms, people=people), "2018").findings)
    assert not any(f.rule == "head-above-collective"
                   for f in check(dossier(*forms, people=people), "2023").findings)


def test_kind_of_subjects_from_the_forms() -> None:
    d = dossier(analysis(COLLECTIVE, T, form_id="2018/mau-04", default=Level.TOT))
    from rules.subjects import SubjectIndex

    assert SubjectIndex.build(d).subject_kind(COLLECTIVE) is SubjectKind.TAP_THE_LANH_DAO


def test_a_suggested_rating_under_review_is_no_evidence_against_other_forms() -> None:
    """A reader's best guess (kept for the reviewer, under an `unreadable` finding) must not turn
    into a confident accusation on another form."""
    guessed = self_review(AN, party_self=K)
    guessed.ratings["party_self"].confidence = 0.4
    rules = {f.rule for f in check(dossier(guessed, summary([(AN, {"self": H}, None)])), "2018").findings}
    assert "unreadable" in rules and "summary-vs-forms" not in rules
