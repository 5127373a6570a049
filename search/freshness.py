"""How far the served index is behind the file index: files deleted since it was built."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from indexer.models import FileIndex
from search.engine import SearchIndex


@dataclass(frozen=True, slots=True)
class _Deleted:
    index: SearchIndex
    ids: frozenset[int]
    until: float


class DeletedSinceBuild:
    """The files soft-deleted since an index read the database: they must not show.

    Read again at most every INDEX_CHECK_INTERVAL seconds, as often as the holder looks for
    a new generation: a deletion shows within that interval, as a new generation does.
    """

    def __init__(self) -> None:
        self._known: _Deleted | None = None
        self._lock = threading.Lock()

    def of(self, index: SearchIndex) -> frozenset[int]:
        now = time.monotonic()
        known = self._known
        if known is not None and known.index is index and now < known.until:
            return known.ids
        ids = frozenset(
            FileIndex.all_objects.filter(deleted_at__gte=snapshot_time(index)).values_list(
                "id", flat=True
            )
        )
        with self._lock:
            self._known = _Deleted(index, ids, now + settings.INDEX_CHECK_INTERVAL)
        return ids


def snapshot_time(index: SearchIndex) -> datetime:
    """Return when the index's build began reading the file index (a minute early, if unknown)."""
    manifest = index.manifest
    recorded = manifest["metadata"].get("snapshot_at")
    if recorded:
        return datetime.fromisoformat(recorded)
    return datetime.fromisoformat(manifest["built_at"]) - timedelta(
        seconds=manifest["build_seconds"] + 60
    )
