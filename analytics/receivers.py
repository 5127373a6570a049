"""What analytics does when the apps below it, or Django, report something (see apps.py)."""

import logging
from typing import Any

from django.db import connections

from analytics import rollups
from analytics.services import analytics_files_changed, search_event_record

logger = logging.getLogger(__name__)


def record_search(sender: type, **details: Any) -> None:
    search_event_record(
        user=details["user"],
        request=details["request"],
        total_results=details["total_results"],
        latency_ms=details["latency_ms"],
        cached=details["cached"],
    )


def forget_file_figures(sender: Any, **details: Any) -> None:
    analytics_files_changed()


def keep_rollup_triggers(sender: Any, *, using: str, **details: Any) -> None:
    """Put back rollup triggers a migration dropped, and count the rows again.

    SQLite drops a table's triggers when Django rebuilds the table, which it does to add most
    columns: any migration of file_index or search_event would silently stop the rollups.
    """
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {rollup.table for rollup in rollups.ROLLUPS} <= tables:
        return  # the rollups' own migration has not run (or was reversed)
    with connection.cursor() as cursor:
        expected = rollups.trigger_names(connection.vendor)
        if expected <= rollups.installed_triggers(cursor, connection.vendor):
            return
        logger.info("Rollup triggers were missing: installing them and counting again.")
        rollups.uninstall(cursor, connection.vendor)
        rollups.install(cursor, connection.vendor)
