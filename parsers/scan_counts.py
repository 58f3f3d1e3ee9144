"""The minutes' count lines ("- Số có mặt: 09 đồng chí"), found by their printed labels and read
again where the number is written, then decided together under the arithmetic they obey.

The page read garbles a handwritten number after a printed label. Each count line is found from
the page OCR's words (the label's words diacritic-folded, matched loosely), the region between the
label and the printed unit after it ("đồng chí", "phiếu"; else a few letter heights) is cut out,
and the number read there several ways (`scan_tally.digit_candidates`), with the page read's own
digits as one more reading. The counts are then chosen jointly: present ≤ total, present + absent
= total, issued ≥ returned ≥ valid, returned ≤ present, issued ≤ total, and valid the ballots the
vote rows add up to. A count is sure only when it was read, and the best consistent set leads
every set with another value for it by a clear margin.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from domain.text import fold
from ocr.tesseract import Word
from parsers.scan_tally import Support

SURE = 0.95
UNSURE = 0.5
MARGIN = 0.5  # normalised support the best set must lead any set with another value by
_TOP = 4
_MATCH = 0.8  # how alike the folded words must be to the label
_PAGE_READ_WEIGHT = 1.0  # the page read's digits weigh as one reading of the crop
_TIE = 0.05  # issued = present: a weak tie-breaker only
_AGREED = 5.0  # raw support a sure value needs: several readings agreeing, not one
_SHARE = 0.7  # … and this share of all the readings of its line
_READING = 1.0  # support of one reading: a count pinned by the others must have been read so once
_MOST = 999  # the largest count a line may hold
_SPLIT_SKIP = 2  # words of a label's middle ("đảng viên"), read or misread, that may open a split count line's second half

LABELS: dict[str, tuple[str, str]] = {  # key: (printed label, unit)
    "total": ("Tổng số đảng viên chính thức:", "đồng chí"),
    "present": ("Số có mặt:", "đồng chí"),
    "absent": ("Số vắng mặt:", "đồng chí"),
    "issued": ("Số phiếu phát ra:", "phiếu"),
    "returned": ("Số phiếu thu vào:", "phiếu"),
    "valid": ("Số phiếu hợp lệ:", "phiếu"),
}
_FOLDED = {k: fold(label).rstrip(":") for k, (label, _unit) in LABELS.items()}
_BULLETS = "-–+•*. "


@dataclass(frozen=True)
class CountLine:
    """A count line's label words, the words after them up to the printed unit (the number as the
    page read it), and the unit and what follows it."""

    key: str
    label: list[Word]
    value: list[Word]
    unit: list[Word]


def _key(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum() or ch == " ").strip()


def find_count_line(words: Sequence[Word]) -> CountLine | None:
    """The count label a line opens with (loosely: OCR confuses accents and letters), or None."""
    start = 0
    while start < len(words) and not words[start].text.strip(_BULLETS):
        start += 1
    best: tuple[float, str, int] | None = None
    for key, label in _FOLDED.items():
        n = len(label.split())
        for size in (n - 1, n, n + 1):
            if size < 1 or start + size > len(words):
                continue
            text = " ".join(_key(w.text) for w in words[start : start + size]).strip()
            score = SequenceMatcher(None, text, label).ratio()
            if score >= _MATCH and (best is None or score > best[0]):
                best = (score, key, start + size)
    if best is None:
        return None
    _, key, end = best
    # a word of the line above, pulled into this one by a tall handwritten number, can begin
    # over the label: only what begins after the label follows it
    label_end, height = words[end - 1].box[2], words[end - 1].box[3] - words[end - 1].box[1]
    rest = [w for w in words[end:] if w.box[0] >= label_end - height // 2]
    return _count_line(key, list(words[:end]), rest)


def _opening(words: Sequence[Word]) -> str | None:
    """The count label the words open with, told from the fewest first words that belong to one
    label only ("Tổng số", "Số có", "Số phiếu thu"), or None."""
    start = 0
    while start < len(words) and not words[start].text.strip(_BULLETS):
        start += 1
    for size in (2, 3):
        if start + size > len(words):
            return None
        text = " ".join(_key(w.text) for w in words[start : start + size])
        near = [k for k, label in _FOLDED.items()
                if SequenceMatcher(None, text, " ".join(label.split()[:size])).ratio() >= _MATCH]
        if len(near) == 1:
            return near[0]
        if not near:
            return None
    return None


def find_split_count_line(head: Sequence[Word], tail: Sequence[Word]) -> CountLine | None:
    """A count line the page read cut in two: `head` opens with a label (its middle words lost
    under a tall handwritten number) and `tail`, further right on the same line, opens with the
    label's last two words ("chính thức:"), or with its middle words before them, read or
    misread ("- Tống số" then "vn chính thức:" for "Tổng số đảng viên chính thức:", the "11"
    after it lost). None when they are not the two halves of one label."""
    key = _opening(head)
    if key is None:
        return None
    ending = " ".join(_FOLDED[key].split()[-2:])
    for skip in range(_SPLIT_SKIP + 1):
        said = tail[skip : skip + 2]
        if len(said) == 2 and SequenceMatcher(None, " ".join(_key(w.text) for w in said), ending).ratio() >= _MATCH:
            return _count_line(key, [*head[:1], *said], list(tail[skip + 2 :]))
    return None


def _count_line(key: str, label: list[Word], rest: list[Word]) -> CountLine:
    """The count line of `key`: its label's words, and what follows them split at the printed unit."""
    unit_words = _key(LABELS[key][1]).split()
    at = next((k for k, w in enumerate(rest) if _is_unit(w.text, unit_words)), len(rest))
    return CountLine(key, label, rest[:at], rest[at:])


