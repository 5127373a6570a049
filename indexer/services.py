"""Writes to the file index: bring FileIndex in line with the files under some roots."""

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from indexer.bulk import Upsert, insert_rows
from indexer.crawler import CrawlProblem, FoundFile, Reason, checked_roots, walk_roots
from indexer.extract import EXTRACTORS, Status
from indexer.keywords import search_keywords
from indexer.models import FileContent, FileIndex
from indexer.reader import ReadResult, read_files
from indexer.report import SyncReport
from indexer.selectors import StoredFile, stored_files_in_path_order
from indexer.signals import file_index_changed
from indexer.validators import path_length_error

# Files read, restored or deleted per batch; each batch's writes are one transaction.
BATCH_FILES = 2000
# A write transaction holds at most this much extracted text, to keep memory bounded.
WRITE_BATCH_BYTES = 32 << 20
WRITE_BATCH_FILES = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UPDATED_FIELDS = [
    "content_hash",
    "file_size",
    "content_type",
    "search_keywords",
    "last_modified",
    "mtime_ns",
    "extractor",
    "extraction_status",
    "extraction_detail",
    "deleted_at",
    "updated_at",
]
_CREATED_FIELDS = [*_UPDATED_FIELDS, "file_path", "created_at"]
_CONTENT_FIELDS = ["content_hash", "text", "encoding", "truncated", "extractor", "locations"]
# A content's text is written again only when a newer extractor made it.
_CONTENT_UPSERT = Upsert(key="content_hash", fields=_CONTENT_FIELDS[1:], unless_equal="extractor")


@dataclass(frozen=True, slots=True)
class SyncOptions:
    full: bool = False
    dry_run: bool = False
    excludes: Sequence[str] = ()
    follow_symlinks: bool = False
    max_text_bytes: int = 1 << 20
    read_concurrency: int = 8


