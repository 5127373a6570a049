import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from core.exceptions import ReindexInProgress
from indexer.lease import RunState, lease_acquire, reindex_lease
from indexer.models import ReindexLease
from indexer.selectors import reindex_progress


def race_for_the_lease() -> list[str]:
    """Let two threads ask for the free lease at the same moment; return owners or "busy"."""
    ReindexLease.objects.all().delete()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def contend() -> None:
        start.wait()
        try:
            outcomes.append(lease_acquire(timeout=60).owner)
        except ReindexInProgress:
            outcomes.append("busy")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_processes_racing_for_a_free_lease_never_both_get_it():
    for _ in range(20):
        outcomes = race_for_the_lease()

        winners = [outcome for outcome in outcomes if outcome != "busy"]
        assert len(winners) == 1, outcomes
        assert ReindexLease.objects.get().owner == winners[0]


def dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(finished.stdout)


@pytest.mark.django_db
def test_a_lease_whose_holder_died_on_this_machine_is_taken_over_at_once():
    held = lease_acquire(timeout=60)
    ReindexLease.objects.update(pid=dead_pid())

    taken = lease_acquire(timeout=60)

    assert ReindexLease.objects.get().owner == taken.owner != held.owner


@pytest.mark.django_db
def test_a_lease_whose_holder_exited_unreaped_is_taken_over_at_once():
    exited = subprocess.Popen([sys.executable, "-c", "pass"])  # not waited for: a zombie
    stat = Path(f"/proc/{exited.pid}/stat")
    deadline = time.monotonic() + 30
    while stat.read_text().rpartition(")")[2].split()[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.01)
    held = lease_acquire(timeout=60)
    ReindexLease.objects.update(pid=exited.pid)

    taken = lease_acquire(timeout=60)
    exited.wait()

    assert ReindexLease.objects.get().owner == taken.owner != held.owner


@pytest.mark.django_db
def test_a_lease_held_on_another_machine_waits_for_its_expiry():
    lease_acquire(timeout=60)
    ReindexLease.objects.update(host="elsewhere", pid=dead_pid())

    with pytest.raises(ReindexInProgress) as busy:
        lease_acquire(timeout=60)

    assert str(busy.value).endswith(
        "Wait for it to finish; if it was killed on another machine, its lock expires "
        "60 s after its last renewal."
    )


@pytest.mark.django_db
def test_a_run_publishes_its_phase_for_other_processes_to_read():
    started = timezone.now()
    with reindex_lease(timeout=60) as lease:
        lease.publish(RunState("embed", started, 30, 120))
        progress = reindex_progress()

    assert progress == {
        "phase": "embed",
        "done": 30,
        "total": 120,
        "started_at": started.isoformat(),
        "eta_seconds": progress["eta_seconds"],
    }
    assert progress["eta_seconds"] >= 0
    assert reindex_progress() is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_and_writes_a_new_phase_at_once():
    with reindex_lease(timeout=60) as lease:
        expires = ReindexLease.objects.get().expires_at
        lease.publish(RunState("crawl", timezone.now(), 5, None))
        deadline = time.monotonic() + 10
        while ReindexLease.objects.get().phase != "crawl" and time.monotonic() < deadline:
            time.sleep(0.01)
        row = ReindexLease.objects.get()

    assert (row.phase, row.done, row.total) == ("crawl", 5, None)
    assert row.expires_at > expires
    assert not ReindexLease.objects.exists()
