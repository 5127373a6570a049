"""GET /metrics: every worker's Prometheus metrics, with the served index's size."""

import hmac
import os
from typing import Any

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
from rest_framework.exceptions import AuthenticationFailed

from core.api import error_body
from core.authentication import CachedTokenAuthentication
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
        if _signed_in(request):
            message = _("Metrics are for staff users, or for requests with the METRICS_TOKEN.")
            return JsonResponse(error_body(message, {"code": "permission_denied"}), status=403)
        body = error_body(
            _("Authentication credentials were not provided."), {"code": "not_authenticated"}
        )
        return JsonResponse(body, status=401, headers={"WWW-Authenticate": "Bearer"})
    _observe_index()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _may_read_metrics(request: HttpRequest) -> bool:
    user = _signed_in(request)
    if user is not None and user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def _signed_in(request: HttpRequest) -> Any:
    """Return the user signed in by session or API token, or None."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = CachedTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None
    return None if found is None else found[0]


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