def mtime_datetime(mtime_ns: int) -> datetime:
    """Convert a stat mtime to the microsecond datetime the database stores, exactly."""
    return _EPOCH + timedelta(microseconds=mtime_ns // 1000)


def file_index_sync(
    *,
    roots: Sequence[str | os.PathLike],
    options: SyncOptions = SyncOptions(),
    on_progress: Callable[[int, int], None] | None = None,
    on_batch: Callable[[], None] | None = None,
) -> SyncReport:
    """Index new and changed files under `roots`, soft-delete the vanished, restore the returned.

    Walks each root and the rows stored under it side by side, both in path order, so one
    pass finds every difference with bounded memory. `on_progress(files, bytes)` hears of each
    file handled; `on_batch()` runs between batches (the caller renews its lease there).
    """
    started = time.monotonic()
    sync = _Sync(options, on_progress or (lambda files, size: None), on_batch or (lambda: None))
    max_id = FileIndex.all_objects.aggregate(max_id=Max("id"))["max_id"] or 0
    for root in checked_roots([os.fspath(root) for root in roots]):
        sync.merge(root, stored_files_in_path_order(root, max_id=max_id))
    sync.flush()
    sync.report.elapsed = time.monotonic() - started
    if not options.dry_run:
        file_index_changed.send(sender=FileIndex)
    return sync.report


class _Sync:
    """One run's state: what it was asked, what is pending, what it counted."""

    def __init__(
        self,
        options: SyncOptions,
        on_progress: Callable[[int, int], None],
        on_batch: Callable[[], None],
    ) -> None:
        self.options = options
        self.on_progress = on_progress
        self.on_batch = on_batch
        self.report = SyncReport(dry_run=options.dry_run)
        self.protected: set[str] = set()
        self.to_read: list[tuple[FoundFile, StoredFile | None]] = []
        self.to_restore: list[int] = []
        self.to_delete: list[int] = []

    def merge(self, root: str, stored: Iterator[StoredFile]) -> None:
        """Compare the files under `root` with their rows, both streams sorted by path."""
        row = next(stored, None)
        walk = walk_roots(
            [root], excludes=self.options.excludes, follow_symlinks=self.options.follow_symlinks
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
            self.to_read.append((file, row))
        elif row.deleted:
            self.to_restore.append(row.id)
        else:
            self.report.unchanged += 1
            self.on_progress(1, 0)
        if len(self.to_read) >= BATCH_FILES or len(self.to_restore) >= BATCH_FILES:
            self.flush()

    def _vanished(self, row: StoredFile) -> None:
        if not row.deleted and not _under_any(row.path, self.protected):
            self.to_delete.append(row.id)
            if len(self.to_delete) >= BATCH_FILES:
                self.flush()

    def flush(self) -> None:
        """Carry out what is pending: reads and writes, restores, soft deletions."""
        report = self.report
        report.restored += len(self.to_restore)
        report.deleted += len(self.to_delete)
        self.on_progress(len(self.to_restore), 0)
        if self.options.dry_run:
            report.new += sum(1 for _, row in self.to_read if row is None)
            report.changed += sum(1 for _, row in self.to_read if row is not None)
        else:
            FileIndex.all_objects.filter(id__in=self.to_restore).restore()
            FileIndex.objects.filter(id__in=self.to_delete).delete()
            self._read_and_write()
        self.to_read, self.to_restore, self.to_delete = [], [], []
        self.on_batch()

    def _read_and_write(self) -> None:
        rows = {file.path: row for file, row in self.to_read}
        # Only re-read rows need their old hash (to tell changed from touched): fetch just those.
        old_hashes = dict(
            FileIndex.all_objects.filter(
                id__in=[row.id for row in rows.values() if row is not None]
            ).values_list("id", "content_hash")
        )
        pending: list[ReadResult] = []
        pending_bytes = 0
        results = read_files(
            [file for file, _ in self.to_read],
            max_text_bytes=self.options.max_text_bytes,
            concurrency=self.options.read_concurrency,
        )
        for result in results:
            if isinstance(result, CrawlProblem):
                self.report.add_problem(result)
                continue
            self.report.bytes_read += result.size
            self.on_progress(1, result.size)
            pending.append(result)
            pending_bytes += len(result.text or "")
            if len(pending) >= WRITE_BATCH_FILES or pending_bytes >= WRITE_BATCH_BYTES:
                self._write(pending, rows, old_hashes)
                pending, pending_bytes = [], 0
        self._write(pending, rows, old_hashes)

    @transaction.atomic
    def _write(
        self,
        results: list[ReadResult],
        rows: dict[str, StoredFile | None],
        old_hashes: dict[int, str],
    ) -> None:
        """Write one batch of read files in one transaction: a killed run leaves no half batch."""
        now = timezone.now()
        contents, created, updated = [], [], []
        for result in results:
            if result.text is not None:
                contents.append(_content_values(result))
            row = rows[result.file.path]
            if row is None:
                created.append(_file_index_values(result, now))
            else:
                updated.append(FileIndex(id=row.id, **_file_index_fields(result, now)))
            self._count(row, result, old_hashes)
        insert_rows(FileContent, _CONTENT_FIELDS, contents, upsert=_CONTENT_UPSERT)
        insert_rows(FileIndex, _CREATED_FIELDS, created)
        FileIndex.all_objects.bulk_update(updated, _UPDATED_FIELDS)

    def _count(
        self, row: StoredFile | None, result: ReadResult, old_hashes: dict[int, str]
    ) -> None:
        if row is None:
            self.report.new += 1
        elif row.deleted:
            self.report.restored += 1
        elif old_hashes[row.id] != result.sha256:
            self.report.changed += 1
        else:
            self.report.unchanged += 1


def _stat_changed(row: StoredFile, file: FoundFile) -> bool:
    return row.size != file.size or row.mtime_ns != file.mtime_ns


def _outdated(row: StoredFile) -> bool:
    """Tell whether the row's text was extracted by another extractor than its type's now."""
    return row.extractor != EXTRACTORS.for_file(row.content_type, row.path).key()


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


def _content_values(result: ReadResult) -> tuple:
    extraction = result.extraction
    return (
        result.sha256,
        result.text,
        extraction.encoding or "",
        extraction.status == Status.TRUNCATED,
        extraction.extractor,
        extraction.locations,
    )


def _file_index_fields(result: ReadResult, now: datetime) -> dict:
    return {
        "file_path": result.file.path,
        "content_hash": result.sha256,
        "file_size": result.size,
        "content_type": result.content_type,
        "search_keywords": search_keywords(result.file.path, result.text),
        "last_modified": mtime_datetime(result.mtime_ns),
        "mtime_ns": result.mtime_ns,
        "extractor": result.extraction.extractor,
        "extraction_status": result.extraction.status.value,
        "extraction_detail": result.extraction.detail,
        "deleted_at": None,
        "updated_at": now,
    }


def _file_index_values(result: ReadResult, now: datetime) -> tuple:
    fields = _file_index_fields(result, now)
    return (*(fields[name] for name in _UPDATED_FIELDS), fields["file_path"], now)
