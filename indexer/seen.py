"""The rows a reindex run saw, remembered compactly for the sweep that follows the crawl."""

import os
from array import array
from collections.abc import Iterable, Sequence

import numpy as np


class SeenFiles:
    """Ids of rows seen (8 bytes each, whatever the tree size) and paths not to sweep."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._protected: set[str] = set()
        self._sorted: np.ndarray | None = None

    def add(self, pk: int) -> None:
        self._ids.append(pk)

    def extend(self, pks: Iterable[int]) -> None:
        self._ids.extend(pks)

    def protect(self, path: str) -> None:
        """Keep the rows at or under `path`: it could not be read, which is not a deletion."""
        self._protected.add(path)

    def unseen(self, rows: Sequence[tuple[int, str]]) -> list[int]:
        """Return the ids among `rows` (id, path) that were neither seen nor protected."""
        if self._sorted is None:
            self._sorted = np.unique(np.frombuffer(self._ids, dtype=np.int64))
        ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
        positions = np.searchsorted(self._sorted, ids).clip(max=max(len(self._sorted) - 1, 0))
        known = self._sorted[positions] == ids if len(self._sorted) else np.zeros(len(ids), bool)
        return [
            pk
            for (pk, path), was_seen in zip(rows, known, strict=True)
            if not was_seen and not self._is_protected(path)
        ]

    def _is_protected(self, path: str) -> bool:
        if not self._protected:
            return False
        while True:
            if path in self._protected:
                return True
            parent = os.path.dirname(path)
            if parent == path:
                return False
            path = parent
