import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.authentication import CachedTokenAuthentication, token_cache_key
from core.cache import cache_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(django_user_model) -> Token:
    return Token.objects.create(user=django_user_model.objects.create_user("ayse"))


def analytics(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/analytics/")
    return response.status_code, response.json().get("message")


def test_a_token_seen_once_is_looked_up_in_the_cache_not_the_database(
    token, django_assert_num_queries
):
    CachedTokenAuthentication().authenticate_credentials(token.key)

    with django_assert_num_queries(0):
        user, cached = CachedTokenAuthentication().authenticate_credentials(token.key)

    assert (user, cached) == (token.user, token)


def test_a_deleted_token_is_refused_at_once(token):
    key = token.key
    assert analytics(key)[0] == 200

    token.delete()

    assert analytics(key) == (401, "Invalid token.")


def test_a_deactivated_user_is_refused_at_once(token):
    assert analytics(token.key)[0] == 200

    token.user.is_active = False
    token.user.save()

    assert analytics(token.key) == (401, "User inactive or deleted.")


def test_a_deleted_user_is_refused_at_once(token):
    key = token.key
    assert analytics(key)[0] == 200

    get_user_model().objects.filter(pk=token.user.pk).delete()

    assert analytics(key) == (401, "Invalid token.")


def test_with_no_ttl_every_request_reads_the_database(token, settings, django_assert_num_queries):
    settings.AUTH_TOKEN_CACHE_TTL = 0
    CachedTokenAuthentication().authenticate_credentials(token.key)

    with django_assert_num_queries(1):
        CachedTokenAuthentication().authenticate_credentials(token.key)


def test_the_cache_key_does_not_hold_the_token(token):
    assert token.key not in token_cache_key(token.key)


def test_a_cached_token_of_a_user_deactivated_since_is_refused(token):
    """A change behind the ORM's back (raw SQL) can leave an inactive user in the cache."""
    token.user.is_active = False
    cache_set(token_cache_key(token.key), token, 60)

    assert analytics(token.key) == (401, "User inactive or deleted.")
