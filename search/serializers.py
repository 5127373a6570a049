"""What /api/search/ accepts and returns: the request it parses, the page it renders."""

import dataclasses

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.progress import Phase
from core.serializers import PlainOutputSerializer
from indexer.serializers import ExtractionSerializer, FileSerializer
from search.engine.facets import FACET_VALUES
from search.fields import ChoiceListField
from search.request import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    Collapse,
    Facet,
    Match,
    Mode,
    Ordering,
    SearchFilters,
    SearchRequest,
)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_QUERY_CHARS, trim_whitespace=True
    )
    mode = serializers.ChoiceField(choices=[*Mode], default=Mode.HYBRID)
    page = serializers.IntegerField(default=1, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(
        default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )
    ordering = serializers.ChoiceField(
        choices=[*Ordering],
        required=False,
        help_text="relevance by default with q, -last_modified without.",
    )
    collapse = serializers.ChoiceField(
        choices=[*Collapse],
        default=Collapse.CONTENT,
        help_text="content: files with the same content are one result, the others listed in "
        "its duplicates; none: one result each.",
    )
    explain = serializers.BooleanField(
        default=False, help_text="Say why each result matched and how it was ranked."
    )
    facets = ChoiceListField(
        choices=[*Facet],
        required=False,
        help_text="Count all the results by these, each without its own filter: metadata.facets.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        """Add a parameter for each of SearchFilters' filters, after q and mode."""
        fields = super().get_fields()
        first = {name: fields.pop(name) for name in ("q", "mode")}
        return first | SearchFilters.parameters() | fields

    def validate_q(self, value: str) -> str:
        """Collapse runs of whitespace, so equal queries share results and cache entries."""
        return " ".join(value.split())

    def validate(self, attrs: dict) -> dict:
        errors = {}
        if _out_of_order(attrs.get("min_size"), attrs.get("max_size")):
            errors["min_size"] = [_("min_size must not be larger than max_size.")]
        if _out_of_order(attrs.get("date_from"), attrs.get("date_to")):
            errors["date_from"] = [_("date_from must not be later than date_to.")]
        default = Ordering.RELEVANCE if attrs.get("q") else Ordering.LAST_MODIFIED_DESC
        ordering = attrs.setdefault("ordering", default)
        if ordering == Ordering.RELEVANCE and not attrs.get("q"):
            errors["q"] = [_("A query is required to order by relevance.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def search_request(self) -> SearchRequest:
        """Return the validated parameters as a SearchRequest."""
        data = self.validated_data
        names = [field.name for field in dataclasses.fields(SearchFilters)]
        return SearchRequest(
            query=data.get("q", ""),
            mode=Mode(data["mode"]),
            filters=SearchFilters(**{name: data.get(name) for name in names}),
            ordering=Ordering(data["ordering"]),
            page=data["page"],
            page_size=data["page_size"],
            collapse=Collapse(data["collapse"]),
            explain=data["explain"],
            facets=tuple(Facet(name) for name in data.get("facets", ())),
        )


def _out_of_order(low, high) -> bool:
    return low is not None and high is not None and low > high


class LocationSerializer(PlainOutputSerializer):
    page = serializers.IntegerField(
        allow_null=True, help_text="1-based: a PDF page, a slide, a sheet; null if none."
    )
    member = serializers.CharField(
        allow_null=True,
        help_text='A path inside an archive or an attachment\'s name, nested ones joined by "/".',
    )


class MatchedTermSerializer(PlainOutputSerializer):
    term = serializers.CharField(help_text="The index term: folded and stemmed.")
    # DRF takes declared fields off the class, so this one does not hide Serializer.fields.
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.ChoiceField(choices=["name", "text"]),
        help_text="name: the file's name or folders; text: its extracted text.",
    )
    score = serializers.FloatField(help_text="What the term adds to the file's BM25 score.")


class KeywordExplanationSerializer(PlainOutputSerializer):
    rank = serializers.IntegerField(help_text="1-based place in the keyword ranking.")
    score = serializers.FloatField(help_text="BM25.")
    terms = MatchedTermSerializer(many=True)


class SemanticExplanationSerializer(PlainOutputSerializer):
    rank = serializers.IntegerField(help_text="1-based place in the semantic ranking.")
    similarity = serializers.FloatField(help_text="Cosine similarity of the best passage.")


class PassageExplanationSerializer(LocationSerializer):
    start = serializers.IntegerField(
        allow_null=True, help_text="Character offset in the file's text; null for its name."
    )
    end = serializers.IntegerField(allow_null=True)


class ExplanationSerializer(PlainOutputSerializer):
    keyword = KeywordExplanationSerializer(allow_null=True, help_text="Null if not found so.")
    semantic = SemanticExplanationSerializer(allow_null=True, help_text="Null if not found so.")
    fused_score = serializers.FloatField(
        allow_null=True,
        help_text="Hybrid: each ranking's score over its best, weighted by "
        "SEARCH_SEMANTIC_WEIGHT, summed; null in the other modes.",
    )
    passage = PassageExplanationSerializer(help_text="The passage the snippet shows.")


class SearchResultSerializer(FileSerializer):
    score = serializers.FloatField(
        allow_null=True,
        help_text="BM25 (keyword), cosine similarity (semantic) or fused score (hybrid, 0 to "
        "1); null without a query.",
    )
    snippet = serializers.CharField(help_text="HTML: the matching passage, terms in <mark>.")
    match = serializers.ChoiceField(
        choices=[*Match], allow_null=True, help_text="Null without a query."
    )
    location = LocationSerializer(help_text="Where the snippet's passage is in the file.")
    extraction = ExtractionSerializer()
    duplicates = serializers.ListField(
        child=serializers.CharField(),
        help_text="Paths of the other files with the same content that this search could "
        "show; with collapse=content they are not results of their own.",
    )
    explain = ExplanationSerializer(allow_null=True, help_text="With explain=true; else null.")


class FacetValueSerializer(PlainOutputSerializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


def _facet(help_text: str) -> FacetValueSerializer:
    return FacetValueSerializer(
        many=True,
        required=False,
        help_text=f"{help_text} At most {FACET_VALUES}, the largest first.",
    )


class FacetsSerializer(PlainOutputSerializer):
    """Only the facets asked for are present."""

    content_type = _facet("Results by MIME type.")
    folder = _facet(
        "Results by subfolder of the path filter, or of the folder holding them all; the "
        "value is the folder's path."
    )
    year = _facet("Results by the year they were last modified, in TIME_ZONE; latest first.")
    extraction = _facet("Results by how their text extraction ended.")


class SearchPageSerializer(PlainOutputSerializer):
    """What one search found, the same for everyone who asks it of the same index."""

    total_results = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=[*Mode])
    index_generation = serializers.IntegerField()
    semantic = serializers.CharField(help_text='"ok", or why semantic search is unavailable.')
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text="The query as searched when words missing from the index were taken for "
        "typos of words it has; null when none were.",
    )
    facets = FacetsSerializer(
        allow_null=True, help_text="With facets=…: exact counts over all the results."
    )


class SearchMetadataSerializer(SearchPageSerializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    search_time_ms = serializers.FloatField()
    cached = serializers.BooleanField()
    index_pending_files = serializers.IntegerField(
        help_text="Files the served index lacks or has at an older version, and served files "
        "deleted since, among those you may find: 0 when the index is up to date."
    )


class ReindexProgressSerializer(PlainOutputSerializer):
    """The phase a running reindex is in, and how far through it."""

    phase = serializers.ChoiceField(choices=[*Phase])
    done = serializers.IntegerField(help_text="Files, or in the embed phase passages, done.")
    total = serializers.IntegerField(allow_null=True, help_text="Null while still unknown.")
    started_at = serializers.CharField(help_text="When the phase began (ISO 8601).")
    eta_seconds = serializers.IntegerField(allow_null=True)


class IndexSummarySerializer(PlainOutputSerializer):
    """The served index, in brief; every figure is null when none is served."""

    state = serializers.ChoiceField(
        choices=["ok", "behind", "degraded", "stale", "unavailable"],
        help_text="ok; behind (files wait for the next build: see pending_files); degraded "
        "(keyword search only); stale (a newer generation failed to load); unavailable.",
    )
    pending_files = serializers.IntegerField(
        allow_null=True,
        help_text="Alive files the served index lacks or holds at an older version, and "
        "served files deleted since it was built; null when the database cannot tell.",
    )
    build = ReindexProgressSerializer(allow_null=True, help_text="The reindex running, if any.")
    reason = serializers.CharField(allow_null=True, help_text="Every problem, or null.")
    generation = serializers.IntegerField(allow_null=True)
    built_at = serializers.CharField(allow_null=True, help_text="ISO 8601, UTC.")
    model_id = serializers.CharField(allow_null=True)
    files = serializers.IntegerField(allow_null=True)
    passages = serializers.IntegerField(allow_null=True)
    vectors = serializers.IntegerField(allow_null=True)


class IndexStateSerializer(IndexSummarySerializer):
    keyword = serializers.CharField(help_text='"ok", or why keyword search cannot run.')
    semantic = serializers.CharField(help_text='"ok", or why semantic search cannot run.')
    dimension = serializers.IntegerField(allow_null=True)
    index_type = serializers.CharField(allow_null=True, help_text="flat or hnsw.")
