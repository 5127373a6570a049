"""Merge rankings from different searches."""

from collections.abc import Sequence


def fuse_scores(
    rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]
) -> list[tuple[int, float]]:
    """Fuse scored rankings of ids, best first: each score over its ranking's best, weighted.

    A convex combination of scores normalised by their maximum beat reciprocal rank fusion and
    min-max or z-score normalisation on every dev collection (README, "Ranking"). An id a
    ranking lacks gets nothing from it. Ties keep the order in which ids first appear.
    """
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        best = max((score for _, score in ranking), default=0.0)
        if best <= 0:
            continue
        for item, score in ranking:
            fused[item] = fused.get(item, 0.0) + weight * max(score, 0.0) / best
    # sorted() is stable, and dicts keep insertion order: first appearance breaks ties.
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)
