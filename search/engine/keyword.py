"""BM25 keyword scoring over whole files: built with bm25s, served from the arrays it saves."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .mapped import map_array
from .terms import FileTerms
from .typos import Vocabulary

# The files bm25s saves an index as; this module reads and writes them itself.
_MATRIX = {name: f"{name}.csc.index.npy" for name in ("data", "indices", "indptr")}
_VOCABULARY = "vocab.index.json"
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


@dataclass(frozen=True)
class ScoreMatrix:
    """Each term's BM25 score in each file holding it: a CSC matrix, a column per term id."""

    data: np.ndarray  # float32 scores
    indices: np.ndarray  # int32 file rows
    indptr: np.ndarray  # where each term's column starts, then where the last ends
    params: dict[str, Any]  # how bm25s made it, saved alongside as bm25s does

    def scores(self, term_ids: list[int], files: int) -> np.ndarray:
        """Sum the terms' columns into every file's score, in the order bm25s sums them."""
        ids = np.asarray(term_ids, dtype=np.dtype(self.params["int_dtype"]))
        scores = np.zeros(files, dtype=np.dtype(self.params["dtype"]))
        starts, stops = self.indptr[ids].tolist(), self.indptr[ids + 1].tolist()
        for start, stop in zip(starts, stops, strict=True):
            np.add.at(scores, self.indices[start:stop], self.data[start:stop])
        return scores


class KeywordIndex:
    """Score a query against every file at once.

    `file_terms` are the counts the scores came from, kept for the next build to reuse; None
    for an index saved before they were kept.
    """

    def __init__(
        self,
        matrix: ScoreMatrix | None,
        terms: dict[str, int],
        files: int,
        file_terms: FileTerms | None,
    ) -> None:
        # bm25s cannot index a corpus without a single term, so such a corpus has no matrix.
        self._matrix = matrix
        self._terms = terms
        self._files = files
        self.file_terms = file_terms

    @classmethod
    def build(cls, terms: FileTerms, order: np.ndarray) -> "KeywordIndex":
        """Index the files of `terms`, taking them in `order` so rows match the file table."""
        if not terms.vocabulary:
            return cls(None, {}, len(order), terms)
        # Here, not at the top: bm25s brings SciPy and tqdm (10 MiB), which only building needs.
        import bm25s

        bm25 = bm25s.BM25()
        built = bm25.build_index_from_ids(
            unique_token_ids=list(terms.vocabulary.values()),
            corpus_token_ids=_TokenLists(terms, order),
            show_progress=False,
        )
        names = ("k1", "b", "delta", "method", "idf_method", "dtype", "int_dtype")
        params = {name: getattr(bm25, name) for name in names}
        params |= {"num_docs": built["num_docs"], "version": bm25s.__version__}
        params["backend"] = bm25.backend
        matrix = ScoreMatrix(built["data"], built["indices"], built["indptr"], params)
        return cls(matrix, terms.vocabulary, len(order), terms)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return every file's BM25 score for the query terms (zero where none occurs)."""
        ids = sorted(self._terms[term] for term in terms if term in self._terms)
        if self._matrix is None or not ids:
            return np.zeros(self._files, dtype=np.float32)
        return _settled(self._matrix.scores(ids, self._files))

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
        if self._matrix is None:
            return Vocabulary({}, np.zeros(0, dtype=np.int64), self._files)
        pointers = np.asarray(self._matrix.indptr)
        return Vocabulary(self._terms, np.diff(pointers), self._files, self._postings)

    def _postings(self, term: str) -> np.ndarray:
        """Return the rows of the files that hold the term."""
        return self._column(term)[0]

    def _column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of the files holding an indexed term, and its score in each."""
        matrix = self._matrix
        if matrix is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        at = self._terms[term]
        start, stop = matrix.indptr[at], matrix.indptr[at + 1]
        return np.asarray(matrix.indices[start:stop]), np.asarray(matrix.data[start:stop])

    def save(self, directory: Path) -> None:
        """Write the index as bm25s does, and the files' term counts."""
        directory.mkdir(exist_ok=True)
        if self._matrix is not None:
            for name, file in _MATRIX.items():
                np.save(directory / file, getattr(self._matrix, name), allow_pickle=False)
            vocabulary = json.dumps(self._terms, ensure_ascii=False)
            (directory / _VOCABULARY).write_text(vocabulary, encoding="utf-8")
            (directory / _BM25_PARAMS).write_text(json.dumps(self._matrix.params, indent=4))
        if self.file_terms is not None:
            self.file_terms.save(directory)

    @classmethod
    def load(cls, directory: Path, files: int) -> "KeywordIndex":
        """Map the saved scores read-only: serving processes share one copy of them."""
        matrix, terms = None, {}
        if (directory / _BM25_PARAMS).is_file():
            params = json.loads((directory / _BM25_PARAMS).read_text())
            arrays = {name: map_array(directory / file) for name, file in _MATRIX.items()}
            matrix = ScoreMatrix(**arrays, params=params)
            terms = json.loads((directory / _VOCABULARY).read_text(encoding="utf-8"))
        return cls(matrix, terms, files, FileTerms.load(directory, terms))


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
