"""BM25 keyword scoring over whole files, with bm25s."""

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from .text import STOPWORDS


class TermCounts:
    """Each file's distinct term ids and their counts, gathered while documents stream by."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._ids: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []

    def add(self, tokens: Iterable[str]) -> None:
        """Count the terms of the next file."""
        counts = Counter(t for t in tokens if t not in STOPWORDS)
        ids = [self.vocabulary.setdefault(term, len(self.vocabulary)) for term in counts]
        self._ids.append(np.array(ids, dtype=np.int32))
        self._counts.append(np.fromiter(counts.values(), dtype=np.int32, count=len(counts)))

    def token_ids(self, file: int) -> list[int]:
        """Rebuild a file's term ids as a token list: BM25 needs the counts, not the order."""
        return np.repeat(self._ids[file], self._counts[file]).tolist()


class _TokenLists(Sequence[list[int]]):
    """Files' token lists in table order, for bm25s, rebuilt one file at a time."""

    def __init__(self, counts: TermCounts, order: Sequence[int]) -> None:
        self._counts = counts
        self._order = order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index: int) -> list[int]:  # type: ignore[override]
        return self._counts.token_ids(self._order[index])


class KeywordIndex:
    """Score a query against every file at once."""

    def __init__(self, bm25: bm25s.BM25 | None, files: int) -> None:
        # bm25s cannot index a corpus without a single term, so such a corpus has no bm25.
        self._bm25 = bm25
        self._files = files

    @classmethod
    def build(cls, counts: TermCounts, order: Sequence[int]) -> "KeywordIndex":
        """Index the files of `counts`, taking them in `order` so rows match the file table."""
        if not counts.vocabulary:
            return cls(None, len(order))
        bm25 = bm25s.BM25()
        bm25.scores = bm25.build_index_from_ids(
            unique_token_ids=list(counts.vocabulary.values()),
            corpus_token_ids=_TokenLists(counts, order),
            show_progress=False,
        )
        bm25.vocab_dict = counts.vocabulary
        bm25.unique_token_ids_set = set(counts.vocabulary.values())
        return cls(bm25, len(order))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return every file's BM25 score for the query terms (zero where none occurs)."""
        ids = self._bm25.get_tokens_ids(list(terms)) if self._bm25 else []
        if not ids:
            return np.zeros(self._files, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)

    def save(self, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        if self._bm25:
            self._bm25.save(directory, show_progress=False)

    @classmethod
    def load(cls, directory: Path, files: int) -> "KeywordIndex":
        if not any(directory.iterdir()):
            return cls(None, files)
        return cls(bm25s.BM25.load(directory, mmap=True, show_progress=False), files)
