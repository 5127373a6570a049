"""What a search asks for: the one definition of its modes, orderings, filters and bounds.

The query serializer, the engine's filter, the cache key, the recorded event and the OpenAPI
schema all derive from the classes here.
"""

import copy
import dataclasses
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from indexer.extract import Status
from search.engine.documents import FileFilter
from search.fields import ChoiceListField, DateOrDateTimeField, PathPrefixField

# A pasted paragraph or page finds the documents like it (see search.engine.analysis).
MAX_QUERY_CHARS = 10_000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10**6
# Sizes are stored in 64-bit columns; a bound past that cannot be meant.
MAX_SIZE = 2**63 - 1


class Mode(StrEnum):
    HYBRID = "hybrid"
    KEYWORD = "keyword"
    SEMANTIC = "semantic"


class Match(StrEnum):
    """Which ranking found a result."""

    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    BOTH = "both"


class Collapse(StrEnum):
    """Whether files with the same content are one result or one each."""

    CONTENT = "content"
    NONE = "none"


class Facet(StrEnum):
    """What results can be counted by, beside the list."""

    CONTENT_TYPE = "content_type"
    FOLDER = "folder"
    YEAR = "year"
    EXTRACTION = "extraction"

    @property
    def filters(self) -> tuple[str, ...]:
        """Name the SearchFilters this facet narrows by: left out when it is counted."""
        return {
            Facet.CONTENT_TYPE: ("type",),
            # A folder's subfolders are counted within it: the path filter stays.
            Facet.FOLDER: (),
            Facet.YEAR: ("date_from", "date_to"),
            Facet.EXTRACTION: ("extraction",),
        }[self]


class Ordering(StrEnum):
    RELEVANCE = "relevance"
    LAST_MODIFIED = "last_modified"
    LAST_MODIFIED_DESC = "-last_modified"
    FILE_SIZE = "file_size"
    FILE_SIZE_DESC = "-file_size"
    FILE_PATH = "file_path"

    @property
    def field(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


def _parameter(field: serializers.Field) -> Any:
    """Declare a filter: unset by default, parsed from the query parameter of its name."""
    return dataclasses.field(default=None, metadata={"parameter": field})


@dataclasses.dataclass(frozen=True, slots=True)
class SearchFilters:
    """What narrows a search; each is applied inside the rankings, never after them."""

    type: str | None = _parameter(
        serializers.RegexField(
            r"^[\w.+-]+(/[\w.+-]+)?$",
            required=False,
            max_length=255,
            help_text="A MIME type (text/x-python) or a top-level type (text).",
            error_messages={"invalid": _("Enter a MIME type such as text/x-python, or text.")},
        )
    )
    date_from: datetime | None = _parameter(DateOrDateTimeField(required=False))
    date_to: datetime | None = _parameter(DateOrDateTimeField(required=False, end_of_day=True))
    min_size: int | None = _parameter(
        serializers.IntegerField(required=False, min_value=0, max_value=MAX_SIZE)
    )
    max_size: int | None = _parameter(
        serializers.IntegerField(required=False, min_value=0, max_value=MAX_SIZE)
    )
    path: str | None = _parameter(PathPrefixField(required=False))
    extraction: tuple[str, ...] | None = _parameter(
        ChoiceListField(
            choices=[*Status],
            required=False,
            help_text="Only files whose text extraction ended so (e.g. failed,skipped).",
        )
    )
    min_score: float | None = _parameter(
        serializers.FloatField(
            required=False,
            min_value=0.0,
            max_value=1.0,
            help_text="Drop semantic matches below this cosine similarity.",
        )
    )

    @classmethod
    def parameters(cls) -> dict[str, serializers.Field]:
        """Return a fresh query parameter field for each filter, by name."""
        return {
            field.name: copy.deepcopy(field.metadata["parameter"])
            for field in dataclasses.fields(cls)
        }

    def described(self) -> dict[str, str]:
        """Return the filters that are set, each as text, by name."""
        return {
            field.name: ",".join(value) if isinstance(value, tuple) else str(value)
            for field in dataclasses.fields(self)
            if (value := getattr(self, field.name)) is not None
        }

    def without(self, names: tuple[str, ...]) -> "SearchFilters":
        """Return these filters with `names` unset."""
        return dataclasses.replace(self, **dict.fromkeys(names))

    def file_filter(
        self, *, exclude_file_ids: frozenset[int], allowed_prefixes: tuple[str, ...] | None
    ) -> FileFilter:
        """Translate into the engine's filter, within `allowed_prefixes` (None: every folder)
        and leaving out `exclude_file_ids`."""
        return FileFilter(
            content_type=self.type,
            mtime_from=None if self.date_from is None else self.date_from.timestamp(),
            mtime_to=None if self.date_to is None else self.date_to.timestamp(),
            min_size=self.min_size,
            max_size=self.max_size,
            path_prefix=self.path,
            allowed_prefixes=allowed_prefixes,
            extraction=None if self.extraction is None else frozenset(self.extraction),
            exclude_file_ids=exclude_file_ids,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search, parsed and validated: everything that decides its answer."""

    query: str = ""
    mode: Mode = Mode.HYBRID
    filters: SearchFilters = SearchFilters()
    ordering: Ordering = Ordering.RELEVANCE
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    collapse: Collapse = Collapse.CONTENT
    explain: bool = False
    facets: tuple[Facet, ...] = ()

    def cache_identity(self) -> dict[str, Any]:
        """Return what tells this search's answer apart, as JSON-ready values."""
        return {
            "query": self.query,
            "mode": self.mode.value,
            "filters": self.filters.described(),
            "ordering": self.ordering.value,
            "page": self.page,
            "page_size": self.page_size,
            "collapse": self.collapse.value,
            "explain": self.explain,
            "facets": [facet.value for facet in self.facets],
        }
