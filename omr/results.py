"""What reading one page of our own form gives: small, so the page image can be dropped after."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.form_identity import FormIdentity


@dataclass(frozen=True)
class Read:
    """One answer read from the page. `value`: the choice (`tot`, `httnv`, `co`) or the number;
    `box`: the answer's boxes in points on the printed page (the form's own frame); `crop`: key in the Pictures
    when the answer needs a person; `marked` / `cancelled`: the choices seen marked / filled in;
    `candidates`: for a number, its likeliest readings with their probabilities, best first (None:
    the boxes are empty), which the arithmetic of the page chooses among (`omr.solve`)."""

    value: str | int | None
    confidence: float
    box: tuple[float, float, float, float] | None = None
    crop: str | None = None
    marked: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    candidates: tuple[tuple[int | None, float], ...] = ()


@dataclass(frozen=True)
class OwnPage:
    """What one page of our own form says. `number` is the page's number in its file; `values`
    are keyed by answer (`crit:I.1`, `rating:proposed`, `rating:row3.branch`, `digits:total`,
    `item:5`); `names` maps a member row of the page (0-based) to the name printed in it."""

    file_name: str
    number: int
    identity: FormIdentity
    values: dict[str, Read]
    names: dict[int, str] = field(default_factory=dict)
    error_mm: float = 0.0
    markers: int = 4
