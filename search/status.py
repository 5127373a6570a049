"""The served index's state for health and analytics: what is served, how far behind it is,
and the reindex under way."""

from typing import Any

import numpy as np
from django.db import DatabaseError

from indexer.access import EVERYTHING, AccessScope
from indexer.selectors import reindex_progress
from search.engine import IndexUnavailable, SearchIndex
from search.factory import get_index_holder, get_index_lag


def index_status(*, scope: AccessScope = EVERYTHING) -> dict[str, Any]:
    """Describe the served index; its state is "behind" when files are waiting for a build.

    Adds to the holder's status `pending_files` (see search.freshness.Lag; None when the
    database cannot say) and `build`, the reindex under way (None when none runs). Files,
    passages, vectors and pending files count only what `scope` lets its user see.
    """
    holder = get_index_holder()
    status, served = holder.status(), _served(holder)
    try:
        pending, build = get_index_lag().pending_in(served, scope), reindex_progress()
    except DatabaseError:  # health must answer, and says the database is down elsewhere
        pending, build = None, None
    if status["state"] == "ok" and pending:
        status["state"] = "behind"
    if served is not None and scope.prefixes is not None:
        status |= _counts_within(served, scope.prefixes)
    return status | {"pending_files": pending, "build": build}


def _counts_within(index: SearchIndex, folders: tuple[str, ...]) -> dict[str, int | None]:
    mask = index.table.within(folders)
    passages = int(np.count_nonzero(mask[index.passages.rows]))
    # Vectors are numbered as passages are, when the index has them.
    vectors = passages if index.manifest["vectors"] else index.manifest["vectors"]
    return {"files": int(np.count_nonzero(mask)), "passages": passages, "vectors": vectors}


def _served(holder) -> SearchIndex | None:
    try:
        return holder.get()
    except IndexUnavailable:
        return None
