import gc
import hashlib
import io
import os
import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.exceptions import ReindexInProgress
from indexer import storing
from indexer.crawler import Reason
from indexer.lease import lease_acquire, reindex_lease
from indexer.models import FileContent, FileIndex, ReindexLease
from indexer.progress import RunProgress
from indexer.services import SyncOptions, file_index_sync
from search.reindex import ReindexRequest, reindex_run

pytestmark = pytest.mark.django_db


def sync(*roots, **options):
    return file_index_sync(roots=list(roots), options=SyncOptions(**options))


def counts(report) -> dict[str, int]:
    names = ("seen", "new", "changed", "unchanged", "deleted", "restored", "errors")
    return {name: getattr(report, name) for name in names}


def test_first_run_stores_every_file_with_its_hash_type_and_text(make_files):
    root = make_files({"docs/guide.md": "# Reset a forgotten password\n", "app/main.py": "x = 1\n"})

    report = sync(root)

    assert (report.seen, report.new, report.errors) == (2, 2, 0)
    guide = FileIndex.objects.get(file_path=f"{root}/docs/guide.md")
    assert guide.content_hash == hashlib.sha256(b"# Reset a forgotten password\n").hexdigest()
    assert (guide.file_size, guide.content_type) == (29, "text/markdown")
    assert guide.search_keywords.endswith(" docs guide md Reset forgotten password")
    assert FileContent.objects.get(pk=guide.content_hash).text == "# Reset a forgotten password\n"
    assert FileIndex.objects.get(file_path=f"{root}/app/main.py").content_type == "text/x-python"


def test_second_run_over_an_unchanged_tree_reads_nothing(make_files):
    root = make_files({f"f{n}.txt": f"file {n}" for n in range(30)})
    sync(root)

    report = sync(root)

    assert counts(report) == {
        "seen": 30,
        "new": 0,
        "changed": 0,
        "unchanged": 30,
        "deleted": 0,
        "restored": 0,
        "errors": 0,
    }
    assert report.bytes_read == 0


def test_full_run_rereads_every_file_but_changes_nothing(make_files):
    root = make_files({"a.txt": "alpha", "b.txt": "beta"})
    sync(root)

    report = sync(root, full=True)

    assert (report.bytes_read, report.unchanged, report.changed) == (9, 2, 0)


def test_changed_file_gets_its_new_hash_and_text(make_files):
    root = make_files({"notes.txt": "old"})
    sync(root)
    (root / "notes.txt").write_text("new content")
    os.utime(root / "notes.txt", ns=(1, 1_700_000_000_000_000_000))

    report = sync(root)

    row = FileIndex.objects.get()
    assert (report.changed, row.file_size) == (1, 11)
    assert FileContent.objects.get(pk=row.content_hash).text == "new content"


def test_vanished_file_is_soft_deleted_and_restored_when_it_returns(make_files):
    root = make_files({"keep.txt": "k", "gone.txt": "g"})
    sync(root)
    original = FileIndex.objects.get(file_path=f"{root}/gone.txt")
    content = (root / "gone.txt").read_bytes()
    stat = (root / "gone.txt").stat()
    (root / "gone.txt").unlink()

    assert sync(root).deleted == 1
    assert FileIndex.objects.deleted_only().get().pk == original.pk

    (root / "gone.txt").write_bytes(content)
    os.utime(root / "gone.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = sync(root)

    assert (report.restored, report.new, report.bytes_read) == (1, 0, 0)
    assert FileIndex.objects.get(file_path=f"{root}/gone.txt").pk == original.pk


def test_indexing_one_root_never_deletes_rows_under_another(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "ab").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "ab" / "y.txt").write_text("y")
    sync(tmp_path / "a", tmp_path / "ab")
    (tmp_path / "a" / "x.txt").unlink()

    report = sync(tmp_path / "a")

    assert report.deleted == 1
    assert list(FileIndex.objects.values_list("file_path", flat=True)) == [f"{tmp_path}/ab/y.txt"]


