import logging

import pytest
from rest_framework import exceptions

from core.api import exception_handler
from core.exceptions import ReindexInProgress, ServiceUnavailable


def handle(exc: Exception):
    response = exception_handler(exc, {"view": None})
    return response.status_code, response.data, dict(response.headers)


def test_validation_errors_keep_their_fields():
    status, body, _ = handle(exceptions.ValidationError({"page": ["Invalid page."]}))

    assert (status, body) == (
        400,
        {"success": False, "message": "Invalid request", "errors": {"page": ["Invalid page."]}},
    )


def test_non_field_validation_errors_are_named_so():
    _, body, _ = handle(exceptions.ValidationError(["Bad."]))

    assert body["errors"] == {"non_field_errors": ["Bad."]}


def test_throttled_requests_say_when_to_retry():
    status, body, headers = handle(exceptions.Throttled(wait=41.6))

    assert status == 429
    assert headers["Retry-After"] == "42"
    assert body["success"] is False
    assert body["errors"] == {"code": "throttled"}


def test_forbidden_is_a_403_in_the_envelope():
    assert handle(exceptions.PermissionDenied())[:2] == (
        403,
        {
            "success": False,
            "message": "You do not have permission to perform this action.",
            "errors": {"code": "permission_denied"},
        },
    )


def test_unexpected_errors_never_leak_their_text(caplog):
    with caplog.at_level(logging.ERROR, logger="core.api"):
        status, body, _ = handle(RuntimeError("secret path /etc/shadow"))

    assert (status, body) == (
        500,
        {"success": False, "message": "Internal server error", "errors": {"code": "server_error"}},
    )
    assert caplog.records[0].exc_info[1].args == ("secret path /etc/shadow",)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ReindexInProgress(), 409, "reindex_in_progress"),
        (ServiceUnavailable("Semantic index unavailable"), 503, "unavailable"),
    ],
)
def test_domain_errors_carry_their_status_and_message(exc, status, code):
    assert handle(exc)[:2] == (
        status,
        {"success": False, "message": exc.message, "errors": {"code": code}},
    )


@pytest.mark.django_db
def test_unknown_api_path_answers_in_the_envelope(client):
    response = client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "message": "Not found.",
        "errors": {"code": "not_found"},
    }


@pytest.mark.django_db
def test_unknown_api_path_message_is_translated(client):
    response = client.get("/api/nothing-here/", headers={"accept-language": "tr"})

    assert response.json()["message"] == "Bulunamadı."
