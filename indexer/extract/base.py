"""What an extractor is given, what it returns, and how it says how it went."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO, ClassVar


class Status(StrEnum):
    """How extracting a file's text went; the values are stable codes callers may store."""

    OK = "ok"
    TRUNCATED = "truncated"  # only the first part of the text was kept
    FAILED = "failed"  # the file could not be read as its type; `detail` says why
    UNSUPPORTED = "unsupported"  # no extractor reads this type: found by name only
    EMPTY = "empty"  # read, and there was no text in it
    SKIPPED = "skipped"  # deliberately not read (too large, excluded by a setting)


# A file with one of these has text a search can use (possibly none, when empty).
TEXT_STATUSES = frozenset({Status.OK, Status.TRUNCATED, Status.EMPTY})


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
class Source:
    """A file to extract: where to open it, what it was sniffed as, and its first bytes.

    `head` holds at least the first `max_bytes` bytes the extractor may keep (all of a file
    that small), read while hashing, so small text files are never opened twice.
    """

    os_path: str
    content_type: str
    size: int
    head: bytes

    def open(self) -> BinaryIO:
        return open(self.os_path, "rb")


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
        """Return (offset in `text`, page, member) of each segment that has a location."""
        found, offset = [], 0
        for segment in self.segments:
            if segment.page is not None or segment.member is not None:
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

    @classmethod
    def key(cls) -> str:
        """Name the extractor and its version, as stored with what it produced."""
        return f"{cls.name}/{cls.version}"

    @abstractmethod
    def accepts(self, content_type: str, extension: str) -> bool:
        """Tell whether this extractor reads files of this MIME type and extension."""

    @abstractmethod
    def extract(self, source: Source, *, max_bytes: int) -> Extraction:
        """Return the file's text segments, keeping at most `max_bytes` bytes of text."""
