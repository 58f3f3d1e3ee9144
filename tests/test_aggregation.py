"""V.16 (seed 000): the most votes and more than 50% of the votes cast; else add each rating's votes
into the next lower one, from the top, until one passes 50%."""

import pytest

from domain.model import Rating
from rules.aggregation import aggregate

H, T, N, K = Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV


@pytest.mark.parametrize(
    ("votes", "result", "cascaded"),
    [
        ((6, 2, 0, 0), H, False),  # plain majority at the top
        ((1, 6, 1, 0), T, False),
        ((0, 0, 0, 3), K, False),
        ((3, 4, 2, 1), T, True),  # 4/10 is not > 50%: 3 + 4 = 7/10 passes at HTTNV (case_04)
        ((2, 2, 3, 3), N, True),  # 2 + 2 + 3 = 7/10
        ((1, 1, 1, 7), K, False),
        ((4, 1, 0, 5), K, True),  # 4 + 1 = 5/10 is not > 50%: the cascade reaches KHTNV with 10/10
        ((5, 0, 5, 0), N, True),  # tie at the top: 5/10 is not > 50%, cumulative reaches HTNV with 10/10
        ((5, 5, 0, 0), T, True),  # tie between the two top ratings: HTTNV with 10/10
        ((4, 4, 4, 0), T, True),  # three-way tie: 8/12 at HTTNV
        ((0, 5, 5, 0), N, True),  # 5/10 at HTTNV is exactly half, not more
        ((0, 6, 5, 0), T, False),  # 6/11 > 50%
        ((1, 0, 0, 0), H, False),  # a single vote
    ],
)
def test_v16_table(votes: tuple[int, int, int, int], result: Rating, cascaded: bool) -> None:
    agg = aggregate(dict(zip((H, T, N, K), votes, strict=True)))
    assert agg.result is result
    assert agg.cascaded is cascaded
    assert agg.cast == sum(votes)


def test_no_votes_gives_no_result() -> None:
    assert aggregate({}).result is None
    assert aggregate({T: 0}).result is None


def test_missing_ratings_count_as_zero() -> None:
    assert aggregate({T: 3, N: 1}).result is T
