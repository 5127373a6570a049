"""Progress that fits where it goes: a line per phase and every few seconds in a log."""

import io
import re

import pytest
from django.core.management import call_command

from core.progress import Phase
from indexer.crawler import count_files, walk_roots
from indexer.progress import RunProgress
from indexer.services import file_index_sync

pytestmark = pytest.mark.django_db


class Recorder:
    """A Progress that notes every call."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start(self, phase, total):
        self.calls.append(("start", phase, total))

    def set_total(self, total):
        self.calls.append(("set_total", total))

    def advance(self, steps=1, *, size=0):
        self.calls.append(("advance", steps))

    def checkpoint(self):
        self.calls.append(("checkpoint",))

    def totals(self) -> list[tuple]:
        """Return the calls that start a phase or give its total."""
        return [call for call in self.calls if call[0] in {"start", "set_total"}]


def test_off_a_terminal_reindex_prints_each_phase_and_a_line_every_interval(make_files):
    root = make_files({f"f{n}.txt": f"file {n}" for n in range(3)})
    err = io.StringIO()

    call_command(
        "reindex", str(root), "--progress-interval", "0.000001", stdout=io.StringIO(), stderr=err
    )

    lines = err.getvalue().splitlines()
    assert [line for line in lines if "started" in line] == [
        "reindex: crawl started",
        "reindex: extract started: 3 files",
        "reindex: build started: 3 files",
        "reindex: embed started: 6 passages",
        "reindex: swap started",
    ]
    line = r"reindex: extract \d/3 files \(\d+\.\d%\), [\d.]+ files/s, ETA \d+ s"
    assert any(re.fullmatch(line, text) for text in lines), lines


@pytest.mark.parametrize(
    "options", [{"progress_interval": 0}, {"verbosity": 0}], ids=["interval 0", "quiet"]
)
def test_progress_lines_can_be_turned_off(make_files, options):
    root = make_files({"a.txt": "alpha"})
    err = io.StringIO()

    call_command("reindex", str(root), stdout=io.StringIO(), stderr=err, **options)

    assert err.getvalue() == ""


def test_the_crawl_counts_the_tree_for_its_total_and_the_extract_phase_its_files(make_files):
    root = make_files({"a.txt": "a", "b/c.txt": "c", "b/d.txt": "d", "node_modules/x.js": "x"})
    recorder = Recorder()

    file_index_sync(roots=[root], progress=recorder, total_crawl=True)

    starts = recorder.totals()
    assert starts == [
        ("start", Phase.CRAWL, None),
        ("set_total", 3),
        ("start", Phase.EXTRACT, 3),
    ]
    assert recorder.calls[-1] == ("checkpoint",)


def test_a_root_indexed_before_takes_its_crawl_total_from_its_stored_rows(make_files):
    indexed = make_files({"old/a.txt": "a", "old/b/c.txt": "c"}) / "old"
    file_index_sync(roots=[indexed])
    fresh = make_files({"old/new.txt": "new", "fresh/x.txt": "x", "fresh/y/z.txt": "z"}) / "fresh"
    recorder = Recorder()

    file_index_sync(roots=[indexed, fresh], progress=recorder, total_crawl=True)

    # The first root's two stored rows, not its three files, and the second root's two files.
    starts = recorder.totals()
    assert starts == [
        ("start", Phase.CRAWL, None),
        ("set_total", 4),
        ("start", Phase.EXTRACT, 3),
    ]


def test_a_crawl_that_finds_more_files_than_rows_stored_drops_its_total(make_files):
    root = make_files({"a.txt": "a", "b.txt": "b"})
    file_index_sync(roots=[root])
    make_files({"c.txt": "c", "d.txt": "d"})
    recorder = Recorder()

    file_index_sync(roots=[root], progress=recorder, total_crawl=True)

    totals = recorder.totals()
    assert totals == [
        ("start", Phase.CRAWL, None),
        ("set_total", 2),
        ("set_total", None),
        ("start", Phase.EXTRACT, 2),
    ]


def test_a_total_never_falls_below_the_count():
    progress = RunProgress(stream=io.StringIO(), terminal=False, interval=None)
    progress.start(Phase.CRAWL, 2)
    progress.advance(3)
    shown = [progress.counted()]
    progress.set_total(1)  # a count from another thread, landing late
    shown.append(progress.counted())
    progress.set_total(None)
    shown.append(progress.counted())

    assert shown == ["3/3 files", "3/3 files", "3 files"]


def test_the_quick_count_agrees_with_the_walk(make_files):
    root = make_files({f"d{n % 7}/s{n % 3}/f{n}.txt": "x" for n in range(60)} | {".git/x": "y"})

    assert count_files([str(root)]) == len(list(walk_roots([str(root)]))) == 60


def test_a_progress_line_gives_the_share_done_the_rate_and_the_time_left():
    progress = RunProgress(stream=io.StringIO(), terminal=False, interval=None)
    progress.start(Phase.EMBED, 200)
    progress.advance(50)

    line = progress.line()

    assert re.fullmatch(
        r"reindex: embed 50/200 passages \(25\.0%\), [\d.]+ passages/s, ETA \d+ s", line
    )
