"""Rendered search pages kept in the shared cache, keyed by the index state they came from."""

from typing import Any

from django.conf import settings

from core.cache import MISS, cache_get, cache_set
from core.metrics import SEARCH_CACHE
from search.request import SearchRequest
from search.selectors import search_context, search_page
from search.serializers import SearchPageSerializer, SearchResultSerializer


def search_page_cached(*, request: SearchRequest) -> tuple[dict[str, Any], bool]:
    """Return a search's rendered page, from the cache when it was asked of this index state.

    The page is {"results": [...], "page": {...}}, rendered by the output serializers once,
    when it is computed; say whether it came from the cache.
    """
    context = search_context()
    key = context.cache_key(request)
    rendered = cache_get(key)
    SEARCH_CACHE.labels("miss" if rendered is MISS else "hit").inc()
    if rendered is not MISS:
        return rendered, True
    page = search_page(context=context, request=request)
    rendered = {
        "results": SearchResultSerializer(page.results, many=True).data,
        "page": SearchPageSerializer(page).data,
    }
    cache_set(key, rendered, settings.SEARCH_CACHE_TTL)
    return rendered, False
