"""Cache access that never fails a request: a cache outage costs speed, not answers."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)
MISS = object()
# An outage is logged once a minute, not once per request.
LOG_EVERY_SECONDS = 60.0


class RateLimitedLog:
    """Log an error at most once a minute: an outage should not flood the logs."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._lock = threading.Lock()
        self._next = 0.0

    def error(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return
            self._next = now + LOG_EVERY_SECONDS
        self._logger.error(message, *args)


outage_log = RateLimitedLog(logger)


def cache_get(key: str) -> Any:
    """Return the cached value, or MISS when there is none or the cache is unreachable."""
    try:
        return cache.get(key, MISS)
    except Exception as error:  # any backend failure: the caller computes the value instead
        outage_log.error("Cache unavailable, answering without it: %r", error)
        return MISS


def cache_set(key: str, value: Any, timeout: float | None) -> bool:
    """Store a value; say whether it was stored."""
    return _attempt(cache.set, key, value, timeout)


def cache_delete(key: str) -> bool:
    """Delete a key; say whether the cache could be reached."""
    return _attempt(cache.delete, key)


def _attempt(operation: Callable[..., Any], *args: Any) -> bool:
    """Run a cache write; on any backend failure log it (rate-limited) and return False."""
    try:
        operation(*args)
    except Exception as error:
        outage_log.error("Cache unavailable, answering without it: %r", error)
        return False
    return True
