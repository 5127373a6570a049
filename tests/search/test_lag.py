"""The index's lag in plain sight: health, search metadata and the admin say what waits."""

import pytest
from django.contrib import admin

from indexer.models import FileIndex
from search.admin import ServedFileIndexAdmin
from tests.search.conftest import reindex

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def index_health(client) -> dict:
    return client.get("/api/health/").json()["data"]["index"]


def test_an_index_that_is_up_to_date_has_nothing_pending(corpus, search, client):
    index = index_health(client)

    assert (index["state"], index["pending_files"], index["build"]) == ("ok", 0, None)
    assert search(q="printer").json()["metadata"]["index_pending_files"] == 0


def test_files_crawled_but_not_built_leave_the_index_behind(corpus, search, client):
    (corpus / "docs" / "new.txt").write_text("printer toner")
    (corpus / "src" / "billing.py").write_text("def refund(order):\n    return -order\n")
    reindex(str(corpus), "--no-semantic")

    index = index_health(client)
    assert (index["state"], index["pending_files"]) == ("behind", 2)
    assert client.get("/api/health/").status_code == 200
    assert search(q="printer").json()["metadata"]["index_pending_files"] == 2

    reindex(str(corpus))
    assert (index_health(client)["state"], index_health(client)["pending_files"]) == ("ok", 0)


def test_a_served_file_deleted_since_is_pending_and_hidden(corpus, search, client):
    FileIndex.objects.get(file_path=f"{corpus}/docs/network/printer.md").soft_delete()

    assert index_health(client)["pending_files"] == 1
    body = search(q="printer", mode="keyword").json()
    assert (body["data"], body["metadata"]["index_pending_files"]) == ([], 1)


def test_the_admin_shows_which_files_the_served_index_holds(corpus):
    (corpus / "docs" / "new.txt").write_text("printer toner")
    reindex(str(corpus), "--no-semantic")
    model_admin = ServedFileIndexAdmin(FileIndex, admin.site)

    served = {
        row.file_path.removeprefix(f"{corpus}/"): model_admin.in_search_index(row)
        for row in FileIndex.objects.filter(file_path__contains="/docs/")
    }

    assert served == {
        "docs/network/printer.md": True,
        "docs/new.txt": False,
        "docs/password_reset.md": True,
        "docs/türkçe_notlar.txt": True,
    }


def test_the_admin_search_folds_like_search_does(corpus, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "x"))

    page = client.get("/admin/indexer/fileindex/", {"q": "turkce_notlar"})

    assert [row.file_path.removeprefix(f"{corpus}/") for row in page.context["cl"].result_list] == [
        "docs/türkçe_notlar.txt"
    ]