def test_turkish_name_and_cp1254_text_are_kept_exactly(make_files):
    root = make_files({"çalışma_dosyası.txt": "İstanbul ışık şğü".encode("cp1254")})

    sync(root)

    row = FileIndex.objects.get()
    assert row.file_path == f"{root}/çalışma_dosyası.txt"
    content = FileContent.objects.get(pk=row.content_hash)
    assert (content.text, content.encoding) == ("İstanbul ışık şğü", "cp1254")
    assert row.search_keywords.endswith(" çalışma dosyası txt İstanbul ışık şğü")


def test_bad_entries_are_counted_and_listed_and_never_stop_the_run(make_files):
    root = make_files({"ok.txt": "fine", "empty.txt": ""})
    os.mkfifo(root / "pipe")
    (root / "dangling").symlink_to(root / "nowhere")
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as file:
        file.write(b"latin-1 name")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock"))

    report = sync(root)

    server.close()
    assert (report.new, report.errors) == (3, 3)
    assert report.problem_counts == {Reason.SPECIAL_FILE: 2, Reason.BROKEN_SYMLINK: 1}
    assert sorted(FileIndex.objects.values_list("file_path", flat=True)) == [
        f"{root}/caf\\xe9.txt",
        f"{root}/empty.txt",
        f"{root}/ok.txt",
    ]
    assert FileIndex.objects.get(file_path=f"{root}/empty.txt").file_size == 0


def test_path_longer_than_the_column_is_reported_not_truncated(tmp_path):
    deep = tmp_path
    while len(str(deep)) < 1100:
        deep = deep / ("d" * 200)
    deep.mkdir(parents=True)
    (deep / "far.txt").write_text("far away")

    report = sync(tmp_path)

    assert (report.new, report.problem_counts) == (0, {Reason.PATH_TOO_LONG: 1})
    problem = report.problems[0]
    assert problem.path == f"{deep}/far.txt"
    assert problem.detail == f"path has {len(problem.path)} characters; the limit is 1024"


def test_unreadable_directory_keeps_its_rows(make_files, monkeypatch):
    root = make_files({"private/secret.txt": "s", "public.txt": "p"})
    sync(root)
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    # Tests run as root, whom chmod does not stop, so the OS call is made to refuse instead.
    monkeypatch.setattr(os, "scandir", scandir)
    report = sync(root)

    assert (report.deleted, report.problem_counts) == (0, {Reason.PERMISSION_DENIED: 1})
    assert FileIndex.objects.count() == 2


def test_dry_run_reports_changes_and_writes_nothing(make_files):
    root = make_files({"a.txt": "a"})
    sync(root)
    (root / "b.txt").write_text("b")
    (root / "a.txt").unlink()

    report = sync(root, dry_run=True)

    assert (report.new, report.deleted) == (1, 1)
    assert list(FileIndex.objects.values_list("file_path", flat=True)) == [f"{root}/a.txt"]


def test_a_crash_mid_run_leaves_whole_batches_and_the_next_run_finishes(make_files, monkeypatch):
    root = make_files({f"f{n:02}.txt": f"file {n}" for n in range(25)})
    monkeypatch.setattr(storing, "WRITE_BATCH_FILES", 10)
    real_write = storing._write_rows
    calls = []

    def failing_write(results, rows):
        calls.append(len(results))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_write(results, rows)

    monkeypatch.setattr(storing, "_write_rows", failing_write)
    with pytest.raises(KeyboardInterrupt):
        sync(root)
    assert FileIndex.objects.count() == 10

    monkeypatch.setattr(storing, "_write_rows", real_write)
    report = sync(root)

    assert (report.new, report.unchanged, FileIndex.objects.count()) == (15, 10, 25)


