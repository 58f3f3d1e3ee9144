"""Handwritten vote counts of a scanned tally, read as a whole under the arithmetic they obey.

Each count cell is read several ways (OCR on two binarisations at two scales as a line and as a
word, digits only, and the handwritten-digit classifier of `omr.digits`); the readings give a few
candidate numbers per cell, each with its support. A row of the minutes is then decided as a
whole: the counts add up to the ballots cast (the same sum on every row: each valid ballot rates
every member), none exceeds the members present, and the written result is the one the votes give
under V.16 (`rules.aggregation`). A row is taken as sure only when exactly one combination of
supported readings satisfies all that (one of its values may be what the sum leaves to a cell
whose writing was lost), clearly ahead of any other, and the written result was read and
matches; anything else is a best guess sent to review, never a silent value.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from domain.model import Rating
from ocr import tesseract as ocr
from ocr.tesseract import Profile, Psm
from parsers import rating_shapes, result_length, scan_ocr
from parsers.rating_shapes import ShapeGuess
from parsers.scan_rating import LEAN, RatingMatch, deslanted
from rules.aggregation import aggregate

SURE = 0.95
UNSURE = 0.5
_MARGIN = 0.5  # the best combination must lead the next consistent one by half a cell's support
_TOP = 4  # candidates kept per cell
_CLASSIFIER_WEIGHT = 3.0  # an unsteady classifier reading weighs as much as three OCR readings …
# … a steady one (least probability under jitters from this, or read alike and steadily by the
# second network, `omr.digits.second_agrees`) as all of them together: on the dev minutes' vote
# cells, as written and upright, 193 of 193 such readings are right (the shipped network; no wrong
# reading above 0.72); seconded readings took the dev scans' tallies from 93.1 % to 93.9 % right
_STEADY = 0.85
_STEADY_WEIGHT = 8.0
_SETTLED = 0.8  # a cell whose steady reading holds this share of its support is not read upright too
_GAP = 1.0  # glyphs further apart than this × their height are not one number …
_FAR = 1.5  # … unless this far: what follows is the printed unit, not the number
_MIN_PIXELS = 25
_RUN_TOGETHER = 0.9  # a glyph at least this wide for its height may be two digits run together
_RING_BREADTH = 0.4  # a 0 left open is at least this wide for its height …
_BARE_MIDDLE = 0.15  # … and at most this share of its middle third is ink

Support = dict[int, float]


# ------------------------------------------------------------------------------- readings
def digit_candidates(crop: np.ndarray, dpi: int) -> Support:
    """Candidate numbers of a count cell (grey crop, padded white) with their support: the cell
    read as written and, unless that settles it, stood upright (`scan_rating.deslanted`), the
    supports added. Italic digits read upright are read right more often by both Tesseract and the
    classifier (on the dev minutes: 115 of 124 cells best-read right against 109), and adding both
    views is better than either (117): a hand that does not lean loses little from the sheared
    view."""
    if crop.size == 0:
        return {}
    found = _support(crop, dpi)
    if not _settled(found):
        for value, weight in _support(deslanted(crop), dpi).items():
            found[value] = found.get(value, 0.0) + weight
    return found


def glyph_candidates(number: np.ndarray, dpi: int, by_ocr: bool = True) -> Support:
    """Candidates of a number cut from a 'a/b/c' cell (so its glyphs are its digits): as
    `digit_candidates`, or by the classifier alone without `by_ocr` (a number cut where the whole
    reading placed it: OCR on it would only second that reading); without the one-digit readings
    of two glyphs the first of which has no hole. Such a reading stands for a leading zero ("07"),
    and a 0 is a closed loop; a 1 written as a bare bar is dropped by Tesseract and read as a 0 by
    the classifier ("17" read 7 by both)."""
    found = digit_candidates(number, dpi) if by_ocr else _classified(number)
    if _two_glyphs_without_zero(number):
        found = {value: weight for value, weight in found.items() if value >= 10}
    return found


def _two_glyphs_without_zero(crop: np.ndarray) -> bool:
    """Whether the number shows two glyphs, the first no zero (`_zero_shaped`)."""
    _, labels, glyphs = _glyphs(crop)
    if glyphs is None or len(glyphs) != 2:
        return False
    return not _zero_shaped((labels == glyphs[0] + 1).astype(np.uint8))


def _zero_shaped(glyph: np.ndarray) -> bool:
    """Whether a glyph (0/1 mask) is a 0: a loop enclosing a hole, or a ring left open (a pale or
    hurried hand lifts the pen before it closes: "08" written in grey lost its 8 as a two-glyph
    number with no zero) whose middle is bare, which a 1's bar, however slanted, crosses, and
    whose four sides hold ink (a V's top does not)."""
    closed = cv2.morphologyEx(glyph, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))  # a loop left a hair open
    _, hierarchy = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is not None and (hierarchy[0][:, 3] >= 0).any():
        return True
    ys, xs = np.nonzero(glyph)
    if ys.size == 0:
        return False
    h, w = int(ys.max() - ys.min()) + 1, int(xs.max() - xs.min()) + 1
    if w < _RING_BREADTH * h:
        return False
    box = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    rows, cols = (slice(0, h // 3), slice(h // 3, h - h // 3), slice(h - h // 3, h)), \
        (slice(0, w // 3), slice(w // 3, w - w // 3), slice(w - w // 3, w))
    middle = box[rows[1], cols[1]]
    sides = (box[rows[0], cols[1]], box[rows[2], cols[1]], box[rows[1], cols[0]], box[rows[1], cols[2]])
    return middle.size > 0 and float(middle.mean()) <= _BARE_MIDDLE and all(side.any() for side in sides)


def _settled(found: Support) -> bool:
    """Whether a view's readings already settle the cell, so that the second view (costing as
    much again) is skipped: a steady classifier reading with most of the support."""
    if not found:
        return False
    best = max(found, key=lambda v: found[v])
    return found[best] >= _STEADY_WEIGHT and found[best] >= _SETTLED * sum(found.values())


def _support(crop: np.ndarray, dpi: int) -> Support:
    """One view's candidates: OCR (digits only) of the crop binarised by Otsu and adaptively, each
    at two scales as a line and as a word; and the classifier's reading."""
    found: Support = {}
    _, otsu = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    adaptive = cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 15)
    jobs: list[scan_ocr.Job] = []
    for image in (otsu, adaptive):
        for scale in (1.0, 1.5):
            scaled = (
                image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
            )
            for psm in (Psm.LINE, Psm.WORD):
                jobs.append(
                    scan_ocr.Job(scaled, psm=psm, whitelist="0123456789", profile=Profile.RAW, dpi=int(dpi * scale))
                )
    for reading in _read_once(jobs):
        digits = "".join(ch for ch in reading.text if ch.isdigit())
        if 1 <= len(digits) <= 2:
            found[int(digits)] = found.get(int(digits), 0.0) + 1.0
    for value, weight in _classified(crop).items():
        found[value] = found.get(value, 0.0) + weight
    return found


def _read_once(jobs: Sequence[scan_ocr.Job]) -> list[ocr.Reading]:
    """The readings of the jobs, an image equal to an earlier job's (a clean cell binarises the
    same both ways) read once and its reading counted again."""
    first: list[int] = []
    for i, job in enumerate(jobs):
        same = next(
            (
                k
                for k in first
                if jobs[k].psm == job.psm
                and jobs[k].dpi == job.dpi
                and jobs[k].image.shape == job.image.shape
                and np.array_equal(jobs[k].image, job.image)
            ),
            None,
        )
        first.append(i if same is None else same)
    unique = sorted(set(first))
    readings = dict(zip(unique, scan_ocr.read_many([jobs[i] for i in unique]), strict=True))
    return [readings[k] for k in first]


def _classified(crop: np.ndarray) -> Support:
    """The classifier's reading of the number's glyphs, left to right, and the runner-up digit of
    its least sure glyph as a weaker alternative. A reading steady under small jitters
    (`omr.digits.steady`) at `_STEADY` or more outweighs all the OCR readings of the cell: on
    handwriting the classifier, trained on it, is right far more often than Tesseract, trained on
    print. Empty when a model is missing or the glyphs do not make one number."""
    from domain.errors import ConfigError
    from omr import digits

    try:
        digits.model()
        digits.second_model()
    except ConfigError:
        return {}
    ink, labels, glyphs = _glyphs(crop)
    if glyphs is None:
        return {}
    images = [digits.normalise(np.where(labels == k + 1, ink, 0).astype(np.float32)) for k in glyphs]
    if any(image is None for image in images):
        return {}
    stack = np.stack(images)  # type: ignore[arg-type]
    labels_read, least, mean = digits.steady(stack)
    halves = _run_together(ink, labels == glyphs[0] + 1) if len(glyphs) == 1 else None
    if halves is not None:  # two digits run together, when both halves read steadily
        images = [digits.normalise(half) for half in halves]
        if all(image is not None for image in images):
            cut = np.stack(images)  # type: ignore[arg-type]
            cut_read, cut_least, cut_mean = digits.steady(cut)
            if float(cut_least.min()) >= _STEADY:
                stack, labels_read, least, mean = cut, cut_read, cut_least, cut_mean
    best = [int(d) for d in labels_read]
    sure = float(least.min())
    steady = sure >= _STEADY or (sure >= digits.SECONDED_PROBABILITY and digits.second_agrees(stack, labels_read))
    out: Support = {_join(best): _STEADY_WEIGHT if steady else _CLASSIFIER_WEIGHT * sure}
    weakest = int(least.argmin())
    runner = next(int(d) for d in np.argsort(mean[weakest])[::-1] if int(d) != best[weakest])
    if float(mean[weakest][runner]) >= 0.05:
        alt = list(best)
        alt[weakest] = runner
        out[_join(alt)] = out.get(_join(alt), 0.0) + _CLASSIFIER_WEIGHT * float(mean[weakest][runner])
    return out


def _run_together(ink: np.ndarray, mask: np.ndarray) -> list[np.ndarray] | None:
    """A glyph as wide as two digits cut in two at its thinnest column in its middle (a third to
    two thirds of its width); None for a narrower one. A blurred hand's two digits run together
    at the ink level ("07", "13" and "10" of seed 1's `0021` made one glyph each, the classifier
    read "07" as 9, steadily); cut, each half reads steadily as its digit. One digit of some hands
    is as wide (a 7 of Because We Learn at 1.31 its height, a 0 of dkg Bold Italic at 1.23), so the
    halves stand for two digits only when both read steadily, which a wide digit's halves, a
    stroke and a curve, do not."""
    ys, xs = np.nonzero(mask)
    x0, width, height = int(xs.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1
    if width < _RUN_TOGETHER * height:
        return None
    glyph = np.where(mask, ink, 0).astype(np.float32)
    columns = glyph[:, x0 : x0 + width].sum(axis=0)
    lo, hi = width // 3, width - width // 3
    cut = x0 + lo + int(np.argmin(columns[lo:hi]))
    left, right = glyph.copy(), glyph.copy()
    left[:, cut:] = 0
    right[:, :cut] = 0
    return [left, right]


def _glyphs(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int] | None]:
    """A number's ink (0–1), its components' labels, and the labels less one of its glyphs
    (`_number_glyphs`), as the classifier sees them. The ink is measured against the crop's
    darkest pixel, not black: a pale pen's blurred strokes (their cores grey 150–180) fell apart
    at the ink level into fragments read as digits of their own ("25" read 23). Only when that
    pixel is ink itself (`_holds_ink`): a crop of faint dirt is not stretched into writing."""
    from omr.boxes import INK

    span = 255.0 - float(crop.min()) if _holds_ink(crop) else 255.0
    ink = (255.0 - crop.astype(np.float32)) / span
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > INK).astype(np.uint8), connectivity=8)
    return ink, labels, _number_glyphs(stats[1:count])


def _number_glyphs(stats: np.ndarray) -> list[int] | None:
    """Indexes (into `stats`, one row per ink component) of the one or two glyphs of the number,
    left to right: components at least half as tall as the tallest and centred within its height
    (a piece of the next line's writing is not), the first of them and the one right after it.
    None when there is no glyph, or a third one follows close enough to belong to the number."""
    blobs = [k for k in range(len(stats)) if stats[k, cv2.CC_STAT_AREA] >= _MIN_PIXELS]
    if not blobs:
        return None
    tallest = max(blobs, key=lambda k: int(stats[k, cv2.CC_STAT_HEIGHT]))
    top, height = int(stats[tallest, cv2.CC_STAT_TOP]), int(stats[tallest, cv2.CC_STAT_HEIGHT])
    line = sorted(
        (k for k in blobs
         if stats[k, cv2.CC_STAT_HEIGHT] >= 0.5 * height
         and top <= stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] / 2 <= top + height),
        key=lambda k: int(stats[k, cv2.CC_STAT_LEFT]),
    )
    run = line[:1]
    for k in line[1:]:
        last = run[-1]
        gap = int(stats[k, cv2.CC_STAT_LEFT]) - int(stats[last, cv2.CC_STAT_LEFT] + stats[last, cv2.CC_STAT_WIDTH])
        if gap > _FAR * height:
            break  # the printed unit after the number
        if gap > _GAP * height or len(run) == 2:
            return None  # digits written apart, or a third glyph: not one clear number
        run.append(k)
    return run


