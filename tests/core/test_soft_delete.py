from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError

from indexer.models import FileIndex
from tests.factories import file_index

pytestmark = pytest.mark.django_db


def test_deleting_an_instance_only_marks_it_deleted():
    row = file_index()

    assert row.delete() == (1, {"indexer.FileIndex": 1})

    row.refresh_from_db()
    assert row.deleted_at is not None
    assert FileIndex.all_objects.filter(pk=row.pk).exists()


def test_default_manager_hides_deleted_rows():
    alive, deleted = file_index(), file_index()
    deleted.soft_delete()

    assert list(FileIndex.objects.all()) == [alive]
    assert list(FileIndex.objects.deleted_only()) == [deleted]
    assert set(FileIndex.objects.all_with_deleted()) == {alive, deleted}
    assert set(FileIndex.all_objects.all()) == {alive, deleted}


def test_restore_brings_the_same_row_back():
    row = file_index()
    row.soft_delete()

    FileIndex.all_objects.get(pk=row.pk).restore()

    assert FileIndex.objects.get(pk=row.pk).deleted_at is None


def test_queryset_delete_is_soft_and_counts_only_alive_rows():
    file_index(), file_index()
    already = file_index()
    already.soft_delete()
    first_deletion = FileIndex.all_objects.get(pk=already.pk).deleted_at

    assert FileIndex.all_objects.all().delete() == 2

    assert FileIndex.objects.count() == 0
    assert FileIndex.all_objects.count() == 3
    assert FileIndex.all_objects.get(pk=already.pk).deleted_at == first_deletion


def test_queryset_alive_dead_and_restore():
    alive, dead = file_index(), file_index()
    dead.soft_delete()

    assert list(FileIndex.all_objects.alive()) == [alive]
    assert list(FileIndex.all_objects.dead()) == [dead]
    assert FileIndex.all_objects.restore() == 1
    assert FileIndex.objects.count() == 2


def test_hard_delete_is_the_only_way_to_remove_rows():
    row, other = file_index(), file_index()

    row.hard_delete()
    FileIndex.objects.filter(pk=other.pk).hard_delete()

    assert FileIndex.all_objects.count() == 0


def test_turkish_path_is_stored_and_read_back_exactly():
    path = "/projeler/çalışma_dosyası.py"
    file_index(file_path=path, search_keywords="çalışma dosyası İstanbul ığüşöç")

    row = FileIndex.objects.get(file_path=path)

    assert row.file_path == path
    assert row.search_keywords == "çalışma dosyası İstanbul ığüşöç"


def test_bulk_create_of_a_thousand_rows():
    rows = [
        FileIndex(
            file_path=f"/bulk/{n:04}.txt",
            content_hash=f"{n:064x}",
            file_size=n,
            last_modified=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for n in range(1000)
    ]

    FileIndex.objects.bulk_create(rows, batch_size=500)

    assert FileIndex.objects.count() == 1000
    assert FileIndex.objects.get(file_path="/bulk/0999.txt").file_size == 999


def test_five_gibibyte_file_size_is_stored_exactly():
    size = 5 * 1024**3
    row = file_index(file_size=size)

    assert FileIndex.objects.get(pk=row.pk).file_size == 5_368_709_120


def test_file_path_is_unique():
    file_index(file_path="/same")

    with pytest.raises(IntegrityError):
        file_index(file_path="/same")


def test_path_over_the_limit_is_rejected_not_truncated():
    row = FileIndex(
        file_path="/" + "a" * 1024,
        file_size=1,
        last_modified=datetime(2026, 1, 1, tzinfo=UTC),
    )

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert error.value.message_dict["file_path"] == [
        "Ensure this value has at most 1024 characters (it has 1025)."
    ]
    with pytest.raises(DatabaseError):  # varchar(1024) on PostgreSQL, a CHECK on SQLite
        row.save()


def test_path_over_the_byte_limit_is_rejected():
    row = FileIndex(
        file_path="/" + "€" * 700,
        file_size=1,
        last_modified=datetime(2026, 1, 1, tzinfo=UTC),
    )

    with pytest.raises(ValidationError) as error:
        row.full_clean(exclude=["content_hash"])

    assert error.value.message_dict["file_path"] == [
        "File path is too long: path has 2101 bytes in UTF-8; the limit is 2048."
    ]


def test_content_hash_must_be_hex_sha256():
    row = FileIndex(
        file_path="/x", content_hash="xyz", file_size=1, last_modified=datetime.now(UTC)
    )

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert error.value.message_dict == {"content_hash": ["Expected a hex SHA-256 digest."]}
