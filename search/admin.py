"""The file index's admin, told what the search index serves."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from indexer.admin import FileIndexAdmin
from indexer.models import FileIndex
from search.factory import get_index_holder


class ServedFileIndexAdmin(FileIndexAdmin):
    def changelist_view(self, request: HttpRequest, extra_context=None):
        """List the files, with a warning when the search index is not fully serving."""
        status = get_index_holder().status()
        if status["state"] != "ok":
            message = _("Search index %(state)s: %(reason)s") % status
            self.message_user(request, message, messages.WARNING)
        return super().changelist_view(request, extra_context)


admin.site.unregister(FileIndex)
admin.site.register(FileIndex, ServedFileIndexAdmin)
