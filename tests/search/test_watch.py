"""`manage.py watch`: which folders a batch of changes syncs, and changes found in search soon.

The process tests run the real command (bench/watch_latency.py starts it, with the fake
encoder) against the test database: committed to (`transaction=True`), on PostgreSQL.
"""

import logging
import re
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench.reindex_runs import child_env
from bench.watch_latency import WatchProcess, wait_until
from indexer.lease import lease_acquire, lease_release
from indexer.models import FileIndex
from indexer.services import SyncOptions
from indexer.watch import ChangeFilter, fewest_folders, folders_covering
from search.watching import PendingSync
from tests.environment import DATABASE, POSTGRES_URL
from tests.search.conftest import reindex

ROOT = "/data/root"
SECONDS = r"\(\d+\.\d\d s\)"
# What a build embeds for one new file: its text and its name.
ONE_FILE_EMBEDDED = "2 passages embedded"


def make_tree(root: Path, *relatives: str) -> Path:
    for relative in relatives:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{path.stem} text\n")
    return root


# --- which folders a batch syncs --------------------------------------------------------


def test_folders_inside_another_are_left_out_and_the_rest_sorted():
    folders = [f"{ROOT}/a/b", f"{ROOT}/a", f"{ROOT}/a b", f"{ROOT}/a/b/c", f"{ROOT}/z"]

    assert fewest_folders(folders, [ROOT]) == [f"{ROOT}/a", f"{ROOT}/a b", f"{ROOT}/z"]


def test_more_folders_than_the_limit_become_their_deepest_common_ancestor():
    folders = [f"{ROOT}/src/d{number:02}/x" for number in range(33)] + [f"{ROOT}/src/e"]

    assert fewest_folders(folders, [ROOT], limit=32) == [f"{ROOT}/src"]
    assert fewest_folders(folders[:32], [ROOT], limit=32) == sorted(folders[:32])


def test_each_root_is_coalesced_on_its_own_and_paths_outside_every_root_are_dropped():
    other = "/data/other"
    folders = [f"{ROOT}/a/{number}" for number in range(3)] + [f"{other}/x", "/elsewhere/y"]

    assert fewest_folders(folders, [ROOT, other], limit=2) == [f"{other}/x", f"{ROOT}/a"]


def test_a_changed_file_syncs_its_folder_and_a_folder_syncs_itself(tmp_path: Path):
    root = make_tree(tmp_path / "root", "a/b/file.txt", "a/c/d/other.txt")
    changed = [root / "a/b/file.txt", root / "a/c/d", root / "top.txt", root]

    assert folders_covering(map(str, changed), [str(root)]) == {
        f"{root}/a/b",
        f"{root}/a/c/d",
        str(root),
    }


def test_a_deleted_path_syncs_its_nearest_folder_still_there(tmp_path: Path):
    root = make_tree(tmp_path / "root", "a/file.txt")
    gone = [root / "a/gone/deeper/file.txt", root / "a/file.txt/not-a-folder", root / "b/c"]

    assert folders_covering(map(str, gone), [str(root)]) == {f"{root}/a", str(root)}


def test_a_link_to_a_folder_is_never_synced_through(tmp_path: Path):
    root = make_tree(tmp_path / "root", "real/file.txt")
    (root / "link").symlink_to(root / "real")

    assert folders_covering([f"{root}/link/file.txt"], [str(root)]) == {str(root)}


@pytest.mark.parametrize(
    ("relative", "kept"),
    [
        ("notes/todo.txt", True),
        (".git/index", False),
        ("src/node_modules/pkg/index.js", False),
        ("src/__pycache__", False),
        ("logs/app.log", False),
        ("build/out.txt", False),
        ("src/build/out.txt", True),
        ("var/index/gen-00000002/manifest.json", False),
    ],
)
def test_changes_under_excluded_and_own_paths_are_ignored(relative: str, kept: bool):
    keep = ChangeFilter([ROOT], ["*.log", "/build"], ignored=[f"{ROOT}/var"])

    assert keep(None, f"{ROOT}/{relative}") is kept


def test_the_root_itself_and_paths_outside_it_are_ignored():
    keep = ChangeFilter([ROOT], [])

    assert (keep(None, ROOT), keep(None, "/data/rootless/x.txt")) == (False, False)


# --- one run, in this process -----------------------------------------------------------


