import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics.models import SearchEvent
from indexer.access import access_grant
from tests.factories import file_index

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def event(user, query: str, *, results: int = 3, latency: float = 10.0, **fields) -> SearchEvent:
    from core.text import normalize_query

    created = fields.pop("created_at", timezone.now())
    made = SearchEvent.objects.create(
        user=user,
        query=query,
        normalized_query=normalize_query(query),
        mode=fields.pop("mode", "hybrid"),
        result_count=results,
        latency_ms=latency,
        **fields,
    )
    SearchEvent.objects.filter(pk=made.pk).update(created_at=created)
    return made


@pytest.fixture
def ayse(django_user_model):
    """A user who may find every file tests.factories.file_index makes."""
    user = django_user_model.objects.create_user("ayse")
    access_grant(path="/data", user=user)
    return user


@pytest.fixture
def mehmet(django_user_model):
    return django_user_model.objects.create_user("mehmet")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user("admin", is_staff=True)


def analytics(user, **params) -> dict:
    response = client_for(user).get("/api/analytics/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_file_figures_count_alive_files_and_group_types(ayse):
    file_index(file_size=100, content_type="text/plain")
    file_index(file_size=300, content_type="text/plain")
    file_index(file_size=200, content_type="text/x-python")
    file_index(file_size=999).soft_delete()

    files = analytics(ayse)["data"]["files"]

    assert files == {
        "total": 3,
        "total_bytes": 600,
        "average_bytes": 200,
        "added_last_7_days": 3,
        "content_types": [
            {"content_type": "text/plain", "count": 2, "bytes": 400},
            {"content_type": "text/x-python", "count": 1, "bytes": 200},
        ],
        "deleted": 1,
    }


def test_turkish_queries_count_together_with_their_folded_form(admin_user, ayse):
    event(ayse, "Türkçe")
    event(ayse, "turkce")
    event(ayse, "TÜRKÇE  ")
    event(ayse, "printer", results=0)
    event(ayse, "printer", results=0)
    event(ayse, "rapor", results=0)

    searches = analytics(admin_user)["data"]["searches"]

    assert searches["total"] == 6
    assert searches["top_queries"] == [
        {"query": "turkce", "count": 3},
        {"query": "printer", "count": 2},
        {"query": "rapor", "count": 1},
    ]
    assert searches["top_zero_result_queries"] == [
        {"query": "printer", "count": 2},
        {"query": "rapor", "count": 1},
    ]


def test_non_staff_users_see_only_their_own_searches(ayse, mehmet):
    event(ayse, "ayşe's secret project")
    event(mehmet, "mehmet's query")

    body = analytics(mehmet)

    assert body["metadata"]["scope"] == "own"
    assert body["data"]["searches"]["total"] == 1
    assert body["data"]["searches"]["top_queries"] == [{"query": "mehmet's query", "count": 1}]


def test_staff_see_everyones_searches(admin_user, ayse, mehmet):
    event(ayse, "one")
    event(mehmet, "two")

    body = analytics(admin_user)

    assert (body["metadata"]["scope"], body["data"]["searches"]["total"]) == ("all", 2)


def test_days_bound_the_search_figures_and_fill_empty_days(ayse):
    now = timezone.now()
    event(ayse, "today")
    event(ayse, "two days ago", created_at=now - timedelta(days=2))
    event(ayse, "long ago", created_at=now - timedelta(days=40))

    searches = analytics(ayse, days=3)["data"]["searches"]

    assert searches["total"] == 2
    assert [day["searches"] for day in searches["per_day"]] == [1, 0, 1]
    assert searches["per_day"][-1]["date"] == timezone.now().date().isoformat()


def test_latency_percentiles_and_cache_hit_rate_agree_on_every_database(ayse):
    for latency in range(1, 21):  # 1..20 ms
        event(ayse, "q", latency=float(latency), cached=latency % 4 == 0)
    event(ayse, "yesterday's", latency=500.0, created_at=timezone.now() - timedelta(hours=30))

    searches = analytics(ayse)["data"]["searches"]

    assert searches["latency_ms_last_24h"] == {"p50": 10.0, "p95": 19.0}
    assert searches["cache_hit_rate"] == round(5 / 21, 4)


@pytest.mark.parametrize("days", ["0", "366", "soon"])
def test_bad_days_are_a_400(ayse, days):
    response = client_for(ayse).get("/api/analytics/", {"days": days})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["days"]


def test_figures_are_cached_until_a_reindex(ayse, tmp_path):
    first = analytics(ayse)
    file_index()
    second = analytics(ayse)
    call_command("reindex", str(tmp_path), "--no-semantic", stdout=io.StringIO())
    third = analytics(ayse)

    assert [b["metadata"]["cached"] for b in (first, second, third)] == [False, True, False]
    assert second["data"]["files"]["total"] == 0


def test_anonymous_users_are_refused():
    assert APIClient().get("/api/analytics/").status_code == 401


def test_purge_deletes_only_old_events_in_batches(ayse):
    old = timezone.now() - timedelta(days=100)
    for n in range(7):
        event(ayse, f"old {n}", created_at=old)
    kept = event(ayse, "recent")
    out = io.StringIO()

    call_command("purge_search_events", "--older-than", "30", stdout=out)

    assert list(SearchEvent.objects.all()) == [kept]
    assert out.getvalue() == "Deleted 7 search events older than 30 days.\n"


def test_search_events_are_browsable_read_only_in_the_admin(client, django_user_model, ayse):
    event(ayse, "printer", results=0)
    client.force_login(django_user_model.objects.create_superuser("root"))

    page = client.get("/admin/analytics/searchevent/", {"zero_results": "yes"})

    assert page.status_code == 200
    assert "printer" in page.content.decode()
    assert client.get("/admin/analytics/searchevent/add/").status_code == 403
