"""Hash files, sniff their MIME type and extract their text, overlapping slow disk reads."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import Coroutine, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

import aiofiles
import aiofiles.os

from indexer.crawler import CrawlProblem, FoundFile, Reason, problem_from_error
from indexer.extract import EXTRACTORS, Extraction, Limits, Source
from indexer.extract.sniff import SNIFF_BYTES, content_type

_CHUNK_BYTES = 1 << 20
DEFAULT_LIMITS = Limits()
# One executor task costs ~35 µs, several times the work of hashing a small file, so files that
# fit in one chunk are read in batches, one task per batch.
_BATCH_FILES = 64
_BATCH_BYTES = 4 << 20
# Reads in flight. More threads fight over the GIL: 100,000 small files took 17.1 s to index
# with 8 and 12.3 s with 2 from the page cache. A network filesystem, where each read waits on
# the network, gains from more.
DEFAULT_CONCURRENCY = 2


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A file's hash, type and extracted text.

    `extraction` is None for a file whose extractor runs in a worker process (see
    indexer.extract.pool): `source` says what to hand it.
    """

    file: FoundFile
    sha256: str
    content_type: str
    extraction: Extraction | None
    size: int
    mtime_ns: int
    source: Source | None = None

    @property
    def text(self) -> str | None:
        return None if self.extraction is None else self.extraction.text


_Results = list[ReadResult | CrawlProblem]


def read_files(
    files: Iterable[FoundFile],
    *,
    limits: Limits = DEFAULT_LIMITS,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Generator[ReadResult | CrawlProblem, None, None]:
    """Hash and sniff each file, yielding results in completion order.

    At most `concurrency` reads (a batch of small files or one large file) are in flight, and
    `files` is consumed lazily in the caller's thread. Plain text is extracted here, within
    `limits`; files of other types are left to worker processes (ReadResult.source). Call it
    from synchronous code: it steps a private event loop between the items it yields.
    """
    if concurrency < 1 or limits.max_text_bytes < 0:
        raise ValueError("concurrency must be >= 1 and max_text_bytes >= 0")
    return _drive(_jobs(files, limits), concurrency)


def _drive(
    jobs: Iterator[Coroutine[Any, Any, _Results]], concurrency: int
) -> Generator[ReadResult | CrawlProblem, None, None]:
    """Run the jobs on a private event loop, stepping it only while the caller waits for more."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(ThreadPoolExecutor(concurrency, thread_name_prefix="dizin-reader"))
    pending: set[asyncio.Task[_Results]] = set()
    try:
        while True:
            pending.update(
                loop.create_task(job) for job in islice(jobs, concurrency - len(pending))
            )
            if not pending:
                return
            waiting = asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            done, pending = loop.run_until_complete(waiting)
            for task in done:
                yield from task.result()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def _jobs(files: Iterable[FoundFile], limits: Limits) -> Iterator[Coroutine[Any, Any, _Results]]:
    batch: list[FoundFile] = []
    batch_bytes = 0
    for file in files:
        if file.size > _CHUNK_BYTES:
            yield _read_large(file, limits)
            continue
        batch.append(file)
        batch_bytes += file.size
        if len(batch) >= _BATCH_FILES or batch_bytes >= _BATCH_BYTES:
            yield _read_batch(batch, limits)
            batch, batch_bytes = [], 0
    if batch:
        yield _read_batch(batch, limits)


def _read_small_files(files: list[FoundFile], limits: Limits) -> _Results:
    return [_read_small(file, limits) for file in files]


def _open_nonblocking(path: str, flags: int) -> int:
    # A FIFO swapped in for a file after the crawl must not block the read.
    return os.open(path, flags | os.O_NONBLOCK)


class _Digest:
    """Hash a stream of chunks, keeping its head for sniffing and text extraction."""

    __slots__ = ("expected", "hasher", "head", "head_limit", "size")

    def __init__(self, expected: int, max_text_bytes: int) -> None:
        self.hasher = hashlib.sha256()
        self.head = b""
        self.head_limit = max(max_text_bytes, SNIFF_BYTES)
        self.expected = expected
        self.size = 0

    def add(self, chunk: bytes) -> bool:
        """Take a chunk; return False once the file has grown past its expected size."""
        self.hasher.update(chunk)
        self.size += len(chunk)
        if len(self.head) < self.head_limit:
            self.head += chunk[: self.head_limit - len(self.head)]
        return self.size <= self.expected


def _read_small(file: FoundFile, limits: Limits) -> ReadResult | CrawlProblem:
    try:
        fd = _open_nonblocking(file.os_path, os.O_RDONLY)
    except OSError as exc:
        return problem_from_error(file.path, exc)
    try:
        if problem := _not_regular(file, os.fstat(fd)):
            return problem
        digest = _Digest(file.size, limits.max_text_bytes)
        while (chunk := os.read(fd, _CHUNK_BYTES)) and digest.add(chunk):
            pass
        return _finish(file, digest, os.fstat(fd), limits)
    except OSError as exc:
        return problem_from_error(file.path, exc)
    finally:
        os.close(fd)


async def _read_large(file: FoundFile, limits: Limits) -> _Results:
    try:
        opened = aiofiles.open(file.os_path, "rb", buffering=0, opener=_open_nonblocking)
        async with opened as stream:
            if problem := _not_regular(file, await _fstat(stream.fileno())):
                return [problem]
            digest = _Digest(file.size, limits.max_text_bytes)
            while (chunk := await stream.read(_CHUNK_BYTES)) and digest.add(chunk):
                pass
            after = await _fstat(stream.fileno())
            return [await _finish_async(file, digest, after, limits)]
    except OSError as exc:
        return [problem_from_error(file.path, exc)]


def _not_regular(file: FoundFile, st: os.stat_result) -> CrawlProblem | None:
    if stat.S_ISREG(st.st_mode):
        return None
    return CrawlProblem(file.path, Reason.CHANGED_DURING_READ, "no longer a regular file")


def _finish(
    file: FoundFile, digest: _Digest, after: os.stat_result, limits: Limits
) -> ReadResult | CrawlProblem:
    if (digest.size, after.st_size, after.st_mtime_ns) != (file.size, file.size, file.mtime_ns):
        detail = (
            f"expected {file.size} bytes with mtime_ns {file.mtime_ns}, read {digest.size}"
            f" of {after.st_size} bytes with mtime_ns {after.st_mtime_ns}"
        )
        return CrawlProblem(file.path, Reason.CHANGED_DURING_READ, detail)
    kind = content_type(file.os_path, digest.head, digest.size)
    isolated = EXTRACTORS.for_file(kind, file.path).isolated
    source = Source(file.os_path, kind, digest.size, b"" if isolated else digest.head)
    return ReadResult(
        file=file,
        sha256=digest.hasher.hexdigest(),
        content_type=kind,
        extraction=None if isolated else EXTRACTORS.extract(source, path=file.path, limits=limits),
        size=digest.size,
        mtime_ns=after.st_mtime_ns,
        source=source if isolated else None,
    )


_read_batch = aiofiles.os.wrap(_read_small_files)
_fstat = aiofiles.os.wrap(os.fstat)
_finish_async = aiofiles.os.wrap(_finish)
