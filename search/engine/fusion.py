"""Merge rankings from different searches."""

from collections.abc import Sequence

import numpy as np

ScoredIds = tuple[np.ndarray, np.ndarray]
"""Ids (int64) and their scores (float32, as BM25 gives them, or float64), best first."""


def fuse_ranked(rankings: Sequence[ScoredIds], weights: Sequence[float]) -> ScoredIds:
    """Fuse scored rankings of ids, best first: each score over its ranking's best, weighted.

    A convex combination of scores normalised by their maximum beat reciprocal rank fusion and
    min-max or z-score normalisation on every dev collection (README, "Ranking"). An id a
    ranking lacks gets nothing from it; a ranking without a positive score adds no ids. Ties
    keep the order in which ids first appear.
    """
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    ids, parts = [], []
    for (ranked, given), weight in zip(rankings, weights, strict=True):
        scores = np.asarray(given, dtype=np.float64)  # float32 scores would sum in float32
        best = float(scores.max()) if len(scores) else 0.0
        if best > 0:
            ids.append(ranked)
            parts.append(weight * np.maximum(scores, 0.0) / best)
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=float)
    distinct, first, which = np.unique(np.concatenate(ids), return_index=True, return_inverse=True)
    # Summed in the rankings' order, as adding one ranking after another would.
    totals = np.bincount(which, weights=np.concatenate(parts), minlength=len(distinct))
    appearance = np.argsort(first, kind="stable")
    order = appearance[np.argsort(-totals[appearance], kind="stable")]
    return distinct[order], totals[order]
