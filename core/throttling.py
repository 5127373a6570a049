"""Throttles that let requests through when the shared cache holding their counts is down."""

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

from core.cache import outage_log
from core.metrics import THROTTLED


class FailOpenScopedRateThrottle(ScopedRateThrottle):
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
        return getattr(settings, f"{self.scope.upper()}_THROTTLE_RATE", None)
