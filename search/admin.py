"""The file index's admin, told what the search index serves."""

import numpy as np
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdminMixin
from core.text import fold
from indexer.admin import FileIndexAdmin
from indexer.models import FileIndex
from search.engine import IndexUnavailable
from search.factory import get_index_holder
from search.freshness import snapshot_time
from search.models import ReindexTask


class ServedFileIndexAdmin(FileIndexAdmin):
    list_display = [*FileIndexAdmin.list_display, "in_search_index"]
    readonly_fields = [*FileIndexAdmin.readonly_fields, "in_search_index"]
    status_fields = [*FileIndexAdmin.status_fields, "in_search_index"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Find files by their path folded as search folds it too: `toplanti` finds
        `toplantı`; files the served index lacks are still found by the plain match."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term.strip())
        if not folded:
            return found, may_have_duplicates
        try:
            ids = get_index_holder().get().table.with_path_containing(folded)
        except IndexUnavailable:
            return found, may_have_duplicates
        return found | queryset.filter(pk__in=ids.tolist()), may_have_duplicates

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """List the files, with a warning when the search index is not fully serving."""
        status = get_index_holder().status()
        if status["state"] != "ok":
            message = _("Search index %(state)s: %(reason)s") % status
            self.message_user(request, message, messages.WARNING)
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("in search index"), boolean=True)
    def in_search_index(self, obj: FileIndex) -> bool:
        """Tell whether the served index holds the file as it is now."""
        try:
            index = get_index_holder().get()
        except IndexUnavailable:
            return False
        return bool(
            obj.deleted_at is None
            and obj.updated_at <= snapshot_time(index)
            and index.table.holds(np.array([obj.pk], dtype=np.int64))[0]
        )


admin.site.unregister(FileIndex)
admin.site.register(FileIndex, ServedFileIndexAdmin)


@admin.register(ReindexTask)
class ReindexTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The reindex tasks, read-only: the tasks API starts and cancels them."""

    list_display = ["id", "status", "created_at", "started_at", "finished_at", "attempts", "worker"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in ReindexTask._meta.fields]
