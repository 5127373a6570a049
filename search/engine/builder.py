"""Stream documents into the parts of a search index, reusing earlier embeddings."""

import dataclasses
import hashlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.analysis import detect_language, index_terms, words_of
from core.text import TOKENIZER_VERSION, path_words

from .config import EngineConfig
from .documents import Document
from .encoder import Encoder
from .keyword import KeywordIndex
from .passages import NAME_SPAN, PassageTable, PassageWriter, map_texts, split_passages
from .semantic import VectorIndex
from .table import FileTable, build_table
from .terms import FileTerms, TermCounts
from .vectors import EmbedHelpers, PassageSpan, Reusable, VectorSources, VectorStore

TEXTS_FILE = "passages.txt"
# The key of a passage a build left unembedded: no text hashes to it (a chance of 2**-64).
NO_VECTOR = 0
# Texts are encoded this many batches at a time: the model sorts them by length, which
# wastes less on padding, progress still moves every few seconds, and a killed build loses
# at most this much work.
ENCODE_BATCHES = 16
# The first line stands for a title and counts twice (nDCG@10 up on every dev collection);
# a first line that long is no title, and only its start counts again.
TITLE_WORDS = 32
TITLE_CHARS = 1024
# A document's language is told from its start.
LANGUAGE_SAMPLE_CHARS = 16_384

BuildProgress = Callable[[str, int, int | None], None]
"""Told (phase, done, total): "build" after each document, "embed" after each batch."""


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


