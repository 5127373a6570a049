"""Writes to the file index: bring FileIndex in line with the files under some roots."""

import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import Max

from core.progress import NoProgress, Phase, Progress
from indexer.bulk import analyze_tables
from indexer.crawler import CrawlProblem, FoundFile, Reason, checked_roots, count_files, walk_roots
from indexer.extract import EXTRACTORS, Limits
from indexer.extract.pool import ExtractionPool, PoolSettings
from indexer.models import FileIndex
from indexer.reader import DEFAULT_CONCURRENCY
from indexer.report import SyncReport
from indexer.selectors import StoredFile, file_index_under, stored_files_in_path_order
from indexer.sharing import ToRead, extract_helpers, read_shared
from indexer.signals import file_index_changed
from indexer.spool import Spool
from indexer.storing import Store
from indexer.validators import path_length_error
from indexer.watch import root_of

# Rows a run writes before it refreshes the planner's statistics of the file index.
ANALYZE_AFTER_ROWS = 1000


@dataclass(frozen=True, slots=True)
class SyncOptions:
    full: bool = False
    dry_run: bool = False
    excludes: Sequence[str] = ()
    follow_symlinks: bool = False
    max_text_bytes: int = 1 << 20
    read_concurrency: int = DEFAULT_CONCURRENCY
    # Files read, restored or deleted per batch; each batch's writes are committed before the
    # next, and a batch is what other workers take of a shared run.
    batch_files: int = 2000
    # Absolute folders the roots may lie in (a watch's): excludes with "/" match from there.
    within: Sequence[str] = ()
    # The worker processes, their limits and every extraction's limits; from settings.
    extract: PoolSettings = field(default_factory=lambda: extraction_settings())

    def pool_settings(self) -> PoolSettings:
        """Return the extraction settings, text capped at `max_text_bytes`."""
        limits = replace(self.extract.limits, max_text_bytes=self.max_text_bytes)
        return replace(self.extract, limits=limits)


def file_index_sync(
    *,
    roots: Sequence[str | os.PathLike],
    options: SyncOptions | None = None,
    progress: Progress | None = None,
    total_crawl: bool = False,
    share: bool = False,
) -> SyncReport:
    """Index new and changed files under `roots`, soft-delete the vanished, restore the returned.

    The crawl walks each root and the rows stored under it side by side, both in path order,
    so one pass finds every difference with bounded memory; the files to read wait on disk.
    The extract phase then reads them, a batch per transaction. `progress` hears of both
    phases and may stop the run between batches; with `total_crawl` it also hears the crawl's
    total. With `share`, other Celery workers read some of the batches.
    """
    started = time.monotonic()
    options = options or SyncOptions()
    progress = progress or NoProgress()
    checked = checked_roots([os.fspath(root) for root in roots])
    crawl = _Crawl(options, progress, share=share)
    try:
        progress.start(Phase.CRAWL, None)
        counter = crawl.announce_total(checked) if total_crawl else None
        max_id = FileIndex.all_objects.aggregate(max_id=Max("id"))["max_id"] or 0
        for root in checked:
            crawl.merge(root, stored_files_in_path_order(root, max_id=max_id))
        crawl.flush()
        if counter is not None:
            counter.join()
        crawl.extract()
    finally:
        crawl.to_read.close()
        report = crawl.report
        if not options.dry_run:
            if report.new + report.changed + report.deleted + report.restored >= ANALYZE_AFTER_ROWS:
                analyze_tables(FileIndex)
            file_index_changed.send(sender=FileIndex)
        report.elapsed = time.monotonic() - started
    return report


def sync_options(**chosen: Any) -> SyncOptions:
    """Return a sync's options from settings, with what the caller `chosen` instead."""
    defaults = {
        "max_text_bytes": settings.INDEX_MAX_TEXT_BYTES,
        "read_concurrency": settings.INDEX_READ_CONCURRENCY,
        "batch_files": settings.INDEX_BATCH_FILES,
    }
    return SyncOptions(**(defaults | chosen))


def extraction_settings() -> PoolSettings:
    """Return the extraction workers' settings and every extraction's limits."""
    return PoolSettings(
        workers=settings.INDEX_EXTRACT_WORKERS,
        timeout=settings.INDEX_EXTRACT_TIMEOUT,
        memory_bytes=settings.INDEX_EXTRACT_MEMORY_MB << 20,
        limits=Limits(
            max_text_bytes=settings.INDEX_MAX_TEXT_BYTES,
            archive_max_bytes=settings.INDEX_ARCHIVE_MAX_BYTES,
            archive_max_members=settings.INDEX_ARCHIVE_MAX_MEMBERS,
            archive_max_depth=settings.INDEX_ARCHIVE_MAX_DEPTH,
            archive_max_ratio=settings.INDEX_ARCHIVE_MAX_RATIO,
            ocr_languages=settings.OCR_LANGUAGES,
            ocr_page_timeout=settings.OCR_PAGE_TIMEOUT,
        ),
    )


def _count_in_background(
    roots: list[str], options: SyncOptions, progress: Progress, *, plus: int
) -> threading.Thread:
    def count() -> None:
        progress.set_total(plus + count_files(roots, options.excludes, options.follow_symlinks))

    counter = threading.Thread(target=count, name="reindex-count", daemon=True)
    counter.start()
    return counter


