"""Reads for analytics: what is indexed and how search is used, aggregated in the database."""

import math
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.models import SearchEvent
from core.cache import MISS, cache_get, cache_set
from indexer.models import FileIndex
from search.factory import get_index_holder

TOP = 10
# Renewed by every reindex, so cached file figures are never older than the last reindex.
FILES_VERSION_KEY = "analytics:files-version"
_INDEX_FIELDS = ("generation", "built_at", "vectors", "files", "passages", "model_id", "state")


def file_stats() -> dict[str, Any]:
    alive = FileIndex.objects.all()
    totals = alive.aggregate(count=Count("id"), bytes=Sum("file_size"), average=Avg("file_size"))
    week_ago = timezone.now() - timedelta(days=7)
    types = (
        alive.values("content_type")
        .annotate(count=Count("id"), bytes=Sum("file_size"))
        .order_by("-count", "content_type")[:TOP]
    )
    return {
        "total": totals["count"],
        "total_bytes": totals["bytes"] or 0,
        "average_bytes": round(totals["average"] or 0),
        "added_last_7_days": alive.filter(created_at__gte=week_ago).count(),
        "content_types": list(types),
        "deleted": FileIndex.objects.deleted_only().count(),
    }


def search_stats(*, user, days: int) -> dict[str, Any]:
    """Aggregate the searches `user` may see (all for staff) over the last `days` days."""
    now = timezone.now()
    events = SearchEvent.objects.visible_to(user).since(now - timedelta(days=days))
    totals = events.aggregate(total=Count("id"), cached=Count("id", filter=Q(cached=True)))
    recent = events.filter(created_at__gte=now - timedelta(hours=24))
    return {
        "total": totals["total"],
        "top_queries": _top_queries(events),
        "top_zero_result_queries": _top_queries(events.filter(result_count=0)),
        "per_day": _per_day(events, first=(now - timedelta(days=days - 1)).date(), last=now.date()),
        "latency_ms_last_24h": {"p50": _percentile(recent, 0.5), "p95": _percentile(recent, 0.95)},
        "cache_hit_rate": round(totals["cached"] / totals["total"], 4) if totals["total"] else None,
    }


def index_stats() -> dict[str, Any]:
    status = get_index_holder().status()
    return {field: status.get(field) for field in _INDEX_FIELDS} | {"reason": status.get("reason")}


def _top_queries(events: QuerySet) -> list[dict[str, Any]]:
    rows = (
        events.exclude(normalized_query="")
        .values_list("normalized_query")
        .annotate(count=Count("id"))
        .order_by("-count", "normalized_query")[:TOP]
    )
    return [{"query": query, "count": count} for query, count in rows]


def _per_day(events: QuerySet, *, first: date, last: date) -> list[dict[str, Any]]:
    counts = dict(
        events.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [{"date": day.isoformat(), "searches": counts.get(day, 0)} for day in days]


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


def analytics_cached(*, user, days: int) -> tuple[dict[str, Any], bool]:
    """Return the figures `user` may see, cached per scope until a reindex or the TTL."""
    scope = "all" if user.is_staff else f"user-{user.pk}"
    index = index_stats()
    version = cache_get(FILES_VERSION_KEY)
    key = f"analytics:{scope}:{days}:{index['generation']}:{None if version is MISS else version}"
    payload = cache_get(key)
    if payload is not MISS:
        return payload, True
    payload = {
        "files": file_stats(),
        "searches": search_stats(user=user, days=days),
        "index": index,
    }
    cache_set(key, payload, settings.ANALYTICS_CACHE_TTL)
    return payload, False