def _is_unit(text: str, unit_words: list[str]) -> bool:
    folded = _key(text)
    return any(SequenceMatcher(None, folded, u).ratio() >= 0.75 for u in unit_words) and not any(
        ch.isdigit() for ch in text
    )


def page_digits(words: Sequence[Word]) -> Support:
    """The number the page read found after the label, as one weighted reading."""
    digits = "".join(ch for w in words for ch in w.text if ch.isdigit())
    if not 1 <= len(digits) <= 3:
        return {}
    confidence = min(w.confidence for w in words)
    return {int(digits): _PAGE_READ_WEIGHT * max(confidence, 0.1)}


@dataclass(frozen=True)
class CountDecision:
    value: int | None
    confidence: float


_RULES: list[tuple[str, str]] = [  # (a, b): a ≤ b
    ("present", "total"),
    ("absent", "total"),
    ("returned", "issued"),
    ("valid", "returned"),
    ("returned", "present"),
    ("issued", "total"),
]


def _normalised(s: Support) -> Support:
    total = sum(s.values())
    return {v: w / total for v, w in s.items()} if total > 0 else {}


def _fits(values: dict[str, int | None]) -> bool:
    for low, high in _RULES:
        va, vb = values.get(low), values.get(high)
        if va is not None and vb is not None and va > vb:
            return False
    p, a, t = values.get("present"), values.get("absent"), values.get("total")
    return p is None or a is None or t is None or p + a == t


def decide_counts(readings: dict[str, Support], sums: Support | None = None) -> dict[str, CountDecision]:
    """The count lines' values chosen together. `readings` holds each line's candidates (a line
    not found is absent), `sums` the vote rows' support for the valid ballots (each valid ballot
    rates every member, so every row adds up to it). A value is sure when it was read, and every
    consistent set with another value for it (or none) scores at least `MARGIN` less; read means
    several readings agree on it (`_AGREED`) and few say anything else (`_SHARE`)."""
    keys = sorted(readings)
    rows = _normalised(sums or {})
    options: list[list[tuple[int | None, float]]] = []
    for key in keys:
        own = _normalised(readings[key])
        ranked = sorted(own, key=lambda v: -own[v])[:_TOP]
        if key == "valid":
            ranked += [v for v in sorted(rows, key=lambda v: -rows[v])[:2] if v not in ranked]
        options.append([(v, own.get(v, 0.0)) for v in ranked] + [(None, 0.0)])
    scored: list[tuple[float, dict[str, int | None]]] = []
    for combo in itertools.product(*options):
        values = {k: v for k, (v, _) in zip(keys, combo, strict=True)}
        if not _fits(values):
            continue
        score = float(sum(w for _, w in combo))
        valid = values.get("valid")
        if valid is not None:
            score += rows.get(valid, 0.0)
        if values.get("issued") is not None and values.get("issued") == values.get("present"):
            score += _TIE
        scored.append((score, values))
    scored.sort(key=lambda s: -s[0])
    out: dict[str, CountDecision] = {}
    if not scored:
        return {k: CountDecision(None, 0.0) for k in keys}
    best_score, best = scored[0]
    for key in keys:
        value = best[key]
        other = max((s for s, v in scored if v[key] != value), default=None)
        read = False
        if value is not None:
            share = _normalised(readings[key]).get(value, 0.0)
            read = readings[key].get(value, 0.0) >= _AGREED and share >= _SHARE
        sure = read and (other is None or best_score - other >= MARGIN)
        out[key] = CountDecision(value, SURE if sure else UNSURE if value is not None else 0.0)
    _pin(out, readings)
    _pin_together(out, readings)
    return out


