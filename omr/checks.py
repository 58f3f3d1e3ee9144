"""Arithmetic the counts on a page must satisfy; a violation makes the counts involved unreadable.

A misread digit usually breaks one of these (7 read as 1, 3 as 8), so a count that contradicts
another is sent to a person rather than reported as a contradiction of the clerk's: the person
sees the crop and decides whether the form or the reading is wrong.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, MutableMapping
from dataclasses import replace
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)

VIOLATED_CONFIDENCE = 0.5
_LIKELY = 0.01  # a candidate reading less probable than this is not considered by `_holds`
_COVERED = 0.95  # … and the readings considered must hold this much of the count's probability
MINUTES_ROW = re.compile(r"^digits:row(\d+)\.votes\.(\w+)$")  # member slot, rating
SUMMARY_ROW = re.compile(r"^digits:row(\d+)\.branch\.(votes|present|total)$")


class HasNumber(Protocol):
    @property
    def value(self) -> str | int | None: ...

    @property
    def confidence(self) -> float: ...


R = TypeVar("R", bound=HasNumber)


def _number(values: MutableMapping[str, R], key: str) -> int | None:
    read = values.get(key)
    return read.value if read is not None and isinstance(read.value, int) else None


def _lower(values: MutableMapping[str, R], keys: list[str], why: str) -> None:
    for key in keys:
        if key in values:
            values[key] = replace(values[key], confidence=min(values[key].confidence, VIOLATED_CONFIDENCE))  # type: ignore[type-var]
    log.info("counts contradict each other", extra={"keys": keys, "why": why})


def _at_most(values: MutableMapping[str, R], small: str, large: str) -> None:
    a, b = _number(values, small), _number(values, large)
    if a is not None and b is not None and a > b:
        _lower(values, [small, large], f"{small} {a} > {large} {b}")


def check_minutes_header(values: MutableMapping[str, R]) -> None:
    """Biên bản kiểm phiếu: present ≤ total, issued ≥ returned ≥ valid, present + absent = total."""
    _at_most(values, "digits:present", "digits:total")
    _at_most(values, "digits:returned", "digits:issued")
    _at_most(values, "digits:valid", "digits:returned")
    total, present, absent = (_number(values, f"digits:{k}") for k in ("total", "present", "absent"))
    if None not in (total, present, absent) and present + absent != total:  # type: ignore[operator]
        _lower(values, ["digits:total", "digits:present", "digits:absent"], "present + absent != total")


def check_minutes_rows(values: MutableMapping[str, R], valid: int | None) -> None:
    """Each person's votes for the four ratings add up to at most the valid ballots."""
    if valid is None:
        return
    rows: dict[str, list[str]] = {}
    for key in values:
        match = MINUTES_ROW.match(key)
        if match:
            rows.setdefault(match.group(1), []).append(key)
    for keys in rows.values():
        counts = [_number(values, k) for k in keys]
        if sum(c for c in counts if c is not None) > valid:
            _lower(values, keys, f"votes {counts} > valid {valid}")


def check_summary_rows(values: MutableMapping[str, R]) -> None:
    """Mẫu 06: votes ≤ present ≤ total in every member row."""
    rows: set[str] = set()
    for key in values:
        match = SUMMARY_ROW.match(key)
        if match:
            rows.add(match.group(1))
    for row in rows:
        prefix = f"digits:row{row}.branch."
        _at_most(values, prefix + "votes", prefix + "present")
        _at_most(values, prefix + "present", prefix + "total")


def _holds(values: MutableMapping[str, R], small: str, large: str, review: float) -> bool:
    """small ≤ large holds whatever the unreadable one of the two reads: the other is read surely
    and every likely reading of the unreadable one (its candidates, `omr.results.Read`, at least
    `_LIKELY` probable, together nearly all of its probability) keeps the inequality."""
    sure = [k for k in (small, large) if values[k].confidence >= review]
    if len(sure) != 1 or not isinstance(values[sure[0]].value, int):
        return False
    unsure = large if sure[0] == small else small
    likely = [(v, p) for v, p in getattr(values[unsure], "candidates", ()) if p >= _LIKELY]
    if sum(p for _, p in likely) < _COVERED or any(v is None for v, _ in likely):
        return False
    known = values[sure[0]].value
    assert isinstance(known, int)
    return all(known <= v if unsure == large else v <= known for v, _ in likely if v is not None)


