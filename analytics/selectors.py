"""Reads for analytics: what is indexed and how search is used, aggregated in the database."""

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, FloatField, Func, QuerySet, Sum
from django.utils import timezone

from analytics.models import FileDay, QueryDay, SearchDay, SearchEvent
from core.cache import MISS, cache_get, cache_set
from indexer.access import AccessScope, scopes
from indexer.selectors import file_index_within
from search.status import index_status

TOP = 10
# Renewed by every reindex, so cached file figures are never older than the last reindex.
FILES_VERSION_KEY = "analytics:files-version"


def file_stats(*, scope: AccessScope) -> dict[str, Any]:
    """Return the figures of the indexed files `scope` lets its user see."""
    if scope.prefixes is None:
        return _all_file_stats()
    return _file_stats_within(scope.prefixes)


def _all_file_stats() -> dict[str, Any]:
    """Sum every file's figures from the per-type, per-day rollup."""
    totals = FileDay.objects.aggregate(
        files=Sum("files"), bytes=Sum("bytes"), deleted=Sum("deleted")
    )
    files, size = totals["files"] or 0, totals["bytes"] or 0
    week = _utc_today() - timedelta(days=6)
    types = (
        FileDay.objects.values("content_type")
        .annotate(count=Sum("files"), bytes=Sum("bytes"))
        .filter(count__gt=0)
        .order_by("-count", "content_type")[:TOP]
    )
    return {
        "total": files,
        "total_bytes": size,
        "average_bytes": round(size / files) if files else 0,
        "added_last_7_days": FileDay.objects.filter(day__gte=week).aggregate(n=Sum("files"))["n"]
        or 0,
        "content_types": list(types),
        "deleted": totals["deleted"] or 0,
    }


def _file_stats_within(folders: tuple[str, ...]) -> dict[str, Any]:
    """Count the files within `folders` from the file index itself: the rollup has no paths."""
    files = file_index_within(folders)
    alive = files.filter(deleted_at__isnull=True)
    totals = alive.aggregate(files=Count("id"), bytes=Sum("file_size"))
    count, size = totals["files"], totals["bytes"] or 0
    week = datetime.combine(_utc_today() - timedelta(days=6), time.min, tzinfo=UTC)
    types = (
        alive.values("content_type")
        .annotate(count=Count("id"), bytes=Sum("file_size"))
        .order_by("-count", "content_type")[:TOP]
    )
    return {
        "total": count,
        "total_bytes": size,
        "average_bytes": round(size / count) if count else 0,
        "added_last_7_days": alive.filter(created_at__gte=week).count(),
        "content_types": list(types),
        "deleted": files.filter(deleted_at__isnull=False).count(),
    }


def search_stats(*, user, days: int) -> dict[str, Any]:
    """Aggregate the searches `user` may see (all for staff) over the last `days` UTC days."""
    last = _utc_today()
    first = last - timedelta(days=days - 1)
    scope = {} if user.is_staff else {"user_id": user.pk}
    daily = SearchDay.objects.filter(day__gte=first, **scope)
    queries = QueryDay.objects.filter(day__gte=first, **scope)
    totals = daily.aggregate(total=Sum("searches"), cached=Sum("cached"))
    total = totals["total"] or 0
    recent = SearchEvent.objects.visible_to(user).since(timezone.now() - timedelta(hours=24))
    return {
        "total": total,
        "top_queries": _top_queries(queries, "searches"),
        "top_zero_result_queries": _top_queries(queries.filter(zero_results__gt=0), "zero_results"),
        "per_day": _per_day(daily, first=first, last=last),
        "latency_ms_last_24h": {"p50": _percentile(recent, 0.5), "p95": _percentile(recent, 0.95)},
        "cache_hit_rate": round(totals["cached"] / total, 4) if total else None,
    }


def index_stats(*, scope: AccessScope) -> dict[str, Any]:
    return index_status(scope=scope)


def _top_queries(rollup: QuerySet, counted: str) -> list[dict[str, Any]]:
    rows = (
        rollup.values_list("normalized_query")
        .annotate(count=Sum(counted))
        .order_by("-count", "normalized_query")[:TOP]
    )
    return [{"query": query, "count": count} for query, count in rows]


def _per_day(daily: QuerySet, *, first: date, last: date) -> list[dict[str, Any]]:
    counts = dict(daily.values("day").annotate(n=Sum("searches")).values_list("day", "n"))
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [{"date": day.isoformat(), "searches": counts.get(day, 0)} for day in days]


def _utc_today() -> date:
    # The rollups count by UTC day, whatever TIME_ZONE says.
    return timezone.now().astimezone(UTC).date()


class _PercentileDisc(Func):
    template = "percentile_disc(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    contains_aggregate = True
    output_field = FloatField()


def _percentile(events: QuerySet, fraction: float) -> float | None:
    """Return the smallest latency that `fraction` of searches did not exceed (nearest rank)."""
    if connection.vendor == "postgresql":
        value = events.aggregate(p=_PercentileDisc("latency_ms", fraction=fraction))["p"]
        return None if value is None else round(value, 2)
    # SQLite has no percentile function: the same nearest rank, found in latency order.
    count = events.count()
    if not count:
        return None
    rank = max(math.ceil(fraction * count) - 1, 0)
    value = events.order_by("latency_ms").values_list("latency_ms", flat=True)[rank]
    return round(value, 2)


def analytics_payload(*, user, days: int, index: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compute the figures `user` may see, uncached."""
    scope = scopes.of(user)
    return {
        "files": file_stats(scope=scope),
        "searches": search_stats(user=user, days=days),
        "index": index_stats(scope=scope) if index is None else index,
    }


def analytics_cached(*, user, days: int) -> tuple[dict[str, Any], bool]:
    """Return the figures `user` may see, cached per scope until a reindex or the TTL.

    Searches are scoped by user (staff see everyone's), files by access scope. The index's
    own figures are read afresh every time: its state changes without a reindex.
    """
    searches = "all" if user.is_staff else f"user-{user.pk}"
    files = scopes.of(user)
    index = index_stats(scope=files)
    version = cache_get(FILES_VERSION_KEY)
    version = None if version is MISS else version
    key = f"analytics:{searches}:{files.key}:{days}:{index['build_id']}:{version}"
    payload = cache_get(key)
    if payload is not MISS:
        return payload | {"index": index}, True
    payload = analytics_payload(user=user, days=days, index=index)
    cache_set(key, payload, settings.ANALYTICS_CACHE_TTL)
    return payload, False
