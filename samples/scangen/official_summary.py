"""Official-layout Mẫu 06 summaries filled in by hand, for the scan reader's benchmark.

Mẫu 06 (the branch's summary of every member's proposed ratings) is, where units print it
themselves, a table the secretary fills in with a pen after the meeting: an abbreviated rating in
each column of each member's row ("HTTNV"), and in the branch's column the rating with its vote
("HTTNV (5/6/7)", "HTNV 05/06/07", or the numbers on a second line under the letters). The dev
corpus holds two such scans (14 members); this makes as many as asked for.

The corpora's Mẫu 06 Word files are printed as `official` prints its forms; each typed rating is
wiped and the cell written again by hand with a rating (and for the branch a vote, the members
present and the branch's total) drawn anew, the truth following, in one secretary's hand
(`handwritten.Hand`). The page is then scanned or photographed (`degrade`). The truth keeps the
corpus's format (`forms[].tallies`, `extra.rows`), so that `benchmarks/official_scans.py` scores a
generated set as it scores dev.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np

from domain.text import fold

from .handwritten import Hand, TableRow, table_rows, write
from .official import Source, printed, raster, scanned, wipe

log = logging.getLogger(__name__)

FORM = "2018/mau-06"
# the columns a rating is written in, by their folded headings, in the truth's names
COLUMNS = {"self": "tu danh gia", "cs": "cong chuc", "committee": "chi uy", "mass_org": "tap the lanh dao",
           "branch": "chi bo danh gia"}
RATINGS = ("htxsnv", "httnv", "htnv", "khtnv")
_RESULT_ODDS = (0.15, 0.45, 0.3, 0.1)  # how often the branch gives each rating
_OVER_RULING = 0.2  # a cell written from just left of its left ruling
_TWO_LINES = 0.35  # the branch's numbers on a line of their own under the rating
_BLANK = 0.3  # an optional column (civil servant, mass organisation) left blank


def summary_rows(pdf_path: Path) -> tuple[TableRow, ...]:
    """Every member row of the summary tables, in reading order, with its rating cells."""
    return table_rows(pdf_path, tuple(COLUMNS.items()), "branch")


def branch_lines(rating: str, votes: int, present: int, total: int, rng: np.random.Generator) -> list[str]:
    """How a secretary writes the branch's cell: the rating and its vote, on one line or two."""
    padded = rng.random() < 0.35
    numbers = "/".join(f"{n:02d}" if padded else str(n) for n in (votes, present, total))
    if rng.random() < 0.5:
        numbers = f"({numbers})"
    word = rating.upper()
    return [word, numbers] if rng.random() < _TWO_LINES else [f"{word} {numbers}"]


def make_summary(source: Source, rng: np.random.Generator, cache_dir: Path
                 ) -> tuple[list[np.ndarray], dict[str, Any]] | None:
    """The source's Mẫu 06 filled by hand and scanned; None when its printed rows do not line up
    with its truth's members."""
    pdf = printed(source.docx, cache_dir)
    rows = summary_rows(pdf)
    truth = copy.deepcopy(source.truth)
    form = next(f for f in truth["forms"] if f.get("form") == FORM)
    tallies = form["tallies"]
    if len(rows) != len(tallies) or any(fold(r.name) != fold(t["name"]) for r, t in zip(rows, tallies, strict=False)):
        log.warning("printed rows do not match the truth", extra={"file": source.docx.name, "rows": len(rows)})
        return None
    images = list(raster(pdf))
    hand = Hand.random(rng)
    total = int(rng.integers(len(rows), max(len(rows), 30) + 1))
    present = total - int(rng.integers(0, min(3, total - 1) + 1))
    extra_rows = []
    for row, tally in zip(rows, tallies, strict=True):
        image = images[row.page]
        written: dict[str, str | None] = {}
        for key, cell in row.cells.items():
            wipe(image, cell, cell)
            if key == "branch":
                continue
            optional = key in ("cs", "mass_org")
            rating = None if optional and rng.random() < _BLANK else str(rng.choice(RATINGS))
            if rating is not None:
                write(image, [rating.upper()], cell, hand, rng, _OVER_RULING)
            written[key] = rating
        result = str(rng.choice(RATINGS, p=_RESULT_ODDS))
        votes = int(rng.integers(present // 2 + 1, present + 1))
        write(image, branch_lines(result, votes, present, total, rng), row.cells["branch"], hand, rng,
              _OVER_RULING)
        written["branch"] = result
        tally.update({"votes": {result: votes}, "present": present, "total": total, "result": result})
        extra_rows.append({"name": tally["name"], **{k: written.get(k) for k in COLUMNS}})
    form.setdefault("extra", {})["rows"] = extra_rows
    form["criteria"] = []
    done = scanned(images, rng)
    truth["render"] = {"source": source.docx.name, "degradation": done,
                       "hand": {"font": hand.font.stem, "capital_mm": round(hand.capital_mm, 2)}}
    return images, truth
