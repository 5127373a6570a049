"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis, over WSGI).

Valid and invalid parameters alike must never cause a 500, every response must match the
schema, and every error must come in the envelope.
"""

from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analytics.models import SearchEvent
from indexer.models import FileIndex

# Examples per operation: enough to reach every parameter's edges, few enough for seconds.
MAX_EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def openapi_document() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


# Collected from the schema itself, so a new endpoint is fuzzed without touching this file.
OPERATIONS = sorted(
    (path, method.upper())
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
)


def test_schema_lists_the_operations_fuzzed_here():
    assert OPERATIONS == [
        ("/api/analytics/", "GET"),
        ("/api/files/{file_id}/", "GET"),
        ("/api/files/{file_id}/download/", "GET"),
        ("/api/files/{file_id}/text/", "GET"),
        ("/api/health/", "GET"),
        ("/api/reindex/", "POST"),
        ("/api/search/", "GET"),
        ("/api/tasks/", "GET"),
        ("/api/tasks/{task_id}/", "DELETE"),
        ("/api/tasks/{task_id}/", "GET"),
    ]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, minus the connection closing the test transaction forbids.

    Django's own test client does the same: at the end of each request the handler closes
    connections that are not in autocommit mode, which would close the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_fuzzed_requests_never_fail_and_always_match_the_schema(
    corpus, api, wsgi_app, token: str, path: str, method: str
) -> None:
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = wsgi_app
    operation = schema[path][method]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    files_before = list(FileIndex.all_objects.values_list("id", "file_path", "content_hash"))

    @hypothesis.given(case=cases)
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def fuzz(case) -> None:
        response = case.call_and_validate(
            headers={"Authorization": f"Token {token}"}, checks=CHECKS
        )
        if response.status_code == 200 and path.endswith("/download/"):
            return  # the file's own bytes, in no envelope
        assert_enveloped(response.status_code, response.json())

    fuzz()
    # Fuzzed reads change nothing but the search log.
    assert list(FileIndex.all_objects.values_list("id", "file_path", "content_hash")) == (
        files_before
    )
    if path != "/api/search/":
        assert not SearchEvent.objects.exists()


def assert_enveloped(status: int, body: Any) -> None:
    if status < 400:
        assert body["success"] is True, body
        return
    assert set(body) == {"success", "message", "errors"}, body
    assert body["success"] is False
    assert isinstance(body["message"], str), body
    assert body["message"], body
    assert isinstance(body["errors"], dict), body
    assert body["errors"], body


def test_health_answers_503_within_its_schema_when_the_database_is_down(db, wsgi_app, monkeypatch):
    from config import health

    monkeypatch.setattr(health, "database_state", lambda: "unavailable: OperationalError")
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = wsgi_app
    case = schema["/api/health/"]["GET"].Case()

    response = case.call()
    # A 5xx by design here: every check but "no server error" still applies.
    case.validate_response(response, checks=[c for c in CHECKS if c is not not_a_server_error])

    assert (response.status_code, response.json()["success"]) == (503, False)
