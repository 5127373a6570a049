"""What the search page shows of a search: results as people read them, facets as links."""

import posixpath
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from indexer.extract import Status
from search.request import Facet, Mode, Ordering, SearchFilters, SearchRequest

MODE_LABELS = {Mode.HYBRID: _("Hybrid"), Mode.KEYWORD: _("Keyword"), Mode.SEMANTIC: _("Meaning")}
ORDERING_LABELS = {
    Ordering.RELEVANCE: _("Best match"),
    Ordering.LAST_MODIFIED_DESC: _("Newest"),
    Ordering.LAST_MODIFIED: _("Oldest"),
    Ordering.FILE_SIZE_DESC: _("Largest"),
    Ordering.FILE_SIZE: _("Smallest"),
    Ordering.FILE_PATH: _("Path"),
}
FACET_LABELS = {
    Facet.CONTENT_TYPE: _("Type"),
    Facet.FOLDER: _("Folder"),
    Facet.YEAR: _("Year"),
    Facet.EXTRACTION: _("Text"),
}
FILTER_LABELS = {
    "type": _("Type"),
    "date_from": _("From"),
    "date_to": _("To"),
    "min_size": _("At least (bytes)"),
    "max_size": _("At most (bytes)"),
    "path": _("Folder"),
    "extraction": _("Text"),
    "min_score": _("Similarity at least"),
}
# What the page calls each parameter it may have to explain an error in.
PARAMETER_LABELS = {
    **FILTER_LABELS,
    "q": _("Query"),
    "mode": _("Mode"),
    "ordering": _("Order"),
    "page": _("Page"),
    "page_size": _("Results per page"),
    "collapse": _("Copies"),
    "start": _("Passage start"),
    "end": _("Passage end"),
}
EXTRACTION_LABELS: dict[str, object] = {
    Status.OK: _("extracted"),
    Status.TRUNCATED: _("extracted in part"),
    Status.FAILED: _("could not be read"),
    Status.UNSUPPORTED: _("name only"),
    Status.EMPTY: _("no text in it"),
    Status.SKIPPED: _("skipped"),
}


def page_link(params: QueryDict, **changes: str | None) -> str:
    """Return "?…": these parameters with `changes` made (None removes) and the page reset."""
    query = params.copy()
    query.pop("page", None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"?{query.urlencode()}"


def pager(params: QueryDict, page: int, pages: int) -> dict[str, Any]:
    """Return where a page stands and the links to the pages beside it."""
    return {
        "page": page,
        "pages": pages,
        "previous": page_link(params, page=str(page - 1)) if page > 1 else None,
        "next": page_link(params, page=str(page + 1)) if page < pages else None,
    }


def shown_results(results: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Add what a person reads to each result: its name, folder, date and its page's link."""
    return [result | _reading(result, query) for result in results]


def _reading(result: dict[str, Any], query: str) -> dict[str, Any]:
    path = result["file_path"]
    passage = (result.get("explain") or {}).get("passage") or {}
    link = {"q": query, "start": passage.get("start"), "end": passage.get("end")}
    shown = {name: value for name, value in link.items() if value not in (None, "")}
    fragment = "#passage" if "start" in shown else ""
    return {
        "name": posixpath.basename(path),
        "folder": posixpath.dirname(path),
        "modified": parse_datetime(result["last_modified"]),
        "url": f"/files/{result['id']}/?{urlencode(shown)}{fragment}",
        "extraction_label": EXTRACTION_LABELS.get(result["extraction"]["status"], ""),
    }


def shown_facets(
    facets: dict[str, list[dict]], request: SearchRequest, params: QueryDict
) -> list[dict[str, Any]]:
    """Return each facet's values as links that narrow the search, or widen it when chosen."""
    shown = []
    for facet in request.facets:
        values = [
            _facet_value(facet, value["value"], value["count"], request.filters, params)
            for value in facets.get(facet.value, [])
        ]
        shown.append({"name": facet.value, "label": FACET_LABELS[facet], "values": values})
    return shown


def _facet_value(
    facet: Facet, value: str, count: int, filters: SearchFilters, params: QueryDict
) -> dict[str, Any]:
    chosen = all(
        _chosen(filters, name, wanted) for name, wanted in _narrowing(facet, value).items()
    )
    return {
        "value": value,
        "label": _value_label(facet, value),
        "count": count,
        "chosen": chosen,
        "url": page_link(params, **_changes(facet, value, filters, chosen)),
    }


def _changes(
    facet: Facet, value: str, filters: SearchFilters, chosen: bool
) -> dict[str, str | None]:
    """Return how choosing a value changes the search: extraction statuses add up."""
    if facet == Facet.EXTRACTION:
        statuses = set(filters.extraction or ()) ^ {value}
        return {"extraction": ",".join(sorted(statuses)) or None}
    narrowing = _narrowing(facet, value)
    return dict.fromkeys(narrowing) if chosen else dict(narrowing)


def _narrowing(facet: Facet, value: str) -> dict[str, str]:
    """Return the filter parameters that narrow a search to one facet value."""
    match facet:
        case Facet.CONTENT_TYPE:
            return {"type": value}
        case Facet.FOLDER:
            return {"path": value}
        case Facet.YEAR:
            return {"date_from": f"{value}-01-01", "date_to": f"{value}-12-31"}
        case Facet.EXTRACTION:
            return {"extraction": value}


def _chosen(filters: SearchFilters, name: str, wanted: str) -> bool:
    current = getattr(filters, name)
    if isinstance(current, tuple):
        return wanted in current
    if isinstance(current, datetime):
        return current.date().isoformat() == wanted
    return current == wanted


def _value_label(facet: Facet, value: str) -> str:
    if facet == Facet.FOLDER:
        return posixpath.basename(value) or value
    if facet == Facet.EXTRACTION:
        return str(EXTRACTION_LABELS.get(value, value))
    return value


def chosen_filters(filters: SearchFilters, params: QueryDict) -> list[dict[str, str]]:
    """Return the filters set, each as asked for, with a link that removes it."""
    return [
        {
            "label": str(FILTER_LABELS[name]),
            "value": params.get(name, ""),
            "url": page_link(params, **{name: None}),
        }
        for name in filters.described()
    ]
