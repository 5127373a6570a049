"""Passages: overlapping windows of a file's text, each embedded on its own."""

import itertools
import mmap
import os
import re
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_WORD = re.compile(r"\S+")
NAME_SPAN = (-1, -1)


def split_passages(
    text: str, *, words: int, overlap: int, max_passages: int
) -> list[tuple[int, int]]:
    """Return the character spans of windows of at most `words` words over `text`.

    A longer text gets the fewest windows that cover it with `overlap` words or more shared
    between neighbours, all of one length and spread evenly; past `max_passages` windows, only
    the text the first `max_passages` full windows reach is covered.
    """
    if not 0 <= overlap < words:
        raise ValueError(f"overlap must be in [0, {words}), got {overlap}")
    step = words - overlap
    # Words past the last window that could be returned are never looked at.
    needed = max(max_passages - 1, 0) * step + words
    spans = [match.span() for match in itertools.islice(_WORD.finditer(text), needed)]
    if not spans or max_passages < 1:
        return []
    count = len(spans)
    windows = max(-(-(count - overlap) // step), 1)
    # Even windows, not full ones and a short tail: a tail of a few words would be matched on
    # too little text (Cranfield's semantic nDCG@10 0.499 against 0.507), and a full last window
    # reaching back repeated most of the one before it, embedding up to twice the text.
    size = -(-(count + (windows - 1) * overlap) // windows)
    starts = (
        [round(i * (count - size) / (windows - 1)) for i in range(windows)] if windows > 1 else [0]
    )
    return [(spans[start][0], spans[start + size - 1][1]) for start in starts]


class PassageWriter:
    """Stream passage texts to one UTF-8 file, remembering where each one starts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = path.open("wb")
        self._offsets = array("q", [0])

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def write(self, text: str) -> bytes:
        """Append a passage's text and return its UTF-8 bytes."""
        # Extractors may hand over lone surrogates, which UTF-8 cannot hold.
        data = text.encode("utf-8", "replace")
        self._stream.write(data)
        self._offsets.append(self._offsets[-1] + len(data))
        return data

    def close(self) -> np.ndarray:
        """Finish the file and return the passages' byte offsets (one more than passages)."""
        self._stream.close()
        return np.array(self._offsets, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class PassageTable:
    """Passages of all files: their file rows, character spans and texts."""

    rows: np.ndarray  # int64, the file table row of each passage
    spans: np.ndarray  # int64 (n, 2), NAME_SPAN for a file's name passage
    keys: np.ndarray  # uint64, hash of the embedded text, to reuse vectors in the next build
    offsets: np.ndarray  # int64 (n + 1), byte offsets into texts
    texts: bytes | mmap.mmap
    first: np.ndarray  # int64 per file row: its first passage; passages of a file are adjacent
    counts: np.ndarray  # int64 per file row: how many passages it has
    pages: np.ndarray  # int32 per passage: its 1-based page, 0 for none
    member_codes: np.ndarray  # int32 per passage: into members, -1 for none
    members: list[str]

    def __len__(self) -> int:
        return len(self.rows)

    def text(self, passage: int) -> str:
        start, stop = self.offsets[passage], self.offsets[passage + 1]
        return self.texts[start:stop].decode("utf-8")

    def span(self, passage: int) -> tuple[int, int] | None:
        """Return where a passage lies in its file's text, or None for a name passage."""
        start, stop = (int(i) for i in self.spans[passage])
        return None if (start, stop) == NAME_SPAN else (start, stop)

    def location(self, passage: int) -> tuple[int | None, str | None]:
        """Return the passage's page and archive member (or attachment), each None if none."""
        page, member = int(self.pages[passage]), int(self.member_codes[passage])
        return (page or None, self.members[member] if member >= 0 else None)

    def of_file(self, row: int) -> range:
        start = int(self.first[row])
        return range(start, start + int(self.counts[row]))


def map_texts(path: Path) -> bytes | mmap.mmap:
    """Map a passage text file into memory, so only the pages read are loaded."""
    with path.open("rb") as stream:
        if os.fstat(stream.fileno()).st_size == 0:
            return b""
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
