import io
import re

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
def test_demo_user_gets_one_token_and_a_new_password_to_sign_in_with_each_time():
    first, second = io.StringIO(), io.StringIO()

    call_command("demo_user", stdout=first)
    call_command("demo_user", "--base-url", "http://127.0.0.1:8100", stdout=second)

    token = Token.objects.get(user__username="demo")
    [password] = re.findall(r"password (\S+)\)", second.getvalue())
    assert second.getvalue() == (
        f"Search page: http://127.0.0.1:8100/  (sign in as 'demo', password {password})\n"
        f"Demo user 'demo' has API token {token.key}\n"
        f"Try:  curl -H 'Authorization: Token {token.key}' "
        "'http://127.0.0.1:8100/api/search/?q=password'\n"
        "Docs: http://127.0.0.1:8100/api/docs/   Admin: http://127.0.0.1:8100/admin/ "
        "(python manage.py createsuperuser)\n"
    )
    assert f"has API token {token.key}\n" in first.getvalue()
    assert f"password {password})" not in first.getvalue()
    assert token.user.check_password(password)


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
