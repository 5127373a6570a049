"""Rank the served index's files for a query: by keyword, by meaning, or both fused."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ServiceUnavailable
from search.engine import ScoredIds, SearchIndex, fuse_ranked
from search.engine.analysis import KeywordQuery
from search.engine.encoder import encode_query
from search.factory import get_encoder
from search.request import Collapse, Match, Mode, Ordering, SearchRequest

SEMANTIC_OK = "ok"
# A pasted query is encoded in even parts of at most a passage, at most this many, spread over
# it (see encode_query): a 10,000-character query then encodes in a quarter to half a second.
QUERY_PARTS = 4


# Placed and Ranked are not frozen: a hybrid search makes thousands of each, and a frozen
# dataclass takes three times as long to make.
@dataclass(slots=True)
class Placed:
    """Where one ranking put a file (1-based) and with what score."""

    rank: int
    score: float


@dataclass(slots=True)
class Ranked:
    row: int
    score: float | None
    passage: int | None
    match: Match | None
    keyword: Placed | None = None
    semantic: Placed | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    """The files a search found, best first, and what they were found by."""

    items: list[Ranked]
    semantic: str
    query: KeywordQuery | None = None
    vector: np.ndarray | None = field(default=None, repr=False)
    corrected_query: str | None = None
    # Whether the items' scores fuse a keyword and a semantic ranking.
    fused: bool = False


def rank_files(
    index: SearchIndex,
    request: SearchRequest,
    mask: np.ndarray | None,
    *,
    like: Ranking | None = None,
) -> Ranking:
    """Rank by the requested mode; say whether semantic search could take part.

    `like`, a ranking of the same query under other filters, lends its analysed query and
    query vector, which do not depend on the filters.
    """
    semantic = index.semantic_problem or SEMANTIC_OK
    query, mode = request.query, request.mode
    if not query:
        rows = range(len(index.table)) if mask is None else mask.nonzero()[0].tolist()
        return Ranking([Ranked(row, None, None, None) for row in rows], semantic)
    if mode == Mode.SEMANTIC and semantic != SEMANTIC_OK:
        raise ServiceUnavailable(_("Semantic search is unavailable: %s.") % semantic)
    keyword_query = like.query if like and like.query else index.keyword_query(query)
    corrected = keyword_query.corrected_query(query)
    if mode == Mode.KEYWORD or semantic != SEMANTIC_OK:
        keyword = _keyword(_rank_keyword(index, keyword_query, mask))
        return Ranking(keyword, semantic, keyword_query, None, corrected)
    vector = like.vector if like and like.vector is not None else _query_vector(corrected or query)
    floor = _similarity_floor(index, vector, request.filters.min_score or 0.0)
    if mode == Mode.SEMANTIC:
        meaning = _semantic(index, vector, mask, floor)
        return Ranking(meaning, semantic, keyword_query, vector, corrected)
    meaning = _semantic(index, vector, mask, request.filters.min_score or 0.0)
    fused = _fused(_rank_keyword(index, keyword_query, mask), meaning, floor)
    return Ranking(fused, semantic, keyword_query, vector, corrected, True)


def _query_vector(query: str) -> np.ndarray:
    return encode_query(
        get_encoder(), query, words=settings.SEMANTIC_PASSAGE_WORDS, max_parts=QUERY_PARTS
    )


def _rank_keyword(index: SearchIndex, query: KeywordQuery, mask: np.ndarray | None) -> ScoredIds:
    return index.rank_keyword(query, mask=mask, limit=settings.SEARCH_MAX_RESULTS)


def _keyword(ranked: ScoredIds) -> list[Ranked]:
    """Make the keyword ranking's items; keyword hits carry no passage (see best_passage)."""
    rows, scores = ranked[0].tolist(), ranked[1].tolist()
    return [
        Ranked(row, score, None, Match.KEYWORD, keyword=Placed(rank, score))
        for rank, (row, score) in enumerate(zip(rows, scores, strict=True), start=1)
    ]


