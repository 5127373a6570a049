"""Stream documents into the parts of a search index, reusing earlier embeddings."""

import dataclasses
import hashlib
import itertools
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.text import TOKENIZER_VERSION, fold, path_words, tokenize

from .config import EngineConfig
from .documents import Document
from .encoder import Encoder
from .keyword import KeywordIndex
from .passages import NAME_SPAN, PassageTable, PassageWriter, map_texts, split_passages
from .semantic import VectorIndex
from .table import FileTable, build_table
from .terms import FileTerms, TermCounts

TEXTS_FILE = "passages.txt"
# Texts are encoded this many batches at a time: the model sorts them by length, which
# wastes less on padding, and progress still moves every few seconds.
ENCODE_BATCHES = 16
# Vectors go into FAISS this many at a time, to bound the memory of assembling them.
ADD_CHUNK = 16_384


@dataclass(frozen=True, slots=True)
class Reusable:
    """Vectors of an earlier index built with the same model, by passage key."""

    keys: np.ndarray
    vectors: VectorIndex


@dataclass(frozen=True, slots=True)
class Parts:
    table: FileTable
    passages: PassageTable
    vectors: VectorIndex | None  # None when a saved index's vectors cannot be used
    keyword: KeywordIndex


def passage_key(data: bytes) -> int:
    """Key a passage by its exact text, so any file holding the same text shares its vector."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def terms_key(document: Document) -> int:
    """Key a file's terms by all they are counted from, so an unchanged file reuses them."""
    sources = (str(TOKENIZER_VERSION), document.path, document.keywords, document.text or "")
    return passage_key("\0".join(sources).encode("utf-8", "surrogatepass"))


class VectorSources:
    """Find each passage's vector in the earlier index, or else have it encoded."""

    def __init__(self, encoder: Encoder, reusable: Reusable | None, batch: int) -> None:
        self._encoder = encoder
        self._batch = batch
        self._reusable = reusable
        order = np.argsort(reusable.keys) if reusable else np.empty(0, dtype=np.int64)
        self._known_keys = reusable.keys[order] if reusable else np.empty(0, dtype=np.uint64)
        self._known_ids = order
        self._slots: dict[int, int] = {}
        self._to_encode: list[str] = []
        self._encoded: list[np.ndarray] = []
        self._pending: list[tuple[int, str]] = []
        self._from_previous = array("q")
        self._from_new = array("q")
        self.encoded = 0

    def add(self, key: int, text: str) -> None:
        """Take the next passage, encoding a batch of new texts once there are enough."""
        self._pending.append((key, text))
        if len(self._pending) >= self._batch:
            self._look_up()
        if len(self._to_encode) >= self._batch:
            self._encode()

    def finish(self, index: VectorIndex) -> None:
        """Encode what is left and add every passage's vector to `index`, in passage order."""
        self._look_up()
        self._encode()
        new = np.concatenate(self._encoded) if self._encoded else None
        from_previous = np.array(self._from_previous, dtype=np.int64)
        from_new = np.array(self._from_new, dtype=np.int64)
        for start in range(0, len(from_new), ADD_CHUNK):
            previous = from_previous[start : start + ADD_CHUNK]
            reused = previous >= 0
            chunk = np.empty((len(previous), index.dimension), dtype=np.float32)
            if self._reusable is not None and reused.any():
                chunk[reused] = self._reusable.vectors.reconstruct(previous[reused])
            if new is not None and not reused.all():
                chunk[~reused] = new[from_new[start : start + ADD_CHUNK][~reused]]
            index.add(chunk)

    def _look_up(self) -> None:
        keys = np.array([key for key, _ in self._pending], dtype=np.uint64)
        for (key, text), known in zip(self._pending, self._find_known(keys).tolist(), strict=True):
            self._from_previous.append(known)
            if known >= 0:
                self._from_new.append(-1)
                continue
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = len(self._slots)
                self._to_encode.append(text)
            self._from_new.append(slot)
        self._pending.clear()

    def _find_known(self, keys: np.ndarray) -> np.ndarray:
        """Return the earlier index's vector id of each key, or -1 where it has none."""
        if not len(self._known_keys):
            return np.full(len(keys), -1, dtype=np.int64)
        positions = np.searchsorted(self._known_keys, keys).clip(max=len(self._known_keys) - 1)
        return np.where(self._known_keys[positions] == keys, self._known_ids[positions], -1)

    def _encode(self) -> None:
        if self._to_encode:
            self._encoded.append(self._encoder.encode_passages(self._to_encode))
            self.encoded += len(self._to_encode)
            self._to_encode = []


