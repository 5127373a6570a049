"""Merge rankings from different searches."""

from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], *, k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse rankings of ids, best first, scoring each id by sum(weight / (k + rank)).

    Ranks start at 1. Ties keep the order in which ids first appear across the rankings.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    # sorted() is stable, and dicts keep insertion order: first appearance breaks ties.
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)
