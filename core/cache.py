"""Cache access that never fails a request: a cache outage costs speed, not answers."""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError

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


_install_key: str | None = None
# Without a database to read the install's key from, keys are this process's own for a while.
_fallback: tuple[str, float] = ("", 0.0)
FALLBACK_SECONDS = 10.0


def install_key() -> str:
    """Return this install's key (one per database), read once per process.

    Every cache key holds it, so two installs sharing one Redis never see each other's
    entries: not their search pages, their figures, nor their users' tokens.
    """
    global _install_key, _fallback
    if _install_key is not None:
        return _install_key
    from core.models import Installation  # the cache is set up before the apps are ready

    try:
        installation = Installation.objects.order_by("id").first()
        if installation is None:
            installation = Installation.objects.create(key=uuid.uuid4().hex)
    except DatabaseError:
        if time.monotonic() >= _fallback[1]:
            _fallback = (f"unshared-{uuid.uuid4().hex}", time.monotonic() + FALLBACK_SECONDS)
        return _fallback[0]
    _install_key = installation.key
    return _install_key


def install_scoped_key(key: str, key_prefix: str, version: int) -> str:
    """Make a cache key as Django does, with the install's key after the prefix."""
    return f"{key_prefix}:{install_key()}:{version}:{key}"


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
