import os
import subprocess
import sys

import pytest

from search.engine.generations import generation_dir, read_current, write_generation
from search.engine.index import SearchIndex

from .factories import make_document


@pytest.fixture
def write(encoder, config):
    """Write a generation holding the given texts, one file each."""

    def write(*texts: str) -> int:
        documents = [make_document(i, f"/d/f{i}.txt", text) for i, text in enumerate(texts)]
        return write_generation(
            config.index_dir,
            lambda workdir: SearchIndex.build(
                documents, encoder=encoder, config=config, previous=None, workdir=workdir
            ),
        )

    return write


def test_generations_are_numbered_and_current_points_to_the_newest(write, config, encoder):
    assert read_current(config.index_dir) is None

    assert (write("one"), write("two")) == (1, 2)

    assert read_current(config.index_dir) == 2
    loaded = SearchIndex.load(generation_dir(config.index_dir, 2), encoder=encoder)
    assert loaded.generation == 2
    assert loaded.passage_text(1) == "two"


def test_only_the_two_newest_generations_are_kept(write, config):
    for text in ("one", "two", "three", "four"):
        write(text)

    assert sorted(os.listdir(config.index_dir)) == [
        ".build.lock",
        "CURRENT",
        "gen-000003",
        "gen-000004",
    ]


def test_failed_build_leaves_the_current_generation_served(write, config, encoder):
    write("kept")

    def failing_build(workdir):
        (workdir / "partial").write_text("half written")
        raise RuntimeError("extractor crashed")

    with pytest.raises(RuntimeError, match="extractor crashed"):
        write_generation(config.index_dir, failing_build)

    assert read_current(config.index_dir) == 1
    assert sorted(os.listdir(config.index_dir)) == [".build.lock", "CURRENT", "gen-000001"]
    loaded = SearchIndex.load(generation_dir(config.index_dir, 1), encoder=encoder)
    assert loaded.passage_text(1) == "kept"


def test_scratch_directory_of_a_killed_build_is_removed_by_the_next_build(write, config):
    write("first")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    leftover = config.index_dir / f"gen-000002.tmp-{int(dead.stdout)}"
    leftover.mkdir()
    running = config.index_dir / f"gen-000002.tmp-{os.getppid()}"
    running.mkdir()

    assert write("second") == 2

    assert not leftover.exists()
    assert running.exists()
    assert read_current(config.index_dir) == 2