def _join(digits: Sequence[int]) -> int:
    return int("".join(str(d) for d in digits))


# ------------------------------------------------------------------------------- decision
@dataclass(frozen=True)
class RowReading:
    """A minutes row as read: per vote column (in `ratings` order) the candidates, None for a blank
    cell; the written result as matched against the four ratings, and whether that match is sure."""

    ratings: tuple[Rating, ...]
    counts: tuple[Support | None, ...]
    result: Rating | None = None
    result_sure: bool = False
    # A reading of the result not sure enough to rule combinations out, but enough to confirm
    # votes the digits and the sum decide alone (OCR and the shape model agreeing on it).
    result_confirms: bool = False
    # The ratings whose abbreviation has as many letters as the written result is wide, measured
    # in the page's own hand (`result_length`); empty when the page gives no scale.
    result_lengths: frozenset[Rating] = frozenset()
    # The shape model's reading of the written result (`rating_shapes`), and whether the result is
    # its alone, no OCR reading naming another (`RatingMatch.shape_unopposed`): that confirms the
    # votes' outcome where the model reads the table's hand (`_confirmed_by_shape`).
    result_shape: ShapeGuess | None = None
    result_by_shape: bool = False
    # The written result's reading and width, which `result_lengths` measured: measured again in
    # the hand the votes' outcomes show, where no result was read surely (`_measured_by_outcomes`).
    result_written: tuple[RatingMatch, float | None] | None = None
    # The written result began over its cell's left ruling and was cut there: what is left of it
    # may read as another rating (KHTNV less its K is HTNV), to OCR and to the shape model alike.
    result_cut: bool = False


@dataclass(frozen=True)
class RowDecision:
    votes: tuple[int | None, ...]  # None: a blank cell
    result: Rating | None  # the written result when read, else the votes' outcome (a guess)
    confidence: float


def _normalised(s: Support) -> Support:
    total = sum(s.values())
    return {v: w / total for v, w in s.items()} if total > 0 else {}


