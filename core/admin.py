"""Admin pieces shared by the apps."""

from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class BoundedCountPaginator(Paginator):
    """Count at most `max_count` rows, so a page view never counts a million-row table."""

    max_count = 10_000

    @cached_property
    def count(self) -> int:
        rows = cast(QuerySet, self.object_list)
        return rows[: self.max_count + 1].count()
