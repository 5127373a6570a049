from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from analytics import rollups
from analytics.models import FileDay, QueryDay, SearchDay, SearchEvent
from analytics.receivers import keep_rollup_triggers
from analytics.services import search_events_purge
from indexer.models import FileIndex
from tests.factories import file_index

pytestmark = pytest.mark.django_db

ALIVE = Q(deleted_at__isnull=True)


def file_rollup() -> dict:
    rows = FileDay.objects.values_list("content_type", "day", "files", "bytes", "deleted")
    return {(kind, day): sums for kind, day, *sums in rows if any(sums)}


def files_counted_directly() -> dict:
    rows = (
        FileIndex.all_objects.annotate(day=TruncDate("created_at"))
        .values_list("content_type", "day")
        .annotate(
            files=Count("id", filter=ALIVE),
            bytes=Coalesce(Sum("file_size", filter=ALIVE), 0),
            deleted=Count("id", filter=~ALIVE),
        )
    )
    return {(kind, day): sums for kind, day, *sums in rows if any(sums)}


def search_rollups() -> tuple[dict, dict]:
    daily = SearchDay.objects.values_list("day", "user_id", "searches", "cached", "zero_results")
    queries = QueryDay.objects.values_list(
        "day", "user_id", "normalized_query", "searches", "zero_results"
    )
    return (
        {(day, user): sums for day, user, *sums in daily if any(sums)},
        {(day, user, query): sums for day, user, query, *sums in queries if any(sums)},
    )


def searches_counted_directly() -> tuple[dict, dict]:
    events = SearchEvent.objects.annotate(day=TruncDate("created_at"), who=Coalesce("user_id", 0))
    zero = Count("id", filter=Q(result_count=0))
    daily = events.values_list("day", "who").annotate(
        n=Count("id"), cached=Count("id", filter=Q(cached=True)), zero=zero
    )
    queries = (
        events.exclude(normalized_query="")
        .values_list("day", "who", "normalized_query")
        .annotate(n=Count("id"), zero=zero)
    )
    return (
        {(day, user): sums for day, user, *sums in daily},
        {(day, user, query): sums for day, user, query, *sums in queries},
    )


def search(user, query: str, *, results: int = 1, cached: bool = False, ago=timedelta(0)):
    made = SearchEvent.objects.create(
        user=user,
        query=query,
        normalized_query=query.lower(),
        mode="keyword",
        result_count=results,
        latency_ms=5.0,
        cached=cached,
    )
    SearchEvent.objects.filter(pk=made.pk).update(created_at=timezone.now() - ago)
    return made


def test_file_rollup_agrees_with_the_table_after_every_kind_of_write():
    kept = file_index(content_type="text/plain", file_size=10)
    moved = file_index(content_type="text/plain", file_size=20)
    gone = file_index(content_type="image/png", file_size=30)
    file_index(content_type="image/png", file_size=40).soft_delete()
    FileIndex.objects.filter(pk=moved.pk).update(
        content_type="text/markdown", file_size=25, created_at=timezone.now() - timedelta(days=9)
    )
    gone.soft_delete()
    gone.restore()
    FileIndex.all_objects.filter(pk=gone.pk).delete()
    FileIndex.objects.filter(pk=kept.pk).delete()  # the soft-delete queryset

    assert file_rollup() == files_counted_directly()
    assert sum(files for files, _, _ in file_rollup().values()) == 1


def test_search_rollups_agree_with_the_events_after_inserts_updates_and_purges(
    django_user_model,
):
    ayse = django_user_model.objects.create_user("ayse")
    mehmet = django_user_model.objects.create_user("mehmet")
    search(ayse, "Kanat", results=0)
    search(ayse, "kanat", cached=True)
    search(ayse, "", results=4)
    search(mehmet, "kanat", ago=timedelta(days=3))
    search(mehmet, "Old", ago=timedelta(days=40))
    mehmet.delete()  # his events stay, with no user

    assert search_rollups() == searches_counted_directly()

    search_events_purge(older_than_days=30)

    assert search_rollups() == searches_counted_directly()


def test_installing_the_rollups_counts_the_rows_already_there(django_user_model):
    user = django_user_model.objects.create_user("ayse")
    file_index(content_type="text/plain")
    search(user, "kanat")
    with connection.cursor() as cursor:
        rollups.uninstall(cursor, connection.vendor)
        file_index(content_type="text/x-python")
        search(user, "ısı", results=0)
        rollups.install(cursor, connection.vendor)

    assert file_rollup() == files_counted_directly()
    assert search_rollups() == searches_counted_directly()


def test_triggers_a_migration_dropped_are_put_back_and_the_rows_counted_again():
    file_index(content_type="text/plain", file_size=10)
    vendor = connection.vendor
    with connection.cursor() as cursor:
        rollups.uninstall(cursor, vendor)  # as SQLite does when a migration rebuilds a table
    file_index(content_type="text/plain", file_size=20)

    keep_rollup_triggers(sender=None, using="default")

    with connection.cursor() as cursor:
        assert rollups.trigger_names(vendor) <= rollups.installed_triggers(cursor, vendor)
    assert file_rollup() == files_counted_directly()