def _combos(row: RowReading, cast: int | None, limit: int | None) -> list[tuple[float, tuple[int | None, ...], bool]]:
    """Every combination of the row's candidates that obeys the arithmetic, with its score and
    whether each of its values was actually read (an unread cell may take any value that fits)."""
    choices: list[list[tuple[int | None, float]]] = []
    for s in row.counts:
        if s is None:
            choices.append([(None, 0.0)])
            continue
        top = sorted(_normalised(s).items(), key=lambda kv: -kv[1])[:_TOP]
        choices.append([(v, w) for v, w in top if limit is None or v <= limit])
    # with the sum known, one cell may take the value the others leave (unread: never sure)
    frees: list[int | None] = [None]
    if cast is not None:
        frees += [k for k, s in enumerate(row.counts) if s is not None]
    leaned = _leaned(row)
    out: list[tuple[float, tuple[int | None, ...], bool]] = []
    seen: set[tuple[int | None, ...]] = set()
    for free in frees:
        options = [[(0, 0.0)] if k == free else c for k, c in enumerate(choices)]
        for combo in itertools.product(*options):
            values = [v for v, _ in combo]
            if free is not None and cast is not None:
                rest = cast - sum(v or 0 for k, v in enumerate(values) if k != free)
                if rest < 0 or (limit is not None and rest > limit):
                    continue
                values[free] = rest
            key = tuple(values)
            total = sum(v or 0 for v in key)
            if key in seen or (cast is not None and total != cast) or (limit is not None and total > limit):
                continue
            seen.add(key)
            read = dict(zip(range(len(choices)), choices, strict=True))
            weights = [dict(read[k]).get(v, 0.0) if v is not None else 0.0 for k, v in enumerate(key)]
            score = sum(weights)
            if leaned:
                outcome = aggregate(_by_rating(row, key)).result
                if row.result_sure and outcome is not row.result:
                    continue
                if outcome not in leaned:
                    score -= _MARGIN  # an unsure reading of the result still leans the choice
            supported = all(w > 0 or row.counts[k] is None for k, w in enumerate(weights))
            out.append((score, key, supported))
    out.sort(key=lambda c: -c[0])
    return out


def _leaned(row: RowReading) -> frozenset[Rating]:
    """The ratings the written result leans the votes toward: its reading, unless its length rules
    the reading out; then the ratings the length allows (a row of 0/10/2/0 whose HTTNV, read as an
    unsure HTXSNV but five letters wide, must not pull the 10 into the HTXSNV column)."""
    if row.result is not None and (row.result_sure or not row.result_lengths or row.result in row.result_lengths):
        return frozenset({row.result})
    return row.result_lengths


def decide_row(row: RowReading, cast: int | None, limit: int | None, cast_sure: bool) -> RowDecision:
    """The row's counts under the arithmetic: sure when one combination of read values fits,
    clearly ahead of every other, the sum is known for sure, and the written result was read
    surely and is what the votes give. Sure also when the digits and the sum decide the votes
    alone and the written result, read less surely, says their outcome: OCR and the shape model
    name it, or its length is that of the outcome's abbreviation and of no other the reading names.
    One value may be what the sum leaves to a cell that lost its writing (`_left_by_the_sum`)."""
    combos = _combos(row, cast, limit)
    if not combos and cast is not None:
        combos = _combos(row, None, limit)
        cast_sure = False
    if not combos:
        best_read = tuple(max(s, key=lambda v: s[v]) if s else None for s in row.counts) if row.counts else ()
        return RowDecision(tuple(best_read), row.result, 0.0)
    score, values, supported = combos[0]
    runner_up = combos[1][0] if len(combos) > 1 else None
    unique = runner_up is None or score - runner_up >= _MARGIN
    outcome = aggregate(_by_rating(row, values)).result
    result = _likeliest_written(row, outcome)
    sure = unique and cast_sure and row.result_sure and row.result is outcome and (supported or _left_by_the_sum(row, values))
    if not sure and not supported and row.result_sure:
        # no combination of the digits as read gives the sure result: the writer slipped (HTXSNV
        # written for 0/6/1/0), or a digit was misread; the reviewer sees the digits as read, not
        # moved into another column to fit the result
        as_read = _votes_alone(row, cast, limit)
        if as_read is not None:
            return RowDecision(as_read, result, UNSURE)
    if sure or not cast_sure or not (row.result_confirms or row.result_lengths or _named_by_both(row)):
        return RowDecision(values, result, SURE if sure else UNSURE)
    alone, told = _told(row, cast, limit)
    if alone is not None and told is not None and _written_says(row, told):
        return RowDecision(alone, told, SURE)
    return RowDecision(values, result, UNSURE)


_CLEAR_LEAD = 0.3  # of a cell's normalised support: the lead of a reading the sum may build on


def _left_by_the_sum(row: RowReading, values: tuple[int | None, ...]) -> bool:
    """Whether the one value of the combination that no reading gives is what the sum leaves to a
    cell that lost its writing, the row's other values each its cell's clear first reading. A 0 written
    against a cell's ruling goes with the ruling when the lines are wiped, and what stays is read
    as nothing, or as the 9 or 2 its leftover tail makes: a 0 the sum leaves is taken in either
    case. Another number only in a cell read as nothing, and only when no cell of the row was taken
    for blank: in the generated minutes a 1 too thin to be seen left its vote to such a cell, and
    a cell read as another number was three times wrong, a misread elsewhere leaving it the sum."""
    cells = _cells(row, values)
    read = [(s, v) for s, v in cells if _normalised(s).get(v)]
    unread = [(s, v) for s, v in cells if not _normalised(s).get(v)]
    if len(unread) != 1:
        return False
    ((support, value),) = unread
    lost = value == 0 or (not support and None not in row.counts)
    return lost and all(_first(s) == v for s, v in read)


def _first(s: Support) -> int | None:
    """The cell's reading clearly ahead of every other (by `_CLEAR_LEAD` of its support), else None.
    A near tie says little: a thin hand's blurred "0" read 2 (0.57) and 9 (0.43) beside a "6" that
    left no reading, the sum put 4 there, and the row's five-letter result, as wide as its votes'
    HTTNV either way, confirmed 2/4/0/0 for 0/6/0/0 (generated minutes, seed 2)."""
    value, _, lead = _best(s, None)
    return value if lead >= _CLEAR_LEAD else None


def _likeliest_written(row: RowReading, outcome: Rating | None) -> Rating | None:
    """The written result to report, sure or not: as read, unless its length rules the reading
    out; then the votes' outcome when the length allows it, or the one rating the length allows.
    (A reading its length contradicts is an unsure guess: a clear one leaves no lengths.)"""
    lengths = row.result_lengths
    if row.result is not None and (not lengths or row.result in lengths):
        return row.result
    if outcome is not None and outcome in lengths:
        return outcome
    if len(lengths) == 1:
        return next(iter(lengths))
    return row.result if row.result is not None else outcome


def _written_says(row: RowReading, told: Rating) -> bool:
    """Whether the written result, read less than surely, says `told`: OCR and the shape model
    name it, clearly (`result_confirms`) or each unsure (`_named_by_both`); or, when they do not
    agree on another, it is as long as `told`'s abbreviation and the reading does not name the
    other rating of that length (HTTNV and KHTNV, the one pair)."""
    if row.result_confirms or _named_by_both(row):
        return row.result is told
    twins = row.result_lengths - {told}
    return told in row.result_lengths and row.result not in twins


def _named_by_both(row: RowReading) -> bool:
    """Whether OCR and the shape model, each on its own, name the written result, however unsure
    each is, its writing whole: with the votes that the digits and the sum decide alone, three
    readers then agree on the row. Rows whose digits decide their votes and whose one OCR reading
    (or the shape model under its clear 0.9) fell short of confirming their result went to a
    person: 13 of the 662 rows of the generated minutes (seeds 1 and 2), all right; of seed 3's
    results, a third written one rating off their votes' outcome, none was taken wrong. A result
    the shape model alone names does not count: it would agree with itself."""
    if row.result_written is None or row.result_shape is None or row.result_cut or row.result_sure:
        return False
    written = row.result_written[0]
    return written.votes > 0 and written.rating is row.result_shape.rating is row.result


