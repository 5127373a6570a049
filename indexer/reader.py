"""Hash files, sniff their MIME type and extract their text, overlapping slow disk reads."""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import mimetypes
import os
import stat
import threading
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

import aiofiles
import aiofiles.os
import magic

from indexer.crawler import CrawlProblem, FoundFile, Reason, problem_from_error

EMPTY_CONTENT_TYPE = "inode/x-empty"

_CHUNK_BYTES = 1 << 20
_SNIFF_BYTES = 8192
# One executor task costs ~35 µs, several times the work of hashing a small file, so files that
# fit in one chunk are read in batches, one task per batch.
_BATCH_FILES = 64
_BATCH_BYTES = 4 << 20

_SOURCE_TYPES = {
    ".py": "text/x-python",
    ".md": "text/markdown",
    ".rst": "text/x-rst",
    ".rs": "text/x-rust",
    ".go": "text/x-go",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".sh": "text/x-shellscript",
    ".c": "text/x-c",
    ".h": "text/x-c",
    ".cpp": "text/x-c++",
    ".hpp": "text/x-c++",
    ".java": "text/x-java",
    ".rb": "text/x-ruby",
    ".sql": "application/sql",
    ".csv": "text/csv",
    ".html": "text/html",
    ".log": "text/plain",
    ".ini": "text/plain",
    ".cfg": "text/plain",
}
_TEXTUAL_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/yaml",
        "application/toml",
        "application/sql",
        "application/xml",
        "application/javascript",
        "application/x-sh",
    }
)
# Built-in table only, so the answer doesn't depend on the host's /etc/mime.types.
_MIMETYPES = mimetypes.MimeTypes()
_thread_state = threading.local()


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A file's hash and type, and for text its first `max_text_bytes` decoded (else None)."""

    file: FoundFile
    sha256: str
    content_type: str
    text: str | None
    encoding: str | None
    text_truncated: bool
    size: int
    mtime_ns: int


_Results = list[ReadResult | CrawlProblem]


def read_files(
    files: Iterable[FoundFile], *, max_text_bytes: int = 1 << 20, concurrency: int = 8
) -> Iterator[ReadResult | CrawlProblem]:
    """Hash and sniff each file, yielding results in completion order.

    At most `concurrency` reads (a batch of small files or one large file) are in flight, and
    `files` is consumed lazily in the caller's thread. Text keeps the first `max_text_bytes`
    bytes; an empty file gets EMPTY_CONTENT_TYPE and text "" with encoding None. Call it from
    synchronous code: it steps a private event loop between the items it yields.
    """
    if concurrency < 1 or max_text_bytes < 0:
        raise ValueError("concurrency must be >= 1 and max_text_bytes >= 0")
    return _drive(_jobs(files, max_text_bytes), concurrency)


def _drive(
    jobs: Iterator[Coroutine[Any, Any, _Results]], concurrency: int
) -> Iterator[ReadResult | CrawlProblem]:
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


def _jobs(
    files: Iterable[FoundFile], max_text_bytes: int
) -> Iterator[Coroutine[Any, Any, _Results]]:
    batch: list[FoundFile] = []
    batch_bytes = 0
    for file in files:
        if file.size > _CHUNK_BYTES:
            yield _read_large(file, max_text_bytes)
            continue
        batch.append(file)
        batch_bytes += file.size
        if len(batch) >= _BATCH_FILES or batch_bytes >= _BATCH_BYTES:
            yield _read_batch(batch, max_text_bytes)
            batch, batch_bytes = [], 0
    if batch:
        yield _read_batch(batch, max_text_bytes)


def _read_small_files(files: list[FoundFile], max_text_bytes: int) -> _Results:
    return [_read_small(file, max_text_bytes) for file in files]


def _open_nonblocking(path: str, flags: int) -> int:
    # A FIFO swapped in for a file after the crawl must not block the read.
    return os.open(path, flags | os.O_NONBLOCK)


class _Digest:
    """Hash a stream of chunks, keeping its head for sniffing and text extraction."""

    __slots__ = ("expected", "hasher", "head", "head_limit", "size")

    def __init__(self, expected: int, max_text_bytes: int) -> None:
        self.hasher = hashlib.sha256()
        self.head = b""
        self.head_limit = max(max_text_bytes, _SNIFF_BYTES)
        self.expected = expected
        self.size = 0

    def add(self, chunk: bytes) -> bool:
        """Take a chunk; return False once the file has grown past its expected size."""
        self.hasher.update(chunk)
        self.size += len(chunk)
        if len(self.head) < self.head_limit:
            self.head += chunk[: self.head_limit - len(self.head)]
        return self.size <= self.expected


