from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.db.models.signals import ModelSignal, m2m_changed, post_delete, post_save


class IndexerConfig(AppConfig):
    name = "indexer"
    verbose_name = "File index"

    def ready(self) -> None:
        from indexer import checks  # noqa: F401  (registers the system checks)
        from indexer.access import scopes
        from indexer.models import AccessRule

        # This process applies a change of who may see what at once; others within
        # INDEX_CHECK_INTERVAL (see ScopeMemo).
        user = get_user_model()
        senders: list[tuple[ModelSignal, type[Model]]] = [
            (post_save, AccessRule),
            (post_delete, AccessRule),
            (post_save, user),
            (m2m_changed, user.groups.through),
        ]
        for signal, sender in senders:
            signal.connect(scopes.forget, sender=sender, dispatch_uid="indexer.scopes.forget")
