"""Counts chosen together under the page's arithmetic (`omr.solve`) and the checks that leave the
rest of a sum to a person (`omr.checks`), on small synthetic candidate sets."""

from __future__ import annotations

import pytest

from omr import solve
from omr.checks import unconfirmed_partners
from omr.results import Read

Cells = dict[str, tuple[tuple[int | None, float], ...]]


def _rows(rows: list[tuple[int, int, int, int]]) -> Cells:
    cells: Cells = {}
    for r, votes in enumerate(rows):
        for column, v in zip(solve.VOTE_COLUMNS, votes, strict=True):
            cells[f"digits:row{r}.votes.{column}"] = ((v, 0.99),)
    return cells


def test_a_page_without_the_header_confirms_rows_that_add_up_alike() -> None:
    # A later page of the minutes: the valid ballots are on the first page, but every row still
    # adds up to the same number (7), which picks the 1 the classifier half took for a 7.
    cells = _rows([(4, 2, 1, 0), (5, 1, 1, 0), (3, 3, 1, 0)])
    cells["digits:row0.votes.htnv"] = ((7, 0.6), (1, 0.4))
    decisions = solve.minutes(cells, {})
    assert decisions["digits:row0.votes.htnv"] == solve.Decision(1, True)
    assert all(d.confirmed for d in decisions.values())
    assert "digits:valid" not in decisions


def test_a_lone_row_without_the_header_is_not_confirmed() -> None:
    # One row adds up to whatever its readings say: nothing to hold it to.
    cells = _rows([(4, 2, 1, 0)])
    cells["digits:row0.votes.htnv"] = ((7, 0.6), (1, 0.4))
    assert not any(d.confirmed for d in solve.minutes(cells, {}).values())


def test_rows_are_decided_by_the_valid_ballots_when_the_header_breaks_its_own_arithmetic() -> None:
    # 7 valid ballots of 5 returned: the clerk's header is wrong whatever its candidates, yet the
    # rows add up to 7, which settles the 1 the classifier half took for a 7.
    cells = _rows([(6, 1, 0, 0), (5, 1, 1, 0), (5, 2, 0, 0)])
    cells["digits:row1.votes.htnv"] = ((1, 0.6), (7, 0.4))
    header = {"total": 5, "present": 5, "absent": 0, "issued": 5, "returned": 5, "valid": 7}
    cells |= {f"digits:{k}": ((v, 0.97),) for k, v in header.items()}
    decisions = solve.minutes(cells, {})
    assert decisions["digits:row1.votes.htnv"] == solve.Decision(1, True)
    assert all(decisions[f"digits:row{r}.votes.{c}"].confirmed for r in range(3) for c in solve.VOTE_COLUMNS)
    # the header itself is left to a person: nothing there is confirmed
    assert not any(d.confirmed for k, d in decisions.items() if "row" not in k)


def test_a_broken_row_is_not_mended_with_a_far_less_likely_reading() -> None:
    # The clerk's row adds up to 9, not 7: reading its 5 as a 3 (five times less likely) would
    # make it fit, but a broken row is likelier than that misreading.
    cells = _rows([(4, 2, 1, 0), (5, 1, 1, 0), (3, 3, 1, 0), (3, 5, 1, 0)])
    cells["digits:row3.votes.httnv"] = ((5, 0.81), (3, 0.17), (6, 0.01))
    decisions = solve.minutes(cells, {}, valid=7)
    assert not decisions["digits:row3.votes.httnv"].confirmed
    assert decisions["digits:row0.votes.htxsnv"].confirmed
    # Nor with one three and a half times less likely (a plain 5 the classifier undersold).
    cells["digits:row3.votes.httnv"] = ((5, 0.77), (3, 0.22), (8, 0.01))
    assert not solve.minutes(cells, {}, valid=7)["digits:row3.votes.httnv"].confirmed
    # A comparable reading (within RIVAL) is still chosen by the sum.
    cells["digits:row3.votes.httnv"] = ((5, 0.6), (3, 0.4))
    assert solve.minutes(cells, {}, valid=7)["digits:row3.votes.httnv"] == solve.Decision(3, True)


def test_summary_total_is_witnessed_despite_blank_rows() -> None:
    cells: Cells = {}
    for r, (votes, present) in enumerate(((5, 6), (4, 5), (3, 6))):
        cells[f"digits:row{r}.branch.votes"] = ((votes, 0.99),)
        cells[f"digits:row{r}.branch.present"] = ((present, 0.99),)
        cells[f"digits:row{r}.branch.total"] = ((7, 0.99),)
    cells["digits:row2.branch.total"] = ((1, 0.7), (7, 0.3))
    for part in ("votes", "present", "total"):  # a blank member row
        cells[f"digits:row3.branch.{part}"] = ((None, 1.0),)
    sure: dict[str, int | None] = {"digits:row0.branch.total": 7, "digits:row3.branch.total": None}
    decisions = solve.summary(cells, sure)
    assert decisions["digits:row2.branch.total"] == solve.Decision(7, True, False)
    # Another total read surely elsewhere: the rows disagree, a person decides.
    assert not solve.summary(cells, {**sure, "digits:row1.branch.total": 8})


