"""Throttles that count in constant space and let requests through when the cache is down."""

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from core.cache import outage_log
from core.metrics import THROTTLED

# Previous windows' counts this process has read, by full cache key (see _previous_count).
_previous_counts: dict[str, int] = {}
PREVIOUS_COUNTS_KEPT = 10_000


class SlidingWindowThrottle(SimpleRateThrottle):
    """Count requests in fixed windows and weigh the previous window by how much of it overlaps.

    DRF's own throttle keeps a list of every request's time, which it reads and writes whole on
    each request: at a high rate that list is the slowest part of a cached search. Two counters
    per user (the approximation Cloudflare uses) cost one cache round trip a request: an
    increment of this window's count, the previous window's being read once per process.
    """

    # Set by SimpleRateThrottle.__init__ from the rate.
    num_requests: int
    duration: int

    def allow_request(self, request, view) -> bool:
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        window, self.elapsed = divmod(self.timer() / self.duration, 1)
        current = f"{key}:{int(window)}"
        self.previous = self._previous_count(f"{key}:{int(window) - 1}")
        # Counting first means two concurrent requests can never both take the last place.
        self.current = self._count(current) - 1
        if self.previous * (1 - self.elapsed) + self.current >= self.num_requests:
            self.cache.decr(current)  # a refused request does not count
            return False
        return True

    def _previous_count(self, key: str) -> int:
        """Read a finished window's count once: after its last requests it no longer changes."""
        full_key = self.cache.make_key(key)
        count = _previous_counts.get(full_key)
        if count is None:
            count = self.cache.get(key, 0)
            if len(_previous_counts) >= PREVIOUS_COUNTS_KEPT:
                _previous_counts.clear()
            _previous_counts[full_key] = count
        return count

    def _count(self, key: str) -> int:
        """Add one to a window's count; return the new count."""
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request
            if self.cache.add(key, 1, self.duration * 2):
                return 1
            return self.cache.incr(key)

    def wait(self) -> float:
        """Return the seconds until the weighted count drops under the rate."""
        limit = self.num_requests
        if self.current < limit:
            # Within this window, as the previous window's weight fades.
            needed = 1 - (limit - self.current) / self.previous
            return max(needed - self.elapsed, 0) * self.duration
        # After this window ends, as this window's count fades in turn.
        needed = max(1 - limit / self.current, 0) if self.current else 0
        return (1 - self.elapsed + needed) * self.duration


class FailOpenScopedRateThrottle(ScopedRateThrottle, SlidingWindowThrottle):
    """Scoped per-user rates; with the cache unreachable, allow the request and log it."""

    def allow_request(self, request, view) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except Exception as error:  # the cache backend's own errors vary by client library
            outage_log.error("Throttling skipped, cache unavailable: %r", error)
            return True
        if not allowed:
            THROTTLED.labels(self.scope).inc()
        return allowed

    def get_rate(self) -> str | None:
        """Read `<SCOPE>_THROTTLE_RATE` per request: DRF binds its rates once, at import."""
        return getattr(settings, f"{(self.scope or '').upper()}_THROTTLE_RATE", None)
