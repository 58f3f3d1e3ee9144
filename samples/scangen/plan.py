"""What a synthetic clerk writes on one page, and the truth the reader must give back.

Every answer group of the page (`omr.layout.groups`) gets a plan: which box is marked and how,
what else lands near it (a cancelled box, a scribble beside, a speck), or a deliberate oddity
(a blank required row, two marks, an ambiguous mark). The truth of a group is
`{"value": ..., "flag": bool, "how": ...}`: `flag` means the reader must send it to a person
(confidence < 0.9) rather than give any value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from domain.forms import FormDefinition
from domain.model import Rating
from omr.layout import Group, required, row_of
from rules.aggregation import aggregate

MARK_KINDS = ("tick", "cross", "circle", "dot", "overflow")


@dataclass
class Draw:
    """One thing to draw: `kind` on box `box` (a dict of the layout), or a digit."""

    kind: str
    box: dict[str, float]
    digit: int | None = None
    pencil: bool = False


@dataclass
class PagePlan:
    draws: list[Draw] = field(default_factory=list)
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Odds:
    """How often each oddity happens, per answer group."""

    double: float = 0.02
    ambiguous: float = 0.02
    blank_required: float = 0.02
    cancel_and_remark: float = 0.05
    scribble_beside: float = 0.03
    speck: float = 0.03
    pencil: float = 0.1
    bad_arithmetic: float = 0.03


# Share of rows where an optional column is left blank (Mẫu 06, Mẫu 02 ratings of later stages).
_OPTIONAL_BLANK = {"civil_servant": 0.5, "mass_org": 0.8, "manager": 0.5, "branch": 0.4, "committee": 0.4,
                   "civil_servant_self": 0.3}


def _raw(box: Any) -> dict[str, float]:
    return {"x": box.x, "y": box.y, "w": box.w, "h": box.h}


class Planner:
    def __init__(self, definition: FormDefinition, rng: np.random.Generator, odds: Odds, members: int) -> None:
        self.definition = definition
        self.rng = rng
        self.odds = odds
        self.members = members

    # -- choices ---------------------------------------------------------------------------

    def choice(self, group: Group, plan: PagePlan, *, ballot: bool = False, blank_share: float = 0.0) -> None:
        rng, odds = self.rng, self.odds
        boxes = list(group.boxes)
        need = required(group.key, self.definition)
        r = rng.random()
        if r < blank_share:
            plan.truth[group.key] = {"value": None, "flag": False, "how": "blank"}
            return
        r = rng.random()
        if need and r < odds.blank_required:
            plan.truth[group.key] = {"value": None, "flag": True, "how": "blank"}
            return
        r -= odds.blank_required if need else 0.0
        if r < odds.double:
            a, b = rng.choice(len(boxes), 2, replace=False)
            for k in (a, b):
                plan.draws.append(Draw(str(rng.choice(MARK_KINDS[:3])), _raw(boxes[k])))
            # A ballot row with two marks is a spoilt row, a clean reading; elsewhere a person decides.
            plan.truth[group.key] = {"value": None, "flag": not ballot, "how": "double"}
            return
        r -= odds.double
        if r < odds.ambiguous:
            k = int(rng.integers(len(boxes)))
            plan.draws.append(Draw("tiny" if rng.random() < 0.5 else "half_fill", _raw(boxes[k])))
            plan.truth[group.key] = {"value": None, "flag": True, "how": "ambiguous"}
            return
        k = int(rng.integers(len(boxes)))
        kind = str(rng.choice(MARK_KINDS))
        plan.draws.append(Draw(kind, _raw(boxes[k]), pencil=rng.random() < odds.pencil))
        how = kind
        others = [j for j in range(len(boxes)) if j != k]
        extra = rng.random()
        if extra < odds.cancel_and_remark:
            plan.draws.append(Draw("fill", _raw(boxes[int(rng.choice(others))])))
            how += "+cancelled"
        elif extra < odds.cancel_and_remark + odds.scribble_beside:
            plan.draws.append(Draw("scribble_beside", _raw(boxes[int(rng.choice(others))])))
            how += "+scribble"
        elif extra < odds.cancel_and_remark + odds.scribble_beside + odds.speck:
            plan.draws.append(Draw("speck", _raw(boxes[int(rng.choice(others))])))
            how += "+speck"
        plan.truth[group.key] = {"value": group.choice(boxes[k]), "flag": False, "how": how}

    # -- numbers ---------------------------------------------------------------------------

    def number(self, group: Group, value: int | None, plan: PagePlan, *, flag: bool = False) -> None:
        """Write `value` into the digit boxes: right-aligned, sometimes with leading zeros."""
        boxes = list(group.boxes)
        if value is None:
            plan.truth[group.key] = {"value": None, "flag": flag, "how": "blank"}
            return
        text = str(value)
        if len(text) < len(boxes) and self.rng.random() < 0.3:
            text = text.zfill(len(boxes))
        start = len(boxes) - len(text)
        for box, ch in zip(boxes[start:], text, strict=True):
            plan.draws.append(Draw("digit", _raw(box), digit=int(ch)))
        plan.truth[group.key] = {"value": value, "flag": flag, "how": "digits"}


def plan_page(definition: FormDefinition, page_groups: list[Group], slots: tuple[str, ...],
              rng: np.random.Generator, odds: Odds) -> PagePlan:
    """The plan of a whole page: fixed answers, then member rows (real members only)."""
    members = sum(1 for s in slots if s)
    planner = Planner(definition, rng, odds, max(members, 1))
    plan = PagePlan()
    by_row: dict[int, list[Group]] = {}
    for group in page_groups:
        row = row_of(group.key)
        if row is None:
            continue
        by_row.setdefault(row, []).append(group)
    fixed = [g for g in page_groups if row_of(g.key) is None]
    if definition.kind.value == "minutes":
        _minutes_header(planner, fixed, plan)
    else:
        for group in fixed:
            field_name = group.key.split(":", 1)[1]
            if group.kind == "digits":
                planner.number(group, int(rng.integers(0, 10 ** len(group.boxes))), plan)
            else:
                planner.choice(group, plan, blank_share=_OPTIONAL_BLANK.get(field_name, 0.0))
    for row, row_groups in sorted(by_row.items()):
        if row < len(slots) and slots[row]:
            _member_row(planner, definition.kind.value, row_groups, plan)
    return plan


def _minutes_header(planner: Planner, groups: list[Group], plan: PagePlan) -> None:
    rng = planner.rng
    total = planner.members
    present = total - int(rng.integers(0, 3))
    returned = present - int(rng.integers(0, 2))
    valid = returned - int(rng.integers(0, 2))
    start = int(rng.integers(7, 10))
    values = {
        "start.hour": start, "start.minute": int(rng.integers(0, 60)),
        "end.hour": start + int(rng.integers(1, 3)), "end.minute": int(rng.integers(0, 60)),
        "total": total, "present": present, "absent": total - present,
        "issued": present, "returned": returned, "valid": valid,
    }
    bad = rng.random() < planner.odds.bad_arithmetic
    if bad:  # more ballots counted valid than were returned
        values["valid"] = returned + int(rng.integers(1, 3))
    plan.truth["_valid"] = {"value": values["valid"], "flag": False, "how": "context"}
    for group in groups:
        name = group.key.split(":", 1)[1]
        planner.number(group, values.get(name), plan, flag=bad and name in ("returned", "valid"))


def _member_row(planner: Planner, kind: str, groups: list[Group], plan: PagePlan) -> None:
    rng = planner.rng
    if kind == "ballot":
        for group in groups:
            planner.choice(group, plan, ballot=True, blank_share=0.04)
        return
    choices = [g for g in groups if g.kind != "digits"]
    numbers = {g.key.rsplit(".", 1)[1]: g for g in groups if g.kind == "digits"}
    for group in choices:
        column = group.key.rsplit(".", 1)[1]
        planner.choice(group, plan, blank_share=_OPTIONAL_BLANK.get(column, 0.05) if kind == "summary" else 0.0)
    bad = rng.random() < planner.odds.bad_arithmetic
    if kind == "summary":
        result = next((plan.truth.get(g.key, {}).get("value") for g in choices if g.key.endswith(".branch")), None)
        total = planner.members
        present = total - int(rng.integers(0, 3))
        votes = present - int(rng.integers(0, 4))
        if bad:
            votes = present + int(rng.integers(1, 3))
        values = {"votes": votes, "present": present, "total": total} if result else {}
        for part, group in numbers.items():
            planner.number(group, values.get(part), plan, flag=bad and bool(values) and part in ("votes", "present"))
        return
    valid = int(plan.truth.get("_valid", {}).get("value") or planner.members)
    shares = rng.dirichlet([4.0, 2.0, 1.0, 0.3])
    counts = np.floor(shares * valid).astype(int)
    counts[int(np.argmax(shares))] += valid - int(counts.sum())
    if bad:
        counts[0] += int(rng.integers(2, 4))
    per_rating = dict(zip(("htxsnv", "httnv", "htnv", "khtnv"), (int(c) for c in counts), strict=True))
    for part, group in numbers.items():
        count = per_rating[part]
        planner.number(group, None if count == 0 and rng.random() < 0.3 else count, plan, flag=bad)
    result_group = next(g for g in choices if g.key.endswith(".result"))
    aggregated = aggregate({Rating(k): v for k, v in per_rating.items()}).result
    truth = plan.truth.get(result_group.key)
    if truth is not None and truth["value"] is not None and aggregated is not None:
        # Write the result the votes give (the planner's random choice is replaced).
        plan.draws = [d for d in plan.draws if not _in_group(d, result_group)]
        box = next(b for b in result_group.boxes if b.id.endswith(":" + aggregated.value))
        plan.draws.append(Draw(str(rng.choice(MARK_KINDS)), _raw(box)))
        plan.truth[result_group.key] = {"value": aggregated.value, "flag": False, "how": "result"}


def _in_group(draw: Draw, group: Group) -> bool:
    return any(abs(draw.box["x"] - b.x) < 1e-6 and abs(draw.box["y"] - b.y) < 1e-6 for b in group.boxes)
