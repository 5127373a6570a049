"""Redis going away mid-run costs speed, never answers: search, analytics and health carry on."""

import logging
import shutil
from collections.abc import Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core import cache as core_cache
from tests.reliability.services import RedisServer, redis_server

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


@pytest.fixture
def own_redis(settings, monkeypatch) -> Iterator[RedisServer]:
    """Point the cache at a redis-server of this test's own, which it may stop."""
    with redis_server() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
            }
        }
        # Outages are logged once a minute per process; this test needs to see each one.
        monkeypatch.setattr(core_cache, "LOG_EVERY_SECONDS", 0.0)
        monkeypatch.setattr(core_cache.outage_log, "_next", 0.0)
        yield server


def outcome(response) -> tuple[int, bool | None]:
    return response.status_code, response.json().get("metadata", {}).get("cached")


def test_search_survives_redis_going_away_mid_run(api: APIClient, corpus, own_redis, caplog):
    search = {"q": "printer", "mode": "keyword"}
    before = [outcome(api.get("/api/search/", search)) for _ in range(2)]
    before.append(outcome(api.get("/api/analytics/")))

    own_redis.stop()
    with caplog.at_level(logging.ERROR, logger="core.cache"):
        during = [outcome(api.get("/api/search/", search)) for _ in range(2)]
        during.append(outcome(api.get("/api/analytics/")))
        health = Client().get("/api/health/").json()["data"]

    own_redis.start()  # an empty Redis: nothing cached survived the restart
    after = [outcome(api.get("/api/search/", search)) for _ in range(2)]

    assert before == [(200, False), (200, True), (200, False)]
    assert during == [(200, False), (200, False), (200, False)]
    assert (health["database"], health["cache"]) == ("ok", "unavailable")
    assert after == [(200, False), (200, True)]
    messages = [r.getMessage() for r in caplog.records if r.name == "core.cache"]
    assert list(dict.fromkeys(messages)) == [
        "Cache unavailable, answering without it: network:ConnectionError",
        "Throttling skipped, cache unavailable: network:ConnectionError",
    ]


def test_throttling_fails_open_while_redis_is_down(api: APIClient, corpus, own_redis, settings):
    settings.SEARCH_THROTTLE_RATE = "2/minute"
    limited = [api.get("/api/search/", {"q": "printer"}).status_code for _ in range(3)]

    own_redis.stop()
    open_ = [api.get("/api/search/", {"q": "printer"}).status_code for _ in range(5)]

    assert limited == [200, 200, 429]
    assert open_ == [200] * 5