def unconfirmed_partners(values: MutableMapping[str, R], review: float, confirmed: Collection[str] = ()) -> None:
    """A count that a check depends on and that is unreadable leaves the check undecided: the other
    counts of that check (a minutes row's four votes; a Mẫu 06 row's votes and present; returned
    and valid) cannot be confirmed either and go to the person who looks at the unreadable one.
    An inequality that holds for every likely reading of the unreadable count is decided all the
    same (a present of 8 or 9 under votes of 6): its sure count keeps its confidence. So does a
    count the page's sums confirmed (`confirmed`, `omr.solve`): valid ballots that every row adds
    up to need no valid ≤ returned, a vote its row's sum pins needs no partner."""
    groups: dict[str, list[str]] = {"header": ["digits:returned", "digits:valid"]}
    for key in values:
        match = MINUTES_ROW.match(key)
        if match:
            groups.setdefault("m" + match.group(1), []).append(key)
        match = SUMMARY_ROW.match(key)
        if match and match.group(2) in ("votes", "present"):
            groups.setdefault("s" + match.group(1), []).append(key)
    for name, keys in groups.items():
        present = [k for k in keys if k in values]
        if not any(values[k].confidence < review for k in present):
            continue
        if name == "header" and len(present) == 2 and _holds(values, "digits:valid", "digits:returned", review):
            continue
        if name.startswith("s") and len(present) == 2:
            votes, count = sorted(present, key=lambda k: not k.endswith(".votes"))
            if _holds(values, votes, count, review):
                continue
        _lower(values, [k for k in present if k not in confirmed], "a count of the check is unreadable")
    _unchecked_totals(values, review)


def _unchecked_totals(values: MutableMapping[str, R], review: float) -> None:
    """Mẫu 06: present ≤ total cannot be checked when the total is unreadable; the present is left
    to a person too, unless the inequality holds for every likely total (`_holds`); an unreadable
    present does not lower the total, which the other rows confirm (`omr.solve.summary`). Every
    row has the same total (the branch's members): a total read surely that no other row reads
    surely too, and that another row cannot read (not among its likely readings), is left to a
    person; so are all of them when rows read different totals surely (one writer's digit may be
    misread alike in several rows)."""
    totals: list[str] = []
    for key in list(values):
        match = SUMMARY_ROW.match(key)
        if not match or match.group(2) != "present":
            continue
        total = f"digits:row{match.group(1)}.branch.total"
        if total not in values:
            continue
        totals.append(total)
        if values[total].confidence < review <= values[key].confidence and isinstance(values[key].value, int) \
                and not _holds(values, key, total, review):
            _lower(values, [key], "total unreadable: present ≤ total unchecked")
    written = [k for k in totals if _written(values[k])]
    sure = {k: v for k in written if values[k].confidence >= review and isinstance(v := values[k].value, int)}
    if len(set(sure.values())) > 1:
        _lower(values, written, "the rows' totals differ")
        return
    for key, value in sure.items():
        backed = any(v == value for k, v in sure.items() if k != key)
        if not backed and any(not _may_read(values[k], value) for k in written if k != key):
            _lower(values, [key], "no other row's total agrees")


def _written(read: HasNumber) -> bool:
    """A count read as a number or unreadable, not a sure blank."""
    return read.value is not None or any(v is not None for v, _ in getattr(read, "candidates", ()))


def _may_read(read: HasNumber, value: int) -> bool:
    """`value` is what `read` says, or one of its likely readings (at least `_LIKELY`)."""
    return read.value == value or any(v == value and p >= _LIKELY for v, p in getattr(read, "candidates", ()))
