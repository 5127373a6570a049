"""Prometheus metrics every app counts into, and the middleware that times requests."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "dizin_request_duration_seconds",
    "Time to answer a request, by endpoint and search mode.",
    ["endpoint", "mode", "status"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56),
)
SEARCH_CACHE = Counter("dizin_search_cache_total", "Search cache lookups.", ["result"])
THROTTLED = Counter("dizin_throttled_total", "Requests refused by throttling.", ["scope"])
SEARCH_EVENTS_DROPPED = Counter(
    "dizin_search_events_dropped_total", "Search events not recorded: the write queue was full."
)


class RequestMetricsMiddleware:
    """Time every request, labelled by the URL name it resolved to and the search mode."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        endpoint = match.view_name if match else "unmatched"
        mode = request.GET.get("mode", "hybrid") if endpoint == "search:search" else ""
        REQUEST_SECONDS.labels(endpoint, mode[:16], str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response
