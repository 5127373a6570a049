"""Writes for analytics: record searches, forget old ones."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from analytics.models import RECORDED_QUERY_CHARS, SearchEvent
from analytics.selectors import FILES_VERSION_KEY
from analytics.writer import writer
from core.cache import RateLimitedLog, cache_set
from core.text import normalize_query
from search.request import SearchRequest

logger = logging.getLogger(__name__)
_failure_log = RateLimitedLog(logger)


def search_event_record(
    *,
    user: User | AnonymousUser,
    request: SearchRequest,
    total_results: int,
    latency_ms: float,
    cached: bool,
) -> None:
    """Record a search after it was answered; a failure to record never fails the search."""
    try:
        event = SearchEvent(
            user=user if user.is_authenticated else None,
            # A pasted paragraph is recorded by its start: queries are grouped, not archived.
            query=request.query[:RECORDED_QUERY_CHARS],
            normalized_query=normalize_query(request.query)[:RECORDED_QUERY_CHARS],
            mode=request.mode.value,
            filters=request.filters.described(),
            result_count=total_results,
            latency_ms=latency_ms,
            cached=cached,
        )
        if settings.SEARCH_EVENTS_IN_BACKGROUND:
            writer.submit(event)
        else:
            event.save()
    except Exception as error:  # recording is best effort by design
        _failure_log.error("Could not record a search event: %r", error)


def analytics_files_changed() -> None:
    """Make cached file and index figures unreachable; a reindex calls this when it ends."""
    cache_set(FILES_VERSION_KEY, uuid.uuid4().hex, None)


def search_events_purge(*, older_than_days: int, batch: int = 5000) -> int:
    """Delete searches older than `older_than_days`, a batch per transaction; return how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while ids := list(
        SearchEvent.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[:batch]
    ):
        deleted += SearchEvent.objects.filter(id__in=ids).delete()[0]
    return deleted
