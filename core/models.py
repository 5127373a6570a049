"""Abstract models shared by the apps: timestamps and soft deletion."""

from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


ALIVE = models.Q(deleted_at__isnull=True)


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> "SoftDeleteQuerySet":
        return self.filter(ALIVE)

    def dead(self) -> "SoftDeleteQuerySet":
        return self.exclude(ALIVE)

    def delete(self) -> int:  # type: ignore[override]
        """Soft-delete the alive rows; return how many were deleted."""
        now = timezone.now()
        return self.alive().update(deleted_at=now, updated_at=now)

    def restore(self) -> int:
        return self.dead().update(deleted_at=None, updated_at=timezone.now())

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        return super().delete()


# Every row, alive or not, with the soft-delete queryset's methods.
AllRowsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteManager(AllRowsManager):
    """The default manager: only alive rows, with explicit ways to see the others."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        return self.all_with_deleted().alive()

    def all_with_deleted(self) -> SoftDeleteQuerySet:
        return SoftDeleteQuerySet(self.model, using=self._db)

    def deleted_only(self) -> SoftDeleteQuerySet:
        return self.all_with_deleted().dead()


class SoftDeleteModel(TimestampedModel):
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SoftDeleteManager()
    all_objects = AllRowsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def delete(self, using=None, keep_parents=False) -> tuple[int, dict[str, int]]:
        """Soft-delete: no code path removes a row by accident; use hard_delete() for that."""
        self.soft_delete()
        return 1, {self._meta.label: 1}

    def soft_delete(self) -> None:
        if self.deleted_at is None:
            self.deleted_at = timezone.now()
            self.save(update_fields=["deleted_at", "updated_at"])

    def restore(self) -> None:
        if self.deleted_at is not None:
            self.deleted_at = None
            self.save(update_fields=["deleted_at", "updated_at"])

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        return super().delete()


class Installation(models.Model):
    """This install's identity: one row, made with the database, so installs sharing a cache
    (Redis) never read each other's entries."""

    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "installation"

    def __str__(self) -> str:
        return self.key
