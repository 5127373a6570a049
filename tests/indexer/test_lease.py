import threading

import pytest
from django.db import connection, connections

from core.exceptions import ReindexInProgress
from indexer.lease import lease_acquire
from indexer.models import ReindexLease


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
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database locks its tables against a second thread")
    for _ in range(20):
        outcomes = race_for_the_lease()

        winners = [outcome for outcome in outcomes if outcome != "busy"]
        assert len(winners) == 1, outcomes
        assert ReindexLease.objects.get().owner == winners[0]
