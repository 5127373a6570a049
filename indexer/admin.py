from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import BoundedCountPaginator
from core.models import SoftDeleteQuerySet
from indexer.access import scopes
from indexer.files import extracted_text
from indexer.models import AccessRule, FileIndex
from indexer.selectors import file_index_within
from indexer.signals import file_index_changed

# Characters of extracted text a file's admin page shows.
PREVIEW_CHARS = 2_000


def text_preview_html(text: str) -> SafeString:
    """Render the start of a file's extracted text, escaped, and how much more there is."""
    if not text:
        return format_html("<p>{}</p>", _("(no text extracted)"))
    more = len(text) - PREVIEW_CHARS
    if more <= 0:
        return format_html('<pre class="text-preview">{}</pre>', text)
    note = ngettext("… %(count)s more character", "… %(count)s more characters", more)
    return format_html(
        '<pre class="text-preview">{}</pre><p class="text-preview-more">{}</p>',
        text[:PREVIEW_CHARS],
        note % {"count": number_format(more, force_grouping=True)},
    )


class StateFilter(admin.SimpleListFilter):
    """Alive rows by default; deleted rows, which the default manager hides, on request."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("deleted", _("Deleted")), ("all", _("All"))]

    def choices(self, changelist):
        for value, label in [(None, _("Alive")), *self.lookup_choices]:
            query = {self.parameter_name: value} if value else {}
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string(query, [self.parameter_name]),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "deleted":
            return queryset.dead()
        if self.value() == "all":
            return queryset
        return queryset.alive()


@admin.register(FileIndex)
class FileIndexAdmin(admin.ModelAdmin):
    list_display = [
        "file_path",
        "content_type",
        "size",
        "last_modified",
        "extraction_status",
        "is_deleted",
    ]
    list_filter = [StateFilter, "extraction_status", "content_type", "last_modified"]
    search_fields = ["file_path", "search_keywords"]
    readonly_fields = [
        "file_path",
        "content_hash",
        "file_size",
        "content_type",
        "search_keywords",
        "extractor",
        "extraction_status",
        "extraction_detail",
        "last_modified",
        "created_at",
        "updated_at",
        "deleted_at",
        "text_preview",
    ]
    # How extraction went; the search app's admin adds whether the served index holds the file.
    status_fields = ["extraction_status", "extractor", "extraction_detail"]
    actions = ["soft_delete_selected", "restore_selected"]
    paginator = BoundedCountPaginator
    show_full_result_count = False
    list_per_page = 100

    class Media:
        css = {"all": ["indexer/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> SoftDeleteQuerySet:
        """List every file, alive or not, that the user may find (staff can be limited)."""
        folders = scopes.of(request.user).prefixes
        return FileIndex.all_objects.all() if folders is None else file_index_within(folders)

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        """Group a file's page: the file, its status, its text, its row's history."""
        file_fields = ["file_path", "content_type", "file_size", "last_modified", "content_hash"]
        return [
            (None, {"fields": [*file_fields, "search_keywords"]}),
            (_("Status"), {"fields": self.status_fields}),
            (_("Extracted text"), {"fields": ["text_preview"]}),
            (_("History"), {"fields": ["created_at", "updated_at", "deleted_at"]}),
        ]

    def get_actions(self, request: HttpRequest) -> dict:
        """Name Django's delete action for what it does here: delete_queryset hard-deletes.

        It keeps its name, delete_selected, because Django's confirmation page posts that name.
        """
        actions = super().get_actions(request)
        if delete := actions.get("delete_selected"):
            function, name, _description = delete
            actions[name] = (function, name, str(_("Permanently delete selected files")))
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """Let a file's page be read, never saved: the index mirrors the disk.

        The list keeps the permission, for its soft-delete and restore actions.
        """
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def delete_model(self, request: HttpRequest, obj: FileIndex) -> None:
        obj.hard_delete()
        file_index_changed.send(sender=FileIndex)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        cast(SoftDeleteQuerySet, queryset).hard_delete()
        file_index_changed.send(sender=FileIndex)

    @admin.display(description=_("size"), ordering="file_size")
    def size(self, obj: FileIndex) -> str:
        return filesizeformat(obj.file_size)

    @admin.display(description=_("deleted"), boolean=True, ordering="deleted_at")
    def is_deleted(self, obj: FileIndex) -> bool:
        return obj.deleted_at is not None

    @admin.display(description=_("text preview"))
    def text_preview(self, obj: FileIndex) -> SafeString:
        """Show the first PREVIEW_CHARS characters of the file's extracted text."""
        return text_preview_html(extracted_text(content_hash=obj.content_hash))

    @admin.action(description=_("Soft delete selected files"), permissions=["change"])
    def soft_delete_selected(self, request: HttpRequest, queryset: SoftDeleteQuerySet) -> None:
        count = queryset.delete()
        file_index_changed.send(sender=FileIndex)
        message = ngettext("%d file soft-deleted.", "%d files soft-deleted.", count) % count
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Restore selected files"), permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: SoftDeleteQuerySet) -> None:
        count = queryset.restore()
        file_index_changed.send(sender=FileIndex)
        message = ngettext("%d file restored.", "%d files restored.", count) % count
        self.message_user(request, message, messages.SUCCESS)


@admin.register(AccessRule)
class AccessRuleAdmin(admin.ModelAdmin):
    list_display = ["path", "user", "group", "created_at"]
    list_filter = ["group"]
    search_fields = ["path", "user__username", "group__name"]
    autocomplete_fields = ["user", "group"]
    fields = ["path", "user", "group"]
