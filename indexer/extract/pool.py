"""Worker processes for the parsers of complex formats: a hang, a crash or a blow-up there
costs one file (FAILED, with the reason), never the run."""

import importlib
import os
from dataclasses import dataclass, field, replace

from indexer.extract.base import Extraction, Limits, Source, Status
from indexer.extract.registry import OUT_OF_MEMORY

# A worker is replaced after this many files, so what a parser leaks does not pile up.
FILES_PER_WORKER = 500
LOST_WORKER_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class PoolSettings:
    workers: int = 2
    timeout: float = 60.0
    memory_bytes: int = 2 << 30
    limits: Limits = field(default_factory=Limits)
    # The registry the workers extract with, as "module:name" (tests name their own).
    registry: str = "indexer.extract.registry:EXTRACTORS"


@dataclass(frozen=True, slots=True)
class Job:
    """A file to extract in a worker: what it is, and the path its extractor is picked by."""

    source: Source
    path: str


class ExtractionPool:
    """Extract files in worker processes, each file within a time and a memory limit.

    The workers are started on first use, by spawning (not forking): a fresh interpreter
    holds nothing of the parent's (a loaded model, open connections), and its address space
    limit leaves room for the parser alone.
    """

    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._pool = None

    def extract(self, jobs: list[Job]) -> list[Extraction]:
        """Extract each job's file; a time-out, a crash or a blow-up is a FAILED result."""
        if not jobs:
            return []
        pool = self._started()
        pending = [
            pool.apply_async(
                _extract_in_worker,
                (job, self.settings.limits, self.settings.registry),
                timeout=self.settings.timeout,
            )
            for job in jobs
        ]
        return [self._outcome(job, result) for job, result in zip(jobs, pending, strict=True)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _started(self):
        if self._pool is None:
            import billiard

            self._pool = billiard.get_context("spawn").Pool(
                self.settings.workers,
                initializer=_limit_worker,
                initargs=(self.settings.memory_bytes,),
                maxtasksperchild=FILES_PER_WORKER,
                timeout=self.settings.timeout,
                # A worker that died may have sent its result first: wait this long for it.
                lost_worker_timeout=LOST_WORKER_SECONDS,
            )
        return self._pool

    def _outcome(self, job: Job, pending) -> Extraction:
        key = _registry(self.settings.registry).key_for(job.source.content_type, job.path)
        try:
            extraction = pending.get()
        except Exception as error:  # whatever ended the worker, the file failed, not the run
            return Extraction(key, Status.FAILED, detail=_reason(error, self.settings)[:255])
        if extraction.detail == OUT_OF_MEMORY:
            return replace(extraction, detail=_reason(MemoryError(), self.settings))
        return extraction


def _reason(error: Exception, settings: PoolSettings) -> str:
    cause = getattr(error, "exc", error)  # billiard wraps what a worker raised
    name = type(cause).__name__
    if name == "TimeLimitExceeded":
        return f"timed out after {settings.timeout:g} s (INDEX_EXTRACT_TIMEOUT)"
    if name == "WorkerLostError":
        return f"the extractor crashed: {cause}"
    if isinstance(cause, MemoryError):
        limit = settings.memory_bytes >> 20
        return f"out of memory (INDEX_EXTRACT_MEMORY_MB, {limit} MB)"
    return f"{name}: {cause}"


def _limit_worker(memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Tesseract would start a thread per core in every worker: one each is enough.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _extract_in_worker(job: Job, limits: Limits, registry: str) -> Extraction:
    return _registry(registry).extract(job.source, path=job.path, limits=limits)


def _registry(path: str):
    """Return the registry named "module:attribute"."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
