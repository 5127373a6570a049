import numpy as np

from search.engine.encoder import HashingEncoder


def test_hashing_encoder_gives_unit_float32_vectors():
    vectors = HashingEncoder(dimension=16).encode_passages(["a b c", "", "ünlü Türkçe"])

    assert vectors.shape == (3, 16)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_hashing_encoder_is_deterministic_and_folds_words():
    encoder = HashingEncoder()

    vectors = encoder.encode_queries(["Türkçe RAPOR", "turkce rapor", "other words"])

    np.testing.assert_array_equal(vectors[0], vectors[1])
    assert vectors[0] @ vectors[2] < 0.99


def test_hashing_encoder_counts_passages_it_encodes_but_not_queries():
    encoder = HashingEncoder()

    encoder.encode_passages(["one", "two"])
    encoder.encode_queries(["three"])

    assert encoder.encoded_count == 2