def _votes_alone(row: RowReading, cast: int | None, limit: int | None) -> tuple[int | None, ...] | None:
    """The row's votes as the digits and the sum decide them without the written result (so that
    the result, read less than surely, cannot lean the choice it then confirms): the best
    combination when it leads the next clearly and every value of it was read, or one is what the
    sum leaves to a cell that lost its writing (`_left_by_the_sum`); else None. The rivals are the
    combinations that may be the row (`_may_be`)."""
    combos = [(score, values, supported)
              for score, values, supported in _combos(replace(row, result=None, result_sure=False,
                                                              result_lengths=frozenset()), cast, limit)
              if _may_be(row, values)]
    if not combos:
        return None
    score, values, supported = combos[0]
    unique = len(combos) == 1 or score - combos[1][0] >= _MARGIN
    return values if unique and (supported or _left_by_the_sum(row, values)) else None


def _may_be(row: RowReading, values: tuple[int | None, ...]) -> bool:
    """Whether a combination may be what was written: none of its values is a number that no
    reading gives, put by the sum in a cell clearly read as another number (`_first`). Such a
    combination is no rival: in dev `doc_0001` a clear 3 made an 8 by the sum, so that a 7 read
    mostly as 2 made the 12, kept the row's 3/7/2/0 from leading, and a row whose every cell was
    read right went to a person. What the sum leaves may be a 0 anywhere (a 0 goes with its
    ruling), and any number in a cell read as nothing or two ways nearly as often (generated
    minutes: a thin 1 read 0 and 7, its vote put elsewhere, was a silent error as no rival)."""
    return all(v == 0 or s.get(v) or _first(s) is None for s, v in _cells(row, values))


def _cells(row: RowReading, values: tuple[int | None, ...]) -> list[tuple[Support, int]]:
    """The row's cells with their value in a combination, blank cells left out."""
    return [(s, v) for s, v in zip(row.counts, values, strict=True) if s is not None and v is not None]


def _told(row: RowReading, cast: int | None, limit: int | None) -> tuple[tuple[int | None, ...] | None, Rating | None]:
    """The votes the digits and the sum decide alone (`_votes_alone`), and their outcome."""
    alone = _votes_alone(row, cast, limit)
    return alone, aggregate(_by_rating(row, alone)).result if alone is not None else None


def _by_rating(row: RowReading, values: tuple[int | None, ...]) -> dict[Rating, int]:
    return {r: v for r, v in zip(row.ratings, values, strict=True) if v is not None}


def row_sums(rows: Sequence[RowReading], limit: int | None) -> Support:
    """The rows' support for each sum of votes (the valid ballots): the sums of each row's best
    combinations of read values."""
    sums: Support = {}
    for row in rows:
        for score, values, supported in _combos(row, None, limit)[:3]:
            if supported:
                total = sum(v or 0 for v in values)
                sums[total] = sums.get(total, 0.0) + score / max(1, len(row.counts))
    return sums


def _confirmed_by_shape(rows: Sequence[RowReading], told: Sequence[Rating | None]) -> list[RowReading]:
    """The rows, their results named by the shape model alone confirming the votes' outcome when
    the model reads the table's hand. A looped script no OCR reads (its readings "1W", "CĐ.",
    "om") has only its shape to say its rating, and the model, trained on other hands, may be
    sure and wrong on it: a small Kristi hand was KHTNV to it at 0.99 in most rows. One committee
    writes every row, and each row whose digits and sum decide its votes alone says what its
    result should be; the model is taken as reading this hand only when it names that outcome on
    every such row, three at least. A row whose writer slipped (HTNV written for votes giving
    KHTNV) then breaks the agreement and leaves the whole table to the old checks: the slip is
    read as written or goes to a person, never brought into line with the votes. Every row's
    shape reading counts, those OCR read too, however unsure the model is of it. `told`: each
    row's votes' outcome as the digits and the sum decide it (`_told`), None where they do not."""
    checked = [(row.result_shape.rating, outcome) for row, outcome in zip(rows, told, strict=True)
               if row.result_shape is not None and outcome is not None]
    if len(checked) < rating_shapes.HAND_CHECKS or any(seen is not outcome for seen, outcome in checked):
        return list(rows)
    return [replace(row, result_confirms=True) if _clear_shape(row) else row for row in rows]


def _measured_by_outcomes(rows: Sequence[RowReading], told: Sequence[Rating | None]) -> list[RowReading]:
    """The rows, their results' lengths measured against the hand's width per letter that the
    votes' outcomes give where no two results were read surely (`result_length.column_lengths`).
    In a script no OCR reads ("1W", "om") and the shape model does not know, every row went to a
    person though its digits decide its votes; its written result, as long as their outcome's
    abbreviation and no other, now confirms them (`_written_says`). Replayed on the recorded rows
    of the generated minutes (seeds 1, 2 and 4, and 3 with a third of its results slipped, 1,324
    rows): 52 more rows sure, all of them right."""
    lengths = result_length.column_lengths([row.result_written for row in rows], told)
    return [replace(row, result_lengths=allowed) if row.result_written is not None else row
            for row, allowed in zip(rows, lengths, strict=True)]


def _clear_shape(row: RowReading) -> bool:
    """Whether the row's result is the shape model's alone, at a probability that confirms it."""
    return row.result_by_shape and row.result_shape is not None and row.result_shape.probability >= rating_shapes.CLEAR


def decide_table(
    rows: Sequence[RowReading], cast_read: Support, limit: int | None, cast_read_sure: bool
) -> tuple[int | None, list[RowDecision]]:
    """The ballots cast, the same for every row, and each row's decision. `cast_read` holds the
    readings of the count lines (valid ballots), `cast_read_sure` whether one was read for sure.
    The sum is sure when the count lines say it for sure, or when the rows alone agree on it
    clearly (most rows fit it with read values only, and no other sum comes close)."""
    cast, sure = _ballots_cast(rows, cast_read, limit, cast_read_sure)
    if cast is None:
        return None, [decide_row(row, None, limit, False) for row in rows]
    if sure:
        told = _outcomes_at(rows, cast, limit)
        rows = _measured_by_outcomes(_confirmed_by_shape(rows, told), told)
    return cast, [decide_row(row, cast, limit, sure) for row in rows]


def outcomes(rows: Sequence[RowReading], cast_read: Support, limit: int | None, cast_read_sure: bool
             ) -> list[Rating | None]:
    """Each row's votes' outcome as its digits and the table's sum decide them alone, whatever its
    result says (`_told`); None where they do not, and everywhere when the sum is not sure. What
    the rows' written results must say, unless the clerk slipped (`decide_table`)."""
    cast, sure = _ballots_cast(rows, cast_read, limit, cast_read_sure)
    if cast is None or not sure:
        return [None] * len(rows)
    return _outcomes_at(rows, cast, limit)


def _outcomes_at(rows: Sequence[RowReading], cast: int, limit: int | None) -> list[Rating | None]:
    """Each row's votes' outcome as its digits and the sum `cast` decide it, whatever its result says."""
    return [_told(row, cast, limit)[1] for row in rows]


def _ballots_cast(rows: Sequence[RowReading], cast_read: Support, limit: int | None, cast_read_sure: bool
                  ) -> tuple[int | None, bool]:
    """The ballots cast, the same for every row (see `decide_table`), and whether surely; None
    where neither the count lines nor the rows give a sum."""
    sums: dict[int, float] = {}
    for v, w in cast_read.items():
        sums[v] = sums.get(v, 0.0) + 2.0 * w
    for v, w in row_sums(rows, limit).items():
        sums[v] = sums.get(v, 0.0) + w
    if limit is not None:
        sums = {v: w for v, w in sums.items() if v <= limit}
    if not sums:
        return None, False
    if cast_read_sure and cast_read:
        return max(cast_read, key=lambda v: cast_read[v]), True
    ranked = sorted(sums.items(), key=lambda kv: -kv[1])
    cast = ranked[0][0]
    fits = sum(1 for row in rows if any(s for _, _, s in _combos(row, cast, limit)[:1]))
    lead = ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0.0)
    return cast, fits * 2 > len(rows) and lead >= 1.0


