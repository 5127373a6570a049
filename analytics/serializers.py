"""What /api/analytics/ accepts and returns."""

from rest_framework import serializers

from core.serializers import PlainOutputSerializer
from search.serializers import IndexSummarySerializer


class AnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(default=30, min_value=1, max_value=365)


class ContentTypeFiguresSerializer(PlainOutputSerializer):
    content_type = serializers.CharField()
    count = serializers.IntegerField()
    bytes = serializers.IntegerField()


class FileFiguresSerializer(PlainOutputSerializer):
    total = serializers.IntegerField(help_text="Alive files.")
    total_bytes = serializers.IntegerField()
    average_bytes = serializers.IntegerField()
    added_last_7_days = serializers.IntegerField()
    content_types = ContentTypeFiguresSerializer(many=True, help_text="The top 10 by count.")
    deleted = serializers.IntegerField(help_text="Soft-deleted files.")


class QueryCountSerializer(PlainOutputSerializer):
    query = serializers.CharField(help_text="Folded: Türkçe and turkce count together.")
    count = serializers.IntegerField()


class DayCountSerializer(PlainOutputSerializer):
    date = serializers.DateField()
    searches = serializers.IntegerField()


class LatencySerializer(PlainOutputSerializer):
    p50 = serializers.FloatField(allow_null=True)
    p95 = serializers.FloatField(allow_null=True)


class SearchFiguresSerializer(PlainOutputSerializer):
    total = serializers.IntegerField()
    top_queries = QueryCountSerializer(many=True)
    top_zero_result_queries = QueryCountSerializer(many=True)
    per_day = DayCountSerializer(many=True, help_text="Every UTC day of the window, oldest first.")
    latency_ms_last_24h = LatencySerializer()
    cache_hit_rate = serializers.FloatField(allow_null=True)


class AnalyticsSerializer(PlainOutputSerializer):
    files = FileFiguresSerializer()
    searches = SearchFiguresSerializer(help_text="Staff: everyone's searches; others: their own.")
    index = IndexSummarySerializer()


class AnalyticsMetadataSerializer(PlainOutputSerializer):
    cached = serializers.BooleanField()
    days = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=["all", "own"])
