"""A sync's reading and extraction shared with other Celery workers, a batch of files each.

The sync offers every batch of files to read as a task and works through them itself,
skipping those a worker claimed; it then waits for the workers' batches and adds up what
they counted. A batch is read against the rows stored at that moment, so a batch redone
after its worker died writes each file once.
"""

import itertools
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from core.claims import BatchClaims
from core.progress import NoProgress
from core.queue import celery_app
from core.workers import others_can_help
from indexer.crawler import CrawlProblem, FoundFile, Reason
from indexer.extract.pool import ExtractionPool, PoolSettings
from indexer.report import LISTED_PROBLEMS, SyncReport
from indexer.selectors import StoredFile, stored_files_at
from indexer.spool import Spool
from indexer.storing import Store

EXTRACT_TASK = "dizin.extract_batch"
COUNTS = ("new", "changed", "unchanged", "restored", "bytes_read")
Item = tuple[str, str, int, int]
"""A file to read: path, path on disk, size, mtime_ns."""
ToRead = tuple[str, str, int, int, StoredFile | None]
"""A file the crawl found to read, with its stored row."""


def extract_helpers(*, max_text_bytes: int, concurrency: int) -> "CeleryExtractHelpers | None":
    """Return helpers for a sync when other workers can help it, else None."""
    if not others_can_help():
        return None
    return CeleryExtractHelpers(
        run=uuid.uuid4().hex, max_text_bytes=max_text_bytes, concurrency=concurrency
    )


class CeleryExtractHelpers:
    """Batches of files offered as Celery tasks, claimed in the shared cache."""

    def __init__(self, *, run: str, max_text_bytes: int, concurrency: int) -> None:
        self.claims = BatchClaims(run)
        self._arguments = {"run": run, "max_text_bytes": max_text_bytes, "concurrency": concurrency}

    def offer(self, number: int, items: list[Item]) -> None:
        arguments = {**self._arguments, "number": number, "items": items}
        celery_app().send_task(EXTRACT_TASK, kwargs=arguments, retry=False)

    def wait(self, number: int, tick: Callable[[], None]) -> dict[str, Any] | None:
        """Wait for a worker's batch: what it counted, or None if the worker gave it up."""
        done, counts = self.claims.wait(number, tick=tick)
        return counts if done else None


def read_shared(to_read: Spool[ToRead], *, store: Store, helpers: CeleryExtractHelpers) -> None:
    """Offer every batch to the workers, read those none claimed, then add up theirs."""
    sizes = []
    for number, batch in enumerate(to_read.batches()):
        helpers.offer(number, _files(batch))
        sizes.append(len(batch))
    theirs = [
        number
        for number, batch in enumerate(to_read.batches())
        if not _read_if_free(number, batch, store, helpers)
    ]
    for number in theirs:
        while (counts := helpers.wait(number, store.progress.checkpoint)) is None:
            batch = next(itertools.islice(to_read.batches(), number, None))
            if _read_if_free(number, batch, store, helpers):  # its worker gave it up
                break
        else:
            add_counts(store.report, counts)
            store.progress.advance(sizes[number])


def _read_if_free(
    number: int, batch: list[ToRead], store: Store, helpers: CeleryExtractHelpers
) -> bool:
    """Read batch `number` here unless a worker has claimed it; say whether it was read."""
    if not helpers.claims.claim(number):
        return False
    read_batch(store, _files(batch))
    helpers.claims.finish(number)
    return True


def _files(batch: list[ToRead]) -> list[Item]:
    return [(path, os_path, size, mtime) for path, os_path, size, mtime, _ in batch]


def read_batch(store: Store, items: list[Item]) -> None:
    """Read and write a batch of files, each against its row as stored now."""
    rows = stored_files_at([path for path, *_ in items])
    store.read_and_write([(FoundFile(*item), rows.get(item[0])) for item in items])


def extract_batch_run(
    *, run: str, number: int, items: list[Item], max_text_bytes: int, concurrency: int,
    pool_settings: PoolSettings,
) -> dict[str, Any] | None:  # fmt: skip
    """Read an offered batch unless another process claimed it; return what it counted."""
    claims = BatchClaims(run)
    if not claims.claim(number):
        return None
    settings = replace(
        pool_settings, limits=replace(pool_settings.limits, max_text_bytes=max_text_bytes)
    )
    pool = ExtractionPool(settings)
    report = SyncReport()
    store = Store(
        report=report,
        progress=NoProgress(),
        limits=settings.limits,
        concurrency=concurrency,
        pool=pool,
    )
    try:
        read_batch(store, [(path, os_path, size, mtime) for path, os_path, size, mtime in items])
    except BaseException:
        claims.abandon(number)
        pool.close(wait=False)
        raise
    pool.close()
    counts = report_counts(report)
    claims.finish(number, counts)
    return counts


def report_counts(report: SyncReport) -> dict[str, Any]:
    """Return what a batch counted, as JSON."""
    problems = [[p.path, p.reason, p.detail] for p in report.problems]
    return {
        **{name: getattr(report, name) for name in COUNTS},
        "problems": problems,
        "problem_counts": dict(report.problem_counts),
    }


def add_counts(report: SyncReport, counts: dict[str, Any]) -> None:
    """Add what a worker's batch counted to the sync's report."""
    for name in COUNTS:
        setattr(report, name, getattr(report, name) + counts[name])
    for reason, count in counts["problem_counts"].items():
        report.problem_counts[reason] += count
    for path, reason, detail in counts["problems"]:
        if len(report.problems) < LISTED_PROBLEMS:
            report.problems.append(CrawlProblem(path, Reason(reason), detail))
