"""One answer from a group of boxes: exactly one live mark, or no value and a reason to look.

The confidence says how far every box of the group is from a decision boundary, so a clean
cross among three blank boxes is near 1 and a faint or borderline box drags the group below the
review threshold (0.9) instead of being guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from omr.boxes import BoxState, Verdict

REVIEW = 0.9
_CLEAN = 0.8  # confidence of a clean group at zero certainty; certainty adds up to `_SPAN`
_SPAN = 0.195
UNCERTAIN_CONFIDENCE = 0.45
SEVERAL_CONFIDENCE = 0.6
BLANK_REQUIRED_CONFIDENCE = 0.6
# A second box at least this strong relative to the marked one makes the choice a close call.
_CLOSE_CALL = 0.6


@dataclass(frozen=True)
class Choice:
    value: str | None
    confidence: float
    marked: tuple[str, ...]
    cancelled: tuple[str, ...]


def decide(verdicts: dict[str, Verdict], *, required: bool, spoilable: bool = False) -> Choice:
    """`verdicts` by choice (in printed order). `required`: a blank group needs a person (a
    criterion row, the proposed rating). `spoilable`: several marks are a clean answer of their
    own (a ballot row, spoilt), not a question."""
    marked = tuple(k for k, v in verdicts.items() if v.state is BoxState.MARKED)
    cancelled = tuple(k for k, v in verdicts.items() if v.state is BoxState.CANCELLED)
    uncertain = [k for k, v in verdicts.items() if v.state is BoxState.UNCERTAIN]
    live = [v for v in verdicts.values() if v.state is not BoxState.CANCELLED]
    certainty = min((v.certainty for v in live), default=1.0)
    clean = _CLEAN + _SPAN * certainty
    if uncertain or (len(live) >= 3 and len(marked) == len(live)):
        # Every box inked alike is a fold, a shadow or a line across the row before it is a vote.
        return Choice(None, UNCERTAIN_CONFIDENCE, marked, cancelled)
    if len(marked) > 1:
        return Choice(None, clean if spoilable else SEVERAL_CONFIDENCE, marked, cancelled)
    if not marked:
        return Choice(None, BLANK_REQUIRED_CONFIDENCE if required else clean, marked, cancelled)
    strengths = sorted((v.strength for v in live), reverse=True)
    if len(strengths) > 1 and strengths[1] >= _CLOSE_CALL * strengths[0]:
        return Choice(None, UNCERTAIN_CONFIDENCE, marked, cancelled)
    return Choice(marked[0], clean, marked, cancelled)
