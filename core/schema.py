"""OpenAPI descriptions: the response envelope every endpoint shares, and the views' own."""

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

View = TypeVar("View", bound=Callable[..., Any])
# drf-spectacular's extend_schema imports its schema classes, and with them django.test and
# jinja2 (4.6 MiB a process); views record what it should say, applied when a schema is made.
_pending: list[tuple[Callable[..., Any], dict[str, Any]]] = []
_described = False
_describing = threading.Lock()

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


def extend_schema(**description: Any) -> Callable[[View], View]:
    """Describe a view method as drf-spectacular's extend_schema does, once a schema is made."""

    def record(method: View) -> View:
        with _describing:
            if _described:  # a view imported after the first schema: describe it at once
                _describe(method, description)
            else:
                _pending.append((method, description))
        return method

    return record


def describe_views() -> None:
    """Apply the descriptions extend_schema recorded, in the order the views were defined."""
    global _described
    with _describing:
        for method, description in _pending:
            _describe(method, description)
        _pending.clear()
        _described = True


def _describe(method: Callable[..., Any], description: dict[str, Any]) -> None:
    from drf_spectacular.utils import extend_schema as spectacular_extend_schema

    spectacular_extend_schema(**description)(method)
