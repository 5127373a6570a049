"""The served index's state for health and analytics: what is served, how far behind it is,
and the reindex under way."""

from typing import Any

from django.db import DatabaseError

from indexer.selectors import reindex_progress
from search.engine import IndexUnavailable, SearchIndex
from search.factory import get_index_holder, get_index_lag


def index_status() -> dict[str, Any]:
    """Describe the served index; its state is "behind" when files are waiting for a build.

    Adds to the holder's status `pending_files` (see search.freshness.Lag; None when the
    database cannot say) and `build`, the reindex under way (None when none runs).
    """
    holder = get_index_holder()
    status = holder.status()
    try:
        pending, build = get_index_lag().of(_served(holder)).pending_files, reindex_progress()
    except DatabaseError:  # health must answer, and says the database is down elsewhere
        pending, build = None, None
    if status["state"] == "ok" and pending:
        status["state"] = "behind"
    return status | {"pending_files": pending, "build": build}


def _served(holder) -> SearchIndex | None:
    try:
        return holder.get()
    except IndexUnavailable:
        return None
