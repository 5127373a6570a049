import time

import pytest

from analytics import writer as writer_module
from analytics.models import SearchEvent
from analytics.writer import SearchEventWriter
from core.metrics import SEARCH_EVENTS_DROPPED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_logs(monkeypatch):
    """Each test sees the first of its once-a-minute log lines."""
    for log in (writer_module._failure_log, writer_module._dropped_log):
        monkeypatch.setattr(log, "_next", 0.0)


def event(query: str) -> SearchEvent:
    return SearchEvent(
        query=query, normalized_query=query, mode="keyword", result_count=1, latency_ms=2.0
    )


def test_queued_events_are_written_in_batches_on_flush():
    writer = SearchEventWriter(background=False)
    for n in range(1200):
        writer.submit(event(f"q{n}"))

    writer.flush()

    assert SearchEvent.objects.count() == 1200


def test_a_full_queue_drops_events_counts_them_and_says_so(caplog):
    writer = SearchEventWriter(max_pending=1, background=False)
    before = SEARCH_EVENTS_DROPPED._value.get()

    writer.submit(event("kept"))
    writer.submit(event("dropped"))
    writer.flush()

    assert list(SearchEvent.objects.values_list("query", flat=True)) == ["kept"]
    assert SEARCH_EVENTS_DROPPED._value.get() == before + 1
    assert caplog.messages == ["Search events are arriving faster than they can be written"]


def test_a_refused_batch_is_logged_and_the_next_one_is_written(caplog):
    writer = SearchEventWriter(background=False)
    broken = event("broken")
    broken.result_count = None  # the column is NOT NULL: the database refuses the batch
    writer.submit(broken)
    writer.flush()
    writer.submit(event("fine"))
    writer.flush()

    assert list(SearchEvent.objects.values_list("query", flat=True)) == ["fine"]
    assert [m.split("(")[0] for m in caplog.messages] == [
        "Could not record 1 search events: IntegrityError"
    ]


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_writes_events_without_a_flush():
    writer = SearchEventWriter()
    writer.submit(event("on its own"))

    deadline = time.monotonic() + 10
    while not SearchEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.01)

    assert list(SearchEvent.objects.values_list("query", flat=True)) == ["on its own"]


@pytest.mark.django_db(transaction=True)
def test_events_arriving_together_are_written_in_one_transaction(monkeypatch):
    batches = []
    write = SearchEventWriter._write
    monkeypatch.setattr(
        SearchEventWriter,
        "_write",
        lambda self, batch: (batches.append(len(batch)), write(self, batch)),
    )
    writer = SearchEventWriter()
    for n in range(50):
        writer.submit(event(f"q{n}"))

    deadline = time.monotonic() + 10
    while SearchEvent.objects.count() < 50 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert (SearchEvent.objects.count(), batches) == (50, [50])
