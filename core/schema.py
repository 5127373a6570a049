"""OpenAPI descriptions of the response envelope, shared by every endpoint."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always false.")
    message = serializers.CharField(help_text="Localized (Accept-Language: en or tr).")
    errors = serializers.DictField(
        help_text="Field name to messages for 400s; otherwise {'code': '...'}."
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid parameters, with field-level errors.",
        401: "No or invalid credentials.",
        403: "Not allowed.",
        429: "Too many requests; see Retry-After.",
        503: "The search index (or its semantic part) is unavailable; the message says why.",
    }
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=descriptions[status])
        for status in statuses
    }
