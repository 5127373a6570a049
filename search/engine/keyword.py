"""BM25 keyword scoring over whole files, with bm25s."""

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from .terms import FileTerms
from .typos import Vocabulary

# bm25s writes this with every index it saves.
_BM25_PARAMS = "params.index.json"


class _TokenLists(Sequence[list[int]]):
    """Files' token lists in table order, for bm25s, rebuilt one file at a time."""

    def __init__(self, terms: FileTerms, order: np.ndarray) -> None:
        self._terms = terms
        self._order = order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index: int) -> list[int]:  # type: ignore[override]
        return self._terms.token_ids(self._order[index])


class KeywordIndex:
    """Score a query against every file at once.

    `file_terms` are the counts the scores came from, kept for the next build to reuse; None
    for an index saved before they were kept.
    """

    def __init__(self, bm25: bm25s.BM25 | None, files: int, file_terms: FileTerms | None) -> None:
        # bm25s cannot index a corpus without a single term, so such a corpus has no bm25.
        self._bm25 = bm25
        self._files = files
        self.file_terms = file_terms

    @classmethod
    def build(cls, terms: FileTerms, order: np.ndarray) -> "KeywordIndex":
        """Index the files of `terms`, taking them in `order` so rows match the file table."""
        if not terms.vocabulary:
            return cls(None, len(order), terms)
        bm25 = bm25s.BM25()
        bm25.scores = bm25.build_index_from_ids(
            unique_token_ids=list(terms.vocabulary.values()),
            corpus_token_ids=_TokenLists(terms, order),
            show_progress=False,
        )
        bm25.vocab_dict = terms.vocabulary
        bm25.unique_token_ids_set = set(terms.vocabulary.values())
        return cls(bm25, len(order), terms)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return every file's BM25 score for the query terms (zero where none occurs)."""
        bm25 = self._bm25
        ids = sorted(bm25.get_tokens_ids(list(terms))) if bm25 is not None else []
        if bm25 is None or not ids:
            return np.zeros(self._files, dtype=np.float32)
        return _settled(bm25.get_scores_from_ids(ids))

    def term_scores(self, terms: Sequence[str], row: int) -> dict[str, float]:
        """Return what each of the terms adds to one file's score, for the terms it holds."""
        found = {}
        for term in terms:
            rows, scores = self._column(term)
            at = np.flatnonzero(rows == row)
            if len(at):
                found[term] = round(float(scores[at[0]]), 4)
        return found

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """Return the indexed terms and in how many files each occurs."""
        if self._bm25 is None:
            return Vocabulary({}, np.zeros(0, dtype=np.int64), self._files)
        pointers = np.asarray(self._bm25.scores["indptr"])
        return Vocabulary(self._bm25.vocab_dict, np.diff(pointers), self._files, self._postings)

    def _postings(self, term: str) -> np.ndarray:
        """Return the rows of the files that hold the term."""
        return self._column(term)[0]

    def _column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of the files holding an indexed term, and its score in each."""
        if self._bm25 is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        matrix, at = self._bm25.scores, self._bm25.vocab_dict[term]
        start, stop = matrix["indptr"][at], matrix["indptr"][at + 1]
        return np.asarray(matrix["indices"][start:stop]), np.asarray(matrix["data"][start:stop])

    def save(self, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        if self._bm25:
            self._bm25.save(directory, show_progress=False)
        if self.file_terms is not None:
            self.file_terms.save(directory)

    @classmethod
    def load(cls, directory: Path, files: int) -> "KeywordIndex":
        bm25 = None
        if (directory / _BM25_PARAMS).is_file():
            bm25 = bm25s.BM25.load(directory, mmap=True, show_progress=False)
        vocabulary = bm25.vocab_dict if bm25 else {}
        return cls(bm25, files, FileTerms.load(directory, vocabulary))


def _settled(scores: np.ndarray) -> np.ndarray:
    """Round scores to six significant digits of the best one.

    Scores are summed in term id order, which differs between builds; float32 sums then differ
    in their last digits. Rounded, equal scores stay equal, and ties fall to path order in every
    build alike.
    """
    best = float(scores.max(initial=0.0))
    if best <= 0:
        return scores
    return np.round(scores, 6 - int(np.ceil(np.log10(best))))
