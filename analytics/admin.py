from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.models import SearchEvent
from core.admin import BoundedCountPaginator, ReadOnlyAdminMixin


class ZeroResultsFilter(admin.SimpleListFilter):
    title = _("results")
    parameter_name = "zero_results"

    def lookups(self, request, model_admin):
        return [("yes", _("No results")), ("no", _("Some results"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(result_count=0)
        if self.value() == "no":
            return queryset.filter(result_count__gt=0)
        return queryset


@admin.register(SearchEvent)
class SearchEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Searches as recorded: read-only, for seeing how search is used."""

    list_display = ["created_at", "user", "query", "mode", "result_count", "latency_ms", "cached"]
    list_filter = ["mode", ZeroResultsFilter, "created_at", "user"]
    list_select_related = ["user"]
    search_fields = ["normalized_query"]
    paginator = BoundedCountPaginator
    show_full_result_count = False
