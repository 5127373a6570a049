"""`manage.py reindex` killed, run twice at once, and swapping the index under live searches.

The reindexes are real processes (bench/reindex_runs.py starts them, with the fake encoder)
against the test database, so it must be committed to (`transaction=True`) and on a server:
an in-memory SQLite test database is invisible to another process.
"""

import random
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench.reindex_runs import (
    EXIT_BUSY,
    add_files,
    child_env,
    exact_problems,
    kill_in_phase,
    mutate,
    partial_problems,
    run_to_end,
    served_generation,
    start_reindex,
    stored_rows,
    tree_hashes,
)
from search.sources import file_index_fingerprint
from tests.environment import DATABASE, POSTGRES_URL
from tests.search.conftest import reindex

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        DATABASE != "postgres", reason="reindex processes cannot see an in-memory SQLite test DB"
    ),
]


@pytest.fixture
def env(settings) -> dict[str, str]:
    database_url = f"{POSTGRES_URL.rstrip('/')}/{connection.settings_dict['NAME']}"
    return child_env(database_url, settings.INDEX_DIR)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A tree indexed once (generation 1), then changed: 1,200 new files, 50 changed, 50 gone."""
    root = tmp_path / "tree"
    rng = random.Random(8)
    add_files(root, 400, rng, "first")
    reindex(str(root))
    mutate(root, rng, "second", new=1200, changed=50, deleted=50)
    return root


def test_reindex_killed_in_each_phase_keeps_the_old_index_and_the_next_run_finishes(
    tree: Path, env: dict[str, str], settings
):
    index_dir: Path = settings.INDEX_DIR
    before = {
        path: content_hash for _, path, content_hash, deleted in stored_rows(tree) if not deleted
    }
    after = tree_hashes(tree)
    fingerprint = file_index_fingerprint()

    for wanted in ("crawl", "database", "build"):
        process = start_reindex(tree, env)
        assert kill_in_phase(process, index_dir, fingerprint, wanted), f"ended before {wanted}"
        assert served_generation(index_dir) == 1
        assert partial_problems(tree, before, after) == []
    # The dead runs' locks are taken over at once: they ran on this machine.
    finished = run_to_end(tree, env)

    assert finished.returncode == 0, finished.stderr
    assert exact_problems(tree, index_dir, after) == []
    assert served_generation(index_dir) == 2
    assert list(index_dir.glob("gen-*.tmp-*")) == []  # the killed build's leftovers are gone


def test_two_reindexes_at_once_one_runs_and_one_exits_75(tree: Path, env: dict[str, str]):
    processes = [start_reindex(tree, env) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    results = [
        subprocess.CompletedProcess(process.args, process.returncode, *output)
        for process, output in zip(processes, outputs, strict=True)
    ]

    winner, loser = sorted(results, key=lambda result: result.returncode)
    assert (winner.returncode, loser.returncode) == (0, EXIT_BUSY)
    assert loser.stderr.startswith("CommandError: Another reindex is already running (")
    assert loser.stderr.endswith(
        "Wait for it to finish; if it was killed on another machine, its lock expires "
        "5 s after its last renewal.\n"
    )


def test_searches_see_no_error_while_reindex_swaps_the_index(
    tree: Path, env: dict[str, str], api: APIClient, settings
):
    process = start_reindex(tree, env)
    seen: list[tuple[int, int | None, str | None]] = []

    def search() -> None:
        response = api.get("/api/search/", {"q": "printer invoice", "page_size": 5})
        metadata = response.json().get("metadata", {})
        seen.append(
            (response.status_code, metadata.get("index_generation"), metadata.get("semantic"))
        )

    while process.poll() is None:
        search()
    for _ in range(5):
        search()

    assert process.returncode == 0, process.stderr.read()
    assert {status for status, _, _ in seen} == {200}
    assert {semantic for _, _, semantic in seen} == {"ok"}
    generations = [generation for _, generation, _ in seen]
    assert generations == sorted(generations)
    assert (generations[0], generations[-1]) == (1, 2)
