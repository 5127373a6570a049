"""Search: rank the indexed files for a request, filter them, and describe one page of them."""

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, ServiceUnavailable
from indexer.access import AccessScope, User, scopes
from search.engine import FileFilter, IndexUnavailable, SearchIndex
from search.explain import explanation
from search.facets import facet_counts
from search.factory import get_index_holder, get_index_lag
from search.freshness import Lag
from search.ranking import Ranked, Ranking, listed_files
from search.request import Match, Mode, SearchRequest


@dataclass(frozen=True, slots=True)
class SearchContext:
    """What a search runs against: the served index, how far it is behind, and the folders
    the searching user may see."""

    index: SearchIndex
    lag: Lag
    scope: AccessScope
    # The lag's pending files within the scope.
    pending_files: int

    def cache_key(self, request: SearchRequest) -> str:
        """Key a search by its request, the index build, the deletions since and the scope."""
        state = json.dumps(
            [
                request.cache_identity(),
                self.index.build_id,
                sorted(self.lag.deleted),
                self.scope.key,
            ],
            sort_keys=True,
        )
        return f"search:{hashlib.sha256(state.encode()).hexdigest()}"

    def file_filter(self, request: SearchRequest) -> FileFilter:
        """Return the request's filters, narrowed to what is served now and the user may see."""
        return request.filters.file_filter(
            exclude_file_ids=self.lag.deleted, allowed_prefixes=self.scope.prefixes
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    id: int
    file_path: str
    content_type: str
    file_size: int
    last_modified: datetime
    score: float | None
    snippet: str
    match: Match | None
    # Where the snippet's passage came from: its page and archive member, each None if none.
    location: dict[str, int | str | None]
    extraction: dict[str, str]
    # The other files with the same content that the search could have shown.
    duplicates: list[str]
    explain: dict | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: list[SearchResult]
    total_results: int
    page: int
    page_size: int
    pages: int
    mode: Mode
    index_generation: int
    semantic: str
    corrected_query: str | None
    # Counts by facet name, each a list of {"value", "count"}; None when none were asked for.
    facets: dict[str, list[dict[str, str | int]]] | None


def search_context(*, user: User) -> SearchContext:
    """Return what `user` searches, or raise ServiceUnavailable when no index can be served."""
    try:
        index = get_index_holder().get()
    except IndexUnavailable as error:
        raise ServiceUnavailable(_("The search index is unavailable: %s.") % error.reason) from None
    lags, scope = get_index_lag(), scopes.of(user)
    return SearchContext(index, lags.of(index), scope, lags.pending_in(index, scope))


def search_page(*, context: SearchContext, request: SearchRequest) -> SearchPage:
    """Run one search and return the page of results it asks for."""
    index = context.index
    mask = index.table.mask(context.file_filter(request))
    ranking, ranked = listed_files(index, request, mask)
    page, page_size = request.page, request.page_size
    pages = max(1, math.ceil(len(ranked) / page_size))
    if page > pages:
        message = _("Page %(page)s is past the last page, %(pages)s.")
        raise InvalidInput(errors={"page": [message % {"page": page, "pages": pages}]})
    window = ranked[(page - 1) * page_size : page * page_size]
    return SearchPage(
        results=[_result(index, item, ranking, mask, request.explain) for item in window],
        total_results=len(ranked),
        page=page,
        page_size=page_size,
        pages=pages,
        mode=request.mode,
        index_generation=index.generation,
        semantic=ranking.semantic,
        corrected_query=ranking.corrected_query,
        facets=facet_counts(
            index=index,
            request=request,
            file_filter=context.file_filter,
            ranking=ranking,
            ranked=ranked,
        )
        if request.facets
        else None,
    )


def _result(
    index: SearchIndex, item: Ranked, ranking: Ranking, mask: np.ndarray | None, explain: bool
) -> SearchResult:
    record = index.file_record(item.row)
    passage = _shown_passage(index, item, ranking)
    page, member = (None, None) if passage is None else index.passage_location(passage)
    return SearchResult(
        id=record.file_id,
        file_path=record.path,
        content_type=record.content_type,
        file_size=record.size,
        last_modified=datetime.fromtimestamp(record.mtime, UTC),
        score=None if item.score is None else round(item.score, 6),
        snippet=""
        if passage is None
        else index.snippet(passage, ranking.query, max_chars=settings.SNIPPET_CHARS),
        match=item.match,
        location={"page": page, "member": member},
        extraction={
            "status": record.extraction,
            "extractor": record.extractor,
            "detail": record.extraction_detail,
        },
        duplicates=[
            index.table.paths[row]
            for row in index.table.copies(item.row)
            if mask is None or mask[row]
        ],
        explain=explanation(index, item, ranking, passage) if explain else None,
    )


def _shown_passage(index: SearchIndex, item: Ranked, ranking: Ranking) -> int | None:
    """Pick the passage a result shows: the one that matched, else the file's first."""
    passage = item.passage
    if passage is not None and index.passage_span(passage) is None:
        # Found by its name's meaning: show its text most like the query, never the name.
        vector = ranking.vector
        return None if vector is None else index.closest_passage(item.row, vector)
    if passage is not None:
        return passage
    passages = index.passages.of_file(item.row)
    if len(passages) > 1 and ranking.query is not None:
        # One passage is shown anyway: reading it for the query's words would be wasted.
        passage = index.best_passage(item.row, ranking.query)
    if passage is None and len(passages):
        passage = passages[0]
    return passage
