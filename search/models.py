import uuid

from django.conf import settings
from django.db import models


class PassageVector(models.Model):
    """A passage's embedding, kept as soon as it is computed, so no build loses its work.

    Keyed by the model that made it and the passage key (a hash of the passage's text, as a
    signed 64-bit number); rows no index generation uses are dropped after each build.
    """

    model_id = models.CharField(max_length=200)
    key = models.BigIntegerField()
    vector = models.BinaryField(help_text="float32, little-endian.")

    class Meta:
        db_table = "passage_vector"
        constraints = [
            models.UniqueConstraint(fields=["model_id", "key"], name="passage_vector_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.key:x}"


class TaskStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReindexTask(models.Model):
    """A reindex asked for through the API and carried out by a Celery worker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    roots = models.JSONField(default=list)
    full = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    cancel_requested_at = models.DateTimeField(null=True)
    # Deliveries to a worker: more than one means a worker died and another resumed the run.
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True)
    summary = models.JSONField(null=True)
    error = models.TextField(blank=True)
    # True while queued or running, null after: being unique, it admits one unfinished task.
    active = models.BooleanField(null=True, unique=True, default=True, editable=False)

    class Meta:
        db_table = "reindex_task"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"reindex {self.id} ({self.status})"
