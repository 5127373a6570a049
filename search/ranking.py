"""Rank the served index's files for a query: by keyword, by meaning, or both fused."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ServiceUnavailable
from search.engine import SearchIndex, reciprocal_rank_fusion
from search.factory import get_encoder

SEMANTIC_OK = "ok"


@dataclass(frozen=True, slots=True)
class Ranked:
    row: int
    score: float | None
    passage: int | None
    match: str | None


def rank_files(index: SearchIndex, params: dict[str, Any], mask) -> tuple[list[Ranked], str]:
    """Rank by the requested mode; say whether semantic search could take part."""
    semantic = index.semantic_problem or SEMANTIC_OK
    query = params.get("q")
    if not query:
        rows = range(len(index.table)) if mask is None else mask.nonzero()[0].tolist()
        return [Ranked(row, None, None, None) for row in rows], semantic
    mode = params["mode"]
    if mode == "semantic" and semantic != SEMANTIC_OK:
        raise ServiceUnavailable(_("Semantic search is unavailable: %s.") % semantic)
    keyword = _keyword(index, query, mask) if mode != "semantic" else []
    if mode == "keyword" or semantic != SEMANTIC_OK:
        return keyword, semantic
    meaning = _semantic(index, query, mask, params.get("min_score", 0.0))
    if mode == "semantic":
        return meaning, semantic
    return _fused(keyword, meaning), semantic


def _keyword(index: SearchIndex, query: str, mask) -> list[Ranked]:
    hits = index.search_keyword(query, mask=mask, limit=settings.SEARCH_MAX_RESULTS)
    return [Ranked(hit.row, hit.score, hit.passage, "keyword") for hit in hits]


def _semantic(index: SearchIndex, query: str, mask, min_score: float) -> list[Ranked]:
    vector = get_encoder().encode_queries([query])[0]
    hits = index.search_semantic(
        vector, mask=mask, limit=settings.SEARCH_SEMANTIC_DEPTH, min_score=min_score
    )
    return [Ranked(hit.row, hit.score, hit.passage, "semantic") for hit in hits]


def _fused(keyword: list[Ranked], meaning: list[Ranked]) -> list[Ranked]:
    """Fuse the two rankings by reciprocal rank; a file found by both says so."""
    by_row = {item.row: item for item in meaning} | {item.row: item for item in keyword}
    in_both = {item.row for item in keyword} & {item.row for item in meaning}
    fused = reciprocal_rank_fusion(
        [[item.row for item in keyword], [item.row for item in meaning]],
        k=settings.SEARCH_RRF_K,
    )
    return [
        Ranked(row, score, by_row[row].passage, "both" if row in in_both else by_row[row].match)
        for row, score in fused
    ]


def order_files(index: SearchIndex, ranked: list[Ranked], ordering: str) -> list[Ranked]:
    if ordering == "relevance":
        return ranked
    field = ordering.lstrip("-")
    column = {
        "last_modified": index.table.mtimes,
        "file_size": index.table.sizes,
        "file_path": index.table.paths,
    }[field]
    return sorted(ranked, key=lambda item: column[item.row], reverse=ordering.startswith("-"))
