"""Facets: a search's results counted by type, folder, year and extraction status."""

import dataclasses
from collections.abc import Callable

import numpy as np
from django.utils import timezone

from search.engine import FileFilter, SearchIndex
from search.engine import facets as counting
from search.ranking import Ranked, Ranking, listed_files
from search.request import Facet, SearchRequest


def facet_counts(
    *,
    index: SearchIndex,
    request: SearchRequest,
    file_filter: Callable[[SearchRequest], FileFilter],
    ranking: Ranking,
    ranked: list[Ranked],
) -> dict[str, list[dict[str, str | int]]]:
    """Count every result of the search by each facet it asks for.

    Each facet counts the results of the same search without its own filter, so its other
    values say how many results choosing them would give. `ranked` are the search's results
    and `ranking` what found them; `file_filter` narrows a request to what may be searched.
    """
    counted: dict[str, list[dict[str, str | int]]] = {}
    for facet in request.facets:
        unset = request.filters.without(facet.filters)
        rows = [item.row for item in ranked]
        if unset != request.filters:
            wider = dataclasses.replace(request, filters=unset)
            mask = index.table.mask(file_filter(wider))
            rows = [item.row for item in listed_files(index, wider, mask, like=ranking)[1]]
        counts = _count(index, facet, np.array(rows, dtype=np.int64), request)
        counted[facet.value] = [{"value": value, "count": count} for value, count in counts]
    return counted


def _count(
    index: SearchIndex, facet: Facet, rows: np.ndarray, request: SearchRequest
) -> counting.FacetCounts:
    table = index.table
    match facet:
        case Facet.CONTENT_TYPE:
            return counting.by_content_type(table, rows)
        case Facet.FOLDER:
            return counting.by_subfolder(table, rows, request.filters.path)
        case Facet.YEAR:
            return counting.by_year(table, rows, timezone.get_default_timezone())
        case Facet.EXTRACTION:
            return counting.by_extraction(table, rows)
