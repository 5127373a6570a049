"""What an extractor is given, what it returns, and how it says how it went."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO, ClassVar

if TYPE_CHECKING:
    from indexer.extract.registry import Registry


class Status(StrEnum):
    """How extracting a file's text went; the values are stable codes callers may store."""

    OK = "ok"
    TRUNCATED = "truncated"  # only the first part of the text was kept
    FAILED = "failed"  # the file could not be read as its type; `detail` says why
    UNSUPPORTED = "unsupported"  # no extractor reads this type: found by name only
    EMPTY = "empty"  # read, and there was no text in it
    SKIPPED = "skipped"  # deliberately not read (encrypted, no OCR, past a limit)


# A file with one of these has text a search can use (possibly none, when empty).
TEXT_STATUSES = frozenset({Status.OK, Status.TRUNCATED, Status.EMPTY})
# The detail of a file whose extraction ran out of memory.
OUT_OF_MEMORY = "out of memory"


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text and where in the file it came from.

    `page` is 1-based (a PDF page, a slide); `member` is a path inside an archive or an
    attachment's name, nested ones joined with "/". Both are None for a plain file.
    """

    text: str
    page: int | None = None
    member: str | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an extraction may take: text, archive contents, nesting, OCR time."""

    max_text_bytes: int = 1 << 20
    archive_max_bytes: int = 256 << 20
    archive_max_members: int = 10_000
    archive_max_depth: int = 3
    # Members that claim to expand more than this many times over are bombs: skipped.
    archive_max_ratio: int = 200
    ocr_languages: str = "tur+eng"
    ocr_page_timeout: float = 30.0
    # How deep inside archives and attachments the file being extracted lies.
    depth: int = 0
    # When the file's time runs out (time.monotonic()), if it has a limit: OCR, the slow
    # part, stops before a page it could not finish, keeping the pages read.
    deadline: float | None = None

    def nested(self) -> Limits:
        return replace(self, depth=self.depth + 1)


@dataclass(frozen=True, slots=True)
class Source:
    """A file to extract: where to open it (or its bytes), what it was sniffed as, its head.

    `head` holds at least the first `max_text_bytes` bytes an extractor may keep (all of a
    file that small), read while hashing, so small text files are never opened twice. A
    member of an archive or an attachment has `data` instead of a path on disk.
    """

    os_path: str
    content_type: str
    size: int
    head: bytes
    data: bytes | None = None

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        return open(self.os_path, "rb")

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as stream:
            return stream.read()


@dataclass(frozen=True, slots=True)
class Extraction:
    """An extractor's result: its segments, how it went, and which extractor made it."""

    extractor: str
    status: Status
    segments: tuple[Segment, ...] = ()
    detail: str = ""
    encoding: str | None = None
    # The segments' text joined, or None when the file's text could not be had.
    text: str | None = field(init=False, default=None)

    SEPARATOR: ClassVar[str] = "\n\n"

    def __post_init__(self) -> None:
        if self.status in TEXT_STATUSES:
            text = self.SEPARATOR.join(segment.text for segment in self.segments)
            object.__setattr__(self, "text", text)

    @property
    def locations(self) -> list[tuple[int, int | None, str | None]]:
        """Return (offset in `text`, page, member) of every segment; [] when none has either."""
        if all(s.page is None and s.member is None for s in self.segments):
            return []
        found, offset = [], 0
        for segment in self.segments:
            found.append((offset, segment.page, segment.member))
            offset += len(segment.text) + len(self.SEPARATOR)
        return found


class Extractor(ABC):
    """Read one kind of file into text segments; never raise for a bad file, say FAILED.

    `version` is stored with what the extractor produced: raising it makes the next plain
    reindex extract again every file this extractor handles, and no other.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    # The extensions accepts() looks at (lowercase, with the dot); for any other file it
    # decides by the MIME type alone, which lets a reindex skip working the extension out.
    extensions: ClassVar[frozenset[str]] = frozenset()
    # Parsers of complex formats run in worker processes, with a time and a memory limit.
    isolated: ClassVar[bool] = True
    # Set by the registry: containers (archives, mail) extract their members through it.
    registry: Registry | None = None

    @classmethod
    def key(cls) -> str:
        """Name the extractor and its version, as stored with what it produced."""
        return f"{cls.name}/{cls.version}"

    @abstractmethod
    def accepts(self, content_type: str, extension: str) -> bool:
        """Tell whether this extractor reads files of this MIME type and extension."""

    @abstractmethod
    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        """Return the file's text segments, within `limits`."""


class Full(Exception):
    """The text budget is spent: stop reading, keep what was collected."""


class TextBudget:
    """Collect segments up to a number of UTF-8 bytes, cutting the one that crosses it."""

    def __init__(self, max_bytes: int) -> None:
        self.left = max_bytes
        self.segments: list[Segment] = []
        self.truncated = False

    def add(self, text: str, *, page: int | None = None, member: str | None = None) -> None:
        """Keep the segment, cut to what is left; raise Full once nothing is left."""
        text = text.replace("\0", "").strip()
        if not text:
            return
        data = text.encode("utf-8", "surrogatepass")
        if len(data) > self.left:
            kept = data[: self.left].decode("utf-8", "ignore")
            if kept:
                self.segments.append(Segment(kept, page, member))
            self.truncated, self.left = True, 0
            raise Full
        self.segments.append(Segment(text, page, member))
        self.left -= len(data)

    def add_lines(
        self, lines: Iterable[str], *, page: int | None = None, member: str | None = None
    ) -> None:
        """Keep the lines as one segment, reading no more of them than the budget can hold."""
        kept, size = [], 0
        for line in lines:
            kept.append(line)
            size += len(line) + 1
            if size > self.left:
                break
        self.add("\n".join(kept), page=page, member=member)

    def extraction(self, key: str, *, detail: str = "", encoding: str | None = None) -> Extraction:
        """Say how it went: truncated, empty, or ok."""
        if self.truncated:
            status = Status.TRUNCATED
        else:
            status = Status.OK if self.segments else Status.EMPTY
        return Extraction(key, status, tuple(self.segments), detail, encoding)
