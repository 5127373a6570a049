"""Reading ahead on a thread: the same items, in order, errors raised where they are read."""

import threading

import pytest

from core.iterables import read_ahead


def test_read_ahead_yields_every_item_in_order_and_closes_on_its_thread():
    closed_on = []

    items = list(
        read_ahead(
            iter(range(100)), close=lambda: closed_on.append(threading.current_thread().name)
        )
    )

    assert items == list(range(100))
    assert closed_on == ["read-ahead"]


def test_an_error_while_producing_is_raised_to_the_reader_after_the_items_before_it():
    def pages():
        yield 1
        yield 2
        raise ValueError("the database went away")

    reader = read_ahead(pages(), close=lambda: None)

    assert [next(reader), next(reader)] == [1, 2]
    with pytest.raises(ValueError, match="the database went away"):
        next(reader)


def test_a_reader_that_stops_early_stops_the_producer():
    produced = []
    closed = threading.Event()

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    reader = read_ahead(endless(), depth=2, close=closed.set)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()

    assert closed.wait(5)
    assert len(produced) <= 3 + 2 + 1
