"""A list kept on disk past a small buffer: a million entries cost little memory."""

import pickle
import tempfile
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Append items, then read them back in order, in batches, as often as needed."""

    def __init__(self, *, batch: int = 2000) -> None:
        self._batch = batch
        self._buffer: list[T] = []
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, item: T) -> None:
        self._buffer.append(item)
        self._count += 1
        if len(self._buffer) >= self._batch:
            self._spill()

    def batches(self) -> Iterator[list[T]]:
        """Yield the items in the order they came, `batch` at a time."""
        self._spill()
        self._file.seek(0)
        while True:
            try:
                # Only ever reads what _spill wrote to this private, unnamed file.
                yield pickle.load(self._file)  # noqa: S301
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()

    def _spill(self) -> None:
        if self._buffer:
            self._file.seek(0, 2)
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []
