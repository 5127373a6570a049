from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from analytics import receivers
        from indexer.signals import file_index_changed
        from search.signals import search_performed

        search_performed.connect(receivers.record_search, dispatch_uid="analytics.record_search")
        file_index_changed.connect(
            receivers.forget_file_figures, dispatch_uid="analytics.forget_file_figures"
        )
        post_migrate.connect(
            receivers.keep_rollup_triggers, sender=self, dispatch_uid="analytics.rollup_triggers"
        )
