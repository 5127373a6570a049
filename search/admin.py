"""The file index's admin, told what the search index serves."""

import numpy as np
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indexer.admin import FileIndexAdmin
from indexer.models import FileIndex
from search.engine import IndexUnavailable
from search.factory import get_index_holder
from search.freshness import snapshot_time


class ServedFileIndexAdmin(FileIndexAdmin):
    list_display = [*FileIndexAdmin.list_display, "in_search_index"]

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
