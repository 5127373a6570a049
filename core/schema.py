"""OpenAPI descriptions of the response envelope, shared by every endpoint."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_MESSAGE_HELP = "Localized (Accept-Language: en or tr)."


def envelope(
    name: str, *, data: serializers.Field, metadata: serializers.Field | None = None
) -> serializers.Serializer:
    """Describe a successful answer: success, message, `data` and, if given, `metadata`.

    Built inline because "data" (like "errors") is also the name of a serializer's own
    property, which a field declared on a class would hide.
    """
    fields: dict[str, serializers.Field] = {
        "success": serializers.BooleanField(),
        "message": serializers.CharField(help_text=_MESSAGE_HELP),
        "data": data,
    }
    if metadata is not None:
        fields["metadata"] = metadata
    return inline_serializer(name, fields)


ERROR_ENVELOPE = inline_serializer(
    "ErrorEnvelope",
    {
        "success": serializers.BooleanField(help_text="Always false."),
        "message": serializers.CharField(help_text=_MESSAGE_HELP),
        "errors": serializers.DictField(
            help_text="Field name to messages for 400s; otherwise {'code': '...'}."
        ),
    },
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid parameters, with field-level errors.",
        401: "No or invalid credentials.",
        403: "Not allowed.",
        404: "No such file, or none you may see.",
        409: "In conflict with what is running or done: the message says what.",
        429: "Too many requests; see Retry-After.",
        503: "The search index (or its semantic part) is unavailable; the message says why.",
    }
    return {
        status: OpenApiResponse(ERROR_ENVELOPE, description=descriptions[status])
        for status in statuses
    }
