import io

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.checks import run_checks
from django.core.management import call_command
from rest_framework.authtoken.models import Token


def test_no_cache_warning_when_redis_is_configured(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    assert [m.id for m in run_checks(tags=["caches"]) if m.id.startswith("dizin")] == []


def test_cache_warning_without_redis(settings):
    settings.REDIS_URL = ""

    assert [m.msg for m in run_checks(tags=["caches"]) if m.id == "dizin.W001"] == [
        "REDIS_URL is not set: caching and throttling are per process."
    ]


@pytest.mark.django_db
def test_demo_user_gets_one_token_and_is_told_how_to_call_the_api():
    out = io.StringIO()

    call_command("demo_user", stdout=out)
    call_command("demo_user", stdout=out)

    token = Token.objects.get(user__username="demo")
    assert out.getvalue().count(f"Demo user 'demo' has API token {token.key}\n") == 2
    assert f"curl -H 'Authorization: Token {token.key}' " in out.getvalue()
    assert not token.user.has_usable_password()


@pytest.mark.django_db(transaction=True)
def test_asgi_application_answers_api_requests():
    from config.asgi import application

    async def get(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(path)

    response = async_to_sync(get)("/api/nothing-here/")

    assert (response.status_code, response.json()["errors"]) == (404, {"code": "not_found"})


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = io.StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert out.getvalue() == "No changes detected\n"
