"""What /api/search/ accepts and returns."""

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MODES = ("hybrid", "keyword", "semantic")
ORDERINGS = ("relevance", "last_modified", "-last_modified", "file_size", "-file_size", "file_path")
MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 100
# Sizes are stored in 64-bit columns; a bound past that cannot be meant.
MAX_SIZE = 2**63 - 1


@extend_schema_field(
    {
        "type": "string",
        "description": "ISO 8601 date (the whole day) or datetime; without a zone, TIME_ZONE.",
        "example": "2025-01-31",
    }
)
class DateOrDateTimeField(serializers.Field):
    """An ISO 8601 date or datetime; a date means the whole day (from its start or to its end)."""

    default_error_messages = {"invalid": _("Enter an ISO 8601 date or datetime.")}

    def __init__(self, *, end_of_day: bool = False, **kwargs) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: str) -> datetime:
        value = str(data).strip()
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail("invalid")
        if len(value) == 10:
            parsed = datetime.combine(
                date.fromisoformat(value), time.max if self.end_of_day else time.min
            )
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        return parsed

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_QUERY_CHARS, trim_whitespace=True
    )
    mode = serializers.ChoiceField(choices=MODES, default="hybrid")
    type = serializers.RegexField(
        r"^[\w.+-]+(/[\w.+-]+)?$",
        required=False,
        max_length=255,
        error_messages={"invalid": _("Enter a MIME type such as text/x-python, or text.")},
    )
    date_from = DateOrDateTimeField(required=False)
    date_to = DateOrDateTimeField(required=False, end_of_day=True)
    min_size = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SIZE)
    max_size = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SIZE)
    path = serializers.CharField(required=False, max_length=1024, trim_whitespace=False)
    min_score = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    page = serializers.IntegerField(default=1, min_value=1, max_value=10**6)
    page_size = serializers.IntegerField(default=20, min_value=1, max_value=MAX_PAGE_SIZE)
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False)

    def validate_q(self, value: str) -> str:
        """Collapse runs of whitespace, so equal queries share results and cache entries."""
        return " ".join(value.split())

    def validate_path(self, value: str) -> str:
        if not value.startswith("/"):
            raise serializers.ValidationError(_("Enter an absolute path prefix, such as /docs."))
        return value.rstrip("/") or "/"

    def validate(self, attrs: dict) -> dict:
        errors = {}
        if _out_of_order(attrs.get("min_size"), attrs.get("max_size")):
            errors["min_size"] = [_("min_size must not be larger than max_size.")]
        if _out_of_order(attrs.get("date_from"), attrs.get("date_to")):
            errors["date_from"] = [_("date_from must not be later than date_to.")]
        ordering = attrs.setdefault("ordering", "relevance" if attrs.get("q") else "-last_modified")
        if ordering == "relevance" and not attrs.get("q"):
            errors["q"] = [_("A query is required to order by relevance.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _out_of_order(low, high) -> bool:
    return low is not None and high is not None and low > high
