"""Who may reach what, proven over the whole URL conf so a new endpoint cannot be forgotten.

That non-staff users see only their own searches in analytics is tested in
tests/analytics/test_analytics_api.py (test_non_staff_users_see_only_their_own_searches).
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.authtoken.models import Token

from tests.reliability.urlconf import Route, all_routes

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
PUBLIC = {"health", "schema", "docs", "redoc", "admin:login", "login"}
# Pages for people: a visitor who has not signed in is sent to sign in first.
SIGNED_IN_PAGES = {"search-page", "file-page"}
# They change only the visitor's own session (signing out, the language), never data.
SESSION_ONLY = {"logout", "set_language"}
# Everything outside the admin, with who may use it. The admin is staff-only as a whole.
NON_ADMIN = {
    "": "users (the search page)",
    "files/<int:file_id>/": "users, within their folders",
    "accounts/login/": "anyone",
    "accounts/logout/": "anyone, for their own session",
    "i18n/setlang/": "anyone, for their own session",
    "api/health/": "anyone",
    "api/search/": "users",
    "api/analytics/": "users",
    "api/files/<int:file_id>/": "users, within their folders",
    "api/files/<int:file_id>/text/": "users, within their folders",
    "api/files/<int:file_id>/download/": "users, within their folders",
    "metrics": "staff or METRICS_TOKEN",
    "api/reindex/": "staff",
    "api/tasks/": "staff",
    "api/tasks/<uuid:task_id>/": "staff",
    "api/schema/": "anyone",
    "api/docs/": "anyone",
    "api/redoc/": "anyone",
}
NOT_AUTHENTICATED = {
    "success": False,
    "message": "Authentication credentials were not provided.",
    "errors": {"code": "not_authenticated"},
}


def ids(route: Route) -> str:
    return route.pattern


def test_the_walk_finds_every_route_and_each_example_path_resolves_to_it():
    assert len(ROUTES) > 40  # the admin alone has dozens
    for route in ROUTES:
        assert resolve(route.path).route.replace("^", "") == route.pattern.replace("^", "")


def test_only_known_endpoints_live_outside_the_admin():
    outside = {route.pattern for route in ROUTES if not route.pattern.startswith("admin/")}

    assert outside == set(NON_ADMIN)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if NON_ADMIN.get(r.pattern) == "staff"], ids=lambda r: r.pattern
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_staff_endpoints_refuse_other_users(non_staff, route: Route, method: str):
    client = Client()
    client.force_login(non_staff)

    response = getattr(client, method)(route.path)

    assert (response.status_code, response.json()) == (
        403,
        {
            "success": False,
            "message": "You do not have permission to perform this action.",
            "errors": {"code": "permission_denied"},
        },
    )


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.name not in PUBLIC | SIGNED_IN_PAGES | SESSION_ONLY],
    ids=ids,
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_endpoint_but_health_schema_and_docs_refuses_anonymous_requests(
    route: Route, method: str
):
    response = getattr(Client(), method)(route.path)

    if route.pattern.startswith("admin/"):
        assert response.status_code == 302
        assert response.headers["Location"].startswith(("/admin/login/", "/admin/"))
    else:
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in SIGNED_IN_PAGES], ids=ids)
def test_pages_send_anonymous_visitors_to_sign_in_and_take_no_posts(route: Route):
    visit = Client().get(route.path)

    assert (visit.status_code, visit.headers["Location"]) == (
        302,
        f"/accounts/login/?next={quote(route.path)}",
    )
    assert Client().post(route.path).status_code == 405


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in PUBLIC], ids=ids)
def test_public_endpoints_answer_anonymous_requests(route: Route):
    assert Client().get(route.path).status_code == 200


@pytest.fixture
def non_staff(django_user_model):
    return django_user_model.objects.create_user("mehmet")


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.pattern.startswith("admin/") and r.name not in PUBLIC], ids=ids
)
def test_non_staff_users_never_reach_the_admin(non_staff, route: Route):
    client = Client()
    client.force_login(non_staff)

    response = client.get(route.path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(("/admin/login/", "/admin/"))


def test_non_staff_users_are_told_metrics_need_staff_or_the_token(non_staff, settings):
    settings.METRICS_TOKEN = "metrics-secret"
    token = Token.objects.create(user=non_staff).key
    signed_in = Client()
    signed_in.force_login(non_staff)
    forbidden = {
        "success": False,
        "message": "Metrics are for staff users, or for requests with the METRICS_TOKEN.",
        "errors": {"code": "permission_denied"},
    }

    by_session = signed_in.get("/metrics", headers={"authorization": "Bearer wrong"})
    by_token = Client().get("/metrics", headers={"authorization": f"Token {token}"})

    assert (by_session.status_code, by_session.json()) == (403, forbidden)
    assert (by_token.status_code, by_token.json()) == (403, forbidden)
    anonymous = Client().get("/metrics", headers={"authorization": "Bearer wrong"})
    assert (anonymous.status_code, anonymous.json()) == (401, NOT_AUTHENTICATED)
