import argparse

import numpy as np
import pytest

from bench.vector_scale import K, hnsw_rows, ivf_rows, nlogn, recall, synthesize


def unit_rows(count: int, dimension: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_synthetic_vectors_are_unit_vectors_near_a_real_one():
    real = unit_rows(50)
    made = synthesize(real, 1_000, np.random.default_rng(1))
    assert made.dtype == np.float32
    assert np.allclose(np.linalg.norm(made, axis=1), 1, atol=1e-5)
    # Moved at most 0.3 of the way toward another: still closer to a real vector than halfway.
    assert (made @ real.T).max(axis=1).min() > 0.7


def test_recall_is_the_share_of_the_exact_top_k_found():
    truth = np.arange(2 * K).reshape(2, K)
    found = truth.copy()
    found[1, : K // 2] = -1
    assert recall(found, truth) == pytest.approx(0.75)


def test_nlogn_scales_above_linear():
    assert nlogn(10.0, 1_000, 1_000) == pytest.approx(10.0)
    assert nlogn(10.0, 1_000, 4_000) > 40.0


def test_every_kind_measures_a_row_on_a_small_set():
    base, queries = unit_rows(3_000), unit_rows(20, seed=2)
    truth = np.argsort(-(queries @ base.T), axis=1)[:, :K]
    args = argparse.Namespace(budget=35, hnsw_min=0, pq=8, k_factor=10)
    rows = hnsw_rows(base, queries, truth, args) + ivf_rows(base, queries, truth, args)
    assert [row.kind for row in rows] == ["HNSW", "IVF-PQ8", "IVF-PQ8 + SQ8 refine"]
    assert all(row.passages == len(base) and row.p50 is not None for row in rows)
    assert rows[0].recall > 0.9  # type: ignore[operator]
    assert rows[2].serialized > rows[1].serialized
