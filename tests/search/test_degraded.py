"""A broken or mismatched vector index costs semantic search, never keyword search."""

import pytest
from django.conf import settings

from search import factory
from search.engine import HashingEncoder, generation_dir

pytestmark = pytest.mark.django_db
CORRUPT = "index files are corrupt (checksum mismatch in vectors.faiss)"


@pytest.fixture
def corrupt_vectors(corpus):
    vectors = generation_dir(settings.INDEX_DIR, 1) / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))
    factory.use_encoder(HashingEncoder())  # a fresh holder, which loads the damaged files


def test_hybrid_answers_from_keywords_and_says_why(search, corrupt_vectors):
    body = search(q="printer").json()

    assert body["metadata"]["semantic"] == CORRUPT
    assert [r["match"] for r in body["data"]] == ["keyword"]


def test_semantic_mode_is_a_503_with_the_reason(search, corrupt_vectors):
    response = search(q="printer", mode="semantic")

    assert (response.status_code, response.json()["message"]) == (
        503,
        f"Semantic search is unavailable: {CORRUPT}.",
    )


def test_health_and_admin_show_the_reason(search, corrupt_vectors, client, django_user_model):
    health = client.get("/api/health/").json()["data"]["index"]
    client.force_login(django_user_model.objects.create_superuser("root"))
    page = client.get("/admin/indexer/fileindex/").content.decode()

    assert (health["state"], health["keyword"], health["semantic"]) == ("degraded", "ok", CORRUPT)
    assert f"Search index degraded: {CORRUPT}" in page


def test_index_built_by_another_model_is_refused_for_semantic_search(search, corpus):
    factory.use_encoder(HashingEncoder(dimension=32))

    body = search(q="printer").json()

    assert body["metadata"]["semantic"] == (
        "index was built with model hashing-64 (64-d) but the configured model is hashing-32 (32-d)"
    )
    assert body["data"][0]["match"] == "keyword"
