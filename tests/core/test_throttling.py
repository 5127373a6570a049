import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from rest_framework.test import APIRequestFactory

from core.throttling import FailOpenScopedRateThrottle

VIEW = SimpleNamespace(throttle_scope="search")


@pytest.fixture
def clock(monkeypatch):
    """Start at the beginning of a minute-long window and let the test move time on."""
    now = SimpleNamespace(seconds=60_000_000.0)
    monkeypatch.setattr(FailOpenScopedRateThrottle, "timer", lambda self: now.seconds)
    return now


@pytest.fixture
def ask(settings, django_user_model, db):
    """Ask the throttle about one more search by the same user; return (allowed, wait)."""
    settings.SEARCH_THROTTLE_RATE = "2/minute"
    user = django_user_model.objects.create_user("ayse")

    def ask() -> tuple[bool, float | None]:
        request = APIRequestFactory().get("/api/search/")
        request.user = user
        throttle = FailOpenScopedRateThrottle()
        allowed = throttle.allow_request(request, VIEW)
        return allowed, None if allowed else round(throttle.wait(), 3)

    return ask


def test_a_user_over_the_rate_waits_until_the_window_ends(ask, clock):
    assert [ask(), ask(), ask()] == [(True, None), (True, None), (False, 60.0)]


def test_the_previous_window_counts_less_as_it_slides_away(ask, clock):
    ask(), ask()
    clock.seconds += 61  # the previous window's two searches now weigh 2 x 59/60

    assert [ask(), ask()] == [(True, None), (False, 29.0)]

    clock.seconds += 29.5
    assert ask() == (True, None)


def test_refused_requests_do_not_count(ask, clock):
    ask(), ask(), ask(), ask()
    clock.seconds += 61

    assert ask() == (True, None)


def test_each_user_has_a_count_of_their_own(ask, clock, django_user_model):
    ask(), ask()
    other = django_user_model.objects.create_user("mehmet")
    request = APIRequestFactory().get("/api/search/")
    request.user = other

    assert FailOpenScopedRateThrottle().allow_request(request, VIEW) is True


def test_concurrent_requests_never_take_more_places_than_the_rate(settings, django_user_model, db):
    settings.SEARCH_THROTTLE_RATE = "5/minute"
    request = APIRequestFactory().get("/api/search/")
    request.user = django_user_model.objects.create_user("ayse")
    start = threading.Barrier(20)

    def ask(_: int) -> bool:
        start.wait()
        return FailOpenScopedRateThrottle().allow_request(request, VIEW)

    with ThreadPoolExecutor(20) as pool:
        allowed = list(pool.map(ask, range(20)))

    assert allowed.count(True) == 5
