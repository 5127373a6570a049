"""Rank the served index's files for a query: by keyword, by meaning, or both fused."""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ServiceUnavailable
from search.engine import SearchIndex, reciprocal_rank_fusion
from search.factory import get_encoder
from search.request import Match, Mode, Ordering, SearchRequest

SEMANTIC_OK = "ok"


@dataclass(frozen=True, slots=True)
class Ranked:
    row: int
    score: float | None
    passage: int | None
    match: Match | None


def rank_files(
    index: SearchIndex, request: SearchRequest, mask: np.ndarray | None
) -> tuple[list[Ranked], str]:
    """Rank by the requested mode; say whether semantic search could take part."""
    semantic = index.semantic_problem or SEMANTIC_OK
    query, mode = request.query, request.mode
    if not query:
        rows = range(len(index.table)) if mask is None else mask.nonzero()[0].tolist()
        return [Ranked(row, None, None, None) for row in rows], semantic
    if mode == Mode.SEMANTIC and semantic != SEMANTIC_OK:
        raise ServiceUnavailable(_("Semantic search is unavailable: %s.") % semantic)
    keyword = _keyword(index, query, mask) if mode != Mode.SEMANTIC else []
    if mode == Mode.KEYWORD or semantic != SEMANTIC_OK:
        return keyword, semantic
    meaning = _semantic(index, query, mask, request.filters.min_score or 0.0)
    if mode == Mode.SEMANTIC:
        return meaning, semantic
    return _fused(keyword, meaning), semantic


def _keyword(index: SearchIndex, query: str, mask: np.ndarray | None) -> list[Ranked]:
    hits = index.search_keyword(query, mask=mask, limit=settings.SEARCH_MAX_RESULTS)
    return [Ranked(hit.row, hit.score, hit.passage, Match.KEYWORD) for hit in hits]


def _semantic(
    index: SearchIndex, query: str, mask: np.ndarray | None, min_score: float
) -> list[Ranked]:
    vector = get_encoder().encode_queries([query])[0]
    hits = index.search_semantic(
        vector, mask=mask, limit=settings.SEARCH_SEMANTIC_DEPTH, min_score=min_score
    )
    return [Ranked(hit.row, hit.score, hit.passage, Match.SEMANTIC) for hit in hits]


def _fused(keyword: list[Ranked], meaning: list[Ranked]) -> list[Ranked]:
    """Fuse the two rankings by reciprocal rank; a file found by both says so."""
    by_row = {item.row: item for item in meaning} | {item.row: item for item in keyword}
    in_both = {item.row for item in keyword} & {item.row for item in meaning}
    fused = reciprocal_rank_fusion(
        [[item.row for item in keyword], [item.row for item in meaning]],
        k=settings.SEARCH_RRF_K,
    )
    return [
        Ranked(row, score, by_row[row].passage, Match.BOTH if row in in_both else by_row[row].match)
        for row, score in fused
    ]


def order_files(index: SearchIndex, ranked: list[Ranked], ordering: Ordering) -> list[Ranked]:
    if ordering == Ordering.RELEVANCE:
        return ranked
    column: Any = {
        Ordering.LAST_MODIFIED.field: index.table.mtimes,
        Ordering.FILE_SIZE.field: index.table.sizes,
        Ordering.FILE_PATH.field: index.table.paths,
    }[ordering.field]
    return sorted(ranked, key=lambda item: column[item.row], reverse=ordering.descending)
