"""Search: rank the indexed files for a query, filter them, and render one page of results."""

import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from core.cache import MISS, cache_get, cache_set
from core.exceptions import ServiceUnavailable
from core.metrics import SEARCH_CACHE
from indexer.models import FileIndex
from search.engine import FileFilter, IndexUnavailable, SearchIndex
from search.factory import get_index_holder
from search.ranking import Ranked, order_files, rank_files


@dataclass(frozen=True, slots=True)
class SearchContext:
    """What a search runs against: the served index, minus files deleted since its build."""

    index: SearchIndex
    deleted: frozenset[int]

    def cache_key(self, params: dict[str, Any]) -> str:
        """Key a search by its parameters, the index generation and the deletions since."""
        state = json.dumps(
            [params, self.index.generation, sorted(self.deleted)], sort_keys=True, default=str
        )
        return f"search:{hashlib.sha256(state.encode()).hexdigest()}"


def search_context() -> SearchContext:
    """Return the index to search, or raise ServiceUnavailable when none can be served."""
    try:
        index = get_index_holder().get()
    except IndexUnavailable as error:
        raise ServiceUnavailable(_("The search index is unavailable: %s.") % error.reason) from None
    return SearchContext(index, _deleted_since_build(index))


def search_files(context: SearchContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run one search and return its page of results with the metadata that describes it."""
    index = context.index
    mask = index.table.mask(_file_filter(params, context.deleted))
    ranked, semantic = rank_files(index, params, mask)
    ranked = order_files(index, ranked, params["ordering"])
    page, page_size = params["page"], params["page_size"]
    pages = max(1, math.ceil(len(ranked) / page_size))
    if page > pages:
        raise ValidationError(
            {
                "page": [
                    _("Page %(page)s is past the last page, %(pages)s.")
                    % {"page": page, "pages": pages}
                ]
            }
        )
    window = ranked[(page - 1) * page_size : page * page_size]
    return {
        "data": [_result(index, item, params.get("q", "")) for item in window],
        "metadata": {
            "total_results": len(ranked),
            "page": page,
            "page_size": page_size,
            "pages": pages,
            "mode": params["mode"],
            "index_generation": index.generation,
            "semantic": semantic,
        },
    }


def _result(index: SearchIndex, item: Ranked, query: str) -> dict[str, Any]:
    record = index.file_record(item.row)
    return {
        "id": record.file_id,
        "file_path": record.path,
        "content_type": record.content_type,
        "file_size": record.size,
        "last_modified": datetime.fromtimestamp(record.mtime, UTC).isoformat(),
        "score": None if item.score is None else round(item.score, 6),
        "snippet": _snippet(index, item, query),
        "match": item.match,
    }


def _snippet(index: SearchIndex, item: Ranked, query: str) -> str:
    passage = item.passage
    if passage is None and query:
        passage = index.best_passage(item.row, query)
    if passage is None:
        passages = index.passages.of_file(item.row)
        passage = passages[0] if len(passages) else None
    return (
        "" if passage is None else index.snippet(passage, query, max_chars=settings.SNIPPET_CHARS)
    )


def _file_filter(params: dict[str, Any], deleted: frozenset[int]) -> FileFilter:
    return FileFilter(
        content_type=params.get("type"),
        mtime_from=_timestamp(params.get("date_from")),
        mtime_to=_timestamp(params.get("date_to")),
        min_size=params.get("min_size"),
        max_size=params.get("max_size"),
        path_prefix=params.get("path"),
        exclude_file_ids=deleted,
    )


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


@dataclass(frozen=True, slots=True)
class _Deleted:
    index: SearchIndex
    ids: frozenset[int]
    until: float


_deleted: _Deleted | None = None


def _deleted_since_build(index: SearchIndex) -> frozenset[int]:
    """Return the files soft-deleted since the index read the database: they must not show.

    Read again at most every INDEX_CHECK_INTERVAL seconds, as often as the holder looks for
    a new generation: a deletion shows within that interval, as a new generation does.
    """
    global _deleted
    now = time.monotonic()
    known = _deleted
    if known is not None and known.index is index and now < known.until:
        return known.ids
    manifest = index.manifest
    read_at = datetime.fromisoformat(manifest["built_at"]) - timedelta(
        seconds=manifest["build_seconds"] + 60
    )
    ids = frozenset(
        FileIndex.all_objects.filter(deleted_at__gte=read_at).values_list("id", flat=True)
    )
    _deleted = _Deleted(index, ids, now + settings.INDEX_CHECK_INTERVAL)
    return ids


def search_files_cached(params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Return a search's payload, from the cache when an equal search ran on this index state."""
    context = search_context()
    key = context.cache_key(params)
    payload = cache_get(key)
    SEARCH_CACHE.labels("miss" if payload is MISS else "hit").inc()
    if payload is not MISS:
        return payload, True
    payload = search_files(context, params)
    cache_set(key, payload, settings.SEARCH_CACHE_TTL)
    return payload, False
