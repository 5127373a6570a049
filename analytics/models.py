from django.conf import settings
from django.db import models
from django.utils import timezone


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
    query = models.CharField(max_length=500, blank=True)
    normalized_query = models.CharField(
        max_length=500, blank=True, help_text="Folded like keyword search: Türkçe = turkce."
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
