"""GET /metrics: every worker's Prometheus metrics, with the served index's size."""

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)

from core.api import error_body
from search.factory import get_index_holder

INDEX_GENERATION = Gauge(
    "dizin_index_generation", "Generation of the served index.", multiprocess_mode="max"
)
INDEX_VECTORS = Gauge(
    "dizin_index_vectors", "Vectors in the served index.", multiprocess_mode="max"
)


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
