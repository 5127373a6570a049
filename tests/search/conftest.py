import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indexer.access import access_grant
from search import factory
from search.engine import HashingEncoder

# Modification times spread over 2025, so date filters and orderings have something to sort.
CORPUS = {
    "docs/password_reset.md": ("Reset a forgotten password from the sign-in page.", "2025-01-10"),
    "docs/türkçe_notlar.txt": ("İstanbul'da ısı ölçümleri ve Türkçe notlar.", "2025-03-05"),
    "docs/network/printer.md": ("Connect the office printer to the network.", "2025-05-20"),
    "src/parseHttpResponse.py": ("def parse_http_response(raw):\n    return raw\n", "2025-07-01"),
    "src/billing.py": ("def invoice_total(lines):\n    return sum(lines)\n", "2025-09-15"),
    "reports/quarterly_sales.csv": ("quarter,revenue\nq3,120\n", "2025-11-30"),
}


def write_corpus(root: Path, files: dict[str, tuple[str, str]]) -> Path:
    from datetime import datetime

    for relative, (text, day) in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        stamp = datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
        os.utime(path, (stamp, stamp))
    return root


def reindex(*args: str) -> None:
    call_command("reindex", *args, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def corpus(db, tmp_path) -> Path:
    root = write_corpus(tmp_path / "corpus", CORPUS)
    reindex(str(root))
    return root


@pytest.fixture
def encoder() -> HashingEncoder:
    """Serve and build with a fake encoder that counts the passages it encodes."""
    counting = HashingEncoder()
    factory.use_encoder(counting)
    return counting


@pytest.fixture
def user(django_user_model, tmp_path):
    """A user who may find every file the test writes under its own folder."""
    user = django_user_model.objects.create_user("ayse", password="x")
    access_grant(path=str(tmp_path), user=user)
    return user


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def search(api, settings):
    """GET /api/search/ with the given parameters; return the response."""
    settings.SEARCH_THROTTLE_RATE = "10000/hour"

    def get(headers: dict | None = None, **params):
        return api.get("/api/search/", params, headers=headers or {})

    return get
