"""The API's response envelope and the one exception handler that shapes every error."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import DizinError

logger = logging.getLogger(__name__)


def success_response(
    data: Any, *, message: str, metadata: dict[str, Any] | None = None, headers=None
) -> Response:
    body = {"success": True, "message": message, "data": data}
    if metadata is not None:
        body["metadata"] = metadata
    return Response(body, headers=headers)


def error_body(message: str, errors: dict[str, Any]) -> dict[str, Any]:
    return {"success": False, "message": message, "errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Render any exception raised by a view in the error envelope; never leak a 500's text."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc)
    set_rollback()
    if isinstance(exc, DizinError):
        errors = exc.errors or {"code": exc.code}
        return Response(error_body(exc.message, errors), status=exc.status_code)
    logger.error("Unhandled error in %s", _view_name(context), exc_info=exc)
    return Response(
        error_body(_("Internal server error"), {"code": "server_error"}),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _api_exception_response(exc: exceptions.APIException) -> Response:
    headers = {}
    # NotAuthenticated and Throttled carry these; other API errors do not.
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(_("Invalid request"), detail)
    else:
        body = error_body(str(exc.detail), {"code": exc.get_codes()})
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def _view_name(context: dict[str, Any]) -> str:
    view = context.get("view")
    return type(view).__name__ if view is not None else "unknown view"
