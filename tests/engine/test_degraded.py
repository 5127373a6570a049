"""Keyword search outlives vectors that are corrupt or were made by another model."""

import pytest

from search.engine.encoder import HashingEncoder
from search.engine.generations import generation_dir, write_generation
from search.engine.index import SearchIndex
from search.engine.serving import IndexHolder
from search.engine.store import IndexUnavailable

from .factories import make_document

DOCUMENTS = [
    make_document(1, "/notes/bread.txt", "Bake the bread until golden."),
    make_document(2, "/notes/sales.txt", "Quarterly sales grew in every region."),
]
CORRUPT = "index files are corrupt (checksum mismatch in vectors.faiss)"
OTHER_MODEL = (
    "index was built with model hashing-64 (64-d) but the configured model is hashing-32 (32-d)"
)


@pytest.fixture
def write(encoder, config):
    """Write a generation of DOCUMENTS, reusing `previous`; return the index written."""

    def write(previous: SearchIndex | None = None) -> SearchIndex:
        built = []

        def build(workdir):
            built.append(
                SearchIndex.build(
                    DOCUMENTS, encoder=encoder, config=config, previous=previous, workdir=workdir
                )
            )
            return built[0]

        write_generation(config.index_dir, build)
        return built[0]

    return write


def corrupt_vectors(directory):
    vectors = directory / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vectors.write_bytes(bytes(data))


@pytest.fixture(params=["corrupt vectors", "other model"])
def degraded(request, write, config, encoder):
    """A holder of generation 1, whose vectors it cannot use, and the reason it gives."""
    write()
    if request.param == "corrupt vectors":
        corrupt_vectors(generation_dir(config.index_dir, 1))
        return IndexHolder(config, encoder), CORRUPT
    return IndexHolder(config, HashingEncoder(dimension=32)), OTHER_MODEL


def test_keyword_search_still_finds_files(degraded):
    holder, reason = degraded

    index = holder.get()

    assert index.semantic_problem == reason
    assert [hit.file_id for hit in index.search_keyword("bread", limit=5)] == [1]


def test_semantic_search_says_why_it_is_unavailable(degraded, encoder):
    holder, reason = degraded

    with pytest.raises(IndexUnavailable) as raised:
        holder.get().search_semantic(encoder.encode_queries(["bread"])[0], limit=5)

    assert raised.value.reason == reason


def test_status_reports_the_index_degraded(degraded):
    holder, reason = degraded

    status = holder.status()

    assert {key: status[key] for key in ("state", "keyword", "semantic", "reason")} == {
        "state": "degraded",
        "keyword": "ok",
        "semantic": reason,
        "reason": reason,
    }
    assert (status["generation"], status["files"]) == (1, 2)


def test_status_of_a_degraded_and_stale_index_gives_both_reasons(degraded, write, config):
    holder, reason = degraded
    holder.get()
    write()
    (generation_dir(config.index_dir, 2) / "passages.txt").write_text("tampered")

    status = holder.status()

    assert (status["state"], status["generation"]) == ("degraded", 1)
    assert status["reason"] == (
        f"{reason}; generation 2 could not be loaded: "
        "index files are corrupt (checksum mismatch in passages.txt)"
    )


def test_rebuild_after_corrupt_vectors_encodes_all_and_serves_semantic_search(
    write, config, encoder
):
    write()
    corrupt_vectors(generation_dir(config.index_dir, 1))
    previous = SearchIndex.load(generation_dir(config.index_dir, 1), encoder=encoder)
    encoder.encoded_count = 0

    rebuilt = write(previous)

    assert encoder.encoded_count == rebuilt.manifest["encoded_passages"] == 4
    holder = IndexHolder(config, encoder)
    assert holder.status()["state"] == "ok"
    hits = holder.get().search_semantic(encoder.encode_queries(["bread"])[0], limit=1)
    assert [hit.file_id for hit in hits] == [1]
