from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import analytics_cached
from analytics.serializers import (
    AnalyticsMetadataSerializer,
    AnalyticsQuerySerializer,
    AnalyticsSerializer,
)
from core.api import success_response
from core.schema import envelope, error_responses, extend_schema
from core.throttling import FailOpenScopedRateThrottle

ANALYTICS_RESPONSE = envelope(
    "AnalyticsResponse", data=AnalyticsSerializer(), metadata=AnalyticsMetadataSerializer()
)


class AnalyticsView(APIView):
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "analytics"

    @extend_schema(
        parameters=[AnalyticsQuerySerializer],
        responses={200: OpenApiResponse(ANALYTICS_RESPONSE), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        """What is indexed and how search is used (staff: everyone's searches; others: own)."""
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["days"]
        payload, cached = analytics_cached(user=request.user, days=days)
        metadata = {
            "cached": cached,
            "days": days,
            "scope": "all" if request.user.is_staff else "own",
        }
        return success_response(
            AnalyticsSerializer(payload).data,
            message=_("Analytics ready"),
            metadata=AnalyticsMetadataSerializer(metadata).data,
        )
