"""Why a result matched and how it was placed: the answer to explain=true."""

from typing import Any

from search.engine import SearchIndex
from search.ranking import Ranked, Ranking


def explanation(
    index: SearchIndex, item: Ranked, ranking: Ranking, passage: int | None
) -> dict[str, Any]:
    """Describe a result's keyword and semantic placing, fused score and shown passage."""
    keyword, semantic = item.keyword, item.semantic
    page, member = (None, None) if passage is None else index.passage_location(passage)
    span = None if passage is None else index.passage_span(passage)
    return {
        "keyword": None
        if keyword is None
        else {
            "rank": keyword.rank,
            "score": round(keyword.score, 6),
            "terms": [] if ranking.query is None else index.matched_terms(item.row, ranking.query),
        },
        "semantic": None
        if semantic is None
        else {"rank": semantic.rank, "similarity": round(semantic.score, 6)},
        "fused_score": None if not ranking.fused or item.score is None else round(item.score, 6),
        "passage": {
            "page": page,
            "member": member,
            "start": None if span is None else span[0],
            "end": None if span is None else span[1],
        },
    }