def _read_small(file: FoundFile, max_text_bytes: int) -> ReadResult | CrawlProblem:
    try:
        fd = _open_nonblocking(file.os_path, os.O_RDONLY)
    except OSError as exc:
        return problem_from_error(file.path, exc)
    try:
        if problem := _not_regular(file, os.fstat(fd)):
            return problem
        digest = _Digest(file.size, max_text_bytes)
        while (chunk := os.read(fd, _CHUNK_BYTES)) and digest.add(chunk):
            pass
        return _finish(file, digest, os.fstat(fd), max_text_bytes)
    except OSError as exc:
        return problem_from_error(file.path, exc)
    finally:
        os.close(fd)


async def _read_large(file: FoundFile, max_text_bytes: int) -> _Results:
    try:
        opened = aiofiles.open(file.os_path, "rb", buffering=0, opener=_open_nonblocking)
        async with opened as stream:
            if problem := _not_regular(file, await _fstat(stream.fileno())):
                return [problem]
            digest = _Digest(file.size, max_text_bytes)
            while (chunk := await stream.read(_CHUNK_BYTES)) and digest.add(chunk):
                pass
            after = await _fstat(stream.fileno())
            return [await _finish_async(file, digest, after, max_text_bytes)]
    except OSError as exc:
        return [problem_from_error(file.path, exc)]


def _not_regular(file: FoundFile, st: os.stat_result) -> CrawlProblem | None:
    if stat.S_ISREG(st.st_mode):
        return None
    return CrawlProblem(file.path, Reason.CHANGED_DURING_READ, "no longer a regular file")


def _finish(
    file: FoundFile, digest: _Digest, after: os.stat_result, max_text_bytes: int
) -> ReadResult | CrawlProblem:
    if (digest.size, after.st_size, after.st_mtime_ns) != (file.size, file.size, file.mtime_ns):
        detail = (
            f"expected {file.size} bytes with mtime_ns {file.mtime_ns}, read {digest.size}"
            f" of {after.st_size} bytes with mtime_ns {after.st_mtime_ns}"
        )
        return CrawlProblem(file.path, Reason.CHANGED_DURING_READ, detail)
    content_type, text, encoding = _content(file.os_path, digest.head, digest.size, max_text_bytes)
    return ReadResult(
        file=file,
        sha256=digest.hasher.hexdigest(),
        content_type=content_type,
        text=text,
        encoding=encoding,
        text_truncated=text is not None and digest.size > max_text_bytes,
        size=digest.size,
        mtime_ns=after.st_mtime_ns,
    )


_read_batch = aiofiles.os.wrap(_read_small_files)
_fstat = aiofiles.os.wrap(os.fstat)
_finish_async = aiofiles.os.wrap(_finish)


def _content(
    os_path: str, head: bytes, size: int, max_text_bytes: int
) -> tuple[str, str | None, str | None]:
    """Return the content type, text and encoding of a file starting with `head`."""
    if size == 0:
        return EMPTY_CONTENT_TYPE, "", None
    block = head[:_SNIFF_BYTES]
    binary = b"\0" in block
    # libmagic spends 0.3-0.8 ms on a text block, ~40x the cost of hashing a small file, and its
    # text/* answer would be overridden by the extension anyway: only ask it when that can't.
    by_name = None if binary else _type_from_name(os_path)
    content_type = by_name or _sniff(block)
    if binary or not _is_textual(content_type):
        return content_type, None, None
    text, encoding = _decode(head[:max_text_bytes], complete=size <= max_text_bytes)
    # A NUL past the sniffed block is noise in a text file, and PostgreSQL refuses it in text.
    return content_type, text.replace("\0", ""), encoding


def _type_from_name(os_path: str) -> str | None:
    extension = os.path.splitext(os_path)[1].lower()
    if extension in _SOURCE_TYPES:
        return _SOURCE_TYPES[extension]
    guessed, _ = _MIMETYPES.guess_type(os_path)
    return guessed if guessed and _is_textual(guessed) else None


def _is_textual(content_type: str) -> bool:
    return (
        content_type.startswith("text/")
        or content_type.endswith(("+xml", "+json"))
        or content_type in _TEXTUAL_APPLICATION_TYPES
    )


def _sniff(block: bytes) -> str:
    # A libmagic handle is not thread-safe; one per reader thread avoids serialising on a lock.
    sniffer = getattr(_thread_state, "magic", None)
    if sniffer is None:
        sniffer = _thread_state.magic = magic.Magic(mime=True)
    try:
        return sniffer.from_buffer(block)
    except magic.MagicException:
        return "application/octet-stream"


def _decode(data: bytes, *, complete: bool) -> tuple[str, str]:
    """Decode as UTF-8, or else as cp1254, which maps nearly every byte (Turkish legacy text)."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        # Not final when truncated: a multibyte sequence cut at the cap is dropped, not an error.
        decoder = codecs.getincrementaldecoder("utf-8")()
        return decoder.decode(data, final=complete), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace"), "cp1254"
