"""Query parameter fields the search API parses with."""

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


class PathPrefixField(serializers.CharField):
    """An absolute directory, without its trailing slash."""

    default_error_messages = {"relative": _("Enter an absolute path prefix, such as /docs.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=1024, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if not value.startswith("/"):
            self.fail("relative")
        return value.rstrip("/") or "/"


@extend_schema_field(
    {
        "type": "string",
        "description": "One value, or several separated by commas.",
        "example": "failed,skipped",
    }
)
class ChoiceListField(serializers.Field):
    """A comma-separated list of choices, returned sorted and without repeats."""

    default_error_messages = {
        "invalid_choice": _("{value} is not one of: {choices}."),
        "empty": _("Name at least one value."),
    }

    def __init__(self, *, choices: list[str], **kwargs) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def to_internal_value(self, data: str) -> tuple[str, ...]:
        values = sorted({part.strip() for part in str(data).split(",") if part.strip()})
        if not values:
            self.fail("empty")
        for value in values:
            if value not in self.choices:
                self.fail("invalid_choice", value=value[:50], choices=", ".join(self.choices))
        return tuple(values)

    def to_representation(self, value: tuple[str, ...]) -> str:
        return ",".join(value)
