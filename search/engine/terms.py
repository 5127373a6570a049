"""Each file's term counts: gathered while a build streams documents, kept for the next build."""

from array import array
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import numpy as np

from .mapped import map_array

_FILES = {name: f"terms.{name}.npy" for name in ("keys", "offsets", "ids", "counts")}


class FileTerms:
    """Files' distinct term ids and counts, in the order the build took the files.

    The terms of file i are ids[offsets[i]:offsets[i + 1]], numbered by `vocabulary`.
    `keys` name each file by what its terms were made of, so the next build can find them.
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        *,
        keys: np.ndarray,
        offsets: np.ndarray,
        ids: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        self.vocabulary = vocabulary
        self.keys = keys
        self.offsets = offsets
        self.ids = ids
        self.counts = counts

    def of_file(self, file: int) -> tuple[np.ndarray, np.ndarray]:
        """Return a file's term ids and how often each occurs."""
        start, stop = self.offsets[file], self.offsets[file + 1]
        return self.ids[start:stop], self.counts[start:stop]

    def token_ids(self, file: int) -> list[int]:
        """Rebuild a file's term ids as a token list: BM25 needs the counts, not the order."""
        return np.repeat(*self.of_file(file)).tolist()

    def find(self, key: int) -> int | None:
        """Return the file with this key, or None."""
        return self._files_by_key.get(key)

    @cached_property
    def terms(self) -> dict[int, str]:
        """Map term ids back to terms."""
        return {term_id: term for term, term_id in self.vocabulary.items()}

    @cached_property
    def _files_by_key(self) -> dict[int, int]:
        return dict(zip(self.keys.tolist(), range(len(self.keys)), strict=True))

    def save(self, directory: Path) -> None:
        for name, file in _FILES.items():
            np.save(directory / file, getattr(self, name))

    @classmethod
    def load(cls, directory: Path, vocabulary: dict[str, int]) -> "FileTerms | None":
        """Map the saved arrays, so a build reads only the files it reuses; None if unsaved."""
        if not (directory / _FILES["keys"]).is_file():
            return None  # the index was saved before term counts were kept
        arrays = {name: map_array(directory / file) for name, file in _FILES.items()}
        return cls(vocabulary, **arrays)


class TermCounts:
    """Each file's distinct term ids and their counts, gathered while documents stream by.

    A file that `previous` holds, by key, is taken from there instead of being tokenized.
    """

    def __init__(self, previous: FileTerms | None = None) -> None:
        self.vocabulary: dict[str, int] = {}
        self._keys = array("Q")
        self._offsets = array("q", [0])
        self._ids = array("i")
        self._counts = array("i")
        self._previous = previous
        # Each earlier term id's id in this build, or -1 until a reused file brings it in.
        self._renumbered = np.full(len(previous.vocabulary) if previous else 0, -1, np.intc)
        self.tokenized = 0  # files counted from their tokens, not reused

    def count(self, key: int, tokens: Iterable[str]) -> None:
        """Count the terms of the next file."""
        counts = Counter(tokens)
        self._ids.extend(self.vocabulary.setdefault(term, len(self.vocabulary)) for term in counts)
        self._counts.extend(counts.values())
        self._end_file(key)
        self.tokenized += 1

    def reuse(self, key: int) -> bool:
        """Take the next file's counts from the previous build, if it had the file; say whether."""
        previous = self._previous
        file = previous.find(key) if previous else None
        if previous is None or file is None:
            return False
        ids, counts = previous.of_file(file)
        self._ids.frombytes(self._renumber(previous, ids).tobytes())
        self._counts.frombytes(counts.tobytes())
        self._end_file(key)
        return True

    def finish(self) -> FileTerms:
        """Return the counts of all files, in the order they came."""
        return FileTerms(
            self.vocabulary,
            keys=np.frombuffer(self._keys, dtype=np.uint64),
            offsets=np.frombuffer(self._offsets, dtype=np.int64),
            ids=np.frombuffer(self._ids, dtype=np.intc),
            counts=np.frombuffer(self._counts, dtype=np.intc),
        )

    def _end_file(self, key: int) -> None:
        self._keys.append(key)
        self._offsets.append(len(self._ids))

    def _renumber(self, previous: FileTerms, ids: np.ndarray) -> np.ndarray:
        """Turn the previous build's term ids into this build's, adding terms new to it."""
        renumbered = self._renumbered[ids]
        for position in np.flatnonzero(renumbered < 0).tolist():
            term = previous.terms[int(ids[position])]
            term_id = self.vocabulary.setdefault(term, len(self.vocabulary))
            renumbered[position] = self._renumbered[ids[position]] = term_id
        return renumbered
