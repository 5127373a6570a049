"""Reindex while the service is in use, killed or interrupted while embedding: nothing is lost.

The reindexes are real processes (bench/reindex_runs.py), with the fake encoder slowed to a
model's pace, against the test database: committed to (`transaction=True`), on PostgreSQL or
in SQLite's file, as deployments run them.
"""

import random
import re
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from bench.reindex_runs import (
    add_files,
    child_env,
    encoded_texts,
    kill_when,
    run_to_end,
    start_reindex,
)
from indexer.models import FileIndex, ReindexLease
from search.engine import read_current
from search.models import PassageVector
from tests.environment import POSTGRES_URL

pytestmark = pytest.mark.django_db(transaction=True)
# Passages a batch embeds: SEMANTIC_BATCH_SIZE 4, 16 batches at a time.
BATCH = 64


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    add_files(root, 300, random.Random(3), "first")
    return root


@pytest.fixture
def env(settings, tmp_path: Path) -> dict[str, str]:
    name = connection.settings_dict["NAME"]
    url = f"sqlite:///{name}" if connection.vendor == "sqlite" else f"{POSTGRES_URL}/{name}"
    return child_env(
        url,
        settings.INDEX_DIR,
        SEMANTIC_BATCH_SIZE="4",
        DIZIN_BENCH_ENCODE_SECONDS="0.1",
        DIZIN_BENCH_ENCODE_LOG=str(tmp_path / "encoded.log"),
        DIZIN_BENCH_VERBOSITY="1",
    )


def stored_vectors() -> int:
    return PassageVector.objects.count()


def embedded(env: dict[str, str]) -> int:
    """Count the passages encoded since the log was last read, and clear it."""
    return len(encoded_texts(Path(env["DIZIN_BENCH_ENCODE_LOG"])))


def test_a_build_killed_while_embedding_keeps_every_finished_batch(tree, env, settings):
    process = start_reindex(tree, env)
    assert kill_when(process, lambda: stored_vectors() >= 2 * BATCH), "ended before embedding"
    kept = stored_vectors()
    embedded(env)

    finished = run_to_end(tree, env)  # the dead run's lock is taken over at once

    assert finished.returncode == 0, finished.stderr
    again = embedded(env)
    assert again == stored_vectors() - kept
    assert f"passages ({again} embedded)" in finished.stdout
    assert read_current(settings.INDEX_DIR) == 1


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_build_stops_cleanly_and_the_next_run_resumes(tree, env, signum, status):
    process = start_reindex(tree, env)
    deadline = time.monotonic() + 60
    while stored_vectors() < BATCH and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    kept = stored_vectors()
    embedded(env)

    assert process.returncode == status
    assert "Traceback" not in stderr
    assert re.fullmatch(
        rf"Interrupted by {signum.name} in the embed phase \(\d+/\d+ passages done\)\. "
        "Everything finished before is kept: run reindex again to go on from there.",
        stderr.splitlines()[-1],
    )
    assert not ReindexLease.objects.exists()
    finished = run_to_end(tree, env)
    assert finished.returncode == 0, finished.stderr
    assert embedded(env) == stored_vectors() - kept


def test_a_reindex_completes_while_the_service_is_used_throughout(
    tree, env, django_user_model, settings
):
    assert run_to_end(tree, {**env, "DIZIN_BENCH_ENCODE_SECONDS": "0"}).returncode == 0
    add_files(tree, 200, random.Random(4), "second")
    # Each round hashes two passwords: with the deployed hasher that took much of the
    # reindex's window, and a loaded machine fit only five rounds in it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = django_user_model.objects.create_superuser("ayse", password="x")
    api, browser = APIClient(), Client()
    api.force_authenticate(admin)
    settings.SEARCH_THROTTLE_RATE = "100000/hour"
    process = start_reindex(tree, {**env, "DIZIN_BENCH_ENCODE_SECONDS": "0.3"})
    builds, states, searches = [], set(), 0
    while process.poll() is None:
        assert api.get("/api/search/", {"q": f"network {searches}"}).status_code == 200
        searches += 1
        django_user_model.objects.create_superuser(f"admin{searches}", password="x")
        assert browser.login(username="ayse", password="x")  # a session written
        restored = browser.post(
            "/admin/indexer/fileindex/?state=all",
            {"action": "restore_selected", "_selected_action": [FileIndex.objects.first().pk]},
        )
        assert restored.status_code == 302
        index = api.get("/api/health/").json()["data"]["index"]
        states.add((index["state"], index["pending_files"] > 0))
        builds.append(index["build"])
    _, stderr = process.communicate()

    assert process.returncode == 0, stderr
    assert searches > 5
    assert ("behind", True) in states
    phases = {build["phase"] for build in builds if build}
    assert {"embed"} <= phases <= {"crawl", "extract", "build", "embed", "swap"}
    assert all(build["done"] <= (build["total"] or build["done"]) for build in builds if build)
    assert api.get("/api/health/").json()["data"]["index"]["build"] is None


def test_files_written_before_a_kill_are_not_read_again(tmp_path, env):
    root = tmp_path / "many"
    add_files(root, 3000, random.Random(5), "batch")
    process = start_reindex(root, env)
    assert kill_when(process, lambda: FileIndex.objects.count() >= 500), "ended before writing"
    written = FileIndex.objects.count()

    finished = run_to_end(root, {**env, "DIZIN_BENCH_ENCODE_SECONDS": "0"})

    assert finished.returncode == 0, finished.stderr
    summary = finished.stdout.splitlines()
    assert f"new           {3000 - written}" in summary
    assert f"unchanged     {written}" in summary


def test_an_interrupt_while_reading_files_stops_at_once_and_keeps_what_was_written(tmp_path, env):
    root = tmp_path / "many"
    add_files(root, 3000, random.Random(6), "batch")
    process = start_reindex(root, env)
    deadline = time.monotonic() + 60
    while FileIndex.objects.count() < 500 and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    assert re.fullmatch(
        r"Interrupted by SIGINT in the extract phase \(\d+/3000 files done\)\. .*",
        stderr.splitlines()[-1],
    )
    assert FileIndex.objects.count() % 500 == 0
