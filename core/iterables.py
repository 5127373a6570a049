"""Iteration helpers: batches, as Python 3.12 has them, and reading ahead on a thread."""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Yield tuples of `size` items (the last may be shorter), like Python 3.12's batched."""
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch


_DONE = object()


def read_ahead(items: Iterator[T], *, depth: int = 2, close: Callable[[], None]) -> Iterator[T]:
    """Yield `items`, produced on a thread of their own up to `depth` ahead of the caller.

    For items that wait on I/O (pages of rows): the wait overlaps the caller's work. `close`
    runs on that thread when it ends (its database connection is its own). An error the
    producer raises is raised here, in order.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                ready.put(item)
            ready.put(_DONE)
        except BaseException as error:  # handed to the caller, who raises it
            ready.put(error)
        finally:
            close()

    producer = threading.Thread(target=produce, name="read-ahead", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting for room, then let it end
            try:
                ready.get_nowait()
            except queue.Empty:
                producer.join(0.01)
