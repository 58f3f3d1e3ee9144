"""Official-layout vote-count minutes filled in by hand, for the scan reader's benchmark.

The minutes of the vote count (biên bản kiểm phiếu) are typed up to the table; the counting
committee then writes each member's votes per rating and the result into the table with a pen
("0", "7", "09", and "HTTNV"). The dev corpus holds five such scans (39 members); this makes as
many as asked for.

The corpora's minutes Word files are printed as `official` prints its forms; each typed count
and result is wiped and written again by hand (`handwritten.Hand`), with votes drawn anew that add
up to the row's valid ballots, as the typed lines above the table give them, and the result their
outcome (`rules.aggregation`, V.16), the truth following; with odds `miswritten`, a row's result
is one rating off its votes' outcome instead, a committee's slip that the reader must read as
written (or flag) and the rules report, never bring silently into line with the votes. The page
is then scanned or photographed (`degrade`). The truth keeps the corpus's format (`forms[].tallies`), so that
`benchmarks/official_scans.py` scores a generated set as it scores dev.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np

from domain.model import Rating
from domain.text import fold
from rules.aggregation import aggregate

from .handwritten import Hand, TableRow, table_rows, write
from .official import Source, printed, raster, scanned, wipe

log = logging.getLogger(__name__)

FORM = "bien-ban-kiem-phieu"
RATINGS = ("htxsnv", "httnv", "htnv", "khtnv")
# the vote columns by their headings, and the result's
COLUMNS = {**{r: r for r in RATINGS}, "result": "ket qua"}
_LEAD_ODDS = (0.15, 0.45, 0.3, 0.1)  # which rating most members of a meeting vote for
_SPREAD = 0.4  # Dirichlet weight of each rating beside the leading one's 3 (how split a vote is)
_PADDED = 0.3  # a committee that writes every count on two digits ("07", "00")
_OVER_RULING = 0.05  # a count or a result written from just left of its cell's left ruling


def minutes_rows(pdf_path: Path) -> tuple[TableRow, ...]:
    """Every member row of the minutes' tables, in reading order, with its count and result cells."""
    return table_rows(pdf_path, tuple(COLUMNS.items()), "result")


def votes_of(cast: int, rng: np.random.Generator) -> dict[str, int]:
    """One member's votes over the four ratings, `cast` in all: most for one rating, the rest spread."""
    lead = int(rng.choice(len(RATINGS), p=_LEAD_ODDS))
    weights = rng.dirichlet([3.0 if k == lead else _SPREAD for k in range(len(RATINGS))])
    counts = rng.multinomial(cast, weights)
    return {r: int(n) for r, n in zip(RATINGS, counts, strict=True)}


def slipped(result: Rating, rng: np.random.Generator) -> Rating:
    """A rating one step above or below `result`, as a committee writes by mistake."""
    order = list(Rating)
    k = order.index(result)
    steps = [j for j in (k - 1, k + 1) if 0 <= j < len(order)]
    return order[int(rng.choice(steps))]


def make_minutes(source: Source, rng: np.random.Generator, cache_dir: Path, miswritten: float = 0.0
                 ) -> tuple[list[np.ndarray], dict[str, Any]] | None:
    """The source's minutes filled in by hand and scanned; None when its printed rows do not line
    up with its truth's members or lack a vote column. `miswritten`: the odds that a row's written
    result is not its votes' outcome (no draw is made at 0, so that a seed's pages stay the same)."""
    pdf = printed(source.docx, cache_dir)
    rows = minutes_rows(pdf)
    truth = copy.deepcopy(source.truth)
    form = next(f for f in truth["forms"] if f.get("form") == FORM)
    tallies = form["tallies"]
    if (len(rows) != len(tallies) or any(fold(r.name) != fold(t["name"]) for r, t in zip(rows, tallies, strict=False))
            or any(set(COLUMNS) - set(r.cells) for r in rows)):
        log.warning("printed rows do not match the truth", extra={"file": source.docx.name, "rows": len(rows)})
        return None
    images = list(raster(pdf))
    hand = Hand.random(rng)
    padded = rng.random() < _PADDED
    for row, tally in zip(rows, tallies, strict=True):
        image = images[row.page]
        votes = votes_of(sum(tally["votes"].values()), rng)
        result = aggregate({Rating(r): n for r, n in votes.items()}).result
        if result is None:
            return None  # no valid ballot: nothing to write
        if miswritten and rng.random() < miswritten:
            result = slipped(result, rng)
        for key, cell in row.cells.items():
            wipe(image, cell, cell)
            text = result.value.upper() if key == "result" else f"{votes[key]:02d}" if padded else str(votes[key])
            write(image, [text], cell, hand, rng, _OVER_RULING)
        tally.update({"votes": votes, "result": result.value})
    done = scanned(images, rng)
    truth["render"] = {"source": source.docx.name, "degradation": done,
                       "hand": {"font": hand.font.stem, "capital_mm": round(hand.capital_mm, 2), "padded": padded}}
    return images, truth
