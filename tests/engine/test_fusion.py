import pytest

from search.engine.fusion import fuse_scores


def test_each_score_counts_against_its_rankings_best_and_weight():
    fused = fuse_scores([[(1, 10.0), (2, 5.0)], [(2, 0.8), (3, 0.4)]], weights=[0.5, 0.5])

    assert fused == [
        (2, pytest.approx(0.5 * 0.5 + 0.5 * 1.0)),
        (1, pytest.approx(0.5 * 1.0)),
        (3, pytest.approx(0.5 * 0.5)),
    ]


def test_ties_keep_the_order_of_first_appearance():
    fused = fuse_scores([[(5, 1.0), (6, 0.5)], [(6, 1.0), (5, 0.5)]], weights=[1.0, 1.0])

    assert [item for item, _ in fused] == [5, 6]


def test_a_ranking_without_a_positive_score_adds_nothing():
    assert fuse_scores([[], [(1, 0.0)], [(2, 2.0)]], weights=[1.0, 1.0, 1.0]) == [(2, 1.0)]


def test_weights_must_match_rankings():
    with pytest.raises(ValueError, match="got 2 weights for 1 rankings"):
        fuse_scores([[(1, 1.0)]], weights=[1.0, 2.0])
