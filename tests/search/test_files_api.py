"""GET /api/files/{id}/, its text and its original, for the files a user may see."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indexer.files import TEXT_PAGE_CHARS
from indexer.models import FileIndex
from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
NOTE = "Meeting notes: the quarterly budget review moves to Thursday."


@pytest.fixture
def files(tmp_path):
    root = write_corpus(
        tmp_path / "files",
        {
            "team/notes.txt": (NOTE, "2025-01-10"),
            "team/notes copy.txt": (NOTE, "2025-01-11"),
            "long.txt": ("ab" * TEXT_PAGE_CHARS, "2025-01-12"),
        },
    )
    reindex(str(root))
    return root


def row(root, relative) -> FileIndex:
    return FileIndex.objects.get(file_path=f"{root}/{relative}")


def test_a_file_is_described_with_its_extraction_and_copies(files, api):
    notes = row(files, "team/notes.txt")

    response = api.get(f"/api/files/{notes.pk}/")

    assert (response.status_code, response.json()) == (
        200,
        {
            "success": True,
            "message": "File found",
            "data": {
                "id": notes.pk,
                "file_path": f"{files}/team/notes.txt",
                "content_type": "text/plain",
                "file_size": len(NOTE),
                "last_modified": "2025-01-10T12:00:00+00:00",
                "content_hash": notes.content_hash,
                "extraction": {"status": "ok", "extractor": "text/1", "detail": ""},
                "duplicates": [f"{files}/team/notes copy.txt"],
            },
        },
    )


def test_text_comes_in_pages(files, api):
    long = row(files, "long.txt")

    first = api.get(f"/api/files/{long.pk}/text/").json()["data"]
    second = api.get(f"/api/files/{long.pk}/text/", {"page": 2}).json()["data"]
    past = api.get(f"/api/files/{long.pk}/text/", {"page": 3})

    assert (first["page"], first["pages"], first["characters"]) == (1, 2, 2 * TEXT_PAGE_CHARS)
    assert first["text"] + second["text"] == "ab" * TEXT_PAGE_CHARS
    assert (past.status_code, past.json()["errors"]) == (
        400,
        {"page": ["Page 3 is past the last page, 2."]},
    )


def test_the_original_downloads_byte_for_byte_as_an_attachment(files, api):
    notes = row(files, "team/notes copy.txt")

    response = api.get(f"/api/files/{notes.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == NOTE.encode()
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="notes copy.txt"'


def test_a_file_outside_your_folders_is_not_found_anywhere(files, tmp_path):
    outsider = get_user_model().objects.create_user("mehmet", password="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=outsider).key}")
    notes = row(files, "team/notes.txt")
    not_found = {
        "success": False,
        "message": f"No file {notes.pk}.",
        "errors": {"code": "not_found"},
    }

    for url in ("", "text/", "download/"):
        response = client.get(f"/api/files/{notes.pk}/{url}")
        assert (response.status_code, response.json()) == (404, not_found)


def test_a_file_gone_from_disk_is_not_found_for_download(files, api):
    notes = row(files, "team/notes.txt")
    (files / "team" / "notes.txt").unlink()

    response = api.get(f"/api/files/{notes.pk}/download/")

    assert (response.status_code, response.json()["message"]) == (
        404,
        f"{files}/team/notes.txt is no longer on disk.",
    )
