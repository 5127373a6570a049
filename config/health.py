"""GET /api/health/: what a load balancer or an operator needs to know, without logging in."""

from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import success_response
from core.cache import MISS, cache_get, cache_set
from core.schema import envelope, extend_schema
from core.serializers import PlainOutputSerializer
from search.serializers import IndexStateSerializer
from search.status import index_status


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means the same thing here: down
        return f"unavailable: {type(error).__name__}"
    return "ok"


def cache_state() -> str:
    if not cache_set("health:probe", 1, 10) or cache_get("health:probe") is MISS:
        return "unavailable"
    return "ok"


def health() -> dict[str, Any]:
    return {
        "database": database_state(),
        "cache": cache_state(),
        "index": index_status(),
    }


class HealthSerializer(PlainOutputSerializer):
    database = serializers.CharField(help_text='"ok", or "unavailable: <error>".')
    cache = serializers.CharField(help_text='"ok" or "unavailable".')
    index = IndexStateSerializer()


HEALTH = envelope("HealthResponse", data=HealthSerializer())


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: OpenApiResponse(HEALTH, description="The database is up; each part's state."),
            503: OpenApiResponse(
                HEALTH, description="The database is down: the same report, success false."
            ),
        }
    )
    def get(self, request: Request) -> Response:
        """Report the database, the cache and the search index; 503 when the database is down."""
        state = health()
        response = success_response(HealthSerializer(state).data, message=_("Service status"))
        if state["database"] != "ok":
            response.status_code = 503
            response.data["success"] = False
        return response
