from django.conf import settings
from django.db import models
from django.utils import timezone

# Queries may be pages long (search.request.MAX_QUERY_CHARS); their start is what is kept.
RECORDED_QUERY_CHARS = 500


class SearchEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SearchEventQuerySet":
        """Staff see every search; anyone else only their own."""
        return self if user.is_staff else self.filter(user=user)

    def since(self, moment) -> "SearchEventQuerySet":
        return self.filter(created_at__gte=moment)


class SearchEvent(models.Model):
    """One search as a user made it, recorded after it was answered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=RECORDED_QUERY_CHARS, blank=True)
    normalized_query = models.CharField(
        max_length=RECORDED_QUERY_CHARS,
        blank=True,
        help_text="Folded like keyword search: Türkçe = turkce.",
    )
    mode = models.CharField(max_length=16)
    filters = models.JSONField(default=dict, blank=True)
    result_count = models.PositiveIntegerField()
    latency_ms = models.FloatField()
    cached = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SearchEventQuerySet.as_manager()

    class Meta:
        db_table = "search_event"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="search_event_created_idx"),
            models.Index(fields=["user", "created_at"], name="search_event_user_idx"),
            models.Index(fields=["normalized_query"], name="search_event_query_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.mode}, {self.result_count} results)"


# The rollups below are derived data, kept by database triggers (see analytics/rollups.py) so
# every write path counts, including raw SQL and bulk deletes. The application only reads them.


class FileDay(models.Model):
    """Files by content type and the UTC day they were first indexed: alive count and bytes."""

    content_type = models.CharField(max_length=255)
    day = models.DateField()
    files = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_file_day"
        constraints = [
            models.UniqueConstraint(fields=["content_type", "day"], name="file_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.content_type}: {self.files} files"


class SearchDay(models.Model):
    """Searches per UTC day and user (0 for none): how many, how many cached or empty."""

    day = models.DateField()
    user_id = models.IntegerField()
    searches = models.BigIntegerField(default=0)
    cached = models.BigIntegerField(default=0)
    zero_results = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_search_day"
        constraints = [
            models.UniqueConstraint(fields=["day", "user_id"], name="search_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id}: {self.searches} searches"


class QueryDay(models.Model):
    """Searches per UTC day, user and normalized query (empty queries are left out)."""

    day = models.DateField()
    user_id = models.IntegerField()
    normalized_query = models.CharField(max_length=RECORDED_QUERY_CHARS)
    searches = models.BigIntegerField(default=0)
    zero_results = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_query_day"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "user_id", "normalized_query"], name="query_day_unique"
            ),
        ]
        indexes = [models.Index(fields=["user_id", "day"], name="query_day_user_idx")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id}: {self.normalized_query!r} x{self.searches}"
