"""SearchIndex: one immutable snapshot of the corpus, for semantic and keyword search."""

import hashlib
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis import LANGUAGES, term_candidates
from core.text import fold, path_words

from . import snippets, store
from .analysis import KeywordQuery, analyze_query
from .builder import TEXTS_FILE, BuildProgress, IndexBuilder, Parts
from .config import EngineConfig
from .documents import Document, FileRecord, Hit
from .encoder import Encoder
from .store import IndexUnavailable
from .table import KeptArrays
from .vectors import EmbedHelpers, MemoryVectorStore, Reusable, VectorStore


class SearchIndex:
    """Files, passages, vectors and keyword scores, read-only and safe to share by threads.

    `semantic_problem` says why semantic search cannot run, e.g. because the vectors are
    corrupt or another model made them; keyword search works all the same. None if it can.
    """

    def __init__(
        self,
        parts: Parts,
        manifest: dict[str, Any],
        directory: Path,
        semantic_problem: str | None = None,
    ) -> None:
        self.table = parts.table
        self.passages = parts.passages
        self._passage_masks = KeptArrays()
        self._vectors = parts.vectors
        self._keyword = parts.keyword
        self.manifest = manifest
        self.semantic_problem = semantic_problem
        self._directory = directory

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        *,
        encoder: Encoder,
        config: EngineConfig,
        previous: "SearchIndex | None",
        workdir: Path,
        store: VectorStore | None = None,
        progress: BuildProgress | None = None,
        metadata: Mapping[str, Any] | None = None,
        helpers: EmbedHelpers | None = None,
        defer_over: int | None = None,
    ) -> "SearchIndex":
        """Index `documents`, reusing the vectors and term counts `previous` already has.

        New vectors are encoded (here or by `helpers`, reading the texts streamed to `workdir`)
        and added to `store` a batch at a time, unless more than `defer_over` are: then none
        is. `progress` hears of the phases; `metadata` (JSON) goes into the manifest.
        """
        started = time.monotonic()
        builder = IndexBuilder(
            encoder=encoder,
            config=config,
            **_reused(previous, encoder),
            store=store or MemoryVectorStore(),
            workdir=workdir,
            progress=progress,
            helpers=helpers,
            defer_over=defer_over,
        )
        for document in documents:
            builder.add(document)
        parts = builder.finish()
        manifest = _describe(parts, encoder, config) | {
            **builder.counts(),
            "build_seconds": round(time.monotonic() - started, 3),
            "metadata": dict(metadata or {}),
        }
        return cls(parts, manifest, workdir)

    def save(self, directory: Path, *, generation: int) -> None:
        """Write the index to `directory`, the manifest last, so a partial save never loads."""
        directory.mkdir(parents=True, exist_ok=True)
        parts = Parts(self.table, self.passages, self._vectors, self._keyword)
        store.write_parts(directory, parts, self._directory / TEXTS_FILE)
        self.manifest = store.write_manifest(directory, {**self.manifest, "generation": generation})

    @classmethod
    def load(cls, directory: Path, *, encoder: Encoder | None = None) -> "SearchIndex":
        """Load a saved index, or raise IndexUnavailable saying why keyword search cannot use it.

        Vectors that are missing, damaged or, given an `encoder`, made by another model do
        not fail the load: they are left out, and `semantic_problem` says why.
        """
        manifest = store.read_manifest(directory)
        parts, semantic_problem = store.read_parts(directory, manifest, encoder)
        return cls(parts, manifest, directory, semantic_problem)

    @property
    def generation(self) -> int:
        return self.manifest["generation"]

    @property
    def build_id(self) -> str:
        """Name this build uniquely, across rebuilds from scratch and across installs."""
        manifest = self.manifest
        # Indexes built before build ids were recorded: their table's checksum stands in.
        return manifest.get("build_id") or manifest["files_sha256"][store.FILES]

    def search_semantic(
        self,
        query_vector: np.ndarray,
        *,
        mask: np.ndarray | None = None,
        limit: int,
        min_score: float = 0.0,
    ) -> list[Hit]:
        """Rank files by their best passage's cosine similarity to the query vector.

        `mask` (one bool per file row) is applied inside the vector search, so every
        allowed file can be found however few there are. Raise IndexUnavailable, saying
        why, if the index has a `semantic_problem`.
        """
        if self.semantic_problem is not None or self._vectors is None:
            raise IndexUnavailable(self.semantic_problem or "the index has no vectors")
        allowed = None if mask is None else self._passage_mask(mask)
        rows, scores, passages = self._vectors.search_files(
            query_vector,
            passage_rows=self.passages.rows,
            allowed=allowed,
            limit=limit,
            min_score=min_score,
        )
        file_ids = self.table.file_ids[rows].tolist()
        return [
            Hit(row=row, file_id=file_id, score=score, passage=passage)
            for row, file_id, score, passage in zip(
                rows.tolist(), file_ids, scores.tolist(), passages.tolist(), strict=True
            )
        ]

    def similarity_floor(self, query_vector: np.ndarray, deviations: float) -> float:
        """Return how similar a passage must be to the query to stand out from the corpus:
        `deviations` standard deviations above the query's mean similarity to all passages."""
        if self._vectors is None:
            return -1.0
        return self._vectors.similarity_floor(query_vector, deviations)

    def _passage_mask(self, file_mask: np.ndarray) -> np.ndarray:
        """Return which passages belong to the files `file_mask` selects, kept for reuse."""
        # Keyed by content: the same scope and filters come back, as new arrays or shared.
        key = hashlib.blake2b(np.packbits(file_mask).tobytes(), digest_size=16).digest()
        return self._passage_masks.get(key, lambda: file_mask[self.passages.rows])

    def keyword_query(self, query: str) -> KeywordQuery:
        """Find the index terms a query's words are searched by, typos corrected."""
        return analyze_query(query, self._keyword.vocabulary)

    def search_keyword(
        self, query: KeywordQuery | str, *, mask: np.ndarray | None = None, limit: int
    ) -> list[Hit]:
        """Rank files by BM25 over their path words, keywords and text; only files that match.

        Hits carry no passage: finding each one's best passage costs more than ranking, and
        only a page of them is shown (see best_passage).
        """
        rows, scores = self.rank_keyword(query, mask=mask, limit=limit)
        file_ids = self.table.file_ids[rows].tolist()
        return [
            Hit(row=row, file_id=file_id, score=score, passage=None)
            for row, file_id, score in zip(rows.tolist(), file_ids, scores.tolist(), strict=True)
        ]

    def rank_keyword(
        self, query: KeywordQuery | str, *, mask: np.ndarray | None = None, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rank files as search_keyword does; return their table rows and scores, best first."""
        scores = self._keyword.scores(self._analyzed(query).terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        rows = np.flatnonzero(scores > 0)
        if len(rows) > limit:
            rows = rows[np.argpartition(-scores[rows], limit - 1)[:limit]]
        rows = rows[np.lexsort((rows, -scores[rows]))]
        return rows, scores[rows]

    def best_passage(self, row: int, query: KeywordQuery | str) -> int | None:
        """Return the file's passage holding most of the query's words (None if it has none)."""
        query = self._analyzed(query)
        best, best_count = None, 0
        candidates = sorted(self.passages.of_file(row), key=lambda p: self.passage_span(p) is None)
        for passage in candidates:
            # Folding the passage and one regex scan cost far less than tokenizing it.
            count = len(query.words_found(fold(self.passage_text(passage))))
            if count > best_count:
                best, best_count = passage, count
        return best

    def matched_terms(self, row: int, query: KeywordQuery) -> list[dict[str, object]]:
        """Say which of the query's terms a file holds, where, and what each adds to its score."""
        words = path_words(self.table.paths[row])
        name_terms = {term for word in words for term in term_candidates(word, LANGUAGES)}
        texts = [
            fold(self.passage_text(p)) for p in self.passages.of_file(row) if self.passage_span(p)
        ]
        matched = []
        for term, score in self._keyword.term_scores(query.terms, row).items():
            pattern = re.compile(rf"(?<![^\W_]){re.escape(term)}")
            fields = ["name"] * (term in name_terms)
            fields += ["text"] * any(pattern.search(text) for text in texts)
            matched.append({"term": term, "fields": fields, "score": score})
        return matched

    def closest_passage(self, row: int, query_vector: np.ndarray) -> int | None:
        """Return the file's text passage most like the query; None if it has no text."""
        passages = [p for p in self.passages.of_file(row) if self.passage_span(p) is not None]
        if not passages or self._vectors is None or self.semantic_problem is not None:
            return None
        similarities = self._vectors.reconstruct(np.array(passages)) @ query_vector
        return passages[int(np.argmax(similarities))]

    def file_record(self, row: int) -> FileRecord:
        return self.table.record(row)

    def passage_text(self, passage: int) -> str:
        return self.passages.text(passage)

    def passage_location(self, passage: int) -> tuple[int | None, str | None]:
        """Return the page and the archive member (or attachment) the passage came from."""
        return self.passages.location(passage)

    def passage_span(self, passage: int) -> tuple[int, int] | None:
        """Return where the passage lies in its file's text; None for the file-name passage."""
        return self.passages.span(passage)

    def snippet(
        self, passage: int, query: KeywordQuery | str | None, *, max_chars: int = 300
    ) -> str:
        """Return the passage's HTML excerpt around the query's words, which are marked."""
        analyzed = None if query is None else self._analyzed(query)
        return snippets.snippet(self.passage_text(passage), analyzed, max_chars=max_chars)

    def _analyzed(self, query: KeywordQuery | str) -> KeywordQuery:
        return self.keyword_query(query) if isinstance(query, str) else query

    def _reusable(self, encoder: Encoder) -> Reusable | None:
        """Offer this index's vectors to a new build, if usable and made by the same model."""
        made_by = (self.manifest["model_id"], self.manifest["dimension"])
        if self._vectors is None or made_by != (encoder.model_id, encoder.dimension):
            return None
        return Reusable(self.passages.keys, self._vectors)


def _reused(previous: "SearchIndex | None", encoder: Encoder) -> dict[str, Any]:
    """Return what a build may take from `previous`: its vectors and its files' term counts."""
    if previous is None:
        return {"reusable": None, "reusable_terms": None}
    return {"reusable": previous._reusable(encoder), "reusable_terms": previous._keyword.file_terms}


def _describe(parts: Parts, encoder: Encoder, config: EngineConfig) -> dict[str, Any]:
    """Start the manifest of a new, not yet saved index (generation 0)."""
    return {
        "format": store.FORMAT,
        "model_id": encoder.model_id,
        "dimension": encoder.dimension,
        "index_type": parts.vectors.kind if parts.vectors else None,
        "vectors": len(parts.vectors) if parts.vectors else 0,
        "files": len(parts.table),
        "passages": len(parts.passages),
        "generation": 0,
        "build_id": uuid.uuid4().hex,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "passage_words": config.passage_words,
        "passage_overlap": config.passage_overlap,
        "max_passages_per_file": config.max_passages_per_file,
        "ef_search": config.ef_search,
    }
