"""OpenAPI descriptions of /api/search/ responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.schema import error_responses


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_path = serializers.CharField()
    content_type = serializers.CharField()
    file_size = serializers.IntegerField()
    last_modified = serializers.DateTimeField()
    score = serializers.FloatField(
        allow_null=True,
        help_text="BM25 (keyword), cosine similarity (semantic) or fused rank score (hybrid); "
        "null without a query.",
    )
    snippet = serializers.CharField(help_text="HTML: the matching passage, terms in <mark>.")
    match = serializers.ChoiceField(
        choices=["keyword", "semantic", "both"], allow_null=True, help_text="Null without a query."
    )


class SearchMetadataSerializer(serializers.Serializer):
    total_results = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    search_time_ms = serializers.FloatField()
    cached = serializers.BooleanField()
    mode = serializers.ChoiceField(choices=["hybrid", "keyword", "semantic"])
    index_generation = serializers.IntegerField()
    semantic = serializers.CharField(help_text='"ok", or why semantic search is unavailable.')


class SearchResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
    data = SearchResultSerializer(many=True)
    metadata = SearchMetadataSerializer()


SEARCH_RESPONSES = {
    200: OpenApiResponse(SearchResponseSerializer, description="One page of results."),
    **error_responses(400, 401, 429, 503),
}
