"""Admin pieces shared by the apps."""

from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property


class BoundedCountPaginator(Paginator):
    """Count at most `max_count` rows, so a page view never counts a million-row table."""

    max_count = 10_000

    @cached_property
    def count(self) -> int:
        rows = cast(QuerySet, self.object_list)
        return rows[: self.max_count + 1].count()


class ReadOnlyAdminMixin:
    """Let staff read a model's rows, never add, change or delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
