import dataclasses
import shutil
import threading
import time

import pytest

from search.engine.generations import generation_dir, write_generation
from search.engine.index import SearchIndex
from search.engine.serving import IndexHolder
from search.engine.store import IndexUnavailable

from .factories import make_document


@pytest.fixture
def write(encoder, config):
    """Write a generation whose single file holds `text`."""

    def write(text: str) -> int:
        documents = [make_document(1, "/d/file.txt", text)]
        return write_generation(
            config.index_dir,
            lambda workdir: SearchIndex.build(
                documents, encoder=encoder, config=config, previous=None, workdir=workdir
            ),
        )

    return write


def test_holder_without_any_index_is_unavailable(config, encoder):
    holder = IndexHolder(config, encoder)

    with pytest.raises(IndexUnavailable, match="no index has been built yet"):
        holder.get()
    assert holder.status() == {
        "state": "unavailable",
        "keyword": "no index has been built yet",
        "semantic": "no index has been built yet",
        "reason": "no index has been built yet",
        "build_id": None,
        "generation": None,
        "built_at": None,
        "model_id": None,
        "dimension": None,
        "index_type": None,
        "files": None,
        "passages": None,
        "vectors": None,
    }


def test_holder_serves_the_current_generation_and_reports_it(write, config, encoder):
    write("hello")
    holder = IndexHolder(config, encoder)

    assert holder.get().generation == 1
    assert holder.status() == {
        "state": "ok",
        "keyword": "ok",
        "semantic": "ok",
        "reason": None,
        "build_id": holder.get().manifest["build_id"],
        "generation": 1,
        "built_at": holder.get().manifest["built_at"],
        "model_id": "hashing-64",
        "dimension": 64,
        "index_type": "flat",
        "files": 1,
        "passages": 2,
        "vectors": 2,
    }


def test_holder_swaps_to_a_new_generation(write, config, encoder):
    write("old")
    holder = IndexHolder(config, encoder)
    old = holder.get()

    write("new")

    new = holder.get()
    assert new.generation == 2
    assert new.passage_text(1) == "new"
    assert old.passage_text(1) == "old"


def test_holder_checks_for_new_generations_at_most_every_interval(write, config, encoder):
    write("old")
    holder = IndexHolder(dataclasses.replace(config, check_interval=3600), encoder)
    holder.get()

    write("new")

    assert holder.get().generation == 1


def test_threads_querying_during_swaps_never_fail(write, config, encoder):
    write("generation one")
    holder = IndexHolder(config, encoder)
    query = encoder.encode_queries(["generation"])[0]
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: set[int] = set()

    def serve():
        while not stop.is_set():
            try:
                index = holder.get()
                assert len(index.search_semantic(query, limit=5)) == 1
                seen.add(index.generation)
            except BaseException as error:  # any failure at all must fail the test
                errors.append(error)
                return

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for text in ("generation two", "generation three", "generation four"):
        write(text)
    holder.get()
    # The last swap may land just before stop: give the threads a query on it first.
    deadline = time.monotonic() + 10
    while 4 not in seen and not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join()

    assert errors == []
    assert holder.get().generation == 4
    assert 4 in seen


def test_corrupt_new_generation_keeps_the_old_one_served(write, config, encoder):
    write("good")
    holder = IndexHolder(config, encoder)
    holder.get()
    write("bad")
    (generation_dir(config.index_dir, 2) / "passages.txt").write_text("tampered")

    assert holder.get().generation == 1
    status = holder.status()
    assert (status["state"], status["generation"]) == ("stale", 1)
    assert status["reason"] == (
        "generation 2 could not be loaded: "
        "index files are corrupt (checksum mismatch in passages.txt)"
    )

    write("fixed")

    assert holder.get().generation == 3
    assert holder.status()["state"] == "ok"


def test_holder_notices_an_index_wiped_and_rebuilt_under_the_same_generation(
    write, config, encoder
):
    write("old")
    holder = IndexHolder(config, encoder)
    old = holder.get()
    shutil.rmtree(config.index_dir)

    write("new")

    new = holder.get()
    assert (new.generation, new.build_id != old.build_id) == (1, True)
    assert new.passage_text(new.passages.of_file(0)[-1]) == "new"