class IndexBuilder:
    """Take documents one at a time, keeping only their passages' vectors and term counts."""

    def __init__(
        self,
        *,
        encoder: Encoder,
        config: EngineConfig,
        reusable: Reusable | None,
        reusable_terms: FileTerms | None,
        workdir: Path,
        progress: Callable[[int], None] | None,
    ) -> None:
        self._config = config
        self._encoder = encoder
        self._progress = progress
        self._files: list[Document] = []
        self._terms = TermCounts(reusable_terms)
        self._texts = PassageWriter(workdir / TEXTS_FILE)
        self._passage_files = array("q")
        self._spans = array("q")
        self._keys = array("Q")
        self._first_passages = array("q")
        self._sources = VectorSources(encoder, reusable, config.batch_size * ENCODE_BATCHES)

    @property
    def encoded(self) -> int:
        """Count the passage texts that had to be encoded, not found in the earlier index."""
        return self._sources.encoded

    @property
    def tokenized(self) -> int:
        """Count the files whose terms had to be counted, not found in the earlier index."""
        return self._terms.tokenized

    def add(self, document: Document) -> None:
        """Index one document's metadata, terms and passages."""
        # Texts are not kept: only their passages' vectors and their term counts are.
        self._files.append(dataclasses.replace(document, text=None, keywords=""))
        words = path_words(document.path)
        text = document.text or ""
        self._add_terms(document, words)
        self._first_passages.append(len(self._texts))
        name = " ".join(words)
        if name:
            self._add_passage(NAME_SPAN, name)
        spans = split_passages(
            text,
            words=self._config.passage_words,
            overlap=self._config.passage_overlap,
            max_passages=self._config.max_passages_per_file - bool(name),
        )
        for start, stop in spans:
            self._add_passage((start, stop), text[start:stop])
        if self._progress:
            self._progress(len(self._files))

    def _add_terms(self, document: Document, words: list[str]) -> None:
        key = terms_key(document)
        if not self._terms.reuse(key):
            text = document.text or ""
            tokens = itertools.chain(map(fold, words), tokenize(document.keywords), tokenize(text))
            self._terms.count(key, tokens)

    def _add_passage(self, span: tuple[int, int], text: str) -> None:
        key = passage_key(self._texts.write(text))
        self._passage_files.append(len(self._files) - 1)
        self._spans.extend(span)
        self._keys.append(key)
        self._sources.add(key, text)

    def finish(self) -> Parts:
        """Sort the files by path and assemble the table, passages, vectors and keywords."""
        table, order = build_table(self._files)
        rows = np.empty_like(order)
        rows[order] = np.arange(len(order))
        vectors = VectorIndex.create(
            self._encoder.dimension,
            len(self._keys),
            hnsw_threshold=self._config.hnsw_threshold,
            ef_search=self._config.ef_search,
        )
        self._sources.finish(vectors)
        passages = self._passage_table(rows, order)
        return Parts(table, passages, vectors, KeywordIndex.build(self._terms.finish(), order))

    def _passage_table(self, rows: np.ndarray, order: np.ndarray) -> PassageTable:
        offsets = self._texts.close()
        first = np.array(self._first_passages, dtype=np.int64)
        counts = np.diff(first, append=len(offsets) - 1)
        return PassageTable(
            rows=rows[np.array(self._passage_files, dtype=np.int64)],
            spans=np.array(self._spans, dtype=np.int64).reshape(-1, 2),
            keys=np.array(self._keys, dtype=np.uint64),
            offsets=offsets,
            texts=map_texts(self._texts.path),
            first=first[order],
            counts=counts[order],
        )