def test_second_reindex_exits_at_once_while_one_holds_the_lease(make_files):
    root = make_files({"a.txt": "a"})

    with reindex_lease(timeout=60), pytest.raises(CommandError) as error:
        call_command("reindex", str(root))

    assert error.value.returncode == 75
    assert str(error.value).startswith("Another reindex is already running (")
    assert FileIndex.objects.count() == 0


def test_lease_of_a_killed_run_expires_and_is_taken_over():
    lease_acquire(timeout=60)
    ReindexLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    lease = lease_acquire(timeout=60)

    assert ReindexLease.objects.get().owner == lease.owner


def test_lease_lost_to_another_run_stops_the_renewal():
    lease = lease_acquire(timeout=0)  # renew() writes at once
    ReindexLease.objects.update(owner="someone else")

    with pytest.raises(ReindexInProgress, match="took it over"):
        lease.renew()


class _FreezeWatch(RunProgress):
    """Progress that notes whether any objects are frozen as each phase starts."""

    def __init__(self) -> None:
        super().__init__(stream=io.StringIO(), terminal=False, interval=None)
        self.frozen: list[bool] = []

    def start(self, phase, total) -> None:
        self.frozen.append(gc.get_freeze_count() > 0)
        super().start(phase, total)


def test_a_reindex_runs_with_the_objects_that_existed_before_it_frozen(make_files, nothing_frozen):
    root = make_files({"a.txt": "alpha"})
    progress = _FreezeWatch()

    reindex_run(
        request=ReindexRequest(roots=[root], build=False), progress=progress, lock_timeout=0
    )

    assert (progress.frozen, gc.get_freeze_count()) == ([True, True], 0)


def test_command_prints_a_plain_summary(make_files):
    root = make_files({"a.txt": "alpha"})
    out = io.StringIO()

    call_command("reindex", str(root), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:8] == [
        "files seen    1",
        "new           1",
        "changed       0",
        "unchanged     0",
        "deleted       0",
        "restored      0",
        "errors        0",
        "bytes read    5 (5\xa0bytes)",
    ]


def test_command_lists_problems_on_stderr_even_when_quiet(make_files):
    root = make_files({"a.txt": "alpha"})
    os.mkfifo(root / "pipe")
    out, err = io.StringIO(), io.StringIO()

    call_command("reindex", str(root), verbosity=0, stdout=out, stderr=err)

    assert out.getvalue() == ""
    assert err.getvalue().startswith(f"special_file: {root}/pipe: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/definitely/not/here"], "Root does not exist: /definitely/not/here"),
        ([], "No directories given and INDEX_ROOTS is empty."),
    ],
)
def test_command_refuses_bad_roots(args, message, settings):
    settings.INDEX_ROOTS = []

    with pytest.raises(CommandError, match=f"^{message}$"):
        call_command("reindex", *args)


def test_command_uses_index_roots_when_no_path_is_given(make_files, settings):
    settings.INDEX_ROOTS = [make_files({"a.txt": "a"})]

    call_command("reindex", stdout=io.StringIO())

    assert FileIndex.objects.count() == 1


@pytest.mark.slow
def test_sparse_five_gibibyte_file_is_stored_with_its_exact_size_and_hash(sparse_five_gib):
    path, expected = sparse_five_gib

    sync(path.parent)

    row = FileIndex.objects.get()
    assert (row.file_size, row.content_hash) == (5_368_709_120, expected)


@pytest.mark.skipif("os.environ.get('DIZIN_TEST_DATABASE') == 'sqlite'", reason="PostgreSQL's")
def test_a_run_that_writes_many_rows_refreshes_the_planners_counts(make_files, monkeypatch):
    from django.db import connection

    from indexer import services

    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 12)
    few = make_files({f"a/f{n}.txt": f"file {n}" for n in range(11)})
    sync(few)

    def planned_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'file_index'")
            return cursor.fetchone()[0]

    before = planned_rows()
    sync(make_files({f"b/f{n}.txt": f"file {n}" for n in range(12)}))

    assert (before, planned_rows()) == (-1, 23)