# ------------------------------------------------------------------------------- Mẫu 06 cells
# The branch's column of Mẫu 06 holds the rating and its vote in one handwritten cell:
# "HTTNV 04/04/04" or "HTTNV (4/6/7)", the numbers often on a line of their own under the letters.
_SLASH_CORR = -0.88  # a slash's ink runs straight from bottom left to top right
_SLASH_FILL = 0.4  # … and fills little of its box
_LINES_APART = 0.6  # two lines of writing: the glyphs' middles jump by this × a glyph's height
_CUT_ABOVE = 0.1  # … cut this far over the numbers' tops: a slash rises over its digits
_TWO_LINES = 1.6  # a cell's ink this many times as tall as the column's line holds two lines
_VALLEY_BAND = 0.3  # … cut apart between this share of the ink's height from its top and bottom
_PAREN_BOW = 0.15  # a parenthesis's middle lies this share of its width off its ends
_ONE_STROKE = 0.1  # … and at most this share of its rows cross its ink twice
_SLASHES_APART = 0.7  # two slashes' middles are at least this × their height apart (a digit between)


@dataclass(frozen=True)
class FractionParts:
    """A 'letters a/b/c' cell split by its two slashes: the letters and each number as a grey
    crop on white (None for a number with no ink where it must be)."""

    letters: np.ndarray | None
    numbers: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]


@dataclass(frozen=True)
class _Blob:
    k: int
    x: int
    y: int
    w: int
    h: int

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _slant(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask)
    if xs.size < 3 or xs.std() == 0 or ys.std() == 0:
        return 0.0
    return float(np.corrcoef(xs, ys)[0, 1])


def _bow(mask: np.ndarray) -> float:
    """How far the middle of a thin glyph lies left (<0: '(') or right (>0: ')') of its ends, in
    glyph widths."""
    h = mask.shape[0]
    rows = [np.nonzero(mask[y])[0] for y in range(h)]
    mid = [r.mean() for r in rows[int(0.4 * h) : int(0.6 * h) + 1] if r.size]
    ends = [r.mean() for r in rows[: max(1, int(0.2 * h))] + rows[int(0.8 * h) :] if r.size]
    if not mid or not ends:
        return 0.0
    return float((np.mean(mid) - np.mean(ends)) / max(1, mask.shape[1]))


