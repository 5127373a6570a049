"""Serve the current index generation in-process, swapping in new ones as they appear."""

import logging
import os
import threading
import time
from typing import Any

import faiss

from . import store
from .config import EngineConfig
from .encoder import Encoder
from .generations import CURRENT, generation_dir, read_current
from .index import SearchIndex
from .store import IndexUnavailable

logger = logging.getLogger(__name__)
_UNSEEN = object()
_STATUS_FIELDS = (
    "generation",
    "built_at",
    "model_id",
    "dimension",
    "index_type",
    "files",
    "passages",
    "vectors",
)


class IndexHolder:
    """Hand out the newest loadable index; share one per process between threads.

    CURRENT is stat-ed at most every `check_interval` seconds. A new generation is loaded by
    the one thread that notices it while the others keep serving the old index; requests
    holding the old index finish with it. A generation that fails to load is not retried
    until CURRENT changes again; one whose vectors are unusable loads for keyword search.
    """

    def __init__(self, config: EngineConfig, encoder: Encoder) -> None:
        # Requests search one query each, which FAISS's threads only slow down: exact search
        # over 100k vectors took 8 ms on one thread and 41 ms on two, on a 2-core machine.
        faiss.omp_set_num_threads(1)
        self._index_dir = config.index_dir
        self._check_interval = config.check_interval
        self._encoder = encoder
        self._index: SearchIndex | None = None
        self._problem: str | None = "no index has been built yet"
        self._seen: Any = _UNSEEN
        self._next_check = 0.0
        self._loading = threading.Lock()

    def get(self) -> SearchIndex:
        """Return the index to serve this request, or raise IndexUnavailable."""
        now = time.monotonic()
        # Without an index, every request looks, or it would fail while another loads one.
        if self._index is None or now >= self._next_check:
            self._next_check = now + self._check_interval
            self._refresh()
        index = self._index
        if index is None:
            raise IndexUnavailable(self._problem or "no index has been built yet")
        return index

    def status(self) -> dict[str, Any]:
        """Describe what is served, for a health endpoint.

        "state" is "ok"; "degraded" when keyword search works but semantic search does not;
        "stale" when a newer generation failed to load, so an older one is served; or
        "unavailable" when no search works. "keyword" and "semantic" are each "ok" or why
        that search cannot run, and "reason" joins every problem (None without any).
        "build_id", "generation", "built_at", "model_id", "dimension", "index_type", "files",
        "passages" and "vectors" describe the index served, and are None without one.
        """
        try:
            index = self.get()
        except IndexUnavailable as error:
            return {
                "state": "unavailable",
                "keyword": error.reason,
                "semantic": error.reason,
                "reason": error.reason,
                "build_id": None,
                **dict.fromkeys(_STATUS_FIELDS),
            }
        semantic, stale = index.semantic_problem, self._problem
        return {
            "state": "degraded" if semantic else "stale" if stale else "ok",
            "keyword": "ok",
            "semantic": semantic or "ok",
            "reason": "; ".join(filter(None, (semantic, stale))) or None,
            "build_id": index.build_id,
            **{key: index.manifest[key] for key in _STATUS_FIELDS},
        }

    def _refresh(self) -> None:
        if self._pointer() == self._seen:
            return
        # Without an index every thread must wait for one; with one, only the loader waits.
        if not self._loading.acquire(blocking=self._index is None):
            return
        try:
            pointer = self._pointer()
            if pointer != self._seen:
                self._load_current()
                self._seen = pointer
        finally:
            self._loading.release()

    def _pointer(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self._index_dir / CURRENT)
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def _serves(self, generation: int) -> bool:
        """Tell whether the index served is that generation's build (numbers restart when
        the index folder is wiped and rebuilt; build ids do not)."""
        if self._index is None or self._index.generation != generation:
            return False
        try:
            manifest = store.peek_manifest(generation_dir(self._index_dir, generation))
        except IndexUnavailable:
            return False
        return manifest.get("build_id") == self._index.manifest.get("build_id")

    def _load_current(self) -> None:
        generation = read_current(self._index_dir)
        if generation is None or self._serves(generation):
            return
        try:
            index = SearchIndex.load(
                generation_dir(self._index_dir, generation), encoder=self._encoder
            )
        except IndexUnavailable as error:
            logger.warning("Cannot load index generation %d: %s", generation, error.reason)
            stale = f"generation {generation} could not be loaded: {error.reason}"
            self._problem = stale if self._index else error.reason
            return
        if index.semantic_problem:
            logger.warning(
                "Serving index generation %d without semantic search: %s",
                generation,
                index.semantic_problem,
            )
        else:
            logger.info("Serving index generation %d", generation)
        self._index, self._problem = index, None
