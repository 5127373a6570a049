"""A server process loads the index and the model before its first request."""

import logging
from pathlib import Path

import numpy as np
import pytest

from search import factory
from search.engine import HashingEncoder, generation_dir, read_current

pytestmark = pytest.mark.django_db


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def encode_queries(self, texts) -> np.ndarray:
        self.queries.extend(texts)
        return super().encode_queries(texts)


class BrokenEncoder(HashingEncoder):
    def encode_queries(self, texts) -> np.ndarray:
        raise OSError("model.safetensors is missing")


def test_warm_up_loads_the_served_index_and_runs_the_model_once(corpus, caplog):
    encoder = CountingEncoder()
    factory.use_encoder(encoder)

    with caplog.at_level(logging.INFO, logger="search.engine.serving"):
        factory.engine_warm_up()

    assert (caplog.messages, encoder.queries) == (["Serving index generation 1"], ["warm up"])


def test_warm_up_maps_the_served_vectors_so_workers_share_them(corpus, settings):
    factory.engine_warm_up()

    served = generation_dir(settings.INDEX_DIR, read_current(settings.INDEX_DIR))
    vectors = str(served / "vectors.faiss")
    maps = Path("/proc/self/maps").read_text().splitlines()
    assert [line.split()[1] for line in maps if line.endswith(vectors)] == ["r--s"]
    query = factory.get_encoder().encode_queries(["reset my password"])[0]
    assert factory.get_index_holder().get().search_semantic(query, limit=3)


def test_warm_up_without_an_index_leaves_health_to_say_so():
    factory.engine_warm_up()

    assert factory.get_index_holder().status()["state"] == "unavailable"


def test_a_model_that_cannot_load_is_logged_and_serving_goes_on(corpus, caplog):
    factory.use_encoder(BrokenEncoder())

    with caplog.at_level(logging.WARNING, logger="search.factory"):
        factory.engine_warm_up()

    assert caplog.messages == [
        "Semantic model could not be loaded: OSError('model.safetensors is missing')"
    ]
