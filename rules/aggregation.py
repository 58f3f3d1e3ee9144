"""Vote aggregation of seed 000, section V.16:

"mức xếp loại được chọn là mức xếp loại được nhiều ý kiến nhất và trên 50% tổng số ý kiến; nếu
không có mức xếp loại nào đạt trên 50% thì cộng dồn số ý kiến ở mức xếp loại trên vào mức xếp
loại dưới cho đến khi có mức xếp loại đạt trên 50% tổng số ý kiến tham gia."

The base is the opinions cast (the votes over the four ratings), not the members present: a
blank ballot expresses no opinion. Walking from the top and adding each rating's votes into the
next lower one gives both the plain majority (a rating with more than half is found before any
lower one can pass half) and the cascade.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Rating


@dataclass(frozen=True)
class Aggregate:
    result: Rating | None
    cast: int
    cumulative: int
    cascaded: bool


def aggregate(votes: dict[Rating, int]) -> Aggregate:
    cast = sum(votes.get(r, 0) for r in Rating)
    if cast <= 0:
        return Aggregate(None, 0, 0, False)
    running = 0
    for rating in Rating:
        running += votes.get(rating, 0)
        if 2 * running > cast:
            cascaded = 2 * votes.get(rating, 0) <= cast
            return Aggregate(rating, cast, running, cascaded)
    raise AssertionError("the cumulative count always reaches all votes cast")
