from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from core.models import AllRowsManager, SoftDeleteManager, SoftDeleteModel
from indexer.extract import Status
from indexer.validators import MAX_PATH_CHARS, folder_path, validate_file_path

models.CharField.register_lookup(Length)


class FileIndex(SoftDeleteModel):
    """One file under an indexed root, as of the last reindex that saw it."""

    file_path = models.CharField(
        max_length=MAX_PATH_CHARS, unique=True, validators=[validate_file_path]
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", "Expected a hex SHA-256 digest.")],
        help_text="Hex SHA-256 of the whole content.",
    )
    file_size = models.PositiveBigIntegerField(help_text="Bytes.")
    content_type = models.CharField(max_length=255, blank=True, help_text="MIME type.")
    search_keywords = models.TextField(blank=True)
    last_modified = models.DateTimeField()
    # The exact stat() mtime: reindex compares it (with the size) to skip unchanged files.
    mtime_ns = models.BigIntegerField(default=0, editable=False)
    extractor = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="The extractor and version that read the file's text, e.g. text/1.",
    )
    extraction_status = models.CharField(
        max_length=16, choices=[(status.value, status.value) for status in Status], blank=True
    )
    extraction_detail = models.CharField(
        max_length=255, blank=True, help_text="Why extraction failed or was skipped."
    )

    # Declared again so that type checkers bind the managers to this model, not the base.
    objects: ClassVar[SoftDeleteManager["FileIndex"]] = SoftDeleteManager()
    all_objects: ClassVar[AllRowsManager["FileIndex"]] = AllRowsManager()

    class Meta:
        db_table = "file_index"
        verbose_name = "indexed file"
        ordering = ["file_path"]
        # The path is indexed by its unique constraint, and on PostgreSQL also in code point
        # order (COLLATE "C", migration 0002) for root-prefix ranges and the reindex merge.
        indexes = [
            models.Index(fields=["content_hash"], name="file_index_hash_idx"),
            models.Index(fields=["last_modified", "deleted_at"], name="file_index_mtime_idx"),
            models.Index(fields=["content_type", "deleted_at"], name="file_index_type_idx"),
            models.Index(fields=["deleted_at"], name="file_index_deleted_idx"),
            # What changed since an index build began: the lag health reports.
            models.Index(fields=["updated_at"], name="file_index_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file_path__length__lte=MAX_PATH_CHARS),
                name="file_index_path_length",
            ),
        ]

    def __str__(self) -> str:
        return self.file_path


class FileContent(models.Model):
    """Extracted text, stored once per distinct content: copies of a file share one row."""

    content_hash = models.CharField(max_length=64, primary_key=True)
    text = models.TextField()
    encoding = models.CharField(max_length=32)
    truncated = models.BooleanField(default=False, help_text="Only the first bytes were kept.")
    extractor = models.CharField(max_length=64, blank=True, help_text="What made the text.")
    locations = models.JSONField(
        default=list, blank=True, help_text="[offset, page, member] where each located part starts."
    )

    class Meta:
        db_table = "file_content"

    def __str__(self) -> str:
        return self.content_hash


class ReindexLease(models.Model):
    """Who may reindex now, and how far the run has got.

    A row with an expiry, renewed by the running reindex, so a killed run's lease runs out;
    the run publishes its phase here too, for other processes (health) to read.
    """

    name = models.CharField(max_length=32, primary_key=True)
    owner = models.CharField(max_length=200)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(null=True)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    phase = models.CharField(max_length=16, blank=True)
    phase_started_at = models.DateTimeField(null=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(null=True)

    class Meta:
        db_table = "reindex_lease"

    def __str__(self) -> str:
        return f"{self.name} held by {self.owner} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class AccessRule(models.Model):
    """Who may find the files under a folder: one user, or the members of one group."""

    path = models.CharField(
        max_length=MAX_PATH_CHARS,
        validators=[validate_file_path],
        help_text="An absolute folder: a root, or any folder under one.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_rules",
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="access_rules"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "access_rule"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="access_rule_user_or_group",
                violation_error_message=_("Name a user or a group, not both."),
            ),
            models.UniqueConstraint(
                fields=["path", "user"],
                condition=models.Q(user__isnull=False),
                name="access_rule_user_unique",
                violation_error_message=_("This user already has a rule for this folder."),
            ),
            models.UniqueConstraint(
                fields=["path", "group"],
                condition=models.Q(group__isnull=False),
                name="access_rule_group_unique",
                violation_error_message=_("This group already has a rule for this folder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path} for {self.user or self.group}"

    def clean(self) -> None:
        try:
            self.path = folder_path(self.path)
        except ValidationError as error:
            raise ValidationError({"path": error.messages}) from None
