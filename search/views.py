import time

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.services import search_event_record
from core.api import success_response
from core.throttling import FailOpenScopedRateThrottle
from search.schema import SEARCH_RESPONSES
from search.selectors import search_files_cached
from search.serializers import SearchQuerySerializer


class SearchView(APIView):
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(parameters=[SearchQuerySerializer], responses=SEARCH_RESPONSES)
    def get(self, request: Request) -> Response:
        """Search the indexed files by keyword, by meaning, or both."""
        started = time.perf_counter()
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        payload, cached = search_files_cached(params)
        metadata = payload["metadata"] | {
            "cached": cached,
            "search_time_ms": round((time.perf_counter() - started) * 1000, 2),
            **_page_links(request, payload["metadata"]),
        }
        search_event_record(user=request.user, params=params, metadata=metadata)
        return success_response(payload["data"], message=_("Search completed"), metadata=metadata)


def _page_links(request: Request, metadata: dict) -> dict[str, str | None]:
    page, pages = metadata["page"], metadata["pages"]

    def link(number: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "next": link(page + 1) if page < pages else None,
        "previous": link(page - 1) if page > 1 else None,
    }
