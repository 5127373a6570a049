"""Write search events off the response path: one thread per process drains a queue in batches.

An insert per search cost a cached search a third of its time (a commit, an fsync on SQLite).
Here a search only puts its event on a queue; one thread takes the first event waiting, lets
more gather for up to LINGER_SECONDS, and writes up to BATCH of them in one transaction: a busy
server commits a few times a second, not once per search (a commit per search cost a cached
search 0.8 ms of CPU even off the request thread, since it shares the interpreter's lock).
What is queued when the process exits normally is written then; a process killed outright
loses the events still in its queue, those of the last LINGER_SECONDS at most.
"""

import atexit
import logging
import queue
import threading
import time

from django.db import close_old_connections, connections, transaction

from analytics.models import SearchEvent
from core.cache import RateLimitedLog
from core.metrics import SEARCH_EVENTS_DROPPED

logger = logging.getLogger(__name__)
_failure_log = RateLimitedLog(logger)
_dropped_log = RateLimitedLog(logger)
# How long the idle thread waits before looking again (and noticing it is idle).
WAKE_SECONDS = 0.5
# How long a batch may gather after its first event: analytics lag by at most this much.
LINGER_SECONDS = 0.25
BATCH = 500
MAX_PENDING = 10_000


class SearchEventWriter:
    """Queue events and write them in batches from a daemon thread, started on first use.

    With `background=False` nothing is written until `flush()`, in the caller's thread.
    """

    def __init__(self, *, max_pending: int = MAX_PENDING, background: bool = True) -> None:
        self._pending: queue.Queue[SearchEvent] = queue.Queue(maxsize=max_pending)
        self._background = background
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, event: SearchEvent) -> None:
        """Queue an event without waiting; when the queue is full, drop it and count it."""
        if self._background:
            self._ensure_thread()
        try:
            self._pending.put_nowait(event)
        except queue.Full:
            SEARCH_EVENTS_DROPPED.inc()
            _dropped_log.error("Search events are arriving faster than they can be written")

    def flush(self) -> None:
        """Write every queued event, and wait for the batch the thread may be writing."""
        while batch := self._take(linger=0):
            self._write(batch)
        self._pending.join()

    def _ensure_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="search-event-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            if batch := self._take(wait=WAKE_SECONDS, linger=LINGER_SECONDS):
                # No request signals reach this thread: honour CONN_MAX_AGE and health here.
                close_old_connections()
                self._write(batch)
            else:
                # Idle: give the connection back rather than hold it open for nothing.
                connections.close_all()

    def _take(self, *, wait: float = 0, linger: float) -> list[SearchEvent]:
        """Take up to BATCH events: the first within `wait` seconds, the rest within `linger`."""
        batch: list[SearchEvent] = []
        try:
            batch.append(self._pending.get(block=wait > 0, timeout=wait or None))
            until = time.monotonic() + linger
            while len(batch) < BATCH:
                left = until - time.monotonic()
                batch.append(self._pending.get(block=left > 0, timeout=max(left, 0) or None))
        except queue.Empty:
            pass
        return batch

    def _write(self, batch: list[SearchEvent]) -> None:
        try:
            with transaction.atomic():
                SearchEvent.objects.bulk_create(batch)
        except Exception as error:  # recording is best effort by design
            _failure_log.error("Could not record %d search events: %r", len(batch), error)
        finally:
            for _ in batch:
                self._pending.task_done()


writer = SearchEventWriter()
atexit.register(writer.flush)
