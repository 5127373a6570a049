"""Hostile and absurd input: each is a clear 400 or a correct empty result, never a 500.

Every test also proves that a bad request writes nothing but its own search event.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from analytics.models import SearchEvent
from indexer.models import FileIndex


def database_state() -> dict[str, Any]:
    """Every table's row count but analytics', and every row a request could plausibly touch."""
    # Recording a search is analytics' business (the event and any roll-ups of it).
    counts = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label != "analytics"
    }
    return {
        "counts": counts,
        "files": list(FileIndex.all_objects.order_by("id").values()),
        "users": list(get_user_model().objects.order_by("id").values()),
    }


@pytest.fixture
def writes_only_search_events(corpus, api) -> Iterator[None]:
    """Fail the test if anything but SearchEvent rows changed while it ran."""
    before = database_state()
    yield
    assert database_state() == before


def invalid(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"success": False, "message": "Invalid request", "errors": errors}


def empty_page(mode: str) -> dict[str, Any]:
    return {
        "success": True,
        "message": "Search completed",
        "data": [],
        "metadata": {
            "total_results": 0,
            "page": 1,
            "page_size": 20,
            "pages": 1,
            "mode": mode,
            "index_generation": 1,
            "semantic": "ok",
            "corrected_query": None,
            "facets": None,
            "cached": False,
            "index_pending_files": 0,
            "next": None,
            "previous": None,
        },
    }


def body(response) -> dict[str, Any]:
    """The response body without its timing, the one figure that differs run to run."""
    data = response.json()
    data.get("metadata", {}).pop("search_time_ms", None)
    return data


pytestmark = pytest.mark.usefixtures("writes_only_search_events")


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("q=" + "x" * 100_000, {"q": ["Ensure this field has no more than 10000 characters."]}),
        ("q=a%00b", {"q": ["Null characters are not allowed."]}),
        ("q=printer&path=/docs%00", {"path": ["Null characters are not allowed."]}),
        ("page=" + str(10**12), {"page": ["Ensure this value is less than or equal to 1000000."]}),
        ("date_from=0000-01-01", {"date_from": ["Enter an ISO 8601 date or datetime."]}),
        ("date_to=99999-01-01", {"date_to": ["Enter an ISO 8601 date or datetime."]}),
        (
            "date_from=2025-01-01T00:00%2B24:00",
            {"date_from": ["Enter an ISO 8601 date or datetime."]},
        ),
        (
            f"min_size={2**63}",
            {"min_size": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        (
            "max_size=" + "9" * 40,
            {"max_size": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ("min_size=1e30", {"min_size": ["A valid integer is required."]}),
        ("q=printer&path=%ff", {"path": ["Enter an absolute path prefix, such as /docs."]}),
        # Repeated parameters: the last one counts, as everywhere in Django.
        ("page=1&page=x", {"page": ["A valid integer is required."]}),
        ("mode=keyword&mode=regex", {"mode": ['"regex" is not a valid choice.']}),
    ],
)
def test_absurd_parameters_are_a_400_naming_the_field(api: APIClient, query: str, errors):
    response = api.get(f"/api/search/?{query}")

    assert (response.status_code, response.json()) == (400, invalid(errors))
    assert not SearchEvent.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "q=a%01%1f%7fb",  # control characters
        "q=%ff%fe%c3",  # invalid UTF-8: decoded with replacement characters
        "q=.*(a%2B)%2B%24[",  # regex metacharacters
        "q=%27%20OR%201=1%20--%20%25_",  # SQL metacharacters and LIKE wildcards
        "q=printer&path=/%25%27_%5C.*",  # the same in a path prefix
        "q=printer&path=/..%2F..%2Fetc",
    ],
)
def test_hostile_text_is_searched_literally_and_finds_nothing(api: APIClient, query: str):
    response = api.get(f"/api/search/?{query}&mode=keyword")

    assert (response.status_code, body(response)) == (200, empty_page("keyword"))
    assert SearchEvent.objects.count() == 1


def test_sql_in_the_query_is_text_and_leaves_the_tables_alone(api: APIClient, corpus):
    response = api.get("/api/search/", {"q": "x'); DROP TABLE indexer_fileindex; --"})

    assert response.status_code == 200
    assert FileIndex.objects.count() == 6
    assert api.get("/api/search/", {"q": "printer"}).json()["metadata"]["total_results"] >= 1


def test_widest_dates_are_accepted_and_filter_nothing_out(api: APIClient):
    response = api.get(
        "/api/search/", {"date_from": "0001-01-01T00:00:00+14:00", "date_to": "9999-12-31"}
    )

    assert (response.status_code, response.json()["metadata"]["total_results"]) == (200, 6)


def test_repeated_query_uses_the_last_value(api: APIClient):
    response = api.get("/api/search/?q=printer&q=password&mode=keyword")

    assert [result["file_path"].rsplit("/", 2)[-2:] for result in response.json()["data"]] == [
        ["docs", "password_reset.md"]
    ]
    assert SearchEvent.objects.get().query == "password"


def test_malformed_url_path_is_a_404_in_the_envelope(api: APIClient):
    response = api.get("/api/search%ff%00/")

    assert (response.status_code, response.json()) == (
        404,
        {"success": False, "message": "Not found.", "errors": {"code": "not_found"}},
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("x" * 10_240, "Search completed"),
        ("tr-" + "a" * 10_240, "Search completed"),
        # Django reads only the first 500 characters: the leading choice still counts.
        ("tr;q=0.9," + "xx-junk;q=0.1," * 800, "Arama başarılı"),
    ],
)
def test_ten_kilobyte_accept_language_is_harmless(api: APIClient, header: str, message: str):
    response = api.get("/api/search/", {"q": "printer"}, headers={"accept-language": header})

    assert (response.status_code, response.json()["message"]) == (200, message)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("days=" + "9" * 40, {"days": ["Ensure this value is less than or equal to 365."]}),
        ("days=%00", {"days": ["A valid integer is required."]}),
        ("days=1&days=0", {"days": ["Ensure this value is greater than or equal to 1."]}),
    ],
)
def test_absurd_analytics_parameters_are_a_400(api: APIClient, query: str, errors):
    response = api.get(f"/api/analytics/?{query}")

    assert (response.status_code, response.json()) == (400, invalid(errors))