def pending_sync(root: Path, **options) -> PendingSync:
    sync = PendingSync(
        roots=[str(root)], options=SyncOptions(**options), stop=None, lock_timeout=60
    )
    sync.folders, sync.caught_up = set(), True
    return sync


@pytest.mark.django_db
def test_a_run_logs_one_line_and_syncs_only_the_changed_folder(tmp_path: Path, caplog):
    root = make_tree(tmp_path / "root", "a/one.txt", "b/two.txt")
    reindex(str(root))
    make_tree(root, "a/three.txt")
    (root / "b/two.txt").unlink()  # not reported: its folder is not synced
    sync = pending_sync(root)
    sync.add([str(root / "a/three.txt")])

    with caplog.at_level(logging.INFO, logger="search.watching"):
        outcome = sync.run()

    assert (outcome.sync.seen, outcome.sync.new, outcome.sync.deleted) == (2, 1, 0)
    assert re.fullmatch(
        rf"watch: synced 1 folder \(1 change\): 1 new, 0 changed, 0 deleted; "
        rf"search index generation 2, {ONE_FILE_EMBEDDED} {SECONDS}",
        caplog.messages[-1],
    )
    assert sorted(FileIndex.objects.values_list("file_path", flat=True)) == [
        f"{root}/a/one.txt",
        f"{root}/a/three.txt",
        f"{root}/b/two.txt",
    ]
    assert sync.folders == set()


@pytest.mark.django_db
def test_a_subfolder_sync_keeps_the_root_relative_excludes(tmp_path: Path):
    root = make_tree(tmp_path / "root", "build/top.txt", "sub/build/kept.txt")
    reindex(str(root), "--exclude", "/build")
    make_tree(root, "sub/new.txt")
    sync = pending_sync(root, excludes=["/build"])
    sync.add([str(root / "sub/new.txt")])

    outcome = sync.run()

    assert (outcome.sync.new, outcome.sync.deleted) == (1, 0)
    assert sorted(FileIndex.objects.values_list("file_path", flat=True)) == [
        f"{root}/sub/build/kept.txt",
        f"{root}/sub/new.txt",
    ]


@pytest.mark.django_db
def test_a_pending_folder_deleted_before_its_run_is_synced_from_its_parent(tmp_path: Path):
    root = make_tree(tmp_path / "root", "a/b/one.txt", "a/keep.txt")
    reindex(str(root))
    sync = pending_sync(root)
    sync.add([str(root / "a/b/one.txt")])
    (root / "a/b/one.txt").unlink()
    (root / "a/b").rmdir()

    outcome = sync.run()

    assert (outcome.sync.seen, outcome.sync.deleted) == (1, 1)
    assert list(FileIndex.objects.values_list("file_path", flat=True)) == [f"{root}/a/keep.txt"]


@pytest.mark.django_db
def test_while_another_reindex_holds_the_lock_the_folders_wait_and_it_says_so_once(
    tmp_path: Path, caplog
):
    root = make_tree(tmp_path / "root", "a/one.txt")
    reindex(str(root))
    make_tree(root, "a/two.txt")
    sync = pending_sync(root)
    sync.add([str(root / "a/two.txt")])
    lease = lease_acquire(timeout=60)

    with caplog.at_level(logging.INFO, logger="search.watching"):
        tries = [sync.run(), sync.due()]
        sync.retry_at = 0.0
        tries.append(sync.run())
        lease_release(lease)
        sync.retry_at = 0.0
        outcome = sync.run()

    assert tries == [None, False, None]
    assert caplog.messages[0].startswith("watch: Another reindex is already running (")
    assert caplog.messages[0].endswith("; keeping 1 folder to sync, trying again every 5 s")
    assert len(caplog.messages) == 2
    assert caplog.messages[1].startswith("watch: synced 1 folder (1 change): 1 new, ")
    assert outcome.sync.new == 1


# --- the command, as a process ----------------------------------------------------------

processes = pytest.mark.skipif(
    DATABASE != "postgres", reason="a watch process cannot see an in-memory SQLite test DB"
)


@pytest.fixture
def env(settings) -> dict[str, str]:
    database_url = f"{POSTGRES_URL.rstrip('/')}/{connection.settings_dict['NAME']}"
    return child_env(database_url, settings.INDEX_DIR, LOG_LEVEL="INFO")


@pytest.fixture
def api(api: APIClient, settings) -> APIClient:
    """The user's client, searching as often as a test polls."""
    settings.SEARCH_THROTTLE_RATE = "100000/hour"
    return api


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree", "docs/readme.txt", "src/main.txt")