def _similarity_floor(index: SearchIndex, vector: np.ndarray, min_score: float) -> float:
    """Return how similar a file must be to be found by meaning alone."""
    return max(
        min_score,
        settings.SEARCH_SEMANTIC_MIN_SIMILARITY,
        index.similarity_floor(vector, settings.SEARCH_SEMANTIC_FLOOR),
    )


def _semantic(
    index: SearchIndex, vector: np.ndarray, mask: np.ndarray | None, min_score: float
) -> list[Ranked]:
    hits = index.search_semantic(
        vector, mask=mask, limit=settings.SEARCH_SEMANTIC_DEPTH, min_score=min_score
    )
    return [
        Ranked(hit.row, hit.score, hit.passage, Match.SEMANTIC, semantic=Placed(rank, hit.score))
        for rank, hit in enumerate(hits, start=1)
    ]


def _fused(keyword: ScoredIds, meaning: list[Ranked], floor: float) -> list[Ranked]:
    """Fuse the two rankings' normalised scores; a file found by both says so.

    Files found only by meaning must clear `floor`; files found by keyword keep what their
    meaning adds, however little (flooring the semantic side before fusing cost Cranfield
    0.004 nDCG@10).
    """
    weight = settings.SEARCH_SEMANTIC_WEIGHT
    meaning_ranked = (
        np.array([item.row for item in meaning], dtype=np.int64),
        np.array([item.score or 0.0 for item in meaning], dtype=np.float64),
    )
    rows, scores = fuse_ranked([keyword, meaning_ranked], weights=[1.0 - weight, weight])
    keyword_rows, keyword_scores = keyword[0].tolist(), keyword[1].tolist()
    by_keyword = dict(zip(keyword_rows, range(len(keyword_rows)), strict=True))
    by_meaning = {item.row: item for item in meaning}
    ranked = []
    for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
        place, also = by_keyword.get(row), by_meaning.get(row)
        if place is None:
            if also is not None and also.semantic is not None and also.semantic.score >= floor:
                ranked.append(Ranked(row, score, also.passage, Match.SEMANTIC, None, also.semantic))
            continue
        found = Placed(place + 1, keyword_scores[place])
        if also is None:
            ranked.append(Ranked(row, score, None, Match.KEYWORD, found))
        else:
            ranked.append(Ranked(row, score, None, Match.BOTH, found, also.semantic))
    return ranked


def order_files(index: SearchIndex, ranked: list[Ranked], ordering: Ordering) -> list[Ranked]:
    if ordering == Ordering.RELEVANCE:
        return ranked
    column: Any = {
        Ordering.LAST_MODIFIED.field: index.table.mtimes,
        Ordering.FILE_SIZE.field: index.table.sizes,
        # Rows are in path order, and paths unique: a row's number sorts as its path does,
        # without decoding the packed paths.
        Ordering.FILE_PATH.field: range(len(index.table)),
    }[ordering.field]
    return sorted(ranked, key=lambda item: column[item.row], reverse=ordering.descending)


def collapse_copies(index: SearchIndex, ranked: list[Ranked]) -> list[Ranked]:
    """Keep the first, best placed, of the files that share their content."""
    seen: set[str] = set()
    kept = []
    for item in ranked:
        group = index.table.copy_group(item.row)
        if group is not None:
            if group in seen:
                continue
            seen.add(group)
        kept.append(item)
    return kept


def listed_files(
    index: SearchIndex,
    request: SearchRequest,
    mask: np.ndarray | None,
    *,
    like: Ranking | None = None,
) -> tuple[Ranking, list[Ranked]]:
    """Rank, order and collapse the files as the request asks: every result, in order."""
    ranking = rank_files(index, request, mask, like=like)
    ranked = order_files(index, ranking.items, request.ordering)
    if request.collapse == Collapse.CONTENT:
        ranked = collapse_copies(index, ranked)
    return ranking, ranked
