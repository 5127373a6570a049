"""Fixtures for the reliability tests: an indexed corpus and an authenticated API client."""

from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indexer.access import access_grant
from tests.search.conftest import CORPUS, reindex, write_corpus


@pytest.fixture
def corpus(db, tmp_path: Path) -> Path:
    root = write_corpus(tmp_path / "corpus", CORPUS)
    reindex(str(root))
    return root


@pytest.fixture
def user(django_user_model, tmp_path):
    """A user who may find every file the test writes under its own folder."""
    user = django_user_model.objects.create_user("ayse")
    access_grant(path=str(tmp_path), user=user)
    return user


@pytest.fixture
def token(user) -> str:
    return Token.objects.create(user=user).key


@pytest.fixture
def api(token: str, settings) -> APIClient:
    # Hundreds of requests in one test must not meet the per-user rate.
    settings.SEARCH_THROTTLE_RATE = "100000/hour"
    settings.ANALYTICS_THROTTLE_RATE = "100000/hour"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
