"""Iteration helpers the standard library gains only after Python 3.11."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Yield tuples of `size` items (the last may be shorter), like Python 3.12's batched."""
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch
