import numpy as np
import pytest

from search.engine.fusion import fuse_ranked


def ranked(*pairs: tuple[int, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([i for i, _ in pairs], dtype=np.int64), np.array([s for _, s in pairs])


def fused_pairs(*rankings: tuple[np.ndarray, np.ndarray], weights: list[float]) -> list:
    ids, scores = fuse_ranked(rankings, weights)
    return list(zip(ids.tolist(), scores.tolist(), strict=True))


def test_each_score_counts_against_its_rankings_best_and_weight():
    fused = fused_pairs(ranked((1, 10.0), (2, 5.0)), ranked((2, 0.8), (3, 0.4)), weights=[0.5, 0.5])

    assert fused == [
        (2, pytest.approx(0.5 * 0.5 + 0.5 * 1.0)),
        (1, pytest.approx(0.5 * 1.0)),
        (3, pytest.approx(0.5 * 0.5)),
    ]


def test_ties_keep_the_order_of_first_appearance():
    fused = fused_pairs(ranked((5, 1.0), (6, 0.5)), ranked((6, 1.0), (5, 0.5)), weights=[1.0, 1.0])

    assert [item for item, _ in fused] == [5, 6]


def test_ties_between_ids_of_one_ranking_keep_its_order():
    fused = fused_pairs(ranked((9, 2.0), (3, 1.0), (7, 1.0), (1, 1.0)), weights=[1.0])

    assert fused == [(9, 1.0), (3, 0.5), (7, 0.5), (1, 0.5)]


def test_a_ranking_without_a_positive_score_adds_nothing():
    fused = fused_pairs(ranked(), ranked((1, 0.0)), ranked((2, 2.0)), weights=[1.0, 1.0, 1.0])

    assert fused == [(2, 1.0)]


def test_a_negative_score_adds_nothing_but_keeps_its_id():
    assert fused_pairs(ranked((4, 2.0), (8, -1.0)), weights=[1.0]) == [(4, 1.0), (8, 0.0)]


def test_float32_scores_are_summed_in_float64():
    scores = np.array([0.3, 0.1], dtype=np.float32)
    fused = fused_pairs((np.array([1, 2]), scores), (np.array([2]), scores[:1]), weights=[0.5, 0.5])

    expected = 0.5 * float(scores[1]) / float(scores[0]) + 0.5 * 1.0
    assert fused == [(2, expected), (1, 0.5)]


def test_no_rankings_fuse_to_nothing():
    ids, scores = fuse_ranked([ranked()], weights=[1.0])

    assert (ids.tolist(), scores.tolist()) == ([], [])


def test_weights_must_match_rankings():
    with pytest.raises(ValueError, match="got 2 weights for 1 rankings"):
        fuse_ranked([ranked((1, 1.0))], weights=[1.0, 2.0])
