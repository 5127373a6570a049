"""The pages people search with: the search page and a file's page."""

import dataclasses
import posixpath
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from rest_framework import serializers

from core.exceptions import DizinError, NotFound
from indexer.serializers import TextPageQuerySerializer
from search.caching import SearchAnswer, search_page_reported
from search.file_pages import FilePage, file_page
from search.presenting import (
    EXTRACTION_LABELS,
    MODE_LABELS,
    ORDERING_LABELS,
    PARAMETER_LABELS,
    chosen_filters,
    page_link,
    pager,
    shown_facets,
    shown_results,
)
from search.request import Facet, Mode, SearchFilters, SearchRequest
from search.serializers import SearchQuerySerializer


@require_GET
@login_required
def search_page_view(request: HttpRequest) -> HttpResponse:
    """Show the search form and, once it is sent, one page of results with their facets."""
    started = time.perf_counter()
    context: dict[str, Any] = {
        "q": request.GET.get("q", ""),
        "mode": request.GET.get("mode", Mode.HYBRID),
        "ordering": request.GET.get("ordering", ""),
        "modes": MODE_LABELS.items(),
        "orderings": ORDERING_LABELS.items(),
        "kept": _kept_filters(request),
    }
    if not request.GET:
        return render(request, "search/search.html", context)
    query = SearchQuerySerializer(data=request.GET)
    if not query.is_valid():
        context["errors"] = _messages(query.errors)
        return render(request, "search/search.html", context, status=400)
    search = dataclasses.replace(query.search_request(), facets=tuple(Facet), explain=True)
    try:
        answer, _latency = search_page_reported(
            request=search, user=request.user, sender=search_page_view, started=started
        )
    except DizinError as error:
        context["errors"] = _messages(error.errors) if error.errors else [error.message]
        return render(request, "search/search.html", context, status=error.status_code)
    context |= _results(request, search, answer)
    return render(request, "search/search.html", context)


def _results(request: HttpRequest, search: SearchRequest, answer: SearchAnswer) -> dict:
    page, params = answer.page, request.GET
    return {
        "searched": True,
        "first": (page["page"] - 1) * page["page_size"] + 1,
        "results": shown_results(answer.results, search.query),
        "page": page,
        "facets": shown_facets(page["facets"] or {}, search, params),
        "filters": chosen_filters(search.filters, params),
        "pager": pager(params, page["page"], page["pages"]),
        "corrected": page["corrected_query"],
        "corrected_link": page_link(params, q=page["corrected_query"]),
    }


class FilePageQuerySerializer(TextPageQuerySerializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=10**6)
    q = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    start = serializers.IntegerField(required=False, min_value=0)
    end = serializers.IntegerField(required=False, min_value=0)


@require_GET
@login_required
def file_page_view(request: HttpRequest, file_id: int) -> HttpResponse:
    """Show a file the user may see: what the index knows of it and its text, match marked."""
    query = FilePageQuerySerializer(data=request.GET)
    if not query.is_valid():
        context = {"errors": _messages(query.errors), "back": reverse("search-page")}
        return render(request, "search/file.html", context, status=400)
    data = query.validated_data
    passage = (data["start"], data.get("end", data["start"])) if "start" in data else None
    try:
        shown = file_page(
            user=request.user,
            file_id=file_id,
            query=data.get("q", ""),
            page=data.get("page"),
            passage=passage,
        )
    except NotFound as error:
        raise Http404(error.message) from None
    except DizinError as error:
        context = {
            "errors": _messages(error.errors) if error.errors else [error.message],
            "back": reverse("search-page"),
        }
        return render(request, "search/file.html", context, status=error.status_code)
    return render(request, "search/file.html", _file_context(request, shown, data.get("q", "")))


def _file_context(request: HttpRequest, shown: FilePage, query: str) -> dict[str, Any]:
    text, path = shown.text, shown.file.file_path
    return {
        "file": shown.file,
        "name": posixpath.basename(path),
        "folder": posixpath.dirname(path),
        "extraction_label": EXTRACTION_LABELS.get(shown.file.extraction["status"], ""),
        "text": text,
        "marked_text": shown.marked_text,
        "back": f"{reverse('search-page')}?{urlencode({'q': query})}" if query else "/",
        "pager": pager(request.GET, text.page, text.pages),
    }


def _kept_filters(request: HttpRequest) -> list[tuple[str, str]]:
    """Return the filters the form sends again with a new query, as (name, value)."""
    names = [*(field.name for field in dataclasses.fields(SearchFilters)), "collapse"]
    return [(name, request.GET[name]) for name in names if request.GET.get(name)]


def _messages(errors: dict[str, Any]) -> list[str]:
    """Return each error as a line a person reads: the parameter's label, then the message."""
    return [
        f"{PARAMETER_LABELS.get(name, name)}: {message}"
        if name != "non_field_errors"
        else str(message)
        for name, messages in errors.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]
