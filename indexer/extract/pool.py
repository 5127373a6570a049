"""Worker processes for the parsers of complex formats: a hang, a crash or a blow-up there
costs one file (FAILED, with the reason), never the run."""

import importlib
import os
import signal
import time
from dataclasses import dataclass, field, replace
from types import FrameType

from indexer.extract.base import OUT_OF_MEMORY, Extraction, Limits, Source, Status

# A worker is replaced after this many tasks, so what a parser leaks does not pile up.
TASKS_PER_WORKER = 100
# A worker that died may have sent its result first: wait this long for it.
LOST_WORKER_SECONDS = 1.0
# Files sent to a worker in one task: one message each way instead of one per file, which
# costs more than extracting a small HTML page. A task that dies is retried file by file.
TASK_FILES = 16
TASK_BYTES = 16 << 20


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
    limit leaves room for the parser alone. A file's time limit is kept by a timer in the
    worker; a parser stuck where the timer cannot reach it (inside C code) is killed with its
    worker when the whole task runs out of time, and the task's files are retried one by one.
    """

    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._pool = None

    def extract(self, jobs: list[Job]) -> list[Extraction]:
        """Extract each job's file; a time-out, a crash or a blow-up is a FAILED result."""
        tasks = [(task, self._submit(task)) for task in _tasks(jobs, self.settings.workers)]
        results: list[Extraction] = []
        for task, pending in tasks:
            try:
                results.extend(pending.get())
            except Exception as error:  # a worker was lost: find the file that did it
                if len(task) == 1:
                    results.append(self._failed(task[0], error))
                else:
                    results.extend(self.extract_one_by_one(task))
        return [self._explained(result) for result in results]

    def extract_one_by_one(self, jobs: list[Job]) -> list[Extraction]:
        """Extract each file in a task of its own, so a crash costs only that file."""
        pending = [(job, self._submit([job])) for job in jobs]
        results = []
        for job, task in pending:
            try:
                results.extend(task.get())
            except Exception as error:
                results.append(self._failed(job, error))
        return results

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers: after their tasks, or (wait=False) at once."""
        if self._pool is not None:
            self._pool.close() if wait else self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _submit(self, task: list[Job]):
        settings = self.settings
        return self._started().apply_async(
            _extract_task,
            (task, settings.limits, settings.registry, settings.timeout),
            timeout=settings.timeout * len(task) + LOST_WORKER_SECONDS,
        )

    def _started(self):
        if self._pool is None:
            import billiard

            self._pool = billiard.get_context("spawn").Pool(
                self.settings.workers,
                initializer=_limit_worker,
                initargs=(self.settings.memory_bytes,),
                maxtasksperchild=TASKS_PER_WORKER,
                timeout=self.settings.timeout,
                lost_worker_timeout=LOST_WORKER_SECONDS,
            )
        return self._pool

    def _failed(self, job: Job, error: Exception) -> Extraction:
        key = _registry(self.settings.registry).key_for(job.source.content_type, job.path)
        return Extraction(key, Status.FAILED, detail=_reason(error, self.settings)[:255])

    def _explained(self, extraction: Extraction) -> Extraction:
        if extraction.detail in (OUT_OF_MEMORY, TIMED_OUT):
            error = MemoryError() if extraction.detail == OUT_OF_MEMORY else FileTimedOut()
            return replace(extraction, detail=_reason(error, self.settings))
        return extraction


TIMED_OUT = "timed out"


class FileTimedOut(BaseException):
    """A file ran past its time limit (a BaseException: no extractor may swallow it)."""


def _tasks(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Group files into tasks of at most TASK_FILES files or TASK_BYTES bytes, and small
    enough that every worker gets a few."""
    per_task = max(1, min(TASK_FILES, len(jobs) // (workers * 4)))
    tasks: list[list[Job]] = []
    size = 0
    for job in jobs:
        if not tasks or len(tasks[-1]) >= per_task or size >= TASK_BYTES:
            tasks.append([])
            size = 0
        tasks[-1].append(job)
        size += job.source.size
    return tasks


def _reason(error: BaseException, settings: PoolSettings) -> str:
    cause = getattr(error, "exc", error)  # billiard wraps what a worker raised
    name = type(cause).__name__
    if name in ("TimeLimitExceeded", "FileTimedOut"):
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


def _extract_task(jobs: list[Job], limits: Limits, registry: str, timeout: float):
    """Extract each file of a task in this worker, each within `timeout` seconds."""
    extractors = _registry(registry)
    previous = signal.signal(signal.SIGALRM, _time_is_up)
    results = []
    try:
        for job in jobs:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            within = replace(limits, deadline=time.monotonic() + timeout)
            try:
                results.append(extractors.extract(job.source, path=job.path, limits=within))
            except FileTimedOut:
                key = extractors.key_for(job.source.content_type, job.path)
                results.append(Extraction(key, Status.FAILED, detail=TIMED_OUT))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return results


def _time_is_up(signum: int, frame: FrameType | None) -> None:
    raise FileTimedOut


def _registry(path: str):
    """Return the registry named "module:attribute"."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