def split_fraction(crop: np.ndarray, line: float | None = None) -> FractionParts | None:
    """The cell's letters and three numbers, found from its two slashes (thin straight strokes
    rising to the right, side by side on one line). None when the cell does not show two. `line`:
    the height of a line of writing in the cell's column (`line_height`)."""
    if crop.size == 0:
        return None
    ink = _ink(crop)
    found = _slashes(ink)
    if found is None:
        cut = _lines_cut(ink, line)
        if cut is None:
            return None
        found = _slashes(_apart(ink, cut))
        if found is None:
            return None
    labels, blobs, pair = found
    s1, s2 = pair
    top, bottom = min(s1.y, s2.y), max(s1.y + s1.h, s2.y + s2.h)
    h = bottom - top
    band = [b for b in blobs if b not in pair and top - 0.3 * h <= b.cy <= bottom + 0.3 * h and b.h >= 0.3 * h]
    between = [b for b in band if s1.x + s1.w // 2 < b.x + b.w / 2 < s2.x + s2.w // 2]
    rightward = sorted((b for b in band if b.x + b.w / 2 > s2.x + s2.w // 2), key=lambda b: b.x)
    leftward = sorted((b for b in band if b.x + b.w / 2 < s1.x + s1.w // 2), key=lambda b: -b.x)
    after = _run(rightward, h, labels, False)
    closed = len(rightward) > len(after) and _is_paren(rightward[len(after)], h, labels, opening=False)
    before = _run(leftward, h, labels, True, closed)
    used = {b.k for b in (*pair, *between, *after, *before)}
    # parentheses around the numbers are neither letters nor digits
    used |= {b.k for b in band if b.k not in used and _is_any_paren(b, h, labels)}
    if len(leftward) > len(before) and _opens(leftward, len(before), h, labels, closed):
        used.add(leftward[len(before)].k)
    first = min((b.x for b in (*before, s1)), default=s1.x)
    letters = [b for b in blobs if b.k not in used and (b.x + b.w <= first + 0.2 * h or b.cy < top - 0.3 * h)]
    return FractionParts(
        _paint(crop, labels, letters),
        (_paint(crop, labels, before), _paint(crop, labels, between), _paint(crop, labels, after)),
    )


def _slashes(ink: np.ndarray) -> tuple[np.ndarray, list[_Blob], tuple[_Blob, _Blob]] | None:
    """The ink's labelled glyphs and its two slashes, or None when it does not show two."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = [
        _Blob(k, *(int(v) for v in stats[k, :4])) for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= _MIN_PIXELS
    ]
    slashes: list[_Blob] = []
    for b in blobs:
        if b.h < 12 or b.w > 1.4 * b.h:
            continue
        mask = labels[b.y : b.y + b.h, b.x : b.x + b.w] == b.k
        if _slant(mask) <= _SLASH_CORR and int(mask.sum()) <= _SLASH_FILL * b.w * b.h:
            slashes.append(b)
    pair = _slash_pair(slashes, [b for b in blobs if b not in slashes])
    return None if pair is None else (labels, blobs, pair)


def _numbers_line_top(ink: np.ndarray) -> int | None:
    """The row just over the numbers when the cell holds the rating on one line and the numbers on
    the next (the glyphs' middles fall in two groups further apart than `_LINES_APART` glyph
    heights), so that a stroke running from one line into the other (the first letter's tail into
    a slash) can be cut there; None for a cell written on one line."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    glyphs = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= _MIN_PIXELS]
    if len(glyphs) < 4:
        return None
    heights = glyphs[:, cv2.CC_STAT_HEIGHT]
    size = float(np.median(heights))
    single = glyphs[heights <= 1.3 * size]  # glyphs that did not run into the other line
    middles = np.sort(single[:, cv2.CC_STAT_TOP] + single[:, cv2.CC_STAT_HEIGHT] / 2)
    if middles.size < 4:
        return None
    split = int(np.argmax(np.diff(middles)))
    if middles[split + 1] - middles[split] < _LINES_APART * size:
        return None
    lower = single[single[:, cv2.CC_STAT_TOP] + single[:, cv2.CC_STAT_HEIGHT] / 2 > middles[split]]
    return max(0, int(np.median(lower[:, cv2.CC_STAT_TOP]) - _CUT_ABOVE * size))


def line_height(crops: Sequence[np.ndarray]) -> float | None:
    """The height of one line of writing in a column's cells: the median of their ink's heights,
    most cells holding one line."""
    heights = [_ink_height(_ink(crop)) for crop in crops if crop.size]
    heights = [h for h in heights if h]
    return float(np.median(heights)) if heights else None


def _ink(crop: np.ndarray) -> np.ndarray:
    """The crop's ink, white on black, at its own Otsu level."""
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _ink_height(ink: np.ndarray) -> int:
    inked = np.nonzero(ink.any(axis=1))[0]
    return int(inked[-1] - inked[0] + 1) if inked.size else 0


def _valley_cut(ink: np.ndarray, line: float | None) -> int | None:
    """The row where two lines of writing run into each other, when `_numbers_line_top` cannot
    tell them apart: a script hand's letters reach down into the numbers' slashes and digits, and
    the cell is a few glyphs, each spanning both lines (dev doc_0012, "HTTNV" over "4/6/7"). Such
    a cell is told by its ink, `_TWO_LINES` times as tall as a line of the column (`line`), and
    cut at the emptiest row of the ink's middle; the cut stands only when it leaves two slashes
    on the lower line."""
    rows = np.count_nonzero(ink, axis=1).astype(float)
    inked = np.nonzero(rows)[0]
    if line is None or inked.size == 0 or inked[-1] - inked[0] + 1 < _TWO_LINES * line:
        return None
    top, bottom = int(inked[0]), int(inked[-1])
    margin = int(_VALLEY_BAND * (bottom - top))
    smooth = np.convolve(rows, np.ones(3) / 3, mode="same")
    middle = smooth[top + margin : bottom - margin + 1]
    lowest = np.flatnonzero(middle <= middle.min() + 0.5)
    cut = top + margin + int(lowest[lowest.size // 2])  # the middle of the emptiest rows
    return cut if _slashes(_apart(ink, cut)) is not None else None


def _lines_cut(ink: np.ndarray, line: float | None) -> int | None:
    """The row over the numbers of a cell written on two lines, the rating over its numbers."""
    cut = _numbers_line_top(ink)
    return cut if cut is not None else _valley_cut(ink, line)


def _apart(ink: np.ndarray, cut: int) -> np.ndarray:
    """The ink with the rating's line and the numbers' line cut apart at row `cut`."""
    out = ink.copy()
    out[cut : cut + 2] = 0
    return out


def numbers_below(crop: np.ndarray, line: float | None = None) -> bool:
    """Whether the cell holds its numbers on a line of their own under the rating's letters: that
    line starts at the cell's left edge as the letters do."""
    return crop.size > 0 and _lines_cut(_ink(crop), line) is not None


def _slash_pair(slashes: list[_Blob], glyphs: list[_Blob]) -> tuple[_Blob, _Blob] | None:
    """Two slashes on one line, a number's width apart, a glyph between their middles; the
    rightmost such pair. Apart by their middles, not their boxes: a slanted hand's slashes lean
    over a narrow digit between them ("9/9/10"), their boxes a few pixels apart."""
    best: tuple[_Blob, _Blob] | None = None
    for a, b in itertools.combinations(sorted(slashes, key=lambda s: s.x), 2):
        h = max(a.h, b.h)
        line = abs(a.cy - b.cy) <= 0.4 * h and 0.6 <= a.h / b.h <= 1.6
        left, right = a.x + a.w / 2, b.x + b.w / 2
        between = any(left < g.x + g.w / 2 < right and abs(g.cy - a.cy) <= 0.5 * h for g in glyphs)
        apart = right - left >= _SLASHES_APART * h and b.x - (a.x + a.w) <= 4 * h
        if line and apart and between and (best is None or a.x > best[0].x):
            best = (a, b)
    return best


def _is_paren(b: _Blob, h: int, labels: np.ndarray, opening: bool) -> bool:
    """A thin stroke as tall as the slashes bowed the way its side opens: '(' before the numbers
    bows left, ')' after them right. A 1 with a flag bows right: before the votes it is a digit."""
    mask = labels[b.y : b.y + b.h, b.x : b.x + b.w] == b.k
    bow = _bow(mask)
    return _thin_tall(b, h) and (bow <= -_PAREN_BOW if opening else bow >= _PAREN_BOW) and _one_stroke(mask)


def _thin_tall(b: _Blob, h: int) -> bool:
    """A glyph shaped like a parenthesis or a 1: as tall as the slashes (`h`), and thin."""
    return b.h >= 0.85 * h and b.w <= 0.6 * b.h


def _is_any_paren(b: _Blob, h: int, labels: np.ndarray) -> bool:
    return _is_paren(b, h, labels, True) or _is_paren(b, h, labels, False)


def _run(blobs: list[_Blob], h: int, labels: np.ndarray, leftward: bool, closed: bool = False) -> list[_Blob]:
    """The glyphs of one number next to a slash, nearest first: up to two, each close to the one
    before, a parenthesis ending it. Leftward, the votes follow the rating's letters, often a
    space apart: a second glyph is taken only when it stands no further from the first than from
    the glyph beyond it ("14" after "HTNV "), not when it is the rating's last letter, close to
    the others ("V" of "HTTNV 5/8/8", read "85"). `closed`: a ')' ends the total, so a '(' opens
    the votes (`_opens`)."""
    out: list[_Blob] = []
    for k, b in enumerate(blobs):
        if len(out) == 2 or (_opens(blobs, k, h, labels, closed) if leftward else _is_paren(b, h, labels, False)):
            break
        if out:
            gap = _gap(out[-1], b, leftward)
            if gap > 0.6 * h:
                break
            beyond = k + 1 if k + 1 < len(blobs) else None
            if leftward and beyond is not None and not _opens(blobs, beyond, h, labels, closed) \
                    and gap > _gap(b, blobs[beyond], True):
                break
        out.append(b)
    return out


def _opens(leftward: list[_Blob], k: int, h: int, labels: np.ndarray, closed: bool) -> bool:
    """Whether glyph k, left of the votes' slash (`leftward`, nearest first), is the '(' opening
    the numbers: bowed as one, or, when a ')' closes the total, a second glyph drawn as one thin
    stroke as tall as the slashes, not a 1 flagged right, between the votes' digit and a glyph
    that is not thin just beside it (the rating's V). A slanted hand's '(' bows by a pixel or
    two, under `_PAREN_BOW` (dev doc_0012's "HTNV (5/6/7)", its votes read 75); "(15/" keeps its
    1, the '(' beyond it, whole or cut short by the cell's edge; the glyph by the slash is a digit
    however thin ("(20/": a narrow 0), and so is one with nothing beyond it ("11/" at the start of
    a line)."""
    b = leftward[k]
    if _is_paren(b, h, labels, opening=True):
        return True
    beyond = leftward[k + 1] if k + 1 < len(leftward) else None
    if not closed or k == 0 or beyond is None or not _thin_tall(b, h):
        return False
    mask = labels[b.y : b.y + b.h, b.x : b.x + b.w] == b.k
    if _bow(mask) >= _PAREN_BOW or not _one_stroke(mask):
        return False
    return not (beyond.w <= 0.6 * beyond.h and _gap(b, beyond, True) <= 0.6 * h)


def _one_stroke(mask: np.ndarray) -> bool:
    """Whether a glyph crosses each of its rows once or so, as a parenthesis does; a narrow 3,
    bowed right like ')', crosses a third of them twice."""
    starts = np.count_nonzero(np.diff(mask.astype(np.int8), axis=1, prepend=0) == 1, axis=1)
    return float(np.mean(starts > 1)) <= _ONE_STROKE


def _gap(near: _Blob, far: _Blob, leftward: bool) -> int:
    """The space between two glyphs, `far` left of `near` when `leftward`."""
    return near.x - (far.x + far.w) if leftward else far.x - (near.x + near.w)


def _paint(crop: np.ndarray, labels: np.ndarray, blobs: Sequence[_Blob]) -> np.ndarray | None:
    """The blobs' grey pixels on white, cut to them and padded."""
    if not blobs:
        return None
    keep = np.isin(labels, [b.k for b in blobs])
    out = np.full_like(crop, 255)
    out[keep] = crop[keep]
    x0, y0 = min(b.x for b in blobs), min(b.y for b in blobs)
    x1, y1 = max(b.x + b.w for b in blobs), max(b.y + b.h for b in blobs)
    return cv2.copyMakeBorder(out[y0:y1, x0:x1], 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


Span = tuple[int, int, int, int]  # x0, y0, x1, y1 in a cell's crop


@dataclass(frozen=True)
class WholeReading:
    """A branch cell read whole by OCR, as a second reader beside its split (`split_fraction`):
    the letters before its numbers, the three numbers when the reading shows 'a/b/c', and where
    it saw each of them in the cell (the span up to its neighbours: a digit the reading dropped
    stays inside it)."""

    letters: str
    numbers: tuple[int, int, int] | None
    places: tuple[Span, Span, Span] | None = None
    upright: bool = False  # read on the cell stood upright (`scan_rating.deslanted`); places are there


_WHOLE_CHARS = "HTXSNVK0123456789/() "
_WHOLE_FRACTION = re.compile(r"(\d{1,3})/(\d{1,3})/(\d{1,3})")
_WHOLE_SCALE = 2.0  # the cells' small handwriting reads best at twice the working resolution
_WHOLE_PAD = 12
_THIN_MARK = 0.75  # a slash's or a parenthesis's box is at most this wide for its height


def read_whole(crops: Sequence[np.ndarray], dpi: int, line: float | None = None) -> list[WholeReading]:
    """Each cell read as rating letters, digits and slashes: as one block, or, when the numbers
    stand on a line of their own under the letters (`_lines_cut`; `line`, the column's line
    height), each line on its own (a script line over the numbers leads Tesseract's block layout
    astray), the numbers taken from the lower line when it shows them. Where the split finds no
    two slashes (a slash run into its digits, a hairline pen) this reading often still shows the
    numbers: on 343 branch cells of the generated summaries and the dev scans it gave all three
    for 294, the split for 190. A cell whose reading shows no 'a/b/c' is read again stood upright
    (`scan_rating.deslanted`): Tesseract loses a small italic hand's slanted slashes and digits
    altogether, and stood upright reads them."""
    out = _read_whole_as(crops, dpi, line)
    again = [k for k, whole in enumerate(out) if whole.numbers is None]
    upright = _read_whole_as([deslanted(crops[k]) for k in again], dpi, line)
    for k, whole in zip(again, upright, strict=True):
        if whole.numbers is not None:
            out[k] = replace(whole, upright=True)
    return out


def _read_whole_as(crops: Sequence[np.ndarray], dpi: int, line: float | None = None) -> list[WholeReading]:
    """`read_whole`'s one reading of each crop as it is."""
    jobs: list[scan_ocr.Job] = []
    spans: list[tuple[int, list[int]]] = []  # per cell: its first job, and each job's top in the crop
    for crop in crops:
        cut = _lines_cut(_ink(crop), line) if crop.size else None
        parts = [(crop, Psm.BLOCK, 0)] if cut is None else [(crop[:cut], Psm.LINE, 0), (crop[cut:], Psm.LINE, cut)]
        spans.append((len(jobs), [top for _, _, top in parts]))
        jobs += [_whole_job(part, psm, dpi) for part, psm, _ in parts]
    readings = scan_ocr.read_many(jobs)
    out: list[WholeReading] = []
    for start, tops in spans:
        mine = readings[start : start + len(tops)]
        parsed = _parsed(" ".join(r.text for r in mine))
        below = _parsed(mine[-1].text).numbers
        if below is not None:  # a letter over them is no digit of theirs: "T2" over "6/6/7" is not 26
            parsed = replace(parsed, numbers=below)
        places = next((p for r, top in zip(mine, tops, strict=True) if (p := _places(r.symbols, top)) is not None),
                      None)
        out.append(replace(parsed, places=places if parsed.numbers is not None else None))
    return out


def _whole_job(image: np.ndarray, psm: Psm, dpi: int) -> scan_ocr.Job:
    big = cv2.resize(image, None, fx=_WHOLE_SCALE, fy=_WHOLE_SCALE, interpolation=cv2.INTER_CUBIC)
    padded = cv2.copyMakeBorder(big, _WHOLE_PAD, _WHOLE_PAD, _WHOLE_PAD, _WHOLE_PAD, cv2.BORDER_CONSTANT, value=255)
    return scan_ocr.Job(padded, psm=psm, whitelist=_WHOLE_CHARS, profile=Profile.RAW, dpi=int(_WHOLE_SCALE * dpi),
                        lang="eng", symbols=True)


def _parsed(text: str) -> WholeReading:
    compact = "".join(text.split())
    found = _WHOLE_FRACTION.search(compact)
    letters = re.split(r"[\d(/)]", compact, maxsplit=1)[0]
    numbers = (int(found[1]), int(found[2]), int(found[3])) if found else None
    return WholeReading(letters, numbers)


def _places(symbols: Sequence[ocr.Word], top: int) -> tuple[Span, Span, Span] | None:
    """Where each number of an 'a/b/c' lies in the crop, from a reading's characters (their boxes
    in the job's image, `top` the job's first row in the crop): from the character before it (a
    slash, a parenthesis, a letter) to the one after it, and over its own digits' boxes, whose
    edges Tesseract gives loosely; up and down, the boxes of the three numbers and their slashes."""
    chars = [c for c in symbols if len(c.text) == 1]
    found = _WHOLE_FRACTION.search("".join(c.text for c in chars))
    if found is None:
        return None
    inked = chars[found.start() : found.end()]
    if any(_took_in_a_glyph(chars, i) for i in range(max(0, found.start() - 1), min(len(chars), found.end() + 1))):
        return None  # a slash or a parenthesis whose box took in a digit the reading dropped
    y0 = _to_crop(min(c.box[1] for c in inked)) + top
    y1 = _to_crop(max(c.box[3] for c in inked)) + top
    spans: list[Span] = []
    for k in (1, 2, 3):
        a, b = found.span(k)
        digits = chars[a:b]
        # a parenthesis is taken in (and wiped out later): a 1 run into it is read as part of it
        left = (chars[a - 1].box[0] if chars[a - 1].text == "(" else chars[a - 1].box[2]) if a > 0 else 0
        right = (chars[b].box[2] if chars[b].text == ")" else chars[b].box[0]) if b < len(chars) else None
        x0 = min(left, min(c.box[0] for c in digits))
        x1 = max(right if right is not None else 0, max(c.box[2] for c in digits))
        spans.append((_to_crop(x0), y0, _to_crop(x1), y1))
    return spans[0], spans[1], spans[2]


def _took_in_a_glyph(chars: Sequence[ocr.Word], i: int) -> bool:
    """Whether character i is a slash or a parenthesis whose box, less where it overlaps the
    characters beside it (Tesseract's boxes overlap at a line's end), is wider than such a mark:
    a digit dropped from the reading lies in it, and the number cut beside it would lose it."""
    mark = chars[i]
    if mark.text not in "/()":
        return False
    x0, y0, x1, y1 = mark.box
    width = x1 - x0
    for k in (i - 1, i + 1):
        if 0 <= k < len(chars):
            width -= max(0, min(x1, chars[k].box[2]) - max(x0, chars[k].box[0]))
    return width > _THIN_MARK * (y1 - y0)


def _to_crop(v: float) -> int:
    """A coordinate of a whole-reading job's image in the part of the crop it was made from."""
    return max(0, round((v - _WHOLE_PAD) / _WHOLE_SCALE))


def parts_at(crop: np.ndarray, whole: WholeReading) -> FractionParts | None:
    """The cell cut where the whole reading saw its numbers, for the split's readers (each number
    read several ways, `glyph_candidates`) when the split finds no two slashes. Each number is the
    ink of its span (a slash run into its digits leaves a sliver at the edge, which the
    classifier reads as a stroke too many, not as a digit: the two readers then disagree). None
    when the reading placed no numbers. A reading made on the cell stood upright places its
    numbers there, and they are cut from it (upright digits read better); the letters are cut
    from the cell as written, left of where the votes' span begins there."""
    places = whole.places
    if places is None:
        return None
    read_on = deslanted(crop) if whole.upright else crop
    numbers = tuple(_span_crop(read_on, span, k) for k, span in enumerate(places))
    x0, y0, _, y1 = places[0]
    letters_end = max(0, x0 - (math.ceil(LEAN * y1) if whole.upright else 0))  # x' = x + LEAN·y, undone
    letters = crop[:y0, :] if letters_end <= 2 else crop[:, :letters_end]
    return FractionParts(_padded(letters), (numbers[0], numbers[1], numbers[2]))


def _span_crop(crop: np.ndarray, span: Span, k: int) -> np.ndarray | None:
    """The ink of number k's span (votes, present, total), parentheses wiped out. A parenthesis
    stands only where the numbers open and close: the votes' first glyph bowed as '(' and the
    total's last bowed as ')'. Anywhere else a thin bowed glyph is a digit: a narrow italic 3 or
    2 bows like ')' and was wiped as one, leaving the present "24" read 4 (generated summary seed
    2, 0030, in P052 Italic). The votes' span runs back to the rating's last letter, whose box
    Tesseract often draws short of its ink ("V" boxed as a sliver, its ink left in the span): of
    its glyphs, only the two nearest the slash are kept. A count has at most two digits (the
    classifier reads no more), so a third glyph is a letter, never a digit the reading dropped; a
    second one is kept, as it may be such a digit."""
    x0, y0, x1, y1 = span
    piece = crop[max(0, y0 - 2) : y1 + 2, x0:x1].copy()
    if piece.size == 0:
        return None
    ink = _ink(piece)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    every = [_Blob(k, *(int(v) for v in stats[k, :4])) for k in range(1, count)]
    blobs = [b for b in every if stats[b.k, cv2.CC_STAT_AREA] >= _MIN_PIXELS]
    tallest = max((b.h for b in blobs), default=0)
    glyphs = sorted((b for b in blobs if b.h >= 0.5 * tallest), key=lambda b: -(b.x + b.w))
    kept = glyphs[:2] if k == 0 else glyphs
    if k == 0:
        edge = kept[-1] if kept else None
    elif k == 2:  # a small hand's ')' is a hairline under _MIN_PIXELS, yet as tall as the digits
        edge = max((b for b in every if b.h >= 0.85 * tallest), key=lambda b: b.x + b.w, default=None)
    else:
        edge = None
    marks = [edge] if edge is not None and _is_paren(edge, tallest, labels, opening=k == 0) else []
    for b in (*marks, *(b for b in glyphs if b not in kept)):
        piece[labels == b.k] = 255
    return _padded(piece)


def _padded(piece: np.ndarray) -> np.ndarray | None:
    """The piece on a white margin; None when it holds no ink (`_holds_ink`)."""
    if not _holds_ink(piece):
        return None
    return cv2.copyMakeBorder(piece, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


def _holds_ink(piece: np.ndarray) -> bool:
    """Whether a grey piece holds a pixel dark enough to be ink as the classifier sees ink (a pale
    pen's strokes, grey 130–180 on a white cell, are; faint dirt is not)."""
    from omr.boxes import INK

    return piece.size > 0 and float(piece.min()) < 255.0 * (1 - INK)


_SECONDING = 0.5  # the share of the split's support its votes need to second the whole reading
_ROUNDING = 1e-9  # supports summed in floating point: a lead of two rows' worth came out 1.9999999999999991


@dataclass(frozen=True)
class FractionRow:
    """What one branch cell gave: each number's candidates from the split cell (None where it
    was not split or a number had no ink), and the whole cell's reading."""

    parts: tuple[Support | None, ...]  # votes, present, total
    whole: tuple[int, int, int] | None

    def support(self, k: int) -> Support | None:
        """Number k's candidates from both readers, each weighing one."""
        split = self.parts[k]
        if split is None and self.whole is None:
            return None
        out = _normalised(split or {})
        if self.whole is not None:
            out[self.whole[k]] = out.get(self.whole[k], 0.0) + 1.0
        return out

    def reads(self, present: int, total: int) -> bool:
        """Whether this row read the meeting's present and total: its whole reading is exactly
        them, or both readers' support leads with them. The split alone often misreads one of them
        (generated summary seed 1, 0022: "23/24" read 4 and 2), and a confident misreading ties the
        two readers' support, while the whole reading, which found the meeting's numbers where they
        stand in the cell, cut the cell right."""
        if self.whole is not None and self.whole[1:] == (present, total):
            return True
        return _best(self.support(1), total)[0] == present and _best(self.support(2), None)[0] == total

    def seconded(self, votes: int) -> bool:
        """Whether both readers, each segmenting the cell its own way, make the votes `votes`: one
        reader alone loses a glyph now and then ("21" split as "2" when its 1 touches the slash;
        "16" read "1"). The split's readers must hold it with half their support at least: a "14"
        whose 1 ran into its 4 was read 4, 1 and 8 by them about equally, and 4 whole."""
        split = self.parts[0]
        if self.whole is None or self.whole[0] != votes or split is None:
            return False
        best, support, _ = _best(split, None)
        return best == votes and support >= _SECONDING


@dataclass(frozen=True)
class FractionDecision:
    """One row's 'a/b/c' (votes, present, total) and how sure; None where nothing could be chosen."""

    values: tuple[int | None, int | None, int | None]
    confidence: float


def _best(s: Support | None, allowed: int | None) -> tuple[int | None, float, float]:
    """The best supported value not over `allowed`, its normalised support and its lead."""
    ranked = sorted(
        ((v, w) for v, w in _normalised(s or {}).items() if allowed is None or v <= allowed), key=lambda kv: -kv[1]
    )
    if not ranked:
        return None, 0.0, 0.0
    lead = ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0.0)
    return ranked[0][0], ranked[0][1], lead


def decide_fractions(rows: Sequence[FractionRow]) -> list[FractionDecision]:
    """The 'votes/present/total' of every row of one Mẫu 06 table, decided together: present and
    total are the same on every row (one meeting), votes ≤ present ≤ total. The pair (present,
    total) is the one the rows' readings support most; it is sure when it leads every other pair
    clearly, at least half the rows read it and most rows' votes, read unbounded, fit under it. A
    row is sure only when it read that pair itself, its votes are clearly its best reading within
    the bound, and both readers read those votes."""
    supports = [(row.support(0), row.support(1), row.support(2)) for row in rows]
    pairs: dict[tuple[int, int], float] = {}
    bs: set[int] = {v for _, b, _ in supports for v in (b or {})}
    cs: set[int] = {v for _, _, c in supports for v in (c or {})}
    for b in bs:
        for c in cs:
            if 0 < b <= c:
                pairs[(b, c)] = sum(
                    _normalised(rb or {}).get(b, 0.0) + _normalised(rc or {}).get(c, 0.0) for _, rb, rc in supports
                )
    if not pairs:
        return [
            FractionDecision((_best(a, None)[0], _best(b, None)[0], _best(c, None)[0]), 0.0) for a, b, c in supports
        ]
    ranked = sorted(pairs.items(), key=lambda kv: -kv[1])
    (present, total), score = ranked[0]
    lead = score - (ranked[1][1] if len(ranked) > 1 else 0.0)
    read_here = [row.reads(present, total) for row in rows]
    # a present most rows' own votes exceed is not the meeting's ("20" read 1 on every row)
    over = sum(votes is not None and votes > present for votes in (_best(ra, None)[0] for ra, _, _ in supports))
    # at least half the rows read the pair: a wrong pair would need as many rows misread alike, and
    # each row is still sure only where it read the pair itself (generated summaries seed 1, 0011
    # and 0027: 4 of 8 rows read it, the others lost a digit each their own way)
    table_sure = (lead >= max(1.0, 0.25 * len(rows)) - _ROUNDING and sum(read_here) * 2 >= len(rows)
                  and over * 2 < len(rows))
    out: list[FractionDecision] = []
    for row, (ra, rb, rc), here in zip(rows, supports, read_here, strict=True):
        votes, support, margin = _best(ra, present)
        own = (rb is not None and present in rb) and (rc is not None and total in rc)
        sure = (
            table_sure
            and own
            and votes is not None
            and support >= 0.5
            and margin >= 0.25
            and here
            and row.seconded(votes)
        )
        out.append(FractionDecision((votes, present, total), SURE if sure else UNSURE))
    return out