def _pin(decisions: dict[str, CountDecision], readings: dict[str, Support]) -> None:
    """Make sure (in place) the counts the sure ones leave a single possible value for, when that
    value is among the count's own readings: with 'Tổng số' 5 and 'Số vắng mặt' 0 read surely,
    'Số có mặt' can only be 5; with 5 valid ballots and 5 present, 5 were returned. A count so
    pinned may pin another in turn."""
    pinned = True
    while pinned:
        pinned = False
        fixed: dict[str, int | None] = {k: d.value for k, d in decisions.items() if d.confidence >= SURE}
        for key, decision in decisions.items():
            value = decision.value
            if key in fixed or value is None or readings[key].get(value, 0.0) < _READING:
                continue
            if _only_value(fixed, key) == value:
                decisions[key] = CountDecision(value, SURE)
                fixed[key] = value
                pinned = True


def _pin_together(decisions: dict[str, CountDecision], readings: dict[str, Support]) -> None:
    """Make sure (in place) the unsure counts the arithmetic settles together. Of the unsure counts'
    own readings, take the sets of values that fit the sure counts and the arithmetic: a count with
    one value in every such set, its best reading of those the sure counts allow, is settled, and
    sure when it is the only value the sure and the other settled counts leave it. With 'Số vắng
    mặt' 2 and 9 ballots issued and returned read surely, 'Tổng số' read 1, 11 or 77 and 'Số có
    mặt' 9, 8 or 99 can only be 11 and 9 (present ≥ 9, total = present + 2), whatever the valid
    ballots, read 9 and 8, turn out to be (dev `doc_0013` dimmed: "11" read "1" twice as often as
    "11"). Each such line agrees with the others through the arithmetic, so a misreading would have
    to fall on the one value the others allow, on every line at once. A line the sets leave more
    than one value (issued between returned and present; the valid ballots here) stays as it was."""
    fixed = {k: d.value for k, d in decisions.items() if d.confidence >= SURE}
    unsure = sorted(k for k, d in decisions.items() if d.confidence < SURE and readings[k])
    if not unsure:
        return
    choices = [[v for v, w in readings[k].items() if w >= _READING] for k in unsure]
    fitting = [dict(zip(unsure, combo, strict=True)) for combo in itertools.product(*choices)
               if _fits({**fixed, **dict(zip(unsure, combo, strict=True))})]
    if not fitting:
        return
    settled = {k: fitting[0][k] for k in unsure if all(f[k] == fitting[0][k] for f in fitting)
               and fitting[0][k] == decisions[k].value == _best_allowed(readings[k], fixed, k)}
    for key, value in settled.items():
        if _only_value({**fixed, **{k: v for k, v in settled.items() if k != key}}, key) == value:
            decisions[key] = CountDecision(value, SURE)


def _best_allowed(reading: Support, fixed: dict[str, int | None], key: str) -> int | None:
    """The line's best reading of those the sure counts allow it."""
    allowed = {v: w for v, w in reading.items() if _fits({**fixed, key: v})}
    return max(allowed, key=lambda v: allowed[v]) if allowed else None


def _only_value(others: dict[str, int | None], key: str) -> int | None:
    """The one value `key` may take beside the `others` under the arithmetic, None if not one."""
    possible = [v for v in range(_MOST + 1) if _fits({**others, key: v})]
    return possible[0] if len(possible) == 1 else None
