"""Read new and changed files and write them to the file index, a batch per transaction."""

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.progress import Progress
from indexer.bulk import Upsert, insert_rows
from indexer.crawler import CrawlProblem, FoundFile
from indexer.extract import Limits, Status
from indexer.extract.pool import ExtractionPool, Job
from indexer.keywords import search_keywords
from indexer.models import FileContent, FileIndex
from indexer.reader import ReadResult, read_files
from indexer.report import SyncReport
from indexer.selectors import StoredFile

# A write transaction holds at most this much extracted text, to keep memory bounded.
WRITE_BATCH_BYTES = 32 << 20
WRITE_BATCH_FILES = 500
# Files handed to the extraction workers at once: enough to keep every worker busy.
ISOLATED_BATCH_FILES = 32
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

Pending = tuple[FoundFile, StoredFile | None]


def mtime_datetime(mtime_ns: int) -> datetime:
    """Convert a stat mtime to the microsecond datetime the database stores, exactly."""
    return _EPOCH + timedelta(microseconds=mtime_ns // 1000)


class Store:
    """Read files and write what was read; count each outcome in `report`."""

    def __init__(
        self,
        *,
        report: SyncReport,
        progress: Progress,
        limits: Limits,
        concurrency: int,
        pool: ExtractionPool,
    ) -> None:
        self.report = report
        self.progress = progress
        self.limits = limits
        self.concurrency = concurrency
        self.pool = pool

    def read_and_write(self, batch: list[Pending]) -> None:
        """Read a batch of files and write them in transactions of WRITE_BATCH_FILES or fewer."""
        rows = {file.path: row for file, row in batch}
        # Only re-read rows need their old hash (to tell changed from touched): fetch just those.
        old_hashes = dict(
            FileIndex.all_objects.filter(
                id__in=[row.id for row in rows.values() if row is not None]
            ).values_list("id", "content_hash")
        )
        isolated: list[ReadResult] = []
        write = _WriteBatch(lambda results: self._write(results, rows, old_hashes))
        reading = read_files(
            [file for file, _ in batch], limits=self.limits, concurrency=self.concurrency
        )
        # Closed here, even when a write fails or the run is stopped: left to the interpreter's
        # exit, the reader would start its shutdown thread too late, and the process hang.
        with contextlib.closing(reading) as results:
            for result in results:
                if isinstance(result, CrawlProblem):
                    self.report.add_problem(result)
                    self.progress.advance()
                elif result.extraction is None:
                    isolated.append(result)
                    if len(isolated) >= ISOLATED_BATCH_FILES:
                        write.add(self._extract(isolated))
                        isolated = []
                else:
                    write.add([result])
        write.add(self._extract(isolated))
        write.flush()

    def _extract(self, results: list[ReadResult]) -> list[ReadResult]:
        """Extract the files whose parsers run in the worker processes."""
        extractions = self.pool.extract([Job(r.source, r.file.path) for r in results if r.source])
        return [
            replace(result, extraction=extraction, source=None)
            for result, extraction in zip(results, extractions, strict=True)
        ]

    def _write(
        self, results: list[ReadResult], rows: dict[str, StoredFile | None], old: dict[int, str]
    ) -> None:
        """Write one batch of read files in one transaction: a killed run leaves no half batch."""
        _write_rows(results, rows)
        for result in results:
            self._count(rows[result.file.path], result, old)
            self.report.bytes_read += result.size
            self.progress.advance(size=result.size)
        self.progress.checkpoint()

    def _count(self, row: StoredFile | None, result: ReadResult, old: dict[int, str]) -> None:
        if row is None:
            self.report.new += 1
        elif row.deleted:
            self.report.restored += 1
        elif old[row.id] != result.sha256:
            self.report.changed += 1
        else:
            self.report.unchanged += 1


class _WriteBatch:
    """Results waiting to be written, written once there are enough files or bytes of text."""

    def __init__(self, write: Callable[[list[ReadResult]], None]) -> None:
        self.write = write
        self.results: list[ReadResult] = []
        self.text_bytes = 0

    def add(self, results: list[ReadResult]) -> None:
        self.results.extend(results)
        self.text_bytes += sum(len(result.text or "") for result in results)
        if len(self.results) >= WRITE_BATCH_FILES or self.text_bytes >= WRITE_BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        self.write(self.results)
        self.results, self.text_bytes = [], 0


@transaction.atomic
def _write_rows(results: Iterable[ReadResult], rows: dict[str, StoredFile | None]) -> None:
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
    insert_rows(FileContent, _CONTENT_FIELDS, contents, upsert=_CONTENT_UPSERT)
    insert_rows(FileIndex, _CREATED_FIELDS, created)
    FileIndex.all_objects.bulk_update(updated, _UPDATED_FIELDS)


def _content_values(result: ReadResult) -> tuple:
    extraction = _extraction(result)
    return (
        result.sha256,
        result.text,
        extraction.encoding or "",
        extraction.status == Status.TRUNCATED,
        extraction.extractor,
        extraction.locations,
    )


def _file_index_fields(result: ReadResult, now: datetime) -> dict:
    extraction = _extraction(result)
    return {
        "file_path": result.file.path,
        "content_hash": result.sha256,
        "file_size": result.size,
        "content_type": result.content_type,
        "search_keywords": search_keywords(result.file.path, result.text),
        "last_modified": mtime_datetime(result.mtime_ns),
        "mtime_ns": result.mtime_ns,
        "extractor": extraction.extractor,
        "extraction_status": extraction.status.value,
        "extraction_detail": extraction.detail,
        "deleted_at": None,
        "updated_at": now,
    }


def _file_index_values(result: ReadResult, now: datetime) -> tuple:
    fields = _file_index_fields(result, now)
    return (*(fields[name] for name in _UPDATED_FIELDS), fields["file_path"], now)


def _extraction(result: ReadResult):
    if result.extraction is None:
        raise ValueError(f"{result.file.path} was written before it was extracted")
    return result.extraction
