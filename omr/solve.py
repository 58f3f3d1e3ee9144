"""The counts of a page chosen together: the likeliest readings that satisfy its arithmetic.

`omr.checks` can only refuse counts that contradict each other; here the arithmetic confirms.
Every count keeps its likeliest readings (`Read.candidates`); the combination of readings that
satisfies every constraint of the page with the highest joint probability is chosen, and a count
is confirmed only when the best consistent combination that reads it otherwise is far less
likely (a margin in log-probability) and the chosen reading was one of its own likeliest. A
misread digit (1 read as 4, 0 as 6) breaks a sum, so the sum picks the other candidate; two
combinations that both add up leave the count to a person.

Biên bản kiểm phiếu: each row's four votes add up to the valid ballots (every valid ballot rates
every member; a row that does not add up with any of its candidates, a blank vote on real
minutes, is left to a person at a cost, `OUTLIER`, and does not refuse the rest of the page), valid ≤ returned ≤ issued, present ≤ total, present + absent =
total, and a result marked confidently is the V.16 outcome of the row's votes
(`rules.aggregation.aggregate`). A page after the first has no header: its rows still add up
to one number, the valid ballots, which the rows choose together; so do the rows of a page whose
valid ballots cannot be read, or whose header breaks its own arithmetic (the header then goes to
a person). A count with no reading at all leaves out only its row, or itself from the header.
Mẫu 06: votes ≤ present ≤ total, the total the same in every row of the page; a row's present
and votes are confirmed together when only one combination of their likely readings fits that
chain and none comes near it, where a clerk's slip would be (`confirm_summary_spans`).

Only counts an equality pins down are confirmed (a row's votes, valid, total / present / absent
when absent is written, Mẫu 06 total), or a span leaves one likely reading of (a Mẫu 06 present or
votes, a meeting time); the others keep the confidence their own
reading gave, and lose it when the chosen combination reads them otherwise.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from domain.model import Rating
from omr.checks import MINUTES_ROW, SUMMARY_ROW, HasNumber, R
from omr.choices import REVIEW
from rules.aggregation import aggregate

Candidates = tuple[tuple[int | None, float], ...]
CONFIRMED = 0.95  # a count the page's arithmetic confirms among its candidates
RESULT_FLOOR = 0.8  # a minutes result read at least this surely may be confirmed by its row's votes
BOUNDED_OWN = 0.5  # a count pinned to a span (a Mẫu 06 present, a time) is at least this likely
NEAR_SLIP = 3  # … and no other reading lies within this of a present's span: a clerk's slip would be there
_LIKELY_SLIP = 0.01  # readings less likely than this are not considered
UNCONFIRMED = 0.85  # a count the arithmetic pins down but does not confirm
MARGIN = math.log(50.0)  # the best consistent combination beats any reading the count otherwise by this
LEAST_OWN = 0.02  # a reading less probable than this on its own is not confirmed by arithmetic
# A clerk's row that does not add up (a blank vote, a slip) is not rare: 14 of 560 rows on the
# own-forms benchmark. A reading other than the count's likeliest that makes such a row add up
# is confirmed only when it is CORRECTION_ODDS times likelier than the row being broken as read,
# own · (1 − BROKEN_ROW) ≥ CORRECTION_ODDS · BROKEN_ROW · likeliest: hence RIVAL (3). The
# classifier undersells some clear digits: at odds of 10 (RIVAL about 4), a plain "5" read at 0.77
# with "3" at 0.22 was turned into 3, for sure, to make a clerk's broken row add up. At 20 (RIVAL
# about 2) a thick 1 read as 4 at 0.7 is no longer mended, and counts review rises 0.4 points on
# the own-forms benchmark; 13 keeps the one and refuses the other.
BROKEN_ROW = 0.025
CORRECTION_ODDS = 13.0
RIVAL = (1 - BROKEN_ROW) / (CORRECTION_ODDS * BROKEN_ROW)  # … nor one this many times less probable than the likeliest
OUTLIER = math.log(1e-6)  # what a row that cannot add up costs the combination
_HEADER_CANDIDATES = 3
_ROW_CANDIDATES = 4
_LEAST_FITTING = 2  # without the valid ballots, rows confirm each other only when this many add up alike
_INF = float("-inf")
VOTE_COLUMNS = ("htxsnv", "httnv", "htnv", "khtnv")
_RESULT = re.compile(r"^rating:row(\d+)\.result$")
_CLOCK = re.compile(r"^digits:(?:start|end)\.(hour|minute)$")


@dataclass(frozen=True)
class Decision:
    """What the arithmetic makes of one count: the reading chosen, and whether it is confirmed."""

    value: int | None
    confirmed: bool
    pinned: bool = True  # an equality constrains it: unconfirmed, it goes to a person


def _log(p: float) -> float:
    return math.log(max(p, 1e-12))


def _top(candidates: Candidates, n: int) -> list[tuple[int | None, float]]:
    return [(v, _log(p)) for v, p in candidates[:n]]


def _own(candidates: Candidates, value: int | None) -> float:
    return next((p for v, p in candidates if v == value), 0.0)


def _plausible(candidates: Candidates, value: int | None) -> bool:
    """The reading is one of the count's own likeliest: at least LEAST_OWN probable and not far
    behind its best reading (arithmetic may correct a doubtful digit, not overrule a sure one)."""
    own = _own(candidates, value)
    return own >= LEAST_OWN and own * RIVAL >= candidates[0][1]


def minutes(cells: Mapping[str, Candidates], results: Mapping[int, Rating],
            valid: int | None = None) -> dict[str, Decision]:
    """Decisions for the counts of a minutes page. `cells`: the candidates of every count read
    (`digits:valid`, `digits:row3.votes.htnv`…); `results`: the rows whose result was read
    confidently; `valid`: the valid ballots when the header is on another page (confirmed
    there). An empty answer: no consistent combination, nothing confirmed."""
    # A count with no reading at all (ink that makes no digit) constrains nothing: it stays with a
    # person, its row is left out of the combination, and the header is checked without it (the
    # rows still choose the valid ballots together when it is the one unreadable).
    cells = {k: c for k, c in cells.items() if c}
    header_keys = [f"digits:{k}" for k in ("total", "present", "absent", "issued", "returned", "valid")]
    header_keys = [k for k in header_keys if k in cells]
    rows: dict[int, dict[str, str]] = {}
    for key in cells:
        match = MINUTES_ROW.match(key)
        if match and match.group(2) in VOTE_COLUMNS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = key
    # A row whose boxes are all surely empty is no member's row.
    rows = {r: keys for r, keys in rows.items()
            if len(keys) == len(VOTE_COLUMNS) and not all(cells[k] == ((None, 1.0),) for k in keys.values())}
    # A later page, or the valid ballots unreadable: every row still adds up to the same number.
    # Other header counts without the valid ballots are left to their own readings.
    free = "digits:valid" not in cells and valid is None
    if free:
        header_keys = []

    # Header combinations: (log-probability, values).
    headers: list[tuple[float, dict[str, int | None]]] = []
    broken_header = False
    if "digits:valid" in cells:
        options = [_top(cells[k], _HEADER_CANDIDATES) for k in header_keys]
        for combo in itertools.product(*options):
            chosen = {k: v for k, (v, _) in zip(header_keys, combo, strict=True)}
            if _header_consistent(chosen):
                headers.append((sum(lp for _, lp in combo), chosen))
        if not headers:
            # The clerk's header breaks its own arithmetic (7 valid of 5 returned) whatever its
            # candidates: a person looks at it. The rows still add up to the valid ballots and
            # are decided by them; the header counts keep their own readings.
            header_keys, broken_header = ["digits:valid"], True
            headers = [(lp, {"digits:valid": v}) for v, lp in _top(cells["digits:valid"], _HEADER_CANDIDATES)]
    elif not free:
        headers.append((0.0, {"digits:valid": valid}))

    # Row combinations by their sum: per row, sum → [(log-probability, values)].
    row_combos: dict[int, dict[int, list[tuple[float, tuple[int | None, ...]]]]] = {}
    for r, keys in rows.items():
        options = [_top(cells[keys[c]], _ROW_CANDIDATES) for c in VOTE_COLUMNS]
        by_sum: dict[int, list[tuple[float, tuple[int | None, ...]]]] = {}
        result = results.get(r)
        for combo in itertools.product(*options):
            votes = tuple(v for v, _ in combo)
            if result is not None and _outcome(votes) is not result:
                continue
            total = sum(v or 0 for v in votes)
            by_sum.setdefault(total, []).append((sum(lp for _, lp in combo), votes))
        row_combos[r] = by_sum
    if free:  # every sum some row can make, equally likely a priori
        headers = [(0.0, {"digits:valid": v}) for v in sorted({v for by_sum in row_combos.values() for v in by_sum})
                   if v > 0]

    def row_best(r: int, total: int, column: int | None = None, avoid: int | None = None) -> float:
        best = _INF
        for lp, votes in row_combos[r].get(total, ()):
            if column is not None and votes[column] == avoid:
                continue
            best = max(best, lp)
        return best

    def fitted(r: int, total: int, column: int | None = None, avoid: int | None = None) -> float:
        """A row that adds up to `total` with none of its candidates costs OUTLIER and stays
        unconfirmed (a blank vote on real minutes, a clerk's slip, a digit misread beyond its
        candidates); it does not refuse the rest of the page."""
        return max(row_best(r, total, column, avoid), OUTLIER)

    sums: dict[int, float] = {}  # valid → best of all rows for it
    for v in {h["digits:valid"] for _, h in headers if h["digits:valid"] is not None}:
        assert v is not None
        sums[v] = sum(fitted(r, v) for r in rows)

    def score(h: dict[str, int | None], lp: float) -> float:
        v = h["digits:valid"]
        return _INF if v is None else lp + sums.get(v, _INF)

    scored = [(score(h, lp), lp, h) for lp, h in headers]
    if not scored:
        return {}
    best, _, header = max(scored, key=lambda s: s[0])
    if best == _INF:
        return {}
    v_best = header["digits:valid"]
    assert v_best is not None
    decisions: dict[str, Decision] = {}
    # Valid is pinned by the rows' sums: only when most rows add up to it.
    fitting = sum(row_best(r, v_best) > OUTLIER for r in rows)
    pinned = {"digits:valid"} if fitting > len(rows) - fitting and not broken_header else set()
    if header.get("digits:absent") is not None:
        pinned |= {"digits:total", "digits:present", "digits:absent"}
    for key in header_keys:
        value = header[key]
        alternative = max((s for s, _, h in scored if h[key] != value), default=_INF)
        confirmed = key in pinned and best - alternative >= MARGIN and _plausible(cells[key], value)
        decisions[key] = Decision(value, confirmed, key in pinned)
    best_header = {v: max((lp for lp, h in headers if h["digits:valid"] == v), default=_INF) for v in sums}
    for r, keys in rows.items():
        votes_chosen = max(row_combos[r][v_best], key=lambda c: c[0])[1] if row_best(r, v_best) > OUTLIER else None
        # A row that adds up only through a reading its count does not make plausible is broken as
        # written (a clerk's slip, a blank vote): none of its counts is confirmed by the sum.
        if votes_chosen is None or (free and fitting < _LEAST_FITTING) or not all(
                _plausible(cells[keys[name]], v) for name, v in zip(VOTE_COLUMNS, votes_chosen, strict=True)):
            for name in VOTE_COLUMNS:
                decisions[keys[name]] = Decision(cells[keys[name]][0][0], False)
            continue
        others = {v: sums[v] - fitted(r, v) for v in sums}
        for column, name in enumerate(VOTE_COLUMNS):
            value = votes_chosen[column]
            alternative = max((best_header[v] + others[v] + fitted(r, v, column, value) for v in sums),
                              default=_INF)
            decisions[keys[name]] = Decision(value, best - alternative >= MARGIN)
    return decisions


def confident_results(values: Mapping[str, HasNumber]) -> dict[int, Rating]:
    """The minutes rows whose result was read confidently, by row."""
    out: dict[int, Rating] = {}
    for key, read in values.items():
        match = _RESULT.match(key)
        if match and isinstance(read.value, str) and read.confidence >= REVIEW \
                and read.value in Rating._value2member_map_:
            out[int(match.group(1))] = Rating(read.value)
    return out


def confirm_results(values: dict[str, R], review: float) -> None:
    """A minutes result read as the one mark of its row but less than surely (a faint or smudged
    mark: `omr.choices` gives it `RESULT_FLOOR`–`review`), confirmed when it is the V.16 outcome of
    the row's four votes, all read surely: the votes tell the same rating. To be wrong it would
    take a clerk marking a result against the votes and that mark misread as exactly their outcome."""
    votes: dict[int, dict[str, R]] = {}
    for key, read in values.items():
        match = MINUTES_ROW.match(key)
        if match:
            votes.setdefault(int(match.group(1)), {})[match.group(2)] = read
    for key, read in list(values.items()):
        match = _RESULT.match(key)
        if not match or not isinstance(read.value, str) or not RESULT_FLOOR <= read.confidence < review:
            continue
        row = votes.get(int(match.group(1)), {})
        if not all(c in row and row[c].confidence >= review and not isinstance(row[c].value, str)
                   for c in VOTE_COLUMNS):
            continue
        counts = [n if isinstance(n := row[c].value, int) else None for c in VOTE_COLUMNS]
        outcome = _outcome(counts) if any(counts) else None
        if outcome is not None and outcome.value == read.value:
            values[key] = replace(read, confidence=CONFIRMED)  # type: ignore[type-var]


def confirm_summary_spans(values: dict[str, R], review: float) -> None:
    """A Mẫu 06 row's present and votes read unsurely, confirmed by votes ≤ present ≤ total.

    The row's unsure counts are read together: every combination of their likely readings
    (`Read.candidates`, at least `_LIKELY_SLIP`), the sure counts as read, is a consistent row, a
    slip (the chain broken by at most `NEAR_SLIP`: 8 present under 9 votes, 11 of 10 members, or
    a count left blank) or impossible (broken further: 70 present of 10 members is no one's
    writing). The counts are confirmed only when a single combination is not impossible, it is
    consistent, and each of its readings is its count's likeliest by far (at least `BOUNDED_OWN`):
    votes "10" against "70" and a present "10" against "18", under a total of 10. A slip among the
    combinations is a clerk's broken row the rules must see, so the row stays with a person. An
    unsure count with no readings at all (a gap between digits) is skipped in the chain and never
    confirmed; nor is an unsure total, which only the other rows confirm (`summary`)."""
    rows: dict[int, dict[str, R]] = {}
    for key, read in values.items():
        match = SUMMARY_ROW.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = read
    for r, row in rows.items():
        chain = [row.get(k) for k in ("votes", "present", "total")]
        numbers = [link.value if link is not None else None for link in chain]
        if any(isinstance(a, int) and isinstance(b, int) and a > b for a, b in itertools.pairwise(numbers)):
            continue  # the row breaks its arithmetic as read: a misread or a slip, for a person
        sure = [link.value if link is not None and link.confidence >= review and isinstance(link.value, int) else None
                for link in chain]
        options: list[list[tuple[int | None, float]] | None] = []  # None: a link of the chain unknown
        for link, value in zip(chain, sure, strict=True):
            if link is None:
                options.append(None)
            elif value is not None:
                options.append([(value, 1.0)])
            else:
                likely = [(v, p) for v, p in getattr(link, "candidates", ()) if p >= _LIKELY_SLIP]
                options.append(likely or None)
        # the total is the rows' to confirm (`summary`)
        unsure = [i for i in range(2) if chain[i] is not None and options[i] is not None and sure[i] is None]
        if not unsure:
            continue
        known = [i for i, o in enumerate(options) if o is not None]
        possible = []
        for combo in itertools.product(*(options[i] or () for i in known)):
            broken = _chain_break([v for v, _ in combo])
            if broken <= NEAR_SLIP:
                possible.append((broken, dict(zip(known, combo, strict=True))))
        if len(possible) != 1 or possible[0][0] != 0:
            continue
        chosen = possible[0][1]
        if any(chosen[i][1] < BOUNDED_OWN for i in unsure):
            continue
        for i in unsure:
            key = f"digits:row{r}.branch.{('votes', 'present', 'total')[i]}"
            values[key] = replace(values[key], value=chosen[i][0], confidence=CONFIRMED)  # type: ignore[type-var]


def _chain_break(chain: list[int | None]) -> int:
    """How far counts that must not decrease along `chain` break it (0: they hold); a blank
    within it counts as a slip, just within `NEAR_SLIP`."""
    if any(v is None for v in chain):
        return NEAR_SLIP
    numbers = [v for v in chain if v is not None]
    return max([0, *(a - b for a, b in itertools.pairwise(numbers))])


def confirm_clock(values: dict[str, R], review: float) -> None:
    """The minutes' start and end times read unsurely: an hour is at most 23, a minute at most 59,
    so a reading the only likely one in that range is the time ("10" against "70" for an hour).
    Any other likely reading in range leaves it to a person."""
    for key, read in list(values.items()):
        match = _CLOCK.match(key)
        if match and read.confidence < review:
            _confirm_pinned(values, key, 0, 23 if match.group(1) == "hour" else 59, 0)


def _confirm_pinned(values: dict[str, R], key: str, low: int, high: int, slack: int) -> None:
    """`values[key]` confirmed as its one likely reading in [low, high] when that reading is at
    least `BOUNDED_OWN` likely and no other likely reading (or a blank) lies within `slack` of
    the span."""
    read = values[key]
    likely = [(v, p) for v, p in getattr(read, "candidates", ()) if p >= _LIKELY_SLIP]
    near = [(v, p) for v, p in likely if v is None or low - slack <= v <= high + slack]
    if len(near) == 1 and (value := near[0][0]) is not None and low <= value <= high and near[0][1] >= BOUNDED_OWN:
        values[key] = replace(read, value=value, confidence=CONFIRMED)  # type: ignore[type-var]


def _header_consistent(h: Mapping[str, int | None]) -> bool:
    def n(key: str) -> int | None:
        return h.get(f"digits:{key}")

    total, present, absent = n("total"), n("present"), n("absent")
    issued, returned, valid = n("issued"), n("returned"), n("valid")
    if valid is None:
        return False
    if total is not None and present is not None:
        if present > total:
            return False
        if absent is not None and present + absent != total:
            return False
    if returned is not None and valid > returned:
        return False
    return not (issued is not None and returned is not None and returned > issued)


def _outcome(votes: Iterable[int | None]) -> Rating | None:
    return aggregate({Rating(c): v or 0 for c, v in zip(VOTE_COLUMNS, votes, strict=True)}).result


def summary(cells: Mapping[str, Candidates], sure: Mapping[str, int | None]) -> dict[str, Decision]:
    """Decisions for Mẫu 06 totals: the branch's official members, the same in every row that has
    them, at least the row's likeliest present. The present is not taken as shared: members may be
    rated at different sittings of the branch, so only votes ≤ present ≤ total holds for it
    (`omr.checks`). A total is confirmed only with
    two rows or more, not in a row whose likeliest present exceeds it, and only when a row read
    that value surely on its own (`sure`: the counts read confidently before the arithmetic) and
    none surely read another: one writer's digits are misread alike in every row (1 as 8 in each
    "10"), so agreement between the rows' candidates alone proves nothing. Only confirmed counts
    are answered: the others keep the confidence of their own reading."""
    rows: dict[int, dict[str, Candidates]] = {}
    for key, candidates in cells.items():
        match = SUMMARY_ROW.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = candidates
    rows = {r: parts for r, parts in rows.items()
            if all(parts.get(p) for p in ("votes", "present", "total")) and parts["total"][0][0] is not None}
    if len(rows) < 2:
        return {}
    options = {v for parts in rows.values() for v, _ in parts["total"][:_HEADER_CANDIDATES] if v is not None}
    scored = [(sum(_log(_own(parts["total"], t)) for parts in rows.values()), t) for t in options]
    best, t_best = max(scored)
    alternative = max((s for s, t in scored if t != t_best), default=_INF)
    # Blank rows' surely empty totals are not readings of another total.
    seen = {v for k, v in sure.items() if k.endswith(".branch.total") and k in cells and v is not None}
    witnessed = seen == {t_best}
    decisions: dict[str, Decision] = {}
    for r, parts in rows.items():
        present = parts["present"][0][0]
        fits = present is not None and present <= t_best
        confirmed = fits and witnessed and best - alternative >= MARGIN and _plausible(parts["total"], t_best)
        decisions[f"digits:row{r}.branch.total"] = Decision(t_best, confirmed, False)
    return {k: d for k, d in decisions.items() if d.confirmed}


def confirmed(decisions: Mapping[str, Decision]) -> set[str]:
    """The counts the arithmetic confirmed."""
    return {key for key, decision in decisions.items() if decision.confirmed}


def apply(values: dict[str, R], decisions: Mapping[str, Decision], confirmed: float, unsure: float) -> None:
    """The decisions written into the page's reads: a confirmed count takes the chosen reading at
    `confirmed` confidence at least; an unconfirmed pinned count is at most `unsure`; another
    count read otherwise than the chosen combination is at most `unsure` too."""
    for key, decision in decisions.items():
        read = values.get(key)
        if read is None:
            continue
        if decision.confirmed:
            values[key] = replace(read, value=decision.value,  # type: ignore[type-var]
                                  confidence=max(read.confidence, confirmed))
        elif decision.pinned or decision.value != read.value:
            values[key] = replace(read, confidence=min(read.confidence, unsure))  # type: ignore[type-var]
