"""Prometheus metrics: what they count, the middleware that times requests, and /metrics."""

import hmac
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from core.api import error_body
from search.factory import get_index_holder

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
INDEX_GENERATION = Gauge(
    "dizin_index_generation", "Generation of the served index.", multiprocess_mode="max"
)
INDEX_VECTORS = Gauge(
    "dizin_index_vectors", "Vectors in the served index.", multiprocess_mode="max"
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


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Serve the metrics to staff users or to holders of the METRICS_TOKEN bearer token."""
    if not _may_read_metrics(request):
        body = error_body(
            _("Authentication credentials were not provided."), {"code": "not_authenticated"}
        )
        return JsonResponse(body, status=401, headers={"WWW-Authenticate": "Bearer"})
    _observe_index()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _may_read_metrics(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def _observe_index() -> None:
    status = get_index_holder().status()
    if status.get("generation") is not None:
        INDEX_GENERATION.set(status["generation"])
        INDEX_VECTORS.set(status["vectors"])


def _registry() -> CollectorRegistry:
    """Gather every worker's metrics when uvicorn runs several (PROMETHEUS_MULTIPROC_DIR)."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
