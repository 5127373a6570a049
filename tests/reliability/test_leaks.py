"""Indexed content leaves only as snippets; nothing outside the index is served."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from indexer.admin import PREVIEW_CHARS
from indexer.models import FileIndex
from tests.search.conftest import reindex

# 2,000 words found in no other file and in no language: any run of them in a response
# can only have come from this one file.
SECRET_WORDS = [f"sakla{number:04d}" for number in range(2000)]
_MARK = re.compile(r"</?mark>")


@pytest.fixture
def secret_file(corpus: Path) -> Path:
    path = corpus / "private" / "secret.txt"
    path.parent.mkdir()
    path.write_text(" ".join(SECRET_WORDS), encoding="utf-8")
    reindex(str(corpus))
    return path


def leaked_chars(text: str) -> int:
    """How many characters of the secret file a response carries (words plus spaces)."""
    found = set(re.findall(r"sakla\d{4}", _MARK.sub("", text)))
    return sum(len(word) + 1 for word in found)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "sakla1000", "mode": "keyword"},
        {"q": "sakla1999", "mode": "keyword"},
        {"q": "sakla0000 sakla0500 sakla1500", "mode": "hybrid"},
        {"q": "sakla", "mode": "semantic", "page_size": 100},
        {"path": "/", "page_size": 100},  # no query: the snippet is the file's name
    ],
)
# Made-up words resemble nothing: without the relevance floor, semantic search finds the file.
@override_settings(SEARCH_SEMANTIC_MIN_SIMILARITY=0, SEARCH_SEMANTIC_FLOOR=0)
def test_search_returns_at_most_a_snippet_of_a_file(api: APIClient, secret_file, params):
    response = api.get("/api/search/", params)

    assert response.status_code == 200
    assert str(secret_file) in response.content.decode()
    assert leaked_chars(response.content.decode()) <= settings.SNIPPET_CHARS


def test_a_matching_snippet_does_show_the_text(api: APIClient, secret_file):
    """The measure above sees text when there is some, so its passing means something."""
    response = api.get("/api/search/", {"q": "sakla1000", "mode": "keyword"})

    assert leaked_chars(response.content.decode()) > settings.SNIPPET_CHARS // 2


def test_no_other_endpoint_carries_the_text(api: APIClient, secret_file, admin_client: Client):
    """Analytics, health, metrics and the admin's lists show no file text; a file's admin page
    previews the start of it, to staff who may see the file."""
    api.get("/api/search/", {"q": "sakla0001"})
    row = FileIndex.objects.get(file_path=str(secret_file))
    pages = [
        api.get("/api/analytics/"),
        Client().get("/api/health/"),
        admin_client.get("/metrics"),
        admin_client.get("/admin/indexer/fileindex/"),
        admin_client.get("/admin/analytics/searchevent/"),
    ]
    file_page = admin_client.get(f"/admin/indexer/fileindex/{row.id}/change/")

    assert [page.status_code for page in [*pages, file_page]] == [200] * (len(pages) + 1)
    # The admin lists a file's keywords: its 20 most frequent words, a summary, not the text.
    assert max(leaked_chars(page.content.decode()) for page in pages) <= settings.SNIPPET_CHARS
    assert leaked_chars(file_page.content.decode()) <= PREVIEW_CHARS


@pytest.mark.parametrize("path_filter", ["/etc", "/", "/root", "/tmp/../etc", "/proc/self"])
def test_path_filter_outside_the_roots_returns_no_outside_file(
    api: APIClient, corpus: Path, path_filter: str
):
    response = api.get("/api/search/", {"path": path_filter, "page_size": 100})

    paths = [result["file_path"] for result in response.json()["data"]]
    assert response.status_code == 200
    assert all(path.startswith(f"{corpus}/") for path in paths)
    assert len(paths) == (6 if path_filter == "/" else 0)


@pytest.mark.parametrize(
    "url", ["/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd"]
)
def test_no_url_serves_a_file_from_disk(api: APIClient, db, url: str):
    response = api.get(url)

    assert response.status_code == 404
    assert b"root:" not in response.content
