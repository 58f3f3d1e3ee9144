"""Which printed row of a scanned criteria grid is which, by aligning the grid to the form.

A form definition fixes the order of its grid's rows: section headings (I, II …) and criteria
(1, 2 … under a section, or a section that is a criterion itself). The TT cell alone is a weak
witness on a scan (a bold 'III' or a faint '3' is often unreadable), but the row's label is
printed text that OCR reads well. Each data row of the grid is matched to the expected rows of
every criteria form in a monotone alignment (dynamic programming) that scores the label (fuzzy,
diacritic-folded) and the TT reading (by its confidence) together; the form that aligns best is
taken when its labels bear it out. A row is assigned its printed number for sure only when the
alignment is unambiguous: its label matches that expected row clearly better than any other, or
its TT cell reads that number for sure, and nothing read for sure contradicts it. Any other
aligned row gets the expected number with a low confidence, so that a person checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from domain.forms import FormDefinition
from domain.text import fold

SURE = 0.92  # confidence of a row identified by label or number
UNSURE = 0.5  # confidence of a row placed by position only
LABEL_OK = 80  # label similarity (0–100) that identifies a row
LABEL_MARGIN = 10  # … by this much more than any other expected row
NUMBER_OK = 0.8  # TT confidence that identifies a row
MIN_LABELS = 2  # rows identified by label before a form's alignment is trusted
_SKIP_ROW = -0.3  # a grid row the form does not print (a label continued, a stray row)
_SKIP_EXPECTED = -0.6  # an expected row the grid does not show


@dataclass(frozen=True)
class RowCue:
    """What a data row of the grid shows: its TT reading and its label as OCR read them."""

    number: str
    confidence: float
    strokes: str | None
    label: str


@dataclass(frozen=True)
class Expected:
    """One row the form prints: its number as printed ('I', '2', 'III') and its label."""

    id: str
    number: str
    label: str


@dataclass(frozen=True)
class Assigned:
    """The printed number a grid row is given, and how sure that is."""

    number: str
    confidence: float
    sure: bool


def expected_rows(definition: FormDefinition) -> list[Expected]:
    """The rows of the definition's grid in printed order: a heading for each section that has
    numbered criteria, then those criteria; a section that is a criterion is one row."""
    out: list[Expected] = []
    seen: set[str] = set()
    for c in definition.criteria:
        if c.max_points is not None:
            continue
        section, _, number = c.id.partition(".")
        if number:
            if section not in seen:
                seen.add(section)
                out.append(Expected(section, section, definition.groups.get(section, "")))
            out.append(Expected(c.id, number, c.label))
        else:
            seen.add(section)
            out.append(Expected(c.id, section, c.label))
    return out


def label_score(expected: str, read: str) -> float:
    """Similarity 0–100 of a printed label and the OCR'd one; a label the definition cuts short
    ('… được giao …') is compared with the same length of the reading."""
    a = fold(expected).replace("…", " ").strip(" .")
    b = fold(read).strip()
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    if len(b) > len(a):
        score = max(score, fuzz.ratio(a, b[: len(a)]))
    return float(score)


def _number_score(cue: RowCue, number: str) -> float:
    if cue.number == number:
        return 1.5 * max(cue.confidence, 0.3)
    if cue.strokes == number:
        return 0.8
    if cue.number and cue.confidence >= NUMBER_OK:
        return -1.5 * cue.confidence  # read for sure as another number
    return 0.0


def _label_part(score: float) -> float:
    return max(-2.0, min(2.0, (score - 60.0) / 20.0))


def _align(
    cues: Sequence[RowCue], rows: Sequence[Expected], labels: list[list[float]]
) -> tuple[float, list[int | None]]:
    """Best monotone alignment: for each grid row the index of its expected row, or None."""
    n, m = len(cues), len(rows)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    step = [[0] * (m + 1) for _ in range(n + 1)]  # 1 match, 2 skip row, 3 skip expected
    for i in range(1, n + 1):
        score[i][0], step[i][0] = score[i - 1][0] + _SKIP_ROW, 2
    for j in range(1, m + 1):
        score[0][j], step[0][j] = score[0][j - 1] + _SKIP_EXPECTED, 3
    for i in range(1, n + 1):
        cue = cues[i - 1]
        for j in range(1, m + 1):
            exp = rows[j - 1]
            lab = _label_part(labels[i - 1][j - 1]) if cue.label and exp.label else 0.0
            match = score[i - 1][j - 1] + lab + _number_score(cue, exp.number)
            skip_row = score[i - 1][j] + _SKIP_ROW
            skip_exp = score[i][j - 1] + _SKIP_EXPECTED
            best = max(match, skip_row, skip_exp)
            score[i][j] = best
            step[i][j] = 1 if best == match else 2 if best == skip_row else 3
    out: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 or j > 0:
        s = step[i][j]
        if s == 1:
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif s == 2:
            i -= 1
        else:
            j -= 1
    return score[n][m], out


def _assign(cue: RowCue, k: int, rows: Sequence[Expected], labels: list[float]) -> Assigned:
    exp = rows[k]
    others = [s for j, s in enumerate(labels) if j != k]
    by_label = labels[k] >= LABEL_OK and labels[k] - max(others, default=0.0) >= LABEL_MARGIN
    by_number = cue.number == exp.number and cue.confidence >= NUMBER_OK
    against = cue.number != exp.number and bool(cue.number) and cue.confidence >= NUMBER_OK
    if (by_label or by_number) and not against:
        return Assigned(exp.number, SURE, True)
    return Assigned(exp.number, UNSURE, False)


def align(cues: Sequence[RowCue], definitions: Iterable[FormDefinition]) -> list[Assigned | None]:
    """The printed number of each data row of a criteria grid, by the form that aligns best with
    it; all None when no form's labels bear the grid out."""
    best: tuple[float, list[Assigned | None]] | None = None
    for definition in definitions:
        rows = expected_rows(definition)
        if not rows:
            continue
        labels = [[label_score(e.label, c.label) if c.label and e.label else 0.0 for e in rows] for c in cues]
        total, matched = _align(cues, rows, labels)
        assigned = [
            None if k is None else _assign(c, k, rows, labels[i])
            for i, (c, k) in enumerate(zip(cues, matched, strict=True))
        ]
        identified = sum(1 for i, k in enumerate(matched) if k is not None and labels[i][k] >= LABEL_OK)
        if identified < MIN_LABELS:
            continue
        if best is None or total > best[0]:
            best = (total, assigned)
    return best[1] if best is not None else [None] * len(cues)