def _summary_row(present: Read) -> dict[str, Read]:
    return {"digits:row0.branch.votes": Read(6, 0.95, None), "digits:row0.branch.present": present}


def test_an_inequality_that_holds_for_every_likely_reading_keeps_the_sure_count() -> None:
    values = _summary_row(Read(None, 0.6, None, candidates=((8, 0.7), (9, 0.29), (3, 0.005))))
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.votes"].confidence >= 0.9
    # A likely present under the votes: the check is undecided, the votes go to a person too.
    values = _summary_row(Read(None, 0.6, None, candidates=((8, 0.7), (5, 0.3))))
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.votes"].confidence < 0.9
    # No candidates (a gap between digits): nothing is known of it.
    values = _summary_row(Read(None, 0.3, None))
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.votes"].confidence < 0.9


def test_a_minutes_row_with_an_unreadable_count_still_leaves_its_partners_to_a_person() -> None:
    values = {f"digits:row0.votes.{k}": Read(v, c, None, candidates=((v, 0.99),)) for k, v, c in
              (("htxsnv", 7, 0.99), ("httnv", 1, 0.5), ("htnv", 2, 0.99), ("khtnv", 0, 0.99))}
    unconfirmed_partners(values, 0.9)
    assert all(r.confidence < 0.9 for r in values.values())


def _summary(totals: list[Read], present: int = 4) -> dict[str, Read]:
    values: dict[str, Read] = {}
    for r, total in enumerate(totals):
        values[f"digits:row{r}.branch.votes"] = Read(3, 0.95, None, candidates=((3, 0.99),))
        values[f"digits:row{r}.branch.present"] = Read(present, 0.95, None, candidates=((present, 0.99),))
        values[f"digits:row{r}.branch.total"] = total
    return values


def test_a_present_over_every_likely_total_goes_to_a_person_with_the_unreadable_total() -> None:
    # The neighbour's 8 read into the present's first box: 88 cannot be under a total of 10 or 16.
    values = _summary([Read(None, 0.85, None, candidates=((10, 0.9), (16, 0.09)))], present=88)
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.present"].confidence < 0.9
    # A present under every likely total keeps its confidence.
    values = _summary([Read(None, 0.85, None, candidates=((10, 0.9), (16, 0.09)))], present=8)
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.present"].confidence >= 0.9


def test_a_total_no_other_row_can_read_goes_to_a_person() -> None:
    # One sure 6, and the other row's total is unreadable but likely 5 or 15: the 6 is suspect.
    lone = Read(6, 0.95, None, candidates=((6, 0.99), (5, 0.01)))
    values = _summary([lone, Read(None, 0.4, None, candidates=((5, 0.65), (15, 0.24)))])
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.total"].confidence < 0.9
    # Another row reads the same total surely: the two back each other.
    values = _summary([lone, Read(6, 0.95, None, candidates=((6, 0.99),)),
                       Read(None, 0.4, None, candidates=((5, 0.65), (15, 0.24)))])
    unconfirmed_partners(values, 0.9)
    assert values["digits:row0.branch.total"].confidence >= 0.9
    # Two rows read different totals surely: every total goes to a person.
    values = _summary([lone, Read(5, 0.95, None, candidates=((5, 0.99),)), Read(None, 0.97, None, candidates=((None, 1.0),))])
    unconfirmed_partners(values, 0.9)
    assert all(values[f"digits:row{r}.branch.total"].confidence < 0.9 for r in (0, 1))


@pytest.mark.parametrize(("votes", "vote_confidence", "result", "confirmed"), [
    ((6, 1, None, None), 0.95, "htxsnv", True),  # the votes' V.16 outcome: confirmed
    ((6, 1, None, None), 0.95, "httnv", False),  # a result against the votes stays with a person
    ((6, 1, None, None), 0.85, "htxsnv", False),  # unsure votes confirm nothing
    ((None, None, None, None), 0.97, "htxsnv", False),  # no votes at all: nothing to tell
])
def test_a_faint_minutes_result_is_confirmed_by_its_rows_sure_votes(
        votes: tuple[int | None, ...], vote_confidence: float, result: str, confirmed: bool) -> None:
    values = {f"digits:row2.votes.{c}": Read(v, vote_confidence, None) for c, v in zip(solve.VOTE_COLUMNS, votes, strict=True)}
    values["rating:row2.result"] = Read(result, 0.85, None)
    values["rating:row3.result"] = Read("htxsnv", 0.85, None)  # a row with no votes read
    solve.confirm_results(values, 0.9)
    assert values["rating:row2.result"].confidence == (solve.CONFIRMED if confirmed else 0.85)
    assert values["rating:row3.result"].confidence == 0.85


def _branch_row(votes: Read, present: Read, total: Read) -> dict[str, Read]:
    return {"digits:row2.branch.votes": votes, "digits:row2.branch.present": present, "digits:row2.branch.total": total}


