"""Rendered search pages kept in the shared cache, keyed by the index state they came from."""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.cache import MISS, cache_get, cache_set
from core.metrics import SEARCH_CACHE
from indexer.access import User
from search.request import SearchRequest
from search.selectors import search_context, search_page
from search.serializers import SearchPageSerializer, SearchResultSerializer
from search.signals import search_performed


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    results: list[dict[str, Any]]
    page: dict[str, Any]
    cached: bool
    # Files the served index does not have as they are now (see search.freshness.Lag).
    pending_files: int


def search_page_cached(*, request: SearchRequest, user: User) -> SearchAnswer:
    """Answer `user`'s search, from the cache when it was asked of this index state within
    the same access scope.

    The page is rendered by the output serializers once, when it is computed, and cached
    rendered.
    """
    context = search_context(user=user)
    key = context.cache_key(request)
    rendered = cache_get(key)
    SEARCH_CACHE.labels("miss" if rendered is MISS else "hit").inc()
    cached = rendered is not MISS
    if not cached:
        page = search_page(context=context, request=request)
        rendered = {
            "results": SearchResultSerializer(page.results, many=True).data,
            "page": SearchPageSerializer(page).data,
        }
        cache_set(key, rendered, settings.SEARCH_CACHE_TTL)
    return SearchAnswer(rendered["results"], rendered["page"], cached, context.pending_files)


def search_page_reported(
    *, request: SearchRequest, user: User, sender: object, started: float
) -> tuple[SearchAnswer, float]:
    """Answer `user`'s search and report it as performed; also return its latency in ms,
    counted from `started` (a time.perf_counter() reading)."""
    answer = search_page_cached(request=request, user=user)
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    search_performed.send(
        sender=sender,
        user=user,
        request=request,
        total_results=answer.page["total_results"],
        latency_ms=latency_ms,
        cached=answer.cached,
    )
    return answer, latency_ms
