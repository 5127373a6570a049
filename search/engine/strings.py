"""Strings packed in one UTF-8 buffer, each decoded when it is asked for."""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np


class PackedStrings(Sequence[str]):
    """Read-only strings held as UTF-8 bytes and byte offsets, each decoded when asked for."""

    # As Python strings, a table's paths and content hashes cost each serving process 10 MiB of
    # its own; as arrays mapped from the index's files, the processes share one copy.

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self.data = data  # uint8: the strings' UTF-8 bytes, one after another
        self.offsets = offsets  # int64: where each string starts, then where the last ends
        # Memoryviews index and slice faster than arrays do, and give Python ints and bytes.
        self._bytes = data.data
        self._bounds = offsets.data

    @classmethod
    def pack(cls, strings: Iterable[str]) -> "PackedStrings":
        """Pack the strings (lone surrogates, which extractors may hand over, included)."""
        encoded = [string.encode("utf-8", "surrogatepass") for string in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(data) for data in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, row: int) -> str: ...

    @overload
    def __getitem__(self, row: slice) -> list[str]: ...

    def __getitem__(self, row: int | slice) -> str | list[str]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        bounds = self._bounds
        if row < 0:
            row += len(bounds) - 1
            if row < 0:
                raise IndexError("string index out of range")
        # Past the end, bounds[row + 1] raises the IndexError.
        return str(self._bytes[bounds[row] : bounds[row + 1]], "utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        text = self._bytes.tobytes()
        for start, stop in itertools.pairwise(self.offsets.tolist()):
            yield text[start:stop].decode("utf-8", "surrogatepass")

    def fixed_width(self) -> np.ndarray:
        """Return the strings as one fixed-width bytes array, for numpy to sort and compare."""
        # Shorter strings are padded with NULs: only strings without NULs (hashes) compare
        # exactly.
        lengths = np.diff(self.offsets)
        width = max(int(lengths.max(initial=0)), 1)
        padded = np.zeros((len(lengths), width), dtype=np.uint8)
        padded[np.arange(width) < lengths[:, None]] = self.data
        return padded.view(f"S{width}").ravel()
