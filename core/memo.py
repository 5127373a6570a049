"""Values computed at most once per interval per key, in this process, in bounded memory."""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class ExpiringMemo(Generic[Value]):
    """Remember each key's value for `lifetime()` seconds; forget all when `room` is full."""

    def __init__(self, lifetime: Callable[[], float], *, room: int = 10_000) -> None:
        self._lifetime = lifetime
        self._room = room
        self._known: dict[Hashable, tuple[Value, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """Return the key's remembered value, or compute and remember it."""
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and now < known[1]:
            return known[0]
        value = compute()
        with self._lock:
            if len(self._known) >= self._room:
                self._known.clear()
            self._known[key] = (value, now + self._lifetime())
        return value

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