class IndexBuilder:
    """Take documents one at a time, keeping only their passages' vectors and term counts."""

    def __init__(
        self,
        *,
        encoder: Encoder,
        config: EngineConfig,
        reusable: Reusable | None,
        reusable_terms: FileTerms | None,
        store: VectorStore,
        workdir: Path,
        progress: BuildProgress | None,
        helpers: EmbedHelpers | None = None,
        defer_over: int | None = None,
    ) -> None:
        self._config = config
        self._helpers = helpers
        self._defer_over = defer_over
        # Passages left unembedded (see finish()); 0 when every passage has its vector.
        self.deferred = 0
        self._encoder = encoder
        self._progress = progress
        self._files: list[Document] = []
        self._terms = TermCounts(reusable_terms)
        self._texts = PassageWriter(workdir / TEXTS_FILE)
        self._passage_files = array("q")
        self._spans = array("q")
        self._keys = array("Q")
        self._first_passages = array("q")
        self._pages = array("i")
        self._member_codes = array("i")
        self._members: dict[str, int] = {}
        self._sources = VectorSources(encoder, reusable, store, config.batch_size * ENCODE_BATCHES)

    @property
    def encoded(self) -> int:
        """Count the passage texts that had to be encoded: no earlier index or store had them."""
        return self._sources.encoded + self._sources.helped

    @property
    def tokenized(self) -> int:
        """Count the files whose terms had to be counted, not found in the earlier index."""
        return self._terms.tokenized

    def counts(self) -> dict[str, int]:
        """Count, for the manifest, what the build had to do and what it left for later."""
        return {
            "encoded_passages": self.encoded,
            "deferred_passages": self.deferred,
            "tokenized_files": self.tokenized,
        }

    def add(self, document: Document) -> None:
        """Index one document's metadata, terms and passages."""
        # Texts are not kept: only their passages' vectors and their term counts are.
        self._files.append(dataclasses.replace(document, text=None, keywords="", locations=()))
        words = path_words(document.path)
        text = document.text or ""
        self._add_terms(document, words)
        self._first_passages.append(len(self._texts))
        name = " ".join(words)
        if name:
            self._add_passage(NAME_SPAN, name, (None, None))
        room = self._config.max_passages_per_file - bool(name)
        # Passages never straddle two pages or members, so each has one location.
        for (start, stop), location in _parts(text, document.locations):
            spans = split_passages(
                text[start:stop],
                words=self._config.passage_words,
                overlap=self._config.passage_overlap,
                max_passages=room,
            )
            for first, last in spans:
                span = (start + first, start + last)
                self._add_passage(span, text[span[0] : span[1]], location)
            room -= len(spans)
            if room <= 0:
                break
        if self._progress:
            self._progress("build", len(self._files), None)

    def _add_terms(self, document: Document, words: list[str]) -> None:
        key = terms_key(document)
        if not self._terms.reuse(key):
            self._terms.count(key, document_terms(document, words))

    def _add_passage(
        self, span: tuple[int, int], text: str, location: tuple[int | None, str | None]
    ) -> None:
        passage = len(self._texts)
        key = passage_key(self._texts.write(text))
        self._passage_files.append(len(self._files) - 1)
        self._spans.extend(span)
        page, member = location
        self._pages.append(page or 0)
        code = -1 if member is None else self._members.setdefault(member, len(self._members))
        self._member_codes.append(code)
        self._keys.append(key)
        self._sources.add(key, passage)

    def finish(self) -> Parts:
        """Embed what is new, sort the files by path, and assemble the index's parts."""
        offsets = self._texts.close()
        texts = map_texts(self._texts.path)
        self._embed(
            lambda passage: texts[offsets[passage] : offsets[passage + 1]].decode(),
            lambda passage: (int(offsets[passage]), int(offsets[passage + 1])),
        )
        table, order = build_table(self._files)
        rows = np.empty_like(order)
        rows[order] = np.arange(len(order))
        vectors = VectorIndex.create(
            self._encoder.dimension,
            len(self._keys),
            hnsw_threshold=self._config.hnsw_threshold,
            ef_search=self._config.ef_search,
        )
        self._sources.fill(vectors)
        first = np.array(self._first_passages, dtype=np.int64)
        passages = PassageTable(
            rows=rows[np.array(self._passage_files, dtype=np.int64)],
            spans=np.array(self._spans, dtype=np.int64).reshape(-1, 2),
            keys=self._passage_keys(),
            offsets=offsets,
            texts=texts,
            first=first[order],
            counts=np.diff(first, append=len(offsets) - 1)[order],
            pages=np.array(self._pages, dtype=np.int32),
            member_codes=np.array(self._member_codes, dtype=np.int32),
            members=list(self._members),
        )
        return Parts(table, passages, vectors, KeywordIndex.build(self._terms.finish(), order))

    def _passage_keys(self) -> np.ndarray:
        """Key each passage by its text; one left unembedded by NO_VECTOR, so none reuses it."""
        keys = np.array(self._keys, dtype=np.uint64)
        if self.deferred:
            keys[self._sources.unembedded()] = NO_VECTOR
        return keys

    def _embed(self, text: Callable[[int], str], span: PassageSpan) -> None:
        total = self._sources.to_embed()
        if self._defer_over is not None and total > self._defer_over:
            # Their vectors stay zero: no query is similar enough to reach them.
            self.deferred = total
            return
        report = self._progress or _no_progress
        report("embed", 0, total)
        self._sources.embed(
            text, lambda done, of: report("embed", done, of), helpers=self._helpers, span=span
        )


def document_terms(document: Document, name_words: list[str]) -> list[str]:
    """Return a file's index terms: its name's words, keywords, title (twice) and text."""
    text = document.text or ""
    language = detect_language(words_of(text[:LANGUAGE_SAMPLE_CHARS]))
    title = words_of(text[:TITLE_CHARS].partition("\n")[0])[:TITLE_WORDS]
    words = [*name_words, *words_of(document.keywords), *title, *words_of(text)]
    return index_terms(words, language)


def _parts(
    text: str, locations: tuple[tuple[int, int | None, str | None], ...]
) -> list[tuple[tuple[int, int], tuple[int | None, str | None]]]:
    """Return each located part of `text` (the whole text, when it has no locations)."""
    if not locations:
        return [((0, len(text)), (None, None))]
    ends = [offset for offset, _, _ in locations[1:]] + [len(text)]
    return [
        ((offset, end), (page, member))
        for (offset, page, member), end in zip(locations, ends, strict=True)
    ]


def _no_progress(phase: str, done: int, total: int | None) -> None:
    pass
