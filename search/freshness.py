"""How far the served index is behind the file index, looked up once a check interval."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings

from core.memo import ExpiringMemo
from indexer.access import AccessScope
from indexer.models import FileIndex
from indexer.selectors import file_index_within
from search.engine import SearchIndex


@dataclass(frozen=True, slots=True)
class Lag:
    """What the file index holds that the served index does not."""

    # Served files deleted since the build began: searches must not show them.
    deleted: frozenset[int]
    # Alive files the served index lacks or holds at an older version, plus served files
    # deleted since: what the next build would change.
    pending_files: int


@dataclass(frozen=True, slots=True)
class _Known:
    index: SearchIndex | None
    lag: Lag
    until: float


class LagMemo:
    """The lag of the index a process serves, read again at most every INDEX_CHECK_INTERVAL.

    A deletion leaves results within that interval, as a new generation arrives within it.
    """

    def __init__(self) -> None:
        self._known: _Known | None = None
        self._scoped: ExpiringMemo[int] = ExpiringMemo(lambda: settings.INDEX_CHECK_INTERVAL)
        self._lock = threading.Lock()

    def of(self, index: SearchIndex | None) -> Lag:
        """Return the lag of `index`; with no index served, every alive file is pending."""
        now = time.monotonic()
        known = self._known
        if known is not None and known.index is index and now < known.until:
            return known.lag
        lag = index_lag(index) if index is not None else Lag(frozenset(), _alive_files())
        with self._lock:
            self._known = _Known(index, lag, now + settings.INDEX_CHECK_INTERVAL)
        self._scoped.clear()
        return lag

    def pending_in(self, index: SearchIndex | None, scope: AccessScope) -> int:
        """Return the lag's pending files that `scope` lets its user see."""
        lag = self.of(index)
        folders = scope.prefixes
        if folders is None:
            return lag.pending_files
        return self._scoped.get(scope.key, lambda: scoped_pending(index, lag, folders))


def index_lag(index: SearchIndex) -> Lag:
    """Compare the file index with what `index` was built from: two indexed queries."""
    since = snapshot_time(index)
    deleted = np.fromiter(
        FileIndex.all_objects.filter(deleted_at__gte=since).values_list("id", flat=True),
        dtype=np.int64,
    )
    served_deleted = deleted[index.table.holds(deleted)]
    changed = FileIndex.objects.filter(updated_at__gt=since).count()
    return Lag(frozenset(served_deleted.tolist()), changed + len(served_deleted))


def scoped_pending(index: SearchIndex | None, lag: Lag, folders: tuple[str, ...]) -> int:
    """Count what `lag` counts, within `folders` only."""
    files = file_index_within(folders).filter(deleted_at__isnull=True)
    if index is None:
        return files.count()
    changed = files.filter(updated_at__gt=snapshot_time(index)).count()
    visible_ids = index.table.file_ids[index.table.within(folders)]
    deleted = np.fromiter(lag.deleted, dtype=np.int64, count=len(lag.deleted))
    return changed + int(np.count_nonzero(np.isin(visible_ids, deleted)))


def snapshot_time(index: SearchIndex) -> datetime:
    """Return when the index's build began reading the file index (a minute early, if unknown)."""
    manifest = index.manifest
    recorded = manifest["metadata"].get("snapshot_at")
    if recorded:
        return datetime.fromisoformat(recorded)
    return datetime.fromisoformat(manifest["built_at"]) - timedelta(
        seconds=manifest["build_seconds"] + 60
    )


def _alive_files() -> int:
    return FileIndex.objects.count()
