import pytest

from search.engine.fusion import reciprocal_rank_fusion


def test_fused_score_sums_reciprocal_ranks():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)

    assert [item for item, _ in fused] == [1, 3, 2]
    assert [score for _, score in fused] == pytest.approx(
        [1 / 61 + 1 / 62, 1 / 63 + 1 / 61, 1 / 62]
    )


def test_weights_scale_each_ranking():
    fused = reciprocal_rank_fusion([[1, 2], [2, 1]], k=1, weights=[2.0, 1.0])

    assert fused == [(1, pytest.approx(2 / 2 + 1 / 3)), (2, pytest.approx(2 / 3 + 1 / 2))]


def test_ties_keep_order_of_first_appearance():
    fused = reciprocal_rank_fusion([[5, 6], [6, 5]])

    assert [item for item, _ in fused] == [5, 6]


def test_empty_rankings_fuse_to_nothing():
    assert reciprocal_rank_fusion([[], []]) == []


def test_one_weight_per_ranking_is_required():
    with pytest.raises(ValueError, match="2 weights for 1 rankings"):
        reciprocal_rank_fusion([[1]], weights=[1.0, 2.0])