@pytest.mark.parametrize(("candidates", "votes_confidence", "confirmed"), [
    (((10, 0.8), (70, 0.18), (16, 0.005)), 0.95, True),  # 70 of 10 members: no one writes that
    (((10, 0.6), (8, 0.3)), 0.95, False),  # 8 present under 9 votes: a clerk's slip, for a person
    (((10, 0.6), (11, 0.3)), 0.95, False),  # 11 of 10 members: likewise
    (((10, 0.45), (70, 0.5)), 0.95, False),  # the one reading in the span is not the likeliest
    (((10, 0.8), (70, 0.18)), 0.85, True),  # the votes unsure: the span runs from 0
    (((10, 0.6), (2, 0.3)), 0.85, False),  # … where 2 present is a reading too
])
def test_a_mau06_present_pinned_between_its_rows_votes_and_total(
        candidates: tuple[tuple[int, float], ...], votes_confidence: float, confirmed: bool) -> None:
    values = _branch_row(Read(9, votes_confidence, None), Read(None, 0.6, None, candidates=candidates),
                         Read(10, 0.95, None))
    solve.confirm_summary_spans(values, 0.9)
    present = values["digits:row2.branch.present"]
    assert (present.value, present.confidence) == ((10, solve.CONFIRMED) if confirmed else (None, 0.6))


@pytest.mark.parametrize(("votes", "present", "expected"), [
    # Votes "6" against "86" and "56" under a sure present of 8.
    (((6, 0.88), (86, 0.05), (56, 0.04)), ((8, 0.99),), 6),
    # Both unsure under a sure total of 10: the present is pinned to 10, then the votes under it.
    (((10, 0.96), (70, 0.04)), ((10, 0.94), (18, 0.03), (14, 0.02)), 10),
    # A "1" read as 7 too: both lie under the present, so the votes stay with a person.
    (((1, 0.92), (7, 0.08)), ((8, 0.99),), None),
    # 11 votes of 8 present is a clerk's slip, not a reading to set aside.
    (((6, 0.8), (11, 0.2)), ((8, 0.99),), None),
    # A blank is a likely reading: the votes may not have been written.
    (((6, 0.8), (None, 0.2)), ((8, 0.99),), None),
])
def test_mau06_votes_pinned_under_their_rows_present_or_total(
        votes: tuple[tuple[int | None, float], ...], present: tuple[tuple[int, float], ...],
        expected: int | None) -> None:
    values = _branch_row(Read(None, 0.5, None, candidates=votes),
                          Read(present[0][0], 0.5, None, candidates=present), Read(10, 0.95, None))
    solve.confirm_summary_spans(values, 0.9)
    read = values["digits:row2.branch.votes"]
    assert (read.value, read.confidence) == ((expected, solve.CONFIRMED) if expected is not None else (None, 0.5))
    assert values["digits:row2.branch.present"].value == present[0][0]


@pytest.mark.parametrize(("votes", "present"), [
    # 9 votes over a present of 8, both lowered by the check: either may be the misread one.
    (Read(9, 0.5, None, candidates=((9, 0.99),)), Read(8, 0.5, None, candidates=((8, 0.99),))),
    # Unread votes whose likely readings (11, 71) all break the row: 11 over 10 present is a slip.
    (Read(None, 0.5, None, candidates=((11, 0.7), (71, 0.3))), Read(10, 0.5, None, candidates=((10, 0.93), (70, 0.06)))),
    # Votes of 10 over a present read 9 or 8: the row is broken whichever reading is right.
    (Read(10, 0.5, None, candidates=((10, 0.91), (18, 0.05), (16, 0.02))),
     Read(None, 0.5, None, candidates=((9, 0.95), (8, 0.05)))),
])
def test_a_mau06_row_that_may_break_its_arithmetic_confirms_nothing(votes: Read, present: Read) -> None:
    values = _branch_row(votes, present, Read(10, 0.95, None))
    solve.confirm_summary_spans(values, 0.9)
    assert values["digits:row2.branch.votes"] == votes
    assert values["digits:row2.branch.present"] == present


@pytest.mark.parametrize(("key", "candidates", "confirmed"), [
    ("digits:end.hour", ((10, 0.95), (70, 0.04), (40, 0.003)), 10),  # no 70 o'clock
    ("digits:start.minute", ((13, 0.92), (73, 0.06), (83, 0.008)), 13),
    ("digits:end.hour", ((10, 0.93), (70, 0.03), (19, 0.024)), None),  # 19 h is a time too
    ("digits:end.minute", ((17, 0.68), (77, 0.24), (13, 0.04)), None),
    ("digits:start.hour", ((70, 0.6), (10, 0.3)), None),  # the one reading in range is not the likeliest
])
def test_a_time_the_clock_leaves_one_reading_of_is_confirmed(
        key: str, candidates: tuple[tuple[int, float], ...], confirmed: int | None) -> None:
    values = {key: Read(None, 0.6, None, candidates=candidates)}
    solve.confirm_clock(values, 0.9)
    assert (values[key].value, values[key].confidence) == ((confirmed, solve.CONFIRMED) if confirmed else (None, 0.6))