def found(api: APIClient, word: str) -> list[str]:
    response = api.get("/api/search/", {"q": word, "mode": "keyword", "page_size": 100})
    assert response.status_code == 200, response.content
    return [result["file_path"] for result in response.json()["data"]]


def total_found(api: APIClient, word: str) -> int:
    response = api.get("/api/search/", {"q": word, "mode": "keyword", "page_size": 1})
    return response.json()["metadata"]["total_results"]


def alive(path: Path) -> bool:
    return FileIndex.objects.filter(file_path=str(path)).exists()


def started(tree: Path, env: dict[str, str], *args: str) -> WatchProcess:
    watch = WatchProcess([tree], env, "--skip-checks", *args)
    watch.wait_for("watch: caught up with 1 root", timeout=60)
    return watch


@processes
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_file_written_changed_and_deleted_shows_in_search_within_10_seconds(tree, env, api):
    note = tree / "docs" / "note.txt"
    watch = started(tree, env, "--exclude", "*.log")
    try:
        since = len(watch.lines)
        make_tree(tree, ".git/HEAD", "node_modules/x/index.js", "docs/debug.log")
        note.write_text("the zebrafinch sings\n")
        assert wait_until(lambda: found(api, "zebrafinch") == [str(note)], 10) is not None
        assert alive(note)
        assert re.fullmatch(
            rf".* watch: synced 1 folder \(1 change\): 1 new, 0 changed, 0 deleted; "
            rf"search index generation 2, {ONE_FILE_EMBEDDED} {SECONDS}",
            watch.runs(since)[0],
        )

        note.write_text("the kingfisher dives\n")
        assert wait_until(lambda: found(api, "kingfisher") == [str(note)], 10) is not None
        assert found(api, "zebrafinch") == []

        since = len(watch.lines)
        note.unlink()
        assert wait_until(lambda: found(api, "kingfisher") == [], 10) is not None
        assert wait_until(lambda: not alive(note), 10) is not None
        # Search stops finding a deleted file before its run has built the next generation.
        watch.wait_for(r"0 new, 0 changed, 1 deleted; search index generation", since=since)
    finally:
        status = watch.stop()
    assert status == 0
    assert watch.lines[-1].endswith("watch: stopped by SIGTERM")


@processes
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_2000_files_in_50_folders_takes_a_handful_of_runs(tree, env, api, settings):
    settings.SEARCH_MAX_RESULTS = 5000
    watch = started(tree, env)
    try:
        since = len(watch.lines)
        for number in range(2000):
            make_tree(tree, f"burst/d{number % 50:02}/f{number:04}.txt")
        burst = FileIndex.objects.filter(file_path__startswith=f"{tree}/burst/")
        assert wait_until(lambda: burst.count() == 2000, 60, 0.2) is not None
        # Every file says "text": the burst and the two there before.
        assert wait_until(lambda: total_found(api, "text") == 2002, 30, 0.2) is not None
        watch.wait_idle(1.0)
    finally:
        status = watch.stop()
    assert status == 0
    assert 1 <= len(watch.runs(since)) <= 5


@processes
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_changes_made_while_the_watch_was_stopped_are_synced_when_it_starts(tree, env, api):
    assert started(tree, env).stop(signal.SIGINT) == 0
    (tree / "docs" / "readme.txt").unlink()
    make_tree(tree, "later/offline.txt")

    watch = started(tree, env)
    watch.stop()

    assert re.fullmatch(
        rf".* watch: caught up with 1 root: 1 new, 0 changed, 1 deleted; "
        rf"search index generation 2, {ONE_FILE_EMBEDDED} {SECONDS}",
        watch.runs()[0],
    )
    assert found(api, "offline") == [str(tree / "later" / "offline.txt")]
    assert found(api, "readme") == []


@processes
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_another_reindex_runs_is_synced_after_it(tree, env, api):
    watch = started(tree, env)
    try:
        lease = lease_acquire(timeout=60)
        try:
            make_tree(tree, "docs/waiting.txt")
            watch.wait_for("watch: Another reindex is already running", timeout=10)
            time.sleep(6)  # past a retry
        finally:
            lease_release(lease)
        waiting = [str(tree / "docs" / "waiting.txt")]
        assert wait_until(lambda: found(api, "waiting") == waiting, 15) is not None
    finally:
        watch.stop()
    assert sum("Another reindex" in line for line in watch.lines) == 1
