import time

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import success_response
from core.schema import envelope, error_responses, extend_schema
from core.throttling import FailOpenScopedRateThrottle
from search.caching import search_page_reported
from search.serializers import (
    SearchMetadataSerializer,
    SearchQuerySerializer,
    SearchResultSerializer,
)

SEARCH_RESPONSES = {
    200: OpenApiResponse(
        envelope(
            "SearchResponse",
            data=SearchResultSerializer(many=True),
            metadata=SearchMetadataSerializer(),
        ),
        description="One page of results.",
    ),
    **error_responses(400, 401, 429, 503),
}


class SearchView(APIView):
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(parameters=[SearchQuerySerializer], responses=SEARCH_RESPONSES)
    def get(self, request: Request) -> Response:
        """Search the indexed files by keyword, by meaning, or both."""
        started = time.perf_counter()
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        search_request = query.search_request()
        answer, latency_ms = search_page_reported(
            request=search_request, user=request.user, sender=type(self), started=started
        )
        page = answer.page
        metadata = SearchMetadataSerializer(
            page
            | _page_links(request, page)
            | {
                "search_time_ms": latency_ms,
                "cached": answer.cached,
                "index_pending_files": answer.pending_files,
            }
        ).data
        return success_response(answer.results, message=_("Search completed"), metadata=metadata)


def _page_links(request: Request, page: dict) -> dict[str, str | None]:
    number, pages = page["page"], page["pages"]

    def link(to: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(to)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "next": link(number + 1) if number < pages else None,
        "previous": link(number - 1) if number > 1 else None,
    }