class _Crawl:
    """One run's state: what it was asked, what is pending, what it counted."""

    def __init__(self, options: SyncOptions, progress: Progress, *, share: bool) -> None:
        self.options = options
        self.progress = progress
        self.report = SyncReport(dry_run=options.dry_run)
        # Files walked, and how many the crawl's total promised (see announce_total).
        self.walked, self.expected = 0, math.inf
        self.protected: set[str] = set()
        self.to_read: Spool[ToRead] = Spool(batch=options.batch_files)
        self.to_restore: list[int] = []
        self.to_delete: list[int] = []
        self.helpers = (
            extract_helpers(
                max_text_bytes=options.max_text_bytes, concurrency=options.read_concurrency
            )
            if share and not options.dry_run
            else None
        )

    def announce_total(self, roots: list[str]) -> threading.Thread | None:
        """Give progress the crawl's total: the files stored under each root, or counted on disk.

        A root with rows stored is not walked twice: a count beside the crawl competes with it
        for the GIL, and made the no-change crawl of 100,000 files 0.06-0.09 s (PostgreSQL) to
        0.25-0.47 s (SQLite) slower, where one query takes milliseconds. A root with none is
        counted in the background, while the crawl starts.
        """
        stored = {root: file_index_under([root]).count() for root in roots}
        known = sum(stored.values())
        unknown = [root for root, count in stored.items() if not count]
        if unknown:
            return _count_in_background(unknown, self.options, self.progress, plus=known)
        self.progress.set_total(known)
        self.expected = known
        return None

    def merge(self, root: str, stored: Iterator[StoredFile]) -> None:
        """Compare the files under `root` with their rows, both streams sorted by path."""
        row = next(stored, None)
        walk = walk_roots(
            [root],
            excludes=self.options.excludes,
            follow_symlinks=self.options.follow_symlinks,
            within=root_of(root, self.options.within),
        )
        for item in walk:
            file = self._storable(item)
            if file is None:
                continue
            while row is not None and row.path < file.path:
                self._vanished(row)
                row = next(stored, None)
            if row is not None and row.path == file.path:
                self._present(file, row)
                row = next(stored, None)
            else:
                self._present(file, None)
        while row is not None:
            self._vanished(row)
            row = next(stored, None)

    def _storable(self, item: FoundFile | CrawlProblem) -> FoundFile | None:
        """Pass a file a row can hold; report anything else, protecting its rows from deletion."""
        self.progress.advance()
        self.walked += 1
        if self.walked > self.expected:
            # Fewer rows were stored than there are files (files added, or a first index
            # stopped part way): the total was wrong, and the count goes on without one.
            self.expected = math.inf
            self.progress.set_total(None)
        if isinstance(item, CrawlProblem):
            self.report.add_problem(item)
            self.protected.add(item.path)
            return None
        if error := path_length_error(item.path):
            self.report.add_problem(CrawlProblem(item.path, Reason.PATH_TOO_LONG, error))
            return None
        self.report.seen += 1
        return item

    def _present(self, file: FoundFile, row: StoredFile | None) -> None:
        if row is None or self.options.full or _stat_changed(row, file) or _outdated(row):
            # A plain tuple: a slots dataclass pickles through dataclasses.fields(), slowly.
            self.to_read.append((file.path, file.os_path, file.size, file.mtime_ns, row))
        elif row.deleted:
            self.to_restore.append(row.id)
            if len(self.to_restore) >= self.options.batch_files:
                self.flush()
        else:
            self.report.unchanged += 1

    def _vanished(self, row: StoredFile) -> None:
        if not row.deleted and not _under_any(row.path, self.protected):
            self.to_delete.append(row.id)
            if len(self.to_delete) >= self.options.batch_files:
                self.flush()

    def flush(self) -> None:
        """Carry out the pending restores and soft deletions."""
        self.report.restored += len(self.to_restore)
        self.report.deleted += len(self.to_delete)
        if not self.options.dry_run:
            FileIndex.all_objects.filter(id__in=self.to_restore).restore()
            FileIndex.objects.filter(id__in=self.to_delete).delete()
        self.to_restore, self.to_delete = [], []
        self.progress.checkpoint()

    def extract(self) -> None:
        """Read the new and changed files the crawl found, and write them, batch by batch."""
        if self.options.dry_run:
            for batch in self.to_read.batches():
                self.report.new += sum(1 for *_, row in batch if row is None)
                self.report.changed += sum(1 for *_, row in batch if row is not None)
            return
        self.progress.start(Phase.EXTRACT, len(self.to_read))
        settings = self.options.pool_settings()
        pool = ExtractionPool(settings)
        store = Store(
            report=self.report,
            progress=self.progress,
            limits=settings.limits,
            concurrency=self.options.read_concurrency,
            pool=pool,
        )
        try:
            if self.helpers is None:
                for batch in self.to_read.batches():
                    store.read_and_write(
                        [
                            (FoundFile(path, os_path, size, mtime), row)
                            for path, os_path, size, mtime, row in batch
                        ]
                    )
            else:
                read_shared(self.to_read, store=store, helpers=self.helpers)
        except BaseException:
            pool.close(wait=False)
            raise
        pool.close()


def _stat_changed(row: StoredFile, file: FoundFile) -> bool:
    return row.size != file.size or row.mtime_ns != file.mtime_ns


def _outdated(row: StoredFile) -> bool:
    """Tell whether the row's text was extracted by another extractor than its type's now."""
    return row.extractor != EXTRACTORS.key_for(row.content_type, row.path)


def _under_any(path: str, prefixes: set[str]) -> bool:
    """Tell whether `path` is one of `prefixes` or lies under one (checked per ancestor)."""
    while prefixes:
        if path in prefixes:
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return False
