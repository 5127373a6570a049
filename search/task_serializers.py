"""The tasks API's input and output: a reindex asked for, and a task's state."""

from rest_framework import serializers

from core.progress import Phase
from core.serializers import PlainOutputSerializer
from search.models import TaskStatus


class ReindexInputSerializer(serializers.Serializer):
    roots = serializers.ListField(
        child=serializers.CharField(max_length=4096),
        required=False,
        default=list,
        max_length=100,
        help_text="Folders to reindex, each INDEX_ROOTS or under one (default: INDEX_ROOTS).",
    )
    full = serializers.BooleanField(
        required=False, default=False, help_text="Re-read and re-hash every file."
    )


class SyncSummarySerializer(PlainOutputSerializer):
    seen = serializers.IntegerField()
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()
    restored = serializers.IntegerField()
    bytes_read = serializers.IntegerField()
    problems = serializers.IntegerField(help_text="Files or folders that could not be indexed.")
    elapsed_seconds = serializers.FloatField()


class BuildSummarySerializer(PlainOutputSerializer):
    generation = serializers.IntegerField(
        allow_null=True, help_text="Null when the index was already up to date."
    )
    files = serializers.IntegerField()
    passages = serializers.IntegerField()
    embedded = serializers.IntegerField(help_text="Passages the model had to embed.")
    elapsed_seconds = serializers.FloatField()


class TaskSummarySerializer(PlainOutputSerializer):
    sync = SyncSummarySerializer(allow_null=True)
    build = BuildSummarySerializer(allow_null=True)


class TaskSerializer(PlainOutputSerializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    phase = serializers.ChoiceField(
        choices=[*Phase], allow_null=True, help_text="While running: the phase it is in."
    )
    done = serializers.IntegerField(
        allow_null=True, help_text="Files, or in the embed phase passages, done in the phase."
    )
    total = serializers.IntegerField(allow_null=True, help_text="Null while still unknown.")
    roots = serializers.ListField(child=serializers.CharField())
    full = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    cancel_requested_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField(help_text="Deliveries to a worker; 2 or more: resumed.")
    worker = serializers.CharField(allow_null=True)
    summary = TaskSummarySerializer(allow_null=True, help_text="Once succeeded.")
    error = serializers.CharField(allow_null=True, help_text="Why it failed.")


class WorkersMetadataSerializer(PlainOutputSerializer):
    workers = serializers.IntegerField(help_text="Celery workers answering now.")
    warnings = serializers.ListField(child=serializers.CharField())
