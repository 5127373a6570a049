import math

import pytest

from bench.quality.metrics import evaluate_run

QRELS = {
    "q1": {"d1": 2, "d2": 1},
    "q2": {"d3": 1, "d4": 1},
    "q3": {"d9": 1},
}
# q1: d2 (gain 1) first, d1 (gain 2) third; q2: d3 only at rank 12; q3: nothing found;
# q4 is not judged, so it does not count.
RUN = {
    "q1": ["d2", "x", "d1"],
    "q2": [f"n{i}" for i in range(11)] + ["d3"],
    "q3": [],
    "q4": ["d1"],
}


def test_metrics_match_hand_computed_values():
    # q1: DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2/log2(2) + 1/log2(3).
    ndcg_q1 = 2 / (2 + 1 / math.log2(3))
    metrics = evaluate_run(QRELS, RUN)
    assert metrics["ndcg@10"] == pytest.approx(ndcg_q1 / 3, abs=1e-6)  # q2, q3: 0
    assert metrics["recall@100"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-6)
    assert metrics["mrr@10"] == pytest.approx((1 + 0 + 0) / 3, abs=1e-6)  # q2's hit is at 12


def test_order_is_the_run_order_not_the_document_ids():
    metrics = evaluate_run({"q": {"a": 1}}, {"q": ["z", "a"]})
    assert metrics["mrr@10"] == pytest.approx(0.5)
    assert metrics["ndcg@10"] == pytest.approx(1 / math.log2(3), abs=1e-6)
