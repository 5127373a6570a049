"""A PostgreSQL connection dropped between requests: the next request reconnects and succeeds.

Django's test client skips the request signals that close and health-check connections, so
these tests drive the real WSGI handler (as a server would) through werkzeug's client, with
committed data (`transaction=True`), and kill the handler's connection from another one.
"""

from collections.abc import Iterator

import psycopg
import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from werkzeug.test import Client as WsgiClient

from tests.environment import DATABASE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(DATABASE != "postgres", reason="pg_terminate_backend is PostgreSQL's"),
]


def terminate(backend_pid: int) -> None:
    """Kill one server backend from a connection of our own, as a DBA or a failover would."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"],
        port=params["PORT"],
        user=params["USER"],
        password=params["PASSWORD"],
        dbname=params["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@pytest.fixture
def server(corpus, token: str, settings) -> Iterator[WsgiClient]:
    settings.SEARCH_THROTTLE_RATE = "1000/hour"
    settings.AUTH_TOKEN_CACHE_TTL = 0  # every request reads the database, first its token
    yield WsgiClient(get_wsgi_application())
    connection.close()  # the handler's connection, which the tests may have broken


def get(server: WsgiClient, token: str, path: str, **params: str) -> int:
    return server.get(
        path, query_string=params, headers={"Authorization": f"Token {token}"}
    ).status_code


def test_settings_reuse_and_health_check_connections():
    assert connection.settings_dict["CONN_MAX_AGE"] == 60
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_next_request_succeeds_after_the_connection_is_dropped(server: WsgiClient, token: str):
    assert get(server, token, "/api/search/", q="printer", mode="keyword") == 200
    first_backend = connection.connection.info.backend_pid  # kept open between requests

    terminate(first_backend)
    statuses = [
        get(server, token, "/api/search/", q="printer", mode="keyword"),
        get(server, token, "/api/analytics/"),
    ]

    assert statuses == [200, 200]
    assert connection.connection.info.backend_pid != first_backend


def test_without_health_checks_the_first_request_after_a_drop_would_fail(
    server: WsgiClient, token: str, monkeypatch
):
    """The control: it shows the test above passes because of CONN_HEALTH_CHECKS."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    monkeypatch.setattr(connection, "health_check_enabled", False)
    assert get(server, token, "/api/analytics/") == 200

    terminate(connection.connection.info.backend_pid)

    assert [get(server, token, "/api/analytics/") for _ in range(2)] == [500, 200]
