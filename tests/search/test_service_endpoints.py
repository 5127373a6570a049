import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_needs_no_login_and_reports_each_part(corpus):
    body = APIClient().get("/api/health/").json()

    assert body["success"] is True
    assert (body["data"]["database"], body["data"]["cache"]) == ("ok", "ok")
    index = body["data"]["index"]
    assert (index["state"], index["generation"], index["files"]) == ("ok", 1, 6)


def test_health_reports_a_missing_index_without_failing(db):
    body = APIClient().get("/api/health/").json()

    index = body["data"]["index"]
    assert (index["state"], index["keyword"], index["semantic"], index["generation"]) == (
        "unavailable",
        "no index has been built yet",
        "no index has been built yet",
        None,
    )


def test_health_is_503_when_the_database_is_down(db, monkeypatch):
    from config import health

    monkeypatch.setattr(health, "database_state", lambda: "unavailable: OperationalError")

    response = APIClient().get("/api/health/")

    assert (response.status_code, response.json()["success"]) == (503, False)


def test_metrics_need_staff_or_the_token(db, settings, django_user_model, client):
    settings.METRICS_TOKEN = "s3cret-token"

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", headers={"authorization": "Bearer nope"})
    right = client.get("/metrics", headers={"authorization": "Bearer s3cret-token"})
    client.force_login(django_user_model.objects.create_user("ops", is_staff=True))
    staff = client.get("/metrics")

    assert [anonymous.status_code, wrong.status_code, right.status_code, staff.status_code] == [
        401,
        401,
        200,
        200,
    ]
    assert anonymous.json()["errors"] == {"code": "not_authenticated"}


def test_metrics_count_searches_cache_hits_and_throttling(search, corpus, settings, client):
    settings.METRICS_TOKEN = "t"
    search(q="printer", mode="keyword")
    search(q="printer", mode="keyword")

    text = client.get("/metrics", headers={"authorization": "Bearer t"}).content.decode()

    assert 'dizin_search_cache_total{result="hit"}' in text
    assert (
        'dizin_request_duration_seconds_count{endpoint="search:search",mode="keyword",status="200"}'
        in text
    )
    assert "dizin_index_generation 1.0" in text


def test_openapi_schema_documents_every_parameter_and_error(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    search = schema["paths"]["/api/search/"]["get"]
    assert {p["name"] for p in search["parameters"]} == {
        "q",
        "mode",
        "type",
        "date_from",
        "date_to",
        "min_size",
        "max_size",
        "path",
        "extraction",
        "min_score",
        "page",
        "page_size",
        "ordering",
        "collapse",
        "explain",
        "facets",
    }
    assert set(search["responses"]) == {"200", "400", "401", "429", "503"}
    assert set(schema["paths"]["/api/analytics/"]["get"]["responses"]) == {
        "200",
        "400",
        "401",
        "429",
    }


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_api_docs_load_their_scripts_from_the_project_not_a_cdn(db, url, asset):
    page = APIClient().get(url)

    html = page.content.decode()
    assert page.status_code == 200
    assert f"/static/{asset}" in html
    assert "cdn" not in html.lower()
    assert finders.find(asset) is not None
