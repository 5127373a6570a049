"""The vector store: every vector kept as it is computed, and only as many as the index uses.

And the saved vectors: mapped from their file, read-only, shared by the processes serving them.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

from search.engine import SearchIndex, generation_dir, read_current
from search.engine.semantic import VectorIndex
from search.models import PassageVector
from search.vectors import DatabaseVectorStore
from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db


def served_keys(settings) -> set[int]:
    directory = generation_dir(settings.INDEX_DIR, read_current(settings.INDEX_DIR))
    return set(SearchIndex.load(directory).passages.keys.tolist())


def store_keys() -> set[int]:
    keys = np.array(PassageVector.objects.values_list("key", flat=True), dtype=np.int64)
    return set(keys.view(np.uint64).tolist())


def test_vectors_round_trip_through_the_table_keys_past_2_63_included():
    store = DatabaseVectorStore(model_id="m", dimension=3)
    keys = np.array([1, 2**63 + 5, 2**64 - 1], dtype=np.uint64)
    vectors = np.arange(9, dtype=np.float32).reshape(3, 3)

    store.add(keys, vectors)
    store.add(keys[:1], vectors[:1] + 100)  # already kept: left as it is
    positions, found = store.find(np.array([7, 2**64 - 1, 1], dtype=np.uint64))

    assert positions.tolist() == [1, 2]
    assert found.tolist() == [[6.0, 7.0, 8.0], [0.0, 1.0, 2.0]]


def test_the_store_holds_exactly_what_the_served_index_embedded(corpus, encoder, settings):
    assert store_keys() == served_keys(settings)

    (corpus / "src" / "billing.py").write_text("def refund(order):\n    return -order\n")
    (corpus / "docs" / "password_reset.md").unlink()
    reindex(str(corpus))

    assert store_keys() == served_keys(settings)


def test_pruning_drops_other_models_and_unused_vectors():
    DatabaseVectorStore(model_id="old", dimension=1).add(
        np.array([1], dtype=np.uint64), np.ones((1, 1))
    )
    store = DatabaseVectorStore(model_id="new", dimension=1)
    store.add(np.array([1, 2, 3], dtype=np.uint64), np.ones((3, 1)))

    dropped = store.prune(keep=np.array([2, 9], dtype=np.uint64))

    assert (dropped, list(PassageVector.objects.values_list("model_id", "key"))) == (
        3,
        [("new", 2)],
    )


def test_a_rebuild_from_scratch_embeds_nothing_the_store_has(corpus, encoder, settings):
    shutil.rmtree(settings.INDEX_DIR)  # no earlier generation to reuse vectors from
    before = encoder.encoded_count

    reindex("--semantic-only")

    assert encoder.encoded_count == before
    assert read_current(settings.INDEX_DIR) == 1


def mappings_of(path: Path) -> list[str]:
    """Return the permissions of this process's mappings of `path`, from /proc/self/maps."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return [line.split()[1] for line in lines if line.endswith(str(path))]


def unit_vectors(count: int, seed: int = 7) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("hnsw_threshold", [1_000_000, 0], ids=["flat", "hnsw"])
def test_a_saved_index_is_mapped_read_only_and_searches_as_the_one_built(tmp_path, hnsw_threshold):
    vectors = unit_vectors(3000)
    built = VectorIndex.create(32, len(vectors), hnsw_threshold=hnsw_threshold, ef_search=64)
    built.add(vectors)
    path = tmp_path / "vectors.faiss"
    built.save(path)
    saved = path.read_bytes()

    loaded = VectorIndex.load(path, ef_search=64)

    rows = np.arange(len(vectors)) // 3  # three passages a file
    allowed = np.random.default_rng(1).random(len(vectors)) < 0.5
    for query in unit_vectors(20, seed=3):
        for mask in (None, allowed):  # HNSW, then an exact scan of the mapped vectors
            found = [
                index.search_files(query, passage_rows=rows, allowed=mask, limit=10, min_score=-1.0)
                for index in (built, loaded)
            ]
            assert all(np.array_equal(a, b) for a, b in zip(*found, strict=True))
        assert loaded.similarity_floor(query, 2.0) == built.similarity_floor(query, 2.0)
    # Given the saved moments, as an index's loader gives them, it floors queries the same.
    given = VectorIndex.load(path, ef_search=64, moments=built.moments.copy())
    assert given.similarity_floor(query, 2.0) == built.similarity_floor(query, 2.0)
    del given  # unmaps its vectors
    assert (loaded.kind, loaded.mapped) == (built.kind, True)
    assert np.array_equal(loaded.reconstruct(np.arange(0, 3000, 7)), vectors[::7])
    assert mappings_of(path) == ["r--s"]  # shared, and read-only: no write reaches the file
    with pytest.raises(ValueError, match="read-only"):
        loaded.add(vectors[:1])  # FAISS itself would abort the process
    assert path.read_bytes() == saved
